#!/usr/bin/env node
/**
 * The `msal-ts` command: sign in, get tokens, list and remove accounts, with a persistent per-user token
 * cache. `msal-ts --help` documents the options, the cache location and the exit codes.
 *
 * This module runs the command when executed; {@link main} does the work and returns the exit code.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, dirname } from "node:path";
import { VERSION } from "../index.js";
import { untilAborted } from "../util/abort.js";
import { parseCommandLine, secretInputsOf, type Invocation } from "./args.js";
import { defaultCachePath } from "./cache-path.js";
import { accounts, login, logout, token } from "./commands.js";
import {
  ENV,
  defaultConfigPath,
  envDefaults,
  flagDefaults,
  mergeDefaults,
  readConfigFile,
  workloadIdentityDefaults,
  type Defaults,
  type SettingSource,
} from "./config.js";
import { startEmulatorSession, type EmulatorSession } from "./emulator.js";
import { CancelledError, ExitCode, type ExitCodeValue } from "./exit-codes.js";
import { describeFailure } from "./failures.js";
import { helpText } from "./help.js";
import { Output, type OutputStreams } from "./output.js";
import { processStdin, readSecrets, type SecretStdin } from "./secrets.js";
import { openTokenCache, readCaFile, stderrLogger, type Session } from "./session.js";
import { PersistedHttpCache, httpCachePathFor, plaintextWarningFilter } from "./state-files.js";

type Command = Exclude<Invocation, { command: "help" } | { command: "version" }>;

/** The process-level surroundings of a run. */
interface RunEnvironment extends OutputStreams {
  env: Readonly<Record<string, string | undefined>>;
  platform: string;
  home: string;
  /** Where `--secret -` and `--passphrase -` read from. */
  stdin: SecretStdin;
  /** Aborted on Ctrl+C. */
  signal: AbortSignal;
}

function dispatch(session: Session, inv: Command): Promise<void> {
  switch (inv.command) {
    case "login":
      return login(session, inv);
    case "token":
      return token(session, inv);
    case "accounts":
      return accounts(session);
    case "logout":
      return logout(session, inv);
  }
}

/** A file's text, or null when it does not exist. */
function readTextOrNull(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    if ((e as { code?: unknown })?.code === "ENOENT") return null;
    throw e;
  }
}

/**
 * The settings of this run: flags over environment over config file. Under `--emulator` only flags choose
 * the authority, client id, CA, tenant and cache (a real tenant's defaults must not point the demo at it).
 */
function settingsOf(inv: Command, run: RunEnvironment): Defaults {
  const common = inv.common;
  const configPath = common.config ?? defaultConfigPath(run.env, run.platform, run.home);
  // Workload identity: the platform's AZURE_* variables fill in what the MSAL_TS_* ones leave unset.
  const federated = inv.command === "token" && inv.source.kind === "client-federated";
  const fromEnv = federated
    ? mergeDefaults(envDefaults(run.env), workloadIdentityDefaults(run.env))
    : envDefaults(run.env);
  const weak = mergeDefaults(fromEnv, readConfigFile(configPath, common.config !== undefined, readTextOrNull));
  const flags = flagDefaults(common);
  if (common.emulator)
    return {
      ...flags,
      ...(weak.allowPlaintextCache !== undefined ? { allowPlaintextCache: weak.allowPlaintextCache } : {}),
    };
  return mergeDefaults(flags, weak);
}

const CA_ORIGIN: Record<SettingSource, string> = { flag: "--ca", env: ENV.ca, file: "config file's ca" };

/** The token cache of `--emulator` when no --cache is given: never the user's own cache file. */
function emulatorCachePath(defaultCache: string): string {
  return join(dirname(defaultCache), "emulator-token-cache.json");
}

async function runCommand(inv: Command, out: Output, run: RunEnvironment): Promise<void> {
  const settings = settingsOf(inv, run);
  const ca = settings.ca !== undefined ? readCaFile(settings.ca.value, CA_ORIGIN[settings.ca.source]) : undefined;
  const defaultCache = defaultCachePath(run.env, run.platform, run.home);
  const cachePath = settings.cache?.value ?? (inv.common.emulator ? emulatorCachePath(defaultCache) : defaultCache);
  if (inv.common.emulator)
    out.note(
      `--emulator: a new emulator runs for this command only and stops with it; its tokens are kept in ${cachePath}`,
    );
  const logger = stderrLogger(out, plaintextWarningFilter(cachePath, settings.allowPlaintextCache?.value === true));
  const secrets = await untilAborted(
    readSecrets(secretInputsOf(inv), { stdin: () => run.stdin, warn: (text) => out.warn(text) }),
    run.signal,
  );
  out.addSecrets(secrets);
  const tokenCache = openTokenCache(cachePath, logger);
  // The emulator's discovery is not kept: its port and certificate change with every run.
  const httpCache = new PersistedHttpCache(inv.common.emulator ? undefined : httpCachePathFor(cachePath), logger);
  let starting: Promise<EmulatorSession> | undefined;
  try {
    let emulator: EmulatorSession | undefined;
    if (inv.common.emulator) {
      starting = startEmulatorSession();
      emulator = await untilAborted(starting, run.signal);
    }
    const session: Session = {
      out,
      signal: run.signal,
      common: inv.common,
      settings,
      emulator,
      tokenCache,
      httpCache: httpCache.store,
      logger,
      secrets,
      ca: ca ?? emulator?.caPem,
      env: run.env,
    };
    await untilAborted(dispatch(session, inv), run.signal);
  } finally {
    httpCache.save();
    // Also when cancelled while it was starting: its listeners and temporary files must not outlive the run.
    const emulator = await starting?.catch(() => undefined);
    await emulator?.close();
  }
}

/**
 * Runs one command line and returns the exit code. Writes results to `run.stdout`, everything else to
 * `run.stderr`, and flushes both before returning.
 */
async function main(argv: readonly string[], run: RunEnvironment): Promise<ExitCodeValue> {
  const out = new Output(run);
  let code: ExitCodeValue = ExitCode.OK;
  try {
    const inv = parseCommandLine(argv, run.env);
    // Values typed on the command line or set in the environment are redacted from every message at once.
    out.addSecrets(secretInputsOf(inv).flatMap((input) => ("value" in input ? [input.value] : [])));
    if (inv.command === "help")
      out.text(helpText(inv.topic, VERSION, defaultCachePath(run.env, run.platform, run.home)));
    else if (inv.command === "version") out.result(VERSION);
    else await runCommand(inv, out, run);
  } catch (e) {
    const failure = describeFailure(e);
    out.error(failure.message);
    code = failure.exitCode;
  }
  await out.flush();
  return code;
}

// A reader that went away (`msal-ts accounts | head -0`: EPIPE) must not crash the run; output is dropped.
process.stdout.on("error", () => undefined);
process.stderr.on("error", () => undefined);
const cancel = new AbortController();
// The first Ctrl+C cancels (the run cleans up and exits 130); a second one exits at once.
process.on("SIGINT", () => {
  if (cancel.signal.aborted) process.exit(ExitCode.CANCELLED);
  cancel.abort(new CancelledError());
});
const exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  platform: process.platform,
  home: homedir(),
  // A getter: touching process.stdin sets up a stream (and loads tty/net), which a cache hit does not need.
  get stdin() {
    return processStdin(process.stdin, process.stderr);
  },
  signal: cancel.signal,
});
// Explicit: idle keep-alive connections must not hold the process open.
process.exit(exitCode);
