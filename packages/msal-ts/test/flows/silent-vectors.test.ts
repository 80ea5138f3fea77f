/**
 * Silent-flow behaviour vectors of the behavior reference (8.9, 3.6-3.8, 8.7 aliases), through a scripted
 * Entra and a fake clock.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ClientApplication, ConfidentialClientApplication, TokenCache, type Account } from "../../src/index.ts";
import { FakeClock, response, type RecordedRequest } from "../helpers/fakes.ts";
import { FakeEntra } from "../helpers/entra-fake.ts";
import { clientInfo } from "../helpers/tokens.ts";
import { expectError, expectToken } from "../helpers/results.ts";

const AUTHORITY = "https://login.microsoftonline.com/common";
const ENDPOINT = "https://login.microsoftonline.com/common/oauth2/v2.0/token";
const ACCOUNT: Account = {
  home_account_id: "my_uid.my_utid",
  environment: "login.microsoftonline.com",
  realm: "common",
  local_account_id: "",
  username: "",
  authority_type: "MSSTS",
};

function seed(
  cache: TokenCache,
  clock: FakeClock,
  o: { clientId?: string; expiresIn: number; refreshIn?: number; foci?: string; rt?: string },
): void {
  cache.add(
    {
      client_id: o.clientId ?? "my_app",
      scope: ["s1", "s2"],
      token_endpoint: ENDPOINT,
      response: {
        access_token: "old AT",
        expires_in: o.expiresIn,
        ...(o.refreshIn !== undefined ? { refresh_in: o.refreshIn } : {}),
        refresh_token: o.rt ?? "RT",
        client_info: clientInfo("my_uid", "my_utid"),
        ...(o.foci ? { foci: o.foci } : {}),
      },
    },
    Math.floor(clock.now() / 1000),
  );
}

function setup(tokens: (r: RecordedRequest) => ReturnType<typeof response>, clientId = "my_app") {
  const http = new FakeEntra();
  http.token = tokens;
  const clock = new FakeClock();
  const cache = new TokenCache();
  const app = new ClientApplication(
    clientId,
    { authority: AUTHORITY, httpClient: http, clock, tokenCache: cache },
    "public",
  );
  return { http, clock, cache, app };
}

describe("8.9 silent-flow vectors", () => {
  it("empty cache: acquireTokenSilentWithError returns null without a request", async () => {
    const { app, http } = setup(() => response(500));
    assert.equal(await app.acquireTokenSilentWithError(["s1"], ACCOUNT), null);
    assert.equal(http.tokenRequests.length, 0);
  });

  it("refresh answered invalid_grant with suberror: silent gives null, WithError gives the error with classification", async () => {
    const { app, cache, clock } = setup(() => response(400, { error: "invalid_grant", suberror: "basic_action" }));
    seed(cache, clock, { expiresIn: -99 });
    assert.equal(await app.acquireTokenSilent(["s1"], ACCOUNT), null);
    const r = await app.acquireTokenSilentWithError(["s1"], ACCOUNT);
    assert.equal(expectError(r).error, "invalid_grant");
    assert.equal(expectError(r).classification, "basic_action");
  });

  it("suberror client_mismatch gives classification ''; an error without suberror is returned exactly", async () => {
    let body: Record<string, unknown> = { error: "invalid_grant", suberror: "client_mismatch" };
    const { app, cache, clock } = setup(() => response(400, body));
    seed(cache, clock, { expiresIn: -99 });
    assert.equal(expectError(await app.acquireTokenSilentWithError(["s1"], ACCOUNT)).classification, "");
    body = { error: "invalid_grant", error_description: "xyz" };
    clock.advance(61_000); // past the 60 s HTTP 400 replay
    assert.deepEqual(await app.acquireTokenSilentWithError(["s1"], ACCOUNT), {
      error: "invalid_grant",
      error_description: "xyz",
    });
  });

  it("refresh_in: a fresh AT is served with refresh_on and no I/O", async () => {
    const { app, cache, clock, http } = setup(() => response(500));
    seed(cache, clock, { expiresIn: 900, refreshIn: 450 });
    const r = await app.acquireTokenSilent(["s1"], ACCOUNT);
    assert.equal(r?.token_source, "cache");
    assert.equal(r?.refresh_on, Math.floor(clock.now() / 1000) + 450);
    assert.ok(!("refresh_in" in (r ?? {})));
    assert.equal(http.tokenRequests.length, 0, "no token request (discovery aside)");
  });

  it("aging AT + success: the new AT with its refresh_on; aging AT + 400: the old AT from the cache (4|84,4|)", async () => {
    let ok = true;
    const { app, cache, clock, http } = setup(() =>
      ok
        ? response(200, {
            access_token: "new AT",
            expires_in: 3600,
            refresh_in: 123,
            client_info: clientInfo("my_uid", "my_utid"),
          })
        : response(400, { error: "invalid_grant" }),
    );
    seed(cache, clock, { expiresIn: 3599, refreshIn: -1 });
    const fresh = await app.acquireTokenSilent(["s1"], ACCOUNT);
    assert.equal(fresh?.access_token, "new AT");
    assert.equal(fresh?.refresh_on, Math.floor(clock.now() / 1000) + 123);
    assert.equal(http.tokenRequests[0]?.headers["x-client-current-telemetry"], "4|84,4|");
    ok = false;
    const cache2 = new TokenCache();
    const app2 = new ClientApplication(
      "my_app",
      { authority: AUTHORITY, httpClient: http, clock, tokenCache: cache2 },
      "public",
    );
    seed(cache2, clock, { expiresIn: 3599, refreshIn: -1 });
    const fallback = await app2.acquireTokenSilent(["s1"], ACCOUNT);
    assert.equal(fallback?.access_token, "old AT");
    assert.equal(fallback?.token_source, "cache");
  });

  it("aging AT + a 503 (thrown by the transport layer): the old AT is served", async () => {
    const { app, cache, clock } = setup(() => response(503, "Service Unavailable"));
    seed(cache, clock, { expiresIn: 3599, refreshIn: -1 });
    assert.equal((await app.acquireTokenSilent(["s1"], ACCOUNT))?.access_token, "old AT");
  });

  it("expired AT + 400: the error; expired AT + success: the new AT", async () => {
    const { app, cache, clock } = setup(() => response(400, { error: "invalid_grant" }));
    seed(cache, clock, { expiresIn: -1 });
    assert.equal(expectError(await app.acquireTokenSilentWithError(["s1"], ACCOUNT)).error, "invalid_grant");
    const other = setup(() => response(200, { access_token: "new AT", expires_in: 3600 }));
    seed(other.cache, other.clock, { expiresIn: -1 });
    assert.equal((await other.app.acquireTokenSilent(["s1"], ACCOUNT))?.access_token, "new AT");
  });

  it("an AT inside the 5-minute margin is not served", async () => {
    const { app, cache, clock, http } = setup(() => response(200, { access_token: "new AT", expires_in: 3600 }));
    seed(cache, clock, { expiresIn: 299 });
    assert.equal((await app.acquireTokenSilent(["s1"], ACCOUNT))?.access_token, "new AT");
    assert.equal(http.tokenRequests[0]?.headers["x-client-current-telemetry"], "4|84,3|");
  });

  it("a transport failure without an aging AT is thrown", async () => {
    const { app, cache, clock } = setup(() => response(500, "oops"));
    seed(cache, clock, { expiresIn: -1 });
    await assert.rejects(app.acquireTokenSilent(["s1"], ACCOUNT), (e: Error) => e.name === "ServerError");
  });
});

describe("3.8 FOCI", () => {
  it("an unknown app tries the family RT; invalid_grant leaves it in the cache", async () => {
    const { app, cache, clock, http } = setup(
      () => response(400, { error: "invalid_grant", error_description: "Was issued to another client" }),
      "unknown_app",
    );
    seed(cache, clock, { clientId: "preexisting_family_app", expiresIn: 3600, foci: "1", rt: "FRT" });
    assert.equal(await app.acquireTokenSilent(["s1"], ACCOUNT), null);
    assert.equal((http.tokenRequests[0]?.data as Record<string, string>).refresh_token, "FRT");
    assert.equal(cache.find("RefreshToken").length, 1);
  });

  it("an unknown app whose FRT attempt succeeds gets AppMetadata family_id 1; the FRT is rotated in place", async () => {
    const { app, cache, clock } = setup(
      () =>
        response(200, {
          access_token: "atB",
          expires_in: 3600,
          refresh_token: "FRT2",
          foci: "1",
          client_info: clientInfo("my_uid", "my_utid"),
        }),
      "unknown_app",
    );
    seed(cache, clock, { clientId: "preexisting_family_app", expiresIn: 3600, foci: "1", rt: "FRT" });
    assert.equal((await app.acquireTokenSilent(["s1"], ACCOUNT))?.access_token, "atB");
    assert.equal(cache.find("AppMetadata", { query: { client_id: "unknown_app" } })[0]?.family_id, "1");
    const rts = cache.find("RefreshToken");
    assert.equal(rts.length, 1);
    assert.equal(rts[0]?.secret, "FRT2");
    assert.equal(rts[0]?.client_id, "preexisting_family_app");
  });

  it("a known orphan (AppMetadata without family_id) uses only its own RT", async () => {
    const { app, cache, clock, http } = setup(
      () => response(200, { access_token: "mine", expires_in: 3600 }),
      "orphan",
    );
    seed(cache, clock, { clientId: "preexisting_family_app", expiresIn: 3600, foci: "1", rt: "FRT" });
    seed(cache, clock, { clientId: "orphan", expiresIn: -1, rt: "OWN" });
    assert.equal((await app.acquireTokenSilent(["s1"], ACCOUNT))?.access_token, "mine");
    assert.deepEqual(
      http.tokenRequests.map((r) => (r.data as Record<string, string>).refresh_token),
      ["OWN"],
    );
  });

  it("removeAccount by the family app removes the home account's AT, RT, IdToken and Account", async () => {
    const { app, cache, clock } = setup(() => response(500), "preexisting_family_app");
    seed(cache, clock, { clientId: "preexisting_family_app", expiresIn: 3600, foci: "1", rt: "FRT" });
    await app.removeAccount(ACCOUNT);
    for (const type of ["AccessToken", "RefreshToken", "IdToken", "Account"])
      assert.equal(cache.find(type).length, 0, type);
  });
});

describe("8.7 aliases", () => {
  const metadata = {
    tenant_discovery_endpoint: "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration",
    "api-version": "1.1",
    metadata: [
      {
        preferred_network: "login.microsoftonline.com",
        preferred_cache: "login.windows.net",
        aliases: ["login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net"],
      },
    ],
  };
  function aliasSetup() {
    const s = setup(() => response(200, { access_token: "via alias", expires_in: 3600 }));
    const base = s.http.responder;
    s.http.responder = (r) => (r.url.includes("/common/discovery/instance") ? response(200, metadata) : base(r));
    return s;
  }
  function seedUnder(cache: TokenCache, clock: FakeClock, expiresIn: number): void {
    cache.add(
      {
        client_id: "my_app",
        scope: ["s1"],
        token_endpoint: "https://sts.windows.net/common/oauth2/v2.0/token",
        response: {
          access_token: "alias AT",
          expires_in: expiresIn,
          refresh_token: "alias RT",
          client_info: clientInfo("my_uid", "my_utid"),
        },
      },
      Math.floor(clock.now() / 1000),
    );
  }

  it("get_accounts finds an account written under sts.windows.net", async () => {
    const { app, cache, clock } = aliasSetup();
    seedUnder(cache, clock, 3600);
    const accounts = await app.getAccounts();
    assert.equal(accounts[0]?.environment, "sts.windows.net");
  });

  it("an AT under the alias is a cache hit; an RT under the alias is refreshed with the alias authority", async () => {
    const { app, cache, clock, http } = aliasSetup();
    seedUnder(cache, clock, 3600);
    const account = (await app.getAccounts())[0]!;
    assert.equal((await app.acquireTokenSilent(["s1"], account))?.token_source, "cache");
    const s2 = aliasSetup();
    seedUnder(s2.cache, s2.clock, -1);
    const r = await s2.app.acquireTokenSilent(["s1"], (await s2.app.getAccounts())[0]!);
    assert.equal(r?.access_token, "via alias");
    assert.equal(s2.http.tokenRequests[0]?.url, "https://sts.windows.net/common/oauth2/v2.0/token");
    void http;
  });

  it("client credentials: an msal-node app token under login.windows.net is a hit; a new token replaces it", async () => {
    const http = new FakeEntra();
    http.token = () => response(200, { access_token: "fresh", expires_in: 3600 });
    const base = http.responder;
    http.responder = (r) => (r.url.includes("/common/discovery/instance") ? response(200, metadata) : base(r));
    const clock = new FakeClock();
    const cache = new TokenCache();
    const t = Math.floor(clock.now() / 1000);
    const msalNodeEntry = (expiresOn: number) => ({
      home_account_id: "",
      environment: "login.windows.net",
      credential_type: "AccessToken",
      client_id: "cid",
      secret: "from msal-node",
      realm: "tid",
      target: "https://graph.microsoft.com/.default",
      cached_at: String(t),
      expires_on: String(expiresOn),
      extended_expires_on: String(expiresOn),
      token_type: "Bearer",
    });
    const serializable = new (await import("../../src/index.ts")).SerializableTokenCache();
    serializable.deserialize(
      JSON.stringify({
        AccessToken: {
          "-login.windows.net-accesstoken-cid-tid-https://graph.microsoft.com/.default-": msalNodeEntry(t + 3600),
        },
      }),
    );
    const app = new ConfidentialClientApplication("cid", {
      clientCredential: "s",
      authority: "https://login.microsoftonline.com/tid",
      httpClient: http,
      clock,
      tokenCache: serializable,
    });
    const hit = await app.acquireTokenForClient(["https://graph.microsoft.com/.default"]);
    assert.equal(expectToken(hit).access_token, "from msal-node");
    assert.equal(expectToken(hit).token_source, "cache");
    clock.advance(3600_000);
    const fresh = await app.acquireTokenForClient(["https://graph.microsoft.com/.default"]);
    assert.equal(expectToken(fresh).access_token, "fresh");
    assert.deepEqual(
      serializable.find("AccessToken").map((e) => e.environment),
      ["login.microsoftonline.com"],
      "the stale alias copy is gone",
    );
    void cache;
  });

  it("known host with an empty cache: get_accounts fetches instance metadata once", async () => {
    const { app, http } = aliasSetup();
    await app.getAccounts();
    await app.getAccounts();
    assert.equal(http.requests.filter((r) => r.url.includes("/discovery/instance")).length, 1);
  });
});

describe("client credentials: telemetry and aging", () => {
  it("4|730,2| on an empty cache, 4|730,3| after an expired AT, 4|730,4| for an aging AT (400 -> cached AT)", async () => {
    let body: Record<string, unknown> = { access_token: "AT", expires_in: 0 };
    let status = 200;
    const http = new FakeEntra();
    http.token = () => response(status, body);
    const clock = new FakeClock();
    const app = new ConfidentialClientApplication("cid", {
      clientCredential: "s",
      authority: "https://login.microsoftonline.com/tid",
      httpClient: http,
      clock,
    });
    await app.acquireTokenForClient(["s"]);
    body = { access_token: "AT2", expires_in: 3600, refresh_in: -100 };
    await app.acquireTokenForClient(["s"]);
    status = 400;
    body = { error: "invalid_grant" };
    const r = await app.acquireTokenForClient(["s"]);
    assert.equal(expectToken(r).access_token, "AT2");
    assert.equal(expectToken(r).token_source, "cache");
    assert.deepEqual(
      http.tokenRequests.map((q) => q.headers["x-client-current-telemetry"]),
      ["4|730,2|", "4|730,3|", "4|730,4|"],
    );
  });

  it("/common and /organizations log a warning", async () => {
    const http = new FakeEntra();
    http.token = () => response(200, { access_token: "AT", expires_in: 3600 });
    const lines: string[] = [];
    const app = new ConfidentialClientApplication("cid", {
      clientCredential: "s",
      authority: "https://login.microsoftonline.com/organizations",
      httpClient: http,
      clock: new FakeClock(),
      logger: { log: (level, m) => lines.push(`${level} ${m}`) },
    });
    await app.acquireTokenForClient(["s"]);
    assert.ok(lines.some((l) => l.startsWith("warning") && l.includes("organizations")));
    assert.ok(!lines.some((l) => l.includes("AT") && l.includes("access_token")));
  });
});
