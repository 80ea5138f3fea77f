/**
 * The authority layer against the Entra emulator over real HTTPS: instance discovery at a custom endpoint,
 * OIDC discovery, tenant re-derivation, aliases, invalid_instance and a 4xx tenant.
 */
import assert from "node:assert/strict";
import { request } from "node:https";
import { after, before, describe, test } from "node:test";
import { startEmulator, type Emulator } from "entra-emulator";
import { AliasResolver } from "../../../src/authority/aliases.ts";
import { resolveAuthority } from "../../../src/authority/authority.ts";
import { AuthorityResolver } from "../../../src/authority/resolver.ts";
import { AuthorityError } from "../../../src/errors.ts";
import type { HttpClient, HttpGetOptions, HttpResponse } from "../../../src/http/types.ts";

/** A minimal GET-only HttpClient trusting the emulator's CA. */
function httpsClient(caPem: string): HttpClient & { urls: string[] } {
  const urls: string[] = [];
  const get = (url: string, o?: HttpGetOptions): Promise<HttpResponse> => {
    const u = new URL(url);
    for (const [k, v] of Object.entries(o?.params ?? {})) u.searchParams.append(k, v);
    urls.push(u.toString());
    return new Promise((resolve, reject) => {
      const req = request(
        u,
        { method: "GET", ca: caPem, headers: o?.headers ?? {}, ...(o?.signal ? { signal: o.signal } : {}) },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers))
              if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
            resolve({ status_code: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8"), headers });
          });
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end();
    });
  };
  return { urls, get, post: () => Promise.reject(new Error("not used")) };
}

describe("authority discovery against the emulator (e2e)", () => {
  let emulator: Emulator;
  let http: ReturnType<typeof httpsClient>;
  let instanceEndpoint: string;
  const tenantId = "7f3c1e2a-5b6d-4c8e-9f01-23456789abcd";

  before(async () => {
    emulator = await startEmulator();
    http = httpsClient(emulator.caPem);
    instanceEndpoint = `${emulator.url}/common/discovery/instance`;
  });
  after(async () => {
    await emulator.close();
  });

  test("instance discovery (custom endpoint) then OIDC discovery; tenant re-derived from the token endpoint", async () => {
    http.urls.length = 0;
    const a = await resolveAuthority(emulator.authority("contoso.onmicrosoft.com"), {
      http,
      instanceDiscovery: instanceEndpoint,
    });
    const host = new URL(emulator.url).host;
    assert.equal(a.host, host);
    assert.equal(a.instance, "localhost", "the cache environment is the host name without the port, as in MSAL Python");
    assert.equal(a.tenant, tenantId, "the emulator names the tenant by GUID in its endpoints");
    assert.equal(a.tokenEndpoint, `${emulator.url}/${tenantId}/oauth2/v2.0/token`);
    assert.equal(a.deviceAuthorizationEndpoint, `${emulator.url}/${tenantId}/oauth2/v2.0/devicecode`);
    assert.equal(http.urls.length, 2);
    assert.ok(http.urls[0]?.startsWith(`${instanceEndpoint}?authorization_endpoint=`));
    assert.equal(http.urls[1], `${emulator.url}/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration`);
  });

  test("common keeps its name", async () => {
    const a = await resolveAuthority(emulator.authority("common"), { http, instanceDiscovery: false });
    assert.equal(a.tenant, "common");
  });

  test("invalid_instance from the emulator's instance discovery", async () => {
    await assert.rejects(
      resolveAuthority("https://unknown.example/contoso.onmicrosoft.com", {
        http,
        instanceDiscovery: instanceEndpoint,
      }),
      (e: unknown) =>
        e instanceof AuthorityError &&
        /^invalid_instance/.test(e.message) &&
        /instanceDiscovery: false/.test(e.message),
    );
  });

  test("an unknown tenant gives 'Unable to get authority configuration'", async () => {
    await assert.rejects(
      resolveAuthority(emulator.authority("nonexistent.onmicrosoft.com"), { http, instanceDiscovery: false }),
      (e: unknown) => e instanceof AuthorityError && /Unable to get authority configuration/.test(e.message),
    );
  });

  test("memoized: one discovery per authority", async () => {
    http.urls.length = 0;
    const authorities = new AuthorityResolver({
      http,
      authority: emulator.authority(),
      instanceDiscovery: instanceEndpoint,
    });
    await Promise.all([authorities.resolve(), authorities.resolve()]);
    assert.equal(http.urls.length, 2);
  });

  test("aliases from the emulator's instance metadata", async () => {
    const host = new URL(emulator.url).host;
    const aliases = await new AliasResolver({ http, instanceDiscovery: instanceEndpoint }).aliasesOf(host);
    assert.ok(aliases.includes(host.replace("localhost", "127.0.0.1")), JSON.stringify(aliases));
    assert.ok(!aliases.includes(host));
  });
});
