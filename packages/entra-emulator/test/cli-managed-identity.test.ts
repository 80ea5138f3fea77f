/**
 * The command's JSON line carries every managed-identity source's environment, so that a process that is not
 * Node (or not this one) can use App Service, Azure Machine Learning and Service Fabric: each is exercised here
 * from a child process that gets nothing but that environment.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
const RESOURCE = "https://vault.azure.net";

/**
 * A tiny managed-identity client: one GET per argument (`kind`), with only the variables of its environment.
 * Service Fabric's certificate is checked by thumbprint (IDENTITY_SERVER_THUMBPRINT), as its clients do.
 */
const CLIENT = String.raw`
const http = require("node:http");
const https = require("node:https");
const env = process.env;
const resource = ${JSON.stringify(RESOURCE)};
function get(url, headers, tls) {
  return new Promise((resolve, reject) => {
    const lib = url.startsWith("https:") ? https : http;
    const req = lib.get(url, { headers, ...(tls ? { rejectUnauthorized: false } : {}) }, (res) => {
      let pinned = true;
      if (tls) pinned = res.socket.getPeerCertificate().fingerprint.replace(/:/g, "") === env.IDENTITY_SERVER_THUMBPRINT;
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode, pinned, body: JSON.parse(text) }));
    });
    req.on("error", reject);
  });
}
const q = (base, params) => base + "?" + new URLSearchParams({ resource, ...params });
const calls = {
  app_service_2019: () => get(q(env.IDENTITY_ENDPOINT, { "api-version": "2019-08-01" }), { "X-IDENTITY-HEADER": env.IDENTITY_HEADER }),
  app_service_2017: () => get(q(env.MSI_ENDPOINT, { "api-version": "2017-09-01" }), { secret: env.MSI_SECRET }),
  app_service_wrong: () => get(q(env.MSI_ENDPOINT, { "api-version": "2017-09-01" }), { secret: "wrong" }),
  machine_learning: () =>
    get(q(env.MSI_ENDPOINT, { "api-version": "2017-09-01", clientid: env.DEFAULT_IDENTITY_CLIENT_ID }), { secret: env.MSI_SECRET }),
  service_fabric: () =>
    get(q(env.IDENTITY_ENDPOINT, { "api-version": "2019-07-01-preview" }), { secret: env.IDENTITY_HEADER }, true),
};
(async () => {
  const out = {};
  for (const kind of process.argv.slice(1)) out[kind] = await calls[kind]();
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { process.stderr.write(String(e)); process.exit(1); });
`;

interface Answer {
  status: number;
  pinned: boolean;
  body: Record<string, unknown>;
}

/** Runs the client with exactly `env` (no PATH, no HOME) and returns its answers by kind. */
function runClient(env: Record<string, string>, kinds: string[]): Promise<Record<string, Answer>> {
  const child = spawn(process.execPath, ["-e", CLIENT, ...kinds], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    child.once("exit", (code) =>
      code === 0 ? resolve(JSON.parse(stdout) as Record<string, Answer>) : reject(new Error(`client: ${stderr}`)),
    );
  });
}

function claims(token: unknown): Record<string, unknown> {
  assert.equal(typeof token, "string");
  return JSON.parse(Buffer.from((token as string).split(".")[1] ?? "", "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;
}

describe("entra-emulator command: the managed-identity environments in its JSON line", () => {
  const child = spawn(process.execPath, ["--import", "tsx", CLI], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  let mi: Record<string, Record<string, string>>;

  before(async () => {
    const first = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once("line", resolve);
      child.once("exit", (code) => reject(new Error(`exited early with ${code}`)));
    });
    mi = (JSON.parse(first) as { managedIdentity: typeof mi }).managedIdentity;
  });
  after(async () => {
    child.kill("SIGTERM");
    assert.equal(await exited, 0);
  });

  test("names every source with the variables its clients read", () => {
    assert.deepEqual(Object.keys(mi), [
      "imds",
      "app_service",
      "machine_learning",
      "service_fabric",
      "azure_arc",
      "cloud_shell",
    ]);
    const names = Object.fromEntries(Object.entries(mi).map(([k, v]) => [k, Object.keys(v).sort()]));
    assert.deepEqual(names, {
      imds: ["AZURE_POD_IDENTITY_AUTHORITY_HOST", "MSAL_MANAGED_IDENTITY_ENDPOINT"],
      app_service: [
        "APPSETTING_WEBSITE_SITE_NAME",
        "IDENTITY_ENDPOINT",
        "IDENTITY_HEADER",
        "MSI_ENDPOINT",
        "MSI_SECRET",
      ],
      machine_learning: ["DEFAULT_IDENTITY_CLIENT_ID", "MSI_ENDPOINT", "MSI_SECRET"],
      service_fabric: ["IDENTITY_ENDPOINT", "IDENTITY_HEADER", "IDENTITY_SERVER_THUMBPRINT"],
      azure_arc: ["IDENTITY_ENDPOINT", "IMDS_ENDPOINT"],
      cloud_shell: ["ACC_CLOUD", "AZUREPS_HOST_ENVIRONMENT", "MSI_ENDPOINT"],
    });
  });

  test("App Service (both api-versions), Machine Learning and Service Fabric from a child with only that environment", async () => {
    const app = await runClient(mi.app_service ?? {}, ["app_service_2019", "app_service_2017", "app_service_wrong"]);
    const ml = await runClient(mi.machine_learning ?? {}, ["machine_learning"]);
    const sf = await runClient(mi.service_fabric ?? {}, ["service_fabric"]);
    const systemClientId = mi.machine_learning?.DEFAULT_IDENTITY_CLIENT_ID;
    for (const [name, answer] of [
      ["app_service_2019", app.app_service_2019],
      ["app_service_2017", app.app_service_2017],
      ["machine_learning", ml.machine_learning],
      ["service_fabric", sf.service_fabric],
    ] as const) {
      assert.equal(answer?.status, 200, `${name}: ${JSON.stringify(answer?.body)}`);
      assert.equal(answer.pinned, true, name);
      assert.equal(answer.body.token_type, "Bearer", name);
      assert.equal(answer.body.resource, RESOURCE, name);
      assert.equal(claims(answer.body.access_token).appid, systemClientId, name);
    }
    assert.match(String(app.app_service_2017?.body.expires_on), /^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2} \+00:00$/);
    assert.equal(app.app_service_wrong?.status, 401);
    assert.equal(app.app_service_wrong?.body.statusCode, 401);
  });
});
