/**
 * Federated username/password side by side with MSAL Python (Debian's python3-msal, unmodified) against the
 * emulator, compared where each library hands its requests to its HTTP client (federated-password.test.ts
 * beside this file compares them as the emulator received them, and the caches): both sign the same federated
 * user in through a recording client. The requests must match: method and URL, the MEX GET's and the SOAP
 * POST's headers exactly as each library sets them, the whole SOAP envelope as a tree (prefixes and whitespace
 * aside; the Timestamp's and MessageID's values aside), and the token POST's form fields (the assertion's value
 * aside: each sign-in gets a new one) with no X-AnchorMailbox.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { defaultConfig, startEmulator, type Emulator } from "entra-emulator";
import { PublicClientApplication } from "../../src/index.ts";
import { createDefaultHttpClient } from "../../src/http/default-client.ts";
import { RecordingHttpClient, type RecordedRequest } from "../helpers/fakes.ts";
import { IDS } from "../helpers/emulator.ts";
import { expectToken } from "../helpers/results.ts";
import { runPythonPeer } from "../helpers/python-peer.ts";
import { NS, xmlTree, type XmlTree } from "../helpers/wstrust.ts";

const PEER = fileURLToPath(new URL("./python/ropc_peer.py", import.meta.url));
const FRED = { username: "fred@contoso.com", password: `fred-password&<x>'"` };
const SCOPES = ["User.Read"];

type Json = Record<string, unknown>;

/** The envelope as a tree, with the values that differ on every request (time, message id) blanked. */
function envelopeShape(xml: string): XmlTree {
  const volatile = new Set([`{${NS.wsu}}Created`, `{${NS.wsu}}Expires`, `{${NS.wsa}}MessageID`]);
  const blank = (t: XmlTree): XmlTree => ({
    ...t,
    text: volatile.has(t.name) ? "<volatile>" : t.text,
    children: t.children.map(blank),
  });
  return blank(xmlTree(xml));
}

/** What must be equal in one request of either library. */
function comparable(r: RecordedRequest): Json {
  const url = r.url.replace(/^https:\/\/(localhost|127\.0\.0\.1)(:\d+)?/, "https://emulator");
  if (r.url.includes("openid-configuration")) return { method: r.method, url };
  if (r.url.includes("/userrealm/")) {
    return { method: r.method, url, accept: r.headers.Accept, hasRequestId: "client-request-id" in r.headers };
  }
  if (r.url.endsWith("/mex")) return { method: r.method, url, headers: r.headers, data: r.data ?? null };
  if (r.url.includes("/usernamemixed")) {
    return { method: r.method, url, headers: r.headers, envelope: envelopeShape(String(r.data)) };
  }
  const form = { ...(r.data as Record<string, string>) };
  form.assertion = form.assertion ? "<assertion>" : "<missing>";
  const anchor = Object.keys(r.headers).some((h) => h.toLowerCase() === "x-anchormailbox");
  return { method: r.method, url, form, anchor };
}

describe("federated username/password: msal-ts sends what MSAL Python sends", () => {
  let emulator: Emulator;
  let dir: string;
  let caPath: string;

  before(async () => {
    const config = defaultConfig();
    config.users.push({ ...FRED, tenant: "contoso.onmicrosoft.com", federated: true });
    emulator = await startEmulator({ config });
    dir = mkdtempSync(join(tmpdir(), "msal-ts-wstrust-"));
    caPath = join(dir, "ca.pem");
    writeFileSync(caPath, emulator.caPem);
  });
  after(async () => {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** MSAL Python's sign-in (asynchronous: the emulator runs in this process and must keep answering). */
  async function python(): Promise<{ result: Json; requests: RecordedRequest[]; accounts: Json[] }> {
    const input = { authority: emulator.authority(), ca: caPath, client_id: IDS.cli, ...FRED, scopes: SCOPES };
    const out = await runPythonPeer<{ result: Json; requests: (RecordedRequest & { params: unknown })[]; accounts: Json[] }>(
      PEER,
      input,
    );
    return { ...out, requests: out.requests.map((r) => ({ ...r, params: r.params ?? undefined }) as RecordedRequest) };
  }

  it("the same requests, the same answers, the same account", async () => {
    const py = await python();
    assert.ok(typeof py.result.access_token === "string", JSON.stringify(py.result.error ?? py.result.exception));

    const http = new RecordingHttpClient();
    const real = createDefaultHttpClient({ verify: emulator.caPem });
    http.responder = (r) =>
      r.method === "GET"
        ? real.get(r.url, { headers: r.headers })
        : real.post(r.url, { headers: r.headers, ...(r.data !== undefined ? { data: r.data } : {}) });
    const pca = new PublicClientApplication(IDS.cli, { authority: emulator.authority(), instanceDiscovery: false, httpClient: http });
    const ts = expectToken(await pca.acquireTokenByUsernamePassword(FRED.username, FRED.password, SCOPES));
    await real.close?.();

    assert.deepEqual(http.requests.map(comparable), py.requests.map(comparable));
    assert.deepEqual(
      http.requests.map((r) => `${r.method} ${r.url}`).filter((l) => !l.includes("openid-configuration")).length,
      4,
      "user realm, MEX, WS-Trust, token",
    );

    assert.equal(ts.token_type, py.result.token_type);
    assert.equal(ts.scope, py.result.scope);
    assert.equal(ts.id_token_claims?.preferred_username, (py.result.id_token_claims as Json).preferred_username);
    const tsAccounts = await pca.getAccounts();
    assert.deepEqual(
      tsAccounts.map((a) => [a.username, a.home_account_id, a.realm, a.environment.replace(/:\d+$/, "")]),
      py.accounts.map((a) => [a.username, a.home_account_id, a.realm, String(a.environment).replace(/:\d+$/, "")]),
    );
  });
});
