/**
 * Proof-of-Possession without a broker: request parameters, the Signed HTTP Request, cache behaviour
 * (PoP beside bearer), silent re-signing, and the external-key request data (behavior reference 7.1).
 */
import assert from "node:assert/strict";
import { createHash, createPublicKey, verify } from "node:crypto";
import { describe, it } from "node:test";
import {
  ConfidentialClientApplication,
  InvalidArgumentError,
  PopAuthScheme,
  PublicClientApplication,
  type Account,
} from "../../src/index.ts";
import { FakeClock, response } from "../helpers/fakes.ts";
import { FakeEntra } from "../helpers/entra-fake.ts";
import { clientInfo } from "../helpers/tokens.ts";
import { expectToken } from "../helpers/results.ts";

function decode(jws: string): {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signed: string;
  signature: Buffer;
} {
  const [h, p, s] = jws.split(".");
  return {
    header: JSON.parse(Buffer.from(h!, "base64url").toString()),
    payload: JSON.parse(Buffer.from(p!, "base64url").toString()),
    signed: `${h}.${p}`,
    signature: Buffer.from(s!, "base64url"),
  };
}

function checkShr(shr: string, o: { at: string; method: string; url: string; nonce: string; kid: string }): void {
  const { header, payload, signed, signature } = decode(shr);
  assert.deepEqual(header, { alg: "RS256", kid: o.kid, typ: "pop" });
  const u = new URL(o.url);
  assert.equal(payload.at, o.at);
  assert.equal(payload.m, o.method);
  assert.equal(payload.u, u.host);
  assert.equal(payload.p, u.pathname);
  assert.equal(payload.nonce, o.nonce);
  assert.equal(typeof payload.ts, "number");
  const jwk = (payload.cnf as { jwk: { e: string; kty: string; n: string } }).jwk;
  assert.equal(
    createHash("sha256")
      .update(JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n }))
      .digest("base64url"),
    o.kid,
    "kid = RFC 7638 thumbprint of cnf.jwk",
  );
  assert.ok(
    verify("sha256", Buffer.from(signed), createPublicKey({ key: jwk, format: "jwk" }), signature),
    "the SHR verifies with cnf.jwk",
  );
}

describe("PopAuthScheme", () => {
  it("validates its arguments (7.1)", () => {
    assert.throws(() => new PopAuthScheme({ httpMethod: "GET", url: "", nonce: "n" }), InvalidArgumentError);
    assert.throws(
      () => new PopAuthScheme({ httpMethod: "get" as never, url: "https://a.example/x", nonce: "n" }),
      InvalidArgumentError,
    );
    assert.throws(
      () => new PopAuthScheme({ httpMethod: "GET", url: "ftp://a.example/x", nonce: "n" }),
      InvalidArgumentError,
    );
    assert.throws(
      () => new PopAuthScheme({ httpMethod: "GET", url: "https://a.example/x", nonce: "" }),
      InvalidArgumentError,
    );
    assert.equal(PopAuthScheme.HTTP_PATCH, "PATCH");
    assert.equal(
      new PopAuthScheme({ httpMethod: "POST", url: "https://a.example/x?y=1", nonce: "n" }).url.pathname,
      "/x",
    );
  });
  it("isPopSupported() is true everywhere", () => {
    assert.equal(new PublicClientApplication("c", { httpClient: new FakeEntra() }).isPopSupported(), true);
  });
});

describe("PoP tokens", () => {
  const scheme = (nonce = "n1", url = "https://api.example.com/orders/7", httpMethod: "GET" | "POST" = "GET") =>
    new PopAuthScheme({ httpMethod, url, nonce });

  it("client credentials: token_type=pop and req_cnf on the wire; an SHR back; the PoP token cached beside the bearer one", async () => {
    const http = new FakeEntra();
    let n = 0;
    http.token = (r) => {
      const d = r.data as Record<string, string>;
      return response(200, {
        access_token: `${d.token_type === "pop" ? "pop" : "bearer"}-at-${++n}`,
        token_type: d.token_type === "pop" ? "pop" : "Bearer",
        expires_in: 3600,
      });
    };
    const app = new ConfidentialClientApplication("cid", {
      clientCredential: "s",
      authority: "https://login.microsoftonline.com/t",
      httpClient: http,
      clock: new FakeClock(),
    });
    const bearer = await app.acquireTokenForClient(["https://r/.default"]);
    const pop = await app.acquireTokenForClient(["https://r/.default"], { authScheme: scheme() });
    const req = http.tokenRequests[1]?.data as Record<string, string>;
    assert.equal(req.token_type, "pop");
    const cnf = JSON.parse(Buffer.from(req.req_cnf!, "base64url").toString()) as { kid: string; xms_ksl: string };
    assert.equal(cnf.xms_ksl, "sw");
    assert.equal(expectToken(pop).token_type, "pop");
    checkShr(String(expectToken(pop).access_token), {
      at: "pop-at-2",
      method: "GET",
      url: "https://api.example.com/orders/7",
      nonce: "n1",
      kid: cnf.kid,
    });
    assert.equal(app.tokenCache.find("AccessToken").length, 1, "a search without key_id sees only the bearer token");
    assert.equal(
      app.tokenCache.find("AccessToken", { query: { key_id: cnf.kid } }).length,
      1,
      "the PoP token lives beside it",
    );
    const bearerAgain = await app.acquireTokenForClient(["https://r/.default"]);
    assert.equal(
      expectToken(bearerAgain).access_token,
      expectToken(bearer).access_token,
      "the bearer token was not clobbered",
    );
    const popAgain = await app.acquireTokenForClient(["https://r/.default"], {
      authScheme: scheme("n2", "https://api.example.com/orders", "POST"),
    });
    assert.equal(http.tokenRequests.length, 2, "the PoP token came from the cache");
    checkShr(String(expectToken(popAgain).access_token), {
      at: "pop-at-2",
      method: "POST",
      url: "https://api.example.com/orders",
      nonce: "n2",
      kid: cnf.kid,
    });
  });

  it("silent: the cached PoP token is signed afresh for each call; bearer and PoP refreshes are separate", async () => {
    const http = new FakeEntra();
    let n = 0;
    http.token = (r) => {
      const d = r.data as Record<string, string>;
      return response(200, {
        access_token: `${d.token_type ?? "bearer"}-${++n}`,
        token_type: d.token_type === "pop" ? "pop" : "Bearer",
        expires_in: 3600,
        refresh_token: `rt-${n}`,
        client_info: clientInfo("u", "t"),
      });
    };
    const app = new PublicClientApplication("cid", {
      authority: "https://login.microsoftonline.com/t",
      httpClient: http,
      clock: new FakeClock(),
    });
    await app.acquireTokenByUsernamePassword("alice@contoso.com", "pw", ["User.Read"]);
    const account: Account = (await app.getAccounts())[0]!;
    const first = await app.acquireTokenSilent(["User.Read"], account, { authScheme: scheme("a") });
    const second = await app.acquireTokenSilent(["User.Read"], account, { authScheme: scheme("b") });
    assert.equal(http.tokenRequests.length, 2, "one refresh to get the PoP token, then the cache");
    assert.notEqual(first?.access_token, second?.access_token, "a fresh SHR per call");
    assert.equal(decode(String(second?.access_token)).payload.nonce, "b");
    assert.equal(decode(String(second?.access_token)).payload.at, "pop-2");
    assert.equal(
      (await app.acquireTokenSilent(["User.Read"], account))?.access_token,
      "bearer-1",
      "the bearer token is still served to bearer callers",
    );
  });

  it("username/password and the auth code flow accept authScheme", async () => {
    const http = new FakeEntra();
    http.token = (r) =>
      response(200, {
        access_token: `at-${(r.data as Record<string, string>).grant_type}`,
        token_type: "pop",
        expires_in: 3600,
        client_info: clientInfo("u", "t"),
      });
    const app = new PublicClientApplication("cid", {
      authority: "https://login.microsoftonline.com/t",
      httpClient: http,
      clock: new FakeClock(),
    });
    const ropc = await app.acquireTokenByUsernamePassword("alice@contoso.com", "pw", ["User.Read"], {
      authScheme: scheme(),
    });
    assert.equal(decode(String(expectToken(ropc).access_token)).payload.at, "at-password");
    const flow = await app.initiateAuthCodeFlow(["User.Read"], { redirectUri: "http://localhost:1" });
    const code = await app.acquireTokenByAuthCodeFlow(flow, { state: flow.state, code: "c" }, { authScheme: scheme() });
    assert.equal(decode(String(expectToken(code).access_token)).payload.at, "at-authorization_code");
    assert.equal((http.tokenRequests[1]?.data as Record<string, string>).token_type, "pop");
  });

  it("external keys through request data: ssh-cert needs req_cnf and key_id; the token is cached under key_id", async () => {
    const http = new FakeEntra();
    http.token = () => response(200, { access_token: "AAAAssh-cert", token_type: "ssh-cert", expires_in: 3600 });
    const app = new ConfidentialClientApplication("cid", {
      clientCredential: "s",
      authority: "https://login.microsoftonline.com/t",
      httpClient: http,
      clock: new FakeClock(),
    });
    await assert.rejects(
      app.acquireTokenForClient(["https://r/.default"], { data: { token_type: "ssh-cert", key_id: "k" } }),
      InvalidArgumentError,
    );
    assert.equal(http.tokenRequests.length, 0, "refused before any request");
    const data = { token_type: "ssh-cert", req_cnf: '{"kty":"RSA","n":"x","e":"AQAB"}', key_id: "key-1" };
    const r = await app.acquireTokenForClient(["https://r/.default"], { data });
    assert.equal(expectToken(r).access_token, "AAAAssh-cert");
    assert.deepEqual(
      Object.fromEntries(
        Object.entries(http.tokenRequests[0]?.data as Record<string, string>).filter(([k]) => k in data),
      ),
      data,
    );
    assert.equal(expectToken(await app.acquireTokenForClient(["https://r/.default"], { data })).token_source, "cache");
    assert.equal(app.tokenCache.find("AccessToken", { query: { key_id: "key-1" } }).length, 1);
    await assert.rejects(
      app.acquireTokenForClient(["https://r/.default"], { data, authScheme: scheme() }),
      InvalidArgumentError,
    );
  });
});
