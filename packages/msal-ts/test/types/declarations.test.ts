/**
 * The published declarations hold no internals: the `.d.ts` files the package's own tsconfig emits (with
 * `stripInternal`) show neither ClientApplication's flow context (`ctx`) nor its constructor's `kind`, nor
 * TokenCache's `lookup` ("for the library's own use"), and no `@internal` member survives anywhere.
 * The declarations are emitted afresh into a temporary folder, so the test never reads a stale `dist/`.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";

const packageDir = fileURLToPath(new URL("../../", import.meta.url));
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const out = mkdtempSync(join(tmpdir(), "msal-ts-dts-"));
after(() => rmSync(out, { recursive: true, force: true }));

/** Every `.d.ts` under `dir`, by path relative to it. */
function declarations(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".d.ts")) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(dir, path).split("\\").join("/"), readFileSync(path, "utf8"));
  }
  return files;
}

/** The body of `class name { ... }` in a declaration file (members only, one level of braces deep). */
function classBody(text: string, name: string): string {
  const start = text.indexOf(`class ${name} `);
  assert.ok(start >= 0, `class ${name} is declared`);
  const open = text.indexOf("{", start);
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) return text.slice(open + 1, i);
  }
  assert.fail(`class ${name} has no closing brace`);
}

/** Member names declared in a class body (`name(`, `name:`, `name?:`, `*name(`), comments removed. */
function memberNames(body: string): Set<string> {
  const code = body.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
  const names = new Set<string>();
  for (const m of code.matchAll(
    /^\s*(?:(?:public|protected|private|readonly|static|abstract|declare)\s+)*\*?\s*([#\w$]+)\??\s*[(:<]/gm,
  ))
    names.add(m[1] ?? "");
  return names;
}

let dts = new Map<string, string>();

describe("the published declarations", () => {
  before(() => {
    const r = spawnSync(
      process.execPath,
      [
        tsc,
        "-p",
        join(packageDir, "tsconfig.json"),
        "--emitDeclarationOnly",
        "--declarationMap",
        "false",
        "--outDir",
        out,
        "--tsBuildInfoFile",
        join(out, ".tsbuildinfo"),
        "--pretty",
        "false",
      ],
      { encoding: "utf8" },
    );
    assert.equal(r.status, 0, `tsc failed:\n${r.stdout}${r.stderr}`);
    dts = declarations(out);
  });

  it("are emitted from the sources that still have the internals (the test is not vacuous)", () => {
    const source = readFileSync(join(packageDir, "src/application/client-application.ts"), "utf8");
    assert.match(source, /protected readonly ctx: FlowContext/);
    assert.match(source, /kind: ApplicationKind/);
    assert.match(readFileSync(join(packageDir, "src/cache/token-cache.ts"), "utf8"), /\*lookup\(/);
    assert.ok(dts.has("index.d.ts") && dts.has("application/client-application.d.ts"), [...dts.keys()].join(", "));
  });

  it("ClientApplication has no ctx, and its constructor no kind", () => {
    const body = classBody(dts.get("application/client-application.d.ts") ?? "", "ClientApplication");
    const members = memberNames(body);
    assert.ok(members.has("acquireTokenSilent") && members.has("tokenCache"), [...members].join(", "));
    assert.ok(!members.has("ctx"), "ctx is declared");
    const constructors = body.match(/constructor\([^)]*\)/g) ?? [];
    assert.deepEqual(constructors, ["constructor(clientId: string, options?: ClientApplicationOptions)"]);
  });

  it("TokenCache and PersistentTokenCache have no lookup", () => {
    const cache = memberNames(classBody(dts.get("cache/token-cache.d.ts") ?? "", "TokenCache"));
    assert.ok(cache.has("search") && cache.has("find"), [...cache].join(", "));
    assert.ok(!cache.has("lookup"), "TokenCache.lookup is declared");
    const persistent = memberNames(
      classBody(dts.get("persistence/persistent-token-cache.d.ts") ?? "", "PersistentTokenCache"),
    );
    assert.ok(!persistent.has("lookup"), "PersistentTokenCache.lookup is declared");
  });

  it("no @internal declaration survives in any file", () => {
    const left = [...dts].filter(([, text]) => text.includes("@internal")).map(([path]) => path);
    assert.deepEqual(left, []);
  });
});
