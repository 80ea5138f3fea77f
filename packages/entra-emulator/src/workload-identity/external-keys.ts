/**
 * Signing keys of an external OIDC issuer for workload identity federation: OpenID Connect Discovery 1.0
 * (`{issuer}/.well-known/openid-configuration`, then its `jwks_uri`), fetched over HTTPS only when the
 * configuration allows it (`workloadIdentity.allowExternalIssuers`), and kept for ten minutes per issuer.
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from "node:crypto";
import { rootCertificates } from "node:tls";
import { get } from "node:https";
import { perContext, type EmulatorContext } from "../context.js";

/** Why no key could be had: answered as Entra's AADSTS50166 ("Request to External OIDC endpoint failed"). */
export class ExternalIssuerError extends Error {}

interface CachedKeys {
  fetchedAt: number;
  keys: Promise<Record<string, unknown>[]>;
}

const cacheOf = perContext<CachedKeys>();
const KEEP_SECONDS = 600;
const TIMEOUT_MS = 5000;
const MAX_BYTES = 256 * 1024;

/** GETs a JSON object over HTTPS: bounded in time and size, no redirects. */
function getJson(url: string, ca: string[]): Promise<Record<string, unknown>> {
  let timer: NodeJS.Timeout | undefined;
  const answer = new Promise<Record<string, unknown>>((resolve, reject) => {
    const req = get(url, { ca, timeout: TIMEOUT_MS, headers: { accept: "application/json" } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new ExternalIssuerError(`${url} answered HTTP ${res.statusCode ?? "?"}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BYTES) {
          req.destroy();
          reject(new ExternalIssuerError(`${url} answered more than ${MAX_BYTES} bytes`));
        } else chunks.push(chunk);
      });
      res.on("end", () => {
        try {
          const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
          if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
          resolve(parsed as Record<string, unknown>);
        } catch {
          reject(new ExternalIssuerError(`${url} did not answer a JSON object`));
        }
      });
      res.on("error", () => reject(new ExternalIssuerError(`${url} failed while answering`)));
    });
    const tooSlow = (): void => {
      req.destroy(new ExternalIssuerError(`${url} did not answer in time`));
    };
    req.on("timeout", tooSlow);
    // The socket timeout above is for silence; this bounds a slow trickle too.
    timer = setTimeout(tooSlow, 2 * TIMEOUT_MS);
    req.on("error", (e) =>
      reject(e instanceof ExternalIssuerError ? e : new ExternalIssuerError(`${url} could not be reached`)),
    );
  });
  return answer.finally(() => clearTimeout(timer));
}

async function fetchKeys(issuer: string, ca: string[]): Promise<Record<string, unknown>[]> {
  const discovery = await getJson(`${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`, ca);
  if (discovery.issuer !== issuer)
    throw new ExternalIssuerError(`the OpenID configuration of ${issuer} names another issuer`);
  const jwksUri = discovery.jwks_uri;
  if (typeof jwksUri !== "string" || !jwksUri.startsWith("https://"))
    throw new ExternalIssuerError(`the OpenID configuration of ${issuer} has no https jwks_uri`);
  const jwks = await getJson(jwksUri, ca);
  if (!Array.isArray(jwks.keys)) throw new ExternalIssuerError(`the JWKS of ${issuer} has no keys`);
  return jwks.keys.filter((k): k is Record<string, unknown> => typeof k === "object" && k !== null);
}

/**
 * The public key `kid` of an external issuer (the only RSA key when the token names none), or undefined
 * when the issuer publishes no such key.
 *
 * @throws ExternalIssuerError when discovery or the JWKS cannot be fetched.
 */
export async function externalIssuerKey(
  ctx: EmulatorContext,
  issuer: string,
  kid: unknown,
): Promise<KeyObject | undefined> {
  const cache = cacheOf(ctx);
  const now = ctx.clock.now();
  let entry = cache.get(issuer);
  if (!entry || now - entry.fetchedAt > KEEP_SECONDS) {
    const ca = [...rootCertificates, ...(ctx.config.workloadIdentity.caPem ? [ctx.config.workloadIdentity.caPem] : [])];
    entry = { fetchedAt: now, keys: fetchKeys(issuer, ca) };
    cache.set(issuer, entry);
    // A failure is not kept: the next assertion tries again.
    entry.keys.catch(() => cache.delete(issuer));
  }
  const keys = (await entry.keys).filter((k) => k.kty === "RSA" && (k.use === undefined || k.use === "sig"));
  const jwk = kid === undefined ? (keys.length === 1 ? keys[0] : undefined) : keys.find((k) => k.kid === kid);
  if (!jwk) return undefined;
  try {
    return createPublicKey({ key: jwk as JsonWebKey, format: "jwk" });
  } catch {
    return undefined;
  }
}
