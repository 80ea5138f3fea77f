/**
 * The proxy from the environment, end to end: the library and the emulator over real HTTPS through a real
 * forward proxy (Debian's tinyproxy) on loopback, counting the CONNECT tunnels and http requests in its log.
 * The emulator answers as `localhost` and `127.0.0.1`; NO_PROXY entries tell the two apart (curl never
 * matches a name entry against an IP literal host, nor an IP entry against a name).
 */
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { after, before, describe, it } from "node:test";
import type { Emulator } from "entra-emulator";
import { NetworkError } from "../../../src/errors.ts";
import { createDefaultHttpClient } from "../../../src/http/default-client.ts";
import type { DefaultHttpClientOptions } from "../../../src/http/default-client.ts";
import {
  ConfidentialClientApplication,
  ManagedIdentityClient,
  SystemAssignedManagedIdentity,
  type Logger,
} from "../../../src/index.ts";
import { IDS, startTestEmulator } from "../../helpers/emulator.ts";
import { startTinyproxy, type Tinyproxy } from "../../helpers/tinyproxy.ts";

const PASSWORD = "s3cr3t-Proxy-Pa55";
const WRONG = "wr0ng-Proxy-Pa55";

let emulator: Emulator;
let port: number;
let open: Tinyproxy;
let guarded: Tinyproxy;

before(async () => {
  emulator = await startTestEmulator();
  port = Number(new URL(emulator.url).port);
  const miPort = Number(new URL(emulator.miUrl).port);
  open = await startTinyproxy({ connectPorts: [443, port, miPort] });
  guarded = await startTinyproxy({ connectPorts: [port], basicAuth: { user: "proxyuser", password: PASSWORD } });
});
after(async () => {
  await open?.stop();
  await guarded?.stop();
  await emulator?.close();
});

/** The same URL path on the emulator as `localhost` (its canonical name) or as `127.0.0.1`. */
function discoveryAt(host: "localhost" | "127.0.0.1"): string {
  return `https://${host}:${port}/common/v2.0/.well-known/openid-configuration`;
}

async function get(options: DefaultHttpClientOptions, url: string): Promise<number> {
  const http = createDefaultHttpClient({ verify: emulator.caPem, ...options });
  try {
    return (await http.get(url)).status_code;
  } finally {
    await http.close?.();
  }
}

/** What `run` sent through `proxy`: the CONNECT targets and forwarded request lines it added to the log. */
async function through(
  proxy: Tinyproxy,
  run: () => Promise<void>,
): Promise<{ connects: string[]; forwards: string[] }> {
  const c = proxy.connects().length;
  const f = proxy.forwards().length;
  await run();
  return { connects: proxy.connects().slice(c), forwards: proxy.forwards().slice(f) };
}

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, log: (level, message) => lines.push(`${level} ${message}`) };
}

describe("HTTPS_PROXY and NO_PROXY with the default client", { timeout: 60_000 }, () => {
  it("HTTPS_PROXY: an https request goes through the proxy as one CONNECT tunnel", async () => {
    const seen = await through(open, async () => {
      assert.equal(await get({ env: { HTTPS_PROXY: open.url } }, discoveryAt("localhost")), 200);
    });
    assert.deepEqual(seen.connects, [`localhost:${port}`]);
  });

  it("NO_PROXY=127.0.0.1: the IP literal goes direct, the name localhost still through the proxy", async () => {
    const env = { https_proxy: open.url, NO_PROXY: "127.0.0.1" };
    const direct = await through(open, async () => assert.equal(await get({ env }, discoveryAt("127.0.0.1")), 200));
    assert.deepEqual(direct.connects, []);
    const proxied = await through(open, async () => assert.equal(await get({ env }, discoveryAt("localhost")), 200));
    assert.deepEqual(proxied.connects, [`localhost:${port}`]);
  });

  it("NO_PROXY=.localhost, localhost:port and * bypass it; another port does not", async () => {
    for (const noProxy of [".localhost", `localhost:${port}`, "*", "login.example, LOCALHOST"]) {
      const seen = await through(open, async () => {
        assert.equal(await get({ env: { HTTPS_PROXY: open.url, no_proxy: noProxy } }, discoveryAt("localhost")), 200);
      });
      assert.deepEqual(seen.connects, [], noProxy);
    }
    const seen = await through(open, async () => {
      const env = { HTTPS_PROXY: open.url, no_proxy: `localhost:${port + 1}` };
      assert.equal(await get({ env }, discoveryAt("localhost")), 200);
    });
    assert.deepEqual(seen.connects, [`localhost:${port}`]);
  });

  it("the proxies option wins: it is used over a dead HTTPS_PROXY, and {} ignores a live one", async () => {
    const dead = "http://127.0.0.1:9";
    const seen = await through(open, async () => {
      assert.equal(await get({ proxies: open.url, env: { HTTPS_PROXY: dead } }, discoveryAt("localhost")), 200);
    });
    assert.deepEqual(seen.connects, [`localhost:${port}`]);
    const none = await through(open, async () => {
      assert.equal(await get({ proxies: {}, env: { HTTPS_PROXY: open.url } }, discoveryAt("localhost")), 200);
    });
    assert.deepEqual(none.connects, []);
  });
});

describe("proxy credentials", { timeout: 60_000 }, () => {
  it("user:password in HTTPS_PROXY authenticate to the proxy (Proxy-Authorization)", async () => {
    const url = `http://proxyuser:${PASSWORD}@127.0.0.1:${guarded.port}`;
    const seen = await through(guarded, async () => {
      assert.equal(await get({ env: { HTTPS_PROXY: url } }, discoveryAt("localhost")), 200);
    });
    assert.deepEqual(seen.connects, [`localhost:${port}`]);
    assert.ok(!guarded.log().includes(PASSWORD));
  });

  it("a wrong password: NetworkError naming the proxy and the variable, never the credentials", async () => {
    const url = `http://proxyuser:${WRONG}@127.0.0.1:${guarded.port}`;
    await assert.rejects(get({ env: { HTTPS_PROXY: url } }, discoveryAt("localhost")), (e: unknown) => {
      assert.ok(e instanceof NetworkError, String(e));
      // tinyproxy answers a CONNECT with bad credentials 401 (a plain request: 407).
      assert.match(e.message, /proxy answered 40[17]\. Check the proxy/);
      assert.ok(e.message.includes(`through the proxy http://127.0.0.1:${guarded.port} (HTTPS_PROXY)`), e.message);
      assertNoSecret(e, WRONG);
      return true;
    });
  });

  it("a proxy that refuses the connection: the message shows its origin only", async () => {
    const url = `http://proxyuser:${WRONG}@127.0.0.1:9`;
    await assert.rejects(get({ proxies: { https: url } }, discoveryAt("localhost")), (e: unknown) => {
      assert.ok(e instanceof NetworkError, String(e));
      assert.match(e.message, /through the proxy http:\/\/127\.0\.0\.1:9 \(proxies\.https\).*ECONNREFUSED/);
      assertNoSecret(e, WRONG);
      return true;
    });
  });

  it("through an application: the token is served; no log line holds the password", async () => {
    const logger = recordingLogger();
    const app = new ConfidentialClientApplication(IDS.confidential, {
      ...emulator.clientOptions("contoso.onmicrosoft.com"),
      clientCredential: IDS.confidentialSecret,
      env: { HTTPS_PROXY: `http://proxyuser:${PASSWORD}@127.0.0.1:${guarded.port}` },
      logger,
    });
    const seen = await through(guarded, async () => {
      const result = await app.acquireTokenForClient([IDS.apiDefault]);
      assert.ok("access_token" in result, JSON.stringify(result));
    });
    assert.ok(
      seen.connects.length >= 1 && seen.connects.every((c) => c === `localhost:${port}`),
      String(seen.connects),
    );
    const wrong = new ConfidentialClientApplication(IDS.confidential, {
      ...emulator.clientOptions("contoso.onmicrosoft.com"),
      clientCredential: IDS.confidentialSecret,
      env: { HTTPS_PROXY: `http://proxyuser:${WRONG}@127.0.0.1:${guarded.port}` },
      logger,
    });
    await assert.rejects(wrong.acquireTokenForClient([IDS.apiDefault]), (e: unknown) => {
      assertNoSecret(e, WRONG);
      return true;
    });
    assert.ok(logger.lines.length > 0);
    for (const line of logger.lines) assert.ok(!line.includes(PASSWORD) && !line.includes(WRONG), line);
  });
});

describe("managed identity (plain http) through http_proxy", { timeout: 60_000 }, () => {
  const imds = (): Record<string, string> => emulator.managedIdentityEnv("imds");
  const acquire = async (env: Record<string, string>): Promise<void> => {
    const client = new ManagedIdentityClient(new SystemAssignedManagedIdentity(), { env });
    const result = await client.acquireTokenForClient({ resource: "https://vault.azure.net" });
    assert.ok("access_token" in result, JSON.stringify(result));
  };

  it("http_proxy: the request goes to the proxy in absolute form, one line per request", async () => {
    const seen = await through(open, () => acquire({ ...imds(), http_proxy: open.url }));
    assert.equal(seen.forwards.length, 1, String(seen.forwards));
    assert.match(seen.forwards[0] ?? "", new RegExp(`^GET ${emulator.miUrl}/metadata/identity/oauth2/token\\?`));
  });

  it("NO_PROXY with the endpoint's address goes direct; upper-case HTTP_PROXY is ignored, as curl does", async () => {
    const bypass = await through(open, () =>
      acquire({ ...imds(), http_proxy: open.url, NO_PROXY: "169.254.169.254,127.0.0.1" }),
    );
    assert.deepEqual(bypass.forwards, []);
    const upper = await through(open, () => acquire({ ...imds(), HTTP_PROXY: open.url }));
    assert.deepEqual(upper.forwards, []);
  });
});

/** Neither the password nor its Basic encoding is in the error, its message, its cause chain or its inspection. */
function assertNoSecret(e: unknown, password: string): void {
  const basic = Buffer.from(`proxyuser:${password}`).toString("base64");
  const shown = [String(e), inspect(e, { depth: 8, showHidden: true }), JSON.stringify(e)].join("\n");
  assert.ok(!shown.includes(password), "password in the error");
  assert.ok(!shown.includes(basic), "Basic credentials in the error");
}
