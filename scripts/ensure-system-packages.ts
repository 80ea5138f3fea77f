/**
 * Makes sure the Debian packages the tests use are installed, before any test runs (the first step of
 * `npm test`). As root with apt-get, installs what is missing; otherwise stops with the command to run.
 *
 *   node --import tsx scripts/ensure-system-packages.ts
 *
 * Exit codes: 0 everything present (or installed now); 1 something is missing and was not installed.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { pathToFileURL } from "node:url";

/** How to tell that a package is usable: the file, command or probe the tests themselves rely on. */
export type Probe =
  | { file: string }
  | { command: string }
  | { run: readonly [string, ...string[]]; env?: Readonly<Record<string, string>> };

/** `az` probed without telemetry, and without a survey or update prompt. */
const AZ_QUIET = { AZURE_CORE_COLLECT_TELEMETRY: "false", AZURE_CORE_SURVEY_MESSAGE: "false" } as const;

/** A Debian package the tests need. */
export interface SystemPackage {
  name: string;
  /** Which tests use it (shown when it is missing). */
  usedBy: string;
  probe: Probe;
}

/** The one list of system packages the tests use: add a package here when a test starts needing one. */
export const SYSTEM_PACKAGES: readonly SystemPackage[] = [
  {
    name: "chromium",
    usedBy: "browser sign-in tests (playwright-core drives /usr/bin/chromium)",
    probe: { file: "/usr/bin/chromium" },
  },
  {
    name: "redis-server",
    usedBy: "distributed token cache tests (they start their own redis-server)",
    probe: { command: "redis-server" },
  },
  {
    name: "python3-msal",
    usedBy: "MSAL Python peer and cache interop tests (/usr/bin/python3)",
    probe: { run: ["/usr/bin/python3", "-c", "import msal"] },
  },
  {
    name: "azure-cli",
    usedBy: "Azure CLI peer tests (they run /usr/bin/az against the emulator in a network namespace)",
    probe: { run: ["/usr/bin/az", "version", "--output", "none"], env: AZ_QUIET },
  },
  {
    name: "python3-azure",
    usedBy: "azure-identity peer tests (/usr/bin/python3)",
    probe: { run: ["/usr/bin/python3", "-c", "import azure.identity"] },
  },
  {
    name: "tinyproxy",
    usedBy: "proxy tests (they start their own /usr/bin/tinyproxy as a forward proxy on loopback)",
    probe: { run: ["/usr/bin/tinyproxy", "-v"] },
  },
];

/** What the script needs from the machine; the tests pass a fake one. */
export interface System {
  isRoot: boolean;
  /** True when dpkg knows the package as installed; undefined where there is no dpkg (not Debian). */
  dpkgInstalled(name: string): boolean | undefined;
  /** An executable file at this path. */
  isExecutable(path: string): boolean;
  /** An executable of this name on PATH. */
  onPath(name: string): boolean;
  /** Runs a command with inherited output; returns its exit status (null when it could not start). */
  run(command: string, args: readonly string[], env?: Record<string, string>): number | null;
  log(line: string): void;
}

function probePasses(system: System, probe: Probe): boolean {
  if ("file" in probe) return system.isExecutable(probe.file);
  if ("command" in probe) return system.onPath(probe.command);
  const [command, ...args] = probe.run;
  return (probe.env ? system.run(command, args, { ...probe.env }) : system.run(command, args)) === 0;
}

/** A package is present when dpkg (where there is one) says so and what the tests use works. */
export function missingPackages(system: System, packages: readonly SystemPackage[] = SYSTEM_PACKAGES): SystemPackage[] {
  return packages.filter((p) => system.dpkgInstalled(p.name) === false || !probePasses(system, p.probe));
}

const APT_INSTALL = ["install", "-y", "-qq", "--no-install-recommends"] as const;

/** The command a user without root rights is asked to run. */
export function installCommand(names: readonly string[]): string {
  return `sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get ${APT_INSTALL.join(" ")} ${names.join(" ")}`;
}

function explainMissing(system: System, missing: readonly SystemPackage[]): void {
  system.log(`The tests need Debian packages that are not installed: ${missing.map((p) => p.name).join(", ")}.`);
  for (const p of missing) system.log(`  ${p.name}: ${p.usedBy}`);
}

/** Checks, installs where it may, and returns the exit code. */
export function ensureSystemPackages(system: System, packages: readonly SystemPackage[] = SYSTEM_PACKAGES): number {
  const missing = missingPackages(system, packages);
  if (missing.length === 0) return 0;
  const names = missing.map((p) => p.name);
  explainMissing(system, missing);
  if (!system.isRoot || !system.onPath("apt-get")) {
    system.log(
      system.isRoot
        ? "There is no apt-get here; install them with the system's package manager, or on Debian run:"
        : "Install them (this needs root), then run the tests again:",
    );
    system.log(`  ${installCommand(names)}`);
    return 1;
  }
  system.log(`Installing ${names.join(" ")} with apt-get...`);
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  if (
    system.run("apt-get", ["update", "-qq"], env) !== 0 ||
    system.run("apt-get", [...APT_INSTALL, ...names], env) !== 0
  ) {
    system.log(`apt-get could not install ${names.join(" ")}; the output above says why.`);
    return 1;
  }
  const still = missingPackages(system, missing);
  if (still.length > 0) {
    system.log(`Still not usable after apt-get install: ${still.map((p) => p.name).join(", ")}.`);
    return 1;
  }
  return 0;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** This machine. */
export function realSystem(): System {
  const env = process.env;
  return {
    isRoot: process.getuid?.() === 0,
    dpkgInstalled(name) {
      const r = spawnSync("dpkg-query", ["-W", "-f=${Status}", name], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      });
      if (r.error) return undefined;
      return r.status === 0 && /\binstall ok installed\b/.test(r.stdout);
    },
    isExecutable,
    onPath: (name) => (env.PATH ?? "").split(delimiter).some((dir) => dir !== "" && isExecutable(join(dir, name))),
    run(command, args, extra = {}) {
      const quiet = command !== "apt-get";
      const r = spawnSync(command, args, {
        env: { ...env, ...extra },
        stdio: quiet ? "ignore" : ["ignore", "inherit", "inherit"],
      });
      return r.error ? null : r.status;
    },
    log: (line) => console.error(line),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = ensureSystemPackages(realSystem());
}
