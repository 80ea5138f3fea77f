/**
 * The inside of a namespace session: run as root by `unshare --net --mount` (see `session.ts`). It sets up the
 * private network, starts the emulator in this namespace as login.microsoftonline.com on 443 with the
 * managed-identity endpoints on 169.254.169.254:80, runs one session's client commands, and prints one line
 * `PEER-REPORT {json}` on stdout: what each client printed, and what the emulator saw.
 *
 *   unshare --net --mount -- node --import tsx runner.ts <az|identity>
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultConfig, normalizeConfig } from "../../../src/config.js";
import { DEMO } from "../../../src/demo.js";
import { startEmulator, type Emulator } from "../../../src/emulator.js";
import { azSession } from "./az-session.js";
import { identitySession } from "./identity-session.js";
import { setUpNamespaceNetwork, ARC_KEY_DIR, IMDS_ADDRESS, MICROSOFT_HOSTS } from "./network.js";
import { reportedRequest, REPORT_PREFIX, USER_ASSIGNED, type Session, type SessionContext, type SessionReport } from "./protocol.js";

const SESSIONS: Record<string, Session> = { az: azSession, identity: identitySession };

/** What every client gets: a private home, the emulator's CA as the only trusted one, no proxy, no telemetry. */
function clientEnv(work: string, emulator: Emulator): NodeJS.ProcessEnv {
  const home = join(work, "home");
  mkdirSync(join(home, ".azure"), { recursive: true });
  return {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    HOME: home,
    LANG: "C.UTF-8",
    AZURE_CONFIG_DIR: join(home, ".azure"),
    AZURE_CORE_COLLECT_TELEMETRY: "false",
    AZURE_CORE_SURVEY_MESSAGE: "false",
    AZURE_CORE_NO_COLOR: "true",
    REQUESTS_CA_BUNDLE: emulator.caPath,
    PYTHONDONTWRITEBYTECODE: "1",
    PYTHONUNBUFFERED: "1",
  };
}

function getJson(url: string, ca: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let body: unknown = text;
        try {
          body = JSON.parse(text) as unknown;
        } catch {
          // not JSON: reported as text
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on("timeout", () => req.destroy(new Error(`no answer from ${url}`)));
    req.on("error", reject);
    req.end();
  });
}

/** The demo tenant's v2 and v1 OpenID configurations and signing keys, as an API would fetch them. */
async function discovery(emulator: Emulator): Promise<SessionReport["discovery"]> {
  const base = `${emulator.url}/${DEMO.tenantId}`;
  const v2 = await getJson(`${base}/v2.0/.well-known/openid-configuration`, emulator.caPem);
  const v1 = await getJson(`${base}/.well-known/openid-configuration`, emulator.caPem);
  const jwksUri = (v2.body as { jwks_uri?: string }).jwks_uri ?? `${base}/discovery/v2.0/keys`;
  const keys = await getJson(jwksUri, emulator.caPem);
  return { v2: v2.body, v1: v1.body, keys: keys.body };
}

function systemAssigned(emulator: Emulator): SessionReport["managedIdentity"] {
  const { clientId, objectId } = normalizeConfig(emulator.config).managedIdentity.systemAssigned;
  return { clientId, objectId };
}

async function main(): Promise<void> {
  const name = process.argv[2] ?? "";
  const session = SESSIONS[name];
  if (!session) throw new Error(`unknown session "${name}" (known: ${Object.keys(SESSIONS).join(", ")})`);
  const work = mkdtempSync(join(tmpdir(), "entra-peer-"));
  let emulator: Emulator | undefined;
  try {
    setUpNamespaceNetwork(work);
    const config = defaultConfig();
    config.deviceCodeInterval = 1;
    config.managedIdentity = { ...config.managedIdentity, userAssigned: [{ ...USER_ASSIGNED }] };
    const prepared = await session.prepare(config, work);
    emulator = await startEmulator({
      config,
      hostName: "login.microsoftonline.com",
      extraHostNames: MICROSOFT_HOSTS.filter((h) => h !== "login.microsoftonline.com"),
      port: 443,
      httpPort: 80,
      miListenAddress: IMDS_ADDRESS,
      arcKeyDir: ARC_KEY_DIR,
      caPath: join(work, "emulator-ca.pem"),
    });
    const ctx: SessionContext = { emulator, work, env: clientEnv(work, emulator), prepared };
    const started = performance.now();
    const steps = await session.run(ctx);
    const report: SessionReport = {
      session: name,
      url: emulator.url,
      miUrl: emulator.miUrl,
      seconds: Math.round((performance.now() - started) / 100) / 10,
      steps,
      requests: emulator.requests().map(reportedRequest),
      discovery: await discovery(emulator),
      managedIdentity: systemAssigned(emulator),
    };
    process.stdout.write(`${REPORT_PREFIX}${JSON.stringify(report)}\n`);
  } finally {
    await emulator?.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`namespace session failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
