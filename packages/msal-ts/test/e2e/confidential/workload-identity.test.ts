/**
 * Workload identity federation end to end: the client assertion is the token in a federated token file (as
 * Kubernetes projects it and GitHub Actions can write it), minted by the emulator's test issuer and trusted by
 * a federated identity credential of the app. The file is read for each token request (a rotated token is
 * picked up), never on a cache hit; configuration from options or the AZURE_* variables; MsalTokenCredential.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { defaultConfig, startEmulator, type Emulator } from "entra-emulator";
import {
  ConfidentialClientApplication,
  CredentialError,
  InvalidArgumentError,
  MsalError,
  MsalTokenCredential,
  workloadIdentityApplication,
  type Logger,
} from "../../../src/index.ts";
import { FakeClock } from "../../helpers/fakes.ts";
import { IDS } from "../../helpers/emulator.ts";
import { expectError, expectToken } from "../../helpers/results.ts";

const SUBJECT = "system:serviceaccount:orders:worker";
const TOKEN_PATH = /\/oauth2\/v2\.0\/token$/i;

describe("workload identity (federated token file) against the emulator", () => {
  let emulator: Emulator;
  let dir: string;
  let tokenFile: string;
  const logLines: string[] = [];
  const logger: Logger = { log: (_level, message) => logLines.push(message) };

  before(async () => {
    const config = defaultConfig();
    const app = config.apps.find((a) => a.clientId === IDS.confidential);
    if (!app) throw new Error("demo config changed");
    app.federatedIdentityCredentials = [{ name: "aks", testIssuer: "aks", subject: SUBJECT }];
    emulator = await startEmulator({ config, rawRequestLog: true });
    dir = mkdtempSync(join(tmpdir(), "msal-ts-wi-"));
    tokenFile = join(dir, "azure-identity-token");
  });
  after(async () => {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const mint = (subject = SUBJECT): Promise<string> => emulator.issueFederatedToken({ issuer: "aks", subject });
  /** The client assertions the emulator's token endpoint received, oldest first. */
  const assertions = (): string[] =>
    emulator
      .requests()
      .filter((r) => r.method === "POST" && TOKEN_PATH.test(r.path))
      .map((r) => r.form.client_assertion ?? "");
  const appOptions = (extra: Record<string, unknown> = {}) => ({
    ...emulator.clientOptions("contoso.onmicrosoft.com"),
    logger,
    ...extra,
  });

  it("reads the token file for a token; a cache hit does not read it", async () => {
    const federated = await mint();
    writeFileSync(tokenFile, `${federated}\n`); // an `echo`'s newline is not part of the token
    const app = new ConfidentialClientApplication(IDS.confidential, {
      ...appOptions(),
      clientCredential: { federatedTokenFile: tokenFile },
    });
    emulator.clearRequests();
    const first = expectToken(await app.acquireTokenForClient([IDS.apiDefault]));
    assert.equal(first.token_source, "identity_provider");
    assert.deepEqual(assertions(), [federated]);
    const form = emulator.requests().find((r) => TOKEN_PATH.test(r.path))?.form;
    assert.equal(form?.client_assertion_type, "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    assert.equal(form?.client_secret, undefined);
    // With the file gone, a cache hit still answers: it never reads the file.
    rmSync(tokenFile);
    const second = expectToken(await app.acquireTokenForClient([IDS.apiDefault]));
    assert.equal(second.token_source, "cache");
    assert.equal(second.access_token, first.access_token);
    assert.equal(assertions().length, 1);
  });

  it("picks up a rotated token once the access token expired, and on a claims challenge", async () => {
    const clock = new FakeClock();
    const app = new ConfidentialClientApplication(IDS.confidential, {
      ...appOptions({ clock }),
      clientCredential: { federatedTokenFile: tokenFile },
    });
    const before = await mint();
    writeFileSync(tokenFile, before);
    emulator.clearRequests();
    expectToken(await app.acquireTokenForClient([IDS.apiDefault]));
    const rotated = await mint();
    assert.notEqual(rotated, before);
    writeFileSync(tokenFile, rotated); // the kubelet replaces the projected token
    assert.equal(expectToken(await app.acquireTokenForClient([IDS.apiDefault])).token_source, "cache");
    clock.advance(2 * 3600 * 1000); // past the access token's expiry
    assert.equal(expectToken(await app.acquireTokenForClient([IDS.apiDefault])).token_source, "identity_provider");
    const again = await mint();
    writeFileSync(tokenFile, again);
    const challenged = await app.acquireTokenForClient([IDS.apiDefault], {
      claimsChallenge: '{"access_token":{"nbf":{"essential":true,"value":"1"}}}',
    });
    assert.equal(expectToken(challenged).token_source, "identity_provider");
    assert.deepEqual(assertions(), [before, rotated, again]);
  });

  it("a token with a wrong subject gets Entra's AADSTS70021 error back", async () => {
    writeFileSync(tokenFile, await mint("system:serviceaccount:orders:intruder"));
    const app = new ConfidentialClientApplication(IDS.confidential, {
      ...appOptions(),
      clientCredential: { federated_token_file: tokenFile },
    });
    const error = expectError(await app.acquireTokenForClient([IDS.apiDefault]));
    assert.equal(error.error, "invalid_request");
    assert.deepEqual(error.error_codes, [70021]);
    assert.match(
      String(error.error_description),
      /^AADSTS70021: No matching federated identity record found for presented assertion\. Assertion Issuer: '[^']+\/federation-test-issuer\/aks'\. Assertion Subject: 'system:serviceaccount:orders:intruder'\. Assertion Audience: 'api:\/\/AzureADTokenExchange'\./,
    );
  });

  it("from the AZURE_* variables: workloadIdentityApplication and { federatedTokenFile: true }", async () => {
    const federated = await mint();
    writeFileSync(tokenFile, federated);
    const env = {
      AZURE_CLIENT_ID: IDS.confidential,
      AZURE_TENANT_ID: IDS.tenantId,
      AZURE_AUTHORITY_HOST: `${emulator.url}/`,
      AZURE_FEDERATED_TOKEN_FILE: tokenFile,
    };
    const { verify } = emulator.clientOptions();
    emulator.clearRequests();
    const app = workloadIdentityApplication({ env, verify, instanceDiscovery: false, logger });
    assert.equal(app.clientId, IDS.confidential);
    expectToken(await app.acquireTokenForClient([IDS.apiDefault]));
    const viaTrue = new ConfidentialClientApplication(IDS.confidential, {
      ...appOptions({ env }),
      clientCredential: { federatedTokenFile: true },
    });
    expectToken(await viaTrue.acquireTokenForClient([IDS.apiDefault]));
    assert.deepEqual(assertions(), [federated, federated]);
    assert.ok(
      emulator.requests().every((r) => !TOKEN_PATH.test(r.path) || r.path.includes(`/${IDS.tenantId}/`)),
      "the authority is AZURE_AUTHORITY_HOST + AZURE_TENANT_ID",
    );
    // Options win over the variables.
    const other = join(dir, "other-token");
    writeFileSync(other, await mint("system:serviceaccount:orders:intruder"));
    const overridden = workloadIdentityApplication({ env, tokenFilePath: other, verify, instanceDiscovery: false });
    assert.deepEqual(expectError(await overridden.acquireTokenForClient([IDS.apiDefault])).error_codes, [70021]);
  });

  it("MsalTokenCredential over a workload identity application", async () => {
    writeFileSync(tokenFile, await mint());
    const { verify } = emulator.clientOptions();
    const app = workloadIdentityApplication({
      clientId: IDS.confidential,
      tenantId: "contoso.onmicrosoft.com",
      authorityHost: emulator.url,
      tokenFilePath: tokenFile,
      env: {},
      verify,
      instanceDiscovery: false,
    });
    const credential = new MsalTokenCredential({ app });
    const token = await credential.getToken(IDS.apiDefault);
    assert.ok(token && token.token.split(".").length === 3);
    writeFileSync(tokenFile, await mint("system:serviceaccount:orders:intruder"));
    await assert.rejects(credential.getToken(`${IDS.apiDefault}`, { claims: '{"access_token":{}}' }), (e) => {
      assert.ok(e instanceof CredentialError);
      assert.equal(e.error, "invalid_request");
      return true;
    });
  });

  it("a missing, empty, non-JWT or special file is a clear error that never shows the content", async () => {
    const app = (path: string) =>
      new ConfidentialClientApplication(IDS.confidential, {
        ...appOptions(),
        clientCredential: { federatedTokenFile: path },
      });
    const expectFileError = async (path: string, problem: RegExp) => {
      await assert.rejects(app(path).acquireTokenForClient([IDS.apiDefault]), (e) => {
        assert.ok(e instanceof MsalError);
        assert.equal(e.code, "federated_token_file_error");
        assert.ok(e.message.includes(path), e.message);
        assert.match(e.message, /clientCredential\.federatedTokenFile/);
        assert.match(e.message, problem);
        assert.doesNotMatch(e.message, /hunter2|eyJ/);
        return true;
      });
    };
    await expectFileError(join(dir, "missing"), /cannot be opened \(ENOENT\)/);
    writeFileSync(join(dir, "empty"), " \n");
    await expectFileError(join(dir, "empty"), /is empty/);
    writeFileSync(join(dir, "not-jwt"), "password: hunter2\n");
    await expectFileError(join(dir, "not-jwt"), /does not hold a JWT/);
    writeFileSync(join(dir, "huge"), Buffer.alloc(70 * 1024, "e"));
    await expectFileError(join(dir, "huge"), /larger than 65536 bytes/);
    mkdirSync(join(dir, "a-folder"));
    await expectFileError(join(dir, "a-folder"), /is not a regular file/);
    // A FIFO with no writer would block a plain open(); it is refused at once instead.
    execFileSync("mkfifo", [join(dir, "fifo")]);
    await expectFileError(join(dir, "fifo"), /is not a regular file/);
    // The variable named, when the path came from it.
    await assert.rejects(
      new ConfidentialClientApplication(IDS.confidential, {
        ...appOptions({ env: { AZURE_FEDERATED_TOKEN_FILE: join(dir, "missing") } }),
        clientCredential: { federatedTokenFile: true },
      }).acquireTokenForClient([IDS.apiDefault]),
      /named by AZURE_FEDERATED_TOKEN_FILE\) cannot be opened \(ENOENT\)/,
    );
  });

  it("missing configuration is refused at construction, naming the variable", () => {
    assert.throws(
      () =>
        new ConfidentialClientApplication(IDS.confidential, {
          ...appOptions({ env: {} }),
          clientCredential: { federatedTokenFile: true },
        }),
      (e) => e instanceof InvalidArgumentError && /AZURE_FEDERATED_TOKEN_FILE/.test(e.message),
    );
    assert.throws(
      () =>
        new ConfidentialClientApplication(IDS.confidential, { clientCredential: { federatedTokenFile: 42 as never } }),
      InvalidArgumentError,
    );
    assert.throws(
      () =>
        new ConfidentialClientApplication(IDS.confidential, {
          clientCredential: { federatedTokenFile: "f", clientAssertion: "a" } as never,
        }),
      /exactly one kind of credential/,
    );
    const full = { AZURE_CLIENT_ID: "c", AZURE_TENANT_ID: "t", AZURE_FEDERATED_TOKEN_FILE: "f" };
    for (const missing of Object.keys(full)) {
      const env: Record<string, string> = { ...full, [missing]: "" };
      assert.throws(
        () => workloadIdentityApplication({ env }),
        (e) => e instanceof InvalidArgumentError && e.message.includes(missing),
      );
    }
    assert.throws(() => workloadIdentityApplication({ env: { ...full, AZURE_TENANT_ID: "a/b" } }), /tenant/);
  });

  it("no log line holds a federated token", () => {
    assert.ok(logLines.length > 0, "the applications logged");
    for (const line of logLines) assert.doesNotMatch(line, /eyJ[\w-]+\.eyJ/);
  });
});
