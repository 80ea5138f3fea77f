import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import type { IncomingHttpHeaders } from "node:http";
import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { describe, it } from "node:test";
import { BrowserInteractionTimeoutError, InvalidArgumentError, MsalError } from "../../../src/errors.ts";
import { startLoopbackListener } from "../../../src/loopback/listener.ts";
import type { LoopbackListener } from "../../../src/loopback/listener.ts";
import type { Clock } from "../../../src/runtime/clock.ts";

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTP request on a fresh connection (no agent pooling). */
function send(
  port: number,
  o: { path?: string; method?: string; headers?: Record<string, string>; body?: string | Buffer; host?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: o.host ?? "127.0.0.1",
        port,
        path: o.path ?? "/",
        method: o.method ?? "GET",
        headers: o.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(o.body);
  });
}

function postForm(port: number, form: Record<string, string>): Promise<Reply> {
  return send(port, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form).toString(),
  });
}

/** Resolves with the socket error code of a TCP connect, or "connected". */
function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
  });
}

/** Fails instead of hanging the test file (a close() waiting on a connection it should have destroyed). */
async function withinFiveSeconds<T>(p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const guard = new Promise<never>(
    (_r, reject) => (timer = setTimeout(() => reject(new Error("still pending")), 5_000)),
  );
  try {
    return await Promise.race([p, guard]);
  } finally {
    clearTimeout(timer);
  }
}

async function withListener(
  fn: (l: LoopbackListener) => Promise<void>,
  options: Parameters<typeof startLoopbackListener>[0] = {},
): Promise<void> {
  const listener = await startLoopbackListener(options);
  try {
    await fn(listener);
  } finally {
    await listener.close();
  }
}

describe("startLoopbackListener: binding", () => {
  it("port 0 yields a non-zero port and redirect URI http://localhost:{port} (8.10)", () =>
    withListener(async (l) => {
      assert.ok(l.port > 0);
      assert.equal(l.redirectUri, `http://localhost:${l.port}`);
    }));

  it("listens on loopback only: 127.0.0.1 (and ::1) answer, a non-loopback address does not", () =>
    withListener(async (l) => {
      assert.equal(await tryConnect("127.0.0.1", l.port), "connected");
      const addresses = Object.values(networkInterfaces()).flat();
      if (addresses.some((a) => a?.address === "::1")) assert.equal(await tryConnect("::1", l.port), "connected");
      const external = addresses.find((a) => a !== undefined && !a.internal && a.family === "IPv4");
      if (external !== undefined) assert.equal(await tryConnect(external.address, l.port), "ECONNREFUSED");
    }));

  it("two listeners cannot share a fixed port: a clear InvalidArgumentError (8.10)", () =>
    withListener(async (l) => {
      await assert.rejects(startLoopbackListener({ port: l.port }), (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentError);
        assert.equal(e.message, `Can't listen on port ${l.port} (in use). Pass port 0 to let the system choose.`);
        return true;
      });
    }));

  it("rejects a port that is not an integer in 0..65535", async () => {
    for (const port of [-1, 65_536, 1.5, Number.NaN]) {
      await assert.rejects(startLoopbackListener({ port }), InvalidArgumentError);
    }
  });

  it("close() is idempotent, rejects a pending wait, and frees the port (no handle left)", async () => {
    const l = await startLoopbackListener();
    const wait = l.waitForResponse({ state: "s" });
    const idle = await send(l.port, { path: "/" }); // leaves nothing open: agent:false, but the server side may linger
    assert.equal(idle.status, 200);
    await Promise.all([l.close(), l.close()]);
    await l.close();
    await assert.rejects(wait, (e: unknown) => e instanceof MsalError && e.code === "listener_closed");
    await assert.rejects(
      l.waitForResponse({ state: "s" }),
      (e: unknown) => e instanceof MsalError && e.code === "listener_closed",
    );
    assert.equal(await tryConnect("127.0.0.1", l.port), "ECONNREFUSED");
  });

  it("close() destroys held keep-alive connections", async () => {
    const l = await startLoopbackListener();
    const socket = connect({ host: "127.0.0.1", port: l.port });
    await new Promise((resolve) => socket.once("connect", resolve));
    const ended = new Promise((resolve) => socket.once("close", resolve));
    socket.on("error", () => undefined);
    socket.write("GET /?code=c&state=s HTTP/1.1\r\nHost: localhost\r\n\r\n"); // held: no wait pending yet
    await new Promise((r) => setTimeout(r, 50)); // let the server read the request, so the connection is busy
    await withinFiveSeconds(l.close());
    await ended;
    assert.equal(await tryConnect("127.0.0.1", l.port), "ECONNREFUSED");
  });
});

describe("LoopbackListener: authorization responses", () => {
  it("GET query: success page with security headers, resolves with the params", () =>
    withListener(async (l) => {
      const wait = l.waitForResponse({ state: "st8", timeoutMs: 10_000 });
      const reply = await send(l.port, {
        path: "/?code=the-code&state=st8&client_info=eyJ1aWQiOiJ1In0&session_state=x",
      });
      assert.equal(reply.status, 200);
      assert.match(reply.body, /Authentication completed\. You can close this window now\./);
      assert.equal(reply.headers["content-type"], "text/html; charset=utf-8");
      assert.equal(reply.headers["cache-control"], "no-store");
      assert.equal(reply.headers["x-content-type-options"], "nosniff");
      assert.equal(reply.headers["content-security-policy"], "default-src 'none'; style-src 'unsafe-inline'");
      assert.deepEqual(await wait, {
        code: "the-code",
        state: "st8",
        client_info: "eyJ1aWQiOiJ1In0",
        session_state: "x",
      });
    }));

  it("POST form_post on any path: success page, resolves with the body params", () =>
    withListener(async (l) => {
      const wait = l.waitForResponse({ state: "st8" });
      const reply = await send(l.port, {
        method: "POST",
        path: "/some/path",
        headers: { "Content-Type": "application/x-www-form-urlencoded; charset=utf-8" },
        body: "code=c%2B1&state=st8&id_token=a.b.c",
      });
      assert.equal(reply.status, 200);
      assert.match(reply.body, /Authentication completed/);
      assert.deepEqual(await wait, { code: "c+1", state: "st8", id_token: "a.b.c" });
    }));

  it("repeated keys keep their first value; __proto__ is a plain key", () =>
    withListener(async (l) => {
      const wait = l.waitForResponse({ state: "s" });
      await send(l.port, { path: "/?code=first&code=second&state=s&__proto__=p" });
      const r = await wait;
      assert.equal(r.code, "first");
      assert.equal(Object.getPrototypeOf(r), Object.prototype);
      assert.equal(Object.getOwnPropertyDescriptor(r, "__proto__")?.value, "p");
    }));

  it("error response: the default error page escapes error, error_description and error_uri", () =>
    withListener(async (l) => {
      const wait = l.waitForResponse({ state: "s" });
      const qs = new URLSearchParams({
        error: "<tag>foo</tag>",
        error_description: `"'&`,
        error_uri: "javascript:x<y>",
        state: "s",
      });
      const reply = await send(l.port, { path: `/?${qs}` });
      assert.equal(reply.status, 200);
      assert.match(reply.body, /Authentication failed\./);
      assert.ok(reply.body.includes("&lt;tag&gt;foo&lt;/tag&gt;"));
      assert.ok(reply.body.includes("&quot;&#39;&amp;"));
      assert.ok(reply.body.includes("javascript:x&lt;y&gt;"));
      assert.ok(!reply.body.includes("<tag>"));
      assert.equal((await wait).error, "<tag>foo</tag>");
    }));

  it("custom error template: 8.10 vector <html>$error</html>", () =>
    withListener(
      async (l) => {
        const wait = l.waitForResponse({ state: "s" });
        const reply = await send(l.port, { path: `/?error=${encodeURIComponent("<tag>foo</tag>")}&state=s` });
        assert.equal(reply.body, "<html>&lt;tag&gt;foo&lt;/tag&gt;</html>");
        await wait;
      },
      { errorPage: "<html>$error</html>" },
    ));

  it("custom templates: every placeholder substituted once and escaped, absent ones empty", () =>
    withListener(
      async (l) => {
        let wait = l.waitForResponse({ state: "s" });
        let reply = await send(l.port, { path: `/?error=${encodeURIComponent("$error_uri<")}&state=s` });
        assert.equal(reply.body, "<p>$error_uri&lt;|||$cost</p>");
        await wait;
        wait = l.waitForResponse({ state: "s" });
        reply = await send(l.port, { path: "/?code=c&state=s" });
        assert.equal(reply.body, "<b>done </b>");
        await wait;
      },
      { errorPage: "<p>$error|$error_description|${error_uri}|$cost</p>", successPage: "<b>done $error</b>" },
    ));

  it("a forged response with a wrong state is answered and ignored; the right one then resolves", () =>
    withListener(async (l) => {
      let settled = false;
      const wait = l.waitForResponse({ state: "good" }).finally(() => (settled = true));
      const forged = await send(l.port, { path: "/?code=evil&state=bad" });
      assert.equal(forged.status, 200);
      assert.match(forged.body, /State mismatch/);
      const missing = await send(l.port, { path: "/?error=access_denied" });
      assert.match(missing.body, /State mismatch/);
      assert.equal(settled, false);
      await send(l.port, { path: "/?code=real&state=good" });
      assert.equal((await wait).code, "real");
    }));

  it("DNS rebinding: a request under another host name is refused (421) and ignored, even with the right state", () =>
    withListener(async (l) => {
      let settled = false;
      const wait = l.waitForResponse({ state: "good" }).finally(() => (settled = true));
      for (const host of ["evil.example", `evil.example:${l.port}`, "localhost.evil.example", "127.0.0.1.nip.io"]) {
        const r = await send(l.port, { path: "/?code=stolen&state=good", headers: { Host: host } });
        assert.equal(r.status, 421, host);
      }
      assert.equal(settled, false);
      await send(l.port, { path: "/?code=real&state=good", headers: { Host: `LOCALHOST:${l.port}` } });
      assert.equal((await wait).code, "real");
    }));

  it("requests without code or error get a neutral page (favicon 404) and are ignored", () =>
    withListener(async (l) => {
      const wait = l.waitForResponse({ state: "s" });
      const root = await send(l.port, { path: "/" });
      assert.equal(root.status, 200);
      assert.doesNotMatch(root.body, /Authentication/);
      assert.equal((await send(l.port, { path: "/favicon.ico" })).status, 404);
      assert.equal((await send(l.port, { path: "/?state=s&foo=bar" })).status, 200);
      assert.equal((await send(l.port, { method: "DELETE", path: "/?code=c&state=s" })).status, 405);
      await send(l.port, { path: "/?code=ok&state=s" });
      assert.equal((await wait).code, "ok");
    }));

  it("a response that arrives before waitForResponse is held and answered once the wait starts", () =>
    withListener(async (l) => {
      const early = send(l.port, { path: "/?code=early&state=s" });
      await new Promise((r) => setTimeout(r, 20));
      const r = await l.waitForResponse({ state: "s" });
      assert.equal(r.code, "early");
      assert.match((await early).body, /Authentication completed/);
    }));

  it("resolves only once the page is flushed, so close() right after does not cut it", async () => {
    const big = `<p>${"x".repeat(4_000_000)}</p>`;
    const l = await startLoopbackListener({ successPage: big });
    const closed = l.waitForResponse({ state: "s" }).then(() => l.close());
    const reply = await send(l.port, { path: "/?code=c&state=s" });
    await closed;
    assert.equal(reply.body.length, big.length);
  });

  it("a held response whose browser went away still resolves the wait", () =>
    withListener(async (l) => {
      await new Promise<void>((resolve) => {
        const socket = connect({ host: "127.0.0.1", port: l.port }, () => {
          socket.end("GET /?code=gone&state=s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", () => {
            socket.destroy();
            resolve();
          });
        });
      });
      await new Promise((r) => setTimeout(r, 20));
      assert.equal((await l.waitForResponse({ state: "s", timeoutMs: 10_000 })).code, "gone");
    }));

  it("oversized POST bodies get 413 and are ignored (declared length and chunked)", () =>
    withListener(async (l) => {
      const wait = l.waitForResponse({ state: "s" });
      const big = `code=c&state=s&pad=${"x".repeat(70 * 1024)}`;
      const declared = await send(l.port, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: big,
      });
      assert.equal(declared.status, 413);
      const chunked = await send(l.port, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", "Transfer-Encoding": "chunked" },
        body: big,
      });
      assert.equal(chunked.status, 413);
      await postForm(l.port, { code: "small", state: "s" });
      assert.equal((await wait).code, "small");
    }));

  it("malformed requests get 400 (bad request line) or 415 (POST not form-encoded) and are ignored", () =>
    withListener(async (l) => {
      const wait = l.waitForResponse({ state: "s" });
      const raw = await new Promise<string>((resolve) => {
        const socket = connect({ host: "127.0.0.1", port: l.port }, () => socket.write("NOT HTTP\r\n\r\n"));
        let data = "";
        socket.on("data", (c: Buffer) => (data += c.toString("latin1")));
        socket.on("close", () => resolve(data));
        socket.on("error", () => undefined);
      });
      assert.match(raw, /^HTTP\/1\.1 400 /);
      const json = await send(l.port, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: '{"code":"c","state":"s"}',
      });
      assert.equal(json.status, 415);
      await postForm(l.port, { error: "access_denied", state: "s" });
      assert.equal((await wait).error, "access_denied");
    }));
});

describe("LoopbackListener: waiting", () => {
  it("rejects with BrowserInteractionTimeoutError after timeoutMs, and can wait again", () =>
    withListener(async (l) => {
      await assert.rejects(l.waitForResponse({ state: "s", timeoutMs: 50 }), (e: unknown) => {
        assert.ok(e instanceof BrowserInteractionTimeoutError);
        assert.match(e.message, /^User did not complete the flow in time/);
        return true;
      });
      const wait = l.waitForResponse({ state: "s", timeoutMs: 10_000 });
      await send(l.port, { path: "/?code=c&state=s" });
      assert.equal((await wait).code, "c");
    }));

  it("times timeoutMs on the clock it is given, and stops that sleep once a response came", async () => {
    // A clock whose sleeps end only when the test says so: the timeout cannot depend on wall-clock speed.
    const sleeps: { ms: number; signal: AbortSignal | undefined; end(): void }[] = [];
    const clock: Clock = {
      now: () => 0,
      sleep: (ms, signal) =>
        new Promise<void>((resolve, reject) => {
          sleeps.push({ ms, signal, end: resolve });
          signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
        }),
    };
    await withListener(
      async (l) => {
        const timedOut = l.waitForResponse({ state: "s", timeoutMs: 3_600_000 });
        assert.deepEqual(
          sleeps.map((z) => z.ms),
          [3_600_000],
        );
        sleeps[0]?.end();
        await assert.rejects(timedOut, BrowserInteractionTimeoutError);
        const answered = l.waitForResponse({ state: "s", timeoutMs: 60_000 });
        await send(l.port, { path: "/?code=c&state=s" });
        assert.equal((await answered).code, "c");
        assert.equal(sleeps.length, 2);
        assert.equal(sleeps[1]?.signal?.aborted, true, "the sleep of a settled wait is stopped");
      },
      { clock },
    );
  });

  it("leaves no timer, server or socket behind once settled and closed", async () => {
    const count = (kind: string): number => process.getActiveResourcesInfo().filter((r) => r === kind).length;
    const before = { timers: count("Timeout"), servers: count("TCPServerWrap"), sockets: count("TCPSocketWrap") };
    const l = await startLoopbackListener();
    const wait = l.waitForResponse({ state: "s", timeoutMs: 60_000, signal: new AbortController().signal });
    await send(l.port, { path: "/?code=c&state=s" });
    await wait;
    assert.equal(count("Timeout"), before.timers);
    await l.close();
    const now = () => ({ timers: count("Timeout"), servers: count("TCPServerWrap"), sockets: count("TCPSocketWrap") });
    // The client's own socket closes a few ticks after its response ended.
    for (let i = 0; i < 100 && JSON.stringify(now()) !== JSON.stringify(before); i++)
      await new Promise((r) => setImmediate(r));
    assert.deepEqual(now(), before);
  });

  it("rejects with the signal's reason on abort, also when already aborted", () =>
    withListener(async (l) => {
      const controller = new AbortController();
      const wait = l.waitForResponse({ state: "s", signal: controller.signal });
      const reason = new Error("user cancelled");
      controller.abort(reason);
      await assert.rejects(wait, (e: unknown) => e === reason);
      await assert.rejects(
        l.waitForResponse({ state: "s", signal: AbortSignal.abort(reason) }),
        (e: unknown) => e === reason,
      );
    }));

  it("only one pending wait at a time; bad arguments are InvalidArgumentError", () =>
    withListener(async (l) => {
      const controller = new AbortController();
      const first = l.waitForResponse({ state: "s", signal: controller.signal });
      await assert.rejects(l.waitForResponse({ state: "s" }), InvalidArgumentError);
      controller.abort();
      await assert.rejects(first);
      await assert.rejects(l.waitForResponse({ state: "" }), InvalidArgumentError);
      await assert.rejects(l.waitForResponse({ state: "s", timeoutMs: -1 }), InvalidArgumentError);
      await assert.rejects(l.waitForResponse({ state: "s", timeoutMs: Number.NaN }), InvalidArgumentError);
    }));
});
