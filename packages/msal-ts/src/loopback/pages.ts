/**
 * The pages the loopback listener answers with. Every echoed value is HTML-escaped, and the headers forbid
 * scripts, sniffing and referrers: the page's own URL carries the authorization code.
 */
import type { ServerResponse } from "node:http";
import type { AuthResponse } from "./params.js";

const HTML_HEADERS = {
  "Content-Type": "text/html; charset=utf-8",
  "Cache-Control": "no-store",
  "X-Content-Type-Options": "nosniff",
  "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
  // The page's own URL carries the authorization code: never send it to anyone as a referrer.
  "Referrer-Policy": "no-referrer",
} as const;
const ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** A minimal HTML page; `title` and `body` are trusted markup. */
export function page(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;
}

export const DEFAULT_SUCCESS = page("Signed in", "<p>Authentication completed. You can close this window now.</p>");
export const NEUTRAL = page("Sign-in listener", "<p>This local address only receives the result of a sign-in.</p>");
export const NOT_FOUND = page("Not found", "<p>Not found.</p>");
export const STATE_MISMATCH = page(
  "State mismatch",
  "<p>State mismatch: this response is not from the sign-in in progress.</p>",
);

/** Substitutes `$error`, `$error_description`, `$error_uri` (or `${name}`) with escaped values; absent ones: empty. */
function fillTemplate(template: string, params: AuthResponse): string {
  // One pass, longest names first, so `$error_uri` is not read as `$error` + `_uri`, and a substituted value
  // that itself contains `$error` is not expanded again.
  const names = /\$(?:\{(error_description|error_uri|error)\}|(error_description|error_uri|error)(?!\w))/g;
  return template.replace(names, (_m, braced?: string, bare?: string) =>
    escapeHtml(params[braced ?? bare ?? ""] ?? ""),
  );
}

function defaultErrorPage(params: AuthResponse): string {
  const rows = (["error", "error_description", "error_uri"] as const)
    .filter((name) => params[name] !== undefined)
    .map((name) => `<p>${name}: <code>${escapeHtml(params[name] ?? "")}</code></p>`);
  return page("Sign-in failed", `<p>Authentication failed.</p>${rows.join("")}`);
}

/** The caller's page templates (`successPage`, `errorPage`), or the defaults. */
export interface PageTemplates {
  readonly successPage?: string | undefined;
  readonly errorPage?: string | undefined;
}

/** The page that answers an accepted response: the caller's template filled in, or the default. */
export function resultPage(templates: PageTemplates, params: AuthResponse): string {
  const isError = params.code === undefined;
  const template = isError ? templates.errorPage : templates.successPage;
  if (template !== undefined) return fillTemplate(template, params);
  return isError ? defaultErrorPage(params) : DEFAULT_SUCCESS;
}

/** Answers with `html` unless the response is already answered or its connection gone. */
export function send(res: ServerResponse, status: number, html: string, extra: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { ...HTML_HEADERS, ...extra, "Content-Length": String(Buffer.byteLength(html)) });
  res.end(html);
}
