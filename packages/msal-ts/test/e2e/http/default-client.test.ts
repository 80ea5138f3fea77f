import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { NetworkError, ServerError } from "../../../src/errors.ts";
import { createDefaultHttpClient } from "../../../src/http/default-client.ts";
import type { HttpClient } from "../../../src/http/types.ts";
import { freePort, startDroppingServer, startHttpServer, startSilentServer } from "./servers.ts";
import type { TestServer } from "./servers.ts";

interface Echo {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

let echo: TestServer;
let http: HttpClient;

before(async () => {
  echo = await startHttpServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      const status = Number(new URL(req.url ?? "/", "http://x").searchParams.get("status") ?? "200");
      res.writeHead(status, { "Content-Type": "application/json", "X-Custom-Header": "Value", "Retry-After": "7" });
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }));
    });
  });
  http = createDefaultHttpClient({ timeout: 10 });
});
after(async () => {
  await http.close?.();
  await echo.close();
});

describe("default client: requests and responses", { timeout: 30_000 }, () => {
  it("POST with a form: application/x-www-form-urlencoded, spaces as +", async () => {
    const r = await http.post(`${echo.url}/token`, { data: { scope: "openid profile s", claims: '{"a":"ü*~"}' } });
    const seen = JSON.parse(r.text) as Echo;
    assert.equal(seen.method, "POST");
    assert.equal(seen.headers["content-type"], "application/x-www-form-urlencoded");
    assert.equal(seen.body, "scope=openid+profile+s&claims=%7B%22a%22%3A%22%C3%BC%2A~%22%7D");
  });

  it("POST with a string body sends it as is; a caller's content-type wins", async () => {
    const r = await http.post(`${echo.url}/raw`, {
      data: '{"k": "v w"}',
      headers: { "Content-Type": "application/json" },
    });
    const seen = JSON.parse(r.text) as Echo;
    assert.equal(seen.body, '{"k": "v w"}');
    assert.equal(seen.headers["content-type"], "application/json");
  });

  it("params are appended to the query, keeping the existing one; headers are sent", async () => {
    const r = await http.get(`${echo.url}/path?x=1`, {
      params: { y: "a b", z: "&" },
      headers: { "X-Client-SKU": "msal-ts" },
    });
    const seen = JSON.parse(r.text) as Echo;
    assert.equal(seen.url, "/path?x=1&y=a+b&z=%26");
    assert.equal(seen.headers["x-client-sku"], "msal-ts");
  });

  it("POST params go to the query too", async () => {
    const r = await http.post(`${echo.url}/p`, { params: { a: "1" }, data: { b: "2" } });
    assert.equal((JSON.parse(r.text) as Echo).url, "/p?a=1");
  });

  it("response header names are lower-cased", async () => {
    const r = await http.get(`${echo.url}/h`);
    assert.equal(r.headers["x-custom-header"], "Value");
    assert.equal(r.headers["retry-after"], "7");
    assert.equal(r.headers["X-Custom-Header"], undefined);
  });

  it("every status resolves: 400, 429, 500, 503", async () => {
    for (const status of [400, 429, 500, 503]) {
      const r = await http.get(`${echo.url}/s?status=${status}`);
      assert.equal(r.status_code, status);
      assert.equal((JSON.parse(r.text) as Echo).method, "GET");
    }
  });
});

describe("default client: failures", { timeout: 30_000 }, () => {
  it("connection refused: NetworkError naming the method and origin, never the path or query; cause kept", async () => {
    const port = await freePort();
    const client = createDefaultHttpClient({});
    try {
      await assert.rejects(
        client.post(`http://127.0.0.1:${port}/tenant/secret-path?username=alice@contoso.com`, {
          data: { username: "bob" },
        }),
        (e: unknown) => {
          assert.ok(e instanceof NetworkError);
          assert.equal(e.code, "network_error");
          assert.ok(e.message.includes(`POST http://127.0.0.1:${port}`), e.message);
          for (const hidden of ["secret-path", "alice", "bob", "tenant"])
            assert.ok(!e.message.includes(hidden), e.message);
          assert.match(e.message, /ECONNREFUSED/);
          assert.ok(e.cause !== undefined);
          return true;
        },
      );
    } finally {
      await client.close?.();
    }
  });

  it("timeout: a server that never answers gives NetworkError code timeout, without a retry", async () => {
    const silent = await startSilentServer();
    const client = createDefaultHttpClient({ timeout: 0.3 });
    try {
      await assert.rejects(client.get(`${silent.url}/slow?q=secret`), (e: unknown) => {
        assert.ok(e instanceof NetworkError);
        assert.equal(e.code, "timeout");
        assert.ok(e.message.includes(silent.url) && !e.message.includes("secret"), e.message);
        return true;
      });
      assert.equal(silent.connections(), 1);
    } finally {
      await client.close?.();
      await silent.close();
    }
  });

  it("exactly one retry (GET): the first connection is destroyed, the second answers", async () => {
    const server = await startDroppingServer(1);
    const client = createDefaultHttpClient({});
    try {
      const r = await client.get(`${server.url}/token`);
      assert.equal(r.status_code, 200);
      assert.equal(r.text, "ok");
      assert.equal(server.connections(), 2);
    } finally {
      await client.close?.();
      await server.close();
    }
  });

  it("no retry of a POST the server may have received: a dropped connection after sending fails at once", async () => {
    const server = await startDroppingServer(1);
    const client = createDefaultHttpClient({});
    try {
      await assert.rejects(client.post(`${server.url}/token`, { data: { a: "b c" } }), NetworkError);
      assert.equal(server.connections(), 1, "an auth code or refresh token is never sent twice");
      assert.deepEqual(server.bodies, ["a=b+c"]);
    } finally {
      await client.close?.();
      await server.close();
    }
  });

  it("a POST whose connection was refused is retried once (it was never sent)", async () => {
    const server = await startDroppingServer(0);
    const url = `${server.url}/token`;
    await server.close();
    const client = createDefaultHttpClient({});
    try {
      await assert.rejects(
        client.post(url, { data: { a: "b" } }),
        (e: unknown) => e instanceof NetworkError && /after 2 attempts/.test(e.message),
      );
    } finally {
      await client.close?.();
    }
  });

  it("exactly one retry: a server that always drops the connection gives NetworkError after 2 attempts", async () => {
    const server = await startDroppingServer(Number.POSITIVE_INFINITY);
    const client = createDefaultHttpClient({});
    try {
      await assert.rejects(client.get(`${server.url}/token`), (e: unknown) => {
        assert.ok(e instanceof NetworkError);
        assert.equal(e.code, "network_error");
        assert.match(e.message, /after 2 attempts/);
        return true;
      });
      assert.equal(server.connections(), 2);
    } finally {
      await client.close?.();
      await server.close();
    }
  });

  it("an AbortSignal aborts the request with its reason, without a retry", async () => {
    const silent = await startSilentServer();
    const client = createDefaultHttpClient({});
    try {
      const controller = new AbortController();
      const reason = new Error("user cancelled");
      const pending = client.get(`${silent.url}/x`, { signal: controller.signal });
      while (silent.connections() === 0) await new Promise((resolve) => setImmediate(resolve));
      controller.abort(reason);
      await assert.rejects(pending, (e: unknown) => e === reason);
      assert.equal(silent.connections(), 1);

      const aborted = new AbortController();
      aborted.abort(reason);
      await assert.rejects(client.post(`${silent.url}/x`, { signal: aborted.signal }), (e: unknown) => e === reason);
      assert.equal(silent.connections(), 1, "an aborted signal sends nothing");
    } finally {
      await client.close?.();
      await silent.close();
    }
  });

  it("a body larger than maxResponseBytes gives ServerError response_too_large (with or without content-length)", async () => {
    const big = await startHttpServer((req, res) => {
      const body = "x".repeat(4096);
      if (req.url === "/chunked") {
        res.writeHead(200, { "content-type": "text/plain" });
        res.write(body.slice(0, 2048));
        res.end(body.slice(2048));
      } else {
        res.writeHead(200, { "content-type": "text/plain", "content-length": String(body.length) });
        res.end(body);
      }
    });
    const client = createDefaultHttpClient({ maxResponseBytes: 1024 });
    const roomy = createDefaultHttpClient({ maxResponseBytes: 4096 });
    try {
      for (const path of ["/sized", "/chunked"]) {
        await assert.rejects(client.get(`${big.url}${path}`), (e: unknown) => {
          assert.ok(e instanceof ServerError);
          assert.equal(e.code, "response_too_large");
          assert.equal(e.status, 200);
          return true;
        });
      }
      assert.equal((await roomy.get(`${big.url}/chunked`)).text.length, 4096, "exactly the limit is fine");
    } finally {
      await client.close?.();
      await roomy.close?.();
      await big.close();
    }
  });

  it("close() closes the client: later requests reject with NetworkError", async () => {
    const client = createDefaultHttpClient({});
    assert.equal((await client.get(`${echo.url}/once`)).status_code, 200);
    await client.close?.();
    await assert.rejects(client.get(`${echo.url}/twice`), NetworkError);
  });
});
