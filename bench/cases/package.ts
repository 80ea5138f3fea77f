/**
 * Install footprint and cold import time, from packed tarballs installed into empty folders:
 * `package.ts` prints one JSON line per library. msal-ts is packed from this repository (`npm pack`);
 * @azure/msal-node is the same version the other benchmarks use, installed from the registry.
 * Run only by `npm run bench` (it needs the npm registry).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { median } from "../lib/measure.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

function du(path: string): number {
  let total = 0;
  for (const name of readdirSync(path)) {
    const full = join(path, name);
    const st = statSync(full, { throwIfNoEntry: false });
    if (!st) continue;
    total += st.isDirectory() ? du(full) : st.size;
  }
  return total;
}

function packages(nodeModules: string): number {
  let count = 0;
  for (const name of readdirSync(nodeModules)) {
    if (name.startsWith(".")) continue;
    if (name.startsWith("@")) count += readdirSync(join(nodeModules, name)).length;
    else count++;
  }
  return count;
}

function install(spec: string): string {
  const dir = mkdtempSync(join(tmpdir(), "msal-bench-pkg-"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "bench-install", private: true, type: "module" }));
  execFileSync(npm, ["install", "--omit=dev", "--no-audit", "--no-fund", "--ignore-scripts", spec], {
    cwd: dir,
    stdio: "ignore",
  });
  return dir;
}

/** Median wall time of `import(name)` in a fresh Node process, 9 runs. */
function importMs(dir: string, name: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(name)}); console.log(performance.now() - t);`;
  const runs: number[] = [];
  for (let i = 0; i < 9; i++) {
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: dir, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`import ${name} failed: ${r.stderr}`);
    runs.push(Number(r.stdout.trim()));
  }
  return median(runs);
}

const packDir = mkdtempSync(join(tmpdir(), "msal-bench-pack-"));
try {
  execFileSync(npm, ["pack", "-w", "packages/msal-ts", "--pack-destination", packDir], { cwd: root, stdio: "ignore" });
  const tarball = join(packDir, readdirSync(packDir).find((f) => f.endsWith(".tgz")) ?? "");
  const msalNodeVersion = JSON.parse(
    execFileSync(process.execPath, ["-p", "JSON.stringify(require('@azure/msal-node/package.json').version)"], {
      cwd: root,
      encoding: "utf8",
    }),
  ) as string;
  for (const [lib, spec, name] of [
    ["msal-ts", tarball, "msal-ts"],
    ["msal-node", `@azure/msal-node@${msalNodeVersion}`, "@azure/msal-node"],
  ] as const) {
    const dir = install(spec);
    try {
      const nm = join(dir, "node_modules");
      if (!existsSync(nm)) throw new Error("nothing installed");
      process.stdout.write(
        `${JSON.stringify({ lib, installBytes: du(nm), packages: packages(nm), importMs: importMs(dir, name) })}\n`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
} finally {
  rmSync(packDir, { recursive: true, force: true });
}
