/**
 * Client capabilities and token revocation of the managed-identity token services (MSI v1 token revocation), as
 * App Service and Service Fabric take them:
 *
 * - `xms_cc`: the client's capabilities, comma-separated (`cp1` says it can answer claims challenges); the token
 *   carries them in its `xms_cc` claim, as Entra puts them in tokens for capable clients;
 * - `token_sha256_to_refresh`: the lower-case hex SHA-256 of the token the client was refused with. The service
 *   caches the tokens it issued; when the hash names the token it would hand out, it gets a new one instead. Any
 *   other value (another token's hash, a base64 hash, garbage) means the cached token is already a newer one, and
 *   that one is returned: the service never answers with the token the client named.
 *
 * Caching is `managedIdentity.reuseTokens` (default off: a new token on every request, which makes the hash moot).
 */
import { perContext, type EmulatorContext } from "../../context.js";
import type { EmuRequest } from "../../http.js";
import { tokenSha256 } from "../../revocation.js";
import { mintForIdentity, queryParam, type MintedToken, type ParsedTokenRequest } from "./common.js";

/** What a request asks of token reuse and revocation. */
export interface RevocationParams {
  /** `xms_cc`, split on commas, trimmed, without empty or repeated entries. */
  capabilities: string[];
  /** `token_sha256_to_refresh`, lower-cased. */
  tokenSha256ToRefresh: string | undefined;
}

export function revocationParams(req: EmuRequest): RevocationParams {
  const cc = queryParam(req, "xms_cc") ?? "";
  const capabilities = [
    ...new Set(
      cc
        .split(",")
        .map((c) => c.trim())
        .filter((c) => c !== ""),
    ),
  ];
  return { capabilities, tokenSha256ToRefresh: queryParam(req, "token_sha256_to_refresh")?.toLowerCase() };
}

interface Issued {
  minted: MintedToken;
  sha256: string;
}

/** The last token issued per source, identity, resource and capabilities. */
const issued = perContext<Issued>();

/** A cached token is handed out again only while it has more than this many seconds left. */
const REUSE_MARGIN_SECONDS = 300;
/** Bound on remembered tokens (clients choose `xms_cc` freely); the oldest is forgotten first. */
const MAX_REMEMBERED = 1000;

/**
 * The token for a request of `source`: the cached one when `reuseTokens` is on, it has time left and the request
 * does not name it in `token_sha256_to_refresh`; otherwise a new one (with the `xms_cc` claim), which is remembered.
 */
export function mintOrReuse(
  ctx: EmulatorContext,
  source: "app_service" | "service_fabric",
  parsed: ParsedTokenRequest,
  params: RevocationParams,
): MintedToken {
  const key = JSON.stringify([source, parsed.identity.objectId, parsed.resource, [...params.capabilities].sort()]);
  const map = issued(ctx);
  const last = map.get(key);
  if (
    ctx.config.managedIdentity.reuseTokens &&
    last !== undefined &&
    last.minted.expiresOn - ctx.clock.now() > REUSE_MARGIN_SECONDS &&
    last.sha256 !== params.tokenSha256ToRefresh
  ) {
    return last.minted;
  }
  const extra = params.capabilities.length > 0 ? { xms_cc: params.capabilities } : {};
  const minted = mintForIdentity(ctx, parsed.identity, parsed.resource, extra);
  map.delete(key);
  map.set(key, { minted, sha256: tokenSha256(minted.token) });
  if (map.size > MAX_REMEMBERED) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
  return minted;
}
