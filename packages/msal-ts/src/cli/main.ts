#!/usr/bin/env node
/**
 * The `msal-ts` command: sign in, get tokens, list and remove accounts, with a persistent per-user token
 * cache. `msal-ts --help` documents the options, the cache location and the exit codes.
 *
 * This module runs the command when executed; {@link main} does the work and returns the exit code.
 */
import { homedir } from "node:os";
import { VERSION } from "../index.js";
import { parseCommandLine, secretsOf, type Invocation } from "./args.js";
import { defaultCachePath } from "./cache-path.js";
import { accounts, login, logout, token } from "./commands.js";
import { startEmulatorSession, type EmulatorSession } from "./emulator.js";
import { CancelledError, ExitCode, type ExitCodeValue } from "./exit-codes.js";
import { describeFailure } from "./failures.js";
import { helpText } from "./help.js";
import { Output, type OutputStreams } from "./output.js";
import { openTokenCache, readCaFile, stderrLogger, type Session } from "./session.js";

type Command = Exclude<Invocation, { command: "help" } | { command: "version" }>;

/** The process-level surroundings of a run. */
interface RunEnvironment extends OutputStreams {
  env: Readonly<Record<string, string | undefined>>;
  platform: string;
  home: string;
  /** Aborted on Ctrl+C. */
  signal: AbortSignal;
}

/** Settles like `promise`, or rejects with the signal's reason as soon as it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
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

async function runCommand(inv: Command, out: Output, run: RunEnvironment): Promise<void> {
  const ca = inv.common.ca !== undefined ? readCaFile(inv.common.ca) : undefined;
  const logger = stderrLogger(out);
  const tokenCache = openTokenCache(inv.common.cache ?? defaultCachePath(run.env, run.platform, run.home), logger);
  let starting: Promise<EmulatorSession> | undefined;
  try {
    let emulator: EmulatorSession | undefined;
    if (inv.common.emulator) {
      starting = startEmulatorSession();
      emulator = await untilAborted(starting, run.signal);
    }
    const session: Session = { out, signal: run.signal, common: inv.common, emulator, tokenCache, logger, ca: ca ?? emulator?.caPem };
    await untilAborted(dispatch(session, inv), run.signal);
  } finally {
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
    out.addSecrets(secretsOf(inv));
    if (inv.command === "help") out.text(helpText(inv.topic, VERSION, defaultCachePath(run.env, run.platform, run.home)));
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
  signal: cancel.signal,
});
// Explicit: idle keep-alive connections must not hold the process open.
process.exit(exitCode);
