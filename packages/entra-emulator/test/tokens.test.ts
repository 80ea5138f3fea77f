import assert from "node:assert/strict";
import { createPublicKey, verify } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { type Emulator } from "../src/index.js";
import { call, decodePayload, DEMO, startDemoEmulator } from "./helpers.js";

const TOKEN = `/${DEMO.tenant}/oauth2/v2.0/token`;

describe("issued tokens", () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startDemoEmulator();
  });
  after(() => emulator.close());

  test("tokens are RS256 JWTs signed by the key in the JWKS, with Entra's claims", async () => {
    const r = await call(emulator, "POST", TOKEN, {
      form: {
        grant_type: "client_credentials",
        client_id: DEMO.confidential,
        client_secret: DEMO.secret,
        scope: "api://contoso-orders/.default",
        claims: '{"access_token":{"xms_cc":{"values":["CP1"]}}}',
      },
    });
    const body = r.json();
    assert.deepEqual(Object.keys(body), ["token_type", "expires_in", "ext_expires_in", "access_token"]);
    const token = body.access_token as string;
    const claims = decodePayload(token);
    assert.equal(claims.aud, DEMO.api);
    assert.equal(claims.tid, DEMO.tenantId);
    assert.equal(claims.azp, DEMO.confidential);
    assert.equal(claims.ver, "2.0");
    assert.equal(claims.idtyp, "app");
    assert.deepEqual(claims.roles, ["Orders.Read.All"]);
    assert.deepEqual(claims.xms_cc, ["CP1"]);
    const jwks = (await call(emulator, "GET", `/${DEMO.tenant}/discovery/v2.0/keys`)).json() as {
      keys: Record<string, string>[];
    };
    const [h, p, s] = token.split(".") as [string, string, string];
    const kid = JSON.parse(Buffer.from(h, "base64url").toString()).kid;
    const jwk = jwks.keys.find((k) => k.kid === kid);
    assert.ok(jwk);
    const key = createPublicKey({ key: jwk as unknown as import("node:crypto").JsonWebKey, format: "jwk" });
    assert.ok(verify("sha256", Buffer.from(`${h}.${p}`), key, Buffer.from(s, "base64url")));
  });
});
