/**
 * scripts/ensure-system-packages.ts, the first step of `npm test`: the Debian packages the tests use are
 * installed by root with apt-get, and anyone else is stopped at once with the command to run.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  ensureSystemPackages,
  installCommand,
  missingPackages,
  SYSTEM_PACKAGES,
  type System,
} from "../../../../scripts/ensure-system-packages.ts";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const SCRIPT = join(ROOT, "scripts", "ensure-system-packages.ts");

/** A machine where `installed` packages are present, and apt-get (when there is one) installs `installable`. */
function fakeSystem(o: {
  root: boolean;
  aptGet: boolean;
  installed: string[];
  installable?: string[];
  aptFails?: boolean;
}) {
  const installed = new Set(o.installed);
  const calls: { command: string; args: readonly string[]; env: Record<string, string> | undefined }[] = [];
  const lines: string[] = [];
  const system: System = {
    isRoot: o.root,
    dpkgInstalled: (name) => installed.has(name),
    isExecutable: (path) => path === "/usr/bin/chromium" && installed.has("chromium"),
    onPath: (name) => (name === "apt-get" ? o.aptGet : name === "redis-server" && installed.has("redis-server")),
    run(command, args, env) {
      if (command === "/usr/bin/python3") {
        const module = args.at(-1) === "import azure.identity" ? "python3-azure" : "python3-msal";
        return installed.has(module) ? 0 : 1;
      }
      if (command === "/usr/bin/tinyproxy") return installed.has("tinyproxy") ? 0 : 1;
      if (command === "/usr/bin/az")
        return installed.has("azure-cli") && env?.AZURE_CORE_COLLECT_TELEMETRY === "false" ? 0 : 1;
      calls.push({ command, args, env });
      if (o.aptFails) return 100;
      if (command === "apt-get" && args[0] === "install")
        for (const name of o.installable ?? args.slice(4)) installed.add(name);
      return 0;
    },
    log: (line) => lines.push(line),
  };
  return { system, calls, lines };
}

const ALL = ["chromium", "redis-server", "python3-msal", "azure-cli", "python3-azure", "tinyproxy"];

describe("ensure-system-packages", () => {
  it("lists chromium, redis-server, python3-msal, azure-cli, python3-azure and tinyproxy, probing what the tests use", () => {
    assert.deepEqual(
      SYSTEM_PACKAGES.map((p) => [p.name, p.probe]),
      [
        ["chromium", { file: "/usr/bin/chromium" }],
        ["redis-server", { command: "redis-server" }],
        ["python3-msal", { run: ["/usr/bin/python3", "-c", "import msal"] }],
        [
          "azure-cli",
          {
            run: ["/usr/bin/az", "version", "--output", "none"],
            env: { AZURE_CORE_COLLECT_TELEMETRY: "false", AZURE_CORE_SURVEY_MESSAGE: "false" },
          },
        ],
        ["python3-azure", { run: ["/usr/bin/python3", "-c", "import azure.identity"] }],
        ["tinyproxy", { run: ["/usr/bin/tinyproxy", "-v"] }],
      ],
    );
  });

  it("does nothing when everything is present", () => {
    const { system, calls, lines } = fakeSystem({ root: true, aptGet: true, installed: ALL });
    assert.equal(ensureSystemPackages(system), 0);
    assert.deepEqual(calls, []);
    assert.deepEqual(lines, []);
  });

  it("a package dpkg lists but the tests cannot use (python without msal) counts as missing", () => {
    const { system } = fakeSystem({
      root: false,
      aptGet: true,
      installed: ["chromium", "redis-server", "azure-cli", "python3-azure", "tinyproxy"],
    });
    system.dpkgInstalled = () => true;
    assert.deepEqual(
      missingPackages(system).map((p) => p.name),
      ["python3-msal"],
    );
    system.dpkgInstalled = () => undefined; // not Debian: the probes decide
    assert.deepEqual(
      missingPackages(system).map((p) => p.name),
      ["python3-msal"],
    );
  });

  it("not root: stops with the exact install command for what is missing, installs nothing", () => {
    const { system, calls, lines } = fakeSystem({
      root: false,
      aptGet: true,
      installed: ["redis-server", "azure-cli", "tinyproxy"],
    });
    assert.equal(ensureSystemPackages(system), 1);
    assert.deepEqual(calls, []);
    assert.equal(
      lines[0],
      "The tests need Debian packages that are not installed: chromium, python3-msal, python3-azure.",
    );
    assert.equal(
      lines.at(-1),
      "  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium python3-msal python3-azure",
    );
  });

  it("root without apt-get: stops with the command too", () => {
    const { system, calls, lines } = fakeSystem({ root: true, aptGet: false, installed: [] });
    assert.equal(ensureSystemPackages(system), 1);
    assert.deepEqual(calls, []);
    assert.equal(lines.at(-1), `  ${installCommand(ALL)}`);
  });

  it("root with apt-get: updates, installs exactly the missing packages non-interactively, checks again", () => {
    const { system, calls, lines } = fakeSystem({
      root: true,
      aptGet: true,
      installed: ["chromium", "azure-cli", "python3-azure", "tinyproxy"],
    });
    assert.equal(ensureSystemPackages(system), 0);
    const env = { DEBIAN_FRONTEND: "noninteractive" };
    assert.deepEqual(calls, [
      { command: "apt-get", args: ["update", "-qq"], env },
      {
        command: "apt-get",
        args: ["install", "-y", "-qq", "--no-install-recommends", "redis-server", "python3-msal"],
        env,
      },
    ]);
    assert.equal(lines.at(-1), "Installing redis-server python3-msal with apt-get...");
  });

  it("root: a failing apt-get, or a package still unusable afterwards, is exit code 1", () => {
    const failing = fakeSystem({ root: true, aptGet: true, installed: [], aptFails: true });
    assert.equal(ensureSystemPackages(failing.system), 1);
    assert.equal(failing.calls.length, 1, "no install after a failed update");
    assert.match(
      failing.lines.at(-1) ?? "",
      /^apt-get could not install chromium redis-server python3-msal azure-cli python3-azure tinyproxy/,
    );
    const partial = fakeSystem({ root: true, aptGet: true, installed: [], installable: ["chromium"] });
    assert.equal(ensureSystemPackages(partial.system), 1);
    assert.equal(
      partial.lines.at(-1),
      "Still not usable after apt-get install: redis-server, python3-msal, azure-cli, python3-azure, tinyproxy.",
    );
  });

  it("as a process, not root, on a machine whose dpkg knows none of them: exit code 1 and the command", () => {
    const stubs = mkdtempSync(join(tmpdir(), "msal-ts-dpkg-stub-"));
    try {
      // dpkg-query as on a machine without the packages; PATH holds nothing else (no redis-server, no apt-get).
      writeFileSync(
        join(stubs, "dpkg-query"),
        '#!/bin/sh\necho "dpkg-query: no packages found matching $3" >&2\nexit 1\n',
      );
      chmodSync(join(stubs, "dpkg-query"), 0o755);
      chmodSync(stubs, 0o755);
      // Run as an unprivileged user when we are root (CI), else as ourselves.
      const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
      const r = spawnSync(process.execPath, ["--import", "tsx", SCRIPT], {
        cwd: ROOT,
        env: { PATH: stubs },
        encoding: "utf8",
        timeout: 60_000,
        ...asUser,
      });
      assert.equal(r.status, 1, r.stderr);
      assert.equal(r.stdout, "");
      const lines = r.stderr.trimEnd().split("\n");
      assert.equal(
        lines[0],
        "The tests need Debian packages that are not installed: chromium, redis-server, python3-msal, azure-cli, python3-azure, tinyproxy.",
      );
      assert.equal(lines.at(-2), "Install them (this needs root), then run the tests again:");
      assert.equal(
        lines.at(-1),
        "  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium redis-server python3-msal azure-cli python3-azure tinyproxy",
      );
    } finally {
      rmSync(stubs, { recursive: true, force: true });
    }
  });

  it("npm test runs it before anything else, and .ci/run uses npm test", () => {
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }
    ).scripts;
    assert.match(scripts.test ?? "", /^node --import tsx scripts\/ensure-system-packages\.ts && /);
    assert.match(readFileSync(join(ROOT, ".ci", "run"), "utf8"), /^npm test$/m);
  });
});
