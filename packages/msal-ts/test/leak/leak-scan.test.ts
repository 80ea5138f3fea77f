/**
 * Leak scan: the end-to-end suite runs once more with every application logging every line (PII logging
 * off) into one file; then no secret, password, token, authorization code or username may appear in it.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, it } from "node:test";

const pkg = fileURLToPath(new URL("../../", import.meta.url));

function testFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) return name === "cli" ? [] : testFiles(full); // the CLI runs in subprocesses
      return name.endsWith(".test.ts") ? [full] : [];
    });
}

/** What must never be logged: the demo configuration's secrets and passwords, and its users' names. */
const SECRETS = [
  "demo-client-secret",
  "demo-api-secret",
  "alice-password",
  "bob-password",
  "fred-password",
  "not-the-secret",
  "garbage-refresh-token",
];
const USERNAMES = ["alice@contoso.com", "bob@contoso.com", "fred@contoso.com", "carol@contoso.com"];
/** A JWS/JWT (access, ID and refresh tokens of the emulator are JWTs or long random strings). */
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.?[A-Za-z0-9_-]*/;
/** A long opaque token-like string (authorization codes, refresh tokens, device codes). */
const OPAQUE = /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{40,}(?![A-Za-z0-9_-])/;

describe("leak scan of the end-to-end suite's logs", () => {
  const dir = mkdtempSync(join(tmpdir(), "msal-ts-leak-"));
  const log = join(dir, "all.log");
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("no secret, password, token, code or username is logged", { timeout: 600_000 }, async () => {
    const files = testFiles(join(pkg, "test/e2e"));
    // A nested test run must not believe it reports to a parent runner.
    const env: NodeJS.ProcessEnv = { ...process.env, MSAL_TS_LEAK_LOG: log };
    delete env.NODE_TEST_CONTEXT;
    const child = spawn(process.execPath, ["--import", "tsx", "--test", "--test-reporter=dot", ...files], {
      cwd: pkg,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (output += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (output += c));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    assert.equal(code, 0, `the end-to-end suite failed under the leak logger:\n${output.slice(-3000)}`);
    assert.ok(existsSync(log), "the suite logged through the leak logger");
    const lines = readFileSync(log, "utf8")
      .split("\n")
      .filter((l) => l !== "");
    assert.ok(lines.length > 100, `enough log lines to mean something (${lines.length})`);
    assert.ok(
      lines.some((l) => l.startsWith("verbose")) && lines.some((l) => l.startsWith("info")),
      "verbose and info lines were logged",
    );
    const leaks: string[] = [];
    for (const line of lines) {
      if (SECRETS.some((s) => line.includes(s))) leaks.push(`secret: ${line}`);
      if (USERNAMES.some((u) => line.toLowerCase().includes(u))) leaks.push(`username (PII logging off): ${line}`);
      if (JWT.test(line)) leaks.push(`token: ${line}`);
      if (OPAQUE.test(line)) leaks.push(`opaque token-like value: ${line}`);
      if (line.includes("[pii]")) leaks.push(`a PII line although PII logging is off: ${line}`);
    }
    assert.deepEqual(leaks.slice(0, 20), [], `${leaks.length} leaking lines`);
  });
});
