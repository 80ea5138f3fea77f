import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../src/cli.ts", import.meta.url));

describe("entra-emulator command", () => {
  const dir = mkdtempSync(join(tmpdir(), "emulator-cli-test-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  function run(args: string[], env: Record<string, string> = {}) {
    return spawn(process.execPath, ["--import", "tsx", CLI, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
  }

  test("prints one JSON line once listening, serves HTTPS with the CA it wrote, stops on SIGTERM", async () => {
    const caOut = join(dir, "ca.pem");
    const child = run(["--ca-out", caOut]);
    const lines = createInterface({ input: child.stdout });
    const first = await new Promise<string>((resolve, reject) => {
      lines.once("line", resolve);
      child.once("exit", (code) => reject(new Error(`exited early with ${code}`)));
    });
    const info = JSON.parse(first) as { url: string; caPath: string; miUrl: string; authority: string };
    assert.match(info.url, /^https:\/\/localhost:\d+$/);
    assert.equal(info.caPath, caOut);
    const status = await new Promise<number>((resolve, reject) => {
      request(`${info.authority}/v2.0/.well-known/openid-configuration`, { ca: readFileSync(caOut) }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on("error", reject)
        .end();
    });
    assert.equal(status, 200);
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    assert.equal(await exited, 0);
  });

  test("--host-name, --extra-host-name, --listen and --mi-listen reach startEmulator", async () => {
    const child = run([
      "--host-name",
      "login.emulator.test",
      "--extra-host-name",
      "management.azure.com",
      "--extra-host-name",
      "graph.microsoft.com",
      "--listen",
      "127.0.0.4",
      "--mi-listen",
      "127.0.0.5",
    ]);
    const lines = createInterface({ input: child.stdout });
    const first = await new Promise<string>((resolve, reject) => {
      lines.once("line", resolve);
      child.once("exit", (code) => reject(new Error(`exited early with ${code}`)));
    });
    const info = JSON.parse(first) as { url: string; caPath: string; miUrl: string };
    assert.match(info.url, /^https:\/\/login\.emulator\.test:\d+$/);
    assert.match(info.miUrl, /^http:\/\/127\.0\.0\.5:\d+$/);
    const doc = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const port = Number(new URL(info.url).port);
      const options = {
        host: "127.0.0.4",
        port,
        path: "/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration",
        servername: "graph.microsoft.com",
        headers: { host: "elsewhere.example" },
        ca: readFileSync(info.caPath),
      };
      request(options, (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => resolve(JSON.parse(text) as Record<string, unknown>));
      })
        .on("error", reject)
        .end();
    });
    assert.match(String(doc.issuer), /^https:\/\/login\.emulator\.test:\d+\/[0-9a-f-]{36}\/v2\.0$/);
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    assert.equal(await exited, 0);
  });

  test("--control-token-file (or ENTRA_EMULATOR_CONTROL_TOKEN) guards the control API", async () => {
    const file = join(dir, "control-token");
    writeFileSync(file, "from-the-file\n");
    const statuses = async (args: string[], env: Record<string, string>, tokens: string[]) => {
      const child = run(args, env);
      const lines = createInterface({ input: child.stdout });
      const first = await new Promise<string>((resolve, reject) => {
        lines.once("line", resolve);
        child.once("exit", (code) => reject(new Error(`exited early with ${code}`)));
      });
      const info = JSON.parse(first) as { url: string; caPath: string };
      const out: number[] = [];
      for (const token of tokens) {
        out.push(
          await new Promise<number>((resolve, reject) => {
            const headers = token ? { authorization: `Bearer ${token}` } : {};
            request(`${info.url}/_emulator/faults`, { ca: readFileSync(info.caPath), headers }, (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            })
              .on("error", reject)
              .end();
          }),
        );
      }
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      return out;
    };
    const tokens = ["", "from-the-file", "from-the-env"];
    assert.deepEqual(
      await statuses(["--control-token-file", file], { ENTRA_EMULATOR_CONTROL_TOKEN: "from-the-env" }, tokens),
      [401, 200, 401],
    );
    assert.deepEqual(await statuses([], { ENTRA_EMULATOR_CONTROL_TOKEN: "from-the-env" }, tokens), [401, 401, 200]);
    const missing = run(["--control-token-file", join(dir, "no-such-file")]);
    let stderr = "";
    missing.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    assert.equal(await new Promise<number | null>((resolve) => missing.once("exit", resolve)), 2);
    assert.match(stderr, /^entra-emulator: --control-token-file: cannot read/);
  });

  test("--raw-request-log keeps a client secret in clear in the log; by default it is masked", async () => {
    const loggedSecret = async (args: string[]): Promise<unknown> => {
      const child = run(args);
      const lines = createInterface({ input: child.stdout });
      const first = await new Promise<string>((resolve, reject) => {
        lines.once("line", resolve);
        child.once("exit", (code) => reject(new Error(`exited early with ${code}`)));
      });
      const info = JSON.parse(first) as { url: string; caPath: string };
      const ca = readFileSync(info.caPath);
      const call = (method: string, path: string, body?: string) =>
        new Promise<string>((resolve, reject) => {
          const headers = body ? { "content-type": "application/x-www-form-urlencoded" } : {};
          const req = request(`${info.url}${path}`, { method, ca, headers }, (res) => {
            let text = "";
            res.on("data", (c: Buffer) => (text += c.toString()));
            res.on("end", () => resolve(text));
          }).on("error", reject);
          req.end(body);
        });
      await call("POST", "/common/oauth2/v2.0/token", "grant_type=client_credentials&client_secret=s3cret-value");
      const log = JSON.parse(await call("GET", "/_emulator/requests")) as { form?: Record<string, string> }[];
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      return log.find((e) => e.form?.grant_type === "client_credentials")?.form?.client_secret;
    };
    assert.equal(await loggedSecret(["--raw-request-log"]), "s3cret-value");
    const masked = await loggedSecret([]);
    assert.match(String(masked), /^\[masked: 12 chars, sha256 [0-9a-f]+\]$/);
  });

  test("a bad configuration file exits 2 with a one-line reason", async () => {
    const file = join(dir, "bad.json");
    writeFileSync(file, JSON.stringify({ tenants: [], apps: [], users: [], extra: 1 }));
    const child = run(["--config", file]);
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    assert.equal(code, 2);
    assert.match(stderr, /^entra-emulator: extra: unknown key/);
  });
});
