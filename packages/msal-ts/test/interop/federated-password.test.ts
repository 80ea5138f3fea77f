/**
 * Username/password for a federated user, side by side with MSAL Python (Debian's python3-msal 1.21,
 * unmodified), against the emulator's federation server: both clients make the same requests (user realm,
 * MEX, WS-Trust 1.3 RST, SAML 2.0 bearer grant: same paths, headers, form fields and SOAP fields, the
 * random and time-bound values aside), get tokens for the same user, and read each other's caches.
 * The emulator listens on 443 because MSAL Python drops the port from the user-realm URL.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { defaultConfig, startEmulator, type Emulator, type RequestLogEntry } from "entra-emulator";
import { PublicClientApplication, SerializableTokenCache } from "../../src/index.ts";
import { IDS, emulatorOptions } from "../helpers/emulator.ts";
import { expectToken } from "../helpers/results.ts";
import { runPythonPeer } from "../helpers/python-peer.ts";

const PEER = fileURLToPath(new URL("./python/cache_peer.py", import.meta.url));
const GRAPH = "https://graph.microsoft.com/User.Read";
const FRED = { username: "fred@contoso.com", password: "fred's <federated> p&ssword" };
const SAML2_BEARER = "urn:ietf:params:oauth:grant-type:saml2-bearer";

type Json = Record<string, unknown>;

/** Headers that differ between two clients by nature (library, version, platform, ids, connection). */
const CLIENT_HEADERS = /^(user-agent|x-client-|client-request-id|x-ms-lib-capability|connection|accept-encoding|content-length|host|return-client-request-id|x-app-)/;
/** Form and SOAP fields that are random or time-bound in every request. */
const VOLATILE = new Set(["assertion", "message_id"]);

/** What two clients' requests must share: method, path, query, route, status, headers, form and SOAP fields. */
function comparable(r: RequestLogEntry): Json {
  const keep = (record: Record<string, string> | undefined) =>
    Object.fromEntries(Object.entries(record ?? {}).map(([k, v]) => [k, VOLATILE.has(k) ? "<volatile>" : v]));
  return {
    request: `${r.method} ${r.path}`,
    route: r.route,
    status: r.status,
    query: r.query,
    // `Accept: */*` (python-requests' default) states no preference: the same as no Accept header.
    headers: Object.fromEntries(
      Object.entries(r.headers).filter(([k, v]) => !CLIENT_HEADERS.test(k) && !(k === "accept" && v === "*/*")),
    ),
    form: keep(r.form),
    soap: keep(r.soap),
  };
}

describe("federated username/password: msal-ts and MSAL Python side by side", () => {
  let emulator: Emulator;
  let dir: string;
  let caPath: string;

  const python = (cache: string, steps: Json[]): Promise<{ results: Json[]; cache: string }> =>
    runPythonPeer(PEER, { authority: emulator.authority(), ca: caPath, cache, steps });

  before(async () => {
    const config = defaultConfig();
    config.users.push({ ...FRED, tenant: "contoso.onmicrosoft.com", displayName: "Fred Federated", federated: true });
    emulator = await startEmulator({ config, port: 443 });
    dir = mkdtempSync(join(tmpdir(), "msal-ts-federated-"));
    caPath = join(dir, "ca.pem");
    writeFileSync(caPath, emulator.caPem);
  });
  after(async () => {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the same requests, in the same order, from both clients; tokens for the same user", async () => {
    emulator.clearRequests();
    const py = await python("", [{ op: "username_password", client_id: IDS.cli, ...FRED, scopes: [GRAPH] }]);
    const pyResult = py.results[0] as Json;
    assert.equal(typeof pyResult.access_token, "string", JSON.stringify(pyResult));
    const pyRequests = emulator.requests();

    emulator.clearRequests();
    const app = new PublicClientApplication(IDS.cli, emulatorOptions(emulator));
    const tsResult = expectToken(await app.acquireTokenByUsernamePassword(FRED.username, FRED.password, [GRAPH]));
    const tsRequests = emulator.requests();

    assert.deepEqual(
      tsRequests.filter((r) => r.route !== "discovery").map((r) => `${r.method} ${r.path} ${r.status}`),
      [
        `GET /common/userrealm/${FRED.username} 200`,
        "GET /adfs/services/trust/mex 200",
        "POST /adfs/services/trust/13/usernamemixed 200",
        `POST /${IDS.tenantId}/oauth2/v2.0/token 200`,
      ],
    );
    assert.deepEqual(tsRequests.map(comparable), pyRequests.map(comparable));
    const grant = tsRequests.find((r) => r.route === "token");
    assert.equal(grant?.form.grant_type, SAML2_BEARER);
    assert.match(grant?.form.assertion ?? "", /^\[masked: \d+ chars, sha256 [0-9a-f]{4}\]$/);
    const wsTrust = tsRequests.find((r) => r.route === "wstrust");
    assert.equal(wsTrust?.soap?.username, FRED.username);
    assert.equal(wsTrust?.soap?.password, pyRequests.find((r) => r.route === "wstrust")?.soap?.password, "the same password, masked alike");

    assert.equal(tsResult.id_token_claims?.preferred_username, FRED.username);
    assert.equal((pyResult.id_token_claims as Json).preferred_username, FRED.username);
    assert.equal(tsResult.id_token_claims?.oid, (pyResult.id_token_claims as Json).oid);
    assert.deepEqual(tsResult.id_token_claims?.amr, ["fed"]);

    // Each reads the other's cache: MSAL Python's account is msal-ts's, and the reverse.
    const fromPython = new SerializableTokenCache();
    fromPython.deserialize(py.cache);
    const tsReader = new PublicClientApplication(IDS.cli, { ...emulatorOptions(emulator), tokenCache: fromPython });
    const [account] = await tsReader.getAccounts();
    assert.equal(account?.username, FRED.username);
    const silent = expectToken(await tsReader.acquireTokenSilent([GRAPH], account!));
    assert.equal(silent.access_token, pyResult.access_token);

    const tsCache = new SerializableTokenCache();
    const writer = new PublicClientApplication(IDS.cli, { ...emulatorOptions(emulator), tokenCache: tsCache });
    expectToken(await writer.acquireTokenByUsernamePassword(FRED.username, FRED.password, [GRAPH]));
    const read = await python(tsCache.serialize(), [{ op: "accounts", client_id: IDS.cli }]);
    assert.deepEqual((read.results[0] as unknown as Json[]).map((a) => a.username), [FRED.username]);
  });
});
