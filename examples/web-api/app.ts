/**
 * The "Contoso Orders" web API: it accepts a request only with a bearer access token that Entra ID (or the
 * emulator) signed for this API, checked with `jose` against the keys and issuer of the tenant's OpenID
 * Connect discovery document; then it answers with the caller's orders and, on the caller's behalf
 * (on-behalf-of), with what a downstream API (Azure Resource Manager) says about them.
 *
 * Failures are answered as RFC 6750 says: 401 with `WWW-Authenticate: Bearer error="invalid_token"` for a
 * missing, forged, expired or misdirected token, 403 with `error="insufficient_scope"` for a good token
 * without the scope or role the route needs.
 */
import express, { type NextFunction, type Request, type Response } from "express";
import { createRemoteJWKSet, customFetch, errors, jwtVerify, type JWTPayload } from "jose";
import { ConfidentialClientApplication } from "msal-ts";
import { Agent, fetch as undiciFetch } from "undici";

export interface WebApiOptions {
  /** The API's application (client) id: a v2.0 token's `aud`, and the client of on-behalf-of requests. */
  clientId: string;
  /** The API's client secret, for on-behalf-of. */
  clientSecret: string;
  /** `https://login.microsoftonline.com/{tenant}`: where discovery and on-behalf-of requests go. */
  authority: string;
  /** Audiences accepted besides `clientId` (the Application ID URI, e.g. `api://contoso-orders`). */
  audiences?: string[];
  /** The delegated scope a user's token needs (`scp`), e.g. `access_as_user`. */
  scope: string;
  /** The app role an application's token needs instead (`roles`), e.g. `Orders.Read.All`. */
  role: string;
  /** Downstream API called on the user's behalf, and the scopes to ask for it. Optional. */
  downstream?: { url: string; scopes: string[] };
  /** PEM of a CA to trust besides the system's (the emulator's). */
  caPem?: string;
  /** Seam for tests: the time tokens are checked against. */
  now?: () => Date;
}

/** Demo data: each user's orders, by sign-in name. A real API would read a database here. */
const ORDERS: Record<string, string[]> = {
  "alice@contoso.com": ["#1001 Three blue widgets", "#1002 One red gadget"],
  "bob@contoso.com": ["#2001 Twelve green sprockets"],
};

/** `fetch` that also trusts `caPem` (the emulator's self-signed CA). */
function fetchTrusting(caPem: string | undefined): typeof fetch {
  if (!caPem) return fetch;
  const dispatcher = new Agent({ connect: { ca: caPem } });
  return ((url: string, init?: RequestInit) =>
    undiciFetch(url, { ...(init as object), dispatcher })) as unknown as typeof fetch;
}

/** Reads the tenant's OpenID Connect discovery document: its issuer and where its signing keys are. */
async function discover(authority: string, fetcher: typeof fetch): Promise<{ issuer: string; jwksUri: string }> {
  const response = await fetcher(`${authority.replace(/\/+$/, "")}/v2.0/.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`OpenID Connect discovery failed: HTTP ${response.status}`);
  const doc = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
  if (typeof doc.issuer !== "string" || typeof doc.jwks_uri !== "string")
    throw new Error("OpenID Connect discovery: no issuer or jwks_uri");
  return { issuer: doc.issuer, jwksUri: doc.jwks_uri };
}

/** Answers 401 or 403 with the challenge RFC 6750 §3 describes (the reason is ours, never token content). */
function challenge(res: Response, status: 401 | 403, error: string, description: string): void {
  const attrs = error ? `, error="${error}", error_description="${description.replace(/["\\]/g, "")}"` : "";
  res.set("WWW-Authenticate", `Bearer realm="contoso-orders"${attrs}`);
  res.status(status).json({ error: error || "unauthorized", error_description: description });
}

/** Why jose refused a token, in words safe to send back (no token content). */
function reason(e: unknown): string {
  if (e instanceof errors.JWTExpired) return "the token has expired";
  if (e instanceof errors.JWTClaimValidationFailed) return `the token's ${e.claim} claim is not accepted`;
  if (e instanceof errors.JWSSignatureVerificationFailed) return "the token's signature is not valid";
  if (e instanceof errors.JWKSNoMatchingKey) return "the token is not signed by a key of the issuer";
  return "the token is not valid";
}

/**
 * Creates the API. Route: `GET /orders`: for a user, their orders and the downstream API's answer through
 * on-behalf-of (when configured); for an application with the role, every order.
 */
export async function createWebApi(o: WebApiOptions): Promise<express.Express> {
  const fetcher = fetchTrusting(o.caPem);
  const { issuer, jwksUri } = await discover(o.authority, fetcher);
  const keys = createRemoteJWKSet(new URL(jwksUri), { [customFetch]: fetcher });
  const obo = new ConfidentialClientApplication(o.clientId, {
    clientCredential: o.clientSecret,
    authority: o.authority,
    ...(o.caPem ? { verify: o.caPem, instanceDiscovery: false } : {}),
  });

  /** Middleware: a valid token for this API, or 401. The claims go to `res.locals.claims`. */
  async function authenticate(req: Request, res: Response, next: NextFunction): Promise<void> {
    const m = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(req.get("authorization") ?? "");
    if (!m) return challenge(res, 401, "", "a bearer token is required");
    try {
      const { payload } = await jwtVerify(m[1]!, keys, {
        issuer,
        audience: [o.clientId, ...(o.audiences ?? [])],
        algorithms: ["RS256"],
        clockTolerance: 300,
        ...(o.now ? { currentDate: o.now() } : {}),
      });
      res.locals.claims = payload;
      res.locals.token = m[1];
      next();
    } catch (e) {
      challenge(res, 401, "invalid_token", reason(e));
    }
  }

  /** Middleware: the user's token has the scope, or the application's token has the role; else 403. */
  function authorize(req: Request, res: Response, next: NextFunction): void {
    const claims = res.locals.claims as JWTPayload;
    const scopes = typeof claims.scp === "string" ? claims.scp.split(" ") : [];
    const roles = Array.isArray(claims.roles) ? claims.roles : [];
    if (scopes.includes(o.scope) || roles.includes(o.role)) return next();
    challenge(res, 403, "insufficient_scope", `the token needs the scope ${o.scope} or the role ${o.role}`);
  }

  /** The downstream API's answer, called with a token for the same user (on-behalf-of). */
  async function downstream(userToken: string): Promise<unknown> {
    if (!o.downstream) return undefined;
    const result = await obo.acquireTokenOnBehalfOf(userToken, o.downstream.scopes);
    if ("error" in result) return { error: result.error };
    const response = await fetcher(o.downstream.url, { headers: { authorization: `Bearer ${result.access_token}` } });
    const body: unknown = await response.json().catch(() => null);
    return { status: response.status, token_source: result.token_source, body };
  }

  const app = express();
  app.disable("x-powered-by");
  // Express 5 passes a rejected promise of a handler to the error handler below.
  app.get("/orders", authenticate, authorize, async (_req, res) => {
    const claims = res.locals.claims as JWTPayload;
    // An application holding the role (no user): every order.
    if (typeof claims.scp !== "string")
      return res.json({ application: claims.azp, orders: Object.values(ORDERS).flat() });
    // A user (delegated scope): their own orders, and what the downstream API says to them.
    const username = typeof claims.preferred_username === "string" ? claims.preferred_username : "";
    res.json({
      user: { name: claims.name, username, oid: claims.oid },
      orders: ORDERS[username.toLowerCase()] ?? [],
      ...(o.downstream ? { downstream: await downstream(res.locals.token as string) } : {}),
    });
  });
  app.use((e: Error, _req: Request, res: Response, _next: NextFunction) => {
    console.error(`web API: ${e.name}: ${e.message}`);
    res.status(500).json({ error: "server_error" });
  });
  return app;
}
