/**
 * Lookup semantics (behavior reference section 3.5) and the indexes behind them.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SerializableTokenCache, TokenCache } from "../../../src/index.ts";
import { clientInfo } from "../../helpers/tokens.ts";

const ENDPOINT = "https://login.microsoftonline.com/contoso/oauth2/v2.0/token";

function userToken(
  cache: TokenCache,
  o: { uid?: string; client?: string; scope?: string; secret?: string; data?: Record<string, unknown> },
  now = 1000,
): void {
  cache.add(
    {
      client_id: o.client ?? "app",
      scope: [],
      token_endpoint: ENDPOINT,
      response: {
        access_token: o.secret ?? "at",
        expires_in: 3600,
        scope: o.scope ?? "User.Read openid profile",
        client_info: clientInfo(o.uid ?? "u", "t"),
        refresh_token: "rt",
      },
      ...(o.data ? { data: o.data } : {}),
    },
    now,
  );
}

const userQuery = (uid = "u", client = "app") => ({
  home_account_id: `${uid}.t`,
  environment: "login.microsoftonline.com",
  client_id: client,
  realm: "contoso",
});

describe("3.5 search", () => {
  it("a subset of the target is a hit (User.Read matches 'User.Read openid profile')", () => {
    const cache = new TokenCache();
    userToken(cache, {});
    assert.equal(cache.find("AccessToken", { target: ["User.Read"], query: userQuery() }).length, 1);
    assert.equal(cache.find("AccessToken", { target: ["Mail.Read"], query: userQuery() }).length, 0);
  });

  it("fast path: the exact scope set comes first and compares case-insensitively", () => {
    const cache = new TokenCache();
    userToken(cache, { scope: "A B C", secret: "wide" });
    userToken(cache, { scope: "A B", secret: "exact" });
    const found = cache.find("AccessToken", { target: ["b", "a"], query: userQuery() });
    assert.deepEqual(
      found.map((e) => e.secret),
      ["exact"],
    );
    const both = cache.find("AccessToken", { target: ["B", "A"], query: userQuery() });
    assert.deepEqual(
      both.map((e) => e.secret),
      ["exact", "wide"],
    );
  });

  it("the scan compares scopes case-sensitively and query fields exactly", () => {
    const cache = new TokenCache();
    userToken(cache, { scope: "A B C" });
    assert.equal(cache.find("AccessToken", { target: ["a"], query: userQuery() }).length, 0);
    assert.equal(cache.find("AccessToken", { target: ["A"], query: { ...userQuery(), realm: "fabrikam" } }).length, 0);
    assert.equal(cache.find("AccessToken", { target: ["A"], query: { ...userQuery(), client_id: "other" } }).length, 0);
  });

  it("other accounts and clients are not returned", () => {
    const cache = new TokenCache();
    for (let i = 0; i < 50; i++) userToken(cache, { uid: `u${i}`, client: i % 2 ? "app" : "other", secret: `s${i}` });
    const found = cache.find("AccessToken", { target: ["User.Read"], query: userQuery("u7") });
    assert.deepEqual(
      found.map((e) => e.secret),
      ["s7"],
    );
  });

  it("null and \"\" home_account_id are the same 'no account' value", () => {
    const cache = new SerializableTokenCache();
    cache.deserialize(
      JSON.stringify({
        AccessToken: {
          k: {
            credential_type: "AccessToken",
            secret: "x",
            home_account_id: "",
            environment: "e",
            client_id: "c",
            realm: "r",
            target: "s",
            expires_on: "9999",
          },
        },
      }),
    );
    assert.equal(
      cache.find("AccessToken", {
        target: ["s"],
        query: { home_account_id: null, environment: "e", client_id: "c", realm: "r" },
      }).length,
      1,
    );
    assert.equal(cache.find("AccessToken", { query: { home_account_id: null } }).length, 1);
  });

  it("key-bound tokens are returned only when the query asks for that key_id", () => {
    const cache = new TokenCache();
    userToken(cache, { data: { key_id: "k1" } });
    assert.equal(cache.find("AccessToken", { target: ["User.Read"], query: userQuery() }).length, 0);
    assert.equal(
      cache.find("AccessToken", { target: ["User.Read"], query: { ...userQuery(), key_id: "k1" } }).length,
      1,
    );
    assert.equal(
      cache.find("AccessToken", { target: ["User.Read"], query: { ...userQuery(), key_id: "k2" } }).length,
      0,
    );
  });

  it("RefreshToken, IdToken and Account searches ignore target", () => {
    const cache = new TokenCache();
    userToken(cache, {});
    assert.equal(cache.find("RefreshToken", { target: ["nope"], query: { home_account_id: "u.t" } }).length, 1);
    assert.equal(cache.find("Account", { target: ["nope"] }).length, 1);
  });

  it("results are copies: changing them does not change the cache", () => {
    const cache = new TokenCache();
    userToken(cache, {});
    const [entry] = cache.find("AccessToken");
    entry!.secret = "tampered";
    entry!.home_account_id = "someone-else";
    assert.equal(cache.find("AccessToken", { target: ["User.Read"], query: userQuery() })[0]?.secret, "at");
  });

  it("an unknown credential type finds nothing", () => {
    assert.deepEqual(new TokenCache().find("Nope"), []);
  });

  it("a rewrite replaces the entry in place (same key, same position)", () => {
    const cache = new SerializableTokenCache();
    userToken(cache, { uid: "a", secret: "1" });
    userToken(cache, { uid: "b", secret: "2" });
    userToken(cache, { uid: "a", secret: "3" });
    assert.deepEqual(
      cache.find("AccessToken").map((e) => e.secret),
      ["3", "2"],
    );
  });

  it("entries removed with modify() are gone from every index", () => {
    const cache = new TokenCache();
    userToken(cache, {});
    const [at] = cache.find("AccessToken", { query: userQuery() });
    cache.removeAccessToken(at!);
    assert.equal(cache.find("AccessToken", { target: ["User.Read"], query: userQuery() }).length, 0);
    assert.equal(cache.find("AccessToken", { query: { home_account_id: "u.t" } }).length, 0);
    const [account] = cache.find("Account");
    cache.removeAccountEntry(account!);
    assert.equal(cache.find("Account", { query: { home_account_id: "u.t" } }).length, 0);
  });

  it("hasStateChanged: set by add and modify, reset by serialize and deserialize", () => {
    const cache = new SerializableTokenCache();
    assert.equal(cache.hasStateChanged, false);
    userToken(cache, {});
    assert.equal(cache.hasStateChanged, true);
    const text = cache.serialize();
    assert.equal(cache.hasStateChanged, false);
    cache.removeRefreshToken(cache.find("RefreshToken")[0]!);
    assert.equal(cache.hasStateChanged, true);
    cache.deserialize(text);
    assert.equal(cache.hasStateChanged, false);
    assert.equal(cache.count("RefreshToken"), 1, "deserialize replaces the whole content");
  });
});

describe("3.2 serialized form", () => {
  it("4-space indentation and Python's \\uXXXX escapes for non-ASCII", () => {
    const cache = new SerializableTokenCache();
    cache.deserialize(
      JSON.stringify({
        Account: {
          k: { home_account_id: "h", environment: "e", realm: "r", username: "Zoë 😀", authority_type: "MSSTS" },
        },
      }),
    );
    const text = cache.serialize();
    assert.ok(text.includes('"username": "Zo\\u00eb \\ud83d\\ude00"'), text);
    assert.ok(text.startsWith('{\n    "Account": {\n        "k": {\n            "home_account_id": "h",'));
    assert.equal(cache.find("Account")[0]?.username, "Zoë 😀");
  });
  it("an empty cache serializes as {}", () => {
    assert.equal(new SerializableTokenCache().serialize(), "{}");
  });
  it("deserialize(null) and deserialize('') empty the cache", () => {
    for (const state of [null, ""]) {
      const cache = new SerializableTokenCache();
      userToken(cache, {});
      cache.deserialize(state);
      assert.equal(cache.serialize(), "{}");
    }
  });
});
