import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EmulatorClock } from "./clock.js";
import { isIP } from "node:net";
import { defaultConfig, EmulatorConfigError, loadConfigFile, normalizeConfig, type EmulatorConfig } from "./config.js";
import { EmulatorContext, type HostNames } from "./context.js";
import type { Listener } from "./http.js";
import {
  registerAuthorizeRoutes,
  signInProgrammatically,
  type SignInOptions,
  type SignInResult,
} from "./routes/authorize.js";
import { registerArmRoutes } from "./routes/arm.js";
import { approveDeviceCode, denyDeviceCode, registerDeviceRoutes } from "./routes/device.js";
import { registerDiscoveryRoutes } from "./routes/discovery.js";
import { registerEndSessionRoutes } from "./routes/end-session.js";
import { registerFederationRoutes } from "./routes/federation.js";
import {
  managedIdentityEnv,
  registerManagedIdentityRoutes,
  type ManagedIdentitySource,
} from "./routes/managed-identity/index.js";
import { registerPopRoutes } from "./routes/pop.js";
import { revokeToken, type Revocation } from "./revocation.js";
import {
  issueFederatedToken,
  registerTestIssuerRoutes,
  testIssuerUrl,
  type FederatedTokenOptions,
} from "./workload-identity/test-issuer.js";
import { registerTokenRoutes } from "./routes/token.js";
import { registerControlRoutes } from "./server/control.js";
import { controlTokenOption } from "./server/control-guard.js";
import { FaultBook, type FaultSpec } from "./server/faults.js";
import { answerInternalError, createRequestHandler } from "./server/handler.js";
import { RequestLog, type RequestLogEntry, type RequestLogOptions } from "./server/request-log.js";
import { Router } from "./server/router.js";
import { createTlsMaterial } from "./tls.js";
import { TokenIssuer } from "./tokens.js";

export type { RequestLogEntry, RequestLogOptions } from "./server/request-log.js";
export type { FederatedTokenOptions } from "./workload-identity/test-issuer.js";

export interface EmulatorOptions extends RequestLogOptions {
  /** A configuration object or the path of a JSON file; default: the bundled demo configuration. */
  config?: EmulatorConfig | string;
  /** HTTPS port on 127.0.0.1; 0 (default) lets the OS choose. */
  port?: number;
  /** Plain-HTTP port for the managed-identity endpoints (IMDS, App Service, ...); 0 (default) lets the OS choose. */
  httpPort?: number;
  /** Also write the CA certificate (PEM) to this file. Default: a temporary file removed on `close()`. */
  caPath?: string;
  /** Folder for Azure Arc challenge key files. Default: a temporary folder removed on `close()`. */
  arcKeyDir?: string;
  /** Largest accepted request body in bytes (default 1 MiB); larger bodies get HTTP 413. */
  bodyLimit?: number;
  /**
   * Canonical HTTPS host name (default `"localhost"`): `url` is `https://{hostName}` plus `:{port}` unless the
   * port is 443, and every v2 issuer is `{url}/{tenant id}/v2.0` whatever Host header a request carries. The
   * server certificate names it. E.g. `"login.microsoftonline.com"` in a private network namespace.
   */
  hostName?: string;
  /** More DNS names (or IP addresses) for the server certificate, answered as this emulator's own Host. */
  extraHostNames?: string[];
  /** HTTPS bind address (default `127.0.0.1`). */
  listenAddress?: string;
  /** Managed-identity (plain HTTP) bind address (default `127.0.0.1`); `miUrl` names it. */
  miListenAddress?: string;
  /**
   * When set, every request to the control API (`/_emulator/*`) needs `Authorization: Bearer <controlToken>`
   * (else 401). The methods of the returned `Emulator` work without it. Printable ASCII, no spaces.
   */
  controlToken?: string;
}

/** What `Emulator.clientOptions()` returns: spread it into a client application's options. */
export interface EmulatorClientOptions {
  /** `{url}/{tenant}`. */
  authority: string;
  /** The PEM text of the emulator's CA (msal-ts's `verify` accepts a path or PEM text). */
  verify: string;
  instanceDiscovery: false;
}

/** A running emulator, as returned by `startEmulator()`. */
export interface Emulator {
  /** HTTPS base URL, e.g. `https://localhost:53211`; authorities are `{url}/{tenant}`. */
  url: string;
  /** Plain-HTTP base URL of the managed-identity endpoints. */
  miUrl: string;
  /** PEM of this run's certificate authority: pass it as `verify` / `ca` to trust the emulator. */
  caPem: string;
  /** File holding `caPem`. */
  caPath: string;
  /** The configuration in effect. */
  config: EmulatorConfig;
  /** Authority URL for a tenant (id, domain, `common`, `organizations`); default: the first tenant's first domain. */
  authority(tenant?: string): string;
  /**
   * The options a client application needs to talk to this emulator, in the shape of msal-ts's application
   * options: its authority, its CA's PEM text as `verify`, and `instanceDiscovery: false` (the emulator's
   * host is not one that Microsoft's instance discovery knows). MSAL Python takes a path: use `caPath`.
   *
   * @example
   * const app = new ConfidentialClientApplication(clientId, { clientCredential, ...emulator.clientOptions() });
   */
  clientOptions(tenant?: string): EmulatorClientOptions;
  /** The request log, oldest first (control requests under `/_emulator/` are not logged). */
  requests(): RequestLogEntry[];
  clearRequests(): void;
  /** Scripts faults for the next requests to a route. */
  addFault(spec: FaultSpec): void;
  clearFaults(): void;
  /** Approves a device code as `username` would on the device-login page. */
  approveDevice(userCode: string, username: string): void;
  denyDevice(userCode: string): void;
  /** Completes an authorization request for a user without a browser (see `SignInOptions`). */
  signIn(options: SignInOptions): Promise<SignInResult>;
  /** Moves the emulator's clock forward (expire codes, device codes, refresh tokens). */
  advanceClock(seconds: number): void;
  /** Environment variables that point a managed-identity client at this emulator's endpoint for `source`. */
  managedIdentityEnv(source: ManagedIdentitySource): Record<string, string>;
  /**
   * Revokes an access token this emulator issued, as a revocation event would: the ARM surface answers it with a
   * claims challenge from then on (see `POST /_emulator/revoke`). Returns its hex SHA-256 and the time.
   */
  revokeToken(accessToken: string): Revocation;
  /**
   * The URL (`iss`) of the emulator's test issuer `name` (default `"default"`) for workload identity federation:
   * an app trusts it with `federatedIdentityCredentials: [{ testIssuer: name, subject }]`.
   */
  federationIssuer(name?: string): string;
  /**
   * Mints a token of a test issuer, as Kubernetes (a projected service-account token) or GitHub Actions (its
   * OIDC token) would: write it to the file named by `AZURE_FEDERATED_TOKEN_FILE`.
   *
   * @example
   * writeFileSync(tokenFile, await emulator.issueFederatedToken({ subject: "system:serviceaccount:default:app" }));
   */
  issueFederatedToken(options: FederatedTokenOptions): Promise<string>;
  close(): Promise<void>;
}

function listen(server: Server, port: number, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, address, () => {
      server.off("error", reject);
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

interface Running {
  ctx: EmulatorContext;
  clock: EmulatorClock;
  caPem: string;
  caPath: string;
  rawConfig: EmulatorConfig;
  faults: FaultBook;
  log: RequestLog;
  signIn(o: SignInOptions): Promise<SignInResult>;
  close(): Promise<void>;
}

function resolveConfig(config: EmulatorOptions["config"]): EmulatorConfig {
  if (config === undefined) return defaultConfig();
  return typeof config === "string" ? loadConfigFile(config) : config;
}

function entraRouter(ctx: EmulatorContext): Router {
  const router = new Router();
  registerDiscoveryRoutes(router, ctx);
  registerFederationRoutes(router, ctx);
  registerAuthorizeRoutes(router, ctx);
  registerEndSessionRoutes(router, ctx);
  registerDeviceRoutes(router, ctx);
  registerTokenRoutes(router, ctx);
  registerManagedIdentityRoutes(router, ctx);
  registerPopRoutes(router, ctx);
  registerTestIssuerRoutes(router, ctx);
  registerArmRoutes(router, ctx);
  return router;
}

/** Binds both listeners; on failure closes what was opened and removes the temporary folder. */
async function listenBoth(
  ctx: EmulatorContext,
  servers: [Server, Server],
  options: EmulatorOptions,
  tempDir: string,
): Promise<void> {
  const [httpsServer, httpServer] = servers;
  try {
    ctx.httpsPort = await listen(httpsServer, options.port ?? 0, ctx.names.listenAddress);
    ctx.httpPort = await listen(httpServer, options.httpPort ?? 0, ctx.names.miListenAddress);
  } catch (e) {
    await Promise.all([closeServer(httpsServer), closeServer(httpServer)]);
    rmSync(tempDir, { recursive: true, force: true });
    throw e;
  }
}

/** The `Emulator` handle over a running emulator. */
function emulatorHandle(r: Running): Emulator {
  const { ctx } = r;
  const firstTenant = r.ctx.config.tenants[0];
  const defaultTenant = firstTenant?.domains?.[0] ?? firstTenant?.id ?? "common";
  return {
    url: ctx.httpsOrigin,
    miUrl: ctx.httpOrigin,
    caPem: r.caPem,
    caPath: r.caPath,
    config: r.rawConfig,
    authority: (tenant = defaultTenant) => `${ctx.httpsOrigin}/${tenant}`,
    clientOptions: (tenant = defaultTenant) => ({
      authority: `${ctx.httpsOrigin}/${tenant}`,
      verify: r.caPem,
      instanceDiscovery: false,
    }),
    requests: () => r.log.entries().map((e) => ({ ...e })),
    clearRequests: () => r.log.clear(),
    addFault: (spec) => {
      r.faults.add(spec);
    },
    clearFaults: () => r.faults.clear(),
    approveDevice: (userCode, username) => approveDeviceCode(ctx, userCode, username),
    denyDevice: (userCode) => denyDeviceCode(ctx, userCode),
    signIn: r.signIn,
    advanceClock: (seconds) => r.clock.advance(seconds),
    managedIdentityEnv: (source) => managedIdentityEnv(ctx, source),
    revokeToken: (accessToken) => revokeToken(ctx, { accessToken }),
    federationIssuer: (name = "default") => testIssuerUrl(ctx, name),
    issueFederatedToken: (o) => issueFederatedToken(ctx, o),
    close: r.close,
  };
}

const DNS_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** A host name option: a DNS name or an IP address, without scheme, port or path. */
function hostOption(value: string, name: string): string {
  const bare = value.replace(/^\[(.*)\]$/, "$1");
  if (isIP(bare) === 0 && !DNS_NAME.test(value)) {
    throw new EmulatorConfigError(`${name}: expected a DNS name or an IP address (no scheme or port), got "${value}"`);
  }
  return value.toLowerCase();
}

function addressOption(value: string | undefined, name: string): string {
  if (value === undefined) return "127.0.0.1";
  if (isIP(value) === 0) throw new EmulatorConfigError(`${name}: expected an IP address, got "${value}"`);
  return value;
}

/** Checks the naming options and fills in their defaults. */
export function hostNamesOf(options: EmulatorOptions): HostNames {
  return {
    hostName: hostOption(options.hostName ?? "localhost", "hostName"),
    extraHostNames: (options.extraHostNames ?? []).map((n, i) => hostOption(n, `extraHostNames[${i}]`)),
    listenAddress: addressOption(options.listenAddress, "listenAddress"),
    miListenAddress: addressOption(options.miListenAddress, "miListenAddress"),
  };
}

/**
 * Starts an Entra ID emulator on 127.0.0.1 with a fresh certificate authority.
 *
 * @example
 * const emulator = await startEmulator();
 * // MSAL Python: ConfidentialClientApplication(..., authority=emulator.authority(), verify=emulator.caPath)
 * await emulator.close();
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const rawConfig = resolveConfig(options.config);
  const config = normalizeConfig(rawConfig);
  const names = hostNamesOf(options);
  const controlToken = controlTokenOption(options.controlToken);
  const clock = new EmulatorClock();
  const log = new RequestLog(clock, options);
  const certNames = [names.hostName, ...names.extraHostNames, names.listenAddress];
  const [tls, issuer] = await Promise.all([createTlsMaterial(certNames), TokenIssuer.create(clock)]);

  const tempDir = mkdtempSync(join(tmpdir(), "entra-emulator-"));
  const caPath = options.caPath ?? join(tempDir, "ca.pem");
  writeFileSync(caPath, tls.caPem, { mode: 0o644 });

  const ctx = new EmulatorContext(config, clock, issuer, tls, options.arcKeyDir ?? join(tempDir, "arc"), names);
  const faults = new FaultBook();
  const signIn = (o: SignInOptions): Promise<SignInResult> => signInProgrammatically(ctx, o);
  const control = registerControlRoutes({
    ctx,
    faults,
    requests: () => log.entries(),
    clearRequests: () => log.clear(),
    signIn,
    controlToken,
  });
  const handle = createRequestHandler({
    ctx,
    router: entraRouter(ctx),
    faults,
    log,
    control,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
  });
  const onRequest = (listener: Listener) => (raw: IncomingMessage, res: ServerResponse) => {
    handle(raw, res, listener).catch(() => answerInternalError(res));
  };
  const servers: [Server, Server] = [
    createHttpsServer({ cert: tls.certPem, key: tls.keyPem }, onRequest("https")),
    createHttpServer(onRequest("http")),
  ];
  await listenBoth(ctx, servers, options, tempDir);

  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await Promise.all(servers.map(closeServer));
    rmSync(tempDir, { recursive: true, force: true });
  };
  return emulatorHandle({ ctx, clock, caPem: tls.caPem, caPath, rawConfig, faults, log, signIn, close });
}
