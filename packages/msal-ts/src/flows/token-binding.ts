/**
 * Key-bound tokens (docs/msal-python-compatibility.md 7.1): Proof-of-Possession with msal-ts's own key (`authScheme`),
 * and the external-key forms the spec supports through request data (`token_type` `pop` or `ssh-cert`
 * with the caller's `req_cnf` and `key_id`). Turns call options into extra token-request fields, the
 * cache `key_id`, and the final shape of the result.
 */
import { InvalidArgumentError } from "../errors.js";
import { PopAuthScheme } from "../crypto/pop-auth-scheme.js";
import type { TokenResult } from "../types.js";
import type { PopKey } from "../crypto/pop-key.js";
import { isRecord } from "../util/json.js";
import type { BrokerPopParams } from "./broker.js";

export interface Binding {
  /** Fields added to the token request. */
  fields: Record<string, string>;
  /** The cache `key_id` of the token (lookups and writes), when bound to a key. */
  keyId: string | undefined;
  /** Distinguishes single-flight keys. */
  flightTag: string;
  /** Turns a token (from the cache or the identity provider) into what the caller gets. */
  finish(result: TokenResult, now: number): TokenResult;
  /**
   * The same binding through a broker: PoP parameters for the broker's own key, or the external-key data,
   * and the `token_type` its answer must carry (none for bearer tokens).
   */
  broker: { pop?: BrokerPopParams; data?: Record<string, string>; tokenType?: string };
}

const NONE: Binding = { fields: {}, keyId: undefined, flightTag: "bearer", finish: (r) => r, broker: {} };

/** @throws InvalidArgumentError for an `authScheme` that is not a PopAuthScheme, or incomplete `data`. */
export function bindingFor(o: { authScheme?: unknown; data?: unknown } | undefined, popKey: PopKey): Binding {
  const scheme = o?.authScheme;
  const data = o?.data;
  if (scheme !== undefined && data !== undefined)
    throw new InvalidArgumentError("Pass either authScheme or data (an external key), not both.");
  if (scheme !== undefined) {
    if (!(scheme instanceof PopAuthScheme)) throw new InvalidArgumentError("authScheme must be a PopAuthScheme.");
    return {
      fields: { token_type: "pop", req_cnf: popKey.reqCnf() },
      keyId: popKey.kid,
      flightTag: `pop ${popKey.kid}`,
      finish(result, now) {
        if (!("access_token" in result) || typeof result.access_token !== "string") return result;
        const shr = popKey.signRequest({
          accessToken: result.access_token,
          method: scheme.httpMethod,
          url: scheme.url,
          nonce: scheme.nonce,
          now,
        });
        return { ...result, access_token: shr, token_type: "pop" };
      },
      broker: {
        pop: {
          httpMethod: scheme.httpMethod,
          uriHost: scheme.url.host,
          uriPath: scheme.url.pathname,
          nonce: scheme.nonce,
        },
        tokenType: "pop",
      },
    };
  }
  if (data === undefined) return NONE;
  if (!isRecord(data) || !Object.values(data).every((v) => typeof v === "string"))
    throw new InvalidArgumentError("data must be an object of string request parameters.");
  const fields = data as Record<string, string>;
  if (fields.token_type === "ssh-cert" && (!fields.req_cnf || !fields.key_id)) {
    throw new InvalidArgumentError(
      'data with token_type "ssh-cert" needs req_cnf (the public key as a JWK) and key_id.',
    );
  }
  const keyId = fields.key_id || undefined;
  // key_id is for the cache, not the wire (MSAL Python sends it too; keep parity).
  const broker = { data: fields, ...(fields.token_type ? { tokenType: fields.token_type } : {}) };
  return { fields, keyId, flightTag: `data ${JSON.stringify(fields)}`, finish: (r) => r, broker };
}
