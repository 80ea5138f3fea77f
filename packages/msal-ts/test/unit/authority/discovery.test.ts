import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { resolveAuthority } from "../../../src/authority/authority.ts";
import {
  discoverInstance,
  discoverOidc,
  instanceDiscoveryRequest,
  oidcDiscoveryUrl,
} from "../../../src/authority/discovery.ts";
import { parseAuthority } from "../../../src/authority/parse.ts";
import { AuthorityError, InvalidArgumentError, NetworkError, ServerError } from "../../../src/errors.ts";
import { RecordingHttpClient, response } from "../../helpers/fakes.ts";
import { entraHttp, oidcDocument } from "./discovery-fakes.ts";

describe("OIDC discovery URLs (§2.5 table, via resolveAuthority and a recording client)", () => {
  const table: [string, { authority?: string; oidcAuthority?: string }, string[], string][] = [
    [
      "common/ (quirk advice: no double slash)",
      { authority: "https://login.microsoftonline.com/common/" },
      ["https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"],
      "common",
    ],
    [
      "contoso.onmicrosoft.com",
      { authority: "https://login.microsoftonline.com/contoso.onmicrosoft.com" },
      ["https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration"],
      "contoso.onmicrosoft.com",
    ],
    [
      "login.microsoftonline.us/tid",
      { authority: "https://login.microsoftonline.us/tid" },
      ["https://login.microsoftonline.us/tid/v2.0/.well-known/openid-configuration"],
      "tid",
    ],
    [
      "ADFS (no v2.0)",
      { authority: "https://fs.contoso.com/adfs" },
      ["https://fs.contoso.com/adfs/.well-known/openid-configuration"],
      "adfs",
    ],
    [
      "B2C policy",
      { authority: "https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_signin" },
      ["https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_signin/v2.0/.well-known/openid-configuration"],
      "contoso.onmicrosoft.com",
    ],
    [
      "path-less CIAM",
      { authority: "https://contoso.ciamlogin.com" },
      ["https://contoso.ciamlogin.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration"],
      "contoso.onmicrosoft.com",
    ],
    [
      "CIAM with a path",
      { authority: "https://contoso.ciamlogin.com/anything" },
      ["https://contoso.ciamlogin.com/anything/v2.0/.well-known/openid-configuration"],
      "anything",
    ],
    [
      "oidcAuthority",
      { oidcAuthority: "https://contoso.com/tenant" },
      ["https://contoso.com/tenant/.well-known/openid-configuration"],
      "tenant",
    ],
    [
      "login.windows.net: instance discovery first, then tenant_discovery_endpoint",
      { authority: "https://login.windows.net/contoso.onmicrosoft.com" },
      [
        "https://login.microsoftonline.com/common/discovery/instance?authorization_endpoint=https%3A%2F%2Flogin.windows.net%2Fcontoso.onmicrosoft.com%2Foauth2%2Fv2.0%2Fauthorize&api-version=1.0",
        "https://login.windows.net/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration",
      ],
      "contoso.onmicrosoft.com",
    ],
  ];
  for (const [name, config, urls, tenant] of table) {
    test(`§2.5 ${name}`, async () => {
      const http = entraHttp();
      const a = await resolveAuthority(config.authority, {
        http,
        ...(config.oidcAuthority ? { oidcAuthority: config.oidcAuthority } : {}),
      });
      assert.deepEqual(
        http.requests.map((r) => (r.params ? `${r.url}?${new URLSearchParams(r.params)}` : r.url)),
        urls,
      );
      // §1.3: no headers on instance discovery nor OIDC discovery.
      for (const r of http.requests) assert.deepEqual(r.headers, {});
      assert.equal(a.tenant, tenant);
    });
  }

  test("§2.4 instance discovery request: params object exactly as MSAL Python sends it", () => {
    const req = instanceDiscoveryRequest(parseAuthority("https://login.windows.net/contoso.onmicrosoft.com/", {}));
    assert.deepEqual(req, {
      url: "https://login.microsoftonline.com/common/discovery/instance",
      params: {
        authorization_endpoint: "https://login.windows.net/contoso.onmicrosoft.com/oauth2/v2.0/authorize",
        "api-version": "1.0",
      },
    });
  });

  test("§2.5 the authority's query is kept on the discovery URL", () => {
    assert.equal(
      oidcDiscoveryUrl(parseAuthority("https://contoso.b2clogin.com/contoso.onmicrosoft.com?p=B2C_1_signin", {})),
      "https://contoso.b2clogin.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration?p=B2C_1_signin",
    );
  });

  test("§2.4 a custom instanceDiscovery endpoint (string) is used", async () => {
    const http = new RecordingHttpClient((r) =>
      r.url.startsWith("https://discovery.example/")
        ? response(200, { tenant_discovery_endpoint: "https://private.cloud/t/v2.0/.well-known/openid-configuration" })
        : response(200, oidcDocument(r.url)),
    );
    const a = await resolveAuthority("https://private.cloud/t", {
      http,
      instanceDiscovery: "https://discovery.example/instance",
    });
    assert.equal(http.requests[0]?.url, "https://discovery.example/instance");
    assert.equal(a.tokenEndpoint, "https://private.cloud/t/oauth2/v2.0/token");
  });

  test("§2.4 instanceDiscovery that is neither boolean nor https URL -> InvalidArgumentError", async () => {
    await assert.rejects(
      resolveAuthority("https://private.cloud/t", { http: entraHttp(), instanceDiscovery: "http://x/instance" }),
      InvalidArgumentError,
    );
  });
});

describe("instance discovery errors (§2.4, §8.7)", () => {
  test("§8.7 https://example.com/tenant_doesnt_matter_in_this_case -> invalid_instance with the private-cloud fix", async () => {
    const http = entraHttp();
    await assert.rejects(
      resolveAuthority("https://example.com/tenant_doesnt_matter_in_this_case", { http }),
      (e: unknown) => {
        assert.ok(e instanceof AuthorityError);
        assert.match(e.message, /^invalid_instance/);
        assert.match(e.message, /AADSTS50049/);
        assert.match(e.message, /instanceDiscovery: false/);
        assert.match(e.message, /validateAuthority: false/);
        return true;
      },
    );
    assert.equal(http.requests.length, 1, "no OIDC discovery after invalid_instance");
  });

  const parsed = parseAuthority("https://login.windows.net/contoso.com", {});
  const cases: [string, ReturnType<typeof response>, (e: unknown) => boolean][] = [
    [
      "5xx error -> ServerError",
      response(503, { error: "temporarily_unavailable" }),
      (e) => e instanceof ServerError && e.status === 503,
    ],
    [
      "5xx non-JSON -> ServerError",
      response(500, "<html>oops</html>"),
      (e) => e instanceof ServerError && e.status === 500,
    ],
    [
      "other error -> AuthorityError",
      response(400, { error: "invalid_request", error_description: "bad" }),
      (e) => e instanceof AuthorityError && /invalid_request: bad/.test(e.message),
    ],
    [
      "200 non-JSON -> AuthorityError",
      response(200, "not json"),
      (e) => e instanceof AuthorityError && /not a JSON object/.test(e.message),
    ],
    [
      "missing tenant_discovery_endpoint",
      response(200, {}),
      (e) => e instanceof AuthorityError && /tenant_discovery_endpoint/.test(e.message),
    ],
    [
      "http tenant_discovery_endpoint",
      response(200, { tenant_discovery_endpoint: "http://login.windows.net/x/v2.0/.well-known/openid-configuration" }),
      (e) => e instanceof AuthorityError && /https tenant_discovery_endpoint/.test(e.message),
    ],
    [
      "non-string tenant_discovery_endpoint",
      response(200, { tenant_discovery_endpoint: 7 }),
      (e) => e instanceof AuthorityError,
    ],
  ];
  for (const [name, answer, check] of cases) {
    test(`§2.4 ${name}`, async () => {
      await assert.rejects(discoverInstance(new RecordingHttpClient(() => answer), parsed), check);
    });
  }

  test("§2.4 a connection error passes through as NetworkError", async () => {
    const http = new RecordingHttpClient(() => Promise.reject(new NetworkError("ECONNREFUSED")));
    await assert.rejects(discoverInstance(http, parsed), NetworkError);
  });

  test("§2.4 an unreachable discovery host (offline, emulator) names the option that turns it off", async () => {
    const failure = new NetworkError(
      "GET https://login.microsoftonline.com failed: no complete response within 1 s (timeout)",
      { code: "timeout" },
    );
    const http = new RecordingHttpClient(() => Promise.reject(failure));
    const emulatorLike = parseAuthority("https://localhost:8443/contoso.onmicrosoft.com", {});
    await assert.rejects(discoverInstance(http, emulatorLike), (e: unknown) => {
      assert.ok(e instanceof NetworkError);
      assert.equal(e.code, "timeout");
      assert.equal(e.cause, failure);
      assert.match(
        e.message,
        /^Instance discovery for https:\/\/localhost:8443\/contoso\.onmicrosoft\.com failed: GET /,
      );
      assert.match(e.message, /\(timeout\)/);
      assert.match(e.message, /instanceDiscovery: false/);
      return true;
    });
  });
});

describe("OIDC discovery responses (§2.5)", () => {
  const url = "https://login.microsoftonline.com/nonexist/v2.0/.well-known/openid-configuration";
  const ctx = { authority: "https://login.microsoftonline.com/nonexist" };
  const run = (answer: ReturnType<typeof response>) => discoverOidc(new RecordingHttpClient(() => answer), url, ctx);

  test("§2.5 200: endpoints read, issuer kept, other fields dropped", async () => {
    const meta = await run(response(200, { ...oidcDocument(url), extra: 1 }));
    assert.deepEqual(meta, oidcDocument(url));
  });

  test("§2.5 device_authorization_endpoint is optional (absent or null)", async () => {
    const { device_authorization_endpoint: _d, ...doc } = oidcDocument(url);
    assert.equal("device_authorization_endpoint" in (await run(response(200, doc))), false);
    assert.equal(
      "device_authorization_endpoint" in (await run(response(200, { ...doc, device_authorization_endpoint: null }))),
      false,
    );
  });

  test("§2.5 4xx -> AuthorityError 'Unable to get authority configuration for ...' with the server's error", async () => {
    await assert.rejects(
      run(response(400, { error: "invalid_tenant", error_description: "AADSTS90002: Tenant 'nonexist' not found." })),
      (e: unknown) => {
        assert.ok(e instanceof AuthorityError);
        assert.match(
          e.message,
          /^Unable to get authority configuration for https:\/\/login\.microsoftonline\.com\/nonexist\./,
        );
        assert.match(e.message, /double check your tenant name or GUID/);
        assert.match(e.message, /HTTP 400: invalid_tenant AADSTS90002/);
        return true;
      },
    );
  });

  test("§2.5 4xx for an oidcAuthority names the oidcAuthority's discovery URL", async () => {
    const http = new RecordingHttpClient(() => response(404, "Not Found"));
    await assert.rejects(
      discoverOidc(http, "https://contoso.com/tenant/.well-known/openid-configuration", {
        authority: "https://contoso.com/tenant",
        oidc: true,
      }),
      /Unable to get OIDC authority configuration for https:\/\/contoso\.com\/tenant because its OIDC Discovery endpoint is unavailable at https:\/\/contoso\.com\/tenant\/\.well-known\/openid-configuration/,
    );
  });

  test("§2.5 5xx -> ServerError with status", async () => {
    await assert.rejects(
      run(response(502, "bad gateway")),
      (e: unknown) => e instanceof ServerError && e.status === 502,
    );
  });

  test("§2.5 other non-200 (e.g. 302, 204) -> AuthorityError", async () => {
    await assert.rejects(
      run(response(302, "")),
      (e: unknown) => e instanceof AuthorityError && /HTTP 302 instead of 200/.test(e.message),
    );
    await assert.rejects(run(response(204, "")), AuthorityError);
  });

  const malformed: [string, unknown, RegExp][] = [
    ["not JSON", "<html>login page</html>", /not a JSON object/],
    ["a JSON array", [1, 2], /not a JSON object/],
    [
      "missing token_endpoint",
      { authorization_endpoint: "https://h/t/oauth2/v2.0/authorize" },
      /without token_endpoint/,
    ],
    [
      "missing authorization_endpoint",
      { token_endpoint: "https://h/t/oauth2/v2.0/token" },
      /without authorization_endpoint/,
    ],
    [
      "http token_endpoint",
      { ...oidcDocument(url), token_endpoint: "http://h/t/oauth2/v2.0/token" },
      /token_endpoint that is not an https URL/,
    ],
    [
      "non-string authorization_endpoint",
      { ...oidcDocument(url), authorization_endpoint: 5 },
      /authorization_endpoint that is not an https URL/,
    ],
    [
      "http device endpoint",
      { ...oidcDocument(url), device_authorization_endpoint: "http://h/t/devicecode" },
      /device_authorization_endpoint/,
    ],
    ["token_endpoint without tenant", { ...oidcDocument(url), token_endpoint: "https://h/" }, /without a tenant/],
    [
      "token_endpoint with user info",
      { ...oidcDocument(url), token_endpoint: "https://u:p@h/t/token" },
      /token_endpoint that is not an https URL/,
    ],
  ];
  for (const [name, body, why] of malformed) {
    test(`§2.5 malformed document (${name}) -> AuthorityError saying so`, async () => {
      await assert.rejects(run(response(200, body)), (e: unknown) => {
        assert.ok(e instanceof AuthorityError, String(e));
        assert.match(e.message, why);
        assert.match(e.message, /Unable to get authority configuration/);
        return true;
      });
    });
  }
});
