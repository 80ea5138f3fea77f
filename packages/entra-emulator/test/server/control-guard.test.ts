import assert from "node:assert/strict";
import { request } from "node:https";
import { after, before, describe, test } from "node:test";
import { startEmulator, type Emulator } from "../../src/index.js";
import { DEMO, call } from "../helpers.js";

const FAULT = JSON.stringify({ route: "token", count: 1, status: 503 });
const JSON_TYPE = { "content-type": "application/json" };

describe("the control API answers only loopback and own Host names", () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator({ hostName: "login.emulator.test", extraHostNames: ["graph.emulator.test"] });
  });
  after(() => emulator.close());
  const port = () => new URL(emulator.url).port;
  /** Its canonical name is not in DNS here: connect to the address, naming any Host. */
  const at = (path: string) => `https://127.0.0.1:${port()}${path}`;
  /** A request to 127.0.0.1 with TLS checked for `localhost` and any Host header, as a rebound name would send. */
  const send = (method: string, path: string, host: string, body?: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const headers = { host, ...(body === undefined ? {} : JSON_TYPE) };
      const options = { host: "127.0.0.1", port: port(), path, method, headers, servername: "localhost" };
      const r = request({ ...options, ca: emulator.caPem }, (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString("utf8")));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      });
      r.on("error", reject);
      r.end(body);
    });
  const asHost = (host: string) => send("GET", "/_emulator/faults", host);

  test("loopback names, with and without the port, and the emulator's own names are answered", async () => {
    const hosts = [
      "localhost",
      `localhost:${port()}`,
      "127.0.0.1",
      `127.0.0.1:${port()}`,
      "[::1]",
      `[::1]:${port()}`,
      "LOCALHOST",
      "login.emulator.test",
      `graph.emulator.test:${port()}`,
    ];
    for (const host of hosts) {
      const reply = await asHost(host);
      assert.equal(reply.status, 200, `${host}: ${reply.text}`);
    }
  });

  test("a DNS-rebinding Host (another name resolving to 127.0.0.1) gets 403 and no request log", async () => {
    await call(emulator, "POST", at(`/${DEMO.tenant}/oauth2/v2.0/token`), {
      form: { grant_type: "client_credentials", client_id: DEMO.confidential, client_secret: DEMO.secret },
    });
    const hosts = [
      `attacker.example:${port()}`,
      "localhost.attacker.example",
      "127.0.0.1.nip.io",
      "login.emulator.test.attacker.example",
      "127.0.0.2",
      "local host",
      "attacker.example@localhost",
    ];
    for (const host of hosts) {
      const log = await send("GET", "/_emulator/requests", host);
      assert.equal(log.status, 403, `${host}: ${log.text}`);
      assert.equal((JSON.parse(log.text) as { error?: string }).error, "forbidden_host");
      assert.doesNotMatch(log.text, /client_credentials|grant_type/);
      const clock = await send("POST", "/_emulator/clock", host, '{"advance":86400}');
      assert.equal(clock.status, 403);
    }
    const now = (
      await call(emulator, "POST", at("/_emulator/clock"), { raw: '{"advance":0}', headers: JSON_TYPE })
    ).json().now as number;
    assert.ok(Math.abs(now - Date.now() / 1000) < 60, "no refused request moved the clock");
  });

  test("Entra's own endpoints still answer under any Host", async () => {
    const doc = await send("GET", `/${DEMO.tenant}/v2.0/.well-known/openid-configuration`, "attacker.example");
    assert.equal(doc.status, 200);
  });
});

describe("control requests with a body must be JSON", () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator();
  });
  after(() => emulator.close());

  test("POST without Content-Type, or as a form or text, is 415 and changes nothing", async () => {
    for (const headers of [
      {},
      { "content-type": "text/plain" },
      { "content-type": "application/x-www-form-urlencoded" },
      { "content-type": "application/jsonp" },
    ]) {
      const reply = await call(emulator, "POST", "/_emulator/faults", { raw: FAULT, headers });
      assert.equal(reply.status, 415, `${JSON.stringify(headers)}: ${reply.text}`);
      assert.equal(reply.json().error, "unsupported_media_type");
    }
    assert.deepEqual((await call(emulator, "GET", "/_emulator/faults")).json(), []);
  });

  test("POST as application/json (with a charset) is taken; GET and DELETE need no Content-Type", async () => {
    const added = await call(emulator, "POST", "/_emulator/faults", {
      raw: FAULT,
      headers: { "content-type": "Application/JSON; charset=utf-8" },
    });
    assert.equal(added.status, 201, added.text);
    assert.equal((await call(emulator, "DELETE", "/_emulator/faults")).status, 204);
    assert.deepEqual((await call(emulator, "GET", "/_emulator/faults")).json(), []);
  });
});

describe("a control token, when given at start", () => {
  const TOKEN = "ctl-0123456789abcdef";
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator({ controlToken: TOKEN });
  });
  after(() => emulator.close());
  const faults = (authorization?: string) =>
    call(emulator, "GET", "/_emulator/faults", authorization ? { headers: { authorization } } : {});

  test("is required on every control call: missing or wrong is 401 with a Bearer challenge", async () => {
    for (const authorization of [undefined, "Bearer wrong", `Bearer ${TOKEN}x`, `Basic ${TOKEN}`, TOKEN]) {
      const reply = await faults(authorization);
      assert.equal(reply.status, 401, String(authorization));
      assert.equal(reply.json().error, "unauthorized");
      assert.match(String(reply.headers["www-authenticate"]), /^Bearer /);
    }
    const post = await call(emulator, "POST", "/_emulator/clock", { raw: '{"advance":60}', headers: JSON_TYPE });
    assert.equal(post.status, 401);
  });

  test("the right token is answered (any case of 'Bearer'), and the in-process methods need none", async () => {
    assert.equal((await faults(`Bearer ${TOKEN}`)).status, 200);
    assert.equal((await faults(`bearer ${TOKEN}`)).status, 200);
    const added = await call(emulator, "POST", "/_emulator/faults", {
      raw: FAULT,
      headers: { authorization: `Bearer ${TOKEN}`, ...JSON_TYPE },
    });
    assert.equal(added.status, 201);
    emulator.clearFaults();
    emulator.addFault({ route: "token", count: 1, status: 503 });
    emulator.advanceClock(60);
    assert.equal(((await faults(`Bearer ${TOKEN}`)).json() as unknown as unknown[]).length, 1);
  });

  test("a token that cannot travel in a header is refused at start", async () => {
    for (const controlToken of ["", "has space", "line\nbreak", "é"]) {
      await assert.rejects(startEmulator({ controlToken }), /controlToken: expected/);
    }
  });
});
