/**
 * The Azure CLI session: Debian's unmodified `az` 2.45 logs in every way the peer test checks, each login in
 * its own AZURE_CONFIG_DIR (no `az account clear` between them), and asks for tokens. Runs inside the namespace.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { EmulatorConfig } from "../../../src/config.js";
import { DEMO } from "../../../src/demo.js";
import type { ManagedIdentitySource } from "../../../src/routes/managed-identity/index.js";
import { createTestCertificate } from "../../../src/tls.js";
import { runClient } from "./client.js";
import { jsonOf, USER_ASSIGNED, type Session, type SessionContext, type StepResult } from "./protocol.js";

const AZ = "/usr/bin/az";
const AZ_LIMIT_MS = 60_000;
const DEVICE_CODE = /enter the code (\S+) to authenticate/;

/** Runs `az` with its own config dir; the step records which emulator requests it caused. */
async function az(
  ctx: SessionContext,
  name: string,
  args: string[],
  o: { config: string; env?: Record<string, string>; onStderr?: (soFar: string) => void } = { config: "default" },
): Promise<StepResult> {
  const configDir = join(ctx.work, "az", o.config);
  mkdirSync(configDir, { recursive: true });
  const first = ctx.emulator.requests().length;
  const command = [AZ, ...args, "--output", "json"];
  const run = await runClient(AZ, command.slice(1), {
    env: { ...ctx.env, AZURE_CONFIG_DIR: configDir, ...o.env },
    limitMs: AZ_LIMIT_MS,
    ...(o.onStderr ? { onStderr: o.onStderr } : {}),
  });
  const json = jsonOf(run.stdout);
  return {
    name,
    command,
    ...run,
    ...(json !== undefined ? { json } : {}),
    requests: [first, ctx.emulator.requests().length],
  };
}

async function loginAndToken(
  ctx: SessionContext,
  name: string,
  login: string[],
  tokens: Record<string, string[]>,
  o: { env?: Record<string, string>; onStderr?: (soFar: string) => void } = {},
): Promise<StepResult[]> {
  const steps = [await az(ctx, `${name}:login`, ["login", ...login], { config: name, ...o })];
  if (steps[0]?.code !== 0) return steps;
  for (const [tokenName, args] of Object.entries(tokens)) {
    steps.push(await az(ctx, `${name}:${tokenName}`, ["account", "get-access-token", ...args], { config: name, ...o }));
  }
  return steps;
}

function managedIdentity(ctx: SessionContext, source: ManagedIdentitySource): Promise<StepResult[]> {
  // On a VM nothing is set: az finds IMDS at 169.254.169.254 by itself.
  const env = source === "imds" ? {} : ctx.emulator.managedIdentityEnv(source);
  return loginAndToken(ctx, `identity-${source}`, ["--identity"], { token: [] }, { env });
}

/** Approves the device code as alice as soon as `az` prints it; notes the code in the step. */
async function deviceCode(ctx: SessionContext): Promise<StepResult[]> {
  let approved: string | undefined;
  const onStderr = (soFar: string): void => {
    const code = DEVICE_CODE.exec(soFar)?.[1];
    if (code === undefined || approved !== undefined) return;
    approved = code;
    ctx.emulator.approveDevice(code, DEMO.alice.username);
  };
  const steps = await loginAndToken(ctx, "device-code", ["--use-device-code"], { token: [] }, { onStderr });
  if (steps[0] && approved !== undefined) steps[0].notes = { userCode: approved };
  return steps;
}

export const azSession: Session = {
  async prepare(config: EmulatorConfig, work: string) {
    const cert = await createTestCertificate("CN=azure-cli peer test");
    const web = config.apps.find((a) => a.clientId === DEMO.confidential);
    if (!web) throw new Error("the demo configuration has no confidential app");
    web.certificates = [...(web.certificates ?? []), { pem: cert.certPem }];
    const certFile = join(work, "sp-cert.pem");
    writeFileSync(certFile, `${cert.keyPem}${cert.certPem}`, { mode: 0o600 });
    return { certFile };
  },

  async run(ctx) {
    const certFile = ctx.prepared.certFile ?? "";
    const sp = ["--service-principal", "--username", DEMO.confidential, "--tenant", DEMO.tenantId];
    const steps: StepResult[] = [];
    steps.push(
      ...(await loginAndToken(ctx, "sp-secret", [...sp, "--password", DEMO.secret], {
        arm: [],
        resource: ["--resource", "api://contoso-orders"],
        scope: ["--scope", DEMO.apiDefault],
      })),
    );
    steps.push(...(await loginAndToken(ctx, "sp-cert", [...sp, "--password", certFile], { arm: [] })));
    steps.push(
      ...(await loginAndToken(
        ctx,
        "user-password",
        ["--username", DEMO.alice.username, "--password", DEMO.alice.password],
        {
          arm: [],
          scope: ["--scope", "https://graph.microsoft.com/.default"],
        },
      )),
    );
    steps.push(...(await deviceCode(ctx)));
    for (const source of ["imds", "app_service", "cloud_shell"] as const)
      steps.push(...(await managedIdentity(ctx, source)));
    const userAssigned = ["--identity", "--username", USER_ASSIGNED.clientId];
    steps.push(...(await loginAndToken(ctx, "identity-user-assigned", userAssigned, { token: [] })));
    return steps;
  },
};
