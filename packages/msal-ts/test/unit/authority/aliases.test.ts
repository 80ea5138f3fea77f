import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AliasResolver, parseAliasGroups, type AliasResolverOptions } from "../../../src/authority/aliases.ts";
import { configuredAuthority } from "../../../src/authority/authority.ts";
import { INSTANCE_METADATA_URL } from "../../../src/authority/constants.ts";
import { NetworkError, ServerError } from "../../../src/errors.ts";
import { RecordingHttpClient, response } from "../../helpers/fakes.ts";
import { METADATA, entraHttp, entraLike } from "./discovery-fakes.ts";

describe("aliases (§2.7)", () => {
  test("§2.7 exact request: URL with the query inline, only Accept: application/json", async () => {
    const http = entraHttp();
    await new AliasResolver({ http }).aliasesOf("login.microsoftonline.com");
    assert.equal(http.requests.length, 1);
    assert.deepEqual(http.requests[0], {
      method: "GET",
      url: "https://login.microsoftonline.com/common/discovery/instance?api-version=1.1&authorization_endpoint=https://login.microsoftonline.com/common/oauth2/authorize",
      params: undefined,
      headers: { Accept: "application/json" },
      data: undefined,
    });
    assert.equal(http.requests[0]?.url, INSTANCE_METADATA_URL);
  });

  const vectors: [string, string[]][] = [
    ["login.microsoftonline.com", ["login.windows.net", "login.microsoft.com", "sts.windows.net"]],
    ["sts.windows.net", ["login.microsoftonline.com", "login.windows.net", "login.microsoft.com"]],
    ["LOGIN.Windows.NET", ["login.microsoftonline.com", "login.microsoft.com", "sts.windows.net"]],
    ["login.chinacloudapi.cn", ["login.partner.microsoftonline.cn"]],
    ["login.microsoftonline.us", ["login.usgovcloudapi.net"]],
    ["login.microsoftonline.de", []],
    ["fs.contoso.com", []],
  ];
  for (const [host, expected] of vectors) {
    test(`§2.7 aliasesOf(${host}) = other members of its group: ${JSON.stringify(expected)}`, async () => {
      assert.deepEqual(await new AliasResolver({ http: entraHttp() }).aliasesOf(host), expected);
    });
  }

  test("§2.7 the first group containing the host wins", async () => {
    const http = new RecordingHttpClient(() =>
      response(200, { metadata: [{ aliases: ["a.example", "b.example"] }, { aliases: ["a.example", "c.example"] }] }),
    );
    assert.deepEqual(await new AliasResolver({ http }).aliasesOf("a.example"), ["b.example"]);
  });

  test("§2.7 fetched lazily and once per resolver (concurrent and sequential)", async () => {
    const http = entraHttp();
    const aliases = new AliasResolver({ http });
    assert.equal(http.requests.length, 0, "nothing before first use");
    await Promise.all([aliases.aliasesOf("login.microsoftonline.com"), aliases.aliasesOf("sts.windows.net")]);
    await aliases.aliasesOf("login.chinacloudapi.cn");
    assert.equal(http.requests.length, 1);
  });

  const skipped: [string, Omit<AliasResolverOptions, "http">][] = [
    ["instanceDiscovery=false", { instanceDiscovery: false }],
    ["ADFS", { knownToDeveloper: configuredAuthority({ authority: "https://contoso.com/adfs" }).knownToDeveloper }],
    [
      "B2C",
      {
        knownToDeveloper: configuredAuthority({ authority: "https://login.b2clogin.com/contoso/b2c_policy" })
          .knownToDeveloper,
      },
    ],
    [
      "CIAM",
      { knownToDeveloper: configuredAuthority({ authority: "https://contoso.ciamlogin.com" }).knownToDeveloper },
    ],
    [
      "oidcAuthority",
      { knownToDeveloper: configuredAuthority({ oidcAuthority: "https://contoso.com/path" }).knownToDeveloper },
    ],
    [
      "validateAuthority=false",
      {
        knownToDeveloper: configuredAuthority({ authority: "https://contoso.com/common", validateAuthority: false })
          .knownToDeveloper,
      },
    ],
  ];
  for (const [name, options] of skipped) {
    test(`§2.7/§8.7 skipped for ${name}: no GET, empty list`, async () => {
      const http = entraHttp();
      const aliases = new AliasResolver({ http, ...options });
      assert.equal(aliases.enabled, false);
      assert.deepEqual(await aliases.aliasesOf("login.microsoftonline.com"), []);
      assert.equal(http.requests.length, 0);
    });
  }

  test("§2.7 non-2xx -> ServerError, not memoized: a later call retries", async () => {
    let calls = 0;
    const http = new RecordingHttpClient((r) => (++calls === 1 ? response(503, "busy") : entraLike(r)));
    const aliases = new AliasResolver({ http });
    await assert.rejects(
      aliases.aliasesOf("login.microsoftonline.com"),
      (e: unknown) => e instanceof ServerError && e.status === 503,
    );
    assert.deepEqual(await aliases.aliasesOf("login.microsoft.com"), [
      "login.microsoftonline.com",
      "login.windows.net",
      "sts.windows.net",
    ]);
    assert.equal(http.requests.length, 2);
  });

  test("§2.7 non-JSON -> ServerError; NetworkError passes through", async () => {
    await assert.rejects(
      new AliasResolver({ http: new RecordingHttpClient(() => response(200, "<html/>")) }).aliasesOf("x"),
      ServerError,
    );
    await assert.rejects(
      new AliasResolver({ http: new RecordingHttpClient(() => Promise.reject(new NetworkError("down"))) }).aliasesOf(
        "x",
      ),
      NetworkError,
    );
  });

  test("with a custom instanceDiscovery endpoint the metadata comes from it", async () => {
    const http = new RecordingHttpClient(() =>
      response(200, { metadata: [{ aliases: ["private.cloud", "alias.private.cloud"] }] }),
    );
    const aliases = new AliasResolver({ http, instanceDiscovery: "https://private.cloud/common/discovery/instance" });
    assert.deepEqual(await aliases.aliasesOf("private.cloud"), ["alias.private.cloud"]);
    assert.equal(
      http.requests[0]?.url,
      "https://private.cloud/common/discovery/instance?api-version=1.1&authorization_endpoint=https://login.microsoftonline.com/common/oauth2/authorize",
    );
  });
});

describe("parseAliasGroups (defensive, §2.7)", () => {
  test("typical Entra answer", () => {
    assert.deepEqual(parseAliasGroups(JSON.stringify({ metadata: METADATA }))?.[0], METADATA[0]?.aliases);
  });
  test("ignores malformed entries and non-string aliases, lower-cases and de-duplicates", () => {
    const text = JSON.stringify({
      metadata: [
        null,
        5,
        "x",
        { aliases: "a" },
        { preferred_network: "p" },
        { aliases: [1, "", "A.example", "a.example", "B.example"] },
        { aliases: [] },
      ],
    });
    assert.deepEqual(parseAliasGroups(text), [["a.example", "b.example"]]);
  });
  test("no metadata array -> no groups; not a JSON object -> undefined", () => {
    assert.deepEqual(parseAliasGroups("{}"), []);
    assert.deepEqual(parseAliasGroups('{"metadata":{"aliases":["a"]}}'), []);
    assert.equal(parseAliasGroups("[]"), undefined);
    assert.equal(parseAliasGroups("nope"), undefined);
  });
});
