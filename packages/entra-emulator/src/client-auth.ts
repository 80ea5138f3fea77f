import { createHash, timingSafeEqual } from "node:crypto";
import type { NormalizedApp } from "./config.js";
import type { EmulatorContext } from "./context.js";
import { entraError, missingParameter, unknownApplication } from "./errors.js";
import type { EmuRequest } from "./http.js";
import { verifyFederatedAssertion } from "./workload-identity/verify.js";
import { decodeJwt, verifySignature, type DecodedJwt } from "./jwt.js";

const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/** Entra tolerates five minutes of clock skew on client assertions. */
const SKEW = 300;

/** How the client proved itself; also Entra's `azpacr` claim value. */
export type ClientAuthMethod = "0" | "1" | "2";

export interface AuthenticatedClient {
  app: NormalizedApp;
  method: ClientAuthMethod;
}

function constantTimeEquals(a: string, b: string): boolean {
  const x = createHash("sha256").update(a).digest();
  const y = createHash("sha256").update(b).digest();
  return timingSafeEqual(x, y);
}

/** Reads `client_id` and secret from `Authorization: Basic` (RFC 6749 §2.3.1: form-encoded, then base64). */
function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  if (!header || !/^basic\s+/i.test(header)) return undefined;
  const decoded = Buffer.from(header.replace(/^basic\s+/i, ""), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  const unescape = (s: string): string => {
    try {
      return decodeURIComponent(s.replace(/\+/g, " "));
    } catch {
      return s;
    }
  };
  return { id: unescape(decoded.slice(0, colon)), secret: unescape(decoded.slice(colon + 1)) };
}

/** Finds the client of a token request (by `client_id`, or the Basic header) without authenticating it. */
export function requestClient(ctx: EmulatorContext, req: EmuRequest, tenantName: string): NormalizedApp {
  const basic = basicCredentials(req.headers.authorization);
  const clientId = req.form.client_id ?? basic?.id;
  if (!clientId) throw missingParameter("client_id");
  if (basic && req.form.client_id && basic.id !== req.form.client_id) {
    throw entraError(90023, "The client_id in the Authorization header and the request body differ.");
  }
  const app = ctx.findApp(clientId);
  if (!app) throw unknownApplication(clientId, tenantName);
  return app;
}

/** Validates the audience of a client assertion: a token endpoint (v1 or v2) or issuer of the tenant. */
function audienceMatches(
  ctx: EmulatorContext,
  req: EmuRequest,
  aud: unknown,
  tenantPath: string,
  tenantId: string | undefined,
): boolean {
  const auds = Array.isArray(aud) ? aud : [aud];
  const origins = new Set([req.origin, ...ctx.ownHosts.map((h) => `https://${h}`)]);
  const tenants = new Set([
    tenantPath.toLowerCase(),
    ...(tenantId ? ctx.tenantNames(tenantId).map((t) => t.toLowerCase()) : []),
  ]);
  const accepted = new Set<string>();
  for (const o of origins) {
    for (const t of tenants) {
      accepted.add(`${o}/${t}/oauth2/v2.0/token`);
      accepted.add(`${o}/${t}/oauth2/token`);
      accepted.add(`${o}/${t}/v2.0`);
    }
  }
  return auds.some((a) => typeof a === "string" && accepted.has(a.toLowerCase().replace(/\/+$/, "")));
}

function thumbprintFromHeader(value: unknown): Buffer | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  // MSAL Python pads its base64url thumbprints; RFC 7515 does not. Accept both.
  return Buffer.from(value.replace(/=+$/, ""), "base64url");
}

function verifyAssertion(
  ctx: EmulatorContext,
  req: EmuRequest,
  app: NormalizedApp,
  jwt: DecodedJwt,
  tenantPath: string,
  tenantId: string | undefined,
): void {
  if (jwt.header.alg !== "RS256" && jwt.header.alg !== "PS256") {
    throw entraError(
      5002738,
      `Invalid JWT token. '${String(jwt.header.alg)}' is not a supported signature algorithm. Supported signing algorithms are: 'RS256, PS256'.`,
    );
  }
  const sha1 = thumbprintFromHeader(jwt.header.x5t);
  const sha256 = thumbprintFromHeader(jwt.header["x5t#S256"]);
  if (!sha1 && !sha256) {
    throw entraError(
      700027,
      "Client assertion failed signature validation. The assertion header must carry the certificate thumbprint in 'x5t' or 'x5t#S256'.",
    );
  }
  const cert = app.certificateObjects.find((c) => {
    if (sha256) return createHash("sha256").update(c.raw).digest().equals(sha256);
    return createHash("sha1")
      .update(c.raw)
      .digest()
      .equals(sha1 as Buffer);
  });
  if (!cert) {
    const shown = (sha256 ?? sha1 ?? Buffer.alloc(0)).toString("hex").toUpperCase();
    throw entraError(
      700027,
      `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${shown}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${app.clientId}'.]`,
    );
  }
  if (!verifySignature(jwt, cert.publicKey)) {
    throw entraError(700027);
  }
  const { iss, sub, aud, exp, nbf } = jwt.payload;
  if (iss !== app.clientId || sub !== app.clientId) {
    throw entraError(
      700021,
      `Client assertion application identifier doesn't match 'client_id' parameter. The 'iss' and 'sub' claims must both be '${app.clientId}'.`,
    );
  }
  if (!audienceMatches(ctx, req, aud, tenantPath, tenantId)) {
    throw entraError(
      700212,
      `The audience '${String(aud)}' of the client assertion is not valid. It must be the token endpoint of the tenant, e.g. '${req.origin}/${tenantPath}/oauth2/v2.0/token'.`,
    );
  }
  const now = ctx.clock.now();
  if (typeof exp !== "number" || (nbf !== undefined && typeof nbf !== "number")) {
    throw entraError(50027, "JWT token is invalid or malformed: 'exp' (and 'nbf' when present) must be numbers.");
  }
  if (exp < now - SKEW || (typeof nbf === "number" && nbf > now + SKEW)) {
    throw entraError(
      700024,
      `Client assertion is not within its valid time range. Current time: ${new Date(now * 1000).toISOString()}, expiry time of assertion ${new Date(exp * 1000).toISOString()}.`,
    );
  }
}

/**
 * Authenticates the client of a token request the way Entra does: a public client must present no credential;
 * a confidential one exactly one of `client_secret` (body or HTTP Basic) or a `client_assertion` signed by a
 * registered certificate, or issued by a trusted federated issuer. The same assertion may be used many times
 * within its lifetime.
 */
export async function authenticateClient(
  ctx: EmulatorContext,
  req: EmuRequest,
  tenantPath: string,
  tenantId: string | undefined,
): Promise<AuthenticatedClient> {
  const app = requestClient(ctx, req, tenantPath);
  const basic = basicCredentials(req.headers.authorization);
  const secret = req.form.client_secret ?? basic?.secret;
  const assertion = req.form.client_assertion;
  const assertionType = req.form.client_assertion_type;
  const presented = secret !== undefined || assertion !== undefined;

  if (app.public) {
    if (presented) {
      throw entraError(700025);
    }
    return { app, method: "0" };
  }
  if (secret !== undefined && assertion !== undefined) {
    throw entraError(90023, "Only one client authentication method may be used: client_secret or client_assertion.");
  }
  if (!presented) {
    throw entraError(7000218);
  }
  if (secret !== undefined) {
    if (!(app.secrets ?? []).some((s) => constantTimeEquals(s, secret))) {
      throw entraError(
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`,
      );
    }
    return { app, method: "1" };
  }
  if (assertionType !== JWT_BEARER) {
    throw entraError(90023, `client_assertion_type must be '${JWT_BEARER}'.`);
  }
  const jwt = decodeJwt(assertion as string);
  if (!jwt) throw entraError(50027);
  // An assertion the app signed itself names the app as issuer and subject; anything else is another
  // issuer's token, acceptable only through a federated identity credential (workload identity federation).
  const { iss, sub } = jwt.payload;
  if (iss !== app.clientId && sub !== app.clientId) await verifyFederatedAssertion(ctx, app, jwt);
  else verifyAssertion(ctx, req, app, jwt, tenantPath, tenantId);
  return { app, method: "2" };
}
