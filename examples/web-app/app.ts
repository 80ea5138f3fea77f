/**
 * A web app that signs users in with Microsoft Entra ID (or the emulator) and calls an API as them:
 *
 * - sign-in: the authorization code flow with PKCE, state and nonce (`initiateAuthCodeFlow`, then
 *   `acquireTokenByAuthCodeFlow` at the redirect URI); the flow waits in the server-side session;
 * - the session: express-session in Redis, its id in an httpOnly, SameSite=Lax cookie (Secure over https);
 * - tokens: per user in msal-ts's `DistributedTokenCache` on the same Redis, found again with the account kept
 *   in the session, so any instance of the app serves any user;
 * - /orders: calls the Contoso Orders API (examples/web-api) with the user's token, acquired silently;
 * - sign-out: removes the account's tokens from the cache and destroys the session.
 */
import express, { type NextFunction, type Request, type Response } from "express";
import session from "express-session";
import { RedisStore } from "connect-redis";
import {
  ConfidentialClientApplication,
  DistributedTokenCache,
  Prompt,
  StateMismatchError,
  redisStore,
  type Account,
  type AuthCodeFlow,
  type TokenSuccess,
} from "msal-ts";

declare module "express-session" {
  interface SessionData {
    /** The auth code flow between /sign-in and /auth/callback. */
    flow: AuthCodeFlow;
    /** The signed-in user's account: the key to their tokens in the cache. */
    account: Account;
    user: { name: string; username: string };
    /** Where to go after signing in. */
    returnTo: string;
  }
}

export interface WebAppOptions {
  clientId: string;
  clientSecret: string;
  /** `https://login.microsoftonline.com/{tenant}` */
  authority: string;
  /** Where the browser reaches this app, e.g. `http://localhost:3000`; the redirect URI is below it. */
  publicUrl: string;
  /** A connected node-redis client (`await createClient().connect()`): sessions and tokens live there. */
  redis: Parameters<typeof redisStore>[0];
  /** The API to call (`GET {apiUrl}/orders`) and the scopes of its tokens. */
  apiUrl: string;
  apiScopes: string[];
  /** Signs the session cookie. */
  sessionSecret: string;
  /** PEM of a CA to trust besides the system's (the emulator's). */
  caPem?: string;
  /** Sign-out also ends the session at Entra ID (its `end_session_endpoint`); default true. */
  endSession?: boolean;
}

/** Keys of this app in Redis: sessions, and the token cache's partitions (`user:{home account id}`). */
export const SESSION_PREFIX = "web-app:session:";
export const TOKEN_PREFIX = "web-app:tokens:";
const COOKIE = "webapp.sid";

const escapeHtml = (s: unknown): string => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res: Response, title: string, body: string, status = 200): void {
  res
    .status(status)
    .type("html")
    .send(
      `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
        `<body><nav><a href="/">Home</a> | <a href="/orders">My orders</a></nav><h1>${escapeHtml(title)}</h1>${body}</body></html>`,
    );
}

/** The account to keep in the session: `getAccounts()` cannot list the users of a shared cache. */
function accountOf(result: TokenSuccess, authority: string): Account {
  const claims = (result.id_token_claims ?? {}) as Record<string, unknown>;
  const info = JSON.parse(Buffer.from(result.client_info ?? "e30", "base64url").toString("utf8")) as {
    uid?: string;
    utid?: string;
  };
  return {
    home_account_id: `${info.uid ?? String(claims.oid)}.${info.utid ?? String(claims.tid)}`,
    environment: new URL(authority).hostname,
    realm: String(claims.tid),
    local_account_id: String(claims.oid),
    username: typeof claims.preferred_username === "string" ? claims.preferred_username : "",
    authority_type: "MSSTS",
  };
}

/** `req.session.regenerate` as a promise: a new session id once the user is known (no session fixation). */
const regenerate = (req: Request): Promise<void> =>
  new Promise((resolve, reject) => req.session.regenerate((e) => (e ? reject(e) : resolve())));
const destroy = (req: Request): Promise<void> =>
  new Promise((resolve, reject) => req.session.destroy((e) => (e ? reject(e) : resolve())));

function sessionMiddleware(o: WebAppOptions): express.RequestHandler {
  return session({
    name: COOKIE,
    secret: o.sessionSecret,
    store: new RedisStore({ client: o.redis, prefix: SESSION_PREFIX }),
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: "lax", secure: o.publicUrl.startsWith("https:"), maxAge: 8 * 3600_000 },
  });
}

/** What the Orders API answers (examples/web-api). */
interface OrdersAnswer {
  user?: { name?: string; username?: string };
  orders?: string[];
  downstream?: { token_source?: string; body?: { value?: { displayName?: string }[] } };
  error?: string;
}

type Msal = ConfidentialClientApplication;

/** Creates the app (an Express request handler). */
export function createWebApp(o: WebAppOptions): express.Express {
  const msal = new ConfidentialClientApplication(o.clientId, {
    clientCredential: o.clientSecret,
    authority: o.authority,
    tokenCache: new DistributedTokenCache({ store: redisStore(o.redis), keyPrefix: TOKEN_PREFIX }),
    ...(o.caPem ? { verify: o.caPem, instanceDiscovery: false } : {}),
  });
  const app = express();
  app.disable("x-powered-by");
  app.use(sessionMiddleware(o));
  app.get("/", home);
  signInRoutes(app, msal, o);
  app.get("/orders", (req, res) => orders(req, res, msal, o));
  app.post("/sign-out", (req, res) => signOut(req, res, msal, o));
  app.get("/signed-out", (_req, res) => page(res, "Signed out", `<p id="signed-out">You are signed out.</p>`));
  // Express 5 hands a rejected promise of a route here. msal-ts's messages hold no token or secret.
  app.use((e: Error, _req: Request, res: Response, _next: NextFunction) => {
    console.error(`web app: ${e.name}: ${e.message}`);
    page(res, "Something went wrong", "<p>Please try again.</p>", 500);
  });
  return app;
}

function home(req: Request, res: Response): void {
  const user = req.session.user;
  if (!user) return page(res, "Contoso web app", `<p>You are not signed in.</p><a href="/sign-in">Sign in</a>`);
  page(
    res,
    "Contoso web app",
    `<p id="user">Signed in as ${escapeHtml(user.name)} (${escapeHtml(user.username)})</p>` +
      `<form method="post" action="/sign-out"><button id="sign-out">Sign out</button></form>`,
  );
}

function signInRoutes(app: express.Express, msal: Msal, o: WebAppOptions): void {
  const redirectUri = new URL("/auth/callback", o.publicUrl).href;

  // Starts the auth code flow: PKCE, state and nonce are in `flow`, which stays on the server.
  app.get("/sign-in", async (req, res) => {
    const flow = await msal.initiateAuthCodeFlow(o.apiScopes, { redirectUri, prompt: Prompt.SELECT_ACCOUNT });
    req.session.flow = flow;
    res.redirect(flow.auth_uri);
  });

  // Entra ID sends the browser back here with `code` and `state` (or `error`).
  app.get("/auth/callback", async (req, res) => {
    const flow = req.session.flow;
    if (!flow) return page(res, "Sign-in failed", "<p>No sign-in is in progress in this browser.</p>", 400);
    const params = Object.fromEntries(
      Object.entries(req.query).filter((e): e is [string, string] => typeof e[1] === "string"),
    );
    let result;
    try {
      result = await msal.acquireTokenByAuthCodeFlow(flow, params);
    } catch (e) {
      // The flow stays: a forged redirect must not cancel the user's real sign-in.
      if (!(e instanceof StateMismatchError)) throw e;
      return page(res, "Sign-in refused", "<p>The answer's state does not match this browser's sign-in.</p>", 400);
    }
    delete req.session.flow;
    if ("error" in result) {
      const why = `${escapeHtml(result.error)}: ${escapeHtml(result.error_description ?? "")}`;
      return page(res, "Sign-in failed", `<p>${why}</p>`, 400);
    }
    const returnTo = req.session.returnTo ?? "/";
    const account = accountOf(result, o.authority);
    await regenerate(req);
    req.session.account = account;
    req.session.user = { name: String(result.id_token_claims?.name ?? ""), username: account.username };
    res.redirect(returnTo);
  });
}

async function orders(req: Request, res: Response, msal: Msal, o: WebAppOptions): Promise<void> {
  const account = req.session.account;
  // Not signed in, or nothing usable in the cache for the user any more: sign in (again).
  const result = account ? await msal.acquireTokenSilent(o.apiScopes, account) : null;
  if (!result || "error" in result) {
    req.session.returnTo = "/orders";
    return res.redirect("/sign-in");
  }
  const response = await fetch(`${o.apiUrl}/orders`, { headers: { authorization: `Bearer ${result.access_token}` } });
  const data = (await response.json().catch(() => ({}))) as OrdersAnswer;
  if (!response.ok) {
    return page(
      res,
      "My orders",
      `<p id="error">The API answered ${response.status}: ${escapeHtml(data.error)}</p>`,
      502,
    );
  }
  const items = (data.orders ?? []).map((x) => `<li>${escapeHtml(x)}</li>`).join("");
  let html =
    `<p id="owner">Orders of ${escapeHtml(data.user?.name)} (${escapeHtml(data.user?.username)})</p>` +
    `<ul id="orders">${items}</ul><p id="token">Access token from the ${result.token_source}.</p>`;
  const down = data.downstream;
  if (down?.body?.value) {
    const names = down.body.value.map((s) => escapeHtml(s.displayName)).join(", ");
    html +=
      `<p id="downstream">Azure subscriptions the API sees on your behalf (on-behalf-of, token from the ` +
      `${escapeHtml(down.token_source)}): ${names}</p>`;
  }
  page(res, "My orders", html);
}

async function signOut(req: Request, res: Response, msal: Msal, o: WebAppOptions): Promise<void> {
  const account = req.session.account;
  if (account) await msal.removeAccount(account);
  await destroy(req);
  res.clearCookie(COOKIE);
  const back = `${o.publicUrl}/signed-out`;
  if (o.endSession === false) return res.redirect(back);
  // Also end the user's session at Entra ID, which then sends the browser back here. The return address must be
  // one of the app's registered redirect URIs; client_id names the app whose list is checked.
  const logout = new URL(`${o.authority.replace(/\/+$/, "")}/oauth2/v2.0/logout`);
  logout.searchParams.set("client_id", o.clientId);
  logout.searchParams.set("post_logout_redirect_uri", back);
  res.redirect(logout.href);
}
