/**
 * Key-bound tokens through a broker (issue 20 item a) and the broker's redirect-URI errors (item c).
 * `authScheme` goes to the broker as its PoP parameters (method, URL host, URL path, nonce: what MSAL Python
 * gives its broker) and the broker's Signed HTTP Request is returned as it is, never re-signed with msal-ts's
 * own key and never cached; `data` goes to the broker as additional parameters. A broker that answers a
 * token of another type is refused with `broker_binding_unsupported`, never returned unbound. Broker errors
 * AADSTS50011 / AADSTS7000218 throw RedirectUriError naming the two redirect URIs (behavior reference 7.2).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  MsalError,
  PopAuthScheme,
  PublicClientApplication,
  RedirectUriError,
  TokenCache,
  type Broker,
  type BrokerRequest,
} from "../../src/index.ts";
import { FakeClock } from "../helpers/fakes.ts";
import { FakeEntra } from "../helpers/entra-fake.ts";
import { clientInfo, unsignedJwt } from "../helpers/tokens.ts";
import { expectToken } from "../helpers/results.ts";

const AUTHORITY = "https://login.microsoftonline.com/contoso.onmicrosoft.com";
const HANDLE = PublicClientApplication.CONSOLE_WINDOW_HANDLE;

type Answer = (r: BrokerRequest) => Record<string, unknown>;

/** A broker that records every request and answers with `answer` (a bearer token by default). */
function recordingBroker(answer?: Answer): Broker & { requests: BrokerRequest[] } {
  const requests: BrokerRequest[] = [];
  const token: Answer =
    answer ??
    (() => ({
      access_token: "broker-bearer",
      expires_in: 3600,
      client_info: clientInfo("u", "t"),
      _account_id: "acct-1",
    }));
  const base = (r: BrokerRequest) => ({
    id_token: unsignedJwt({ aud: "cid", sub: "s", oid: "acct-1", preferred_username: "alice@contoso.com" }),
    client_info: clientInfo("u", "t"),
    _account_id: "acct-1",
    scope: "User.Read",
    ...token(r),
  });
  return {
    requests,
    async signInSilently(r) {
      requests.push(r);
      return { error: "interaction_required", _broker_status: "InteractionRequired" };
    },
    async signInInteractively(r) {
      requests.push(r);
      return base(r);
    },
    async acquireTokenSilently(r) {
      requests.push(r);
      return base(r);
    },
    async signOutSilently() {},
  };
}

/** A PoP-capable broker: its "SHR" names what it signed, so a test can see what reached it. */
const popAnswer: Answer = (r) =>
  r.pop
    ? {
        access_token: `shr(${r.pop.httpMethod} ${r.pop.uriHost} ${r.pop.uriPath} ${r.pop.nonce})`,
        token_type: "pop",
        expires_in: 3600,
      }
    : { access_token: "broker-bearer", expires_in: 3600 };

function app(broker: Broker) {
  const cache = new TokenCache();
  const pca = new PublicClientApplication("cid", {
    authority: AUTHORITY,
    httpClient: new FakeEntra(),
    clock: new FakeClock(),
    tokenCache: cache,
    enableBrokerOnWindows: true,
    platform: "win32",
    broker,
  });
  return { pca, cache };
}

const scheme = (nonce: string) =>
  new PopAuthScheme({ httpMethod: PopAuthScheme.HTTP_POST, url: "https://api.example.com:8443/orders/42?x=1", nonce });

describe("PoP through a broker", () => {
  it("interactive: the broker gets method, host, path and nonce; its SHR is returned as it is, not cached", async () => {
    const broker = recordingBroker(popAnswer);
    const { pca, cache } = app(broker);
    const r = expectToken(
      await pca.acquireTokenInteractive(["User.Read"], { parentWindowHandle: HANDLE, authScheme: scheme("n1") }),
    );
    assert.equal(r.access_token, "shr(POST api.example.com:8443 /orders/42 n1)");
    assert.equal(r.token_type, "pop");
    assert.equal(r.token_source, "broker");
    const last = broker.requests.at(-1)!;
    assert.deepEqual(last.pop, {
      httpMethod: "POST",
      uriHost: "api.example.com:8443",
      uriPath: "/orders/42",
      nonce: "n1",
    });
    assert.deepEqual(
      cache.find("AccessToken").map((at) => at.secret),
      [],
      "a Signed HTTP Request is for one request: not cached",
    );
    const [account] = await pca.getAccounts();
    assert.equal(account?.local_account_id, "acct-1", "the account is kept");
  });

  it("silent for a broker account: every call asks the broker afresh, and msal-ts never re-signs", async () => {
    const broker = recordingBroker(popAnswer);
    const { pca } = app(broker);
    expectToken(await pca.acquireTokenInteractive(["User.Read"], { parentWindowHandle: HANDLE }));
    const [account] = await pca.getAccounts();
    broker.requests.length = 0;
    const [a, b] = await Promise.all([
      pca.acquireTokenSilentWithError(["User.Read"], account!, { authScheme: scheme("n2") }),
      pca.acquireTokenSilentWithError(["User.Read"], account!, { authScheme: scheme("n3") }),
    ]);
    assert.equal(expectToken(a).access_token, "shr(POST api.example.com:8443 /orders/42 n2)");
    assert.equal(expectToken(b).access_token, "shr(POST api.example.com:8443 /orders/42 n3)");
    assert.deepEqual(
      broker.requests.map((r) => r.pop?.nonce),
      ["n2", "n3"],
    );
    // A bearer call for the same account is still served from the cache (the interactive bearer token).
    broker.requests.length = 0;
    const bearer = expectToken(await pca.acquireTokenSilent(["User.Read"], account!));
    assert.equal(bearer.access_token, "broker-bearer");
    assert.equal(broker.requests.length, 0);
  });

  it("a broker that answers a bearer token to a PoP request is refused, interactive and silent", async () => {
    const broker = recordingBroker();
    const { pca, cache } = app(broker);
    await assert.rejects(
      pca.acquireTokenInteractive(["User.Read"], { parentWindowHandle: HANDLE, authScheme: scheme("n1") }),
      (e: Error) =>
        e instanceof MsalError &&
        e.code === "broker_binding_unsupported" &&
        /pop token was requested through the broker, but it answered a bearer token/.test(e.message),
    );
    assert.equal(cache.find("AccessToken").length, 0, "nothing cached from the refused answer");
    expectToken(await pca.acquireTokenInteractive(["User.Read"], { parentWindowHandle: HANDLE }));
    const [account] = await pca.getAccounts();
    await assert.rejects(
      pca.acquireTokenSilentWithError(["User.Read"], account!, { authScheme: scheme("n1") }),
      (e: Error) => e instanceof MsalError && e.code === "broker_binding_unsupported",
    );
  });
});

describe("external-key data through a broker", () => {
  const data = { token_type: "ssh-cert", req_cnf: '{"kty":"RSA","n":"x","e":"AQAB"}', key_id: "key1" };

  it("the broker gets the data; an ssh-cert answer is cached under its key_id", async () => {
    const broker = recordingBroker((r) =>
      r.data?.token_type === "ssh-cert"
        ? { access_token: "AAAA-cert", token_type: "ssh-cert", expires_in: 3600 }
        : { access_token: "broker-bearer", expires_in: 3600 },
    );
    const { pca, cache } = app(broker);
    const r = expectToken(await pca.acquireTokenInteractive(["User.Read"], { parentWindowHandle: HANDLE, data }));
    assert.equal(r.access_token, "AAAA-cert");
    assert.deepEqual(broker.requests.at(-1)?.data, data);
    const [at] = cache.find("AccessToken", { query: { key_id: "key1" } });
    assert.equal(at?.secret, "AAAA-cert");
  });

  it("an answer of another token type is refused", async () => {
    const { pca } = app(recordingBroker());
    await assert.rejects(
      pca.acquireTokenInteractive(["User.Read"], { parentWindowHandle: HANDLE, data }),
      (e: Error) => e instanceof MsalError && e.code === "broker_binding_unsupported",
    );
  });
});

describe("broker errors about the redirect URI throw RedirectUriError", () => {
  const expectRedirectUriError = (e: Error) => {
    assert.ok(e instanceof RedirectUriError, `${e.name}: ${e.message}`);
    assert.equal(e.code, "invalid_redirect_uri");
    assert.match(e.message, /ms-appx-web:\/\/Microsoft\.AAD\.BrokerPlugin\/cid/);
    assert.match(e.message, /msauth\.com\.msauth\.unsignedapp:\/\/auth/);
    return true;
  };

  it("AADSTS50011 in the interactive answer's description", async () => {
    const broker = recordingBroker(() => ({
      error: "broker_error",
      error_description:
        "AADSTS50011: The redirect URI specified in the request does not match. Status: ApiContractViolation",
    }));
    const { pca } = app(broker);
    await assert.rejects(
      pca.acquireTokenInteractive(["User.Read"], { parentWindowHandle: HANDLE, prompt: "select_account" }),
      expectRedirectUriError,
    );
  });

  it("AADSTS7000218 (error_codes) in a silent answer", async () => {
    let fail = false;
    const broker = recordingBroker(() =>
      fail
        ? {
            error: "invalid_client",
            error_codes: [7000218],
            error_description: "The request body must contain client_secret",
          }
        : { access_token: "broker-bearer", expires_in: 3600 },
    );
    const { pca } = app(broker);
    expectToken(await pca.acquireTokenInteractive(["User.Read"], { parentWindowHandle: HANDLE }));
    const [account] = await pca.getAccounts();
    fail = true;
    await assert.rejects(
      pca.acquireTokenSilentWithError(["User.Read"], account!, { forceRefresh: true }),
      expectRedirectUriError,
    );
  });

  it("other broker errors are still returned", async () => {
    const broker = recordingBroker(() => ({ error: "broker_error", error_description: "Status: UserCanceled" }));
    const { pca } = app(broker);
    const r = await pca.acquireTokenInteractive(["User.Read"], {
      parentWindowHandle: HANDLE,
      prompt: "select_account",
    });
    assert.equal((r as { error?: string }).error, "broker_error");
  });
});
