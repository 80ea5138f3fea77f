/**
 * `IdTokenError` carries the spec's `reason`, `now` and `claims` (`IdTokenError(reason, now, claims)`): what was
 * wrong, the application clock's epoch seconds at the check, and the decoded claims. The claims stay out of
 * the message (they may hold personal data); the token itself is never in it.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ClientApplication, IdTokenError, PublicClientApplication } from "../../../src/index.ts";
import { decodeIdToken, decodeIdTokenFor } from "../../../src/oauth2/id-token.ts";
import { FakeClock, response } from "../../helpers/fakes.ts";
import { FakeEntra } from "../../helpers/entra-fake.ts";
import { clientInfo, unsignedJwt } from "../../helpers/tokens.ts";

/** The spec's upstream test vector (behavior reference 6.3): aud "foo". */
const VECTOR =
  "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJpc3N1ZXIiLCJpYXQiOjE3MDY1NzA3MzIsImV4cCI6MTY3NDk0ODMzMiwiYXVkIjoiZm9vIiwic3ViIjoic3ViamVjdCJ9.wyWNFxnE35SMP6FpxnWZmWQAy4KD0No_Q1rUy5bNnLs";
const VECTOR_CLAIMS = { iss: "issuer", iat: 1706570732, exp: 1674948332, aud: "foo", sub: "subject" };

function caught(f: () => unknown): IdTokenError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof IdTokenError, String(e));
    return e;
  }
  assert.fail("no IdTokenError");
}

describe("IdTokenError(reason, now, claims)", () => {
  it("constructed as the spec documents it", () => {
    const e = new IdTokenError("bad audience", 1000, { aud: "x" });
    assert.equal(e.reason, "bad audience");
    assert.equal(e.message, "bad audience");
    assert.equal(e.now, 1000);
    assert.deepEqual(e.claims, { aud: "x" });
    assert.equal(e.code, "invalid_id_token");
  });

  it("the spec's test vector: decoded without a client id, refused with another one (reason, now, claims)", () => {
    assert.deepEqual(decodeIdToken(VECTOR), VECTOR_CLAIMS);
    const e = caught(() => decodeIdTokenFor(VECTOR, "not foo", 1_700_000_000));
    assert.match(e.reason, /issued to another application/);
    assert.equal(e.now, 1_700_000_000);
    assert.deepEqual(e.claims, VECTOR_CLAIMS);
    assert.ok(!e.message.includes(VECTOR.split(".")[1]!), "the token is not in the message");
  });

  it("a malformed token: claims are {} and now defaults to the system clock", () => {
    const before = Math.floor(Date.now() / 1000);
    const e = caught(() => decodeIdToken("only.two"));
    assert.deepEqual(e.claims, {});
    assert.ok(e.now >= before && e.now <= before + 5);
  });

  it("from a token response: now is the application's clock, claims the token's", async () => {
    const http = new FakeEntra();
    const claims = { aud: "someone-else", sub: "s", tid: "t", iss: "https://login.microsoftonline.com/t/v2.0" };
    http.token = () =>
      response(200, {
        access_token: "AT",
        expires_in: 3600,
        client_info: clientInfo("u", "t"),
        id_token: unsignedJwt(claims),
      });
    const clock = new FakeClock(1_800_000_000_000);
    const app: ClientApplication = new PublicClientApplication("cid", {
      authority: "https://login.microsoftonline.com/organizations",
      httpClient: http,
      clock,
    });
    await assert.rejects(app.acquireTokenByRefreshToken("RT", ["User.Read"]), (e: Error) => {
      assert.ok(e instanceof IdTokenError);
      assert.equal(e.now, 1_800_000_000);
      assert.deepEqual(e.claims, claims);
      assert.ok(!e.message.includes("someone-else"), "claims are not in the message");
      return true;
    });
  });

  it("a nonce mismatch in the legacy code redemption carries the token's claims", async () => {
    const http = new FakeEntra();
    const claims = { aud: "cid", sub: "s", nonce: "other", tid: "t", iss: "https://login.microsoftonline.com/t/v2.0" };
    http.token = () => response(200, { access_token: "AT", expires_in: 3600, id_token: unsignedJwt(claims) });
    const app = new PublicClientApplication("cid", {
      authority: "https://login.microsoftonline.com/organizations",
      httpClient: http,
      clock: new FakeClock(1_800_000_000_000),
    });
    await assert.rejects(
      app.acquireTokenByAuthorizationCode("code", ["User.Read"], { redirectUri: "http://localhost", nonce: "mine" }),
      (e: Error) => e instanceof IdTokenError && e.now === 1_800_000_000 && e.claims.nonce === "other",
    );
  });
});
