/**
 * Azure Cloud Shell (docs/msal-python-compatibility.md 5.9): inside Cloud Shell the signed-in user's tokens come from a
 * local endpoint; the result is cached under a synthetic CLOUDSHELL account.
 */
import { ServerError } from "../errors.js";
import { isRecord, parseJsonObject } from "../util/json.js";
import { decodeBase64UrlText } from "../oauth2/encoding.js";
import type { TokenResult } from "../types.js";
import { now, type FlowContext } from "./context.js";

export const CLOUD_SHELL_TOKEN_ENDPOINT = "http://localhost:50342/oauth2/token";

/** Inside Cloud Shell: `AZUREPS_HOST_ENVIRONMENT` starts with `cloud-shell`. */
export function inCloudShell(env: Readonly<Record<string, string | undefined>>): boolean {
  return (env.AZUREPS_HOST_ENVIRONMENT ?? "").startsWith("cloud-shell");
}

/** Scopes to the resource Cloud Shell expects (5.9). */
export function scopeToResource(scope: string): string {
  if (scope.startsWith("https://analysis.windows.net/powerbi/api")) return "https://analysis.windows.net/powerbi/api";
  if (scope === "https://pas.windows.net/CheckMyAccess/Linux/.default") return scope;
  try {
    const u = new URL(scope);
    if (u.protocol === "http:" || u.protocol === "https:") return `${u.protocol}//${u.host}`;
  } catch {
    // not a URL: kept as is
  }
  return scope;
}

function claimsOf(accessToken: string): Record<string, unknown> | undefined {
  const parts = accessToken.split(".");
  if (parts.length !== 3) return undefined;
  const text = decodeBase64UrlText(parts[1] ?? "");
  return text === null ? undefined : parseJsonObject(text);
}

/** Gets a token from the Cloud Shell endpoint and caches it with a CLOUDSHELL account. */
export async function acquireTokenFromCloudShell(ctx: FlowContext, scopes: readonly string[]): Promise<TokenResult> {
  const resource = [...new Set(scopes.map(scopeToResource))].join(" ");
  const response = await ctx.http.post(CLOUD_SHELL_TOKEN_ENDPOINT, {
    data: { resource },
    headers: { Metadata: "true" },
  });
  const body = parseJsonObject(response.text);
  if (response.status_code >= 300) {
    const error = isRecord(body?.error) ? body.error : {};
    const out: Record<string, unknown> = {};
    if (typeof error.code === "string" && error.code) out.error = error.code;
    if (typeof error.message === "string" && error.message) out.error_description = error.message;
    return { error: "cloud_shell_error", ...out } as TokenResult;
  }
  if (!body || typeof body.access_token !== "string")
    throw new ServerError("The Cloud Shell token endpoint answered without an access token.", {
      code: "invalid_response",
    });
  const tokenType = typeof body.token_type === "string" && body.token_type !== "" ? body.token_type : "Bearer";
  if (tokenType.toLowerCase() !== "bearer") {
    return {
      error: "broker_error",
      error_description: `token_type ${tokenType} is not supported by this version of Azure Portal`,
    };
  }
  const t = now(ctx);
  const at = claimsOf(body.access_token) ?? {};
  const uid = typeof at.oid === "string" ? at.oid : "user";
  const utid = typeof at.tid === "string" ? at.tid : "cloudshell";
  const preferred =
    typeof at.preferred_username === "string"
      ? at.preferred_username
      : typeof at.unique_name === "string"
        ? at.unique_name
        : "currentuser@cloudshell";
  const idTokenClaims = {
    iss: at.iss ?? "cloudshell",
    sub: at.sub ?? "user",
    aud: ctx.clientId,
    exp: at.exp ?? t + 3600,
    iat: at.iat ?? t,
    preferred_username: preferred,
    tid: utid,
  };
  const expiresIn = Math.trunc(Number(body.expires_in));
  const result: Record<string, unknown> = {
    access_token: body.access_token,
    expires_in: Number.isFinite(expiresIn) ? expiresIn : 3600,
    token_type: tokenType,
    id_token_claims: idTokenClaims,
    // Standard base64, as MSAL Python writes it for Cloud Shell.
    client_info: Buffer.from(JSON.stringify({ uid, utid })).toString("base64"),
    ...(typeof body.refresh_token === "string" ? { refresh_token: body.refresh_token } : {}),
  };
  const authority = await ctx.authorities.resolve();
  ctx.cache.add(
    {
      client_id: ctx.clientId,
      scope: [...scopes],
      token_endpoint: authority.tokenEndpoint,
      environment: authority.instance,
      response: result,
      authority_type: "CLOUDSHELL",
    },
    t,
  );
  return { ...result, token_source: "broker" } as TokenResult;
}
