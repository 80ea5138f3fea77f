/** The examples under examples/ run against the emulator (`--emulator`) and succeed. */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";

const root = fileURLToPath(new URL("../../../../", import.meta.url));

function run(example: string, ...args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", `examples/${example}`, "--emulator", ...args], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 60_000,
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (out += c));
    child.on("close", (code) => resolve({ code, out }));
  });
}

describe("examples", () => {
  for (const [example, args, expected] of [
    ["device-code.ts", [], /Signed in as alice@contoso\.com[\s\S]*answered from the cache/],
    ["interactive-login.ts", [], /Signed in as alice@contoso\.com/],
    ["client-credentials.ts", [], /Token from the identity_provider[\s\S]*Token from the cache/],
    ["workload-identity.ts", [], /Token from the identity_provider[\s\S]*Token from the cache/],
    ["managed-identity.ts", [], /from the identity_provider[\s\S]*from the cache/],
    // Azure Arc's challenge key file must lie in the folder the client trusts (the emulator's, here).
    ["managed-identity.ts", ["azure_arc"], /from the identity_provider[\s\S]*from the cache/],
  ] as const) {
    it(`${[example, "--emulator", ...args].join(" ")}`, async () => {
      const { code, out } = await run(example, ...args);
      assert.equal(code, 0, out);
      assert.match(out, expected);
      assert.ok(!/eyJ[A-Za-z0-9_-]{20,}/.test(out), "no token is printed");
    });
  }
});
