/**
 * A minimal Azure Resource Manager: the calls `az login` and SDKs make to find out where a principal can work
 * (`GET /subscriptions`, `GET /subscriptions/{id}`, `GET /tenants`). Served on the HTTPS listener whatever the
 * Host, so that a client which reaches `management.azure.com` at the emulator is answered here.
 *
 * Every call needs a bearer token that this emulator signed, that has not expired, whose audience is ARM (v1
 * form `https://management.core.windows.net/` or `https://management.azure.com/`, with or without the slash, or
 * the v2 form, ARM's application id) and whose issuer is one of this emulator's. Errors are ARM's:
 * `{"error":{"code","message"}}`, 401s with `WWW-Authenticate: Bearer authorization_uri=...` as ARM sends. A
 * token revoked through the control API (`POST /_emulator/revoke`) is answered with a claims challenge:
 * `WWW-Authenticate: Bearer realm="", authorization_uri=..., error="insufficient_claims", claims="<base64>"`.
 *
 * Access control is per tenant: a principal sees every subscription of the tenant its token was issued in.
 */
import type { NormalizedConfig, TenantConfig } from "../config.js";
import type { EmulatorContext } from "../context.js";
import { json, type EmuRequest, type EmuResponse } from "../http.js";
import type { Router } from "../server/router.js";
import { revocationClaims, revokedAt } from "../revocation.js";

/** ARM's application id in every tenant (the audience of v2 tokens for ARM). */
export const ARM_APP_ID = "797f4846-ba00-4fd7-ba43-dac1f8f63013";

/** Audiences ARM accepts, in the order its error message lists them, then the v2 form. */
const ARM_AUDIENCES = [
  "https://management.core.windows.net/",
  "https://management.core.windows.net",
  "https://management.azure.com/",
  "https://management.azure.com",
];

/** Clock skew allowed for `nbf`, as Entra-protected APIs commonly allow. */
const SKEW_SECONDS = 300;

type Subscription = NormalizedConfig["subscriptions"][number];

/** A caller whose token passed the checks. */
interface Caller {
  tenantId: string;
  /** The token's issuer, to name the right form in a wrong-tenant error. */
  issuer: string;
  /** Tenants the caller belongs to: a user's home tenant and the token's, or a service principal's. */
  tenants: string[];
}

interface ArmProblem {
  status: number;
  code: string;
  message: string;
  /** For 401s: the `authorization_uri` of `WWW-Authenticate` (default: the emulator's base URL). */
  authorizationUri?: string;
  /** For 401s: `error_description` of `WWW-Authenticate` (default: the message). */
  description?: string;
  /** For 401s of a revoked token: the base64 claims request, sent as a claims challenge (`insufficient_claims`). */
  claims?: string;
}

function armError(ctx: EmulatorContext, p: ArmProblem): EmuResponse {
  const headers: Record<string, string> = {};
  if (p.status === 401) {
    const uri = p.authorizationUri ?? `${ctx.httpsOrigin}/`;
    // A quoted-string of printable ASCII: no quote, backslash or control character can end up in the header.
    const description = (p.description ?? p.message).replace(/["\\]|[^\x20-\x7e]/g, "");
    headers["www-authenticate"] =
      p.claims !== undefined
        ? `Bearer realm="", authorization_uri="${uri}", error="insufficient_claims", claims="${p.claims}"`
        : `Bearer authorization_uri="${uri}", error="invalid_token", error_description="${description}"`;
    headers["x-ms-failure-cause"] = "gateway";
  }
  return json(p.status, { error: { code: p.code, message: p.message } }, headers);
}

function unauthorized(code: string, message: string, description?: string): ArmProblem {
  return { status: 401, code, message, ...(description !== undefined ? { description } : {}) };
}

/** ARM's own spelling of a UTC time in its messages: `MM/DD/YYYY HH:MM:SS`. */
function armTime(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const two = (n: number): string => String(n).padStart(2, "0");
  const date = `${two(d.getUTCMonth() + 1)}/${two(d.getUTCDate())}/${d.getUTCFullYear()}`;
  return `${date} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

/** The tenant an issuer of this emulator names (`{url}/{tid}/v2.0` or v1's `https://sts.windows.net/{tid}/`). */
function issuerTenant(ctx: EmulatorContext, iss: string): string | undefined {
  const v1 = /^https:\/\/sts\.windows\.net\/([0-9a-f-]{36})\/$/i.exec(iss);
  if (v1) return v1[1]?.toLowerCase();
  const v2 = /\/([0-9a-f-]{36})\/v2\.0$/i.exec(iss);
  const tid = v2?.[1]?.toLowerCase();
  return tid !== undefined && iss === ctx.issuerV2(tid) ? tid : undefined;
}

function tenantsOf(ctx: EmulatorContext, claims: Record<string, unknown>, tenantId: string): string[] {
  const user = claims.idtyp === "app" || typeof claims.oid !== "string" ? undefined : ctx.userByOid(claims.oid);
  return [...new Set([user?.tenantId, tenantId].filter((t): t is string => t !== undefined))];
}

/** Checks the bearer token as ARM's gateway does; the caller, or the 401 to answer. */
function authenticate(ctx: EmulatorContext, req: EmuRequest): Caller | ArmProblem {
  const header = req.headers.authorization;
  if (header === undefined || header.trim() === "") {
    return unauthorized(
      "AuthenticationFailed",
      "Authentication failed. The 'Authorization' header is missing.",
      "The authentication failed because of missing 'Authorization' header.",
    );
  }
  const match = /^Bearer +(\S+)$/i.exec(header.trim());
  if (!match) {
    return unauthorized(
      "AuthenticationFailedInvalidHeader",
      "Authentication failed. The 'Authorization' header is provided in an invalid format.",
    );
  }
  const token = match[1] ?? "";
  const jwt = ctx.issuer.verifyOwn(token);
  if (!jwt) return unauthorized("InvalidAuthenticationToken", "The access token is invalid.");
  const c = jwt.payload;
  const now = ctx.clock.now();
  if (typeof c.exp !== "number" || typeof c.iss !== "string" || typeof c.tid !== "string") {
    return unauthorized("InvalidAuthenticationToken", "The access token is invalid.");
  }
  if (c.exp <= now) {
    return unauthorized(
      "ExpiredAuthenticationToken",
      `The access token expiry UTC time '${armTime(c.exp)}' is earlier than current UTC time '${armTime(now)}'.`,
    );
  }
  if (typeof c.nbf === "number" && c.nbf > now + SKEW_SECONDS) {
    return unauthorized("InvalidAuthenticationToken", `The access token is not valid before '${armTime(c.nbf)}'.`);
  }
  const aud = typeof c.aud === "string" ? c.aud : "";
  if (!ARM_AUDIENCES.includes(aud) && aud.toLowerCase() !== ARM_APP_ID) {
    return unauthorized(
      "InvalidAuthenticationTokenAudience",
      `The access token has been obtained for wrong audience or resource '${aud}'. It should exactly match with one of the allowed audiences ${ARM_AUDIENCES.map((a) => `'${a}'`).join(",")}.`,
      "The access token has been obtained for wrong audience or resource.",
    );
  }
  const tenantId = issuerTenant(ctx, c.iss);
  if (tenantId === undefined || tenantId !== c.tid.toLowerCase() || !ctx.tenantIdOf(tenantId)) {
    return unauthorized("InvalidAuthenticationToken", `The access token is from an unknown issuer '${c.iss}'.`);
  }
  const revoked = revokedAt(ctx, token);
  if (revoked !== undefined) {
    const message = "The access token has been revoked. Get a new one with the claims challenge of WWW-Authenticate.";
    return { ...unauthorized("InvalidAuthenticationToken", message), claims: revocationClaims(revoked) };
  }
  return { tenantId, issuer: c.iss, tenants: tenantsOf(ctx, c, tenantId) };
}

function isProblem(x: Caller | ArmProblem): x is ArmProblem {
  return "code" in x;
}

/** The checks every ARM call shares: GET, the token, then `api-version`. */
function admit(ctx: EmulatorContext, req: EmuRequest): Caller | ArmProblem {
  if (req.method !== "GET") {
    return {
      status: 405,
      code: "MethodNotAllowed",
      message: `The requested method '${req.method}' is not allowed; the emulator's ARM surface answers GET only.`,
    };
  }
  const caller = authenticate(ctx, req);
  if (isProblem(caller)) return caller;
  const version = req.query["api-version"];
  if (version === undefined || version === "") {
    return {
      status: 400,
      code: "MissingApiVersionParameter",
      message: "The api-version query parameter (?api-version=) is required for all requests.",
    };
  }
  if (!/^\d{4}-\d{2}-\d{2}(-preview)?$/i.test(version)) {
    return {
      status: 400,
      code: "InvalidApiVersionParameter",
      message: `The api-version '${version}' is invalid. The supported versions are dates such as '2022-12-01'.`,
    };
  }
  return caller;
}

function subscriptionJson(s: Subscription): Record<string, unknown> {
  return {
    id: `/subscriptions/${s.id}`,
    authorizationSource: "RoleBased",
    managedByTenants: [],
    subscriptionId: s.id,
    tenantId: s.tenantId,
    displayName: s.displayName,
    state: s.state,
    subscriptionPolicies: {
      locationPlacementId: "Public_2014-09-01",
      quotaId: "PayAsYouGo_2014-09-01",
      spendingLimit: "Off",
    },
  };
}

function tenantJson(t: TenantConfig, home: boolean): Record<string, unknown> {
  const domains = t.domains ?? [];
  return {
    id: `/tenants/${t.id.toLowerCase()}`,
    tenantId: t.id.toLowerCase(),
    countryCode: "US",
    displayName: t.displayName ?? domains[0] ?? t.id,
    domains,
    tenantCategory: home ? "Home" : "ProjectedBy",
    ...(domains[0] !== undefined ? { defaultDomain: domains[0] } : {}),
    tenantType: "AAD",
  };
}

function listSubscriptions(ctx: EmulatorContext, caller: Caller): EmuResponse {
  const value = ctx.config.subscriptions.filter((s) => s.tenantId === caller.tenantId).map(subscriptionJson);
  return json(200, { value });
}

function getSubscription(ctx: EmulatorContext, caller: Caller, id: string): EmuResponse {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
    return armError(ctx, {
      status: 400,
      code: "InvalidSubscriptionId",
      message: `The provided subscription identifier '${id}' is malformed or invalid.`,
    });
  }
  const sub = ctx.config.subscriptions.find((s) => s.id === id.toLowerCase());
  if (!sub) {
    return armError(ctx, {
      status: 404,
      code: "SubscriptionNotFound",
      message: `The subscription '${id}' could not be found.`,
    });
  }
  if (sub.tenantId !== caller.tenantId) {
    const expected = caller.issuer.replace(new RegExp(caller.tenantId, "i"), sub.tenantId);
    return armError(ctx, {
      status: 401,
      code: "InvalidAuthenticationTokenTenant",
      message: `The access token is from the wrong issuer '${caller.issuer}'. It must match the tenant '${expected}' associated with this subscription. Please use the authority (URL) '${ctx.httpsOrigin}/${sub.tenantId}' to get the token.`,
      authorizationUri: `${ctx.httpsOrigin}/${sub.tenantId}`,
      description:
        "The access token is from the wrong issuer. It must match the tenant associated with this subscription. Please use correct authority to get the token.",
    });
  }
  return json(200, subscriptionJson(sub));
}

function listTenants(ctx: EmulatorContext, caller: Caller): EmuResponse {
  const home = caller.tenants[0];
  const value = caller.tenants
    .map((id) => ctx.config.tenants.find((t) => t.id.toLowerCase() === id))
    .filter((t): t is TenantConfig => t !== undefined)
    .map((t) => tenantJson(t, t.id.toLowerCase() === home));
  return json(200, { value });
}

/**
 * Registers the ARM routes on the HTTPS listener (route ids in parentheses):
 * `GET /subscriptions` (`arm_subscriptions`), `GET /subscriptions/{id}` (`arm_subscription`),
 * `GET /tenants` (`arm_tenants`), and ARM's 404 for any other path below a subscription (`arm_other`).
 *
 * @example
 * // curl -H "Authorization: Bearer $ARM_TOKEN" "$URL/subscriptions?api-version=2022-12-01"
 */
export function registerArmRoutes(router: Router, ctx: EmulatorContext): void {
  const route = (id: string, path: string, answer: (caller: Caller, params: Record<string, string>) => EmuResponse) =>
    router.add({
      id,
      methods: ["*"],
      path,
      listener: "https",
      handler: (req, params) => {
        const caller = admit(ctx, req);
        return isProblem(caller) ? armError(ctx, caller) : answer(caller, params);
      },
    });
  route("arm_subscriptions", "/subscriptions", (caller) => listSubscriptions(ctx, caller));
  route("arm_subscription", "/subscriptions/:subscriptionId", (caller, p) =>
    getSubscription(ctx, caller, p.subscriptionId ?? ""),
  );
  route("arm_tenants", "/tenants", (caller) => listTenants(ctx, caller));
  route("arm_other", "/subscriptions/:subscriptionId/*rest", () =>
    armError(ctx, {
      status: 404,
      code: "NotFound",
      message: "The emulator's ARM surface serves only /subscriptions, /subscriptions/{id} and /tenants.",
    }),
  );
}
