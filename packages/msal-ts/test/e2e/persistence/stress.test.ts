/**
 * The "done" criteria for the file cache, with real processes: 8 writers x 200 tokens into one
 * file lose nothing; a writer killed with SIGKILL mid-write leaves a valid file and a lock that the next
 * process recovers. Durations are reported as diagnostics, never asserted.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, afterEach, beforeEach, describe, it } from "node:test";
import { SerializableTokenCache } from "../../../src/index.ts";
import { PersistentTokenCache } from "../../../src/persistence/persistent-token-cache.ts";

const WRITER = fileURLToPath(new URL("./writer.ts", import.meta.url));
const running = new Set<ChildProcess>();

interface Writer {
  child: ChildProcess;
  /** Tokens the writer reported as written (each is in the file). */
  written(): number;
  /** Resolves once at least `n` tokens are written. */
  reached(n: number): Promise<void>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

function startWriter(
  path: string,
  id: string,
  count: number | "forever",
  staleLockMs: number,
  lockTimeoutMs: number,
): Writer {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", WRITER, path, id, String(count), String(staleLockMs), String(lockTimeoutMs)],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  running.add(child);
  let written = 0;
  let stderr = "";
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  let pending = "";
  child.stdout?.on("data", (d: Buffer) => {
    pending += d.toString();
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      const m = /^wrote (\d+)$/.exec(line);
      if (m) written = Number(m[1]);
    }
    for (const w of waiters.filter((w) => written >= w.n)) w.resolve();
  });
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.once("exit", (code, signal) => {
      running.delete(child);
      for (const w of waiters) w.resolve(); // the caller then checks written()
      resolve({ code, signal, stderr });
    }),
  );
  return {
    child,
    written: () => written,
    reached: (n) => new Promise((resolve) => (written >= n ? resolve() : waiters.push({ n, resolve }))),
    exit,
  };
}

/** Parses the file as MSAL JSON and returns the access-token secrets, failing if it does not parse. */
function secretsIn(file: string): Set<string> {
  const text = readFileSync(file, "utf8");
  const parsed = JSON.parse(text) as { AccessToken?: Record<string, { secret: string }> };
  const check = new SerializableTokenCache();
  check.deserialize(text);
  const secrets = new Set(Object.values(parsed.AccessToken ?? {}).map((e) => e.secret));
  assert.equal(check.count("AccessToken"), secrets.size);
  return secrets;
}

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "msal-ts-stress-"));
  file = join(dir, "msal.json");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));
after(() => {
  for (const child of running) child.kill("SIGKILL");
});

describe("file cache under concurrent processes", () => {
  it(
    "8 processes x 200 distinct tokens into one file: all 1,600 present, file parses",
    { timeout: 600_000 },
    async (t) => {
      const started = Date.now();
      // Generous lock timeout: a writer may wait behind 7 busy ones; the test measures loss, not speed.
      const writers = Array.from({ length: 8 }, (_, w) => startWriter(file, String(w), 200, 30_000, 300_000));
      const results = await Promise.all(writers.map((w) => w.exit));
      for (const r of results) assert.deepEqual([r.code, r.signal, r.stderr], [0, null, ""]);
      const secrets = secretsIn(file);
      assert.equal(secrets.size, 1600);
      for (let w = 0; w < 8; w++) for (let i = 0; i < 200; i++) assert.ok(secrets.has(`at-${w}-${i}`), `at-${w}-${i}`);
      assert.deepEqual(readdirSync(dir), ["msal.json"], "no lock or temporary file left");
      t.diagnostic(`8 x 200 writes took ${Date.now() - started} ms`);
    },
  );

  it(
    "a writer killed with SIGKILL mid-write leaves a valid file; the next process recovers its lock",
    { timeout: 300_000 },
    async (t) => {
      const staleLockMs = 1_000;
      // The recovering write must get the lock well within this bound, or it throws cache_locked.
      const lockTimeoutMs = staleLockMs + 20_000;
      let killedHoldingLock = 0;
      const expected = new Set<string>();
      for (let round = 0; round < 4; round++) {
        const writer = startWriter(file, `k${round}`, "forever", staleLockMs, lockTimeoutMs);
        // Let the file grow, so that each write takes a while and the kill most likely lands inside one.
        await writer.reached(40 + round * 25);
        writer.child.kill("SIGKILL");
        const r = await writer.exit;
        assert.equal(r.signal, "SIGKILL", r.stderr);
        for (let i = 0; i < writer.written(); i++) expected.add(`at-k${round}-${i}`);

        const secrets = secretsIn(file); // parses: the kill never leaves a partial file
        for (const s of expected) assert.ok(secrets.has(s), `${s} was reported written`);
        if (existsSync(`${file}.lock`)) killedHoldingLock++;

        const start = Date.now();
        const next = new PersistentTokenCache({ protection: "plaintext", path: file, staleLockMs, lockTimeoutMs });
        next.add({
          client_id: "stress-app",
          scope: [`api://next/${round}`],
          token_endpoint: "https://login.microsoftonline.com/next/oauth2/v2.0/token",
          response: { access_token: `next-${round}`, expires_in: 3600 },
        });
        expected.add(`next-${round}`);
        t.diagnostic(
          `round ${round}: killed after ${writer.written()} writes; next write done in ${Date.now() - start} ms`,
        );
        const after = secretsIn(file);
        for (const s of expected) assert.ok(after.has(s), `${s} survived the recovery`);
        // At most one token per killed writer may be in the file unreported (killed after its rename).
        assert.ok(after.size <= expected.size + round + 1);
        assert.deepEqual(
          readdirSync(dir).filter((n) => n !== "msal.json"),
          [],
          "the dead writer's lock and temporary file are cleaned up",
        );
      }
      t.diagnostic(`${killedHoldingLock} of 4 kills landed while the writer held the lock`);
    },
  );
});
