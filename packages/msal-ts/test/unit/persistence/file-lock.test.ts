/**
 * FileLock: exclusive creation, waiting for a live holder (another process), stale-lock recovery (dead
 * pid, age, unreadable content) and the timeout error.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, afterEach, beforeEach, describe, it } from "node:test";
import { MsalError } from "../../../src/errors.ts";
import { FileLock } from "../../../src/persistence/file-lock.ts";
import { LogSink, type LogLevel } from "../../../src/runtime/logger.ts";

const HOLDER = fileURLToPath(new URL("./lock-holder.ts", import.meta.url));
const children = new Set<ChildProcess>();

/** Starts a child that takes the lock; resolves once it holds it. */
function startHolder(lockPath: string, holdMs: number, markerPath: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", HOLDER, lockPath, String(holdMs), markerPath], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("locked")) resolve(child);
    });
    child.once("exit", (code) => reject(new Error(`lock holder exited (${code}) before taking the lock`)));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((r) => child.once("exit", () => r()));
}

/** A pid that is certainly not running: a child that has exited and been reaped. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await exited(child);
  assert.ok(child.pid);
  return child.pid;
}

function recorder(): { sink: LogSink; lines: Array<[LogLevel, string]> } {
  const lines: Array<[LogLevel, string]> = [];
  return { sink: new LogSink({ log: (level, message) => lines.push([level, message]) }), lines };
}

let dir: string;
let lockPath: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "msal-ts-lock-"));
  lockPath = join(dir, "cache.json.lock");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));
after(() => {
  for (const child of children) child.kill("SIGKILL");
});

describe("FileLock", () => {
  it("creates <file>.lock (0600) holding pid, host and time, and removes it on release", () => {
    const lock = new FileLock(lockPath);
    lock.acquire();
    assert.equal(lock.held, true);
    const owner = JSON.parse(readFileSync(lockPath, "utf8")) as Record<string, unknown>;
    assert.equal(owner.pid, process.pid);
    assert.equal(owner.host, hostname());
    assert.equal(typeof owner.time, "number");
    if (process.platform !== "win32") assert.equal(statSync(lockPath).mode & 0o777, 0o600);
    lock.release();
    assert.equal(lock.held, false);
    assert.equal(existsSync(lockPath), false);
    lock.acquire(); // free again
    lock.release();
  });

  it("creates a missing parent directory", () => {
    const nested = new FileLock(join(dir, "a", "b", "cache.json.lock"));
    nested.acquire();
    nested.release();
    if (process.platform !== "win32") assert.equal(statSync(join(dir, "a", "b")).mode & 0o777, 0o700);
  });

  it("is not re-entrant", () => {
    const lock = new FileLock(lockPath);
    lock.acquire();
    assert.throws(() => lock.acquire(), /not re-entrant/);
    lock.release();
  });

  it("a second acquirer waits while another process holds the lock and gets it after release", async () => {
    const marker = join(dir, "released");
    const holder = await startHolder(lockPath, 500, marker);
    const lock = new FileLock(lockPath, { timeoutMs: 30_000 });
    lock.acquire(); // blocks until the holder releases
    // The holder writes the marker just before it releases: we cannot have the lock without it.
    assert.equal(existsSync(marker), true);
    assert.equal((JSON.parse(readFileSync(lockPath, "utf8")) as { pid: number }).pid, process.pid);
    lock.release();
    await exited(holder);
    assert.equal(holder.exitCode, 0);
  });

  it("recovers at once the lock of a holder killed with SIGKILL (pid dead), long before the age bound", async () => {
    const holder = await startHolder(lockPath, 60_000, join(dir, "never"));
    holder.kill("SIGKILL");
    await exited(holder);
    assert.equal(existsSync(lockPath), true);
    const { sink, lines } = recorder();
    // staleMs far above timeoutMs: only the dead-pid check can let this acquire succeed.
    const lock = new FileLock(lockPath, { timeoutMs: 10_000, staleMs: 600_000, logger: sink });
    lock.acquire();
    assert.equal(lock.recoveredDeadPid, holder.pid);
    assert.ok(lines.some(([level, m]) => level === "warning" && m.includes(`pid ${holder.pid}`)));
    lock.release();
    assert.deepEqual(readdirSync(dir), [], "no lock file and no renamed-aside copy is left");
  });

  it("recovers a dead pid's lock written by hand", async () => {
    const pid = await deadPid();
    writeFileSync(lockPath, JSON.stringify({ pid, host: hostname(), time: Date.now(), nonce: "n" }));
    const lock = new FileLock(lockPath, { timeoutMs: 10_000, staleMs: 600_000 });
    lock.acquire();
    assert.equal(lock.recoveredDeadPid, pid);
    lock.release();
  });

  it("does not judge a pid of another host dead, but recovers its lock once older than staleMs", async () => {
    const pid = await deadPid();
    writeFileSync(lockPath, JSON.stringify({ pid, host: `not-${hostname()}`, time: Date.now(), nonce: "n" }));
    assert.throws(() => new FileLock(lockPath, { timeoutMs: 50, staleMs: 600_000 }).acquire(), /locked by pid/);
    writeFileSync(lockPath, JSON.stringify({ pid, host: `not-${hostname()}`, time: Date.now() - 120_000, nonce: "n" }));
    const lock = new FileLock(lockPath, { timeoutMs: 10_000, staleMs: 60_000 });
    lock.acquire();
    assert.equal(lock.recoveredDeadPid, undefined);
    lock.release();
  });

  it("recovers a lock of a live pid that is older than staleMs", () => {
    // Our own pid is alive; a different nonce makes it another holder (another instance or thread).
    writeFileSync(
      lockPath,
      JSON.stringify({ pid: process.pid, host: hostname(), time: Date.now() - 5_000, nonce: "other" }),
    );
    const lock = new FileLock(lockPath, { timeoutMs: 10_000, staleMs: 1_000 });
    lock.acquire();
    assert.equal(lock.recoveredDeadPid, undefined);
    lock.release();
  });

  it("ages an unreadable (empty) lock by its mtime", () => {
    writeFileSync(lockPath, "");
    assert.throws(
      () => new FileLock(lockPath, { timeoutMs: 50, staleMs: 60_000 }).acquire(),
      /locked by an unknown process/,
    );
    const old = new Date(Date.now() - 120_000);
    utimesSync(lockPath, old, old);
    const lock = new FileLock(lockPath, { timeoutMs: 10_000, staleMs: 60_000 });
    lock.acquire();
    lock.release();
  });

  it("times out with a clear MsalError naming the holder's pid", () => {
    writeFileSync(lockPath, JSON.stringify({ pid: process.pid, host: hostname(), time: Date.now(), nonce: "other" }));
    const lock = new FileLock(lockPath, { timeoutMs: 100, staleMs: 600_000 });
    assert.throws(
      () => lock.acquire(),
      (e: unknown) =>
        e instanceof MsalError &&
        e.code === "cache_locked" &&
        e.message.includes(`locked by pid ${process.pid}`) &&
        e.message.includes(lockPath),
    );
    assert.equal(lock.held, false);
    assert.equal(JSON.parse(readFileSync(lockPath, "utf8")).nonce, "other", "the live holder's lock is untouched");
  });

  it("release leaves a lock that is no longer ours, with a warning", () => {
    const { sink, lines } = recorder();
    const lock = new FileLock(lockPath, { logger: sink });
    lock.acquire();
    writeFileSync(
      lockPath,
      JSON.stringify({ pid: process.pid, host: hostname(), time: Date.now(), nonce: "someone-else" }),
    );
    lock.release();
    assert.equal(existsSync(lockPath), true);
    assert.ok(lines.some(([level, m]) => level === "warning" && m.includes("taken over")));
  });
});
