/**
 * Parent side of the msal-node worker (`msal-worker.ts`): starts the child process with a CA bundle that trusts
 * the emulator (plus the machine's own bundle from `NODE_EXTRA_CA_CERTS`, if any) and calls msal-node in it.
 */
import { fork, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AppKind, DeviceCodeInfo, SerializedError, WorkerMessage, WorkerRequest } from "./protocol.js";

export { FORWARD_DEVICE_CODE, type DeviceCodeInfo } from "./protocol.js";

/** Environment variables through which msal-node detects a managed-identity source; never inherited by a worker. */
const MANAGED_IDENTITY_VARIABLES = [
  "AZURE_POD_IDENTITY_AUTHORITY_HOST",
  "MSAL_MANAGED_IDENTITY_ENDPOINT",
  "IDENTITY_ENDPOINT",
  "IDENTITY_HEADER",
  "IDENTITY_SERVER_THUMBPRINT",
  "IMDS_ENDPOINT",
  "MSI_ENDPOINT",
  "MSI_SECRET",
  "DEFAULT_IDENTITY_CLIENT_ID",
  "AZUREPS_HOST_ENVIRONMENT",
];

/** An error msal-node threw in the worker. */
export class MsalWorkerError extends Error {
  readonly className: string;
  readonly errorCode: string | undefined;
  readonly errorMessage: string | undefined;
  readonly subError: string | undefined;
  readonly status: number | undefined;
  readonly isServerError: boolean;

  constructor(e: SerializedError) {
    super(`${e.className}: ${e.message}`);
    this.name = "MsalWorkerError";
    this.className = e.className;
    this.errorCode = e.errorCode;
    this.errorMessage = e.errorMessage;
    this.subError = e.subError;
    this.status = e.status;
    this.isServerError = e.isServerError;
    if (e.stack !== undefined) this.stack = `${this.message}\n(worker stack)\n${e.stack}`;
  }
}

type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

export interface WorkerOptions {
  /** PEMs the worker must trust besides the machine's bundle (the emulators' CAs). */
  caPems: string[];
  /** Extra environment variables (e.g. `emulator.managedIdentityEnv("imds")`). */
  env?: Record<string, string>;
}

export class MsalWorker {
  readonly #child: ChildProcess;
  readonly #tempDir: string;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #nextHandle = 1;
  #stderr = "";
  #exited = false;
  /** Called with the device-code response of an `acquireTokenByDeviceCode` that used `FORWARD_DEVICE_CODE`. */
  onDeviceCode: ((info: DeviceCodeInfo) => void) | undefined;

  private constructor(child: ChildProcess, tempDir: string) {
    this.#child = child;
    this.#tempDir = tempDir;
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-8000);
    });
    child.stdout?.resume();
    child.on("message", (message: WorkerMessage) => this.#onMessage(message));
    child.on("exit", (code, signal) => {
      this.#exited = true;
      const error = new Error(`msal-node worker exited (code ${code}, signal ${signal}); stderr:\n${this.#stderr}`);
      for (const p of this.#pending.values()) p.reject(error);
      this.#pending.clear();
    });
  }

  /** Starts a worker and waits until msal-node is loaded in it. */
  static async start(options: WorkerOptions): Promise<MsalWorker> {
    const tempDir = mkdtempSync(join(tmpdir(), "msal-node-peer-"));
    const machineBundle = process.env.NODE_EXTRA_CA_CERTS;
    const pems = [
      ...(machineBundle && existsSync(machineBundle) ? [readFileSync(machineBundle, "utf8")] : []),
      ...options.caPems,
    ];
    const bundlePath = join(tempDir, "ca-bundle.pem");
    writeFileSync(bundlePath, pems.map((p) => p.trimEnd()).join("\n") + "\n");

    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of MANAGED_IDENTITY_VARIABLES) delete env[name];
    delete env.NODE_TEST_CONTEXT;
    Object.assign(env, options.env, { NODE_EXTRA_CA_CERTS: bundlePath });

    const child = fork(fileURLToPath(new URL("./msal-worker.ts", import.meta.url)), [], {
      execArgv: ["--import", import.meta.resolve("tsx")],
      env,
      serialization: "advanced",
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    const worker = new MsalWorker(child, tempDir);
    try {
      await new Promise<void>((resolve, reject) => {
        const onMessage = (m: WorkerMessage) => {
          if (m.type === "ready") {
            child.off("message", onMessage);
            child.off("exit", onExit);
            resolve();
          }
        };
        const onExit = () => reject(new Error(`msal-node worker failed to start; stderr:\n${worker.#stderr}`));
        child.on("message", onMessage);
        child.once("exit", onExit);
      });
    } catch (e) {
      await worker.close();
      throw e;
    }
    return worker;
  }

  #onMessage(message: WorkerMessage): void {
    if (message.type === "event") {
      this.onDeviceCode?.(message.data);
      return;
    }
    if (message.type !== "result") return;
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    this.#pending.delete(message.id);
    if (message.ok) pending.resolve(message.value);
    else pending.reject(new MsalWorkerError(message.error));
  }

  #call(request: WithoutId<WorkerRequest>): Promise<unknown> {
    if (this.#exited) return Promise.reject(new Error(`msal-node worker is not running; stderr:\n${this.#stderr}`));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#child.send({ ...request, id } as WorkerRequest, (error) => {
        if (error) {
          this.#pending.delete(id);
          reject(error);
        }
      });
    });
  }

  /** Constructs a msal-node application in the worker; returns its handle. */
  async create(kind: AppKind, config: unknown): Promise<string> {
    const handle = `${kind}-${this.#nextHandle++}`;
    await this.#call({ op: "create", handle, kind, config });
    return handle;
  }

  /** Calls a public method of a msal-node application (`acquireTokenByClientCredential`, ...). */
  async invoke<T>(handle: string, method: string, ...args: unknown[]): Promise<T> {
    return (await this.#call({ op: "invoke", handle, method, args })) as T;
  }

  /** `getTokenCache().getAllAccounts()` of a client application. */
  async accounts<T>(handle: string): Promise<T[]> {
    return (await this.#call({ op: "accounts", handle })) as T[];
  }

  /** msal-node's `CryptoProvider.generatePkceCodes()`. */
  async pkce(): Promise<{ verifier: string; challenge: string }> {
    return (await this.#call({ op: "pkce" })) as { verifier: string; challenge: string };
  }

  /** Every URL msal-node fetched since the previous call. */
  async takeUrls(): Promise<string[]> {
    return (await this.#call({ op: "urls" })) as string[];
  }

  async close(): Promise<void> {
    if (!this.#exited) {
      const exited = new Promise<void>((resolve) => this.#child.once("exit", () => resolve()));
      this.#child.kill();
      await exited;
    }
    rmSync(this.#tempDir, { recursive: true, force: true });
  }
}
