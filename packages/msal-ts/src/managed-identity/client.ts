/**
 * ManagedIdentityClient (docs/msal-python-compatibility.md 5): tokens for the Azure resource the code runs on, from
 * whichever source the host provides, cached in the unified cache, with single-flight, aging refresh and
 * IMDS retries.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { win32 } from "node:path";
import { TokenCache } from "../cache/token-cache.js";
import { InvalidArgumentError, ManagedIdentityError } from "../errors.js";
import { SingleFlight } from "../util/single-flight.js";
import { readAccessToken, type CacheRead } from "../cache/access-token-read.js";
import { createDefaultHttpClient } from "../http/default-client.js";
import { ManagedIdentityThrottledHttpClient } from "../http/throttled-client.js";
import type { HttpCacheStore, HttpClient, HttpResponse } from "../http/types.js";
import { nowSeconds, systemClock, type Clock } from "../runtime/clock.js";
import { LogSink, type Logger } from "../runtime/logger.js";
import { RefreshReason } from "../oauth2/telemetry.js";
import type { TokenResult } from "../types.js";
import { arcTokenFolder, challengeKeyPath, readArcKey } from "./azure-arc.js";
import { buildRequest, parseResponse, REVOCATION_SOURCES, type MiResult, type RevocationInput } from "./backends.js";
import {
  normalizeIdentity,
  type ManagedIdentity,
  type ManagedIdentityConfig,
  type NormalizedIdentity,
  type SystemAssignedManagedIdentity,
  type UserAssignedManagedIdentity,
} from "./identity.js";
import { ImdsRetryingHttpClient } from "./imds-retry.js";
import { fullyQualifiedName } from "./fqdn.js";
import { detectSource, type Detection } from "./sources.js";

/**
 * Options of {@link ManagedIdentityClient.acquireTokenForClient}.
 *
 * @example
 * ```ts
 * const result = await client.acquireTokenForClient({ resource: "https://vault.azure.net" });
 * ```
 */
export interface ManagedIdentityTokenOptions {
  /** The resource to get a token for, without `/.default`. */
  resource: string;
  /**
   * A claims challenge (CAE) from the resource: bypasses the cached token. The endpoints take no claims; Service
   * Fabric is sent the SHA-256 of the cached token instead (`token_sha256_to_refresh`), so that it does not answer
   * with the refused token again.
   */
  claimsChallenge?: string;
}

export interface ManagedIdentityClientOptions {
  /** Default: the built-in client (one retry on connection errors). */
  httpClient?: HttpClient;
  /**
   * Capabilities of this client (MSAL Python 1.33's `client_capabilities`), e.g. `["cp1"]`: it can answer claims
   * challenges (Continuous Access Evaluation). Sent as `xms_cc` to the sources that take it (Service Fabric).
   */
  clientCapabilities?: string[];
  /** Default: a new in-memory TokenCache. */
  tokenCache?: TokenCache;
  /** Map-like store for throttling decisions. */
  httpCache?: HttpCacheStore;
  logger?: Logger;
  /** Seams for tests: clock, environment, platform, host name, the Arc agent's token folder. */
  clock?: Clock;
  env?: Record<string, string | undefined>;
  platform?: string;
  /** The cache environment as it is; default: the host's fully qualified name (MSAL Python's `socket.getfqdn()`). */
  hostname?: string;
  arcTokenFolder?: string;
}

const REFRESH_HALF_LIFE_FROM = 7200;

/** Lower-case hex SHA-256 of a token's text, the form `token_sha256_to_refresh` takes. */
function sha256Hex(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** `clientCapabilities`, checked: strings without commas (they travel comma-separated in `xms_cc`). */
function capabilitiesOption(value: unknown): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((c) => typeof c === "string" && c.trim() !== "" && !c.includes(",")))
    throw new InvalidArgumentError('clientCapabilities must be an array of strings without commas, e.g. ["cp1"].');
  return Object.freeze([...(value as string[])]);
}

/**
 * Gets tokens for the managed identity of the Azure host: VM (IMDS), App Service and Functions, Azure
 * Machine Learning, Service Fabric, Azure Arc, Cloud Shell.
 *
 * @example
 * ```ts
 * const client = new ManagedIdentityClient(new SystemAssignedManagedIdentity());
 * const result = await client.acquireTokenForClient({ resource: "https://management.azure.com" });
 * if ("access_token" in result) use(result.access_token);
 * ```
 */
export class ManagedIdentityClient {
  readonly tokenCache: TokenCache;
  readonly #identity: NormalizedIdentity;
  readonly #raw: HttpClient | undefined;
  readonly #httpCache: HttpCacheStore;
  readonly #clock: Clock;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #platform: string;
  readonly #hostname: string | undefined;
  #environment: Promise<string> | undefined;
  readonly #arcFolder: string | undefined;
  readonly #log: LogSink;
  readonly #flights = new SingleFlight();
  readonly #clients = new Map<string, HttpClient>();
  readonly #capabilities: readonly string[];

  /** @throws ManagedIdentityError for an invalid identity. */
  constructor(
    managedIdentity:
      ManagedIdentity | SystemAssignedManagedIdentity | UserAssignedManagedIdentity | ManagedIdentityConfig,
    o: ManagedIdentityClientOptions = {},
  ) {
    this.#identity = normalizeIdentity(managedIdentity);
    this.#capabilities = capabilitiesOption(o.clientCapabilities);
    this.tokenCache = o.tokenCache ?? new TokenCache();
    if (!(this.tokenCache instanceof TokenCache))
      throw new InvalidArgumentError("tokenCache must be a TokenCache or SerializableTokenCache.");
    this.#raw = o.httpClient;
    this.#httpCache = o.httpCache ?? new Map();
    this.#clock = o.clock ?? systemClock;
    this.#env = o.env ?? process.env;
    this.#platform = o.platform ?? process.platform;
    this.#hostname = o.hostname;
    this.#arcFolder = o.arcTokenFolder;
    this.#log = new LogSink(o.logger);
  }

  /**
   * A token for `resource` (e.g. `https://management.azure.com`), from the cache when valid. A
   * `claimsChallenge` bypasses the cache (the managed-identity endpoints take no claims parameter); Service
   * Fabric is told which cached token was refused (its hex SHA-256), and the new token replaces it in the cache.
   * An endpoint's error is returned, not thrown (docs/api.md "Thrown or returned").
   *
   * @param o - see {@link ManagedIdentityTokenOptions}.
   */
  async acquireTokenForClient(o: ManagedIdentityTokenOptions): Promise<TokenResult> {
    const resource = o?.resource;
    if (typeof resource !== "string" || resource.trim() === "")
      throw new InvalidArgumentError(
        'acquireTokenForClient needs { resource }, e.g. { resource: "https://management.azure.com" }.',
      );
    const claims = o.claimsChallenge;
    const reader = { cache: this.tokenCache, clock: this.#clock, clientId: this.#identity.cacheClientId };
    const environment = await this.#cacheEnvironment();
    const coords = {
      environment,
      realm: "managed_identity",
      homeAccountId: null,
      scopes: [resource],
    };
    if (!claims) {
      const read = readAccessToken(reader, coords);
      if (read.hit) return read.hit;
    }
    return this.#flights.run(JSON.stringify([resource, claims ?? null]), async () => {
      const cached = readAccessToken(reader, coords);
      // With a claims challenge the cached token is the refused one: never returned, not even if refreshing fails.
      const read: CacheRead = claims ? { reason: RefreshReason.FORCE_REFRESH } : cached;
      if (read.hit) return read.hit;
      const refused = claims ? (cached.hit ?? cached.aging)?.access_token : undefined;
      try {
        const result = await this.#fetch(resource, refused === undefined ? undefined : sha256Hex(refused));
        const usable =
          typeof result.access_token === "string" &&
          result.access_token !== "" &&
          typeof result.expires_in === "number";
        if (!usable) return read.aging ?? (result as TokenResult);
        return this.#store(result as Extract<MiResult, { access_token: string }>, resource, environment);
      } catch (e) {
        // Any failure with a still-valid aging token: serve that token (5.6).
        if (read.aging) {
          this.#log.warning(
            `Refreshing an aging managed-identity token failed; the cached token is used (${e instanceof Error ? e.name : "error"}).`,
          );
          return read.aging;
        }
        throw e;
      }
    });
  }

  #now(): number {
    return nowSeconds(this.#clock);
  }

  /**
   * The cache environment: the host's fully qualified name as MSAL Python's `socket.getfqdn()` gives it (so a
   * cache shared with Python hits), resolved once and bounded in time; lower-cased for writes and lookups
   * alike (5.6 quirk fixed).
   */
  #cacheEnvironment(): Promise<string> {
    this.#environment ??= (this.#hostname !== undefined ? Promise.resolve(this.#hostname) : fullyQualifiedName()).then(
      (name) => name.toLowerCase(),
    );
    return this.#environment;
  }

  #http(detection: Detection): HttpClient {
    const key =
      detection.source === "SERVICE_FABRIC"
        ? `sf ${this.#env.IDENTITY_SERVER_THUMBPRINT ?? ""}`
        : detection.source === "DEFAULT_TO_VM"
          ? "imds"
          : "default";
    let client = this.#clients.get(key);
    if (!client) {
      // Service Fabric's endpoint has a self-signed certificate: it is trusted by its thumbprint only (5.4 quirk fixed).
      const raw =
        this.#raw ??
        createDefaultHttpClient(
          key.startsWith("sf ")
            ? { pinnedCertificateSha1: this.#env.IDENTITY_SERVER_THUMBPRINT ?? "" }
            : // Proxy variables apply as to every request, IMDS included, as with MSAL Python (requests) and
              // azure-identity: IMDS refuses proxied requests, so hosts that set a proxy list 169.254.169.254 in NO_PROXY.
              { env: this.#env },
        );
      const retrying = detection.source === "DEFAULT_TO_VM" ? new ImdsRetryingHttpClient(raw, this.#clock) : raw;
      client = new ManagedIdentityThrottledHttpClient({ http: retrying, cache: this.#httpCache, clock: this.#clock });
      this.#clients.set(key, client);
    }
    return client;
  }

  async #fetch(resource: string, tokenSha256ToRefresh: string | undefined): Promise<MiResult> {
    const detection = detectSource(this.#env, () => this.#himdsInstalled());
    const http = this.#http(detection);
    const now = this.#now();
    this.#log.info(`Managed identity source: ${detection.source}`);
    if (detection.source === "CLOUD_SHELL") {
      if (this.#identity.id !== null)
        throw new ManagedIdentityError("Cloud Shell supports only the system-assigned managed identity.");
      const response = await http.post(detection.endpoint, { data: { resource }, headers: { Metadata: "true" } });
      return parseResponse("CLOUD_SHELL", response, resource, now);
    }
    if (detection.source === "AZURE_ARC" && this.#identity.id !== null) {
      throw new ManagedIdentityError("Azure Arc supports only the system-assigned managed identity.");
    }
    if (detection.source === "SERVICE_FABRIC" && this.#identity.id !== null) {
      this.#log.verbose("Service Fabric ignores the user-assigned id: the identity is configured in the cluster.");
    }
    const revocation: RevocationInput = { capabilities: this.#capabilities };
    if (tokenSha256ToRefresh !== undefined) revocation.tokenSha256ToRefresh = tokenSha256ToRefresh;
    if (tokenSha256ToRefresh !== undefined && REVOCATION_SOURCES.has(detection.source))
      this.#log.info("Managed identity: asking for a new token in place of the refused one (token_sha256_to_refresh).");
    const request = buildRequest(detection.source, detection.endpoint, this.#identity, resource, this.#env, revocation);
    let response: HttpResponse = await http.get(request.url, { params: request.params, headers: request.headers });
    if (detection.source === "AZURE_ARC") {
      const folder = this.#arcFolder ?? arcTokenFolder(this.#platform, this.#env);
      const file = challengeKeyPath(response.headers["www-authenticate"], folder, this.#platform);
      const key = await readArcKey(file);
      response = await http.get(request.url, {
        params: request.params,
        headers: { ...request.headers, Authorization: `Basic ${key}` },
      });
    }
    return parseResponse(detection.source, response, resource, now);
  }

  #himdsInstalled(): boolean {
    if (this.#platform === "linux") return existsSync("/var/opt/azcmagent/bin/himds");
    if (this.#platform === "win32")
      return existsSync(
        win32.join(this.#env.ProgramFiles ?? "C:\\Program Files", "AzureConnectedMachineAgent", "himds.exe"),
      );
    return false;
  }

  #store(result: Extract<MiResult, { access_token: string }>, resource: string, environment: string): TokenResult {
    const now = this.#now();
    const out: Record<string, unknown> = { ...result };
    // Long-lived tokens are refreshed at half-life (5.6).
    if (out.refresh_in === undefined && result.expires_in >= REFRESH_HALF_LIFE_FROM)
      out.refresh_in = Math.trunc(result.expires_in / 2);
    this.tokenCache.add(
      {
        client_id: this.#identity.cacheClientId,
        scope: [resource],
        token_endpoint: `https://${environment}/managed_identity`,
        response: out,
        data: {},
      },
      now,
    );
    if (typeof out.refresh_in === "number") out.refresh_on = now + out.refresh_in;
    return { ...out, token_source: "identity_provider" } as TokenResult;
  }
}
