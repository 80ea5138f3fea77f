import { IdTokenError } from "../errors.js";
import { decodeBase64UrlText } from "./encoding.js";
import { parseJsonObject } from "../util/json.js";

/**
 * Decodes the claims of an ID token (a JWS compact serialization). The signature is not checked: the
 * token arrived over TLS straight from the token endpoint (OpenID Connect Core 3.1.3.7, item 6).
 *
 * @throws IdTokenError when the token is not three base64url parts with a JSON object payload.
 */
export function decodeIdToken(idToken: unknown, now?: number): Record<string, unknown> {
  if (typeof idToken !== "string")
    throw new IdTokenError(
      "The ID token is not a string. The identity provider returned a malformed token response.",
      now,
    );
  const parts = idToken.split(".");
  if (parts.length !== 3) {
    throw new IdTokenError(
      `The ID token has ${parts.length} dot-separated parts instead of 3. The identity provider returned a malformed token.`,
      now,
    );
  }
  const text = decodeBase64UrlText(parts[1] ?? "");
  const claims = text === null ? null : parseJsonObject(text);
  if (!claims)
    throw new IdTokenError(
      "The ID token's payload is not base64url-encoded JSON. The identity provider returned a malformed token.",
      now,
    );
  return claims;
}

/**
 * Checks that `clientId` is an audience of the ID token (OpenID Connect Core 3.1.3.7, item 3).
 *
 * @throws IdTokenError on a mismatch.
 */
export function checkIdTokenAudience(claims: Record<string, unknown>, clientId: string, now?: number): void {
  const aud = claims.aud;
  const ok = Array.isArray(aud) ? aud.includes(clientId) : aud === clientId;
  if (!ok) {
    throw new IdTokenError(
      `The ID token was issued to another application (its "aud" does not contain this client id ${clientId}). ` +
        "Check that the client id and the authority are the ones registered for this app.",
      now,
      claims,
    );
  }
}

/** Decodes an ID token and checks its audience; `now` (epoch seconds) goes into an IdTokenError. */
export function decodeIdTokenFor(idToken: unknown, clientId: string, now?: number): Record<string, unknown> {
  const claims = decodeIdToken(idToken, now);
  checkIdTokenAudience(claims, clientId, now);
  return claims;
}

/** Entra's multi-tenant documents name the issuer with this placeholder for the token's tenant. */
const TENANT_TEMPLATE = "{tenantid}";

/**
 * The issuer an ID token must carry, given the discovery document's `issuer`. Entra's multi-tenant
 * documents (`common`, `organizations`) say `https://login.microsoftonline.com/{tenantid}/v2.0`: the
 * placeholder stands for the token's own `tid`, so any tenant's issuer of that form is accepted, but only
 * the one of the tenant the token names. Returns `undefined` when the template needs a `tid` the token lacks.
 *
 * @example
 * ```ts
 * expectedIssuer("https://login.microsoftonline.com/{tenantid}/v2.0", { tid: "72f9..." });
 * // "https://login.microsoftonline.com/72f9.../v2.0"
 * ```
 */
export function expectedIssuer(documentIssuer: string, claims: Record<string, unknown>): string | undefined {
  if (!documentIssuer.includes(TENANT_TEMPLATE)) return documentIssuer;
  const tid = claims.tid;
  if (typeof tid !== "string" || tid === "" || /[/?#\s]/.test(tid)) return undefined;
  return documentIssuer.replaceAll(TENANT_TEMPLATE, tid);
}

/**
 * Checks the ID token's `iss` against the issuer of the discovery document of the authority the token was
 * requested from (OpenID Connect Core 3.1.3.7 item 2: exact match). This catches a token endpoint that
 * answers for another issuer (a mix-up, or a misconfigured proxy or authority).
 *
 * @throws IdTokenError when `iss` is missing or differs; the message names both issuers and no token.
 *
 * @example
 * ```ts
 * checkIdTokenIssuer({ iss: "https://op.example/t", aud: "cid" }, "https://op.example/t"); // passes
 * ```
 */
export function checkIdTokenIssuer(claims: Record<string, unknown>, documentIssuer: string, now?: number): void {
  const expected = expectedIssuer(documentIssuer, claims);
  const actual = claims.iss;
  if (expected !== undefined && actual === expected) return;
  const shown = typeof actual === "string" ? `"${printable(actual)}"` : "no issuer";
  const wanted =
    expected === undefined
      ? `"${printable(documentIssuer)}" with the token's tenant (the token has no usable tid)`
      : `"${printable(expected)}"`;
  throw new IdTokenError(
    `The ID token was issued by ${shown}, but the authority's discovery document names the issuer ${wanted}. ` +
      "Check that the authority (or oidcAuthority) is the identity provider that issues this app's tokens.",
    now,
    claims,
  );
}

/** Server text in a message: one line, bounded. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/[\u0000-\u001f\u007f"]+/g, " ");
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}
