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
import {
  acquireTokenByAuthorizationCode,
  acquireTokenByAuthCodeFlow,
  getAuthorizationRequestUrl,
  initiateAuthCodeFlow,
  type InitiateAuthCodeFlowOptions,
} from "../flows/auth-code.js";
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
import { systemClock, type Clock } from "../runtime/clock.js";
import { LogSink } from "../runtime/logger.js";
import { checkOptions, type ClientApplicationOptions } from "./options.js";
import type { Account, AuthCodeFlow, TokenResult, TokenSuccess } from "../types.js";
import type { HttpClient } from "../http/types.js";
import type {
  AuthCodeFlowOptions,
  AuthorizationCodeOptions,
  AuthorizationRequestUrlOptions,
  GetAccountsOptions,
  UsernamePasswordOptions,
  RefreshTokenOptions,
} from "./request-options.js";

/** Seconds a 429/5xx without Retry-After blocks identical requests (docs/msal-python-compatibility.md 4). */
const THROTTLE_PUBLIC = 60;
const THROTTLE_CONFIDENTIAL = 5;

/** Which kind of application a constructor builds: it decides broker support and the throttling default. */
type ApplicationKind = "public" | "confidential";

/** The options only a PublicClientApplication takes. */
function refuseBrokerOptions(kind: ApplicationKind, o: ClientApplicationOptions): void {
  if (
    kind === "confidential" &&
    (o.allowBroker || "enableBrokerOnWindows" in o || "enableBrokerOnMac" in o || "broker" in o)
  ) {
    throw new InvalidArgumentError(
      "Brokers are only supported in PublicClientApplication (allowBroker, enableBrokerOnWindows, enableBrokerOnMac, broker).",
    );
  }
}

/** `{ [key]: value }` when the value is set, else `{}`: the options below are spread without `undefined` (exactOptionalPropertyTypes). */
function given<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** The caller's HTTP client, or the default one, wrapped in the throttling and HTTP-cache layer. */
function httpFor(
  kind: ApplicationKind,
  o: ClientApplicationOptions,
  clock: Clock,
  env: Readonly<Record<string, string | undefined>>,
): ThrottledHttpClient {
  // Without `proxies`, the built-in client takes its proxy from the environment (HTTPS_PROXY, NO_PROXY, ...).
  const raw =
    o.httpClient ??
    createDefaultHttpClient({
      ...given("verify", o.verify),
      ...given("proxies", o.proxies),
      ...given("timeout", o.timeout),
      env,
    });
  const defaultThrottleSeconds = kind === "public" ? THROTTLE_PUBLIC : THROTTLE_CONFIDENTIAL;
  return new ThrottledHttpClient({
    http: raw,
    ...(o.httpCache ? { cache: o.httpCache } : {}),
    clock,
    defaultThrottleSeconds,
  });
}

function authoritiesFor(o: ClientApplicationOptions, http: HttpClient, log: LogSink): AuthorityResolver {
  return new AuthorityResolver({
    http,
    log,
    ...given("authority", o.authority),
    ...given("oidcAuthority", o.oidcAuthority),
    ...given("validateAuthority", o.validateAuthority),
    ...given("instanceDiscovery", o.instanceDiscovery),
  });
}

function tokenCacheOf(o: ClientApplicationOptions): TokenCache {
  const cache = o.tokenCache ?? new TokenCache();
  if (!(cache instanceof TokenCache))
    throw new InvalidArgumentError("tokenCache must be a TokenCache or SerializableTokenCache.");
  return cache;
}

/** The per-application context every flow works with, built once from the checked options. */
function buildContext(clientId: string, o: ClientApplicationOptions, kind: ApplicationKind): FlowContext {
  const clock = o.clock ?? systemClock;
  const env = o.env ?? process.env;
  const log = new LogSink(o.logger, o.enablePiiLog === true);
  const platform = o.platform ?? process.platform;
  const http = httpFor(kind, o, clock, env);
  const authorities = authoritiesFor(o, http, log);
  const clientAuth =
    o.clientCredential !== undefined
      ? new ClientAuthenticator(clientId, o.clientCredential, o.clientClaims, env)
      : undefined;
  const cache = tokenCacheOf(o); // checked after the authority and credential, as it always was
  return {
    clientId,
    http,
    clock,
    env,
    log,
    cache,
    authorities,
    aliases: new AliasResolver({
      http,
      knownToDeveloper: authorities.configured.knownToDeveloper,
      ...given("instanceDiscovery", o.instanceDiscovery),
    }),
    regions:
      clientAuth && o.azureRegion !== undefined
        ? new RegionResolver(o.azureRegion, { http, env, log, authorities })
        : undefined,
    telemetry: new TelemetryBuffer(),
    libraryHeaders: libraryHeaders({ appName: o.appName, appVersion: o.appVersion, platform }),
    capabilities: o.clientCapabilities,
    excludeScopes: checkExcludeScopes(o.excludeScopes),
    clientAuth,
    flights: new SingleFlight(),
    noUserRealmHosts: new Set(),
    popKey: new PopKey(),
    broker:
      kind === "public" ? BrokerHandle.create(o as BrokerOptions, platform, authorities.configured, log) : undefined,
    platform,
  };
}

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
  /** @internal The per-application state the flows work with. */
  protected readonly ctx: FlowContext;

  /**
   * @param clientId - the application (client) id registered with the identity provider.
   * @param options - see {@link ClientApplicationOptions}.
   * @throws InvalidArgumentError for options that cannot work (named in the message).
   * @throws AuthorityError for a malformed authority (no network is used here).
   */
  constructor(clientId: string, options?: ClientApplicationOptions);
  /** @internal The subclasses say which kind of application they are. */
  constructor(clientId: string, options: ClientApplicationOptions | undefined, kind: ApplicationKind);
  constructor(clientId: string, options: ClientApplicationOptions = {}, kind: ApplicationKind = "confidential") {
    checkOptions(clientId, options);
    refuseBrokerOptions(kind, options);
    this.clientId = clientId;
    this.ctx = buildContext(clientId, options, kind);
    this.tokenCache = this.ctx.cache;
  }

  /**
   * The URL to send the user to for signing in (legacy: prefer {@link initiateAuthCodeFlow}).
   *
   * @param scopes - the scopes to ask consent for.
   * @param o - see {@link AuthorizationRequestUrlOptions}.
   */
  getAuthorizationRequestUrl(scopes: string[], o: AuthorizationRequestUrlOptions = {}): Promise<string> {
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
   * @param o - see {@link InitiateAuthCodeFlowOptions}.
   * @see {@link https://datatracker.ietf.org/doc/html/rfc7636 | RFC 7636 (PKCE)}
   */
  initiateAuthCodeFlow(scopes: string[], o?: InitiateAuthCodeFlowOptions): Promise<AuthCodeFlow> {
    return initiateAuthCodeFlow(this.ctx, scopes, o);
  }

  /**
   * Completes an auth code flow with the parameters the redirect URI received. Errors from the identity
   * provider are returned; a state mismatch throws StateMismatchError, a nonce mismatch IdTokenError.
   *
   * @param authCodeFlow - the object {@link initiateAuthCodeFlow} returned.
   * @param authResponse - the parameters the redirect URI received (query or form_post body).
   * @param o - see {@link AuthCodeFlowOptions}.
   */
  acquireTokenByAuthCodeFlow(
    authCodeFlow: AuthCodeFlow,
    authResponse: Record<string, string>,
    o?: AuthCodeFlowOptions,
  ): Promise<TokenResult> {
    return acquireTokenByAuthCodeFlow(this.ctx, authCodeFlow, authResponse, o);
  }

  /**
   * Redeems an authorization code (legacy: prefer the auth code flow).
   *
   * @param o - see {@link AuthorizationCodeOptions}.
   */
  acquireTokenByAuthorizationCode(code: string, scopes: string[], o?: AuthorizationCodeOptions): Promise<TokenResult> {
    return acquireTokenByAuthorizationCode(this.ctx, code, scopes, o);
  }

  /**
   * Redeems a refresh token obtained elsewhere (migration); the tokens are cached.
   *
   * @param o - see {@link RefreshTokenOptions}: `data` adds fields to the token request.
   */
  acquireTokenByRefreshToken(refreshToken: string, scopes: string[], o?: RefreshTokenOptions): Promise<TokenResult> {
    return acquireTokenByRefreshToken(this.ctx, refreshToken, scopes, this.ctx.excludeScopes, o);
  }

  /**
   * Username/password sign-in (ROPC). Not recommended (no MFA, no consent prompt). A managed user's password
   * goes to the token endpoint; a federated user's goes to the federation server named by the user realm
   * (WS-Trust 1.3 or 2005), whose SAML assertion is then redeemed at the token endpoint. A federation server's
   * refusal (a SOAP fault) or unusable answer throws a `WsTrustError`.
   *
   * @param o - see {@link UsernamePasswordOptions}.
   */
  acquireTokenByUsernamePassword(
    username: string,
    password: string,
    scopes: string[],
    o?: UsernamePasswordOptions,
  ): Promise<TokenResult> {
    return acquireTokenByUsernamePassword(this.ctx, username, password, scopes, o);
  }

  /**
   * A token for `account` from the cache, refreshed when needed; `null` when none can be had silently.
   *
   * @param o - see {@link SilentOptions}.
   */
  acquireTokenSilent(scopes: string[], account: Account | null, o?: SilentOptions): Promise<TokenSuccess | null> {
    return acquireTokenSilent(this.ctx, scopes, account, o);
  }

  /** Like {@link acquireTokenSilent}, but returns the identity provider's error instead of `null`. */
  acquireTokenSilentWithError(
    scopes: string[],
    account: Account | null,
    o?: SilentOptions,
  ): Promise<TokenResult | null> {
    return acquireTokenSilentWithError(this.ctx, scopes, account, o);
  }

  /** The accounts signed in to this app's authority (grouped by home account). */
  getAccounts(o?: GetAccountsOptions): Promise<Account[]> {
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
