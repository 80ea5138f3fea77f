"""One step of a cache interop test, done by the unmodified MSAL Python library (Debian's python3-msal).

Reads one JSON object on stdin: {"authority", "ca", "cache": "<serialized cache or empty>", "steps": [...]},
runs the steps in order against one SerializableTokenCache, and prints {"results": [...], "cache": "..."}.
Steps: {"op": "initiate", "client_id", "scopes", "redirect_uri"} | {"op": "redeem", "client_id", "flow",
"response"} | {"op": "client_credentials", "client_id", "secret", "scopes"} | {"op": "accounts", "client_id"} |
{"op": "silent", "client_id", "secret"?, "scopes", "force_refresh"?} | {"op": "username_password", "client_id",
"username", "password", "scopes"}.
"""
import json
import sys

import msal


def main():
    cmd = json.load(sys.stdin)
    cache = msal.SerializableTokenCache()
    if cmd.get("cache"):
        cache.deserialize(cmd["cache"])

    def app(step):
        common = dict(authority=cmd["authority"], verify=cmd["ca"], instance_discovery=False, token_cache=cache)
        if step.get("secret"):
            return msal.ConfidentialClientApplication(step["client_id"], client_credential=step["secret"], **common)
        return msal.PublicClientApplication(step["client_id"], **common)

    results = []
    for step in cmd["steps"]:
        op = step["op"]
        a = app(step)
        if op == "initiate":
            results.append(a.initiate_auth_code_flow(step["scopes"], redirect_uri=step["redirect_uri"]))
        elif op == "redeem":
            results.append(a.acquire_token_by_auth_code_flow(step["flow"], step["response"]))
        elif op == "client_credentials":
            results.append(a.acquire_token_for_client(step["scopes"]))
        elif op == "accounts":
            results.append(a.get_accounts())
        elif op == "silent":
            account = a.get_accounts()[0]
            results.append(a.acquire_token_silent(step["scopes"], account, force_refresh=step.get("force_refresh", False)))
        elif op == "username_password":
            results.append(a.acquire_token_by_username_password(step["username"], step["password"], step["scopes"]))
        else:
            raise ValueError("unknown op %r" % op)
    json.dump({"results": results, "cache": cache.serialize()}, sys.stdout)


if __name__ == "__main__":
    main()
