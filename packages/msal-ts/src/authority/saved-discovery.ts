/**
 * Saved discovery answers are vetted before they are replayed. The http cache (`httpCache`, often a file
 * saved between runs with `saveHttpCache`) replays instance and OIDC discovery answers for a day
 * (docs/msal-python-compatibility.md §4); whoever can write that store could otherwise plant a document whose
 * `token_endpoint` sends the client secret to another host. A freshly fetched document comes over TLS
 * from the authority itself and is used as is; a saved one must keep every endpoint the library sends
 * secrets, codes or users to on the authority's host (or, for Entra, a host of its alias group), over
 * https. A saved answer that does not is dropped, with a warning, and fetched again.
 */
import type { HttpClient, HttpGetOptions, HttpResponse } from "../http/types.js";
import type { LogSink } from "../runtime/logger.js";
import { parseJsonObject } from "../util/json.js";
import type { ParsedAuthority } from "./parse.js";
import { redact } from "./parse.js";

/**
 * Entra's alias groups (§2.7, the instance metadata's `aliases`), fixed here: the metadata answer lives in
 * the same http cache, so it cannot be what vouches for a saved document.
 */
export const ENTRA_ALIAS_GROUPS: readonly (readonly string[])[] = Object.freeze([
  Object.freeze(["login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net"]),
  Object.freeze(["login.partner.microsoftonline.cn", "login.chinacloudapi.cn"]),
  Object.freeze(["login.microsoftonline.de"]),
  Object.freeze(["login.microsoftonline.us", "login.usgovcloudapi.net"]),
  Object.freeze(["login-us.microsoftonline.com"]),
]);

/**
 * The discovery fields naming where the library sends secrets (token endpoint), users (authorize, end
 * session), device codes, or its next discovery request (instance discovery's `tenant_discovery_endpoint`).
 * Others (`userinfo_endpoint` is on graph.microsoft.com for Entra, `jwks_uri`) are not used by msal-ts.
 */
export const VETTED_ENDPOINTS: readonly string[] = Object.freeze([
  "tenant_discovery_endpoint",
  "authorization_endpoint",
  "token_endpoint",
  "device_authorization_endpoint",
  "end_session_endpoint",
]);

/**
 * The hosts (`host[:port]`, lower case, no port for 443) a saved discovery answer may name for `authority`:
 * its own host; for an Entra authority (not `oidcAuthority`) also the members of its alias group, and for a
 * regional host (`westus.login.microsoft.com`, §2.8) those of the central host's group. An `oidcAuthority`
 * gets its own host only: a conforming provider's `issuer` is that URL (OpenID Connect Discovery 1.0 §4.3).
 *
 * @example
 * ```ts
 * [...trustedEndpointHosts(parseAuthority("https://login.windows.net/contoso.com"))];
 * // ["login.windows.net", "login.microsoftonline.com", "login.microsoft.com", "sts.windows.net"]
 * ```
 */
export function trustedEndpointHosts(authority: ParsedAuthority): ReadonlySet<string> {
  const hosts = new Set<string>([authority.host]);
  if (authority.isOidc) return hosts;
  const central = authority.host.slice(authority.host.indexOf(".") + 1);
  for (const group of ENTRA_ALIAS_GROUPS) {
    if (group.includes(authority.host) || group.includes(central)) for (const h of group) hosts.add(h);
  }
  return hosts;
}

/**
 * Why a saved discovery answer must not be replayed for an authority trusting `hosts`, or `undefined` when
 * it may be: every {@link VETTED_ENDPOINTS} field present must be an https URL without user info on one of
 * `hosts`. A body that is not a JSON object is left to the discovery reader (it refuses and forgets it).
 *
 * @example
 * ```ts
 * savedAnswerProblem({ status_code: 200, headers: {}, text: '{"token_endpoint":"https://evil.example/t"}' },
 *   new Set(["login.microsoftonline.com"])); // "its token_endpoint is not an https URL on login.microsoftonline.com"
 * ```
 */
export function savedAnswerProblem(answer: HttpResponse, hosts: ReadonlySet<string>): string | undefined {
  const body = parseJsonObject(answer.text);
  if (body === undefined) return undefined;
  for (const field of VETTED_ENDPOINTS) {
    const value = body[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== "string" || !isTrustedUrl(value, hosts)) {
      return `its ${field} is not an https URL on ${[...hosts].join(", ")}`;
    }
  }
  return undefined;
}

function isTrustedUrl(value: string, hosts: ReadonlySet<string>): boolean {
  if (!/^https:\/\//i.test(value)) return false;
  try {
    const url = new URL(value);
    return url.protocol === "https:" && url.username === "" && url.password === "" && hosts.has(url.host.toLowerCase());
  } catch {
    return false;
  }
}

/** What the throttling client offers over its http cache (see `ThrottledHttpClient`). */
interface SavedAnswers {
  stored(url: string, params?: Record<string, string>): HttpResponse | undefined;
  forget(url: string, params?: Record<string, string>): void;
}

function savedAnswers(http: HttpClient): SavedAnswers | undefined {
  const candidate = http as Partial<SavedAnswers>;
  if (typeof candidate.stored !== "function" || typeof candidate.forget !== "function") return undefined;
  return { stored: candidate.stored.bind(http), forget: candidate.forget.bind(http) };
}

/**
 * The client discovery uses for `authority`: GETs whose saved answer fails {@link savedAnswerProblem} drop
 * it (logging a warning that names the field, never a value) and go to the network. A client without an
 * http cache is returned as is.
 *
 * The warning is skipped (a verbose line instead) when the fresh answer is the same text: a provider whose
 * real document names another host (some generic OpenID Connect providers) then costs one request per run
 * rather than a false alarm.
 *
 * @example
 * ```ts
 * const http = vetSavedDiscovery(appHttp, parseAuthority("https://login.microsoftonline.com/contoso.com"), log);
 * await discoverOidc(http, url, { authority: "https://login.microsoftonline.com/contoso.com" });
 * ```
 */
export function vetSavedDiscovery(http: HttpClient, authority: ParsedAuthority, log?: LogSink): HttpClient {
  const saved = savedAnswers(http);
  if (saved === undefined) return http;
  const hosts = trustedEndpointHosts(authority);
  const get = async (url: string, options?: HttpGetOptions): Promise<HttpResponse> => {
    const params = options?.params;
    const answer = saved.stored(url, params);
    const problem = answer === undefined ? undefined : savedAnswerProblem(answer, hosts);
    if (answer === undefined || problem === undefined) return http.get(url, options);
    saved.forget(url, params);
    const warn = (): void =>
      log?.warning(
        `A saved discovery answer for ${redact(url)} was dropped and fetched again: ${problem}. ` +
          "Check who can write the application's http cache (httpCache or its saved file).",
      );
    let fresh: HttpResponse;
    try {
      fresh = await http.get(url, options);
    } catch (e) {
      warn();
      throw e;
    }
    if (fresh.text === answer.text)
      log?.verbose(`A saved discovery answer for ${redact(url)} was fetched again: ${problem}.`);
    else warn();
    return fresh;
  };
  const vetted: HttpClient & Pick<SavedAnswers, "forget"> = {
    get,
    post: (url, options) => http.post(url, options),
    forget: (url, params) => saved.forget(url, params),
  };
  return vetted;
}
