/**
 * Done-means of issue 18: an API that validates tokens from discovery (signature by the JWKS of `jwks_uri`,
 * `iss` equal to the discovery document's issuer, `aud` its own client id) accepts client-credential, user and
 * managed-identity tokens for the same API alike, however the emulator was reached.
 */
import assert from "node:assert/strict";
import { createPublicKey, verify, type JsonWebKey } from "node:crypto";
import { request } from "node:https";
import { after, before, describe, test } from "node:test";
import { defaultConfig, startEmulator, type Emulator } from "../src/index.js";
import { DEMO } from "./helpers.js";

const MI = { clientId: "7c1e9a20-1111-4b2c-8d3e-000000000001", objectId: "7c1e9a20-2222-4b2c-8d3e-000000000002" };

/** How a client reaches the emulator: the address it connects to and the Host header it sends. */
interface Reach {
  name: string;
  host: (port: number) => string;
}
const REACHES: Reach[] = [
  { name: "localhost", host: (p) => `localhost:${p}` },
  { name: "127.0.0.1", host: (p) => `127.0.0.1:${p}` },
  { name: "another Host", host: () => "login.microsoftonline.com" },
];

function httpsJson(
  emulator: Emulator,
  url: string,
  o: { host?: string; form?: Record<string, string> } = {},
): Promise<Record<string, unknown>> {
  const u = new URL(url);
  const body = o.form ? new URLSearchParams(o.form).toString() : undefined;
  return new Promise((resolve, reject) => {
    const r = request(
      {
        host: "127.0.0.1",
        port: Number(u.port),
        path: `${u.pathname}${u.search}`,
        method: body === undefined ? "GET" : "POST",
        servername: "localhost",
        ca: emulator.caPem,
        headers: {
          host: o.host ?? u.host,
          ...(body === undefined ? {} : { "content-type": "application/x-www-form-urlencoded" }),
        },
      },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => {
          if (res.statusCode !== 200) reject(new Error(`${res.statusCode} from ${u.pathname}: ${text}`));
          else resolve(JSON.parse(text) as Record<string, unknown>);
        });
      },
    );
    r.on("error", reject);
    r.end(body);
  });
}

/** The API: validates a bearer token against the discovery of its tenant, fetched through `reach`. */
async function validate(emulator: Emulator, reach: Reach, token: string): Promise<Record<string, unknown>> {
  const port = Number(new URL(emulator.url).port);
  const host = reach.host(port);
  const doc = await httpsJson(emulator, `${emulator.url}/${DEMO.tenant}/v2.0/.well-known/openid-configuration`, {
    host,
  });
  const jwks = await httpsJson(emulator, String(doc.jwks_uri));
  const [head = "", payload = "", signature = ""] = token.split(".");
  const header = JSON.parse(Buffer.from(head, "base64url").toString()) as { kid?: string; alg?: string };
  const jwk = (jwks.keys as (JsonWebKey & { kid?: string })[]).find((k) => k.kid === header.kid);
  if (!jwk || header.alg !== "RS256") throw new Error("no signing key for the token");
  const ok = verify(
    "sha256",
    Buffer.from(`${head}.${payload}`),
    createPublicKey({ key: jwk, format: "jwk" }),
    Buffer.from(signature, "base64url"),
  );
  if (!ok) throw new Error("bad signature");
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>;
  if (claims.iss !== doc.issuer) throw new Error(`issuer ${String(claims.iss)} is not ${String(doc.issuer)}`);
  if (claims.aud !== DEMO.api) throw new Error(`audience ${String(claims.aud)}`);
  if (typeof claims.exp !== "number" || claims.exp <= Date.now() / 1000) throw new Error("expired");
  return claims;
}

describe("an API validating issuer and audience from discovery (issue 18, done means)", () => {
  let emulator: Emulator;
  let port: number;
  before(async () => {
    const config = defaultConfig();
    config.managedIdentity = { systemAssigned: MI };
    const api = config.apps.find((a) => a.clientId === DEMO.api);
    if (api) api.appRoles = [{ value: "Orders.Read.All", grantedTo: [DEMO.confidential, MI.clientId] }];
    emulator = await startEmulator({ config });
    port = Number(new URL(emulator.url).port);
  });
  after(() => emulator.close());

  /** The four kinds of token for api://contoso-orders, each obtained through `reach`. */
  async function tokens(reach: Reach): Promise<Record<string, string>> {
    const host = reach.host(port);
    const endpoint = `${emulator.url}/${DEMO.tenant}/oauth2/v2.0/token`;
    const cc = await httpsJson(emulator, endpoint, {
      host,
      form: {
        grant_type: "client_credentials",
        client_id: DEMO.confidential,
        client_secret: DEMO.secret,
        scope: DEMO.apiDefault,
      },
    });
    const user = await httpsJson(emulator, endpoint, {
      host,
      form: {
        grant_type: "password",
        client_id: DEMO.cli,
        username: DEMO.alice.username,
        password: DEMO.alice.password,
        scope: DEMO.apiScope,
      },
    });
    const imds = (await (
      await fetch(
        `${emulator.miUrl}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=api://contoso-orders`,
        {
          headers: { Metadata: "true" },
        },
      )
    ).json()) as Record<string, unknown>;
    const env = emulator.managedIdentityEnv("app_service");
    const appService = (await (
      await fetch(`${env.IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=api://contoso-orders`, {
        headers: { "X-IDENTITY-HEADER": env.IDENTITY_HEADER ?? "" },
      })
    ).json()) as Record<string, unknown>;
    return {
      "client credentials": String(cc.access_token),
      "user (ROPC)": String(user.access_token),
      "managed identity (IMDS)": String(imds.access_token),
      "managed identity (App Service)": String(appService.access_token),
    };
  }

  for (const got of REACHES) {
    test(`tokens obtained through ${got.name} pass the API, whichever name it discovers through`, async () => {
      const issued = await tokens(got);
      for (const checker of REACHES) {
        for (const [kind, token] of Object.entries(issued)) {
          const claims = await validate(emulator, checker, token).catch((e: Error) => {
            throw new Error(`${kind} via ${got.name}, checked via ${checker.name}: ${e.message}`);
          });
          assert.equal(claims.iss, `${emulator.url}/${DEMO.tenantId}/v2.0`);
          if (kind === "user (ROPC)") assert.equal(claims.scp, "access_as_user");
          else assert.deepEqual(claims.roles, ["Orders.Read.All"], kind);
        }
      }
    });
  }

  test("the same API refuses a token for another audience and one with a changed issuer", async () => {
    const arm = await httpsJson(emulator, `${emulator.url}/${DEMO.tenant}/oauth2/v2.0/token`, {
      form: {
        grant_type: "client_credentials",
        client_id: DEMO.confidential,
        client_secret: DEMO.secret,
        scope: "https://management.azure.com/.default",
      },
    });
    await assert.rejects(validate(emulator, REACHES[0] as Reach, String(arm.access_token)), /issuer https:\/\/sts/);
    const good = (await tokens(REACHES[0] as Reach))["client credentials"] ?? "";
    const [h, p, s] = good.split(".");
    const claims = JSON.parse(Buffer.from(p ?? "", "base64url").toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, iss: "https://evil.example/v2.0" })).toString("base64url");
    await assert.rejects(validate(emulator, REACHES[0] as Reach, `${h}.${forged}.${s}`), /bad signature/);
  });
});
