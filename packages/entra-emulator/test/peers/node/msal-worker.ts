/**
 * Child process that runs an UNMODIFIED @azure/msal-node for the peer tests (see `protocol.ts`). The parent
 * starts it with `NODE_EXTRA_CA_CERTS` naming a bundle that includes the emulator's CA, and (for managed
 * identity) the environment variables of one managed-identity source, since msal-node reads them and caches
 * the detected source once per process.
 *
 * The worker only constructs msal-node applications from plain configuration objects and calls their public
 * methods. Every URL msal-node's `fetch` opens is observed (not altered) on undici's diagnostics channel, so the
 * tests can check that nothing left the loopback interface.
 */
import { subscribe } from "node:diagnostics_channel";
import {
  ConfidentialClientApplication,
  CryptoProvider,
  ManagedIdentityApplication,
  PublicClientApplication,
  ServerError,
  type Configuration,
  type DeviceCodeRequest,
  type ManagedIdentityConfiguration,
} from "@azure/msal-node";
import { FORWARD_DEVICE_CODE, type SerializedError, type WorkerMessage, type WorkerRequest } from "./protocol.js";

type DeviceCodeResponse = Parameters<DeviceCodeRequest["deviceCodeCallback"]>[0];
type AnyApp = ConfidentialClientApplication | PublicClientApplication | ManagedIdentityApplication;

const apps = new Map<string, AnyApp>();
const urls: string[] = [];

subscribe("undici:request:create", (message) => {
  const request = (message as { request?: { origin?: unknown; path?: unknown } }).request;
  if (request) urls.push(`${String(request.origin)}${String(request.path)}`);
});

function post(message: WorkerMessage): void {
  if (!process.send) return;
  try {
    process.send(message);
  } catch {
    // A value the structured clone cannot carry: send its JSON form instead.
    process.send(JSON.parse(JSON.stringify(message)) as WorkerMessage);
  }
}

function serializeError(e: unknown): SerializedError {
  if (!(e instanceof Error)) {
    return { className: typeof e, name: "NonError", message: String(e), isServerError: false };
  }
  const x = e as Error & { errorCode?: unknown; errorMessage?: unknown; subError?: unknown; status?: unknown };
  return {
    className: e.constructor.name,
    name: e.name,
    message: e.message,
    ...(typeof x.errorCode === "string" ? { errorCode: x.errorCode } : {}),
    ...(typeof x.errorMessage === "string" ? { errorMessage: x.errorMessage } : {}),
    ...(typeof x.subError === "string" ? { subError: x.subError } : {}),
    ...(typeof x.status === "number" ? { status: x.status } : {}),
    isServerError: e instanceof ServerError,
    ...(e.stack !== undefined ? { stack: e.stack } : {}),
  };
}

function appOf(handle: string): AnyApp {
  const app = apps.get(handle);
  if (!app) throw new Error(`no msal-node application with handle ${handle}`);
  return app;
}

/** Swaps the forwarding marker for a real `deviceCodeCallback` that reports the response to the parent. */
function withDeviceCodeForwarding(id: number, args: unknown[]): unknown[] {
  return args.map((arg) => {
    if (typeof arg !== "object" || arg === null) return arg;
    const request = arg as Record<string, unknown>;
    if (request.deviceCodeCallback !== FORWARD_DEVICE_CODE) return arg;
    return {
      ...request,
      deviceCodeCallback: (response: DeviceCodeResponse) => {
        post({
          type: "event",
          id,
          event: "deviceCode",
          data: {
            userCode: response.userCode,
            deviceCode: response.deviceCode,
            verificationUri: response.verificationUri,
            expiresIn: response.expiresIn,
            interval: response.interval,
            message: response.message,
          },
        });
      },
    };
  });
}

async function run(request: WorkerRequest): Promise<unknown> {
  switch (request.op) {
    case "create": {
      const app =
        request.kind === "confidential"
          ? new ConfidentialClientApplication(request.config as Configuration)
          : request.kind === "public"
            ? new PublicClientApplication(request.config as Configuration)
            : new ManagedIdentityApplication(request.config as ManagedIdentityConfiguration);
      apps.set(request.handle, app);
      return request.handle;
    }
    case "invoke": {
      const app = appOf(request.handle) as unknown as Record<string, unknown>;
      const method = app[request.method];
      if (typeof method !== "function") throw new Error(`msal-node application has no method ${request.method}`);
      return await (method as (...a: unknown[]) => unknown).apply(app, withDeviceCodeForwarding(request.id, request.args));
    }
    case "accounts": {
      const app = appOf(request.handle);
      if (app instanceof ManagedIdentityApplication) throw new Error("managed identity applications have no accounts");
      return await app.getTokenCache().getAllAccounts();
    }
    case "pkce":
      return await new CryptoProvider().generatePkceCodes();
    case "urls":
      return urls.splice(0, urls.length);
    default: {
      const unknown: never = request;
      throw new Error(`unknown request ${JSON.stringify(unknown)}`);
    }
  }
}

process.on("message", (message: WorkerRequest) => {
  run(message).then(
    (value) => post({ type: "result", id: message.id, ok: true, value }),
    (e: unknown) => post({ type: "result", id: message.id, ok: false, error: serializeError(e) }),
  );
});
// The parent going away (or closing the channel) ends the worker.
process.on("disconnect", () => process.exit(0));
post({ type: "ready" });
