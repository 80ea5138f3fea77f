"""acquire_token_silent cache hits in Debian's MSAL Python, for `npm run bench`.

Reads {"cache_path", "client_id", "authority", "username", "scope"} on stdin; prints
{"medianUs": ..., "calls": ..., "msal": version}. The HTTP client answers only OIDC discovery and counts
anything else, so every timed call is checked to be a cache hit that sent nothing.
"""
import json
import statistics
import sys
import time

import msal


class Response:
    def __init__(self, status_code, body):
        self.status_code = status_code
        self.text = json.dumps(body)
        self.headers = {}

    def raise_for_status(self):
        if self.status_code >= 400:
            raise RuntimeError("HTTP %d" % self.status_code)


class OfflineHttp:
    unexpected = 0

    def get(self, url, params=None, headers=None, **kwargs):
        if url.endswith("/v2.0/.well-known/openid-configuration"):
            base = url[: -len("/v2.0/.well-known/openid-configuration")]
            return Response(200, {
                "authorization_endpoint": base + "/oauth2/v2.0/authorize",
                "token_endpoint": base + "/oauth2/v2.0/token",
                "issuer": base + "/v2.0",
            })
        self.unexpected += 1
        return Response(404, {})

    def post(self, url, params=None, data=None, headers=None, **kwargs):
        self.unexpected += 1
        return Response(500, {})

    def close(self):
        pass


def main():
    cmd = json.load(sys.stdin)
    cache = msal.SerializableTokenCache()
    with open(cmd["cache_path"]) as f:
        cache.deserialize(f.read())
    http = OfflineHttp()
    app = msal.PublicClientApplication(cmd["client_id"], authority=cmd["authority"], http_client=http, token_cache=cache)
    account = app.get_accounts(username=cmd["username"])[0]
    scopes = [cmd["scope"]]

    def call():
        result = app.acquire_token_silent(scopes, account)
        if not result or "access_token" not in result or http.unexpected:
            raise RuntimeError("expected a cache hit and no request")

    end = time.perf_counter() + 0.3
    while time.perf_counter() < end:
        call()
    rounds = []
    calls = 0
    for _ in range(7):
        n = 0
        start = time.perf_counter()
        while n < 3 or time.perf_counter() - start < 0.25:
            call()
            n += 1
        rounds.append((time.perf_counter() - start) * 1e6 / n)
        calls += n
    json.dump({"medianUs": statistics.median(rounds), "calls": calls, "msal": msal.__version__}, sys.stdout)


if __name__ == "__main__":
    main()
