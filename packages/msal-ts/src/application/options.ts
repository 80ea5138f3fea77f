/** ClientApplicationOptions (docs/api.md) and their validation. */
import type { AuthorityBuilder } from "../authority/builder.js";
import type { TokenCache } from "../cache/token-cache.js";
import { InvalidArgumentError } from "../errors.js";
import type { HttpCacheStore, HttpClient } from "../http/types.js";
import type { ClientCredential } from "../oauth2/client-auth.js";
import type { Clock } from "../runtime/clock.js";
import type { Logger } from "../runtime/logger.js";

/**
 * Options of every application.
 *
 * @example
 * ```ts
 * new ConfidentialClientApplication("client-id", {
 *   clientCredential: process.env.CLIENT_SECRET,
 *   authority: "https://login.microsoftonline.com/contoso.onmicrosoft.com",
 * });
 * ```
 */
export interface ClientApplicationOptions {
  /** Confidential clients only: a secret, a certificate, a PFX file or a client assertion. */
  clientCredential?: ClientCredential;
  /** Default `https://login.microsoftonline.com/common`. */
  authority?: string | AuthorityBuilder;
  /** An OIDC authority (e.g. a non-Entra issuer); mutually exclusive with `authority`. */
  oidcAuthority?: string;
  /** `false` trusts the authority without instance discovery. Default `true`. */
  validateAuthority?: boolean;
  /** `false` never calls instance discovery (private clouds, the emulator). */
  instanceDiscovery?: boolean;
  /** Default: a new in-memory TokenCache. */
  tokenCache?: TokenCache;
  /** Default: the built-in client (undici) with one retry on connection errors. */
  httpClient?: HttpClient;
  /** TLS: `false` disables verification; a string is a CA bundle (PEM text or file path). Default client only. */
  verify?: boolean | string;
  /**
   * Proxy URL for both schemes, or one per scheme with an optional `no_proxy` list (curl's NO_PROXY rules).
   * Absent: the environment's `https_proxy`/`HTTPS_PROXY`, `http_proxy`, `all_proxy`/`ALL_PROXY` and
   * `no_proxy`/`NO_PROXY`, as curl reads them; `{}`: no proxy, whatever the environment says. Default client only.
   */
  proxies?: string | { http?: string; https?: string; no_proxy?: string };
  /** Seconds one HTTP attempt may take. Default client only. */
  timeout?: number;
  /** Claims added to client assertions (merged last). */
  clientClaims?: Record<string, unknown>;
  appName?: string;
  appVersion?: string;
  /** e.g. `["CP1"]`: the app handles claims challenges. */
  clientCapabilities?: string[];
  /** A region such as `"westus"`, or `true` to detect it (confidential clients, acquireTokenForClient). */
  azureRegion?: string | true;
  /** Scopes not to add automatically (e.g. `["offline_access"]`). */
  excludeScopes?: string[];
  /** Map-like store for discovery documents and throttling decisions. Default in-memory. */
  httpCache?: HttpCacheStore;
  enablePiiLog?: boolean;
  /**
   * Whether to use a broker.
   * @deprecated As in MSAL Python 1.31: use `enableBrokerOnWindows` / `enableBrokerOnMac` of PublicClientApplication.
   */
  allowBroker?: boolean;
  logger?: Logger;
  /** Seam for tests and simulations: the clock the library reads. Default: the system clock. */
  clock?: Clock;
  /** Environment variables (REGION_NAME, AZUREPS_HOST_ENVIRONMENT, proxies, AZURE_FEDERATED_TOKEN_FILE). Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Seam for tests: the platform (`x-client-os`, broker rules). Default `process.platform`. */
  platform?: string;
}

const KNOWN = new Set([
  "clientCredential",
  "authority",
  "oidcAuthority",
  "validateAuthority",
  "instanceDiscovery",
  "tokenCache",
  "httpClient",
  "verify",
  "proxies",
  "timeout",
  "clientClaims",
  "appName",
  "appVersion",
  "clientCapabilities",
  "azureRegion",
  "excludeScopes",
  "httpCache",
  "enablePiiLog",
  "allowBroker",
  "logger",
  "clock",
  "env",
  "platform",
  "broker",
  "enableBrokerOnWindows",
  "enableBrokerOnMac",
]);

/** Throws at construction for options that cannot work, naming the option and the fix. */
export function checkOptions(clientId: unknown, o: unknown): asserts o is ClientApplicationOptions {
  if (typeof clientId !== "string" || clientId.trim() === "") {
    throw new InvalidArgumentError("clientId must be your app's Application (client) ID, a non-empty string.");
  }
  if (o === undefined) return;
  if (typeof o !== "object" || o === null || Array.isArray(o))
    throw new InvalidArgumentError("options must be an object.");
  const opts = o as Record<string, unknown>;
  for (const key of Object.keys(opts)) {
    if (!KNOWN.has(key))
      throw new InvalidArgumentError(
        `Unknown option "${key}". See ClientApplicationOptions for the supported options.`,
      );
  }
  const str = (k: string): void => {
    if (opts[k] !== undefined && typeof opts[k] !== "string") throw new InvalidArgumentError(`${k} must be a string.`);
  };
  const bool = (k: string): void => {
    if (opts[k] !== undefined && typeof opts[k] !== "boolean")
      throw new InvalidArgumentError(`${k} must be true or false.`);
  };
  ["appName", "appVersion", "oidcAuthority"].forEach(str);
  [
    "validateAuthority",
    "instanceDiscovery",
    "enablePiiLog",
    "allowBroker",
    "enableBrokerOnWindows",
    "enableBrokerOnMac",
  ].forEach(bool);
  if (
    opts.clientCapabilities !== undefined &&
    !(Array.isArray(opts.clientCapabilities) && opts.clientCapabilities.every((c) => typeof c === "string" && c !== ""))
  ) {
    throw new InvalidArgumentError('clientCapabilities must be an array of strings, e.g. ["CP1"].');
  }
  if (
    opts.clientClaims !== undefined &&
    (typeof opts.clientClaims !== "object" || opts.clientClaims === null || Array.isArray(opts.clientClaims))
  ) {
    throw new InvalidArgumentError("clientClaims must be an object of claims to add to the client assertion.");
  }
  if (
    opts.azureRegion !== undefined &&
    opts.azureRegion !== true &&
    (typeof opts.azureRegion !== "string" || opts.azureRegion === "")
  ) {
    throw new InvalidArgumentError('azureRegion must be a region name such as "westus", or true to detect it.');
  }
  if (opts.httpClient !== undefined) {
    const h = opts.httpClient as Partial<HttpClient>;
    if (typeof h?.get !== "function" || typeof h?.post !== "function")
      throw new InvalidArgumentError("httpClient must have get() and post() methods (see HttpClient).");
    for (const k of ["verify", "proxies", "timeout"]) {
      if (opts[k] !== undefined)
        throw new InvalidArgumentError(
          `${k} configures the built-in HTTP client; configure your own httpClient instead.`,
        );
    }
  }
  const cache = opts.httpCache as Partial<HttpCacheStore> | undefined;
  if (
    cache !== undefined &&
    ["get", "set", "delete", "keys"].some((m) => typeof (cache as Record<string, unknown>)[m] !== "function")
  ) {
    throw new InvalidArgumentError("httpCache must be Map-like (get, set, delete, keys), e.g. a Map.");
  }
  const logger = opts.logger as Partial<Logger> | undefined;
  if (logger !== undefined && typeof logger?.log !== "function")
    throw new InvalidArgumentError("logger must have a log(level, message, containsPii) method.");
}
