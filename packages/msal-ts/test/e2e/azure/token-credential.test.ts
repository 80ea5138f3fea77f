/**
 * MsalTokenCredential in a real Azure SDK pipeline: @azure/core-rest-pipeline's bearer-token policy calls
 * a local HTTPS resource with tokens from msal-ts (client credentials, a signed-in user, managed identity),
 * including a Continuous Access Evaluation (CAE) claims challenge round trip.
 */
import assert from "node:assert/strict";
import { Agent, createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createEmptyPipeline,
  createPipelineRequest,
} from "@azure/core-rest-pipeline";
import type { TokenCredential as AzureTokenCredential } from "@azure/core-auth";
import type { Emulator } from "entra-emulator";
import {
  ConfidentialClientApplication,
  CredentialError,
  ManagedIdentityClient,
  MsalTokenCredential,
  PublicClientApplication,
  SystemAssignedManagedIdentity,
  type Account,
} from "../../../src/index.ts";
import { IDS, TEST_CERT, TEST_KEY, emulatorOptions, startTestEmulator } from "../../helpers/emulator.ts";

const CAE_CLAIMS = JSON.stringify({ access_token: { nbf: { essential: true, value: "1700000000" } } });

describe("MsalTokenCredential with @azure/core-rest-pipeline", () => {
  let emulator: Emulator;
  let resource: Server;
  let url: string;
  let agent: Agent;
  /** Tokens the resource has seen, and whether it should challenge the next one. */
  const seen: string[] = [];
  let challengeNext = false;

  before(async () => {
    emulator = await startTestEmulator();
    resource = createServer({ cert: TEST_CERT, key: TEST_KEY, passphrase: "password" }, (req, res) => {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      if (!token) {
        res
          .writeHead(401, {
            "WWW-Authenticate": 'Bearer authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"',
          })
          .end();
        return;
      }
      seen.push(token);
      if (challengeNext) {
        challengeNext = false;
        res
          .writeHead(401, {
            "WWW-Authenticate": `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="${Buffer.from(CAE_CLAIMS).toString("base64")}"`,
          })
          .end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true }));
    });
    await new Promise<void>((resolve) => resource.listen(0, "127.0.0.1", resolve));
    url = `https://127.0.0.1:${(resource.address() as AddressInfo).port}/orders`;
    // The test certificate is self-signed for no host name: trust it, skip the name check (test only).
    agent = new Agent({ ca: TEST_CERT, checkServerIdentity: () => undefined });
  });
  after(async () => {
    agent.destroy();
    await new Promise<void>((resolve) => resource.close(() => resolve()));
    await emulator.close();
  });

  async function send(credential: AzureTokenCredential, scopes: string): Promise<number> {
    const pipeline = createEmptyPipeline();
    pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential, scopes }));
    const request = createPipelineRequest({ url });
    request.agent = agent;
    const response = await pipeline.sendRequest(createDefaultHttpClient(), request);
    return response.status;
  }

  it("client credentials: the Azure SDK policy gets the token and calls the resource", async () => {
    const app = new ConfidentialClientApplication(IDS.confidential, {
      clientCredential: IDS.confidentialSecret,
      ...emulatorOptions(emulator),
      clientCapabilities: ["CP1"],
    });
    assert.equal(await send(new MsalTokenCredential({ app }), IDS.apiDefault), 200);
    const claims = JSON.parse(Buffer.from(seen.at(-1)!.split(".")[1]!, "base64url").toString()) as Record<
      string,
      unknown
    >;
    assert.equal(claims.azp, IDS.confidential);
  });

  it("CAE: a claims challenge makes the policy ask for a new token with the claims, and the retry succeeds", async () => {
    const app = new ConfidentialClientApplication(IDS.confidential, {
      clientCredential: IDS.confidentialSecret,
      ...emulatorOptions(emulator),
      clientCapabilities: ["CP1"],
    });
    const credential = new MsalTokenCredential({ app });
    challengeNext = true;
    emulator.clearRequests();
    const before = seen.length;
    assert.equal(await send(credential, IDS.apiDefault), 200);
    assert.equal(seen.length - before, 2, "first call challenged, the retry accepted");
    const tokenRequests = emulator.requests().filter((r) => r.method === "POST" && r.path.endsWith("/token"));
    const withClaims = tokenRequests.find((r) => (r.form.claims ?? "").includes("nbf"));
    assert.ok(withClaims, "a token request carried the challenge's claims");
    const merged = JSON.parse(withClaims.form.claims!) as { access_token: Record<string, unknown> };
    assert.deepEqual(merged.access_token.nbf, { essential: true, value: "1700000000" });
    assert.deepEqual(merged.access_token.xms_cc, { values: ["CP1"] }, "client capabilities merged in");
    assert.notEqual(seen.at(-1), seen.at(-2), "the retry used the new token");
  });

  it("a signed-in user (silent) and managed identity", async () => {
    const pca = new PublicClientApplication(IDS.cli, emulatorOptions(emulator));
    await pca.acquireTokenByUsernamePassword("alice@contoso.com", "alice-password", [IDS.apiScope]);
    const [account] = await pca.getAccounts();
    assert.equal(await send(new MsalTokenCredential({ app: pca, account: account! }), IDS.apiScope), 200);
    const mi = new ManagedIdentityClient(new SystemAssignedManagedIdentity(), {
      env: emulator.managedIdentityEnv("imds"),
    });
    assert.equal(
      await send(new MsalTokenCredential({ managedIdentity: mi }), "https://management.azure.com/.default"),
      200,
    );
  });

  it("getToken: expiry in milliseconds, errors thrown, abort honoured, bad construction refused", async () => {
    const app = new ConfidentialClientApplication(IDS.confidential, {
      clientCredential: IDS.confidentialSecret,
      ...emulatorOptions(emulator),
    });
    const t = await new MsalTokenCredential({ app }).getToken(IDS.apiDefault);
    assert.ok(t && t.expiresOnTimestamp > Date.now() + 3_000_000 && t.tokenType === "Bearer");
    const wrong = new ConfidentialClientApplication(IDS.confidential, {
      clientCredential: "nope",
      ...emulatorOptions(emulator),
    });
    await assert.rejects(
      new MsalTokenCredential({ app: wrong }).getToken(IDS.apiDefault),
      (e: Error) =>
        e instanceof CredentialError && e.message.startsWith("invalid_client:") && !e.message.includes("nope"),
    );
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    await assert.rejects(
      new MsalTokenCredential({ app }).getToken("https://graph.microsoft.com/.default", {
        abortSignal: controller.signal,
      }),
      /stop/,
    );
    const pca = new PublicClientApplication(IDS.cli, emulatorOptions(emulator));
    assert.throws(() => new MsalTokenCredential({ app: pca } as never), /account/);
    const nobody: Account = {
      home_account_id: "x.y",
      environment: "localhost",
      realm: "r",
      local_account_id: "",
      username: "",
      authority_type: "MSSTS",
    };
    await assert.rejects(
      new MsalTokenCredential({ app: pca, account: nobody }).getToken(IDS.apiScope),
      /sign the user in again/,
    );
  });
});
