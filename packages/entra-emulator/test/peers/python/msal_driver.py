"""A JSON-lines driver that lets the Node tests call the unmodified MSAL Python library.

Run it with the interpreter that can import MSAL (Debian's python3-msal: /usr/bin/python3). It reads one JSON
command per line on stdin and writes one JSON reply per line on stdout, so a test can keep state (apps, token
caches, auth-code and device flows with their PKCE verifiers) in this one process across several steps:

  {"id": 1, "op": "version"}
  {"id": 2, "op": "app", "name": "web", "kind": "confidential", "client_id": "...", "authority": "https://...",
   "credential": "secret" | {"private_key": "...", "thumbprint": "..."}, "ca": "/tmp/.../ca.pem",
   "cache": "shared"?, "cache_state": "<serialized SerializableTokenCache>"?}
  {"id": 3, "op": "call", "app": "web", "method": "initiate_auth_code_flow", "kwargs": {...}, "save": "flow"}
  {"id": 4, "op": "call", "app": "web", "method": "acquire_token_by_auth_code_flow",
   "kwargs": {"auth_code_flow": {"$ref": "flow"}, "auth_response": {...}}}
  {"id": 5, "op": "set", "ref": "flow", "key": "redirect_uri", "value": "..."}   ("get" returns a saved object)
  {"id": 6, "op": "serialize_cache", "cache": "shared"}

Values of the form {"$ref": name} in "kwargs" are replaced by objects saved earlier with "save"; {"$ref": name,
"index": i} picks one item of a saved list (e.g. an account from get_accounts()). Replies are
{"id": n, "ok": true, "result": ...} or {"id": n, "ok": false, "exception": {"type": ..., "message": ...}}.
The driver never changes MSAL: it only calls its public API.
"""
import json
import sys
import traceback

import msal

apps = {}
caches = {}
saved = {}


def resolve(value):
    if isinstance(value, dict):
        if "$ref" in value:
            obj = saved[value["$ref"]]
            return obj[value["index"]] if "index" in value else obj
        return {k: resolve(v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v) for v in value]
    return value


def cache_for(cmd):
    name = cmd.get("cache")
    state = cmd.get("cache_state")
    if name is not None and name in caches:
        return caches[name]
    cache = msal.SerializableTokenCache()
    if state:
        cache.deserialize(state)
    if name is not None:
        caches[name] = cache
    return cache


def make_app(cmd):
    common = dict(
        authority=cmd["authority"],
        verify=cmd["ca"],
        instance_discovery=False,
        token_cache=cache_for(cmd),
    )
    if cmd["kind"] == "confidential":
        app = msal.ConfidentialClientApplication(cmd["client_id"], client_credential=cmd["credential"], **common)
    else:
        app = msal.PublicClientApplication(cmd["client_id"], **common)
    apps[cmd["name"]] = app
    return {"authority": {
        "authorization_endpoint": app.authority.authorization_endpoint,
        "token_endpoint": app.authority.token_endpoint,
        "device_authorization_endpoint": app.authority.device_authorization_endpoint,
        "instance": app.authority.instance,
        "tenant": app.authority.tenant,
    }}


def handle(cmd):
    op = cmd["op"]
    if op == "version":
        return {"msal": msal.__version__, "python": sys.version.split()[0]}
    if op == "app":
        return make_app(cmd)
    if op == "call":
        method = getattr(apps[cmd["app"]], cmd["method"])
        result = method(*resolve(cmd.get("args", [])), **resolve(cmd.get("kwargs", {})))
        if cmd.get("save"):
            saved[cmd["save"]] = result
        return result
    if op == "get":
        return saved[cmd["ref"]]
    if op == "set":
        saved[cmd["ref"]][cmd["key"]] = cmd["value"]
        return saved[cmd["ref"]]
    if op == "serialize_cache":
        return caches[cmd["cache"]].serialize()
    raise ValueError("unknown op %r" % op)


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        cmd = json.loads(line)
        try:
            reply = {"id": cmd.get("id"), "ok": True, "result": handle(cmd)}
        except Exception as e:  # Reported to the test, which decides whether it was expected.
            reply = {"id": cmd.get("id"), "ok": False, "exception": {
                "type": type(e).__name__, "message": str(e), "traceback": traceback.format_exc()}}
        sys.stdout.write(json.dumps(reply, default=repr) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
