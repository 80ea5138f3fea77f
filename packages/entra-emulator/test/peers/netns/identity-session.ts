/**
 * The azure-identity session: one run of `python/identity_driver.py` with Debian's unmodified azure-identity
 * 1.13, every credential the peer test checks, inside the namespace. Each case becomes one step whose
 * `requests` range holds the emulator requests it caused (the driver waits for a go-ahead before each case).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { EmulatorConfig } from "../../../src/config.js";
import { DEMO } from "../../../src/demo.js";
import type { ManagedIdentitySource } from "../../../src/routes/managed-identity/index.js";
import { createTestCertificate } from "../../../src/tls.js";
import { runClient } from "./client.js";
import { jsonOf, USER_ASSIGNED, type Session, type SessionContext, type StepResult } from "./protocol.js";

const PYTHON = "/usr/bin/python3";
const DRIVER = fileURLToPath(new URL("../python/identity_driver.py", import.meta.url));
const DRIVER_LIMIT_MS = 120_000;

export const API_SCOPE = DEMO.apiDefault;
/** A federated user: azure-identity's MSAL signs her in through the emulator's federation server. */
export const FEDERATED_USER = { username: "carol@contoso.com", password: "carol-federated-password" };
/** The service account whose projected token plays the federated token (workload identity). */
export const WORKLOAD_SUBJECT = "system:serviceaccount:peers:identity";
const GRAPH_USER_READ = "https://graph.microsoft.com/User.Read";

interface Case {
  name: string;
  credential: string;
  kwargs?: Record<string, unknown>;
  env?: Record<string, string>;
  scopes: string[];
}

/** The managed-identity sources azure-identity 1.13 supports, each with the emulator's environment for it. */
const MI_SOURCES: readonly ManagedIdentitySource[] = [
  "imds",
  "app_service",
  "cloud_shell",
  "azure_arc",
  "service_fabric",
  "machine_learning",
];

function cases(ctx: SessionContext): Case[] {
  const tenant = { tenant_id: DEMO.tenantId };
  const certFile = ctx.prepared.certFile ?? "";
  const user = { username: DEMO.alice.username, password: DEMO.alice.password };
  return [
    {
      name: "client-secret",
      credential: "ClientSecretCredential",
      kwargs: { ...tenant, client_id: DEMO.confidential, client_secret: DEMO.secret },
      scopes: [API_SCOPE],
    },
    {
      name: "certificate",
      credential: "CertificateCredential",
      kwargs: { ...tenant, client_id: DEMO.confidential, certificate_path: certFile },
      scopes: [API_SCOPE],
    },
    {
      name: "username-password",
      credential: "UsernamePasswordCredential",
      kwargs: { ...tenant, client_id: DEMO.cli, ...user },
      scopes: [DEMO.apiScope],
    },
    {
      name: "username-password-federated",
      credential: "UsernamePasswordCredential",
      kwargs: { ...tenant, client_id: DEMO.cli, ...FEDERATED_USER },
      scopes: [DEMO.apiScope],
    },
    {
      name: "device-code",
      credential: "DeviceCodeCredential",
      kwargs: { ...tenant, client_id: DEMO.cli, prompt_callback: "$approver", timeout: 60 },
      scopes: [GRAPH_USER_READ],
    },
    {
      name: "on-behalf-of",
      credential: "OnBehalfOfCredential",
      kwargs: {
        ...tenant,
        client_id: DEMO.api,
        client_secret: DEMO.apiSecret,
        user_assertion: { $token: "username-password" },
      },
      scopes: [GRAPH_USER_READ],
    },
    ...MI_SOURCES.map((source) => ({
      name: `managed-identity-${source}`,
      credential: "ManagedIdentityCredential",
      // IMDS is found at 169.254.169.254 without any variable, as on an Azure VM.
      env: source === "imds" ? {} : ctx.emulator.managedIdentityEnv(source),
      scopes: [API_SCOPE],
    })),
    {
      name: "managed-identity-imds-user-assigned",
      credential: "ManagedIdentityCredential",
      kwargs: { client_id: USER_ASSIGNED.clientId },
      scopes: [API_SCOPE],
    },
    {
      name: "managed-identity-app_service-user-assigned",
      credential: "ManagedIdentityCredential",
      kwargs: { client_id: USER_ASSIGNED.clientId },
      env: ctx.emulator.managedIdentityEnv("app_service"),
      scopes: [API_SCOPE],
    },
    {
      // Workload identity as azure-identity 1.13 knows it: token exchange inside ManagedIdentityCredential.
      name: "managed-identity-token-exchange",
      credential: "ManagedIdentityCredential",
      // azure-identity 1.13 takes this path only when all four variables are set, as the AKS webhook sets them.
      env: {
        AZURE_AUTHORITY_HOST: "https://login.microsoftonline.com/",
        AZURE_TENANT_ID: DEMO.tenantId,
        AZURE_CLIENT_ID: DEMO.confidential,
        AZURE_FEDERATED_TOKEN_FILE: ctx.prepared.tokenFile ?? "",
      },
      scopes: [API_SCOPE],
    },
    {
      name: "environment-secret",
      credential: "EnvironmentCredential",
      env: { AZURE_TENANT_ID: DEMO.tenantId, AZURE_CLIENT_ID: DEMO.confidential, AZURE_CLIENT_SECRET: DEMO.secret },
      scopes: [API_SCOPE],
    },
    {
      name: "environment-certificate",
      credential: "EnvironmentCredential",
      env: {
        AZURE_TENANT_ID: DEMO.tenantId,
        AZURE_CLIENT_ID: DEMO.confidential,
        AZURE_CLIENT_CERTIFICATE_PATH: certFile,
      },
      scopes: [API_SCOPE],
    },
    {
      name: "environment-user",
      credential: "EnvironmentCredential",
      env: {
        AZURE_TENANT_ID: DEMO.tenantId,
        AZURE_CLIENT_ID: DEMO.cli,
        AZURE_USERNAME: user.username,
        AZURE_PASSWORD: user.password,
      },
      scopes: [DEMO.apiScope],
    },
  ];
}

interface DriverOutput {
  versions: Record<string, string>;
  results: (
    | { name: string; ok: true; token: string; expires_on: number }
    | { name: string; ok: false; error_type: string; error: string }
  )[];
}

export const identitySession: Session = {
  async prepare(config: EmulatorConfig, work: string) {
    const cert = await createTestCertificate("CN=azure-identity peer test");
    const web = config.apps.find((a) => a.clientId === DEMO.confidential);
    if (!web) throw new Error("the demo configuration has no confidential app");
    web.certificates = [...(web.certificates ?? []), { pem: cert.certPem }];
    config.users.push({ ...FEDERATED_USER, tenant: DEMO.tenant, federated: true });
    web.federatedIdentityCredentials = [{ testIssuer: "peer", subject: WORKLOAD_SUBJECT }];
    const certFile = join(work, "identity-cert.pem");
    writeFileSync(certFile, `${cert.keyPem}${cert.certPem}`, { mode: 0o600 });
    return { certFile, tokenFile: join(work, "federated-token") };
  },

  async run(ctx) {
    // The emulator's test issuer plays the cluster: its token, as the kubelet would project it.
    const federated = await ctx.emulator.issueFederatedToken({ issuer: "peer", subject: WORKLOAD_SUBJECT });
    writeFileSync(ctx.prepared.tokenFile ?? "", federated, { mode: 0o644 });
    const plan = { control_url: "https://localhost/_emulator", username: DEMO.alice.username, cases: cases(ctx) };
    const starts: { name: string; at: number }[] = [];
    let seen = 0;
    const run = await runClient(PYTHON, ["-u", DRIVER], {
      env: ctx.env,
      limitMs: DRIVER_LIMIT_MS,
      stdin: `${JSON.stringify(plan)}\n`,
      keepStdinOpen: true,
      onStderr: (soFar, write) => {
        const complete = soFar.lastIndexOf("\n") + 1;
        for (const m of soFar.slice(seen, complete).matchAll(/^CASE (.+)$/gm)) {
          starts.push({ name: m[1] ?? "", at: ctx.emulator.requests().length });
          write("go\n");
        }
        seen = complete;
      },
    });
    const output = jsonOf(run.stdout) as DriverOutput | undefined;
    const driverStep: StepResult = { name: "driver", command: [PYTHON, DRIVER], ...run, requests: [0, 0] };
    if (output) driverStep.json = { versions: output.versions };
    const steps = [driverStep];
    for (const result of output?.results ?? []) {
      const index = starts.findIndex((s) => s.name === result.name);
      const start = starts[index]?.at ?? 0;
      const end = starts[index + 1]?.at ?? start;
      const stderr = result.ok ? "" : `${result.error_type}: ${result.error}`;
      steps.push({
        name: result.name,
        command: [],
        code: result.ok ? 0 : 1,
        timedOut: false,
        stdout: "",
        stderr,
        seconds: 0,
        json: result,
        requests: [start, end],
      });
    }
    return steps;
  },
};
