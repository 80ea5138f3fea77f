/**
 * The npm packages as a user gets them: `npm pack` of msal-ts and entra-emulator holds exactly what is meant
 * to ship, and the tarballs installed into an empty project give a working `npx msal-ts`, `npx
 * entra-emulator`, an importable library and type declarations that compile.
 *
 * Packs the current build (run `npm run build` after changing sources). The installation resolves the
 * packages' dependencies from npm's cache first (filled by the repository's own `npm install`/`npm ci`).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../../../", import.meta.url));
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment without the npm_* variables of the `npm test` running us (workspace flags and the like). */
function cleanEnv(): NodeJS.ProcessEnv {
  const keep = new Set(["npm_config_cache", "npm_config_registry", "npm_config_userconfig"]);
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || keep.has(k.toLowerCase())),
  );
}

function run(command: string, args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"], timeout: 180_000 });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

async function ok(command: string, args: readonly string[], cwd: string): Promise<Run> {
  const r = await run(command, args, cwd);
  assert.equal(r.code, 0, `${command} ${args.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** Packs a workspace without running its scripts (a build here would race with the other test files). */
async function pack(workspace: string, into: string): Promise<{ filename: string; files: string[] }> {
  const r = await ok("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", into, "-w", workspace], ROOT);
  const [info] = JSON.parse(r.stdout) as { filename: string; files: { path: string }[] }[];
  assert.ok(info, r.stdout);
  return { filename: join(into, info.filename), files: info.files.map((f) => f.path).sort() };
}

describe("npm packages", () => {
  let dir: string;
  let project: string;
  let msal: { filename: string; files: string[] };
  let emulator: { filename: string; files: string[] };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "msal-ts-pack-"));
    msal = await pack("packages/msal-ts", dir);
    emulator = await pack("packages/entra-emulator", dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("msal-ts ships the bundle, its map, the CLI, the declarations, README and LICENSE, nothing else", () => {
    const shipped = [
      "LICENSE",
      "README.md",
      "bin/msal-ts.js",
      "dist/cli.js",
      "dist/msal-ts.js",
      "dist/msal-ts.js.map",
      "package.json",
    ];
    for (const f of shipped) assert.ok(msal.files.includes(f), `${f} is missing`);
    assert.ok(msal.files.includes("dist/index.d.ts"));
    const others = msal.files.filter((f) => !shipped.includes(f));
    assert.deepEqual(
      others.filter((f) => !f.endsWith(".d.ts") || f.startsWith("dist/cli/")),
      [],
    );
  });

  it("entra-emulator ships its compiled modules, declarations, configuration, README and LICENSE, no maps", () => {
    for (const f of [
      "LICENSE",
      "README.md",
      "bin/entra-emulator.js",
      "config/default.json",
      "dist/cli.js",
      "dist/index.js",
      "dist/index.d.ts",
      "package.json",
    ]) {
      assert.ok(emulator.files.includes(f), `${f} is missing`);
    }
    const known =
      /^(LICENSE|README\.md|package\.json|bin\/entra-emulator\.js|config\/default\.json|dist\/.+\.(js|d\.ts))$/;
    assert.deepEqual(
      emulator.files.filter((f) => !known.test(f)),
      [],
    );
  });

  describe("installed into an empty project", () => {
    before(async () => {
      project = join(dir, "project");
      mkdirSync(project);
      writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
      await ok(
        "npm",
        ["install", "--prefer-offline", "--no-audit", "--no-fund", msal.filename, emulator.filename],
        project,
      );
    });

    it("npx msal-ts --help and npx entra-emulator --help work", async () => {
      assert.match(
        (await ok("npx", ["--no-install", "msal-ts", "--help"], project)).stdout,
        /^Usage: msal-ts <command>/,
      );
      assert.match(
        (await ok("npx", ["--no-install", "entra-emulator", "--help"], project)).stdout,
        /^Usage: entra-emulator/,
      );
    });

    it("the library imports, and the command gets a token from the installed emulator", async () => {
      const script =
        'import * as m from "msal-ts"; console.log(m.VERSION, typeof m.ConfidentialClientApplication, typeof m.MsalError);';
      assert.equal(
        (await ok(process.execPath, ["--input-type=module", "-e", script], project)).stdout.trim(),
        "0.1.0 function function",
      );
      const token = await ok(
        "npx",
        [
          "--no-install",
          "msal-ts",
          "token",
          "--emulator",
          "--client-credentials",
          "--secret",
          "demo-client-secret",
          "--scope",
          "api://contoso-orders/.default",
          "--cache",
          join(dir, "cache.json"),
          "--json",
        ],
        project,
      );
      const result = JSON.parse(token.stdout) as { token_type?: unknown; token_source?: unknown };
      assert.equal(result.token_type, "Bearer");
      assert.equal(result.token_source, "identity_provider");
    });

    it("the type declarations compile in a strict consumer", async () => {
      writeFileSync(
        join(project, "main.ts"),
        [
          'import { ConfidentialClientApplication, type TokenResult } from "msal-ts";',
          'const app = new ConfidentialClientApplication("id", { clientCredential: "secret", authority: "https://login.microsoftonline.com/contoso.onmicrosoft.com" });',
          'const r: TokenResult = await app.acquireTokenForClient(["api://x/.default"]);',
          'export const out: string = "error" in r ? String(r.error) : r.access_token;',
          "",
        ].join("\n"),
      );
      const tsconfig = {
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: "es2022",
          module: "nodenext",
          moduleResolution: "nodenext",
          skipLibCheck: false,
          typeRoots: [join(ROOT, "node_modules", "@types")],
          types: ["node"],
        },
        files: ["main.ts"],
      };
      writeFileSync(join(project, "tsconfig.json"), JSON.stringify(tsconfig));
      await ok(process.execPath, [TSC, "-p", "tsconfig.json"], project);
    });
  });
});
