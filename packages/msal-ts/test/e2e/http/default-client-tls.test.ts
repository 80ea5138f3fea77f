import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startEmulator } from "entra-emulator";
import type { Emulator } from "entra-emulator";
import { NetworkError } from "../../../src/errors.ts";
import { createDefaultHttpClient } from "../../../src/http/default-client.ts";
import type { DefaultHttpClientOptions } from "../../../src/http/default-client.ts";
import { startHttpServer, startProxy } from "./servers.ts";
import type { TestProxy, TestServer } from "./servers.ts";

let emulator: Emulator;
let discovery: string;

before(async () => {
  emulator = await startEmulator();
  discovery = `${emulator.url}/common/v2.0/.well-known/openid-configuration`;
});
after(async () => {
  await emulator.close();
});

async function withClient<T>(
  options: DefaultHttpClientOptions,
  use: (http: ReturnType<typeof createDefaultHttpClient>) => Promise<T>,
): Promise<T> {
  const http = createDefaultHttpClient(options);
  try {
    return await use(http);
  } finally {
    await http.close?.();
  }
}

function assertDiscovery(r: { status_code: number; text: string; headers: Record<string, string> }): void {
  assert.equal(r.status_code, 200);
  const doc = JSON.parse(r.text) as { token_endpoint?: string };
  assert.match(doc.token_endpoint ?? "", /\/oauth2\/v2\.0\/token$/);
  assert.match(r.headers["content-type"] ?? "", /application\/json/);
}

describe("default client over TLS against the emulator", { timeout: 30_000 }, () => {
  it("verify = CA bundle path: succeeds", async () => {
    await withClient({ verify: emulator.caPath }, async (http) => assertDiscovery(await http.get(discovery)));
  });

  it("verify = CA PEM text: succeeds", async () => {
    await withClient({ verify: emulator.caPem }, async (http) => assertDiscovery(await http.get(discovery)));
  });

  it("default trust store: NetworkError (the emulator's CA is not trusted), origin only in the message", async () => {
    await withClient({}, async (http) => {
      await assert.rejects(http.get(`${discovery}?login_hint=alice`), (e: unknown) => {
        assert.ok(e instanceof NetworkError);
        assert.equal(e.code, "network_error");
        assert.ok(e.message.includes(`GET ${emulator.url}`), e.message);
        assert.ok(!e.message.includes("openid-configuration") && !e.message.includes("alice"), e.message);
        assert.match(e.message, /verify/);
        assert.ok(e.cause instanceof Error);
        return true;
      });
    });
  });

  it("verify = false: succeeds without verification", async () => {
    await withClient({ verify: false }, async (http) => assertDiscovery(await http.get(discovery)));
  });

  it("POST to the emulator's token endpoint: a 4xx resolves with the error body", async () => {
    await withClient({ verify: emulator.caPem }, async (http) => {
      const r = await http.post(`${emulator.url}/common/oauth2/v2.0/token`, {
        data: {
          client_id: "no-such-client",
          grant_type: "client_credentials",
          scope: "https://graph.microsoft.com/.default",
        },
      });
      assert.ok(r.status_code >= 400 && r.status_code < 500, String(r.status_code));
      assert.equal(typeof (JSON.parse(r.text) as { error?: unknown }).error, "string");
    });
  });
});

describe("default client through a proxy", { timeout: 30_000 }, () => {
  let proxy: TestProxy;
  let echo: TestServer;
  before(async () => {
    proxy = await startProxy();
    echo = await startHttpServer((req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(`${req.method} ${req.url}`);
    });
  });
  after(async () => {
    await proxy.close();
    await echo.close();
  });

  it("https goes through the proxy with CONNECT (proxies as a string)", async () => {
    const before = proxy.connects.length;
    await withClient({ verify: emulator.caPem, proxies: proxy.url }, async (http) => {
      assertDiscovery(await http.get(discovery));
    });
    assert.equal(proxy.connects.length, before + 1);
    assert.equal(proxy.connects.at(-1), new URL(emulator.url).host);
  });

  it("http goes to the proxy as an absolute-form request (proxies.http)", async () => {
    const before = proxy.forwards.length;
    await withClient({ proxies: { http: proxy.url } }, async (http) => {
      const r = await http.get(`${echo.url}/path?x=1`, { params: { y: "a b" } });
      assert.equal(r.status_code, 200);
      assert.equal(r.text, "GET /path?x=1&y=a+b");
    });
    assert.deepEqual(proxy.forwards.slice(before), [`${echo.url}/path?x=1&y=a+b`]);
  });

  it("per scheme: proxies.https is not used for http URLs, proxies.http not for https URLs", async () => {
    const connects = proxy.connects.length;
    const forwards = proxy.forwards.length;
    await withClient({ verify: emulator.caPem, proxies: { https: proxy.url } }, async (http) => {
      assert.equal((await http.get(`${echo.url}/direct`)).text, "GET /direct");
    });
    await withClient({ verify: emulator.caPem, proxies: { http: proxy.url } }, async (http) => {
      assertDiscovery(await http.get(discovery));
    });
    assert.equal(proxy.connects.length, connects);
    assert.equal(proxy.forwards.length, forwards);
  });
});
