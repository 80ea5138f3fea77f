"""Runs azure-identity credentials (Debian's python3-azure, unmodified) against the emulator and prints JSON.

The Node side (test/peers/netns/identity-session.ts) runs it inside the namespace session, where
login.microsoftonline.com and 169.254.169.254 are the emulator. It reads one plan on the first line of stdin:

  {"control_url": "https://localhost/_emulator", "username": "alice@contoso.com",
   "cases": [{"name": "...", "credential": "ClientSecretCredential", "kwargs": {...}, "env": {...},
              "scopes": ["api://contoso-orders/.default"]}, ...]}

Before each case it writes `CASE <name>` on stderr and waits for a line on stdin, so the Node side can tell
which emulator requests each case caused. A kwargs value {"$token": "<case>"} is the access token an earlier
case got (on-behalf-of takes the user's token). The environment of each case is this process's environment
without any managed-identity or AZURE_* variable, plus the case's "env". Finally it prints one JSON object:
{"versions": {...}, "results": [{"name", "ok", "token", "expires_on"} or {"name", "ok": false, "error_type",
"error"}]}. The driver only calls azure-identity's public API.
"""
import json
import os
import sys

import requests

import azure.identity
import msal

CLEARED = (
    "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "IDENTITY_SERVER_THUMBPRINT", "IMDS_ENDPOINT", "MSI_ENDPOINT",
    "MSI_SECRET", "AZUREPS_HOST_ENVIRONMENT", "APPSETTING_WEBSITE_SITE_NAME", "DEFAULT_IDENTITY_CLIENT_ID",
    "AZURE_POD_IDENTITY_AUTHORITY_HOST", "MSAL_MANAGED_IDENTITY_ENDPOINT", "ACC_CLOUD",
)


def case_environment(extra):
    base = {k: v for k, v in os.environ.items() if k not in CLEARED and not k.startswith("AZURE_")}
    os.environ.clear()
    os.environ.update(base)
    os.environ.update(extra)


def approver(plan):
    """A DeviceCodeCredential prompt callback: the user approves the code through the control API."""
    def prompt(verification_uri, user_code, expires_on):
        reply = requests.post(
            plan["control_url"] + "/device/approve",
            json={"user_code": user_code, "username": plan["username"]},
            timeout=10,
        )
        reply.raise_for_status()
        print("DEVICE-CODE " + user_code, file=sys.stderr, flush=True)
    return prompt


def resolve(kwargs, tokens, plan):
    out = {}
    for key, value in kwargs.items():
        if isinstance(value, dict) and "$token" in value:
            out[key] = tokens[value["$token"]]
        elif value == "$approver":
            out[key] = approver(plan)
        else:
            out[key] = value
    return out


def run_case(case, tokens, plan):
    case_environment(case.get("env", {}))
    cls = getattr(azure.identity, case["credential"])
    credential = cls(**resolve(case.get("kwargs", {}), tokens, plan))
    try:
        token = credential.get_token(*case["scopes"])
    finally:
        credential.close()
    tokens[case["name"]] = token.token
    return {"name": case["name"], "ok": True, "token": token.token, "expires_on": token.expires_on}


def main():
    plan = json.loads(sys.stdin.readline())
    tokens = {}
    results = []
    for case in plan["cases"]:
        print("CASE " + case["name"], file=sys.stderr, flush=True)
        sys.stdin.readline()
        try:
            results.append(run_case(case, tokens, plan))
        except Exception as e:  # the test reports the failing credential with its message
            results.append({"name": case["name"], "ok": False, "error_type": type(e).__name__, "error": str(e)})
    print("CASE (end)", file=sys.stderr, flush=True)
    sys.stdin.readline()
    versions = {"azure_identity": azure.identity.__version__, "msal": msal.__version__}
    print(json.dumps({"versions": versions, "results": results}))


if __name__ == "__main__":
    main()
