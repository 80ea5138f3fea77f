/**
 * Messages between the msal-node peer tests and the child process that runs @azure/msal-node
 * (`msal-worker.ts`). msal-node 7 sends its requests with Node's global `fetch`, which offers no per-client CA
 * option, so the library runs in a child process whose `NODE_EXTRA_CA_CERTS` also trusts the emulator's CA.
 */

/** Which msal-node application class to construct. */
export type AppKind = "confidential" | "public" | "managed";

/** Put this in place of `deviceCodeCallback`: the worker forwards the device-code response as a `deviceCode` event. */
export const FORWARD_DEVICE_CODE = "__forward_device_code__";

export type WorkerRequest =
  | { id: number; op: "create"; handle: string; kind: AppKind; config: unknown }
  | { id: number; op: "invoke"; handle: string; method: string; args: unknown[] }
  | { id: number; op: "accounts"; handle: string }
  | { id: number; op: "pkce" }
  | { id: number; op: "urls" };

/** An error thrown inside the worker, as far as it can cross the process boundary. */
export interface SerializedError {
  /** Constructor name: `ServerError`, `ClientAuthError`, `ManagedIdentityError`, ... */
  className: string;
  name: string;
  message: string;
  errorCode?: string;
  errorMessage?: string;
  subError?: string;
  /** HTTP status for errors msal-node attaches one to. */
  status?: number;
  /** Set when the error is an `instanceof ServerError` (msal-node's class for errors the server returned). */
  isServerError: boolean;
  stack?: string;
}

/** The fields of msal-node's `DeviceCodeResponse` that the tests use. */
export interface DeviceCodeInfo {
  userCode: string;
  deviceCode: string;
  verificationUri: string;
  expiresIn: number;
  interval: number;
  message: string;
}

export type WorkerMessage =
  | { type: "ready" }
  | { type: "result"; id: number; ok: true; value: unknown }
  | { type: "result"; id: number; ok: false; error: SerializedError }
  | { type: "event"; id: number; event: "deviceCode"; data: DeviceCodeInfo };
