/**
 * Regional endpoints (ESTS-R, docs/msal-python-compatibility.md §2.8): which region to use, and the regional
 * authority built from the central one. Only `acquireTokenForClient` uses it (the flow decides that).
 */
import { InvalidArgumentError } from "../errors.js";
import type { HttpClient } from "../http/types.js";
import type { LogSink } from "../runtime/logger.js";
import type { Authority } from "./authority.js";
import { IMDS_REGION_TIMEOUT_MS, IMDS_REGION_URL, REGIONAL_CENTRAL_HOSTS, REGIONAL_HOST_SUFFIX } from "./constants.js";
import { AuthorityResolver } from "./resolver.js";

/** A detected or configured region must be a DNS-label-safe name such as `westus2`. */
const DETECTED_REGION = /^[a-z0-9]+$/;
const CONFIGURED_REGION = /^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/;

/**
 * The regional host of a central host (§2.8): the central Entra hosts map to
 * `{region}.login.microsoft.com`, any other host to `{region}.{host}`.
 *
 * @example
 * ```ts
 * regionalHost("westus", "login.microsoftonline.com"); // "westus.login.microsoft.com"
 * regionalHost("westus", "login.microsoftonline.us");  // "westus.login.microsoftonline.us"
 * ```
 */
export function regionalHost(region: string, host: string): string {
  const central = host.toLowerCase();
  return `${region}.${REGIONAL_CENTRAL_HOSTS.includes(central) ? REGIONAL_HOST_SUFFIX : central}`.toLowerCase();
}

/**
 * The regional authority URL `https://{regional host}/{tenant}` (§2.8). The tenant is the central
 * authority's tenant as its token endpoint names it.
 *
 * @example
 * ```ts
 * regionalAuthorityUrl("westus", { instance: "login.microsoftonline.com", tenant: "contoso.onmicrosoft.com" });
 * // "https://westus.login.microsoft.com/contoso.onmicrosoft.com"
 * ```
 */
export function regionalAuthorityUrl(region: string, central: Pick<Authority, "instance" | "tenant">): string {
  return `https://${regionalHost(region, central.instance)}/${central.tenant}`;
}

/** Options of {@link RegionResolver}. */
export interface RegionResolverOptions {
  /** The HTTP client for the IMDS GET (plain http to a link-local address). */
  http: HttpClient;
  /** Environment variables (`REGION_NAME`); never `process.env` read behind the caller's back. */
  env: Readonly<Record<string, string | undefined>>;
  log?: LogSink;
  /** Makes the signal that bounds the IMDS GET. Default `AbortSignal.timeout`; tests pass their own. */
  timeout?: (ms: number) => AbortSignal;
  /** Default {@link IMDS_REGION_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Where regional authorities are resolved (and memoized): normally the application's resolver; default a new one on `http`. */
  authorities?: AuthorityResolver;
}

/**
 * The application's region (§2.8), decided once: `azureRegion` as a string is used as is (no
 * detection, Quirk advice); `true` detects it from `REGION_NAME` (spaces removed, lower-cased) or else
 * IMDS, accepting only a 200 whose trimmed body is a region name, within a short timeout. Anything else
 * is "undetected" (`null`, logged), and so is `undefined`.
 *
 * @example
 * ```ts
 * const regions = new RegionResolver(true, { http, env: process.env, authorities });
 * const regional = await regions.regionalAuthority(await authorities.resolve()); // null when undetected
 * ```
 */
export class RegionResolver {
  readonly #configured: string | true | undefined;
  readonly #o: RegionResolverOptions;
  #region: Promise<string | null> | undefined;
  #authorities: AuthorityResolver | undefined;

  /** @throws InvalidArgumentError when `azureRegion` is neither `true`, a region name, nor unset. */
  constructor(azureRegion: string | true | undefined, o: RegionResolverOptions) {
    if (azureRegion === null || azureRegion === undefined || (azureRegion as unknown) === false) {
      this.#configured = undefined;
    } else if (azureRegion === true || (typeof azureRegion === "string" && CONFIGURED_REGION.test(azureRegion))) {
      this.#configured = azureRegion;
    } else {
      throw new InvalidArgumentError(
        'azureRegion must be a region name such as "westus", true to detect it, or left unset for no region.',
      );
    }
    this.#o = o;
  }

  /** The region to use, or `null`; detection (if any) runs once per resolver, whatever its outcome. */
  region(): Promise<string | null> {
    if (this.#configured === undefined) return Promise.resolve(null);
    if (typeof this.#configured === "string") return Promise.resolve(this.#configured);
    this.#region ??= this.#detect();
    return this.#region;
  }

  /**
   * The regional authority for a central authority, resolved with instance discovery off so that OIDC
   * discovery runs on the regional host (§2.8), or `null` when no region applies.
   *
   * @throws as `AuthorityResolver.resolve` does for the regional OIDC discovery.
   */
  async regionalAuthority(central: Pick<Authority, "instance" | "tenant">): Promise<Authority | null> {
    const region = await this.region();
    if (region === null) return null;
    const url = regionalAuthorityUrl(region, central);
    this.#authorities ??= this.#o.authorities ?? new AuthorityResolver({ http: this.#o.http });
    return this.#authorities.resolve(url, { instanceDiscovery: false });
  }

  async #detect(): Promise<string | null> {
    const fromEnv = (this.#o.env.REGION_NAME ?? "").replace(/\s+/g, "").toLowerCase();
    if (fromEnv !== "") {
      if (DETECTED_REGION.test(fromEnv)) return fromEnv;
      this.#o.log?.warning(
        "Region detection: REGION_NAME is not a region name (letters and digits); no region is used.",
      );
      return null;
    }
    const fromImds = await this.#askImds();
    if (fromImds === null) {
      this.#o.log?.info(
        "Region detection: no region found (REGION_NAME unset, IMDS unavailable); the central endpoint is used.",
      );
    }
    return fromImds;
  }

  /** §2.8 with the Quirk advice: bounded in time even if the HttpClient ignores the signal. */
  async #askImds(): Promise<string | null> {
    const signal = (this.#o.timeout ?? ((ms: number) => AbortSignal.timeout(ms)))(
      this.#o.timeoutMs ?? IMDS_REGION_TIMEOUT_MS,
    );
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<null>((resolve) => {
      onAbort = () => resolve(null);
      if (signal.aborted) resolve(null);
      else signal.addEventListener("abort", onAbort, { once: true });
    });
    const asked = this.#o.http
      .get(IMDS_REGION_URL, { headers: { Metadata: "true" }, signal })
      .then((resp) => {
        const text = resp.text.trim();
        return resp.status_code === 200 && DETECTED_REGION.test(text) ? text : null;
      })
      .catch(() => null);
    try {
      return await Promise.race([asked, aborted]);
    } finally {
      if (onAbort !== undefined) signal.removeEventListener("abort", onAbort);
    }
  }
}
