/**
 * Accounts (docs/msal-python-compatibility.md 3.10): listing grouped by home account with alias fallback, removal of
 * an account's tokens, and removal of an app's client-credential tokens.
 */
import { hostnameOf } from "../authority/authority.js";
import type { CacheEntry } from "../cache/schema.js";
import { InvalidArgumentError } from "../errors.js";
import { isRecord } from "../util/json.js";
import type { Account } from "../types.js";
import type { FlowContext } from "./context.js";
import { withPartition } from "./store.js";

/** The accounts of an environment (or of one home account there), grouped by home account. */
function accountsIn(ctx: FlowContext, environment: string, cloudShell: boolean, home?: string): Map<string, Account> {
  const types = new Set(["ADFS", "MSSTS", ...(cloudShell ? ["CLOUDSHELL"] : [])]);
  const grouped = new Map<string, Account>();
  const query = home === undefined ? { environment } : { environment, home_account_id: home };
  for (const e of ctx.cache.lookup("Account", { query })) {
    if (!types.has(String(e.authority_type))) continue;
    // The last entry seen wins (MSAL Python groups by home_account_id the same way).
    grouped.set(e.home_account_id as string, accountOf(e));
  }
  return grouped;
}

/** The Account of an account entry, built once in its final shape (no `account_source` when it has none). */
function accountOf(e: CacheEntry): Account {
  const username = typeof e.username === "string" ? e.username : "";
  const authority_type = e.authority_type as Account["authority_type"];
  if (e.account_source === undefined)
    return {
      home_account_id: e.home_account_id as string,
      environment: e.environment as string,
      username,
      authority_type,
      local_account_id: e.local_account_id as string,
      realm: e.realm as string,
    };
  return {
    home_account_id: e.home_account_id as string,
    environment: e.environment as string,
    username,
    account_source: e.account_source as string,
    authority_type,
    local_account_id: e.local_account_id as string,
    realm: e.realm as string,
  };
}

/**
 * `getAccounts({ username })` through the user-name index: the home accounts having an entry with that name
 * in `environment`, each grouped as the full listing groups it. `undefined` when that alone does not settle
 * the listing's answer (then the caller lists): no match (the listing may turn to alias hosts), or several
 * (the listing orders them by the position of their first entry).
 */
function namedAccount(
  ctx: FlowContext,
  environment: string,
  cloudShell: boolean,
  username: string,
): Account[] | undefined {
  const homes = new Set<string>();
  for (const e of ctx.cache.lookup("Account", { username, query: { environment } }))
    homes.add(e.home_account_id as string);
  const wanted = username.toLowerCase();
  const found: Account[] = [];
  for (const home of homes) {
    const account = accountsIn(ctx, environment, cloudShell, home).get(home);
    if (account && account.username.toLowerCase() === wanted) found.push(account);
  }
  return found.length === 1 ? found : undefined;
}

export async function getAccounts(ctx: FlowContext, o: { username?: string } = {}): Promise<Account[]> {
  if (o?.username !== undefined && typeof o.username !== "string")
    throw new InvalidArgumentError("username must be a string.");
  const authority = await ctx.authorities.resolve();
  const cloudShell = (ctx.env.AZUREPS_HOST_ENVIRONMENT ?? "").startsWith("cloud-shell");
  const named = o?.username ? namedAccount(ctx, authority.instance, cloudShell, o.username) : undefined;
  if (named) return named;
  let accounts = accountsIn(ctx, authority.instance, cloudShell);
  if (accounts.size === 0 && ctx.aliases.enabled) {
    let aliases: string[] = [];
    try {
      aliases = await ctx.aliases.aliasesOf(authority.host);
    } catch (e) {
      ctx.log.info(
        `Instance metadata unavailable; accounts under alias hosts not searched (${e instanceof Error ? e.message : "unknown error"}).`,
      );
    }
    for (const alias of aliases) {
      accounts = accountsIn(ctx, hostnameOf(alias), cloudShell);
      if (accounts.size > 0) break;
    }
  }
  const list = [...accounts.values()];
  if (!o?.username) return list;
  const wanted = o.username.toLowerCase();
  return list.filter((a) => a.username.toLowerCase() === wanted);
}

export async function removeAccount(ctx: FlowContext, account: unknown): Promise<void> {
  if (!isRecord(account) || typeof account.home_account_id !== "string" || typeof account.environment !== "string") {
    throw new InvalidArgumentError("account must be one of the objects getAccounts() returns.");
  }
  // Sign out of the broker first; its errors are only logged (7.2).
  const broker = await ctx.broker?.get();
  if (broker && typeof account.local_account_id === "string") {
    try {
      await broker.signOutSilently(ctx.clientId, account.local_account_id);
    } catch (e) {
      ctx.log.warning(
        `Broker sign-out failed (${e instanceof Error ? e.message : "unknown error"}); the cache is cleared anyway.`,
      );
    }
  }
  // A cache kept elsewhere (Redis) loads the user's partition first and saves it emptied afterwards.
  const { environment, home_account_id: homeAccountId } = account;
  const partition = ctx.cache.beforeAccess ? ({ kind: "user", homeAccountId } as const) : null;
  await withPartition(ctx, partition, async () => removeAccountEntries(ctx, environment, homeAccountId));
}

function removeAccountEntries(ctx: FlowContext, environment: string, homeAccountId: string): void {
  const query = { environment, home_account_id: homeAccountId };
  const metadata = ctx.cache.lookup("AppMetadata", { query: { client_id: ctx.clientId, environment } }).next().value as
    CacheEntry | undefined;
  const family = typeof metadata?.family_id === "string" && metadata.family_id !== "" ? metadata.family_id : undefined;
  for (const rt of [...ctx.cache.lookup("RefreshToken", { query })]) {
    if (rt.client_id === ctx.clientId || (family !== undefined && rt.family_id === family))
      ctx.cache.removeRefreshToken(rt);
  }
  for (const type of ["AccessToken", "IdToken", "Account"] as const) {
    for (const entry of [...ctx.cache.lookup(type, { query })]) ctx.cache.modify(type, entry);
  }
}

export async function removeTokensForClient(ctx: FlowContext): Promise<void> {
  const authority = await ctx.authorities.resolve();
  let aliases: string[] = [];
  if (ctx.aliases.enabled) {
    try {
      aliases = await ctx.aliases.aliasesOf(authority.host);
    } catch {
      aliases = [];
    }
  }
  for (const environment of new Set([authority.instance, ...aliases.map(hostnameOf)])) {
    for (const at of [
      ...ctx.cache.lookup("AccessToken", {
        query: { client_id: ctx.clientId, home_account_id: null, environment },
        anyOrder: true,
      }),
    ]) {
      ctx.cache.removeAccessToken(at);
    }
  }
}
