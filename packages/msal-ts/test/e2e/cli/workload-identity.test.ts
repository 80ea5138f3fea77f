/**
 * `msal-ts token --client-credentials` with workload identity: the AZURE_* variables a Kubernetes pod (Azure
 * Workload Identity) or a CI job sets, or `--federated-token-file`, against an emulator whose app trusts its
 * test issuer.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { defaultConfig, startEmulator, type Emulator } from "entra-emulator";
import { IDS } from "../../helpers/emulator.ts";
import { JWT_LINE, Sandbox, messageLines } from "./run-cli.ts";

const SUBJECT = "repo:contoso/orders:environment:production";

describe("msal-ts token with workload identity", () => {
  const box = new Sandbox();
  let emulator: Emulator;
  let env: Record<string, string>;
  const tokenFile = join(box.dir, "federated-token");

  before(async () => {
    const config = defaultConfig();
    const app = config.apps.find((a) => a.clientId === IDS.confidential);
    assert.ok(app, "demo config has the confidential app");
    app.federatedIdentityCredentials = [{ testIssuer: "github", subject: SUBJECT }];
    emulator = await startEmulator({ config, rawRequestLog: true });
    env = {
      AZURE_CLIENT_ID: IDS.confidential,
      AZURE_TENANT_ID: IDS.tenantId,
      AZURE_AUTHORITY_HOST: emulator.url,
      AZURE_FEDERATED_TOKEN_FILE: tokenFile,
      MSAL_TS_CA: emulator.caPath,
    };
  });
  after(async () => {
    await emulator.close();
    box.remove();
  });

  const tokenRequests = () => emulator.requests().filter((r) => /\/oauth2\/v2\.0\/token$/.test(r.path));

  it("the AZURE_* variables alone: client id, tenant, authority host and the token file", async () => {
    const federated = await emulator.issueFederatedToken({ issuer: "github", subject: SUBJECT });
    writeFileSync(tokenFile, federated);
    emulator.clearRequests();
    const args = ["token", "--client-credentials", "--scope", IDS.apiDefault, "--no-instance-discovery"];
    const r = await box.run([...args, "--cache", box.cache], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, JWT_LINE);
    const [request] = tokenRequests();
    assert.equal(request?.path, `/${IDS.tenantId}/oauth2/v2.0/token`);
    assert.equal(request?.form.client_id, IDS.confidential);
    assert.equal(request?.form.client_assertion, federated);
    assert.equal(tokenRequests().length, 1);
  });

  it("--federated-token-file; a wrong subject exits 1 with Entra's error; a missing file exits 2", async () => {
    const other = join(box.dir, "other-token");
    writeFileSync(other, await emulator.issueFederatedToken({ issuer: "github", subject: "repo:contoso/evil:ref:x" }));
    const args = ["token", "--client-credentials", "--scope", IDS.apiDefault, "--no-instance-discovery"];
    const wrong = await box.run([...args, "--federated-token-file", other, "--cache", join(box.dir, "c2.json")], {
      env,
    });
    assert.equal(wrong.code, 1, wrong.stderr);
    const [line] = messageLines(wrong.stderr);
    assert.match(line ?? "", /^error: invalid_request: AADSTS70021: No matching federated identity record found/);
    assert.match(line ?? "", /Assertion Subject: 'repo:contoso\/evil:ref:x'/);

    const missing = await box.run([...args, "--cache", join(box.dir, "c3.json")], {
      env: { ...env, AZURE_FEDERATED_TOKEN_FILE: join(box.dir, "nowhere") },
    });
    assert.equal(missing.code, 2, missing.stderr);
    assert.deepEqual(messageLines(missing.stderr), [
      `error: cannot read the federated token file ${join(box.dir, "nowhere")} named by AZURE_FEDERATED_TOKEN_FILE (ENOENT) (see msal-ts token --help)`,
    ]);
    const both = await box.run([...args, "--federated-token-file", other, "--secret-file", other], { env });
    assert.equal(both.code, 2, both.stderr);
    assert.match(messageLines(both.stderr)[0] ?? "", /choose one of --secret-file and --federated-token-file/);
  });

  it("MSAL_TS_* variables and flags win over the AZURE_* ones", async () => {
    writeFileSync(tokenFile, await emulator.issueFederatedToken({ issuer: "github", subject: SUBJECT }));
    emulator.clearRequests();
    const r = await box.run(
      [
        "token",
        "--client-credentials",
        "--scope",
        IDS.apiDefault,
        "--no-instance-discovery",
        "--tenant",
        "contoso.onmicrosoft.com",
        "--cache",
        join(box.dir, "c4.json"),
      ],
      { env: { ...env, AZURE_CLIENT_ID: "00000000-0000-4000-8000-000000000000", MSAL_TS_CLIENT_ID: IDS.confidential } },
    );
    assert.equal(r.code, 0, r.stderr);
    // The --tenant flag replaced AZURE_TENANT_ID in the authority (discovery names the token endpoint by id).
    assert.ok(
      emulator.requests().some((q) => q.path === "/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration"),
    );
    assert.equal(tokenRequests()[0]?.form.client_id, IDS.confidential);
  });
});
