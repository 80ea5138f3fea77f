import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EmulatorClock } from "./clock.js";
import { defaultConfig, loadConfigFile, normalizeConfig, type EmulatorConfig } from "./config.js";
import { EmulatorContext } from "./context.js";
import { EntraError, correlationIdFrom, renderEntraError } from "./errors.js";
import { FaultBook, type FaultSpec } from "./faults.js";
import { Router, json, normalizeHeaders, parseParams, readBody, type EmuRequest, type EmuResponse, type Listener } from "./http.js";
import { registerAuthorizeRoutes, signInProgrammatically, type SignInOptions, type SignInResult } from "./routes/authorize.js";
import { registerControlRoutes } from "./routes/control.js";
import { approveDeviceCode, denyDeviceCode, registerDeviceRoutes } from "./routes/device.js";
import { registerDiscoveryRoutes } from "./routes/discovery.js";
import {
  managedIdentityEnv,
  registerManagedIdentityRoutes,
  type ManagedIdentitySource,
} from "./routes/managed-identity/index.js";
import { isPopPath, registerPopRoutes } from "./routes/pop.js";
import { registerTokenRoutes } from "./routes/token.js";
import { createTlsMaterial } from "./tls.js";
import { TokenIssuer } from "./tokens.js";

export interface EmulatorOptions {
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
}

/** One entry of the request log (`GET /_emulator/requests`). */
export interface RequestLogEntry {
  id: number;
  time: string;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  form: Record<string, string>;
  route: string | null;
  status: number | null;
  listener: Listener;
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
  close(): Promise<void>;
}

const CONTROL_PREFIX = "/_emulator/";

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
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

/**
 * Starts an Entra ID emulator on 127.0.0.1 with a fresh certificate authority.
 *
 * @example
 * const emulator = await startEmulator();
 * // MSAL Python: ConfidentialClientApplication(..., authority=emulator.authority(), verify=emulator.caPath)
 * await emulator.close();
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const rawConfig =
    options.config === undefined
      ? defaultConfig()
      : typeof options.config === "string"
        ? loadConfigFile(options.config)
        : options.config;
  const config = normalizeConfig(rawConfig);
  const clock = new EmulatorClock();
  const [tls, issuer] = await Promise.all([createTlsMaterial(), TokenIssuer.create(clock)]);

  const tempDir = mkdtempSync(join(tmpdir(), "entra-emulator-"));
  const arcKeyDir = options.arcKeyDir ?? join(tempDir, "arc");
  const caPath = options.caPath ?? join(tempDir, "ca.pem");
  writeFileSync(caPath, tls.caPem, { mode: 0o644 });

  const ctx = new EmulatorContext(config, clock, issuer, tls, arcKeyDir);
  const faults = new FaultBook();
  const log: RequestLogEntry[] = [];
  let nextId = 1;
  const bodyLimit = options.bodyLimit ?? 1024 * 1024;

  const router = new Router();
  registerDiscoveryRoutes(router, ctx);
  registerAuthorizeRoutes(router, ctx);
  registerDeviceRoutes(router, ctx);
  registerTokenRoutes(router, ctx);
  registerManagedIdentityRoutes(router, ctx);
  registerPopRoutes(router, ctx);

  const handle = async (raw: IncomingMessage, res: ServerResponse, listener: Listener): Promise<void> => {
    const headers = normalizeHeaders(raw.headers);
    const traceId = randomUUID();
    const correlationId = correlationIdFrom(headers["client-request-id"]);
    const host = headers.host ?? "";
    const origin =
      listener === "https"
        ? ctx.ownHosts.includes(host.toLowerCase())
          ? `https://${host.toLowerCase()}`
          : ctx.httpsOrigin
        : ctx.httpOrigin;
    let url: URL;
    try {
      url = new URL((raw.url ?? "/").replace(/^\/+/, "/"), "http://placeholder");
    } catch {
      url = new URL("http://placeholder/");
    }
    const path = url.pathname.replace(/\/{2,}/g, "/");
    const { values: query, duplicates: queryDuplicates } = parseParams(url.search);
    // The PoP test resource shares the prefix but is routed (and logged, and faultable) like Entra's endpoints.
    const isControl = path.toLowerCase().startsWith(CONTROL_PREFIX) && !isPopPath(path);
    const entry: RequestLogEntry = {
      id: nextId++,
      time: new Date(clock.nowMs()).toISOString(),
      method: raw.method ?? "GET",
      path,
      query,
      headers,
      form: {},
      route: null,
      status: null,
      listener,
    };
    if (!isControl) log.push(entry);

    const send = (response: EmuResponse): void => {
      entry.status = response.status;
      if (res.headersSent || res.destroyed) return;
      const out: Record<string, string> = {
        "cache-control": "no-store, no-cache",
        pragma: "no-cache",
        "x-ms-request-id": traceId,
        "client-request-id": correlationId,
        "x-ms-ests-server": "entra-emulator",
        ...response.headers,
      };
      res.writeHead(response.status, out);
      res.end(response.body ?? "");
    };
    const errorContext = { traceId, correlationId, nowMs: clock.nowMs() };
    const fail = (e: EntraError): void => send(json(e.status, renderEntraError(e, errorContext)));

    const body = await readBody(raw, bodyLimit);
    if (body === null) {
      fail(new EntraError("invalid_request", 90023, `The request body is larger than ${bodyLimit} bytes.`, { status: 413 }));
      return;
    }
    const contentType = (headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
    const isForm = contentType === "application/x-www-form-urlencoded";
    const { values: form, duplicates: formDuplicates } = isForm
      ? parseParams(body.toString("utf8"))
      : { values: {}, duplicates: [] };
    entry.form = form;
    const req: EmuRequest = {
      method: entry.method,
      path,
      query,
      headers,
      body,
      form,
      isForm,
      duplicates: [...queryDuplicates, ...formDuplicates],
      origin,
      listener,
      traceId,
      correlationId,
    };

    if (isControl) {
      try {
        send(await controlRouter(req));
      } catch (e) {
        send(json(400, { error: "bad_control_request", error_description: (e as Error).message }));
      }
      return;
    }

    const match = router.match(req.method, path, listener);
    if ("miss" in match) {
      if (match.miss === "method") {
        fail(
          new EntraError(
            "invalid_request",
            900561,
            `The endpoint only accepts ${[...new Set(match.allowed)].join(", ")} requests. Received a ${req.method} request.`,
            { status: 405 },
          ),
        );
      } else {
        fail(new EntraError("invalid_request", 90023, `The emulator has no endpoint at ${path}.`, { status: 404 }));
      }
      return;
    }
    entry.route = match.route.id;

    const fault = faults.take(match.route.id);
    if (fault) {
      if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault.drop) {
        entry.status = 0;
        raw.socket.destroy();
        return;
      }
      if (fault.status !== undefined || fault.body !== undefined || fault.retryAfter !== undefined || !fault.delayMs) {
        const faultHeaders: Record<string, string> = { ...fault.headers };
        if (fault.retryAfter !== undefined) faultHeaders["retry-after"] = String(fault.retryAfter);
        const isText = typeof fault.body === "string";
        faultHeaders["content-type"] =
          fault.contentType ?? (isText ? "text/plain; charset=utf-8" : "application/json; charset=utf-8");
        send({
          status: fault.status ?? 500,
          headers: faultHeaders,
          body: fault.body === undefined ? "" : isText ? (fault.body as string) : JSON.stringify(fault.body),
        });
        return;
      }
    }

    try {
      send(await match.route.handler(req, match.params));
    } catch (e) {
      if (e instanceof EntraError) {
        fail(e);
      } else {
        fail(
          new EntraError("server_error", 90033, `The emulator failed to handle the request: ${(e as Error).message}`, {
            status: 500,
          }),
        );
      }
    }
  };

  const onRequest = (listener: Listener) => (raw: IncomingMessage, res: ServerResponse) => {
    handle(raw, res, listener).catch(() => {
      if (!res.headersSent) {
        res.writeHead(500);
        res.end();
      }
    });
  };
  const httpsServer = createHttpsServer({ cert: tls.certPem, key: tls.keyPem }, onRequest("https"));
  const httpServer = createHttpServer(onRequest("http"));

  const signIn = (o: SignInOptions): Promise<SignInResult> => signInProgrammatically(ctx, o);
  const controlRouter = registerControlRoutes({
    ctx,
    faults,
    requests: () => log,
    clearRequests: () => {
      log.length = 0;
    },
    signIn,
  });

  try {
    ctx.httpsPort = await listen(httpsServer, options.port ?? 0);
    ctx.httpPort = await listen(httpServer, options.httpPort ?? 0);
  } catch (e) {
    await Promise.all([closeServer(httpsServer), closeServer(httpServer)]);
    rmSync(tempDir, { recursive: true, force: true });
    throw e;
  }

  let closed = false;
  const firstTenant = config.tenants[0];
  const defaultTenant = firstTenant?.domains?.[0] ?? firstTenant?.id ?? "common";
  return {
    url: ctx.httpsOrigin,
    miUrl: ctx.httpOrigin,
    caPem: tls.caPem,
    caPath,
    config: rawConfig,
    authority: (tenant = defaultTenant) => `${ctx.httpsOrigin}/${tenant}`,
    clientOptions: (tenant = defaultTenant) => ({
      authority: `${ctx.httpsOrigin}/${tenant}`,
      verify: tls.caPem,
      instanceDiscovery: false,
    }),
    requests: () => log.map((e) => ({ ...e })),
    clearRequests: () => {
      log.length = 0;
    },
    addFault: (spec) => {
      faults.add(spec);
    },
    clearFaults: () => faults.clear(),
    approveDevice: (userCode, username) => approveDeviceCode(ctx, userCode, username),
    denyDevice: (userCode) => denyDeviceCode(ctx, userCode),
    signIn,
    advanceClock: (seconds) => clock.advance(seconds),
    managedIdentityEnv: (source) => managedIdentityEnv(ctx, source),
    close: async () => {
      if (closed) return;
      closed = true;
      await Promise.all([closeServer(httpsServer), closeServer(httpServer)]);
      rmSync(tempDir, { recursive: true, force: true });
    },
  };
}
