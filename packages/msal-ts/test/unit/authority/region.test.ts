import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { IMDS_REGION_URL } from "../../../src/authority/constants.ts";
import {
  RegionResolver,
  regionalAuthorityUrl,
  regionalHost,
  type RegionResolverOptions,
} from "../../../src/authority/region.ts";
import { AuthorityResolver } from "../../../src/authority/resolver.ts";
import { InvalidArgumentError, NetworkError } from "../../../src/errors.ts";
import type { HttpResponse } from "../../../src/http/types.ts";
import { LogSink, type LogLevel } from "../../../src/runtime/logger.ts";
import { RecordingHttpClient, response } from "../../helpers/fakes.ts";
import { entraHttp, entraLike } from "./discovery-fakes.ts";

/** A timeout that never fires unless the test aborts it; records the requested duration. */
function manualTimeout(): { timeout: (ms: number) => AbortSignal; fire: () => void; requested: number[] } {
  const controller = new AbortController();
  const requested: number[] = [];
  return {
    timeout: (ms) => {
      requested.push(ms);
      return controller.signal;
    },
    fire: () => controller.abort(new Error("timeout")),
    requested,
  };
}

function logs(): { sink: LogSink; lines: [LogLevel, string][] } {
  const lines: [LogLevel, string][] = [];
  return { sink: new LogSink({ log: (level, message) => lines.push([level, message]) }), lines };
}

function imds(answer: HttpResponse | Promise<HttpResponse>): RecordingHttpClient {
  return new RecordingHttpClient(() => answer);
}

function detector(http: RecordingHttpClient, extra: Partial<RegionResolverOptions> = {}): RegionResolver {
  return new RegionResolver(true, { http, env: {}, timeout: manualTimeout().timeout, ...extra });
}

describe("region detection (§2.8, quirk advice)", () => {
  test("§2.8 REGION_NAME 'East Us 2' -> eastus2, no IMDS GET", async () => {
    const http = imds(response(200, "westus"));
    assert.equal(await detector(http, { env: { REGION_NAME: "East Us 2" } }).region(), "eastus2");
    assert.equal(http.requests.length, 0);
  });

  test("§2.8 REGION_NAME that is not a region name -> null with a warning, no GET", async () => {
    const http = imds(response(200, "westus"));
    const { sink, lines } = logs();
    assert.equal(await detector(http, { env: { REGION_NAME: "east-us/evil" }, log: sink }).region(), null);
    assert.equal(http.requests.length, 0);
    assert.equal(lines[0]?.[0], "warning");
  });

  test("§2.8 empty REGION_NAME counts as unset -> IMDS", async () => {
    const http = imds(response(200, "westus2"));
    assert.equal(await detector(http, { env: { REGION_NAME: "  " } }).region(), "westus2");
  });

  test("§2.8/§1.3 IMDS 200: exact URL, only Metadata: true, a signal, trimmed body", async () => {
    const seen: (AbortSignal | undefined)[] = [];
    const http = new RecordingHttpClient(() => response(200, " westus2\n", { "content-type": "text/plain" }));
    const original = http.get.bind(http);
    http.get = (url, o) => {
      seen.push(o?.signal);
      return original(url, o);
    };
    const t = manualTimeout();
    assert.equal(await detector(http, { timeout: t.timeout }).region(), "westus2");
    assert.deepEqual(
      http.requests.map((r) => [r.url, r.params, r.headers]),
      [[IMDS_REGION_URL, undefined, { Metadata: "true" }]],
    );
    assert.equal(
      IMDS_REGION_URL,
      "http://169.254.169.254/metadata/instance/compute/location?format=text&api-version=2021-01-01",
    );
    assert.ok(seen[0] instanceof AbortSignal);
    assert.deepEqual(t.requested, [2000], "about 2 s by default");
  });

  const undetected: [string, () => HttpResponse | Promise<HttpResponse>][] = [
    ["IMDS 404 {} (the fixture's answer)", () => response(404, "{}")],
    ["IMDS 500", () => response(500, "westus")],
    ["IMDS 200 garbage", () => response(200, "<html>not azure</html>")],
    ["IMDS 200 'West US' (not lower-case letters/digits)", () => response(200, "West US")],
    ["IMDS 200 empty", () => response(200, "")],
    ["IMDS connection error", () => Promise.reject(new NetworkError("EHOSTUNREACH"))],
  ];
  for (const [name, answer] of undetected) {
    test(`§2.8 quirk advice: ${name} -> null with an info line`, async () => {
      const { sink, lines } = logs();
      assert.equal(await detector(new RecordingHttpClient(answer), { log: sink }).region(), null);
      assert.deepEqual(
        lines.map(([level]) => level),
        ["info"],
      );
      assert.match(lines[0]?.[1] ?? "", /no region/);
    });
  }

  test("§2.8 quirk advice: IMDS that never answers -> null once the timeout fires (client ignoring the signal)", async () => {
    const http = new RecordingHttpClient(() => new Promise<HttpResponse>(() => {}));
    const t = manualTimeout();
    const pending = detector(http, { timeout: t.timeout }).region();
    await Promise.resolve();
    t.fire();
    assert.equal(await pending, null);
  });

  test("§2.8 an already expired timeout -> null", async () => {
    const http = new RecordingHttpClient(() => new Promise<HttpResponse>(() => {}));
    const resolver = new RegionResolver(true, { http, env: {}, timeout: () => AbortSignal.abort() });
    assert.equal(await resolver.region(), null);
  });

  test("§2.8 detected once per resolver, also when undetected", async () => {
    const found = imds(response(200, "westus"));
    const r1 = detector(found);
    await Promise.all([r1.region(), r1.region()]);
    await r1.region();
    assert.equal(found.requests.length, 1);

    const missing = imds(response(404, "{}"));
    const r2 = detector(missing);
    await r2.region();
    await r2.region();
    assert.equal(missing.requests.length, 1);
  });

  test("§2.8 quirk advice: a configured region string is used as is, no GET", async () => {
    const http = imds(response(200, "eastus"));
    assert.equal(await new RegionResolver("westus", { http, env: { REGION_NAME: "eastus" } }).region(), "westus");
    assert.equal(http.requests.length, 0);
  });

  test("§2.8 azureRegion unset -> no region, no GET", async () => {
    const http = imds(response(200, "eastus"));
    const resolver = new RegionResolver(undefined, { http, env: { REGION_NAME: "eastus" } });
    assert.equal(await resolver.region(), null);
    assert.equal(await resolver.regionalAuthority({ instance: "login.microsoftonline.com", tenant: "t" }), null);
    assert.equal(http.requests.length, 0);
  });

  for (const bad of ["west us", "", "westus.evil.com", "westus/", 42]) {
    test(`azureRegion ${JSON.stringify(bad)} -> InvalidArgumentError`, () => {
      assert.throws(() => new RegionResolver(bad as string, { http: entraHttp(), env: {} }), InvalidArgumentError);
    });
  }
});

describe("regional host formation (§2.8)", () => {
  const table: [string, string][] = [
    ["login.microsoftonline.com", "westus.login.microsoft.com"],
    ["login.microsoft.com", "westus.login.microsoft.com"],
    ["login.windows.net", "westus.login.microsoft.com"],
    ["sts.windows.net", "westus.login.microsoft.com"],
    ["LOGIN.MicrosoftOnline.com", "westus.login.microsoft.com"],
    ["login.microsoftonline.us", "westus.login.microsoftonline.us"],
    ["login.chinacloudapi.cn", "westus.login.chinacloudapi.cn"],
    ["private.cloud:8443", "westus.private.cloud:8443"],
  ];
  for (const [host, regional] of table) {
    test(`§2.8 ${host} -> ${regional}`, () => {
      assert.equal(regionalHost("westus", host), regional);
    });
  }

  test("§2.8 regional authority URL uses the central tenant", () => {
    assert.equal(
      regionalAuthorityUrl("westus", { instance: "login.microsoftonline.com", tenant: "contoso.onmicrosoft.com" }),
      "https://westus.login.microsoft.com/contoso.onmicrosoft.com",
    );
  });
});

describe("regional authority (§2.8, §8.7)", () => {
  test("§8.7 azureRegion 'westus' on contoso.onmicrosoft.com -> token endpoint https://westus.login.microsoft.com/contoso.onmicrosoft.com/oauth2/v2.0/token", async () => {
    const http = entraHttp();
    const authorities = new AuthorityResolver({
      http,
      authority: "https://login.microsoftonline.com/contoso.onmicrosoft.com",
    });
    const regions = new RegionResolver("westus", { http, env: {}, authorities });
    const central = await authorities.resolve();
    const regional = await regions.regionalAuthority(central);
    assert.equal(
      regional?.tokenEndpoint,
      "https://westus.login.microsoft.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
    );
    assert.equal(central.instance, "login.microsoftonline.com", "the cache environment stays central");
    assert.deepEqual(
      http.requests.map((r) => r.url),
      [
        "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration",
        "https://westus.login.microsoft.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration",
      ],
    );
  });

  test("§2.8 fixture sequence with detection: central OIDC, IMDS, regional OIDC; regional resolved once", async () => {
    const http = new RecordingHttpClient((r) => (r.url === IMDS_REGION_URL ? response(200, "westus") : entraLike(r)));
    const authorities = new AuthorityResolver({
      http,
      authority: "https://login.microsoftonline.com/contoso.onmicrosoft.com",
    });
    const regions = new RegionResolver(true, { http, env: {}, authorities, timeout: manualTimeout().timeout });
    const central = await authorities.resolve();
    await regions.regionalAuthority(central);
    await regions.regionalAuthority(central);
    assert.deepEqual(
      http.requests.map((r) => r.url),
      [
        "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration",
        IMDS_REGION_URL,
        "https://westus.login.microsoft.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration",
      ],
    );
  });

  test("§2.8 regional authority runs no instance discovery even when the central host needed it", async () => {
    const http = entraHttp();
    const authorities = new AuthorityResolver({ http, authority: "https://login.windows.net/contoso.onmicrosoft.com" });
    const central = await authorities.resolve();
    http.clear();
    const regional = await new RegionResolver("eastus", { http, env: {} }).regionalAuthority(central);
    assert.equal(regional?.instance, "eastus.login.microsoft.com");
    assert.deepEqual(
      http.requests.map((r) => r.url),
      ["https://eastus.login.microsoft.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration"],
    );
  });

  test("§2.8 undetected region -> no regional authority, central is used", async () => {
    const http = imds(response(404, "{}"));
    const regions = detector(http);
    assert.equal(await regions.regionalAuthority({ instance: "login.microsoftonline.com", tenant: "t" }), null);
  });
});
