/**
 * L4: a gateway that adds `Retry-After` to every answer, 200s included, in front of the emulator, over real
 * HTTPS with the default (undici) client. MSAL Python's Retry-After rule keeps any response that carries the
 * header, under a key of URL, client id, scope and username: no password. A second username/password call
 * with a wrong password then got the first call's token without any request. msal-ts never keeps a 2xx
 * under that rule, so the second call reaches the identity provider and fails as it should.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Emulator } from "entra-emulator";
import { PublicClientApplication } from "../../../src/index.ts";
import { createDefaultHttpClient } from "../../../src/http/default-client.ts";
import type { HttpClient, HttpResponse } from "../../../src/http/types.ts";
import { FakeClock } from "../../helpers/fakes.ts";
import { IDS, startTestEmulator, tokenRequestCount } from "../../helpers/emulator.ts";
import { leakLogger } from "../../helpers/leak-logger.ts";
import { SAFETY, assertToken } from "../faults/support.ts";

/** The default client behind a gateway that stamps `Retry-After: 30` on every answer. */
function gateway(caPem: string): HttpClient & { close(): Promise<void> } {
  const inner = createDefaultHttpClient({ verify: caPem });
  const stamp = (r: HttpResponse): HttpResponse => ({ ...r, headers: { ...r.headers, "retry-after": "30" } });
  return {
    get: async (url, o) => stamp(await inner.get(url, o)),
    post: async (url, o) => stamp(await inner.post(url, o)),
    close: async () => inner.close?.(),
  };
}

describe("L4: a 200 with Retry-After is not replayed to a call with another password", () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startTestEmulator();
  });
  after(() => emulator.close());

  it("the wrong password gets invalid_grant from the server, not the first call's token", SAFETY, async () => {
    const httpClient = gateway(emulator.caPem);
    try {
      const { authority, instanceDiscovery } = emulator.clientOptions();
      const app = new PublicClientApplication(IDS.cli, {
        authority,
        instanceDiscovery,
        httpClient,
        clock: new FakeClock(Date.now()),
        ...leakLogger(),
      });
      const before = tokenRequestCount(emulator);
      const first = await app.acquireTokenByUsernamePassword("alice@contoso.com", "alice-password", ["User.Read"]);
      assertToken(first);
      const second = await app.acquireTokenByUsernamePassword("alice@contoso.com", "not-alices-password", [
        "User.Read",
      ]);
      assert.ok(
        "error" in second && !("access_token" in second),
        `no token for a wrong password: ${JSON.stringify(second)}`,
      );
      assert.equal(second.error, "invalid_grant");
      assert.equal(tokenRequestCount(emulator), before + 2, "the second call was sent to the identity provider");
    } finally {
      await httpClient.close();
    }
  });
});
