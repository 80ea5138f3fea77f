import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { configuredAuthority, resolveAuthority } from "../../../src/authority/authority.ts";
import { AuthorityBuilder } from "../../../src/authority/builder.ts";
import { AZURE_PUBLIC } from "../../../src/authority/constants.ts";
import { AuthorityResolver } from "../../../src/authority/resolver.ts";
import { AuthorityError, InvalidArgumentError, NetworkError } from "../../../src/errors.ts";
import { RecordingHttpClient, response } from "../../helpers/fakes.ts";
import { entraHttp, entraLike, oidcDocument } from "./discovery-fakes.ts";

const isInstanceDiscovery = (url: string): boolean => url.includes("/discovery/instance");

describe("resolveAuthority (§2.4-§2.5, §8.7)", () => {
  test("§8.7 known host https://login.microsoftonline.com/common: no instance discovery", async () => {
    const http = entraHttp();
    const a = await resolveAuthority("https://login.microsoftonline.com/common", { http });
    assert.deepEqual(
      http.requests.map((r) => r.url),
      ["https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"],
    );
    assert.deepEqual(
      { ...a },
      {
        instance: "login.microsoftonline.com",
        host: "login.microsoftonline.com",
        tenant: "common",
        authorizationEndpoint: "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
        tokenEndpoint: "https://login.microsoftonline.com/common/oauth2/v2.0/token",
        deviceAuthorizationEndpoint: "https://login.microsoftonline.com/common/oauth2/v2.0/devicecode",
        isAdfs: false,
        isB2c: false,
        knownToDeveloper: false,
        knownToMicrosoft: true,
        isOidc: false,
        canonicalUrl: "https://login.microsoftonline.com/common",
        issuer: "https://login.microsoftonline.com/{tenantid}/v2.0",
      },
    );
    assert.ok(Object.isFrozen(a));
  });

  test("default authority (none given) is https://login.microsoftonline.com/common", async () => {
    const http = entraHttp();
    const a = await resolveAuthority(undefined, { http });
    assert.equal(a.canonicalUrl, "https://login.microsoftonline.com/common");
    assert.deepEqual(
      http.requests.map((r) => r.url),
      ["https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"],
    );
  });

  test("§8.7 AuthorityBuilder(AZURE_PUBLIC, 'contoso.onmicrosoft.com') resolves like its string", async () => {
    const http = entraHttp();
    const a = await resolveAuthority(new AuthorityBuilder(AZURE_PUBLIC, "contoso.onmicrosoft.com"), { http });
    assert.equal(
      http.requests[0]?.url,
      "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration",
    );
    assert.equal(a.canonicalUrl, "https://login.microsoftonline.com/contoso.onmicrosoft.com");
  });

  const skipping: [string, string, { validateAuthority?: boolean; instanceDiscovery?: boolean }][] = [
    ["validateAuthority=false", "https://contoso.com/common", { validateAuthority: false }],
    ["ADFS", "https://contoso.com/adfs", {}],
    ["B2C", "https://login.b2clogin.com/contoso/b2c_policy", {}],
    ["instanceDiscovery=false, known host", "https://login.microsoftonline.com/common", { instanceDiscovery: false }],
    ["instanceDiscovery=false, ADFS", "https://contoso.com/adfs", { instanceDiscovery: false }],
    ["instanceDiscovery=false, B2C", "https://login.b2clogin.com/contoso/b2c_policy", { instanceDiscovery: false }],
    ["instanceDiscovery=false, private cloud", "https://private.cloud/foo", { instanceDiscovery: false }],
  ];
  for (const [name, authority, options] of skipping) {
    test(`§8.7 ${name} (${authority}): no instance discovery, only OIDC discovery`, async () => {
      const http = entraHttp();
      await resolveAuthority(authority, { http, ...options });
      assert.equal(http.requests.length, 1);
      assert.ok(!isInstanceDiscovery(http.requests[0]?.url ?? ""));
      assert.match(http.requests[0]?.url ?? "", /\/\.well-known\/openid-configuration$/);
    });
  }

  test("§2.5 tenant re-derived from the token endpoint's first path segment; instance stays the configured host", async () => {
    const http = new RecordingHttpClient(() =>
      response(200, {
        authorization_endpoint:
          "https://login.microsoftonline.com/7f3c1e2a-5b6d-4c8e-9f01-23456789abcd/oauth2/v2.0/authorize",
        token_endpoint: "https://login.microsoftonline.com/7f3c1e2a-5b6d-4c8e-9f01-23456789abcd/oauth2/v2.0/token",
        issuer: "https://login.microsoftonline.com/7f3c1e2a-5b6d-4c8e-9f01-23456789abcd/v2.0",
      }),
    );
    const a = await resolveAuthority("https://LOGIN.microsoftonline.com/Contoso.onmicrosoft.com", { http });
    assert.equal(a.tenant, "7f3c1e2a-5b6d-4c8e-9f01-23456789abcd");
    assert.equal(a.instance, "login.microsoftonline.com");
    assert.equal(a.deviceAuthorizationEndpoint, undefined);
    assert.equal("deviceAuthorizationEndpoint" in a, false);
  });

  test("§2.3 passing both authority and oidcAuthority -> InvalidArgumentError", async () => {
    await assert.rejects(
      resolveAuthority("https://login.microsoftonline.com/common", {
        http: entraHttp(),
        oidcAuthority: "https://contoso.com/tenant",
      }),
      (e: unknown) =>
        e instanceof InvalidArgumentError && /can not provide both authority and oidcAuthority/.test(e.message),
    );
    assert.throws(
      () =>
        configuredAuthority({
          authority: "https://login.microsoftonline.com/common",
          oidcAuthority: "https://contoso.com/t",
        }),
      InvalidArgumentError,
    );
  });

  test("§2.3 oidcAuthority resolves as OIDC/B2C/known to developer", async () => {
    const a = await resolveAuthority(undefined, { http: entraHttp(), oidcAuthority: "https://contoso.com/tenant/" });
    assert.deepEqual([a.isOidc, a.isB2c, a.knownToDeveloper, a.knownToMicrosoft], [true, true, true, false]);
  });

  test("configuredAuthority validates without any network access", () => {
    assert.throws(() => configuredAuthority({ authority: "http://login.microsoftonline.com/common" }), AuthorityError);
    assert.throws(() => configuredAuthority({ instanceDiscovery: "not a url" }), InvalidArgumentError);
    assert.equal(configuredAuthority({}).url, "https://login.microsoftonline.com/common");
  });
});

describe("AuthorityResolver memoization (DESIGN.md 'Discovery once', §2.6)", () => {
  test("two resolves -> one GET (sequential and concurrent)", async () => {
    const http = entraHttp();
    const authorities = new AuthorityResolver({
      http,
      authority: "https://login.microsoftonline.com/contoso.onmicrosoft.com",
    });
    const [a, b] = await Promise.all([authorities.resolve(), authorities.resolve()]);
    const c = await authorities.resolve("https://login.microsoftonline.com/contoso.onmicrosoft.com/");
    assert.equal(http.requests.length, 1);
    assert.equal(a, b);
    assert.equal(a, c);
  });

  test("instance discovery + OIDC discovery happen once for a validated host", async () => {
    const http = entraHttp();
    const authorities = new AuthorityResolver({ http, authority: "https://login.windows.net/contoso.onmicrosoft.com" });
    await authorities.resolve();
    await authorities.resolve();
    assert.equal(http.requests.length, 2);
  });

  test("a failure is not memoized: a later call retries and succeeds", async () => {
    let calls = 0;
    const http = new RecordingHttpClient((r) =>
      ++calls === 1 ? Promise.reject(new NetworkError("ECONNRESET")) : entraLike(r),
    );
    const authorities = new AuthorityResolver({ http });
    await assert.rejects(authorities.resolve(), NetworkError);
    const a = await authorities.resolve();
    assert.equal(a.tenant, "common");
    assert.equal(http.requests.length, 2);
    await authorities.resolve();
    assert.equal(http.requests.length, 2, "the success is memoized");
  });

  test("a 5xx then a retry: the second call discovers again", async () => {
    let calls = 0;
    const http = new RecordingHttpClient((r) =>
      ++calls === 1 ? response(503, "busy") : response(200, oidcDocument(r.url)),
    );
    const authorities = new AuthorityResolver({ http });
    await assert.rejects(authorities.resolve());
    assert.equal((await authorities.resolve()).tenant, "common");
  });

  test("§2.6 alias/regional authority with instanceDiscovery: false is a separate entry and skips instance discovery", async () => {
    const http = entraHttp();
    const authorities = new AuthorityResolver({ http });
    const alias = await authorities.resolve("https://login.windows.net/common", { instanceDiscovery: false });
    assert.deepEqual(
      http.requests.map((r) => r.url),
      ["https://login.windows.net/common/v2.0/.well-known/openid-configuration"],
    );
    assert.equal(alias.instance, "login.windows.net");
    await authorities.resolve("https://login.windows.net/common"); // with the app's default: instance discovery runs
    assert.equal(http.requests.length, 3);
    assert.ok(isInstanceDiscovery(http.requests[1]?.url ?? ""));
  });

  test("§2.4 fallback: an app may retry once with instanceDiscovery: false after a connection error", async () => {
    const http = new RecordingHttpClient((r) =>
      isInstanceDiscovery(r.url) ? Promise.reject(new NetworkError("ECONNREFUSED")) : entraLike(r),
    );
    const authorities = new AuthorityResolver({ http, authority: "https://login.windows.net/contoso.com" });
    await assert.rejects(authorities.resolve(), NetworkError);
    const a = await authorities.resolve(undefined, { instanceDiscovery: false });
    assert.equal(a.tokenEndpoint, "https://login.windows.net/contoso.com/oauth2/v2.0/token");
  });

  test("the constructor rejects bad configuration at once (no network)", () => {
    const http = entraHttp();
    assert.throws(
      () => new AuthorityResolver({ http, authority: "https://login.microsoftonline.com" }),
      AuthorityError,
    );
    assert.throws(
      () =>
        new AuthorityResolver({
          http,
          authority: "https://login.microsoftonline.com/common",
          oidcAuthority: "https://contoso.com/t",
        }),
      InvalidArgumentError,
    );
    assert.equal(http.requests.length, 0);
  });

  test("a malformed per-call authority rejects (does not throw synchronously)", async () => {
    const authorities = new AuthorityResolver({ http: entraHttp() });
    const p = authorities.resolve("http://contoso.com/t");
    await assert.rejects(p, AuthorityError);
  });

  test("per-call authorities follow the app's validateAuthority", async () => {
    const http = entraHttp();
    const authorities = new AuthorityResolver({ http, validateAuthority: false });
    const a = await authorities.resolve("https://private.cloud/t");
    assert.equal(a.knownToDeveloper, true);
    assert.equal(http.requests.length, 1);
  });
});
