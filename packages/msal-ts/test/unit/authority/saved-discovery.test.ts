/**
 * M4: saved (http-cached) discovery answers may only name endpoints on the authority's hosts. Planted
 * documents are dropped with a warning and fetched again; genuine saved documents of every Entra kind
 * (alias hosts, regional, B2C, CIAM, ADFS, sovereign clouds) are still replayed without a request.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { discoverAuthority } from "../../../src/authority/authority.ts";
import { instanceDiscoveryRequest, oidcDiscoveryUrl } from "../../../src/authority/discovery.ts";
import { parseAuthority, type ParsedAuthority } from "../../../src/authority/parse.ts";
import { savedAnswerProblem, trustedEndpointHosts, vetSavedDiscovery } from "../../../src/authority/saved-discovery.ts";
import { ConfidentialClientApplication, NetworkError } from "../../../src/index.ts";
import { ExpiringResponseCache } from "../../../src/http/http-cache.ts";
import { getSuccessKey } from "../../../src/http/throttle-rules.ts";
import { ThrottledHttpClient } from "../../../src/http/throttled-client.ts";
import { LogSink, type LogLevel } from "../../../src/runtime/logger.ts";
import { FakeClock, RecordingHttpClient, response } from "../../helpers/fakes.ts";

const SECRET = "client-secret-value";

/** An Entra-shaped document whose endpoints live under `base` (`https://host/tenant`). */
function entraDoc(base: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    token_endpoint: `${base}/oauth2/v2.0/token`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    userinfo_endpoint: "https://graph.microsoft.com/oidc/userinfo",
    jwks_uri: `${base}/discovery/v2.0/keys`,
    issuer: `${base}/v2.0`,
    ...overrides,
  };
}

interface Setup {
  http: ThrottledHttpClient;
  inner: RecordingHttpClient;
  store: Map<string, unknown>;
  lines: Array<[LogLevel, string]>;
  log: LogSink;
  plant(url: string, body: unknown, params?: Record<string, string>): void;
}

/** A throttled client over a network that answers `answers[url]` (404 otherwise), with a plantable store. */
function setup(answers: Record<string, unknown>): Setup {
  const clock = new FakeClock();
  const store = new Map<string, unknown>();
  const inner = new RecordingHttpClient((r) => (r.url in answers ? response(200, answers[r.url]) : response(404, {})));
  const http = new ThrottledHttpClient({ http: inner, cache: store, clock, defaultThrottleSeconds: 5 });
  const lines: Array<[LogLevel, string]> = [];
  const log = new LogSink({ log: (level, message) => lines.push([level, message]) });
  const planter = new ExpiringResponseCache({ store, clock });
  const plant = (url: string, body: unknown, params?: Record<string, string>) =>
    planter.set(getSuccessKey(url, params), response(200, body), 86_400);
  return { http, inner, store, lines, log, plant };
}

const warnings = (s: Setup) => s.lines.filter(([level]) => level === "warning").map(([, m]) => m);

describe("trustedEndpointHosts", () => {
  const hosts = (url: string, oidc = false) => [...trustedEndpointHosts(parseAuthority(url, { oidc }))].sort();
  it("an Entra host and its alias group", () => {
    const publicCloud = ["login.microsoft.com", "login.microsoftonline.com", "login.windows.net", "sts.windows.net"];
    assert.deepEqual(hosts("https://login.microsoftonline.com/common"), publicCloud);
    assert.deepEqual(hosts("https://login.windows.net/contoso.com"), publicCloud);
    assert.deepEqual(hosts("https://login.microsoftonline.us/tid"), [
      "login.microsoftonline.us",
      "login.usgovcloudapi.net",
    ]);
    assert.deepEqual(hosts("https://login.chinacloudapi.cn/tid"), [
      "login.chinacloudapi.cn",
      "login.partner.microsoftonline.cn",
    ]);
  });
  it("a regional host adds its central host's group", () => {
    assert.deepEqual(hosts("https://westus.login.microsoft.com/tid"), [
      "login.microsoft.com",
      "login.microsoftonline.com",
      "login.windows.net",
      "sts.windows.net",
      "westus.login.microsoft.com",
    ]);
    assert.deepEqual(hosts("https://usgovvirginia.login.microsoftonline.us/tid"), [
      "login.microsoftonline.us",
      "login.usgovcloudapi.net",
      "usgovvirginia.login.microsoftonline.us",
    ]);
  });
  it("B2C, CIAM, ADFS, other hosts and oidcAuthority: the host only (with its port)", () => {
    assert.deepEqual(hosts("https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_signin"), [
      "contoso.b2clogin.com",
    ]);
    assert.deepEqual(hosts("https://contoso.ciamlogin.com"), ["contoso.ciamlogin.com"]);
    assert.deepEqual(hosts("https://fs.contoso.com/adfs"), ["fs.contoso.com"]);
    assert.deepEqual(hosts("https://localhost:8443/tenant"), ["localhost:8443"]);
    assert.deepEqual(hosts("https://login.microsoftonline.com/tenant", true), ["login.microsoftonline.com"]);
  });
});

describe("savedAnswerProblem", () => {
  const trusted = new Set(["login.microsoftonline.com", "login.windows.net"]);
  const problem = (body: unknown) => savedAnswerProblem(response(200, body), trusted);
  it("accepts endpoints on the trusted hosts, whatever the other fields say", () => {
    assert.equal(problem(entraDoc("https://login.windows.net/t")), undefined);
    assert.equal(
      problem({
        tenant_discovery_endpoint: "https://login.microsoftonline.com/t/v2.0/.well-known/openid-configuration",
      }),
      undefined,
    );
    assert.equal(
      problem({ token_endpoint: "https://LOGIN.MICROSOFTONLINE.COM:443/t/oauth2/v2.0/token" }),
      undefined,
      "case and the default port",
    );
    assert.equal(problem("not json"), undefined, "left to the reader");
  });
  for (const [name, body] of [
    [
      "token_endpoint on another host",
      entraDoc("https://login.windows.net/t", { token_endpoint: "https://evil.example/t/oauth2/v2.0/token" }),
    ],
    ["token_endpoint over http", { token_endpoint: "http://login.microsoftonline.com/t/oauth2/v2.0/token" }],
    ["token_endpoint with user info", { token_endpoint: "https://x@login.microsoftonline.com/t/oauth2/v2.0/token" }],
    [
      "token_endpoint on another port",
      { token_endpoint: "https://login.microsoftonline.com:8443/t/oauth2/v2.0/token" },
    ],
    ["token_endpoint not a string", { token_endpoint: ["https://login.microsoftonline.com/t"] }],
    [
      "a look-alike host",
      { authorization_endpoint: "https://login.microsoftonline.com.evil.example/t/oauth2/v2.0/authorize" },
    ],
    [
      "device_authorization_endpoint on another host",
      { device_authorization_endpoint: "https://evil.example/devicecode" },
    ],
    ["end_session_endpoint on another host", { end_session_endpoint: "https://evil.example/logout" }],
    [
      "tenant_discovery_endpoint on another host",
      { tenant_discovery_endpoint: "https://evil.example/t/v2.0/.well-known/openid-configuration" },
    ],
  ] as const) {
    it(`refuses ${name}`, () => {
      assert.match(
        problem(body) ?? "",
        /^its \w+_endpoint is not an https URL on login\.microsoftonline\.com, login\.windows\.net$/,
      );
    });
  }
});

describe("discovery over a planted http cache (any store)", () => {
  it("a planted OIDC document is dropped with a warning, fetched again, and the real token endpoint is used", async () => {
    const authority = parseAuthority("https://login.microsoftonline.com/contoso.onmicrosoft.com");
    const url = oidcDiscoveryUrl(authority);
    const s = setup({ [url]: entraDoc("https://login.microsoftonline.com/tid") });
    s.plant(
      url,
      entraDoc("https://login.microsoftonline.com/tid", {
        token_endpoint: "https://evil.example/tid/oauth2/v2.0/token",
      }),
    );
    const a = await discoverAuthority(authority, { http: s.http, log: s.log });
    assert.equal(a.tokenEndpoint, "https://login.microsoftonline.com/tid/oauth2/v2.0/token");
    assert.deepEqual(
      s.inner.requests.map((r) => r.url),
      [url],
      "fetched again",
    );
    assert.deepEqual(warnings(s), [
      `A saved discovery answer for ${url} was dropped and fetched again: its token_endpoint is not an https URL on ` +
        "login.microsoftonline.com, login.windows.net, login.microsoft.com, sts.windows.net. Check who can write the " +
        "application's http cache (httpCache or its saved file).",
    ]);
    // The fresh document is what the store holds now, and it is replayed from then on.
    assert.match(
      String((s.store.get(getSuccessKey(url)) as { text: string }).text),
      /login\.microsoftonline\.com\/tid\/oauth2\/v2\.0\/token/,
    );
    await discoverAuthority(authority, { http: s.http, log: s.log });
    assert.equal(s.inner.requests.length, 1);
  });

  it("a planted instance discovery answer cannot send OIDC discovery (or anything else) to another host", async () => {
    const authority = parseAuthority("https://login.windows.net/contoso.com");
    const request = instanceDiscoveryRequest(authority);
    const genuineOidc = "https://login.windows.net/contoso.com/v2.0/.well-known/openid-configuration";
    const evilOidc = "https://evil.example/contoso.com/v2.0/.well-known/openid-configuration";
    const s = setup({
      [request.url]: { tenant_discovery_endpoint: genuineOidc },
      [genuineOidc]: entraDoc("https://login.microsoftonline.com/tid"),
    });
    s.plant(request.url, { tenant_discovery_endpoint: evilOidc }, request.params);
    s.plant(evilOidc, entraDoc("https://evil.example/tid"));
    const a = await discoverAuthority(authority, { http: s.http, log: s.log });
    assert.equal(a.tokenEndpoint, "https://login.microsoftonline.com/tid/oauth2/v2.0/token");
    assert.deepEqual(
      s.inner.requests.map((r) => r.url),
      [request.url, genuineOidc],
    );
    assert.equal(warnings(s).length, 1);
    assert.match(warnings(s)[0] ?? "", /its tenant_discovery_endpoint is not an https URL on login\.windows\.net/);
  });

  it("an application with a client secret never posts it to a planted token endpoint", async () => {
    const url = "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration";
    const store = new Map<string, unknown>();
    const clock = new FakeClock();
    new ExpiringResponseCache({ store, clock }).set(
      getSuccessKey(url),
      response(
        200,
        entraDoc("https://login.microsoftonline.com/tid", {
          token_endpoint: "https://evil.example/tid/oauth2/v2.0/token",
        }),
      ),
      86_400,
    );
    const inner = new RecordingHttpClient((r) => {
      if (r.method === "GET" && r.url === url) return response(200, entraDoc("https://login.microsoftonline.com/tid"));
      if (r.method === "POST" && r.url === "https://login.microsoftonline.com/tid/oauth2/v2.0/token")
        return response(200, { access_token: "AT", expires_in: 3600, token_type: "Bearer" });
      return response(404, {});
    });
    const lines: string[] = [];
    const app = new ConfidentialClientApplication("cid", {
      authority: "https://login.microsoftonline.com/contoso.onmicrosoft.com",
      clientCredential: SECRET,
      httpClient: inner,
      httpCache: store,
      clock,
      logger: { log: (_level, message) => lines.push(message) },
    });
    const result = await app.acquireTokenForClient(["https://graph.microsoft.com/.default"]);
    assert.ok("access_token" in result);
    assert.equal(result.access_token, "AT");
    assert.ok(
      inner.requests.every((r) => !r.url.includes("evil.example")),
      "nothing sent to the planted host",
    );
    assert.ok(lines.some((m) => /dropped and fetched again: its token_endpoint/.test(m)));
    assert.ok(lines.every((m) => !m.includes(SECRET) && !m.includes("evil.example")));
  });

  it("a failed fetch after the drop still warns, and the next call fetches again (nothing planted is kept)", async () => {
    const authority = parseAuthority("https://login.microsoftonline.com/contoso.onmicrosoft.com");
    const url = oidcDiscoveryUrl(authority);
    const s = setup({});
    s.inner.responder = () =>
      Promise.reject(new NetworkError("GET https://login.microsoftonline.com failed: offline."));
    s.plant(url, entraDoc("https://evil.example/tid"));
    await assert.rejects(discoverAuthority(authority, { http: s.http, log: s.log }), NetworkError);
    assert.equal(warnings(s).length, 1);
    assert.equal(s.store.has(getSuccessKey(url)), false);
  });

  it("an oidcAuthority whose real document names another host: refetched each run, without a false alarm", async () => {
    const authority = parseAuthority("https://accounts.example.com/tenant", { oidc: true });
    const url = oidcDiscoveryUrl(authority);
    const doc = {
      issuer: "https://accounts.example.com/tenant",
      authorization_endpoint: "https://accounts.example.com/tenant/authorize",
      token_endpoint: "https://tokens.example.net/tenant/token",
    };
    const s = setup({ [url]: doc });
    s.plant(url, doc);
    const a = await discoverAuthority(authority, { http: s.http, log: s.log });
    assert.equal(a.tokenEndpoint, doc.token_endpoint);
    assert.equal(s.inner.requests.length, 1, "fetched again");
    assert.deepEqual(warnings(s), []);
    assert.ok(s.lines.some(([level, m]) => level === "verbose" && /fetched again: its token_endpoint/.test(m)));
  });
});

describe("genuine saved documents are replayed without a request", () => {
  const cases: Array<[string, ParsedAuthority, string]> = [
    [
      "public cloud",
      parseAuthority("https://login.microsoftonline.com/common"),
      "https://login.microsoftonline.com/common",
    ],
    [
      "login.windows.net answered with login.microsoftonline.com endpoints",
      parseAuthority("https://login.windows.net/contoso.com", { validateAuthority: false }),
      "https://login.microsoftonline.com/tid",
    ],
    [
      "regional host, central authorize endpoint",
      parseAuthority("https://westus.login.microsoft.com/tid", { validateAuthority: false }),
      "https://westus.login.microsoft.com/tid",
    ],
    ["US government", parseAuthority("https://login.microsoftonline.us/tid"), "https://login.microsoftonline.us/tid"],
    [
      "B2C",
      parseAuthority("https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_signin"),
      "https://contoso.b2clogin.com/contoso.onmicrosoft.com/b2c_1_signin",
    ],
    ["CIAM", parseAuthority("https://contoso.ciamlogin.com"), "https://contoso.ciamlogin.com/tid"],
    ["ADFS", parseAuthority("https://fs.contoso.com/adfs"), "https://fs.contoso.com/adfs"],
    [
      "a private host with a port",
      parseAuthority("https://localhost:8443/tenant", { validateAuthority: false }),
      "https://localhost:8443/tid",
    ],
  ];
  for (const [name, authority, base] of cases) {
    it(name, async () => {
      const url = oidcDiscoveryUrl(authority);
      const s = setup({});
      const overrides = name.startsWith("regional")
        ? { authorization_endpoint: "https://login.microsoftonline.com/tid/oauth2/v2.0/authorize" }
        : {};
      s.plant(url, entraDoc(base, overrides));
      const a = await discoverAuthority(authority, { http: s.http, log: s.log, instanceDiscovery: false });
      assert.equal(a.tokenEndpoint, `${base}/oauth2/v2.0/token`);
      assert.equal(s.inner.requests.length, 0);
      assert.deepEqual(s.lines, []);
    });
  }

  it("a client without an http cache is used as is", () => {
    const inner = new RecordingHttpClient();
    assert.equal(vetSavedDiscovery(inner, parseAuthority("https://login.microsoftonline.com/common")), inner);
  });
});
