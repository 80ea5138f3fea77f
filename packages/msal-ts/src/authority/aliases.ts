/**
 * Host aliases for reading the token cache (docs/msal-python-compatibility.md §2.7): hosts that Entra treats as one
 * cloud (login.microsoftonline.com, login.windows.net, ...). Writes always use the configured host.
 */
import { ServerError } from "../errors.js";
import type { HttpClient } from "../http/types.js";
import { INSTANCE_METADATA_QUERY, INSTANCE_METADATA_URL } from "./constants.js";
import { parseJsonObject } from "../util/json.js";
import { forgetAnswer } from "./discovery.js";
import { instanceDiscoveryEndpoint } from "./authority.js";

/**
 * The alias groups of an instance metadata answer: `metadata[].aliases`, lower-cased. Entries that are
 * not objects with an array of strings are skipped; `preferred_network`/`preferred_cache` are ignored
 * (§2.7). A body without a `metadata` array has no groups.
 *
 * @returns `undefined` when `text` is not a JSON object.
 *
 * @example
 * ```ts
 * parseAliasGroups('{"metadata":[{"aliases":["login.microsoftonline.com","login.windows.net"]}]}');
 * // [["login.microsoftonline.com", "login.windows.net"]]
 * ```
 */
export function parseAliasGroups(text: string): string[][] | undefined {
  const body = parseJsonObject(text);
  if (body === undefined) return undefined;
  const metadata = body.metadata;
  if (!Array.isArray(metadata)) return [];
  const groups: string[][] = [];
  for (const entry of metadata as unknown[]) {
    if (typeof entry !== "object" || entry === null) continue;
    const aliases = (entry as { aliases?: unknown }).aliases;
    if (!Array.isArray(aliases)) continue;
    const hosts = (aliases as unknown[])
      .filter((a): a is string => typeof a === "string" && a !== "")
      .map((a) => a.toLowerCase());
    if (hosts.length > 0) groups.push([...new Set(hosts)]);
  }
  return groups;
}

/** Options of {@link AliasResolver}. */
export interface AliasResolverOptions {
  /** The (throttled, HTTP-cached) client of the application. */
  http: HttpClient;
  /** The application's `instanceDiscovery`: `false` turns alias lookups off; a string is a custom endpoint. */
  instanceDiscovery?: boolean | string | undefined;
  /** The application's authority is known to the developer (ADFS, B2C, CIAM, OIDC, `validateAuthority: false`). */
  knownToDeveloper?: boolean;
}

/**
 * Lazily fetches Entra's instance metadata once and answers which hosts are aliases of a host (§2.7).
 * No request at all when `instanceDiscovery` is `false` or the authority is known to the developer.
 * A failed fetch is not remembered: the next call tries again.
 *
 * With a custom `instanceDiscovery` endpoint the metadata is read from that endpoint (same query);
 * MSAL Python always asks login.microsoftonline.com.
 *
 * @example
 * ```ts
 * const aliases = new AliasResolver({ http, knownToDeveloper: authority.knownToDeveloper });
 * await aliases.aliasesOf("login.microsoftonline.com");
 * // ["login.windows.net", "login.microsoft.com", "sts.windows.net"]
 * ```
 */
export class AliasResolver {
  readonly #http: HttpClient;
  readonly #url: string | undefined;
  #groups: Promise<string[][]> | undefined;

  /** @throws InvalidArgumentError when `instanceDiscovery` is neither a boolean nor an https URL. */
  constructor(o: AliasResolverOptions) {
    this.#http = o.http;
    const endpoint = instanceDiscoveryEndpoint(o.instanceDiscovery);
    if (endpoint === undefined || o.knownToDeveloper === true) this.#url = undefined;
    else if (typeof o.instanceDiscovery === "string") {
      this.#url = `${endpoint}${endpoint.includes("?") ? "&" : "?"}${INSTANCE_METADATA_QUERY}`;
    } else this.#url = INSTANCE_METADATA_URL;
  }

  /** Whether alias lookups are on (they never are for an authority known to the developer). */
  get enabled(): boolean {
    return this.#url !== undefined;
  }

  /**
   * The other members of the first metadata group that contains `host` (case-insensitive), in the order
   * the service lists them; `[]` when no group contains it or lookups are off.
   *
   * @throws ServerError when the metadata GET answers a non-2xx status or a body that is not JSON;
   *   NetworkError when the client got no response.
   */
  async aliasesOf(host: string): Promise<string[]> {
    if (this.#url === undefined) return [];
    const wanted = host.toLowerCase();
    const groups = await this.#loadGroups(this.#url);
    const group = groups.find((g) => g.includes(wanted));
    return group === undefined ? [] : group.filter((h) => h !== wanted);
  }

  #loadGroups(url: string): Promise<string[][]> {
    if (this.#groups === undefined) {
      const promise = this.#fetchGroups(url);
      this.#groups = promise;
      promise.catch(() => {
        if (this.#groups === promise) this.#groups = undefined;
      });
    }
    return this.#groups;
  }

  async #fetchGroups(url: string): Promise<string[][]> {
    // §1.3: `Accept: application/json` is the only header of this GET.
    const resp = await this.#http.get(url, { headers: { Accept: "application/json" } });
    if (resp.status_code < 200 || resp.status_code >= 300) {
      throw new ServerError(
        `Instance metadata (host aliases) could not be read: HTTP ${resp.status_code} from ${url.split("?")[0] ?? url}. ` +
          "Try again later, or pass instanceDiscovery: false to skip alias lookups.",
        { status: resp.status_code },
      );
    }
    const groups = parseAliasGroups(resp.text);
    if (groups === undefined) {
      forgetAnswer(this.#http, url);
      throw new ServerError(
        `Instance metadata (host aliases) from ${url.split("?")[0] ?? url} is not JSON. ` +
          "Try again later, or pass instanceDiscovery: false to skip alias lookups.",
        { status: resp.status_code },
      );
    }
    return groups;
  }
}
