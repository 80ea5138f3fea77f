/**
 * Host names and endpoints of the authority layer (docs/msal-python-compatibility.md §2.1, §2.4, §2.7, §2.8).
 *
 * Every collection here is frozen: the library keeps no module-level mutable state (docs/design.md).
 */

/**
 * Host of the Azure public cloud, for {@link AuthorityBuilder}.
 *
 * @example
 * ```ts
 * String(new AuthorityBuilder(AZURE_PUBLIC, "contoso.onmicrosoft.com"));
 * // "https://login.microsoftonline.com/contoso.onmicrosoft.com"
 * ```
 */
export const AZURE_PUBLIC = "login.microsoftonline.com";

/**
 * Host of the Azure US Government cloud, for {@link AuthorityBuilder}.
 *
 * @example
 * ```ts
 * new PublicClientApplication(id, { authority: new AuthorityBuilder(AZURE_US_GOVERNMENT, tenantId) });
 * ```
 */
export const AZURE_US_GOVERNMENT = "login.microsoftonline.us";

/**
 * Host of Azure operated by 21Vianet (China), for {@link AuthorityBuilder}.
 *
 * @example
 * ```ts
 * new PublicClientApplication(id, { authority: new AuthorityBuilder(AZURE_CHINA, tenantId) });
 * ```
 */
export const AZURE_CHINA = "login.chinacloudapi.cn";

/**
 * Hosts trusted without instance discovery (§2.1). `login.windows.net`, `login.microsoft.com`,
 * `sts.windows.net` and `login.partner.microsoftonline.cn` are deliberately absent: MSAL Python sends them
 * through instance discovery, and so do we.
 */
export const WELL_KNOWN_AUTHORITY_HOSTS: readonly string[] = Object.freeze([
  AZURE_PUBLIC,
  AZURE_CHINA,
  "login-us.microsoftonline.com",
  AZURE_US_GOVERNMENT,
]);

/** B2C (and CIAM) host suffixes: a host ending in `.` + one of these is B2C (§2.1, §2.3). */
export const WELL_KNOWN_B2C_HOSTS: readonly string[] = Object.freeze([
  "b2clogin.com",
  "b2clogin.cn",
  "b2clogin.us",
  "b2clogin.de",
  "ciamlogin.com",
]);

/** Suffix of CIAM (Entra External ID) hosts (§2.1). */
export const CIAM_SUFFIX = ".ciamlogin.com";

/**
 * The authority used when none is configured. MSAL Python writes it with a trailing slash; we strip it
 * (Quirk advice of §2.5), which yields the same endpoints and cache realm.
 */
export const DEFAULT_AUTHORITY = "https://login.microsoftonline.com/common";

/** Instance discovery (authority validation) endpoint, §2.4. Called with `api-version=1.0`. */
export const INSTANCE_DISCOVERY_ENDPOINT = "https://login.microsoftonline.com/common/discovery/instance";

/**
 * Instance metadata (aliases) URL, §2.7: exactly as MSAL Python sends it, the query inline and the
 * `authorization_endpoint` value not percent-encoded.
 */
export const INSTANCE_METADATA_URL =
  "https://login.microsoftonline.com/common/discovery/instance?api-version=1.1&authorization_endpoint=https://login.microsoftonline.com/common/oauth2/authorize";

/** Query appended to a custom instance discovery endpoint to read its metadata (§2.7, same as above). */
export const INSTANCE_METADATA_QUERY =
  "api-version=1.1&authorization_endpoint=https://login.microsoftonline.com/common/oauth2/authorize";

/** Azure IMDS location endpoint used to detect the region (§2.8). Plain http: IMDS is link-local. */
export const IMDS_REGION_URL =
  "http://169.254.169.254/metadata/instance/compute/location?format=text&api-version=2021-01-01";

/** How long region detection waits for IMDS before giving up (§2.8 Quirk: "use a short timeout"). */
export const IMDS_REGION_TIMEOUT_MS = 2000;

/** Central hosts whose regional form is `{region}.login.microsoft.com` (§2.8); others get `{region}.{host}`. */
export const REGIONAL_CENTRAL_HOSTS: readonly string[] = Object.freeze([
  "login.microsoftonline.com",
  "login.microsoft.com",
  "login.windows.net",
  "sts.windows.net",
]);

/** The host under which the central hosts' regional endpoints live (§2.8). */
export const REGIONAL_HOST_SUFFIX = "login.microsoft.com";
