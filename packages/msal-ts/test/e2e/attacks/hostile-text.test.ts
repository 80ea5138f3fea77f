/**
 * M1: hostile text from the token endpoint, against the emulator over real HTTPS with the default (undici)
 * client, whose header checks are what turned the bug into a denial of service. The `error` of one 400 used
 * to be copied raw into `x-client-last-telemetry` of the next request; a non-ASCII character, CR/LF or a
 * long string there made undici refuse every later request of the application (UND_ERR_INVALID_ARG), and
 * nothing cleared it. Now the next requests are sent, succeed, and carry the sanitized code; the hostile
 * text reaches no log line and no error message either.
 */
import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import type { Emulator } from "entra-emulator";
import { ConfidentialClientApplication, ServerError } from "../../../src/index.ts";
import type { LogLevel } from "../../../src/runtime/logger.ts";
import { FakeClock } from "../../helpers/fakes.ts";
import { IDS, startTestEmulator } from "../../helpers/emulator.ts";
import { SAFETY, assertToken } from "../faults/support.ts";

const GRAPH = "https://graph.microsoft.com/.default";

const HOSTILE: ReadonlyArray<readonly [string, string]> = [
  ["unicode", "invalid_client\u2014x"],
  ["CR/LF", "invalid_client\r\nx-injected: yes"],
  ["10 kB", `invalid_client${"A".repeat(10_000)}`],
];

describe("M1: hostile error text from the token endpoint", () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startTestEmulator();
  });
  after(() => emulator.close());
  afterEach(() => emulator.clearFaults());

  function daemon() {
    const lines: Array<[LogLevel, string]> = [];
    const app = new ConfidentialClientApplication(IDS.confidential, {
      clientCredential: IDS.confidentialSecret,
      clock: new FakeClock(Date.now()),
      ...emulator.clientOptions(),
      logger: { log: (level, message) => lines.push([level, message]) },
    });
    return { app, lines };
  }

  const tokenRequests = () => emulator.requests().filter((r) => r.route === "token");

  for (const [name, error] of HOSTILE) {
    it(`${name}: later requests are sent and succeed, with the code sanitized in the header`, SAFETY, async () => {
      const { app, lines } = daemon();
      emulator.addFault({ route: "token", status: 400, body: { error, error_description: `AADSTS7000215: ${error}` } });
      emulator.clearRequests();
      const failed = await app.acquireTokenForClient([GRAPH]);
      assert.ok("error" in failed, "the 400 is returned");
      const failedId = tokenRequests()[0]?.headers["client-request-id"];
      assert.ok(failedId !== undefined);

      // Another scope: the 400 itself is throttled for 60 s under its exact request (msal-python-behavior §4).
      const next = await app.acquireTokenForClient([IDS.apiDefault]);
      assertToken(next);
      const third = await app.acquireTokenForClient([GRAPH], {
        claimsChallenge: '{"access_token":{"nbf":{"essential":true,"value":"1"}}}',
      });
      assertToken(third);

      const sent = tokenRequests();
      assert.equal(sent.length, 3, "every request reached the server");
      assert.equal(sent[1]?.headers["x-client-last-telemetry"], `4|0|730,${failedId}|unsafe_error_code|`);
      assert.equal(sent[2]?.headers["x-client-last-telemetry"], "4|0|||", "a success cleared the buffer");
      assert.equal(sent[1]?.headers["x-injected"], undefined);

      for (const [, message] of lines) {
        assert.ok(
          !message.includes(error) && !/[\r\n\u2014]/.test(message) && message.length < 2000,
          `log line: ${JSON.stringify(message.slice(0, 200))}`,
        );
      }
    });
  }

  it("a 5xx with a hostile code: the ServerError message quotes only the safe form", SAFETY, async () => {
    const { app } = daemon();
    emulator.addFault({ route: "token", status: 503, body: { error: "server_error\r\n\u202eevil" } });
    await assert.rejects(app.acquireTokenForClient([GRAPH]), (e: unknown) => {
      assert.ok(e instanceof ServerError);
      assert.match(e.message, /HTTP 503 \(unsafe_error_code\)/);
      assert.ok(!/[\r\n\u202e]/.test(e.message));
      return true;
    });
  });
});
