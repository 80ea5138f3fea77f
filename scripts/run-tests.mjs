#!/usr/bin/env node
// Runs every *.test.ts under the given folders (or the given files) with Node's test runner through tsx.
// (Node 20's `--test` does not expand globs itself.)
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...collect(full));
    else if (name.endsWith(".test.ts")) out.push(full);
  }
  return out;
}

const roots = process.argv.slice(2);
// A root may be a folder (searched recursively) or a single test file.
const files = roots.flatMap((r) => (statSync(r).isDirectory() ? collect(r) : [r]));
if (files.length === 0) {
  console.error(`no test files under ${roots.join(", ")}`);
  process.exit(1);
}
// The tests talk to servers on 127.0.0.1, and msal-ts reads its proxy from the environment (as curl does): a
// developer's https_proxy must not route them elsewhere. The proxy tests set the variables they test.
const env = { ...process.env };
for (const name of Object.keys(env)) {
  if (/^(https?|all|no)_proxy$/i.test(name)) delete env[name];
}
const result = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-reporter=spec", ...files], {
  stdio: "inherit",
  env,
});
process.exit(result.status ?? 1);
