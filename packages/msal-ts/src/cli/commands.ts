/**
 * The commands of `msal-ts`: login, token, accounts, logout. Each writes its result through the
 * session's Output and reports failures by throwing (see failures.ts for the exit codes).
 */
import {
  Prompt,
  type Account,
  type DeviceFlow,
  type PublicClientApplication,
  type TokenError,
  type TokenResult,
  type TokenSuccess,
} from "../index.js";
import { DEFAULT_APP_SCOPES, DEFAULT_USER_SCOPES, type Invocation } from "./args.js";
import { approveDeviceCodeSoon, emulatorBrowser } from "./emulator.js";
import { CliFailure, ExitCode, SignInTimeoutError, UsageError } from "./exit-codes.js";
import { providerFailure } from "./failures.js";
import {
  certificateCredential,
  confidentialApp,
  federatedCredential,
  managedIdentityClient,
  publicApp,
  userAuthority,
  type Session,
} from "./session.js";

type Login = Extract<Invocation, { command: "login" }>;
type Token = Extract<Invocation, { command: "token" }>;
type Logout = Extract<Invocation, { command: "logout" }>;

const CANCEL_HINT = "(Ctrl+C to cancel)";

/** A signal that also aborts after `seconds` (reason: SignInTimeoutError); `dispose` stops the timer. */
function withDeadline(parent: AbortSignal, seconds: number | undefined): { signal: AbortSignal; dispose: () => void } {
  if (seconds === undefined) return { signal: parent, dispose: () => undefined };
  const controller = new AbortController();
  const follow = (): void => controller.abort(parent.reason);
  parent.addEventListener("abort", follow, { once: true });
  const timer = setTimeout(() => controller.abort(new SignInTimeoutError(seconds)), seconds * 1000);
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      parent.removeEventListener("abort", follow);
    },
  };
}

/** The token of a successful result; an error returned by the identity provider is thrown as a CliFailure. */
function succeeded(result: TokenResult, o: { silent?: boolean } = {}): TokenSuccess {
  if ("error" in result && typeof result.error === "string") throw providerFailure(result as TokenError, o);
  return result as TokenSuccess;
}

function minutesAndSeconds(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

async function browserSignIn(
  s: Session,
  app: PublicClientApplication,
  scopes: string[],
  signal: AbortSignal,
): Promise<TokenResult> {
  const emulator = s.emulator;
  let status: { stop(): void } | undefined;
  const openBrowser = emulator
    ? emulatorBrowser(emulator)
    : async (url: string): Promise<void> => {
        s.out.notice(`Opening a browser to sign in. If none opens, open this address: ${url}`);
        const { default: open } = await import("open");
        await open(url);
      };
  try {
    return await app.acquireTokenInteractive(scopes, {
      prompt: Prompt.SELECT_ACCOUNT,
      signal,
      openBrowser,
      onBeforeLaunchingUi: () => {
        status ??= s.out.status(
          (elapsed) => `Waiting for the browser sign-in… ${elapsed === undefined ? "" : `${elapsed}s `}${CANCEL_HINT}`,
        );
      },
    });
  } finally {
    status?.stop();
  }
}

async function deviceCodeSignIn(
  s: Session,
  app: PublicClientApplication,
  scopes: string[],
  signal: AbortSignal,
): Promise<TokenResult> {
  const started = await app.initiateDeviceFlow(scopes);
  // A flow that failed to start is the identity provider's error object.
  if ("error" in started && typeof started.error === "string") throw providerFailure(started as unknown as TokenError);
  const flow = started as DeviceFlow;
  s.out.notice(flow.message);
  const cancelApproval = s.emulator ? approveDeviceCodeSoon(s.emulator, flow.user_code) : undefined;
  const status = s.out.status((elapsed) =>
    elapsed === undefined
      ? `Waiting for the device code sign-in… ${CANCEL_HINT}`
      : `Waiting for the device code sign-in… ${elapsed}s, the code expires in ${minutesAndSeconds(flow.expires_at - Date.now() / 1000)} ${CANCEL_HINT}`,
  );
  try {
    return await app.acquireTokenByDeviceFlow(flow, { signal });
  } finally {
    status.stop();
    cancelApproval?.();
  }
}

/** `login`: signs a user in with the browser or a device code; the tokens land in the cache. */
export async function login(s: Session, inv: Login): Promise<void> {
  const app = publicApp(s);
  const scopes = inv.scopes.length > 0 ? inv.scopes : [...DEFAULT_USER_SCOPES];
  const deadline = withDeadline(s.signal, inv.timeout);
  let result: TokenResult;
  try {
    result = inv.deviceCode
      ? await deviceCodeSignIn(s, app, scopes, deadline.signal)
      : await browserSignIn(s, app, scopes, deadline.signal);
  } finally {
    deadline.dispose();
  }
  const token = succeeded(result);
  const claims = token.id_token_claims ?? {};
  const username = typeof claims.preferred_username === "string" ? claims.preferred_username : "";
  const [account] = username !== "" ? cachedAccounts(s, username) : [];
  const homeAccountId = account?.home_account_id ?? null;
  if (s.common.output === "json") s.out.json({ username, home_account_id: homeAccountId });
  else if (s.common.output === "tsv") s.out.tsv([username, homeAccountId]);
  else s.out.result(username !== "" ? `Signed in as ${username}.` : "Signed in.");
}

/** Account authority types a user signs in with (MSAL Python's get_accounts lists the same, docs/msal-python-compatibility.md 3.10). */
const USER_AUTHORITY_TYPES = new Set(["MSSTS", "ADFS"]);

/**
 * The signed-in accounts under the authority's host, read from the cache alone. Unlike getAccounts, which
 * discovers the authority first, this sends no request: `accounts` and `logout` work offline, and `token`
 * can answer from the cache without the network. Grouped by home account like getAccounts.
 */
function cachedAccounts(s: Session, username?: string): Account[] {
  const environment = new URL(userAuthority(s)).hostname.toLowerCase();
  const wanted = username?.toLowerCase();
  const grouped = new Map<string, Account>();
  for (const e of s.tokenCache.find("Account", { query: { environment } })) {
    if (!USER_AUTHORITY_TYPES.has(String(e.authority_type)) || typeof e.home_account_id !== "string") continue;
    const name = typeof e.username === "string" ? e.username : "";
    if (wanted !== undefined && name.toLowerCase() !== wanted) continue;
    // The field order of getAccounts, so that `-o json` prints what it printed before.
    grouped.set(e.home_account_id, {
      home_account_id: e.home_account_id,
      environment: String(e.environment),
      username: name,
      ...(typeof e.account_source === "string" ? { account_source: e.account_source } : {}),
      authority_type: e.authority_type as Account["authority_type"],
      local_account_id: String(e.local_account_id ?? ""),
      realm: String(e.realm ?? ""),
    });
  }
  return [...grouped.values()];
}

/** The signed-in account to use: the one named by `--username`, or the only one. */
function chooseAccount(s: Session, username: string | undefined): Account {
  const accounts = cachedAccounts(s, username);
  const [account, ...others] = accounts;
  if (account === undefined) {
    throw new CliFailure(
      ExitCode.NOT_SIGNED_IN,
      username !== undefined ? `${username} is not signed in; run msal-ts login` : "not signed in; run msal-ts login",
    );
  }
  if (others.length > 0) {
    throw new UsageError(
      `several accounts are signed in (${accounts.map((a) => a.username).join(", ")}); choose one with --username`,
      "token",
    );
  }
  return account;
}

/**
 * The token as the output format asks: the access token alone (default, `-o token`), one JSON object
 * (`-o json`), or its fields tab-separated in the JSON order (`-o tsv`; an absent scope is an empty field).
 */
function printToken(s: Session, token: TokenSuccess): void {
  const format = s.common.output ?? "token";
  if (format === "token") {
    s.out.result(token.access_token);
    return;
  }
  const expiresIn = Number(token.expires_in);
  const expiresOn = Number.isFinite(expiresIn)
    ? Math.floor(Date.now() / 1000) + expiresIn
    : Number((token as unknown as Record<string, unknown>).expires_on);
  const scope = typeof token.scope === "string" ? token.scope : undefined;
  if (format === "tsv") {
    s.out.tsv([token.access_token, token.token_type, expiresIn, expiresOn, token.token_source, scope]);
    return;
  }
  s.out.json({
    access_token: token.access_token,
    token_type: token.token_type,
    expires_in: expiresIn,
    expires_on: expiresOn,
    token_source: token.token_source,
    ...(scope !== undefined ? { scope } : {}),
  });
}

/** `token`: prints an access token for the signed-in user, the application, or a managed identity. */
export async function token(s: Session, inv: Token): Promise<void> {
  const source = inv.source;
  switch (source.kind) {
    case "user": {
      const app = publicApp(s);
      const scopes = inv.scopes.length > 0 ? inv.scopes : [...DEFAULT_USER_SCOPES];
      const account = chooseAccount(s, source.username);
      const result = await app.acquireTokenSilentWithError(scopes, account);
      if (result === null) {
        throw new CliFailure(
          ExitCode.NOT_SIGNED_IN,
          `no token for ${scopes.join(" ")} can be had without signing in; run msal-ts login${inv.scopes.map((x) => ` --scope ${x}`).join("")}`,
        );
      }
      printToken(s, succeeded(result, { silent: true }));
      return;
    }
    case "client-secret":
    case "client-certificate": {
      const [secret] = s.secrets;
      const credential = source.kind === "client-secret" ? (secret ?? "") : certificateCredential(source.path, secret);
      const app = confidentialApp(s, credential);
      const scopes = inv.scopes.length > 0 ? inv.scopes : [...DEFAULT_APP_SCOPES];
      printToken(s, succeeded(await app.acquireTokenForClient(scopes)));
      return;
    }
    case "client-federated": {
      const app = confidentialApp(s, federatedCredential(source.path, source.from));
      const scopes = inv.scopes.length > 0 ? inv.scopes : [...DEFAULT_APP_SCOPES];
      printToken(s, succeeded(await app.acquireTokenForClient(scopes)));
      return;
    }
    case "managed-identity": {
      const client = managedIdentityClient(s, source.miClientId);
      printToken(s, succeeded(await client.acquireTokenForClient({ resource: source.resource })));
      return;
    }
  }
}

/**
 * `accounts`: lists the signed-in accounts from the cache, without any request: usernames, every field
 * (`-o json`), or `username, home_account_id, environment, realm` tab-separated (`-o tsv`).
 */
export function accounts(s: Session): Promise<void> {
  publicApp(s); // checks the authority and client id, as every command does
  const list = cachedAccounts(s);
  if (s.common.output === "json") s.out.json(list);
  else if (s.common.output === "tsv")
    for (const a of list) s.out.tsv([a.username, a.home_account_id, a.environment, a.realm]);
  else if (list.length === 0) s.out.notice("No account is signed in.");
  else for (const account of list) s.out.result(account.username);
  return Promise.resolve();
}

/** `logout`: removes the account(s) and their tokens (for this client id) from the cache, without any request. */
export async function logout(s: Session, inv: Logout): Promise<void> {
  const app = publicApp(s);
  const list = cachedAccounts(s, inv.username);
  if (inv.username !== undefined && list.length === 0)
    throw new CliFailure(ExitCode.NOT_SIGNED_IN, `${inv.username} is not signed in`);
  for (const account of list) await app.removeAccount(account);
  const usernames = list.map((a) => a.username);
  if (s.common.output === "json") s.out.json({ signed_out: usernames });
  else if (s.common.output === "tsv") for (const name of usernames) s.out.tsv([name]);
  else if (usernames.length === 0) s.out.notice("No account was signed in.");
  else for (const name of usernames) s.out.result(`Signed out ${name}.`);
}
