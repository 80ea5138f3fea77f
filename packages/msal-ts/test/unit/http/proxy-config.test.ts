/**
 * Which proxy the default client uses: the variables curl reads and their precedence, the `proxies` option
 * winning over them, and configuration errors that never echo a proxy's credentials.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidArgumentError } from "../../../src/errors.ts";
import { createDefaultHttpClient } from "../../../src/http/default-client.ts";
import { proxyPlan, routeFor } from "../../../src/http/proxy-config.ts";

type Env = Record<string, string | undefined>;

/** The proxy label (origin and source) the client would use for `url`, or "direct". */
function via(proxies: unknown, env: Env | undefined, url: string): string {
  return routeFor(proxyPlan(proxies, env), new URL(url))?.label ?? "direct";
}

const HTTPS = "https://login.example/tenant/oauth2/v2.0/token";
const HTTP = "http://169.254.169.254/metadata/identity/oauth2/token";

describe("proxy from the environment, as curl reads it", () => {
  it("https: https_proxy, else HTTPS_PROXY, else all_proxy, else ALL_PROXY; lower case wins", () => {
    const cases: [Env, string][] = [
      [{ https_proxy: "http://lower:1", HTTPS_PROXY: "http://upper:1" }, "http://lower:1 (https_proxy)"],
      [{ HTTPS_PROXY: "http://upper:1", all_proxy: "http://all:1" }, "http://upper:1 (HTTPS_PROXY)"],
      [{ all_proxy: "http://all:1", ALL_PROXY: "http://ALL:1" }, "http://all:1 (all_proxy)"],
      [{ ALL_PROXY: "socks5://socks:1080" }, "socks5://socks:1080 (ALL_PROXY)"],
      [{ http_proxy: "http://plain:1" }, "direct"],
      [{}, "direct"],
    ];
    for (const [env, expected] of cases) assert.equal(via(undefined, env, HTTPS), expected, JSON.stringify(env));
  });
  it("http: http_proxy only in lower case (curl ignores HTTP_PROXY: httpoxy), else all_proxy/ALL_PROXY", () => {
    assert.equal(via(undefined, { http_proxy: "http://lower:1" }, HTTP), "http://lower:1 (http_proxy)");
    assert.equal(via(undefined, { HTTP_PROXY: "http://upper:1" }, HTTP), "direct");
    assert.equal(
      via(undefined, { HTTP_PROXY: "http://upper:1", ALL_PROXY: "http://all:1" }, HTTP),
      "http://all:1 (ALL_PROXY)",
    );
    assert.equal(via(undefined, { https_proxy: "http://s:1" }, HTTP), "direct");
  });
  it("a variable set to an empty value means no proxy, and hides the ones after it (as in curl)", () => {
    assert.equal(via(undefined, { https_proxy: "", HTTPS_PROXY: "http://upper:1" }, HTTPS), "direct");
    assert.equal(via(undefined, { https_proxy: " ", ALL_PROXY: "http://all:1" }, HTTPS), "direct");
    assert.equal(via(undefined, { http_proxy: "", all_proxy: "http://all:1" }, HTTP), "direct");
  });
  it("no_proxy, else NO_PROXY (lower case wins, even when empty)", () => {
    const env = { https_proxy: "http://p:1" };
    assert.equal(via(undefined, { ...env, no_proxy: "login.example" }, HTTPS), "direct");
    assert.equal(via(undefined, { ...env, NO_PROXY: ".example" }, HTTPS), "direct");
    assert.equal(via(undefined, { ...env, no_proxy: "", NO_PROXY: "*" }, HTTPS), "http://p:1 (https_proxy)");
    assert.equal(via(undefined, { ...env, NO_PROXY: "other.example" }, HTTPS), "http://p:1 (https_proxy)");
  });
  it("a proxy without a scheme is an http proxy; its credentials leave the URL and become a Basic token", () => {
    const route = routeFor(proxyPlan(undefined, { https_proxy: "us%40r:p%3Ass@proxy.corp:3128" }), new URL(HTTPS));
    assert.ok(route);
    assert.equal(route.uri, "http://proxy.corp:3128/");
    assert.equal(route.token, `Basic ${Buffer.from("us@r:p:ss").toString("base64")}`);
    assert.equal(route.label, "http://proxy.corp:3128 (https_proxy)");
    assert.equal(route.socksAuth, undefined);
  });
  it("SOCKS5 credentials go to the handshake, not to a header", () => {
    const route = routeFor(proxyPlan(undefined, { ALL_PROXY: "socks5://u:pw@socks:1080" }), new URL(HTTPS));
    assert.deepEqual(route?.socksAuth, { username: "u", password: "pw" });
    assert.equal(route?.token, undefined);
    assert.equal(route?.uri, "socks5://socks:1080");
  });
  it("no environment (a client created on its own): no proxy", () => {
    assert.equal(via(undefined, undefined, HTTPS), "direct");
  });
});

describe("the proxies option wins over the environment", () => {
  const env = { https_proxy: "http://env:1", http_proxy: "http://env:1", NO_PROXY: "*" };
  it("a string: both schemes, the environment (NO_PROXY included) unread", () => {
    assert.equal(via("http://opt:2", env, HTTPS), "http://opt:2 (proxies)");
    assert.equal(via("http://opt:2", env, HTTP), "http://opt:2 (proxies)");
  });
  it("an object: each scheme; a scheme it leaves out goes direct", () => {
    assert.equal(via({ https: "http://opt:2" }, env, HTTPS), "http://opt:2 (proxies.https)");
    assert.equal(via({ https: "http://opt:2" }, env, HTTP), "direct");
  });
  it("{} turns proxies off whatever the environment says", () => {
    assert.equal(via({}, env, HTTPS), "direct");
    assert.equal(via({}, env, HTTP), "direct");
  });
  it("no_proxy in the object applies curl's rules to the option's proxies", () => {
    const proxies = { https: "http://opt:2", no_proxy: "localhost, .internal.example" };
    assert.equal(via(proxies, {}, "https://sts.internal.example/"), "direct");
    assert.equal(via(proxies, {}, HTTPS), "http://opt:2 (proxies.https)");
  });
});

describe("bad proxy settings: a clear error at creation, never echoing the URL", () => {
  const secret = "hunter2-SECRET";
  // A bad variable is the machine's, not the caller's: the client is created, and only the requests that
  // would use that variable fail (before anything is sent); the other scheme is unaffected.
  const bad: [string, Env, string[]][] = [
    ["https_proxy", { https_proxy: `ftp://user:${secret}@proxy:21` }, [HTTPS]],
    ["HTTPS_PROXY", { HTTPS_PROXY: `http://user:${secret}@[bad` }, [HTTPS]],
    ["http_proxy", { http_proxy: `socks4://user:${secret}@proxy:1080` }, [HTTP]],
    ["ALL_PROXY", { ALL_PROXY: `http://user:${secret}%ZZ@proxy:1` }, [HTTPS, HTTP]],
    ["no host", { https_proxy: `http://user:${secret}@` }, [HTTPS]],
  ];
  const refusal = (e: unknown): boolean => {
    assert.ok(e instanceof InvalidArgumentError, String(e));
    assert.ok(!e.message.includes(secret) && !e.message.includes("user"), e.message);
    assert.match(e.message, /_proxy|_PROXY/i);
    return true;
  };
  for (const [name, env, failing] of bad) {
    it(`${name}: fails the requests that would use it, not the client`, async () => {
      const plan = proxyPlan(undefined, env);
      for (const url of [HTTPS, HTTP]) {
        if (failing.includes(url)) assert.throws(() => routeFor(plan, new URL(url)), refusal);
        else assert.equal(routeFor(plan, new URL(url)), undefined, url);
      }
      const client = createDefaultHttpClient({ env });
      try {
        await assert.rejects(client.get(failing[0] as string), refusal);
      } finally {
        await client.close?.();
      }
    });
  }
  it("a bad variable for a host that no_proxy bypasses does not matter", () => {
    const plan = proxyPlan(undefined, { https_proxy: "ftp://proxy:21", no_proxy: "login.example" });
    assert.equal(routeFor(plan, new URL(HTTPS)), undefined);
  });
  it("the option: names the key, not the value; unknown keys are refused", () => {
    for (const proxies of [`gopher://u:${secret}@p:70`, { https: `http://u:${secret}@p:1%G0` }, { all: "x" }]) {
      assert.throws(
        () => createDefaultHttpClient({ proxies: proxies as string }),
        (e: unknown) => e instanceof InvalidArgumentError && /proxies/.test(e.message) && !e.message.includes(secret),
      );
    }
    assert.throws(
      () => createDefaultHttpClient({ proxies: { no_proxy: 5 as unknown as string } }),
      InvalidArgumentError,
    );
  });
  it("a pinned client (Service Fabric) refuses proxies and ignores the environment", () => {
    const pinnedCertificateSha1 = "a".repeat(40);
    assert.throws(
      () => createDefaultHttpClient({ pinnedCertificateSha1, proxies: "http://p:1" }),
      InvalidArgumentError,
    );
    // A bad proxy variable does not matter to it: the environment is not read.
    assert.doesNotThrow(() => createDefaultHttpClient({ pinnedCertificateSha1, env: { https_proxy: "ftp://x" } }));
  });
});
