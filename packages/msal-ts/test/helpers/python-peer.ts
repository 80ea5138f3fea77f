/**
 * Runs a peer script with Debian's MSAL Python (`/usr/bin/python3`, python3-msal): the input goes to its stdin as
 * JSON, its stdout is parsed as JSON. The machine's CA-bundle variables would override the `verify=` the scripts
 * pass, so they are unset, as is any Python path that could shadow Debian's packages; the emulator on loopback is
 * never reached through a proxy. Asynchronous on purpose: an emulator running in the test's own process must keep
 * answering while Python waits on it.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";

export const PYTHON = "/usr/bin/python3";

export async function runPythonPeer<T>(script: string, input: unknown): Promise<T> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_PROXY: "localhost,127.0.0.1", no_proxy: "localhost,127.0.0.1" };
  for (const name of ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "PYTHONPATH", "PYTHONHOME"])
    delete env[name];
  const child = spawn(PYTHON, [script], { env, stdio: ["pipe", "pipe", "pipe"], timeout: 60_000 });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  child.stdin.end(JSON.stringify(input));
  const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
  assert.equal(status, 0, stderr);
  return JSON.parse(stdout) as T;
}
