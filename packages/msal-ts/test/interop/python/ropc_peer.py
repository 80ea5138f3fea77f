"""Username/password sign-in by the unmodified MSAL Python library (Debian's python3-msal), recording the requests.

Reads one JSON object on stdin: {"authority", "ca", "client_id", "username", "password", "scopes"}. Signs in
with acquire_token_by_username_password through an HTTP client that records what MSAL Python asks it to send
(method, URL, params, headers, body) before sending it with requests, and prints
{"result": {...}, "requests": [...], "accounts": [...]}.

MSAL Python 1.21 builds the user realm URL from the authority's host name without its port; the emulator
listens on another port than 443, so the client sends a URL without a port to the authority's port (what a
port forward would do). The recorded URL stays as MSAL Python wrote it.
"""
import json
import sys
from urllib.parse import urlsplit, urlunsplit

import msal
import requests


class RecordingClient:
    """MSAL Python's http_client contract (get/post returning a requests.Response), recording each call."""

    def __init__(self, ca, authority):
        self.session = requests.Session()
        self.session.verify = ca
        self.recorded = []
        self.authority = urlsplit(authority)

    def _target(self, url):
        parts = urlsplit(url)
        if parts.hostname == self.authority.hostname and parts.port is None:
            return urlunsplit(parts._replace(netloc=self.authority.netloc))
        return url

    def _record(self, method, url, params, headers, data):
        body = data if isinstance(data, (str, type(None))) else (
            data.decode("utf-8") if isinstance(data, bytes) else {k: str(v) for k, v in data.items()})
        self.recorded.append({"method": method, "url": url, "params": params or None,
                              "headers": dict(headers or {}), "data": body})

    def get(self, url, params=None, headers=None, **kwargs):
        self._record("GET", url, params, headers, None)
        return self.session.get(self._target(url), params=params, headers=headers, **kwargs)

    def post(self, url, params=None, data=None, headers=None, **kwargs):
        self._record("POST", url, params, headers, data)
        return self.session.post(self._target(url), params=params, data=data, headers=headers, **kwargs)

    def close(self):
        self.session.close()


def main():
    cmd = json.load(sys.stdin)
    client = RecordingClient(cmd["ca"], cmd["authority"])
    app = msal.PublicClientApplication(
        cmd["client_id"], authority=cmd["authority"], http_client=client, instance_discovery=False)
    try:
        result = app.acquire_token_by_username_password(cmd["username"], cmd["password"], cmd["scopes"])
    except Exception as e:  # The test compares the requests up to the failure and reports it.
        result = {"exception": type(e).__name__}
    json.dump({"result": result, "requests": client.recorded, "accounts": app.get_accounts()}, sys.stdout)


if __name__ == "__main__":
    main()
