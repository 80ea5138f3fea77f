/**
 * The test side of a namespace session: runs `runner.ts` as root in a new network and mount namespace
 * (`unshare --net --mount`) and returns its report. Without root or unshare it throws a clear error: the peer
 * tests need them and are never skipped.
 */
import { spawn } from "node:child_process";
import { createPublicKey, verify, type JsonWebKey } from "node:crypto";
import { accessSync, constants } from "node:fs";
import { fileURLToPath } from "node:url";
import { REPORT_PREFIX, type ReportedRequest, type SessionReport, type StepResult } from "./protocol.js";

const UNSHARE = "/usr/bin/unshare";
const RUNNER = fileURLToPath(new URL("./runner.ts", import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL("../../../", import.meta.url));

export function requireNamespaces(): void {
  if (process.getuid?.() !== 0) {
    throw new Error(
      "The Azure CLI and azure-identity peer tests run each client in a private network namespace, which needs root: " +
        "run the tests as root (as CI does), e.g. `sudo npm test`.",
    );
  }
  try {
    accessSync(UNSHARE, constants.X_OK);
  } catch {
    throw new Error(`The peer tests need ${UNSHARE} (Debian package util-linux) to create a network namespace.`);
  }
}

export interface NamespaceRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `command` as root in a new network and mount namespace; kills it and everything it started (its process
 * group) after `limitMs`, which rejects.
 */
export function runInNamespace(
  command: string[],
  o: { cwd: string; env: NodeJS.ProcessEnv; limitMs: number; what: string },
): Promise<NamespaceRun> {
  requireNamespaces();
  return new Promise((resolve, reject) => {
    const child = spawn(UNSHARE, ["--net", "--mount", "--", ...command], {
      cwd: o.cwd,
      env: o.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr = (stderr + c).slice(-20_000)));
    const timer = setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
      reject(new Error(`${o.what} did not finish within ${o.limitMs} ms\n${stderr}`));
    }, o.limitMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${UNSHARE}: ${e.message}`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The environment of a namespace run: no proxy, no CA-bundle or Python variables of the caller's. */
export function baseEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/root",
    TMPDIR: process.env.TMPDIR ?? "/tmp",
  };
}

/** Runs a session (`az` or `identity`) and returns its report. */
export async function runNamespaceSession(session: string, limitMs: number): Promise<SessionReport> {
  const what = `the ${session} namespace session`;
  const run = await runInNamespace([process.execPath, "--import", "tsx", RUNNER, session], {
    cwd: PACKAGE_DIR,
    env: baseEnv(),
    limitMs,
    what,
  });
  const line = run.stdout.split("\n").find((l) => l.startsWith(REPORT_PREFIX));
  if (run.code !== 0 || line === undefined) {
    throw new Error(`${what} failed (exit code ${run.code})\n${run.stderr}\n${run.stdout.slice(-5000)}`);
  }
  return JSON.parse(line.slice(REPORT_PREFIX.length)) as SessionReport;
}

/** The step of that name; fails the test with everything the client printed when it did not succeed. */
export function step(report: SessionReport, name: string): StepResult {
  const found = report.steps.find((s) => s.name === name);
  if (!found)
    throw new Error(
      `no step "${name}" in the ${report.session} session (steps: ${report.steps.map((s) => s.name).join(", ")})`,
    );
  if (found.code !== 0) {
    throw new Error(
      `${name} failed (exit code ${found.code}${found.timedOut ? ", timed out" : ""}): ${found.command.join(" ")}\n${found.stderr.slice(-4000)}\n${found.stdout.slice(-2000)}`,
    );
  }
  return found;
}

/** The emulator requests a step caused. */
export function requestsOf(report: SessionReport, s: StepResult): ReportedRequest[] {
  return report.requests.slice(s.requests[0], s.requests[1]);
}

export type Claims = Record<string, unknown>;

/** The payload of a JWT. */
export function claimsOf(token: unknown): Claims {
  if (typeof token !== "string" || token.split(".").length !== 3)
    throw new Error(`not a JWT: ${String(token).slice(0, 40)}`);
  return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as Claims;
}

/** The issuer a tenant's OpenID configuration advertises: `v2` (`/v2.0/.well-known/...`) or `v1`. */
export function discoveryIssuer(report: SessionReport, version: "v1" | "v2"): string {
  return String((report.discovery[version] as { issuer?: string }).issuer);
}

/**
 * What an API does with a bearer token: the signature verifies with a key of the tenant's JWKS (`jwks_uri` of
 * its OpenID configuration), the issuer and audience are the ones it expects, and it has not expired. Returns
 * the claims; throws naming the check that failed.
 */
export function validateAsApi(report: SessionReport, token: string, audience: string, issuer: string): Claims {
  const [head = "", payload = "", signature = ""] = token.split(".");
  const header = JSON.parse(Buffer.from(head, "base64url").toString("utf8")) as { kid?: string; alg?: string };
  const keys = (report.discovery.keys as { keys?: (JsonWebKey & { kid?: string })[] }).keys ?? [];
  const jwk = keys.find((k) => k.kid === header.kid);
  if (!jwk) throw new Error(`no signing key ${header.kid} in the tenant's JWKS`);
  if (header.alg !== "RS256") throw new Error(`unexpected alg ${header.alg}`);
  const key = createPublicKey({ key: jwk, format: "jwk" });
  if (!verify("sha256", Buffer.from(`${head}.${payload}`), key, Buffer.from(signature, "base64url"))) {
    throw new Error("the signature does not verify");
  }
  const claims = claimsOf(token);
  if (claims.iss !== issuer) throw new Error(`iss ${String(claims.iss)} is not ${issuer}`);
  if (claims.aud !== audience) throw new Error(`aud ${String(claims.aud)} is not ${audience}`);
  if (typeof claims.exp !== "number" || claims.exp * 1000 < Date.now()) throw new Error("expired");
  return claims;
}
