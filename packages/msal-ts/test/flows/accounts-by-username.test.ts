/**
 * `getAccounts({ username })` reads the user-name index instead of listing every account; its answer is
 * the listing's, filtered by user name (docs/msal-python-compatibility.md 3.10): same accounts, same order,
 * same alias-host fallback, whatever the accounts' environments, realms, authority types and name cases.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ClientApplication, SerializableTokenCache } from "../../src/index.ts";
import { response } from "../helpers/fakes.ts";
import { FakeEntra } from "../helpers/entra-fake.ts";
import { PARAMS } from "../property/support.ts";

const INSTANCE_METADATA = {
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

const account = fc.record(
  {
    home_account_id: fc.constantFrom("h1", "H1", "h2", "h3", ""),
    environment: fc.constantFrom(
      "login.microsoftonline.com",
      "LOGIN.microsoftonline.com",
      "login.microsoftonline.com:443",
      "login.windows.net",
      "login.chinacloudapi.cn",
    ),
    realm: fc.constantFrom("r1", "r2"),
    local_account_id: fc.constantFrom("l1", "l2"),
    username: fc.constantFrom<unknown>("alice@x", "ALICE@x", "bob@x", "", 5, null),
    authority_type: fc.constantFrom("MSSTS", "ADFS", "MSA", "CLOUDSHELL"),
    account_source: fc.constantFrom("authorization_code", "device_code"),
  },
  { requiredKeys: ["home_account_id", "environment", "realm", "authority_type"] },
);

/** An account section as read from a file (keys as other writers choose them), then writes and removals. */
const accounts = fc.tuple(
  fc.array(account, { maxLength: 8 }),
  fc.array(fc.record({ entry: account, newName: fc.constantFrom("alice@x", "Bob@x", ""), remove: fc.boolean() }), {
    maxLength: 4,
  }),
);
type Accounts = typeof accounts extends fc.Arbitrary<infer T> ? T : never;

function cacheOf([read, writes]: Accounts): SerializableTokenCache {
  const cache = new SerializableTokenCache();
  cache.deserialize(JSON.stringify({ Account: Object.fromEntries(read.map((e, i) => [`k${i}`, e])) }));
  for (const w of writes) {
    if (w.remove) cache.modify("Account", w.entry);
    else cache.modify("Account", w.entry, { username: w.newName });
  }
  return cache;
}

describe("getAccounts({ username }) equals the full listing filtered by user name", () => {
  it("for random account sections, names in any case, with and without alias hosts", async () => {
    let found = 0;
    await fc.assert(
      fc.asyncProperty(accounts, fc.constantFrom("alice@x", "Alice@X", "bob@x", "carol@x"), async (content, wanted) => {
        const cache = cacheOf(content);
        const http = new FakeEntra();
        const discovery = http.responder;
        http.responder = (r) =>
          r.method === "GET" && r.url.includes("/common/discovery/instance")
            ? response(200, INSTANCE_METADATA)
            : discovery(r);
        const app = new ClientApplication(
          "pub",
          { authority: "https://login.microsoftonline.com/r1", httpClient: http, tokenCache: cache },
          "public",
        );
        const listed = (await app.getAccounts()).filter((a) => a.username.toLowerCase() === wanted.toLowerCase());
        assert.deepStrictEqual(await app.getAccounts({ username: wanted }), listed);
        if (listed.length > 0) found++;
      }),
      { ...PARAMS, numRuns: 2_000 },
    );
    assert.ok(found > 400, `${found} cases found an account`);
  });

  it("a write that changes an account's user name moves it in the index", async () => {
    const cache = new SerializableTokenCache();
    const entry = {
      home_account_id: "h1",
      environment: "login.microsoftonline.com",
      realm: "r1",
      authority_type: "MSSTS",
    };
    cache.modify("Account", { ...entry, username: "alice@x" }, { username: "alice@x" });
    const app = new ClientApplication(
      "pub",
      {
        authority: "https://login.microsoftonline.com/r1",
        httpClient: new FakeEntra(),
        tokenCache: cache,
        instanceDiscovery: false,
      },
      "public",
    );
    assert.equal((await app.getAccounts({ username: "ALICE@x" })).length, 1);
    cache.modify("Account", entry, { username: "bob@x" });
    assert.deepEqual(await app.getAccounts({ username: "alice@x" }), []);
    assert.deepEqual(
      (await app.getAccounts({ username: "Bob@X" })).map((a) => a.username),
      ["bob@x"],
    );
  });

  it("a new user name keeps the account's place in the listing", async () => {
    const cache = new SerializableTokenCache();
    const entry = (home: string) => ({
      home_account_id: home,
      environment: "login.microsoftonline.com",
      realm: "r1",
      authority_type: "MSSTS",
    });
    cache.modify("Account", entry("h1"), { username: "alice@x" });
    cache.modify("Account", entry("h2"), { username: "bob@x" });
    cache.modify("Account", entry("h1"), { username: "carol@x" });
    const app = new ClientApplication(
      "pub",
      {
        authority: "https://login.microsoftonline.com/r1",
        httpClient: new FakeEntra(),
        tokenCache: cache,
        instanceDiscovery: false,
      },
      "public",
    );
    assert.deepEqual(
      (await app.getAccounts()).map((a) => a.username),
      ["carol@x", "bob@x"],
    );
    assert.deepEqual(
      (await app.getAccounts({ username: "CAROL@x" })).map((a) => a.home_account_id),
      ["h1"],
    );
    assert.deepEqual(await app.getAccounts({ username: "alice@x" }), []);
  });
});
