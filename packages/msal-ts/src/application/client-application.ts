/**
 * ClientApplication: what public and confidential clients share (docs/api.md "Applications"). A thin facade:
 * the constructor builds the per-application context once; each method delegates to a flow.
 */
import { AliasResolver } from "../authority/aliases.js";
import { RegionResolver } from "../authority/region.js";
import { AuthorityResolver } from "../authority/resolver.js";
import { TokenCache } from "../cache/token-cache.js";
import { InvalidArgumentError } from "../errors.js";
import { acquireTokenByUsernamePassword } from "../flows/username-password.js";
import { acquireTokenByAuthorizationCode, acquireTokenByAuthCodeFlow, getAuthorizationRequestUrl, initiateAuthCodeFlow, type InitiateOptions } from "../flows/auth-code.js";
import { getAccounts, removeAccount } from "../flows/accounts.js";
import type { FlowContext } from "../flows/context.js";
import { acquireTokenByRefreshToken } from "../flows/refresh-token.js";
import { acquireTokenSilent, acquireTokenSilentWithError, type SilentOptions } from "../flows/silent.js";
import { SingleFlight } from "../util/single-flight.js";
import { PopKey } from "../crypto/pop-key.js";
import { BrokerHandle, type BrokerOptions } from "../flows/broker.js";
import { createDefaultHttpClient } from "../http/default-client.js";
import { ThrottledHttpClient } from "../http/throttled-client.js";
import { ClientAuthenticator } from "../oauth2/client-auth.js";
import { libraryHeaders } from "../oauth2/headers.js";
import { checkExcludeScopes } from "../oauth2/scopes.js";
import { TelemetryBuffer } from "../oauth2/telemetry.js";
import { systemClock } from "../runtime/clock.js";
import { LogSink } from "../runtime/logger.js";
import { checkOptions, type ClientApplicationOptions } from "./options.js";
import type { Account, AuthCodeFlow, TokenResult, TokenSuccess } from "../types.js";
import type { PopAuthScheme } from "../crypto/pop-auth-scheme.js";

/** Seconds a 429/5xx without Retry-After blocks identical requests (docs/msal-python-compatibility.md 4). */
const THROTTLE_PUBLIC = 60;
const THROTTLE_CONFIDENTIAL = 5;

/**
 * The base of {@link PublicClientApplication} and {@link ConfidentialClientApplication}.
 *
 * @example
 * ```ts
 * const accounts = await app.getAccounts();
 * const result = accounts[0] ? await app.acquireTokenSilent(["User.Read"], accounts[0]) : null;
 * ```
 */
export class ClientApplication {
  /** The application (client) id. */
  readonly clientId: string;
  /** The token cache this application reads and writes. */
  readonly tokenCache: TokenCache;
  /** @internal */
  protected readonly ctx: FlowContext;

  /**
   * @throws InvalidArgumentError for options that cannot work (named in the message).
   * @throws AuthorityError for a malformed authority (no network is used here).
   */
  constructor(clientId: string, options: ClientApplicationOptions = {}, kind: "public" | "confidential" = "confidential") {
    checkOptions(clientId, options);
    const o = options;
    if (kind === "confidential" && (o.allowBroker || "enableBrokerOnWindows" in o || "enableBrokerOnMac" in o || "broker" in o)) {
      throw new InvalidArgumentError("Brokers are only supported in PublicClientApplication (allowBroker, enableBrokerOnWindows, enableBrokerOnMac, broker).");
    }
    this.clientId = clientId;
    const clock = o.clock ?? systemClock;
    const env = o.env ?? process.env;
    const log = new LogSink(o.logger, o.enablePiiLog === true);
    const raw = o.httpClient ?? createDefaultHttpClient({ ...(o.verify !== undefined ? { verify: o.verify } : {}), ...(o.proxies !== undefined ? { proxies: o.proxies } : {}), ...(o.timeout !== undefined ? { timeout: o.timeout } : {}) });
    const http = new ThrottledHttpClient({ http: raw, ...(o.httpCache ? { cache: o.httpCache } : {}), clock, defaultThrottleSeconds: kind === "public" ? THROTTLE_PUBLIC : THROTTLE_CONFIDENTIAL });
    const authorities = new AuthorityResolver({
      http,
      log,
      ...(o.authority !== undefined ? { authority: o.authority } : {}),
      ...(o.oidcAuthority !== undefined ? { oidcAuthority: o.oidcAuthority } : {}),
      ...(o.validateAuthority !== undefined ? { validateAuthority: o.validateAuthority } : {}),
      ...(o.instanceDiscovery !== undefined ? { instanceDiscovery: o.instanceDiscovery } : {}),
    });
    const clientAuth = o.clientCredential !== undefined ? new ClientAuthenticator(clientId, o.clientCredential, o.clientClaims) : undefined;
    this.tokenCache = o.tokenCache ?? new TokenCache();
    if (!(this.tokenCache instanceof TokenCache)) throw new InvalidArgumentError("tokenCache must be a TokenCache or SerializableTokenCache.");
    this.ctx = {
      clientId,
      http,
      clock,
      env,
      log,
      cache: this.tokenCache,
      authorities,
      aliases: new AliasResolver({ http, knownToDeveloper: authorities.configured.knownToDeveloper, ...(o.instanceDiscovery !== undefined ? { instanceDiscovery: o.instanceDiscovery } : {}) }),
      regions: clientAuth && o.azureRegion !== undefined ? new RegionResolver(o.azureRegion, { http, env, log, authorities }) : undefined,
      telemetry: new TelemetryBuffer(),
      libraryHeaders: libraryHeaders({ appName: o.appName, appVersion: o.appVersion, platform: o.platform ?? process.platform }),
      capabilities: o.clientCapabilities,
      excludeScopes: checkExcludeScopes(o.excludeScopes),
      clientAuth,
      flights: new SingleFlight(),
      noUserRealmHosts: new Set(),
      popKey: new PopKey(),
      broker: kind === "public" ? BrokerHandle.create(o as BrokerOptions, o.platform ?? process.platform, authorities.configured, log) : undefined,
      platform: o.platform ?? process.platform,
    };
  }

  /** The URL to send the user to for signing in (legacy: prefer {@link initiateAuthCodeFlow}). */
  getAuthorizationRequestUrl(
    scopes: string[],
    o: { loginHint?: string; state?: string; redirectUri?: string; responseType?: string; prompt?: string; nonce?: string; domainHint?: string; claimsChallenge?: string; [extra: string]: unknown } = {},
  ): Promise<string> {
    return getAuthorizationRequestUrl(this.ctx, scopes, o);
  }

  /**
   * Starts an auth code flow with state, PKCE and nonce. Send the user to `flow.auth_uri`; keep the flow
   * (e.g. in the session) for {@link acquireTokenByAuthCodeFlow}.
   *
   * @example
   * ```ts
   * const flow = await app.initiateAuthCodeFlow(["User.Read"], { redirectUri: "https://app.example.com/callback" });
   * session.flow = flow; res.redirect(flow.auth_uri);
   * ```
   */
  initiateAuthCodeFlow(scopes: string[], o?: InitiateOptions): Promise<AuthCodeFlow> {
    return initiateAuthCodeFlow(this.ctx, scopes, o);
  }

  /**
   * Completes an auth code flow with the parameters the redirect URI received. Errors from the identity
   * provider are returned; a state mismatch throws StateMismatchError, a nonce mismatch IdTokenError.
   */
  acquireTokenByAuthCodeFlow(
    authCodeFlow: AuthCodeFlow,
    authResponse: Record<string, string>,
    o?: { scopes?: string[]; authScheme?: PopAuthScheme; data?: Record<string, string> },
  ): Promise<TokenResult> {
    return acquireTokenByAuthCodeFlow(this.ctx, authCodeFlow, authResponse, o);
  }

  /** Redeems an authorization code (legacy: prefer the auth code flow). */
  acquireTokenByAuthorizationCode(code: string, scopes: string[], o?: { redirectUri?: string; nonce?: string; claimsChallenge?: string }): Promise<TokenResult> {
    return acquireTokenByAuthorizationCode(this.ctx, code, scopes, o);
  }

  /** Redeems a refresh token obtained elsewhere (migration); the tokens are cached. */
  acquireTokenByRefreshToken(refreshToken: string, scopes: string[]): Promise<TokenResult> {
    return acquireTokenByRefreshToken(this.ctx, refreshToken, scopes, this.ctx.excludeScopes);
  }

  /**
   * Username/password sign-in (ROPC) for managed users. Not recommended (no MFA, no consent prompt); a
   * federated user gets an MsalError (`federated_ropc_unsupported`).
   */
  acquireTokenByUsernamePassword(
    username: string,
    password: string,
    scopes: string[],
    o?: { claimsChallenge?: string; authScheme?: PopAuthScheme; data?: Record<string, string> },
  ): Promise<TokenResult> {
    return acquireTokenByUsernamePassword(this.ctx, username, password, scopes, o);
  }

  /** A token for `account` from the cache, refreshed when needed; `null` when none can be had silently. */
  acquireTokenSilent(scopes: string[], account: Account | null, o?: SilentOptions): Promise<TokenSuccess | null> {
    return acquireTokenSilent(this.ctx, scopes, account, o);
  }

  /** Like {@link acquireTokenSilent}, but returns the identity provider's error instead of `null`. */
  acquireTokenSilentWithError(scopes: string[], account: Account | null, o?: SilentOptions): Promise<TokenResult | null> {
    return acquireTokenSilentWithError(this.ctx, scopes, account, o);
  }

  /** The accounts signed in to this app's authority (grouped by home account). */
  getAccounts(o?: { username?: string }): Promise<Account[]> {
    return getAccounts(this.ctx, o);
  }

  /** Signs an account out of this app: removes its tokens from the cache. */
  removeAccount(account: Account): Promise<void> {
    return removeAccount(this.ctx, account);
  }

  /** Proof-of-Possession tokens (`authScheme`) are supported everywhere: msal-ts signs them in software. */
  isPopSupported(): boolean {
    return true;
  }
}
