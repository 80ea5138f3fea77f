import { IdTokenError } from "../errors.js";
import { decodeBase64UrlText } from "./encoding.js";
import { parseJsonObject } from "../util/json.js";

/**
 * Decodes the claims of an ID token (a JWS compact serialization). The signature is not checked: the
 * token arrived over TLS straight from the token endpoint (OpenID Connect Core 3.1.3.7, item 6).
 *
 * @throws IdTokenError when the token is not three base64url parts with a JSON object payload.
 */
export function decodeIdToken(idToken: unknown): Record<string, unknown> {
  if (typeof idToken !== "string") throw new IdTokenError("The ID token is not a string. The identity provider returned a malformed token response.");
  const parts = idToken.split(".");
  if (parts.length !== 3) {
    throw new IdTokenError(`The ID token has ${parts.length} dot-separated parts instead of 3. The identity provider returned a malformed token.`);
  }
  const text = decodeBase64UrlText(parts[1] ?? "");
  const claims = text === null ? null : parseJsonObject(text);
  if (!claims) throw new IdTokenError("The ID token's payload is not base64url-encoded JSON. The identity provider returned a malformed token.");
  return claims;
}

/**
 * Checks that `clientId` is an audience of the ID token (OpenID Connect Core 3.1.3.7, item 3).
 *
 * @throws IdTokenError on a mismatch.
 */
export function checkIdTokenAudience(claims: Record<string, unknown>, clientId: string): void {
  const aud = claims.aud;
  const ok = Array.isArray(aud) ? aud.includes(clientId) : aud === clientId;
  if (!ok) {
    throw new IdTokenError(
      `The ID token was issued to another application (its "aud" does not contain this client id ${clientId}). ` +
        "Check that the client id and the authority are the ones registered for this app.",
    );
  }
}

/** Decodes an ID token and checks its audience. */
export function decodeIdTokenFor(idToken: unknown, clientId: string): Record<string, unknown> {
  const claims = decodeIdToken(idToken);
  checkIdTokenAudience(claims, clientId);
  return claims;
}
