/**
 * Cache interop with MSAL Python (Debian's python3-msal, unmodified) through the emulator: a cache MSAL
 * Python wrote is used by msal-ts (hits and a refresh with Python's refresh token), and a cache msal-ts
 * wrote is used by MSAL Python (get_accounts, acquire_token_silent, a refresh with msal-ts's RT).
 */
import assert from "node:assert/strict";
import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import type { Emulator } from "entra-emulator";
import { ClientApplication, ConfidentialClientApplication, SerializableTokenCache, type AuthCodeFlow } from "../../src/index.ts";
import { IDS, emulatorOptions, startTestEmulator } from "../helpers/emulator.ts";
import { expectToken } from "../helpers/results.ts";
import { runPythonPeer } from "../helpers/python-peer.ts";

const PEER = fileURLToPath(new URL("./python/cache_peer.py", import.meta.url));
const GRAPH = "https://graph.microsoft.com/User.Read";
const REDIRECT = "http://localhost:8400";

type Json = Record<string, unknown>;

describe("cache interop with MSAL Python", () => {
  let emulator: Emulator;
  let dir: string;
  let caPath: string;

  /** Runs steps in MSAL Python (see runPythonPeer). */
  const python = (cache: string, steps: Json[]): Promise<{ results: unknown[]; cache: string }> =>
    runPythonPeer(PEER, { authority: emulator.authority(), ca: caPath, cache, steps });

  before(async () => {
    emulator = await startTestEmulator({ rawRequestLog: true });
    dir = mkdtempSync(join(tmpdir(), "msal-ts-interop-"));
    caPath = join(dir, "ca.pem");
    writeFileSync(caPath, emulator.caPem);
  });
  after(async () => {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("MSAL Python's cache (client credentials + auth code) is read by msal-ts: hits, then a refresh with Python's RT", async () => {
    const [flow] = (await python("", [{ op: "initiate", client_id: IDS.cli, scopes: [GRAPH], redirect_uri: REDIRECT }])).results as Json[];
    const params = (await emulator.signIn({ authUri: String(flow!.auth_uri), username: "alice@contoso.com", password: "alice-password" })).params;
    const written = await python("", [
      { op: "redeem", client_id: IDS.cli, flow, response: params },
      { op: "client_credentials", client_id: IDS.confidential, secret: IDS.confidentialSecret, scopes: [IDS.apiDefault] },
    ]);
    const [userResult, appResult] = written.results as Json[];
    assert.ok(userResult?.access_token && appResult?.access_token, JSON.stringify(written.results));

    const cache = new SerializableTokenCache();
    cache.deserialize(written.cache);
    const cli = new ClientApplication(IDS.cli, { ...emulatorOptions(emulator), tokenCache: cache }, "public");
    const accounts = await cli.getAccounts();
    assert.equal(accounts.length, 1);
    assert.equal(accounts[0]?.username, "alice@contoso.com");
    emulator.clearRequests();
    const hit = await cli.acquireTokenSilent([GRAPH], accounts[0]!);
    assert.equal(hit?.token_source, "cache");
    assert.equal(hit?.access_token, userResult.access_token);
    const daemon = new ConfidentialClientApplication(IDS.confidential, { clientCredential: IDS.confidentialSecret, ...emulatorOptions(emulator), tokenCache: cache });
    const appHit = await daemon.acquireTokenForClient([IDS.apiDefault]);
    assert.equal(expectToken(appHit).token_source, "cache");
    assert.equal(expectToken(appHit).access_token, appResult.access_token);
    assert.equal(emulator.requests().length, 1, "only the daemon's discovery GET, no token request");

    const refreshed = await cli.acquireTokenSilent([GRAPH], accounts[0]!, { forceRefresh: true });
    assert.equal(refreshed?.token_source, "identity_provider");
    const refresh = emulator.requests().find((r) => r.form.grant_type === "refresh_token");
    assert.equal(refresh?.form.refresh_token, userResult.refresh_token, "MSAL Python's refresh token was redeemed");
    assert.equal(cache.find("RefreshToken").length, 1, "no duplicate RT entry");
  });

  it("msal-ts's cache is read by MSAL Python: get_accounts, acquire_token_silent from cache, then a refresh with msal-ts's RT", async () => {
    const cache = new SerializableTokenCache();
    const cli = new ClientApplication(IDS.cli, { ...emulatorOptions(emulator), tokenCache: cache }, "public");
    const flow: AuthCodeFlow = await cli.initiateAuthCodeFlow([GRAPH], { redirectUri: REDIRECT });
    const params = (await emulator.signIn({ authUri: flow.auth_uri, username: "alice@contoso.com", password: "alice-password" })).params;
    const ours = await cli.acquireTokenByAuthCodeFlow(flow, params);
    assert.ok("access_token" in ours);

    const read = await python(cache.serialize(), [
      { op: "accounts", client_id: IDS.cli },
      { op: "silent", client_id: IDS.cli, scopes: [GRAPH] },
    ]);
    const [accounts, silent] = read.results as [Json[], Json];
    assert.equal(accounts.length, 1);
    assert.equal(accounts[0]?.username, "alice@contoso.com");
    assert.equal(silent?.access_token, ours.access_token, "MSAL Python returned msal-ts's access token from the cache");

    emulator.clearRequests();
    const refreshed = await python(cache.serialize(), [{ op: "silent", client_id: IDS.cli, scopes: [GRAPH], force_refresh: true }]);
    const [fresh] = refreshed.results as Json[];
    assert.ok(fresh?.access_token, JSON.stringify(fresh));
    assert.notEqual(fresh?.access_token, ours.access_token);
    assert.equal(emulator.requests().find((r) => r.form.grant_type === "refresh_token")?.form.refresh_token, ours.refresh_token);
  });
});
