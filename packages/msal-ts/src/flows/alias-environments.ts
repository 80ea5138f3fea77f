/**
 * Which alias hosts a silent cache read should search too (docs/msal-python-compatibility.md 3.6 step 3).
 */
import { hostnameOf, type Authority } from "../authority/authority.js";
import type { FlowContext } from "./context.js";

/**
 * The other environments of the authority's alias group that may hold tokens (msal-node writes
 * `login.windows.net` for `login.microsoftonline.com`). Empty when aliases are off, when the cache holds
 * no access token at all (no metadata request then), or when the metadata cannot be had.
 */
export async function aliasEnvironments(ctx: FlowContext, authority: Authority): Promise<string[]> {
  if (!ctx.aliases.enabled || ctx.cache.count("AccessToken") === 0) return [];
  try {
    const aliases = await ctx.aliases.aliasesOf(authority.host);
    return [...new Set(aliases.map(hostnameOf))].filter((e) => e !== authority.instance);
  } catch (e) {
    ctx.log.info(
      `Instance metadata unavailable; tokens under alias hosts not searched (${e instanceof Error ? e.message : "unknown error"}).`,
    );
    return [];
  }
}
