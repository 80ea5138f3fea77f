import { entraError, EntraError, missingParameter } from "../errors.js";
import type { EmuRequest } from "../http.js";

/**
 * Proof-of-Possession on the token endpoint, as Entra does it: a client that sends `token_type=pop` also sends
 * `req_cnf`, base64url JSON `{"kid": "<JWK thumbprint>"}` (MSAL adds `"xms_ksl": "sw"`, a software key). The
 * access token then carries `cnf: {kid}` and the response says `token_type: "pop"`; refresh and ID tokens are
 * not bound. Without `token_type=pop` the request is a plain bearer request and `req_cnf` is ignored.
 */
export interface PopBinding {
  /** Claims merged into the access token. */
  claims: { cnf: { kid: string } };
  /** The response's `token_type`. */
  tokenType: "pop";
}

/** base64url, unpadded as MSAL sends it; trailing `=` padding is tolerated. */
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

function malformed(detail: string): EntraError {
  return entraError(
    90023,
    `The 'req_cnf' parameter is malformed: ${detail}. With token_type=pop, req_cnf must be the base64url encoding of a JSON object with a non-empty string 'kid'.`,
  );
}

/**
 * The PoP binding a token request asks for, or `undefined` for a bearer request. Throws `invalid_request` when
 * `token_type=pop` comes without a usable `req_cnf`. Pure (reads only the form), so the token endpoint can call
 * it before a grant spends a code, and the issuing code again when it mints the access token.
 */
export function popBinding(req: EmuRequest): PopBinding | undefined {
  // Token type names are case-insensitive (RFC 6749 §7.1); MSAL sends "pop".
  if ((req.form.token_type ?? "").toLowerCase() !== "pop") return undefined;
  const reqCnf = req.form.req_cnf;
  if (reqCnf === undefined || reqCnf === "") throw missingParameter("req_cnf");
  if (!BASE64URL.test(reqCnf)) throw malformed("it is not base64url");
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(reqCnf, "base64url").toString("utf8"));
  } catch {
    throw malformed("it does not decode to JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw malformed("it is not a JSON object");
  const kid = (parsed as Record<string, unknown>).kid;
  if (typeof kid !== "string" || kid === "") throw malformed("it has no 'kid' string");
  return { claims: { cnf: { kid } }, tokenType: "pop" };
}
