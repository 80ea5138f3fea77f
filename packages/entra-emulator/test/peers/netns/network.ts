/**
 * The private network of a namespace session (run as root inside `unshare --net --mount`): `lo` up, the IMDS
 * address 169.254.169.254 on `lo`, an /etc/hosts that maps Microsoft's host names to 127.0.0.1 (bind-mounted,
 * so only this mount namespace sees it), and a tmpfs on /var/opt holding Azure Arc's key-file folder.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Names the clients call; each resolves to the emulator in the namespace. */
export const MICROSOFT_HOSTS = [
  "login.microsoftonline.com",
  "management.azure.com",
  "management.core.windows.net",
  "graph.microsoft.com",
] as const;

/** Where azure-identity (and the Arc agent) require Azure Arc's challenge key files to be. */
export const ARC_KEY_DIR = "/var/opt/azcmagent/tokens";

export const IMDS_ADDRESS = "169.254.169.254";

function run(command: string, args: string[]): void {
  execFileSync(command, args, { stdio: ["ignore", "ignore", "pipe"], timeout: 10_000 });
}

/** Sets the namespace up; `workDir` is a private temporary folder for the hosts file. */
export function setUpNamespaceNetwork(workDir: string): void {
  run("ip", ["link", "set", "lo", "up"]);
  run("ip", ["addr", "add", `${IMDS_ADDRESS}/32`, "dev", "lo"]);
  const hosts = join(workDir, "hosts");
  const lines = ["127.0.0.1 localhost", "::1 localhost", ...MICROSOFT_HOSTS.map((h) => `127.0.0.1 ${h}`)];
  writeFileSync(hosts, `${lines.join("\n")}\n`, { mode: 0o644 });
  // No mount event may leave this namespace, whatever the parent's propagation.
  run("mount", ["--make-rprivate", "/"]);
  run("mount", ["--bind", hosts, "/etc/hosts"]);
  run("mount", ["-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", "/var/opt"]);
  mkdirSync(ARC_KEY_DIR, { recursive: true, mode: 0o700 });
}
