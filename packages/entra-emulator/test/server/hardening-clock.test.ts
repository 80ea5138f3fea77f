import assert from "node:assert/strict";
import { createServer, request, type Server } from "node:http";
import { after, before, describe, test } from "node:test";
import { EmulatorClock, CLOCK_MAX_MS } from "../../src/clock.js";
import { startEmulator, type Emulator } from "../../src/index.js";
import type { EmulatorContext } from "../../src/context.js";
import { FaultBook } from "../../src/server/faults.js";
import { createRequestHandler } from "../../src/server/handler.js";
import type { RequestLog } from "../../src/server/request-log.js";
import { Router } from "../../src/server/router.js";
import { DEMO, call } from "../helpers.js";

const TOKEN = `/${DEMO.tenant}/oauth2/v2.0/token`;

describe("the emulator's clock stays in range, and nothing breaks the server", () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator();
  });
  after(() => emulator.close());

  const clock = (raw: string) =>
    call(emulator, "POST", "/_emulator/clock", { raw, headers: { "content-type": "application/json" } });
  const clientCredentials = () =>
    call(emulator, "POST", TOKEN, {
      form: {
        grant_type: "client_credentials",
        client_id: DEMO.confidential,
        client_secret: DEMO.secret,
        scope: "https://graph.microsoft.com/.default",
      },
    });

  const refused: [string, string, RegExp][] = [
    ["a move past year 9999 (the reported 1e13 s)", '{"advance":1e13}', /^advance: .*9999/],
    ["a move before 1970", '{"advance":-1e11}', /^advance: .*1970/],
    ["Infinity (1e400 in JSON)", '{"advance":1e400}', /^advance: expected a finite number/],
    ["a string", '{"advance":"1e13"}', /^advance: expected a number/],
    ["null (what JSON.stringify makes of NaN)", '{"advance":null}', /^advance: expected a number/],
    ["NaN, which is not JSON", '{"advance":NaN}', /JSON/],
  ];
  for (const [name, raw, description] of refused) {
    test(`POST /_emulator/clock refuses ${name} with a 400 naming the field; tokens still come`, async () => {
      const before = (await clock('{"advance":0}')).json().now as number;
      const reply = await clock(raw);
      assert.equal(reply.status, 400, reply.text);
      const body = reply.json();
      assert.equal(body.error, "bad_control_request");
      assert.match(String(body.error_description), description);
      const now = (await clock('{"advance":0}')).json().now as number;
      assert.ok(now - before < 60, "the clock did not move");
      const token = await clientCredentials();
      assert.equal(token.status, 200, token.text);
      assert.equal((await call(emulator, "GET", `/${DEMO.tenant}/v2.0/.well-known/openid-configuration`)).status, 200);
    });
  }

  test("advanceClock refuses the same moves in process, with a RangeError, and leaves the clock alone", async () => {
    assert.throws(() => emulator.advanceClock(1e13), RangeError);
    assert.throws(() => emulator.advanceClock(Number.NaN), /advance: expected a finite number/);
    assert.throws(() => emulator.advanceClock("60" as unknown as number), /advance: expected a finite number/);
    assert.equal((await clientCredentials()).status, 200);
  });

  test("the clock can go up to just before 9999-01-01 and back, and tokens are issued there", async () => {
    const c = new EmulatorClock();
    const toEdge = Math.floor((CLOCK_MAX_MS - c.nowMs()) / 1000) - 10;
    c.advance(toEdge);
    assert.ok(new Date(c.nowMs()).toISOString().startsWith("9998-12-31T23:59"));
    assert.throws(() => c.advance(20), RangeError);
    c.advance(-toEdge);

    const far = (await clock(JSON.stringify({ advance: 3000 * 365 * 86400 }))).json().now as number;
    assert.ok(far > Date.UTC(4900, 0, 1) / 1000);
    const token = await clientCredentials();
    assert.equal(token.status, 200, token.text);
    const back = await clock(JSON.stringify({ advance: -3000 * 365 * 86400 }));
    assert.equal(back.status, 200);
  });
});

describe("a request whose handling throws", () => {
  const clock = new EmulatorClock();
  let server: Server;
  let port = 0;
  before(async () => {
    // The real handler, over a request log whose bookkeeping throws (as an out-of-range date once did).
    const ctx = { ownHosts: [], httpOrigin: "http://127.0.0.1", httpsOrigin: "https://localhost", clock };
    const handle = createRequestHandler({
      ctx: ctx as unknown as EmulatorContext,
      router: new Router(),
      faults: new FaultBook(),
      log: {
        start: () => {
          throw new Error("secret internals at /somewhere/deep.ts:12");
        },
      } as unknown as RequestLog,
      control: () => Promise.reject(new Error("unreachable")),
      bodyLimit: 1024,
    });
    server = createServer((req, res) => void handle(req, res, "http"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    port = typeof address === "object" && address ? address.port : 0;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test("is answered 500 with a JSON body naming the request id, and no stack or message", async () => {
    const reply = await new Promise<{ status: number; type: string; id: string; text: string }>((resolve, reject) => {
      const r = request({ host: "127.0.0.1", port, path: "/x" }, (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString("utf8")));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            type: String(res.headers["content-type"]),
            id: String(res.headers["x-ms-request-id"]),
            text,
          }),
        );
      });
      r.on("error", reject);
      r.end();
    });
    assert.equal(reply.status, 500);
    assert.match(reply.type, /^application\/json/);
    assert.match(reply.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const body = JSON.parse(reply.text) as Record<string, unknown>;
    assert.equal(body.error, "server_error");
    assert.equal(body.trace_id, reply.id);
    assert.doesNotMatch(reply.text, /secret internals|deep\.ts|at /);
  });
});
