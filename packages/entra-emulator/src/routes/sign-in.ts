import type { NormalizedUser } from "../config.js";
import { perContext, randomToken, type EmulatorContext, type SessionRecord } from "../context.js";
import { html, type EmuRequest, type EmuResponse } from "../http.js";
import type { Router } from "../server/router.js";
import { accountPickerPage, consentPage, messagePage, mfaPage, signInPage } from "../pages.js";
import { userAllowed, type TenantPath } from "../tenants.js";
import type { AuthorizeRequest } from "./authorize.js";

export const SESSION_COOKIE = "emu_session";

/**
 * One interactive sign-in in progress (an authorization request or a device-code approval). The generic
 * steps (credentials, MFA, confirmation) live here; what happens at the end is the transaction's own.
 */
export interface Transaction {
  id: string;
  kind: "authorize" | "device";
  tenant: TenantPath;
  appName: string;
  loginHint?: string;
  /** Scopes to show on the confirmation page. */
  scopes: string[];
  /** Whether the confirmation page is needed for this user (consent; always for device codes). */
  needsConfirmation(user: NormalizedUser): boolean;
  confirmTitle: string;
  confirmQuestion: string;
  complete(user: NormalizedUser, session: SessionRecord, sessionId: string): EmuResponse | Promise<EmuResponse>;
  decline(): EmuResponse;
  createdAt: number;
  /** For `kind: "authorize"`: the request, so `/_emulator/signin` can complete a sign-in a browser started. */
  authorizeRequest?: AuthorizeRequest;
  user?: NormalizedUser;
  session?: SessionRecord;
}

/** Sign-ins in progress, oldest first. */
export const transactionsOf = perContext<Transaction>();

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

export function sessionOf(ctx: EmulatorContext, req: EmuRequest): { id: string; session: SessionRecord } | undefined {
  const id = parseCookies(req.headers.cookie)[SESSION_COOKIE];
  const session = id ? ctx.sessions.get(id) : undefined;
  return id && session ? { id, session } : undefined;
}

export function sessionCookie(id: string): string {
  return `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; Secure; SameSite=None`;
}

function actions(t: Transaction): { login: string; mfa: string; confirm: string } {
  const base = `/${encodeURIComponent(t.tenant.path)}`;
  return { login: `${base}/login`, mfa: `${base}/mfa`, confirm: `${base}/consent` };
}

export function showSignIn(t: Transaction, error?: string, username?: string): EmuResponse {
  const name = username ?? t.loginHint;
  return html(
    200,
    signInPage({
      action: actions(t).login,
      txn: t.id,
      appName: t.appName,
      ...(name !== undefined ? { username: name } : {}),
      ...(error !== undefined ? { error } : {}),
    }),
  );
}

export function showAccountPicker(t: Transaction, username: string): EmuResponse {
  return html(200, accountPickerPage({ action: actions(t).login, txn: t.id, username }));
}

/** Starts a transaction and remembers it until it completes. */
export function beginTransaction(ctx: EmulatorContext, t: Omit<Transaction, "id" | "createdAt">): Transaction {
  const map = transactionsOf(ctx);
  // Abandoned sign-ins must not pile up: keep the most recent thousand.
  if (map.size >= 1000) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
  const txn: Transaction = { ...t, id: randomToken(24), createdAt: ctx.clock.now() };
  map.set(txn.id, txn);
  return txn;
}

/** After the user is known (password checked, or an existing session): MFA, confirmation, then completion. */
export async function proceed(
  ctx: EmulatorContext,
  t: Transaction,
  user: NormalizedUser,
  session: SessionRecord,
): Promise<EmuResponse> {
  t.user = user;
  t.session = session;
  if (user.mfaRequired && !session.amr.includes("mfa")) {
    return html(200, mfaPage({ action: actions(t).mfa, txn: t.id, username: user.username }));
  }
  if (t.needsConfirmation(user)) {
    return html(
      200,
      consentPage({
        action: actions(t).confirm,
        txn: t.id,
        appName: t.appName,
        scopes: t.scopes,
        title: t.confirmTitle,
        question: t.confirmQuestion,
      }),
    );
  }
  return finish(ctx, t);
}

async function finish(ctx: EmulatorContext, t: Transaction): Promise<EmuResponse> {
  const user = t.user as NormalizedUser;
  const session = t.session as SessionRecord;
  transactionsOf(ctx).delete(t.id);
  const sessionId = randomToken(24);
  ctx.sessions.set(sessionId, session);
  const response = await t.complete(user, session, sessionId);
  return { ...response, headers: { ...response.headers, "set-cookie": sessionCookie(sessionId) } };
}

function decline(ctx: EmulatorContext, t: Transaction): EmuResponse {
  transactionsOf(ctx).delete(t.id);
  return t.decline();
}

function expired(): EmuResponse {
  return html(
    400,
    messagePage("Sign-in expired", "This sign-in request is no longer valid. Start again from the app.", true),
  );
}

/** The form posts of the sign-in pages: credentials, account picker, MFA approval and consent. */
export function registerSignInRoutes(router: Router, ctx: EmulatorContext): void {
  const txnOf = (req: EmuRequest): Transaction | undefined => {
    const id = req.form.txn;
    return id ? transactionsOf(ctx).get(id) : undefined;
  };

  router.add({
    id: "login",
    methods: ["POST"],
    path: "/:tenant/login",
    listener: "https",
    handler: async (req) => {
      const t = txnOf(req);
      if (!t) return expired();
      if (req.form.action === "other") return showSignIn(t);
      if (req.form.action === "continue") {
        const current = sessionOf(ctx, req);
        const user = current ? ctx.userByOid(current.session.userOid) : undefined;
        if (!current || !user) return showSignIn(t);
        return proceed(ctx, t, user, current.session);
      }
      const login = req.form.login ?? "";
      const user = ctx.findUser(login);
      if (!user || !userAllowed(t.tenant, user)) {
        return showSignIn(t, "This username may be incorrect. Make sure you typed it correctly. (AADSTS50034)", login);
      }
      if (user.password !== (req.form.passwd ?? "")) {
        return showSignIn(t, "Your account or password is incorrect. (AADSTS50126)", login);
      }
      return proceed(ctx, t, user, { userOid: user.oid, authTime: ctx.clock.now(), amr: ["pwd"] });
    },
  });

  router.add({
    id: "mfa",
    methods: ["POST"],
    path: "/:tenant/mfa",
    listener: "https",
    handler: async (req) => {
      const t = txnOf(req);
      if (!t || !t.user || !t.session) return expired();
      if (req.form.approve !== "yes") return decline(ctx, t);
      return proceed(ctx, t, t.user, { ...t.session, amr: [...t.session.amr, "mfa"] });
    },
  });

  router.add({
    id: "consent",
    methods: ["POST"],
    path: "/:tenant/consent",
    listener: "https",
    handler: async (req) => {
      const t = txnOf(req);
      if (!t || !t.user || !t.session) return expired();
      if (req.form.accept !== "yes") return decline(ctx, t);
      return finish(ctx, t);
    },
  });
}
