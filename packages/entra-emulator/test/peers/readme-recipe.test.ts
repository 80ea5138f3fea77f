/**
 * The README's namespace script ("Pointing Microsoft clients at the emulator"), run verbatim as root in a new
 * network and mount namespace: what users copy is what works. `entra-emulator` is this package's command from
 * source (a shim on PATH); `az` and `python3` are Debian's azure-cli and python3-azure.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { DEMO } from "../../src/demo.js";
import { baseEnv, claimsOf, runInNamespace, type NamespaceRun } from "./netns/session.js";

const PACKAGE_DIR = fileURLToPath(new URL("../../", import.meta.url));
const MARKER = "<!-- recipe:namespace -->";
const LIMIT_MS = 240_000;

/** The first ```bash block after the marker. */
function namespaceRecipe(readme: string): string {
  const at = readme.indexOf(MARKER);
  assert.ok(at >= 0, `the README has the ${MARKER} marker`);
  const block = /```bash\n([\s\S]*?)\n```/.exec(readme.slice(at));
  assert.ok(block?.[1], "a bash block follows the marker");
  return `${block[1]}\n`;
}

describe("README: the network-namespace recipe for the Azure CLI and azure-identity", () => {
  let dir: string;
  let run: NamespaceRun;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "entra-recipe-"));
    const script = namespaceRecipe(readFileSync(join(PACKAGE_DIR, "README.md"), "utf8"));
    writeFileSync(join(dir, "entra-namespace.sh"), script);
    const bin = join(dir, "bin");
    const shim = `#!/bin/sh\ncd '${PACKAGE_DIR}' && exec '${process.execPath}' --import tsx src/cli.ts "$@"\n`;
    mkdirSync(bin);
    writeFileSync(join(bin, "entra-emulator"), shim);
    chmodSync(join(bin, "entra-emulator"), 0o755);
    const env = { ...baseEnv(), PATH: `${bin}:/usr/local/bin:/usr/bin:/bin` };
    run = await runInNamespace(["/bin/bash", join(dir, "entra-namespace.sh")], { cwd: dir, env, limitMs: LIMIT_MS, what: "the README recipe" });
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("runs to the end and prints az's login, then four tokens", () => {
    assert.equal(run.code, 0, `exit code ${run.code}\n${run.stderr.slice(-4000)}\n${run.stdout.slice(-2000)}`);
    const accounts = JSON.parse(run.stdout.slice(0, run.stdout.lastIndexOf("]") + 1)) as { tenantId: string; user: unknown }[];
    assert.equal(accounts[0]?.tenantId, DEMO.tenantId);
    assert.deepEqual(accounts[0]?.user, { name: DEMO.confidential, type: "servicePrincipal" });
    const tokens = run.stdout.match(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/gm) ?? [];
    assert.equal(tokens.length, 4, run.stdout);
    const [azArm, azApi, pyApi, miArm] = tokens.map(claimsOf);
    assert.equal(azArm?.aud, "https://management.core.windows.net/");
    assert.equal(azArm?.appid, DEMO.confidential);
    assert.equal(azApi?.aud, DEMO.api);
    assert.equal(pyApi?.aud, DEMO.api);
    assert.equal(pyApi?.azp, DEMO.confidential);
    assert.equal(miArm?.aud, "https://management.azure.com");
    assert.equal(miArm?.tid, DEMO.tenantId);
  });
});
