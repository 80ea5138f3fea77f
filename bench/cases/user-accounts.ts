/**
 * Account operations on a cache of N signed-in users of one public client, in its own process:
 * `user-accounts.ts <msal-ts|msal-node> <N>`. Times, with no network:
 * - listing every account (msal-ts `getAccounts()`, msal-node `getAllAccounts()`), checked to return N;
 * - finding one account by user name (msal-ts `getAccounts({ username })`; msal-node has no such filter,
 *   so `getAllAccounts()` and a search of the list), checked to return that user;
 * - removing one account (`removeAccount`), checked to leave N - 1 accounts with that user gone; each
 *   call removes another user (at N = 1 the user is written back, untimed, between calls, and the calls are
 *   warmed up as the listing's are).
 * Prints one JSON line of median microseconds.
 */
import { measureEach } from "../lib/measure.ts";
import { msalNodeOfflineAuth, OfflineHttpClient } from "../lib/offline.ts";
import {
  ENVIRONMENT,
  PUBLIC_CLIENT_ID,
  TENANT_ID,
  msalNodeFormatUserCache,
  pythonFormatUserCache,
  userOf,
} from "../lib/populate.ts";

const [lib, nText] = process.argv.slice(2);
const n = Number(nText);
const now = Math.floor(Date.now() / 1000);
const authority = `https://${ENVIRONMENT}/${TENANT_ID}`;
/** The user looked up by name: the last one written. */
const named = userOf(n - 1);

interface Subject {
  listAll(): Promise<number>;
  findByName(): Promise<string | undefined>;
  /** Removes user i. */
  remove(i: number): Promise<void>;
  /** Whether user i is gone and `left` accounts are left (untimed). */
  removed(i: number, left: number): Promise<boolean>;
  reload(): void;
}

async function msalTs(): Promise<Subject> {
  const { PublicClientApplication, SerializableTokenCache } = await import("msal-ts");
  const cache = new SerializableTokenCache();
  const http = new OfflineHttpClient();
  const text = pythonFormatUserCache(n, now);
  cache.deserialize(text);
  const app = new PublicClientApplication(PUBLIC_CLIENT_ID, {
    authority,
    tokenCache: cache,
    httpClient: http,
    instanceDiscovery: false,
  });
  const byHome = new Map((await app.getAccounts()).map((a) => [a.home_account_id, a]));
  // User 0's entries, written back (through the cache's API) to undo a removal at N = 1.
  const types = ["AccessToken", "RefreshToken", "IdToken", "Account"] as const;
  const first = types.map((type) => [type, cache.find(type, { query: { home_account_id: userOf(0).home } })] as const);
  return {
    listAll: async () => (await app.getAccounts()).length,
    findByName: async () => (await app.getAccounts({ username: named.username }))[0]?.username,
    async remove(i) {
      const account = byHome.get(userOf(i).home);
      if (!account) throw new Error("benchmark expected a known account");
      await app.removeAccount(account);
    },
    async removed(i, left) {
      const gone = cache.find("Account", { query: { home_account_id: userOf(i).home } }).length === 0;
      return gone && cache.count("Account") === left && cache.count("RefreshToken") === left;
    },
    reload: () => first.forEach(([type, entries]) => entries.forEach((e) => cache.modify(type, e, e))),
  };
}

async function msalNode(): Promise<Subject> {
  const msal = await import("@azure/msal-node");
  const refuse = async (): Promise<never> => {
    throw new Error("benchmark expected no request");
  };
  const app = new msal.PublicClientApplication({
    auth: { clientId: PUBLIC_CLIENT_ID, authority, ...msalNodeOfflineAuth(authority) },
    system: { networkClient: { sendGetRequestAsync: refuse, sendPostRequestAsync: refuse } },
  });
  const cache = app.getTokenCache();
  const text = msalNodeFormatUserCache(n, now);
  cache.deserialize(text);
  const byHome = new Map((await cache.getAllAccounts()).map((a) => [a.homeAccountId, a]));
  return {
    listAll: async () => (await app.getAllAccounts()).length,
    findByName: async () => (await app.getAllAccounts()).find((a) => a.username === named.username)?.username,
    async remove(i) {
      const account = byHome.get(userOf(i).home);
      if (!account) throw new Error("benchmark expected a known account");
      await cache.removeAccount(account);
    },
    async removed(i, left) {
      // From the serialized cache: msal-node's getAllAccounts takes seconds at 1,000 accounts.
      const keys = Object.keys((JSON.parse(cache.serialize()) as { Account: object }).Account);
      return keys.length === left && !keys.some((k) => k.startsWith(`${userOf(i).home}-`));
    },
    reload: () => cache.deserialize(text),
  };
}

const subject = lib === "msal-ts" ? await msalTs() : await msalNode();
if ((await subject.listAll()) !== n) throw new Error("benchmark expected N accounts");
if ((await subject.findByName()) !== named.username) throw new Error("benchmark expected the named account");

// Calls one by one (msal-node's listing takes seconds at 1,000 accounts), at most about a second each.
const each = { warmup: 1, minCalls: 3, maxCalls: 200, budgetMs: 1000 };
const listAll = await measureEach(
  async () => {
    if ((await subject.listAll()) !== n) throw new Error("benchmark expected N accounts");
  },
  () => undefined,
  each,
);
const findByName = await measureEach(
  async () => {
    if ((await subject.findByName()) !== named.username) throw new Error("benchmark expected the named account");
  },
  () => undefined,
  each,
);
// Each call removes another user; with one user, it is written back (untimed) between calls.
let left = n;
const removal = await measureEach(
  (i) => subject.remove(n === 1 ? 0 : i),
  async (i) => {
    if (!(await subject.removed(n === 1 ? 0 : i, --left))) throw new Error("benchmark expected one account removed");
    if (n === 1) {
      subject.reload();
      left = n;
    }
  },
  // With one user (written back after each call) the calls can be as many as elsewhere, after the same warm-up;
  // with N users each call spends one, so at most N / 20 are timed, after two.
  n === 1
    ? { warmup: 100, minCalls: 5, maxCalls: 400, budgetMs: 1000 }
    : { warmup: 2, minCalls: 5, maxCalls: Math.max(5, Math.min(40, Math.floor(n / 20))), budgetMs: 1000 },
);
process.stdout.write(
  `${JSON.stringify({ lib, n, listAllUs: listAll.medianUs, findByNameUs: findByName.medianUs, removeUs: removal.medianUs })}\n`,
);
