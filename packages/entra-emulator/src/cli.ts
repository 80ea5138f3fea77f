#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { EmulatorConfigError } from "./config.js";
import { startEmulator, type Emulator } from "./emulator.js";
import { MANAGED_IDENTITY_SOURCES } from "./routes/managed-identity/index.js";

const USAGE = `Usage: entra-emulator [--config FILE] [--port N] [--http-port N] [--ca-out FILE]
                      [--host-name NAME] [--extra-host-name NAME]... [--listen ADDR] [--mi-listen ADDR]
                      [--control-token-file FILE] [--raw-request-log]

Starts an emulated Microsoft Entra ID on https://localhost (127.0.0.1 unless --listen) and prints one JSON line:
{"url": ..., "miUrl": ..., "caPath": ..., "authority": ..., "managedIdentity": {"imds": {...}, ...}}, where
"managedIdentity" holds, per source, the environment variables (endpoints and header secrets) that point a
managed-identity client at this run. Runs until SIGTERM or SIGINT.

  --config FILE    JSON configuration (tenants, apps, users); default: the bundled demo configuration
  --port N         HTTPS port (default 0: chosen by the OS; 443 needs privileges)
  --http-port N    plain-HTTP port of the managed-identity endpoints (default 0)
  --ca-out FILE    also write the emulator's CA certificate (PEM) to FILE
  --host-name NAME canonical HTTPS host name for url, issuers and the certificate (default localhost)
  --extra-host-name NAME
                   another name in the server certificate, answered as the emulator's own (repeatable)
  --listen ADDR    HTTPS bind address (default 127.0.0.1)
  --mi-listen ADDR managed-identity (HTTP) bind address (default 127.0.0.1)
  --control-token-file FILE
                   require "Authorization: Bearer <token>" on the control API (/_emulator/*), the token being
                   FILE's content without surrounding white space; default: the environment variable
                   ENTRA_EMULATOR_CONTROL_TOKEN, if set
  --raw-request-log
                   keep secrets, codes and tokens in clear in the request log (default: masked)
  --help           show this help`;

function port(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new EmulatorConfigError(`${name} must be a port number (0-65535)`);
  return n;
}

/** The control token: the file's content (trimmed), else `ENTRA_EMULATOR_CONTROL_TOKEN`, else none. */
function controlTokenFrom(file: string | undefined): { controlToken?: string } {
  let token = process.env.ENTRA_EMULATOR_CONTROL_TOKEN;
  if (file !== undefined) {
    try {
      token = readFileSync(file, "utf8").trim();
    } catch (e) {
      throw new EmulatorConfigError(`--control-token-file: cannot read ${file}: ${(e as Error).message}`);
    }
    if (token === "") throw new EmulatorConfigError(`--control-token-file: ${file} is empty`);
  }
  return token === undefined || token === "" ? {} : { controlToken: token };
}

/** The line printed once listening: URLs, the CA file, the default authority, every managed-identity environment. */
function startLine(emulator: Emulator): Record<string, unknown> {
  const managedIdentity = Object.fromEntries(
    MANAGED_IDENTITY_SOURCES.map((source) => [source, emulator.managedIdentityEnv(source)]),
  );
  const { url, miUrl, caPath } = emulator;
  return { url, miUrl, caPath, authority: emulator.authority(), managedIdentity };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: "string" },
      port: { type: "string" },
      "http-port": { type: "string" },
      "ca-out": { type: "string" },
      "host-name": { type: "string" },
      "extra-host-name": { type: "string", multiple: true },
      listen: { type: "string" },
      "mi-listen": { type: "string" },
      "control-token-file": { type: "string" },
      "raw-request-log": { type: "boolean" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const httpsPort = port(values.port, "--port");
  const httpPort = port(values["http-port"], "--http-port");
  const emulator = await startEmulator({
    ...(values.config !== undefined ? { config: values.config } : {}),
    ...(httpsPort !== undefined ? { port: httpsPort } : {}),
    ...(httpPort !== undefined ? { httpPort } : {}),
    ...(values["ca-out"] !== undefined ? { caPath: values["ca-out"] } : {}),
    ...(values["host-name"] !== undefined ? { hostName: values["host-name"] } : {}),
    ...(values["extra-host-name"] !== undefined ? { extraHostNames: values["extra-host-name"] } : {}),
    ...(values.listen !== undefined ? { listenAddress: values.listen } : {}),
    ...(values["mi-listen"] !== undefined ? { miListenAddress: values["mi-listen"] } : {}),
    ...controlTokenFrom(values["control-token-file"]),
    ...(values["raw-request-log"] === true ? { rawRequestLog: true } : {}),
  });
  process.stdout.write(`${JSON.stringify(startLine(emulator))}\n`);
  const stop = (): void => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main().catch((e: unknown) => {
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`entra-emulator: ${message}\n`);
  process.exit(e instanceof EmulatorConfigError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") ? 2 : 1);
});
