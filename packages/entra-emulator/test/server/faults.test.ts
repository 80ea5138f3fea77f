import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Emulator } from "../../src/index.js";
import { call, DEMO, startDemoEmulator } from "../helpers.js";

const TOKEN = `/${DEMO.tenant}/oauth2/v2.0/token`;

describe("scripted faults and the request log", () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startDemoEmulator();
  });
  after(() => emulator.close());

  test("scripted faults: status with Retry-After, a count, delay, dropped connection; the request log records them", async () => {
    emulator.clearRequests();
    const cc = () =>
      call(emulator, "POST", TOKEN, {
        form: {
          grant_type: "client_credentials",
          client_id: DEMO.confidential,
          client_secret: DEMO.secret,
          scope: "https://graph.microsoft.com/.default",
        },
        headers: { "client-request-id": "0f0e0d0c-0b0a-4909-8807-060504030201" },
      });
    const added = await call(emulator, "POST", "/_emulator/faults", {
      raw: JSON.stringify({
        route: "token",
        count: 2,
        status: 429,
        retryAfter: 7,
        body: { error: "temporarily_unavailable" },
      }),
      headers: { "content-type": "application/json" },
    });
    assert.equal(added.status, 201);
    for (let i = 0; i < 2; i++) {
      const r = await cc();
      assert.equal(r.status, 429);
      assert.equal(r.headers["retry-after"], "7");
      assert.equal(r.json().error, "temporarily_unavailable");
    }
    assert.equal((await cc()).status, 200);

    emulator.addFault({ route: "token", drop: true });
    await assert.rejects(cc(), /socket hang up|ECONNRESET/);
    emulator.addFault({ route: "token", delayMs: 50 });
    assert.equal((await cc()).status, 200);
    emulator.addFault({ route: "discovery", status: 200, body: "<html>not json</html>", contentType: "text/html" });
    const html = await call(emulator, "GET", `/${DEMO.tenant}/v2.0/.well-known/openid-configuration`);
    assert.equal(html.text, "<html>not json</html>");

    const log = (await call(emulator, "GET", "/_emulator/requests")).json() as unknown as {
      route: string;
      status: number;
      form: Record<string, string>;
      headers: Record<string, string>;
    }[];
    const tokenCalls = log.filter((e) => e.route === "token");
    assert.deepEqual(
      tokenCalls.map((e) => e.status),
      [429, 429, 200, 0, 200],
    );
    assert.equal(tokenCalls[0]?.form.grant_type, "client_credentials");
    assert.equal(tokenCalls[0]?.headers["client-request-id"], "0f0e0d0c-0b0a-4909-8807-060504030201");
    assert.ok(!log.some((e) => e.route === null && e.status === 200), "control requests are not logged");
  });

  test("a fault's delay runs on the emulator's clock: advancing it ends the wait", { timeout: 60_000 }, async () => {
    emulator.clearRequests();
    emulator.addFault({ route: "token", delayMs: 600_000 });
    const reply = call(emulator, "POST", TOKEN, {
      form: {
        grant_type: "client_credentials",
        client_id: DEMO.confidential,
        client_secret: DEMO.secret,
        scope: "https://graph.microsoft.com/.default",
      },
    });
    // The request is waiting on the fault once the log names its route (the wait starts in the same tick).
    while (!emulator.requests().some((e) => e.route === "token"))
      await new Promise((resolve) => setTimeout(resolve, 5));
    emulator.advanceClock(600);
    const answered = await reply;
    assert.equal(answered.status, 200, answered.text);
    assert.deepEqual(
      emulator.requests().map((e) => e.status),
      [200],
    );
  });
});
