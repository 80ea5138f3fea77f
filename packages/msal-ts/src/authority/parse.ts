/**
 * Authority URL parsing and classification: `canonicalize` (docs/msal-python-compatibility.md §2.2) and the Entra
 * authority kinds (§2.3). Pure: no network, no state.
 */
import { AuthorityError, InvalidArgumentError } from "../errors.js";
import { AuthorityBuilder } from "./builder.js";
import { CIAM_SUFFIX, WELL_KNOWN_AUTHORITY_HOSTS, WELL_KNOWN_B2C_HOSTS } from "./constants.js";
import { redact } from "./redact.js";

/** A parsed and classified authority, before any discovery. Frozen. */
export interface ParsedAuthority {
  /**
   * `https://{host}/{pathSegments joined by "/"}`: no trailing slash, no query, no fragment. For a
   * path-less CIAM authority the synthesized tenant is the path.
   */
  readonly url: string;
  /** The query of the given URL including its `?` (kept for OIDC discovery, §2.5), or `""`. */
  readonly query: string;
  /**
   * Lower-cased host, with the port when it is not 443. (MSAL Python drops a port here; we keep it so
   * that two servers on one machine are two authorities.)
   */
  readonly host: string;
  /** First path segment, case preserved (§2.2), or `{subdomain}.onmicrosoft.com` for path-less CIAM. */
  readonly tenant: string;
  /** Every non-empty path segment, case preserved. */
  readonly pathSegments: readonly string[];
  /** Tenant is `adfs` (any case) on a non-CIAM host (§2.3). */
  readonly isAdfs: boolean;
  /** B2C host, `b2c_` policy path, legacy `tfp` path, CIAM host, or an OIDC authority (§2.3). */
  readonly isB2c: boolean;
  /** Host ends with `.ciamlogin.com`. */
  readonly isCiam: boolean;
  /** Host is one of the well-known Entra hosts: no instance discovery needed (§2.3, §2.4). */
  readonly knownToMicrosoft: boolean;
  /** ADFS, B2C, OIDC, or `validateAuthority: false`: no instance discovery and no aliases (§2.3, §2.7). */
  readonly knownToDeveloper: boolean;
  /** Given as `oidcAuthority` (§2.3): discovered at `{url}/.well-known/openid-configuration`. */
  readonly isOidc: boolean;
}

/** Options of {@link parseAuthority}. */
export interface ParseAuthorityOptions {
  /** `false` marks the authority as known to the developer (no instance discovery). Default `true`. */
  validateAuthority?: boolean;
  /** The input is an `oidcAuthority` rather than an Entra `authority`. */
  oidc?: boolean;
}

const FORMAT_ADVICE =
  "Use https://login.microsoftonline.com/<tenant id or domain> (or https://<tenant>.ciamlogin.com, " +
  "https://<tenant>.b2clogin.com/<tenant>.onmicrosoft.com/<policy>, https://<adfs host>/adfs).";
const OIDC_FORMAT_ADVICE = "An oidcAuthority looks like https://contoso.com/tenant (https, at least one path segment).";

/**
 * Parses and classifies an authority (§2.2, §2.3). Trailing slashes are dropped (Quirk advice of §2.5);
 * legacy B2C `https://{host}/tfp/{tenant}/{policy}` URLs count as B2C (Quirk advice of §2.3).
 *
 * @throws AuthorityError for anything that is not `https://{host}/{tenant}...`: another scheme, no tenant,
 *   user name or password in the URL, spaces, empty path segments, or text that is not a URL.
 * @throws InvalidArgumentError when `input` is neither a string nor an {@link AuthorityBuilder}.
 *
 * @example
 * ```ts
 * const a = parseAuthority("https://login.microsoftonline.com/Contoso.onmicrosoft.com/", {});
 * a.host;   // "login.microsoftonline.com"
 * a.tenant; // "Contoso.onmicrosoft.com"
 * a.url;    // "https://login.microsoftonline.com/Contoso.onmicrosoft.com"
 * a.knownToMicrosoft; // true
 * ```
 */
export function parseAuthority(input: string | AuthorityBuilder, o: ParseAuthorityOptions = {}): ParsedAuthority {
  const oidc = o.oidc === true;
  const what = oidc ? "oidcAuthority" : "authority";
  if (typeof input !== "string" && !(input instanceof AuthorityBuilder)) {
    throw new InvalidArgumentError(
      `The ${what} must be a string${oidc ? "" : " or an AuthorityBuilder"}; got ${typeof input}.`,
    );
  }
  const given = String(input).trim();
  const advice = oidc ? OIDC_FORMAT_ADVICE : FORMAT_ADVICE;
  // Typed explicitly so that TypeScript narrows after `if (...) fail(...)`.
  const fail: (problem: string) => never = (problem) => {
    throw new AuthorityError(`Invalid ${what} "${redact(given)}": ${problem}. ${advice}`);
  };

  const url = checkedUrl(given, fail);
  const host = url.host.toLowerCase();
  const hostname = url.hostname.toLowerCase();
  const isCiam = hostname.endsWith(CIAM_SUFFIX);
  // §2.2 CIAM exception: https://contoso.ciamlogin.com means tenant contoso.onmicrosoft.com.
  const ciamTenant = isCiam && !oidc ? `${hostname.slice(0, -CIAM_SUFFIX.length)}.onmicrosoft.com` : undefined;
  const pathSegments = pathSegmentsOf(url, ciamTenant, fail);
  const tenant = pathSegments[0] as string;

  const isAdfs = tenant.toLowerCase() === "adfs" && !isCiam;
  const second = pathSegments[1]?.toLowerCase();
  const isB2c =
    oidc ||
    WELL_KNOWN_B2C_HOSTS.some((h) => hostname.endsWith(`.${h}`)) ||
    (pathSegments.length === 2 && second !== undefined && second.startsWith("b2c_")) ||
    (pathSegments.length >= 3 && tenant.toLowerCase() === "tfp");
  const knownToMicrosoft = !oidc && WELL_KNOWN_AUTHORITY_HOSTS.includes(hostname);
  const knownToDeveloper = oidc || isAdfs || isB2c || o.validateAuthority === false;

  return Object.freeze({
    url: `https://${host}/${pathSegments.join("/")}`,
    query: url.search,
    host,
    tenant,
    pathSegments: Object.freeze(pathSegments),
    isAdfs,
    isB2c,
    isCiam,
    knownToMicrosoft,
    knownToDeveloper,
    isOidc: oidc,
  });
}

/**
 * `given` as a URL, after the checks WHATWG URL parsing would not make: it silently fixes some inputs (spaces,
 * backslashes), which are refused here instead.
 */
function checkedUrl(given: string, fail: (problem: string) => never): URL {
  if (given === "") fail("it is empty");
  // eslint-disable-next-line no-control-regex
  if (/[\s\\\u0000-\u001f\u007f]/.test(given)) fail("it contains spaces, control characters or backslashes");
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(given)?.[1]?.toLowerCase();
  if (scheme === undefined) fail("it is not an absolute URL");
  if (scheme !== "https") fail(`it uses "${scheme}:", but an authority must be an https URL`);
  if (!/^https:\/\/[^/]/i.test(given)) fail("it has no host");

  let url: URL;
  try {
    url = new URL(given);
  } catch {
    return fail("it is not a valid URL");
  }
  if (url.username !== "" || url.password !== "") fail("it must not contain a user name or password");
  if (url.hostname === "") fail("it has no host");
  return url;
}

/** The path's segments; a bare CIAM host gets `ciamTenant`, any other URL must name a tenant. */
function pathSegmentsOf(url: URL, ciamTenant: string | undefined, fail: (problem: string) => never): string[] {
  let pathSegments = stripTrailingSlashes(url.pathname).split("/").slice(1);
  if (pathSegments.length === 1 && pathSegments[0] === "") pathSegments = [];
  if (pathSegments.some((s) => s === "")) fail("its path has an empty segment (two slashes in a row)");
  if (pathSegments.length === 0) {
    if (ciamTenant !== undefined) pathSegments = [ciamTenant];
    else fail("it has no tenant (the first path segment)");
  }
  return pathSegments;
}

/**
 * The tenant named by an endpoint URL: its first path segment (§2.5 "tenant re-derived from the token
 * endpoint"). Returns `undefined` when the URL has no path segment.
 *
 * @example
 * ```ts
 * tenantOfEndpoint("https://login.microsoftonline.com/common/oauth2/v2.0/token"); // "common"
 * ```
 */
export function tenantOfEndpoint(endpoint: string): string | undefined {
  const first = new URL(endpoint).pathname.split("/")[1];
  return first === undefined || first === "" ? undefined : first;
}

/** Hides a user name and password, so that an error message never carries a credential (see `redact.ts`). */
export { redact } from "./redact.js";

function stripTrailingSlashes(path: string): string {
  let end = path.length;
  while (end > 1 && path[end - 1] === "/") end--;
  return path.slice(0, end);
}
