import assert from "node:assert/strict";
import { constants, createHash, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { startEmulator, type Emulator } from "../../src/index.js";
import { DEMO, call, decodePayload, entraError, pkcePair, type Reply } from "../helpers.js";

const TOKEN = `/${DEMO.tenant}/oauth2/v2.0/token`;
const RESOURCE = "/_emulator/pop/resource";
const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString("base64url");

/**
 * A minimal PoP client, written here from the wire contract (no code shared with any MSAL library): a key pair,
 * its RFC 7638 thumbprint as kid, the req_cnf token parameter, and Signed HTTP Requests.
 */
class PopKey {
  readonly privateKey: KeyObject;
  readonly jwk: Record<string, string>;
  readonly kid: string;
  readonly alg: "RS256" | "PS256" | "ES256";

  constructor(kind: "RS256" | "PS256" | "ES256" = "RS256") {
    this.alg = kind;
    const pair =
      kind === "ES256"
        ? generateKeyPairSync("ec", { namedCurve: "P-256" })
        : generateKeyPairSync("rsa", { modulusLength: 2048 });
    this.privateKey = pair.privateKey;
    const full = pair.publicKey.export({ format: "jwk" });
    // RFC 7638: the required members, lexicographic order, no whitespace.
    this.jwk =
      kind === "ES256"
        ? { crv: String(full.crv), kty: "EC", x: String(full.x), y: String(full.y) }
        : { e: String(full.e), kty: "RSA", n: String(full.n) };
    this.kid = createHash("sha256").update(JSON.stringify(this.jwk)).digest("base64url");
  }

  reqCnf(): string {
    return b64({ kid: this.kid, xms_ksl: "sw" });
  }

  /** Signs `header.payload` with this key in the JWS form of `this.alg`. */
  signJws(header: Record<string, unknown>, payload: Record<string, unknown>): string {
    const input = `${b64(header)}.${b64(payload)}`;
    const data = Buffer.from(input);
    const signature =
      this.alg === "ES256"
        ? sign("sha256", data, { key: this.privateKey, dsaEncoding: "ieee-p1363" })
        : this.alg === "PS256"
          ? sign("sha256", data, { key: this.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })
          : sign("sha256", data, this.privateKey);
    return `${input}.${signature.toString("base64url")}`;
  }
}

describe("Proof-of-Possession: issuance and the SHR-validating resource", () => {
  let emulator: Emulator;
  let host: string;
  const key = new PopKey();
  const otherKey = new PopKey();
  before(async () => {
    emulator = await startEmulator();
    host = new URL(emulator.url).host;
  });
  after(() => emulator.close());

  const clientCredentials = (extra: Record<string, string> = {}) =>
    call(emulator, "POST", TOKEN, {
      form: {
        grant_type: "client_credentials",
        client_id: DEMO.confidential,
        client_secret: DEMO.secret,
        scope: "api://contoso-orders/.default",
        ...extra,
      },
    });
  const popForm = (k: PopKey = key) => ({ token_type: "pop", req_cnf: k.reqCnf() });
  const popToken = async (k: PopKey = key): Promise<string> => {
    const r = await clientCredentials(popForm(k));
    assert.equal(r.status, 200, r.text);
    return String(r.json().access_token);
  };
  const nonce = async (): Promise<string> => {
    const r = await call(emulator, "GET", "/_emulator/pop/nonce");
    assert.equal(r.status, 200, r.text);
    const n = r.json().nonce;
    assert.ok(typeof n === "string" && n.length >= 16);
    return n;
  };
  /** An SHR for `method path` with overridable payload members; signed by `signer` (default: the payload's key). */
  const shr = (
    at: string,
    n: string,
    o: { m?: string; p?: string; u?: string; ts?: number; jwkOf?: PopKey; signer?: PopKey; typ?: string } = {},
  ) => {
    const jwkOf = o.jwkOf ?? key;
    const signer = o.signer ?? jwkOf;
    const payload = {
      at,
      ts: o.ts ?? Math.floor(Date.now() / 1000),
      m: o.m ?? "GET",
      u: o.u ?? host,
      p: o.p ?? RESOURCE,
      nonce: n,
      cnf: { jwk: jwkOf.jwk },
    };
    return signer.signJws({ typ: o.typ ?? "pop", alg: signer.alg, kid: signer.kid }, payload);
  };
  const present = (proof: string, method = "GET", path = RESOURCE, scheme = "PoP") =>
    call(emulator, method, path, { headers: { authorization: `${scheme} ${proof}` } });
  /** Asserts a 401 invalid_token with the reason, and that the challenge carries a fresh, usable nonce. */
  const refused = (r: Reply, reason: RegExp): string => {
    assert.equal(r.status, 401, r.text);
    const body = r.json();
    assert.equal(body.error, "invalid_token");
    assert.match(String(body.error_description), reason);
    const challenge = /^PoP nonce="([^"]+)"$/.exec(String(r.headers["www-authenticate"]));
    assert.ok(challenge?.[1], `no PoP nonce challenge: ${String(r.headers["www-authenticate"])}`);
    return challenge[1];
  };

  test("client credentials with token_type=pop: token_type pop, access token carries cnf.kid", async () => {
    const r = await clientCredentials(popForm());
    assert.equal(r.status, 200, r.text);
    const body = r.json();
    assert.equal(body.token_type, "pop");
    const claims = decodePayload(body.access_token);
    assert.deepEqual(claims.cnf, { kid: key.kid });
    assert.deepEqual(claims.roles, ["Orders.Read.All"]);
  });

  test("without token_type=pop nothing changes: Bearer, no cnf (a stray req_cnf is ignored)", async () => {
    for (const extra of [{}, { req_cnf: key.reqCnf() }, { token_type: "bearer", req_cnf: key.reqCnf() }]) {
      const r = await clientCredentials(extra);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json().token_type, "Bearer");
      assert.equal(decodePayload(r.json().access_token).cnf, undefined);
    }
  });

  test("user grants: ROPC, refresh token, authorization code, device code and OBO bind only the access token", async () => {
    const ropc = await call(emulator, "POST", TOKEN, {
      form: {
        grant_type: "password",
        client_id: DEMO.cli,
        username: DEMO.alice.username,
        password: DEMO.alice.password,
        scope: "openid profile offline_access api://contoso-orders/access_as_user",
        ...popForm(),
      },
    });
    assert.equal(ropc.status, 200, ropc.text);
    const tokens = ropc.json();
    assert.equal(tokens.token_type, "pop");
    assert.deepEqual(decodePayload(tokens.access_token).cnf, { kid: key.kid });
    assert.equal(decodePayload(tokens.id_token).cnf, undefined, "ID tokens are not bound");
    assert.equal(typeof tokens.refresh_token, "string");

    const refresh = (extra: Record<string, string>) =>
      call(emulator, "POST", TOKEN, {
        form: {
          grant_type: "refresh_token",
          client_id: DEMO.cli,
          refresh_token: String(tokens.refresh_token),
          scope: "api://contoso-orders/access_as_user offline_access",
          ...extra,
        },
      });
    const rtPop = (await refresh(popForm(otherKey))).json();
    assert.equal(rtPop.token_type, "pop");
    assert.deepEqual(
      decodePayload(rtPop.access_token).cnf,
      { kid: otherKey.kid },
      "the refresh token is not bound: any key",
    );
    const rtBearer = (await refresh({})).json();
    assert.equal(rtBearer.token_type, "Bearer");
    assert.equal(decodePayload(rtBearer.access_token).cnf, undefined);

    const { verifier, challenge } = pkcePair();
    const q = new URLSearchParams({
      client_id: DEMO.cli,
      response_type: "code",
      redirect_uri: "http://localhost:8400",
      scope: "openid User.Read",
      code_challenge: challenge,
      code_challenge_method: "S256",
    });
    const signedIn = await emulator.signIn({
      authUri: `${emulator.authority()}/oauth2/v2.0/authorize?${q}`,
      username: DEMO.alice.username,
    });
    const codeForm = {
      grant_type: "authorization_code",
      client_id: DEMO.cli,
      code: String(signedIn.params.code),
      redirect_uri: "http://localhost:8400",
      code_verifier: verifier,
    };
    // A bad PoP request is refused before the code is spent: the same code still redeems.
    entraError(
      await call(emulator, "POST", TOKEN, { form: { ...codeForm, token_type: "pop", req_cnf: "e30" } }),
      "invalid_request",
      90023,
      400,
    );
    const code = await call(emulator, "POST", TOKEN, { form: { ...codeForm, ...popForm() } });
    assert.equal(code.status, 200, code.text);
    assert.equal(code.json().token_type, "pop");
    assert.deepEqual(decodePayload(code.json().access_token).cnf, { kid: key.kid });

    const init = (
      await call(emulator, "POST", `/${DEMO.tenant}/oauth2/v2.0/devicecode`, {
        form: { client_id: DEMO.cli, scope: "User.Read" },
      })
    ).json();
    emulator.approveDevice(String(init.user_code), DEMO.alice.username);
    const device = await call(emulator, "POST", TOKEN, {
      form: {
        grant_type: "urn:ietf:params:oauth:grant-type:device_code",
        client_id: DEMO.cli,
        device_code: String(init.device_code),
        ...popForm(),
      },
    });
    assert.equal(device.status, 200, device.text);
    assert.equal(device.json().token_type, "pop");
    assert.deepEqual(decodePayload(device.json().access_token).cnf, { kid: key.kid });

    const obo = await call(emulator, "POST", TOKEN, {
      form: {
        grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
        requested_token_use: "on_behalf_of",
        client_id: DEMO.api,
        client_secret: DEMO.apiSecret,
        assertion: String(rtBearer.access_token),
        scope: "https://graph.microsoft.com/User.Read",
        ...popForm(),
      },
    });
    assert.equal(obo.status, 200, obo.text);
    assert.equal(obo.json().token_type, "pop");
    assert.deepEqual(decodePayload(obo.json().access_token).cnf, { kid: key.kid });
  });

  test("token_type=pop without req_cnf, or with a malformed one, is invalid_request", async () => {
    entraError(await clientCredentials({ token_type: "pop" }), "invalid_request", 900144, 400);
    entraError(await clientCredentials({ token_type: "pop", req_cnf: "" }), "invalid_request", 900144, 400);
    const bad = [
      "not base64url!",
      Buffer.from("not json").toString("base64url"),
      b64(["kid"]),
      b64("kid"),
      b64({}),
      b64({ kid: "" }),
      b64({ kid: 42 }),
    ];
    for (const reqCnf of bad) {
      const body = entraError(
        await clientCredentials({ token_type: "pop", req_cnf: reqCnf }),
        "invalid_request",
        90023,
        400,
      );
      assert.match(String(body.error_description), /req_cnf/);
    }
  });

  test("a valid SHR is accepted: app token (roles), user token (scp), any method and sub-path, RS256/PS256/ES256", async () => {
    const ok = await present(shr(await popToken(), await nonce()));
    assert.equal(ok.status, 200, ok.text);
    const app = ok.json();
    assert.equal(typeof app.sub, "string");
    assert.deepEqual(app, { ok: true, sub: app.sub, oid: app.sub, aud: DEMO.api, roles: ["Orders.Read.All"] });

    const user = await call(emulator, "POST", TOKEN, {
      form: {
        grant_type: "password",
        client_id: DEMO.cli,
        username: DEMO.alice.username,
        password: DEMO.alice.password,
        scope: "api://contoso-orders/access_as_user",
        ...popForm(),
      },
    });
    const path = `${RESOURCE}/orders/42`;
    const posted = await present(
      shr(String(user.json().access_token), await nonce(), { m: "POST", p: path }),
      "POST",
      `${path}?x=1`,
    );
    assert.equal(posted.status, 200, posted.text);
    assert.equal(posted.json().scp, "access_as_user");
    assert.equal(posted.json().roles, undefined);

    for (const alg of ["PS256", "ES256"] as const) {
      const k = new PopKey(alg);
      const r = await present(shr(await popToken(k), await nonce(), { jwkOf: k, m: "DELETE" }), "DELETE");
      assert.equal(r.status, 200, `${alg}: ${r.text}`);
    }
  });

  test("the SHR must describe this request: method, path, host", async () => {
    const at = await popToken();
    refused(await present(shr(at, await nonce(), { m: "POST" })), /^m does not match the request method GET$/);
    refused(await present(shr(at, await nonce(), { p: `${RESOURCE}/other` })), /^p does not match the request path/);
    refused(await present(shr(at, await nonce(), { u: "api.contoso.com" })), /^u does not match the request host/);
  });

  test("nonces: unknown and replayed ones are refused; the challenge's nonce works", async () => {
    const at = await popToken();
    const challengeNonce = refused(await present(shr(at, "made-up-nonce")), /^nonce is unknown or expired$/);
    const proof = shr(at, challengeNonce);
    assert.equal((await present(proof)).status, 200, "the nonce of a 401 challenge is usable");
    refused(await present(proof), /^nonce was already used$/);
  });

  test("a stale or future ts is refused", async () => {
    const at = await popToken();
    const now = Math.floor(Date.now() / 1000);
    refused(await present(shr(at, await nonce(), { ts: now - 600 })), /^ts is more than 300 seconds/);
    refused(await present(shr(at, await nonce(), { ts: now + 600 })), /^ts is more than 300 seconds/);
  });

  test("key binding: another key, a bad signature, a bearer or foreign token are refused", async () => {
    const at = await popToken(key);
    refused(
      await present(shr(at, await nonce(), { jwkOf: otherKey })),
      /^the SHR key \(cnf\.jwk\) is not the key the access token is bound to/,
    );
    refused(
      await present(shr(at, await nonce(), { jwkOf: key, signer: otherKey })),
      /^the SHR signature does not verify with cnf\.jwk$/,
    );
    const tampered = shr(at, await nonce()).split(".");
    tampered[1] = b64({ ...JSON.parse(Buffer.from(tampered[1] ?? "", "base64url").toString("utf8")), p: "/elsewhere" });
    refused(await present(tampered.join(".")), /^the SHR signature does not verify/);
    refused(await present(shr(at, await nonce(), { typ: "JWT" })), /^the SHR header typ must be "pop"$/);
    refused(await present("not-a-jws"), /^the SHR is not a compact JWS/);

    refused(await present(at, "GET", RESOURCE, "Bearer"), /^PoP required/);
    refused(await call(emulator, "GET", RESOURCE), /^PoP required/);

    const bearer = String((await clientCredentials()).json().access_token);
    refused(await present(shr(bearer, await nonce())), /^at is not a PoP token \(no cnf\.kid\)/);

    // An access token from outside: same shape and cnf.kid, signed by a key that is not the emulator's.
    const outsider = new PopKey();
    const foreign = outsider.signJws(
      { typ: "JWT", alg: "RS256", kid: "someone-else" },
      { ...decodePayload(at), cnf: { kid: key.kid } },
    );
    refused(await present(shr(foreign, await nonce())), /^at is not an access token issued by this emulator$/);
  });

  test("pop routes are in the request log and take faults", async () => {
    emulator.clearRequests();
    emulator.addFault({ route: "pop_resource", status: 503, body: { error: "temporarily_unavailable" } });
    const at = await popToken();
    const n = await nonce();
    assert.equal((await present(shr(at, n))).status, 503);
    assert.equal((await present(shr(at, n))).status, 200, "the fault was used up and the nonce not spent by it");
    const routes = emulator.requests().map((e) => [e.route, e.status]);
    assert.deepEqual(routes.slice(-3), [
      ["pop_nonce", 200],
      ["pop_resource", 503],
      ["pop_resource", 200],
    ]);
  });
});

describe("Proof-of-Possession: time", () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator();
  });
  after(() => emulator.close());

  test("nonces expire after 5 minutes; expired access tokens are refused", async () => {
    const key = new PopKey();
    const host = new URL(emulator.url).host;
    const form = {
      grant_type: "client_credentials",
      client_id: DEMO.confidential,
      client_secret: DEMO.secret,
      scope: "api://contoso-orders/.default",
    };
    const at = String(
      (await call(emulator, "POST", TOKEN, { form: { ...form, token_type: "pop", req_cnf: key.reqCnf() } })).json()
        .access_token,
    );
    let offset = 0;
    const proof = (n: string) =>
      key.signJws(
        { typ: "pop", alg: "RS256" },
        {
          at,
          ts: Math.floor(Date.now() / 1000) + offset,
          m: "GET",
          u: host,
          p: RESOURCE,
          nonce: n,
          cnf: { jwk: key.jwk },
        },
      );
    const nonce = async () => String((await call(emulator, "GET", "/_emulator/pop/nonce")).json().nonce);
    const get = (p: string) => call(emulator, "GET", RESOURCE, { headers: { authorization: `PoP ${p}` } });

    const early = await nonce();
    emulator.advanceClock(301);
    offset = 301;
    const r = await get(proof(early));
    assert.equal(r.status, 401);
    assert.equal(r.json().error_description, "nonce is unknown or expired");

    emulator.advanceClock(3600);
    offset += 3600;
    const late = await get(proof(await nonce()));
    assert.equal(late.status, 401);
    assert.equal(late.json().error_description, "at has expired");
  });
});
