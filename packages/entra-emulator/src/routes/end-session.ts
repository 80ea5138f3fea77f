import type { EmulatorContext } from "../context.js";
import { html, redirect, type EmuRequest, type EmuResponse } from "../http.js";
import { decodeJwt } from "../jwt.js";
import { messagePage } from "../pages.js";
import { redirectUriMatches } from "../redirect-uris.js";
import type { Router } from "../server/router.js";
import { SESSION_COOKIE, sessionOf } from "./sign-in.js";

/** Expires the browser's session cookie (same attributes as when it was set). */
const CLEAR_SESSION = `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=None`;

/**
 * The application the sign-out is for: `client_id`, else the audience of `id_token_hint`. The hint is only read,
 * not trusted: it decides nothing but which app's registered redirect URIs `post_logout_redirect_uri` must match.
 */
function appIdOf(p: Record<string, string>): string | undefined {
  if (p.client_id) return p.client_id;
  const hint = p.id_token_hint ? decodeJwt(p.id_token_hint) : null;
  const aud = hint?.payload.aud;
  return typeof aud === "string" ? aud : undefined;
}

/** Where to send the browser afterwards: only a URI registered for the app, never an unchecked one. */
function checkedReturnUri(ctx: EmulatorContext, p: Record<string, string>): string | undefined {
  const requested = p.post_logout_redirect_uri;
  if (!requested) return undefined;
  const clientId = appIdOf(p);
  const app = clientId ? ctx.findApp(clientId) : undefined;
  if (!app || !redirectUriMatches(requested, app.redirectUris ?? [])) return undefined;
  const url = new URL(requested);
  if (p.state !== undefined) url.searchParams.set("state", p.state);
  return url.toString();
}

/**
 * `GET|POST /{tenant}/oauth2/v2.0/logout` (and v1's `/oauth2/logout`), OpenID Connect RP-Initiated Logout as Entra
 * serves it: the browser's sign-in session ends (later sign-ins ask for credentials again) and the browser returns to
 * `post_logout_redirect_uri` with `state` when that URI is registered for the app named by `client_id` or the
 * `id_token_hint`'s audience; otherwise a "signed out" page is shown.
 */
export function endSession(ctx: EmulatorContext, req: EmuRequest): EmuResponse {
  const p = { ...req.query, ...req.form };
  const current = sessionOf(ctx, req);
  if (current) ctx.sessions.delete(current.id);
  const headers = { "set-cookie": CLEAR_SESSION, "cache-control": "no-store" };
  const back = checkedReturnUri(ctx, p);
  if (back !== undefined) return redirect(back, headers);
  const note = p.post_logout_redirect_uri
    ? " The return address the application gave is not registered for it, so you stay here."
    : "";
  return html(
    200,
    messagePage("You signed out of your account", `It's a good idea to close all browser windows.${note}`),
    headers,
  );
}

export function registerEndSessionRoutes(router: Router, ctx: EmulatorContext): void {
  const handler = (req: EmuRequest): EmuResponse => endSession(ctx, req);
  for (const path of ["/:tenant/oauth2/v2.0/logout", "/:tenant/oauth2/logout"]) {
    router.add({ id: "end_session", methods: ["GET", "POST"], path, listener: "https", handler });
  }
}
