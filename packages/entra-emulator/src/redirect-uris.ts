/**
 * Redirect URI matching as Entra does it: exact match, except that a registered `http://localhost` or
 * `http://127.0.0.1` URI matches the same host and path on any port (RFC 8252 §7.3, loopback redirects).
 */
export function redirectUriMatches(requested: string, registered: string[]): boolean {
  let req: URL;
  try {
    req = new URL(requested);
  } catch {
    return false;
  }
  return registered.some((r) => {
    if (r === requested) return true;
    let reg: URL;
    try {
      reg = new URL(r);
    } catch {
      return false;
    }
    const loopback = reg.protocol === "http:" && (reg.hostname === "localhost" || reg.hostname === "127.0.0.1");
    if (!loopback) return false;
    const path = (u: URL): string => u.pathname.replace(/\/+$/, "");
    return (
      req.protocol === "http:" &&
      req.hostname === reg.hostname &&
      path(req) === path(reg) &&
      req.search === reg.search &&
      req.hash === ""
    );
  });
}

/** True for `http://localhost[:port]` and `http://127.0.0.1[:port]` URIs (safe for the emulator to call). */
export function isLoopbackUri(uri: string): boolean {
  try {
    const u = new URL(uri);
    return u.protocol === "http:" && (u.hostname === "localhost" || u.hostname === "127.0.0.1");
  } catch {
    return false;
  }
}
