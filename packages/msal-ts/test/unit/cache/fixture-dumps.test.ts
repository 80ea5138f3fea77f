/**
 * Feeding the fixture's token responses into add() gives MSAL Python 1.31's cache dumps exactly, and every
 * dump survives deserialize/serialize unchanged (fixture msal-python-1.31-wire.json).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SerializableTokenCache } from "../../../src/index.ts";
import { storageKey } from "../../../src/cache/keys.ts";
import type { CredentialTypeName } from "../../../src/cache/schema.ts";
import { FIXTURE_NOW, fixture, sectionRequests } from "../../helpers/fixture.ts";

const canned = fixture._inputs._common.canned_responses;
const appResponse = canned.token_POST_app!.body;
const userTemplate = canned.token_POST_user!.body;
const dumps = fixture.out as Record<string, Record<string, Record<string, Record<string, unknown>>>>;
const idTokenOfDump = Object.values(dumps.pca_cache_after_auth_code!.IdToken!)[0]!.secret as string;
const userResponse = { ...userTemplate, id_token: idTokenOfDump, client_info: "eyJ1aWQiOiAidWlkMSIsICJ1dGlkIjogInV0aWQxIn0" };

/** The token POST of a section, turned into the event MSAL Python's app gives its cache. */
function eventOf(section: string, response: Record<string, unknown>) {
  const post = sectionRequests(section).find((r) => r.method === "POST" && r.url.endsWith("/token"));
  assert.ok(post, `section ${section} has a token POST`);
  const data = post.data ?? {};
  const grant = String(data.grant_type);
  return {
    client_id: String(data.client_id),
    scope: typeof data.scope === "string" ? data.scope.split(" ") : [],
    token_endpoint: post.url.replace("westus.login.microsoft.com", "login.microsoftonline.com"),
    environment: "login.microsoftonline.com",
    response,
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, String(v)])),
    grant_type: grant,
  };
}

const sections: Array<[string, Record<string, unknown>, string | undefined]> = [
  ["cca_secret_client_credentials", appResponse, "cca_secret_cache"],
  ["cca_cert_pem_sha1", appResponse, undefined],
  ["cca_cert_pfx_sni", appResponse, undefined],
  ["cca_obo", appResponse, undefined],
  ["cca_regional_westus", appResponse, undefined],
  ["pca_auth_code_flow", userResponse, "pca_cache_after_auth_code"],
  ["pca_silent_refresh", userResponse, undefined],
  ["pca_device_flow", userResponse, undefined],
  ["pca_ropc", userResponse, undefined],
  ["pca_by_refresh_token", userResponse, undefined],
];

describe("fixture: add() reproduces MSAL Python's cache", () => {
  for (const [section, response, dumpName] of sections) {
    it(`${section}${dumpName ? ` equals out.${dumpName}` : ": keys are MSAL Python's and the JSON round-trips"}`, () => {
      const cache = new SerializableTokenCache();
      cache.add(eventOf(section, response), FIXTURE_NOW);
      const text = cache.serialize();
      const json = JSON.parse(text) as Record<string, Record<string, Record<string, unknown>>>;
      if (dumpName) assert.deepEqual(json, dumps[dumpName]);
      for (const [type, entries] of Object.entries(json)) {
        for (const [key, entry] of Object.entries(entries)) assert.equal(key, storageKey(type as CredentialTypeName, entry));
      }
      const again = new SerializableTokenCache();
      again.deserialize(text);
      assert.equal(again.serialize(), text);
    });
  }

  for (const dumpName of ["cca_secret_cache", "pca_cache_after_auth_code"]) {
    it(`out.${dumpName} deserializes and serializes back unchanged`, () => {
      const text = JSON.stringify(dumps[dumpName], null, 4);
      const cache = new SerializableTokenCache();
      cache.deserialize(text);
      assert.equal(cache.serialize(), text);
    });
  }

  it("pca_device_flow writes account_source device_code and realm organizations", () => {
    const cache = new SerializableTokenCache();
    cache.add(eventOf("pca_device_flow", userResponse), FIXTURE_NOW);
    const account = cache.find("Account")[0];
    assert.equal(account?.account_source, "urn:ietf:params:oauth:grant-type:device_code");
    assert.equal(account?.realm, "organizations");
  });

  it("cca_regional_westus keeps the central environment", () => {
    const cache = new SerializableTokenCache();
    cache.add(eventOf("cca_regional_westus", appResponse), FIXTURE_NOW);
    assert.equal(cache.find("AccessToken")[0]?.environment, "login.microsoftonline.com");
  });
});
