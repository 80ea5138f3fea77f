/**
 * Client assertions of workload identity federation: a JWT of an external issuer (Kubernetes, GitHub
 * Actions, the emulator's test issuers) that an app trusts through a federated identity credential.
 * Matched as Entra matches them: issuer and subject exactly (case-sensitive), audience by membership;
 * then the signature with the issuer's keys and the validity period with five minutes of skew.
 */
import type { KeyObject } from "node:crypto";
import type { NormalizedApp, NormalizedFederatedCredential } from "../config.js";
import type { EmulatorContext } from "../context.js";
import { entraError } from "../errors.js";
import { verifySignature, type DecodedJwt } from "../jwt.js";
import { ExternalIssuerError, externalIssuerKey } from "./external-keys.js";
import { testIssuerKey, testIssuerUrl } from "./test-issuer.js";

const SKEW = 300;
const DOCS = "https://learn.microsoft.com/entra/workload-id/workload-identity-federation";

/** The issuer URL a credential trusts. */
function issuerOf(ctx: EmulatorContext, f: NormalizedFederatedCredential): string {
  return f.testIssuer !== undefined ? testIssuerUrl(ctx, f.testIssuer) : (f.issuer as string);
}

/** The federated credential the assertion's `iss`, `sub` and `aud` match (Entra's AADSTS700211 / 70021). */
function matchingCredential(
  ctx: EmulatorContext,
  app: NormalizedApp,
  payload: Record<string, unknown>,
): NormalizedFederatedCredential {
  const { iss, sub, aud } = payload;
  if (typeof iss !== "string" || typeof sub !== "string")
    throw entraError(50027, "JWT token is invalid or malformed: 'iss' and 'sub' must be strings.");
  const audiences = (Array.isArray(aud) ? aud : [aud]).filter((a): a is string => typeof a === "string");
  const sameIssuer = app.federatedCredentials.filter((f) => issuerOf(ctx, f) === iss);
  if (sameIssuer.length === 0) {
    throw entraError(
      700211,
      `No matching federated identity record found for presented assertion issuer '${iss}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. ${DOCS}`,
    );
  }
  const match = sameIssuer.find((f) => f.subject === sub && audiences.some((a) => f.audiences.includes(a)));
  if (!match) {
    throw entraError(
      70021,
      `No matching federated identity record found for presented assertion. Assertion Issuer: '${iss}'. Assertion Subject: '${sub}'. Assertion Audience: '${audiences.join(",")}'. ${DOCS}`,
    );
  }
  return match;
}

async function issuerKey(
  ctx: EmulatorContext,
  f: NormalizedFederatedCredential,
  iss: string,
  kid: unknown,
): Promise<KeyObject | undefined> {
  if (f.testIssuer !== undefined) return testIssuerKey(ctx, f.testIssuer, kid);
  if (!ctx.config.workloadIdentity.allowExternalIssuers) {
    throw entraError(
      50166,
      `Request to External OIDC endpoint failed. The emulator is offline: it does not fetch the keys of issuer '${iss}' unless its configuration sets workloadIdentity.allowExternalIssuers.`,
    );
  }
  try {
    return await externalIssuerKey(ctx, iss, kid);
  } catch (e) {
    if (!(e instanceof ExternalIssuerError)) throw e;
    throw entraError(50166, `Request to External OIDC endpoint failed: ${e.message}.`);
  }
}

/**
 * Checks a federated client assertion of `app`; resolves when it is good.
 *
 * @throws EntraError as Entra answers: 700211 (no credential for the issuer), 70021 (none for the subject and
 * audience), 50166 (the issuer's keys cannot be had), 700027 (signature), 700024 (expired or not yet valid).
 */
export async function verifyFederatedAssertion(
  ctx: EmulatorContext,
  app: NormalizedApp,
  jwt: DecodedJwt,
): Promise<void> {
  const credential = matchingCredential(ctx, app, jwt.payload);
  const iss = jwt.payload.iss as string;
  if (jwt.header.alg !== "RS256" && jwt.header.alg !== "PS256") {
    throw entraError(
      5002738,
      `Invalid JWT token. '${String(jwt.header.alg)}' is not a supported signature algorithm. Supported signing algorithms are: 'RS256, PS256'.`,
    );
  }
  const key = await issuerKey(ctx, credential, iss, jwt.header.kid);
  if (!key)
    throw entraError(
      700027,
      `Client assertion failed signature validation. [Reason - The key was not found., Issuer: '${iss}']`,
    );
  if (!verifySignature(jwt, key)) throw entraError(700027, "Client assertion failed signature validation.");
  const { exp, nbf } = jwt.payload;
  const now = ctx.clock.now();
  if (typeof exp !== "number" || (nbf !== undefined && typeof nbf !== "number"))
    throw entraError(50027, "JWT token is invalid or malformed: 'exp' (and 'nbf' when present) must be numbers.");
  if (exp < now - SKEW || (typeof nbf === "number" && nbf > now + SKEW)) {
    throw entraError(
      700024,
      `Client assertion is not within its valid time range. Current time: ${new Date(now * 1000).toISOString()}, expiry time of assertion ${new Date(exp * 1000).toISOString()}.`,
    );
  }
}
