/**
 * What the commands of one run share, and the applications they build from it: the persistent token
 * cache, TLS trust, the authority and client id with their defaults (the emulator's under `--emulator`).
 */
import { X509Certificate } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import {
  ConfidentialClientApplication,
  ManagedIdentityClient,
  PersistentTokenCache,
  PublicClientApplication,
  SystemAssignedManagedIdentity,
  UserAssignedManagedIdentity,
  type ClientCredential,
  type Logger,
} from "../index.js";
import { AZURE_CLI_CLIENT_ID, DEFAULT_AUTHORITY, type CommonOptions } from "./args.js";
import { effectiveAuthority, type Defaults } from "./config.js";
import type { EmulatorSession } from "./emulator.js";
import { UsageError } from "./exit-codes.js";
import type { Output } from "./output.js";

/** Everything a command needs besides its own arguments. */
export interface Session {
  readonly out: Output;
  /** Aborted by Ctrl+C (reason: CancelledError). */
  readonly signal: AbortSignal;
  readonly common: CommonOptions;
  /** Authority, tenant, client id, CA and cache from flags, environment and config file (config.ts). */
  readonly settings: Defaults;
  readonly emulator: EmulatorSession | undefined;
  readonly tokenCache: PersistentTokenCache;
  /** Discovery documents and throttling decisions, kept next to the token cache between runs. */
  readonly httpCache: Map<string, unknown>;
  readonly logger: Logger;
  /** The secrets of the command line (client secret, or certificate passphrase), read from their source. */
  readonly secrets: readonly string[];
  /** PEM of the CAs to trust (`--ca`, else the emulator's), or undefined for the system's. */
  readonly ca: string | undefined;
  /** The command's environment: the applications read their proxy from it (HTTPS_PROXY, NO_PROXY, ...). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * A logger that shows the library's warnings and errors as `warning:` lines on stderr; `filter` may
 * reword a message or drop it (undefined), e.g. the plaintext-cache warning once it was shown.
 */
export function stderrLogger(out: Output, filter: (message: string) => string | undefined = (m) => m): Logger {
  return {
    log(level, message) {
      if (level !== "error" && level !== "warning") return;
      const shown = filter(message);
      if (shown !== undefined) out.warn(shown);
    },
  };
}

function why(e: unknown): string {
  const code = (e as { code?: unknown })?.code;
  return typeof code === "string" ? code : "unreadable";
}

/** The PEM text of `--ca`, checked to hold at least one certificate. `from` names where the path came from. */
export function readCaFile(path: string, from = "--ca"): string {
  let pem: string;
  try {
    pem = readFileSync(path, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read the ${from} file ${path} (${why(e)})`);
  }
  if (!pem.includes("-----BEGIN CERTIFICATE-----"))
    throw new UsageError(`the ${from} file ${path} holds no PEM certificate`);
  return pem;
}

/** The token cache file: `--cache`, or the per-user default; encrypted where a keyring is available. */
export function openTokenCache(path: string, logger: Logger): PersistentTokenCache {
  return new PersistentTokenCache({ path, protection: "keyring-or-plaintext", logger });
}

/** Options shared by the public and confidential applications of a run. */
function appOptions(
  s: Session,
  authority: string,
): {
  authority: string;
  tokenCache: PersistentTokenCache;
  httpCache: Map<string, unknown>;
  logger: Logger;
  env: Record<string, string | undefined>;
  verify?: string;
  instanceDiscovery?: false;
  proxies?: Record<string, never>;
} {
  return {
    authority,
    tokenCache: s.tokenCache,
    httpCache: s.httpCache,
    logger: s.logger,
    env: { ...s.env },
    // The emulator of `--emulator` runs in this process on 127.0.0.1: no proxy could reach it.
    ...(s.emulator !== undefined ? { proxies: {} } : {}),
    ...(s.ca !== undefined ? { verify: s.ca } : {}),
    ...(s.emulator !== undefined || !s.common.instanceDiscovery ? { instanceDiscovery: false as const } : {}),
  };
}

/** The authority of user sign-in: as configured (with `--tenant`), else the emulator's or `organizations`. */
export function userAuthority(s: Session): string {
  return effectiveAuthority(s.settings, s.emulator?.authority() ?? DEFAULT_AUTHORITY);
}

/** The client id of user sign-in: as configured, else the emulator's demo app or the Azure CLI's. */
export function userClientId(s: Session): string {
  return s.settings.clientId?.value ?? (s.emulator ? s.emulator.demo.cli : AZURE_CLI_CLIENT_ID);
}

/** The public client for user sign-in: the Azure CLI's client id and `organizations` by default. */
export function publicApp(s: Session): PublicClientApplication {
  return new PublicClientApplication(userClientId(s), appOptions(s, userAuthority(s)));
}

/** The confidential client of `token --client-credentials`; client id and a tenant are required. */
export function confidentialApp(s: Session, credential: ClientCredential): ConfidentialClientApplication {
  const clientId = s.settings.clientId?.value ?? (s.emulator ? s.emulator.demo.confidential : undefined);
  if (clientId === undefined)
    throw new UsageError("--client-credentials needs --client-id (or AZURE_CLIENT_ID for workload identity)", "token");
  if (s.settings.authority === undefined && s.settings.tenant === undefined && s.emulator === undefined) {
    throw new UsageError(
      "--client-credentials needs --tenant <tenant> or --authority https://login.microsoftonline.com/<tenant>",
      "token",
    );
  }
  const authority = effectiveAuthority(s.settings, s.emulator?.authority() ?? DEFAULT_AUTHORITY);
  return new ConfidentialClientApplication(clientId, { ...appOptions(s, authority), clientCredential: credential });
}

/**
 * The credential of workload identity: the federated token file, read by the library for each request.
 * Checked here first so that a missing file is a usage error naming the option or variable that named it.
 */
export function federatedCredential(path: string, from: string): ClientCredential {
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch (e) {
    throw new UsageError(`cannot read the federated token file ${path} named by ${from} (${why(e)})`, "token");
  }
  if (!isFile) throw new UsageError(`the federated token file ${path} named by ${from} is not a file`, "token");
  return { federatedTokenFile: path };
}

/** The managed-identity client; under `--emulator` it talks to the emulator's IMDS endpoint. */
export function managedIdentityClient(s: Session, miClientId: string | undefined): ManagedIdentityClient {
  const identity =
    miClientId !== undefined
      ? new UserAssignedManagedIdentity({ clientId: miClientId })
      : new SystemAssignedManagedIdentity();
  return new ManagedIdentityClient(identity, {
    tokenCache: s.tokenCache,
    logger: s.logger,
    env: s.emulator !== undefined ? s.emulator.managedIdentityEnv("imds") : { ...s.env },
  });
}

const KEY_BLOCK = /-----BEGIN ((?:ENCRYPTED |RSA )?PRIVATE KEY)-----[\s\S]+?-----END \1-----/;
const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

/**
 * The credential of `--certificate`: a PEM file holding the private key and its certificate (the SHA-1
 * thumbprint is computed), or else a PKCS#12 (.pfx/.p12) file.
 */
export function certificateCredential(path: string, passphrase: string | undefined): ClientCredential {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (e) {
    throw new UsageError(`cannot read the --certificate file ${path} (${why(e)})`, "token");
  }
  const withPassphrase = passphrase !== undefined ? { passphrase } : {};
  const text = data.toString("latin1");
  if (!text.includes("-----BEGIN ")) return { privateKeyPfxPath: path, ...withPassphrase };
  const key = KEY_BLOCK.exec(text)?.[0];
  const certificate = CERT_BLOCK.exec(text)?.[0];
  if (key === undefined || certificate === undefined) {
    throw new UsageError(
      `the --certificate file ${path} needs both the private key and the certificate (PEM), or use a .pfx file`,
      "token",
    );
  }
  let thumbprint: string;
  try {
    thumbprint = new X509Certificate(certificate).fingerprint.replace(/:/g, "");
  } catch {
    throw new UsageError(`the certificate in ${path} is not a valid X.509 certificate`, "token");
  }
  return { privateKey: key, thumbprint, ...withPassphrase };
}
