/**
 * The emulator's own OIDC token issuers for workload identity federation tests: each name is an issuer
 * `{url}/federation-test-issuer/{name}` with an OpenID configuration and a JWKS, and tokens for any subject
 * and audience can be minted with `Emulator.issueFederatedToken` (or `POST /_emulator/federation/token`),
 * which plays Kubernetes' service-account token issuer or GitHub Actions' OIDC provider.
 */
import { createHash, generateKeyPair, randomUUID, type KeyObject } from "node:crypto";
import { perContext, type EmulatorContext } from "../context.js";
import { json, type EmuResponse } from "../http.js";
import { signRs256 } from "../jwt.js";
import type { Router } from "../server/router.js";

export const TEST_ISSUER_PATH = "/federation-test-issuer/";
/** The audience Entra's federated identity credentials expect by default. */
export const TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";
/** Names of test issuers: one URL path segment. */
export const TEST_ISSUER_NAME = /^[A-Za-z0-9._-]{1,64}$/;

interface IssuerKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  kid: string;
}

/** One RSA key per issuer name and running emulator, made on first use. */
const keysOf = perContext<Promise<IssuerKey>>();

function makeKey(): Promise<IssuerKey> {
  return new Promise((resolve, reject) => {
    generateKeyPair("rsa", { modulusLength: 2048 }, (err, publicKey, privateKey) => {
      if (err) {
        reject(err);
        return;
      }
      const der = publicKey.export({ format: "der", type: "spki" });
      resolve({ privateKey, publicKey, kid: createHash("sha256").update(der).digest("base64url").slice(0, 32) });
    });
  });
}

function keyOf(ctx: EmulatorContext, name: string): Promise<IssuerKey> {
  const keys = keysOf(ctx);
  let key = keys.get(name);
  if (!key) {
    key = makeKey();
    keys.set(name, key);
  }
  return key;
}

function checkName(name: string): string {
  if (!TEST_ISSUER_NAME.test(name))
    throw new TypeError(`a test issuer name is 1-64 letters, digits, '.', '_' or '-', got ${JSON.stringify(name)}`);
  return name;
}

/** The issuer URL (`iss`) of the test issuer `name`. */
export function testIssuerUrl(ctx: EmulatorContext, name: string): string {
  return `${ctx.httpsOrigin}${TEST_ISSUER_PATH}${checkName(name)}`;
}

/** The public key of a test issuer for a `kid`, or undefined when the issuer has no such key. */
export async function testIssuerKey(ctx: EmulatorContext, name: string, kid: unknown): Promise<KeyObject | undefined> {
  const key = await keyOf(ctx, name);
  return kid === undefined || kid === key.kid ? key.publicKey : undefined;
}

/** What to put in a federated token (see `Emulator.issueFederatedToken`). */
export interface FederatedTokenOptions {
  /** `sub`, e.g. `system:serviceaccount:default:workload` or `repo:contoso/app:ref:refs/heads/main`. */
  subject: string;
  /** `aud`; default `api://AzureADTokenExchange`. An array gives several audiences. */
  audience?: string | string[];
  /** The test issuer's name; default `default`. */
  issuer?: string;
  /** Seconds the token is valid; default 3600. Negative values make an already expired token. */
  lifetime?: number;
  /** More claims, merged last (they may replace `iss`, `nbf`, ...). */
  claims?: Record<string, unknown>;
}

/** Mints an RS256 token of a test issuer, as Kubernetes or GitHub Actions would. */
export async function issueFederatedToken(ctx: EmulatorContext, o: FederatedTokenOptions): Promise<string> {
  if (typeof o?.subject !== "string" || o.subject === "") throw new TypeError("subject: expected a non-empty string");
  const audience = o.audience ?? TOKEN_EXCHANGE_AUDIENCE;
  if (typeof audience !== "string" && !(Array.isArray(audience) && audience.every((a) => typeof a === "string")))
    throw new TypeError("audience: expected a string or an array of strings");
  const lifetime = o.lifetime ?? 3600;
  if (typeof lifetime !== "number" || !Number.isFinite(lifetime)) throw new TypeError("lifetime: expected seconds");
  const name = checkName(o.issuer ?? "default");
  const key = await keyOf(ctx, name);
  const now = ctx.clock.now();
  const payload = {
    iss: testIssuerUrl(ctx, name),
    sub: o.subject,
    aud: audience,
    iat: now,
    nbf: now,
    exp: now + lifetime,
    jti: randomUUID(),
    ...o.claims,
  };
  return signRs256(payload, key.privateKey, { kid: key.kid });
}

async function openidConfiguration(ctx: EmulatorContext, name: string): Promise<EmuResponse> {
  if (!TEST_ISSUER_NAME.test(name)) return json(404, { error: "not_found" });
  const issuer = testIssuerUrl(ctx, name);
  return json(200, {
    issuer,
    jwks_uri: `${issuer}/keys`,
    response_types_supported: ["id_token"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["RS256"],
  });
}

async function jwks(ctx: EmulatorContext, name: string): Promise<EmuResponse> {
  if (!TEST_ISSUER_NAME.test(name)) return json(404, { error: "not_found" });
  const key = await keyOf(ctx, name);
  const jwk = key.publicKey.export({ format: "jwk" });
  return json(200, { keys: [{ kty: "RSA", use: "sig", alg: "RS256", kid: key.kid, n: jwk.n, e: jwk.e }] });
}

/** `GET /federation-test-issuer/{name}/.well-known/openid-configuration` and `.../keys`. */
export function registerTestIssuerRoutes(router: Router, ctx: EmulatorContext): void {
  router.add({
    id: "federation-test-issuer",
    methods: ["GET"],
    path: "/federation-test-issuer/:name/.well-known/openid-configuration",
    listener: "https",
    handler: (_req, params) => openidConfiguration(ctx, params.name ?? ""),
  });
  router.add({
    id: "federation-test-issuer-keys",
    methods: ["GET"],
    path: "/federation-test-issuer/:name/keys",
    listener: "https",
    handler: (_req, params) => jwks(ctx, params.name ?? ""),
  });
}
