/**
 * Load with simulated time: many concurrent acquireTokenSilent / acquireTokenForClient calls over an hour
 * of fake-clock time while tokens expire and are refreshed underneath. Single-flight must allow exactly one
 * refresh per account per expiry, and memory must not grow with the number of calls.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { ClientApplication, ConfidentialClientApplication, type Account } from "../../src/index.ts";
import { FakeClock, response } from "../helpers/fakes.ts";
import { FakeEntra } from "../helpers/entra-fake.ts";
import { clientInfo } from "../helpers/tokens.ts";
import { expectToken } from "../helpers/results.ts";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const heap = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const LIFETIME = 900; // seconds: a refresh every 10 simulated minutes (the 5-minute margin)
const ACCOUNTS = 40;
const SIMULATED_SECONDS = 3600;
const STEP = 5;
const CALLS_PER_STEP = 120;

describe("load with simulated time", () => {
  it("silent: one refresh per account per expiry, whatever the concurrency; bounded memory", async () => {
    const http = new FakeEntra();
    const clock = new FakeClock(1_800_000_000_000);
    const refreshesByAccount = new Map<string, number[]>();
    http.token = (r) => {
      const d = r.data as Record<string, string>;
      const uid = d.grant_type === "password" ? d.username!.split("@")[0]! : d.refresh_token!.split(":")[0]!;
      if (d.grant_type === "refresh_token") {
        const list = refreshesByAccount.get(uid) ?? [];
        list.push(Math.floor(clock.now() / 1000));
        refreshesByAccount.set(uid, list);
      }
      return response(200, {
        access_token: `at-${uid}-${clock.now()}`,
        expires_in: LIFETIME,
        refresh_token: `${uid}:rt-${clock.now()}`,
        client_info: clientInfo(uid, "tenant"),
      });
    };
    const app = new ClientApplication(
      "cid",
      { authority: "https://login.microsoftonline.com/tenant", httpClient: http, clock },
      "public",
    );
    for (let i = 0; i < ACCOUNTS; i++)
      await app.acquireTokenByUsernamePassword(`user${i}@contoso.example`, "pw", ["User.Read"]);
    const accounts: Account[] = await app.getAccounts();
    assert.equal(accounts.length, ACCOUNTS);

    let calls = 0;
    let before = 0;
    for (let t = 0; t <= SIMULATED_SECONDS; t += STEP) {
      const results = await Promise.all(
        Array.from({ length: CALLS_PER_STEP }, (_, k) =>
          app.acquireTokenSilent(["User.Read"], accounts[(t + k) % ACCOUNTS]!),
        ),
      );
      calls += results.length;
      assert.ok(
        results.every((r) => r?.access_token),
        "every call got a token",
      );
      if (t === 300) before = heap();
      clock.advance(STEP * 1000);
    }
    const afterHeap = heap();

    // Each account refreshes when its token enters the 5-minute margin: every LIFETIME - 300 seconds.
    const expectedPerAccount = Math.floor(SIMULATED_SECONDS / (LIFETIME - 300));
    for (const [uid, times] of refreshesByAccount) {
      assert.ok(
        times.length >= expectedPerAccount - 1 && times.length <= expectedPerAccount + 1,
        `${uid}: ${times.length} refreshes`,
      );
      for (let i = 1; i < times.length; i++)
        assert.ok(
          times[i]! - times[i - 1]! >= LIFETIME - 300 - STEP,
          `${uid}: no duplicate refresh (${times[i - 1]} then ${times[i]})`,
        );
    }
    assert.equal(refreshesByAccount.size, ACCOUNTS);
    assert.ok(calls > 80_000);
    assert.equal(
      app.tokenCache.find("RefreshToken").length,
      ACCOUNTS,
      "refresh tokens rotated in place, not accumulated",
    );
    assert.equal(
      app.tokenCache.find("AccessToken").length,
      ACCOUNTS,
      "one access token per account, replaced when refreshed",
    );
    const growth = afterHeap - before;
    assert.ok(growth < 8 * 1024 * 1024, `heap grew by ${(growth / 1024 / 1024).toFixed(1)} MiB over ${calls} calls`);
  });

  it("client credentials: one request per expiry for 1,000 concurrent callers at each step", async () => {
    const http = new FakeEntra();
    const clock = new FakeClock(1_800_000_000_000);
    const requests: number[] = [];
    http.token = () => {
      requests.push(Math.floor(clock.now() / 1000));
      return response(200, { access_token: `app-${clock.now()}`, expires_in: LIFETIME });
    };
    const app = new ConfidentialClientApplication("cid", {
      clientCredential: "s",
      authority: "https://login.microsoftonline.com/tenant",
      httpClient: http,
      clock,
    });
    for (let t = 0; t <= SIMULATED_SECONDS; t += 30) {
      const results = await Promise.all(
        Array.from({ length: 1000 }, () => app.acquireTokenForClient(["https://r/.default"])),
      );
      assert.ok(results.every((r) => expectToken(r).access_token));
      clock.advance(30_000);
    }
    const expected = Math.ceil(SIMULATED_SECONDS / (LIFETIME - 300)) + 1;
    assert.ok(
      requests.length <= expected && requests.length >= expected - 2,
      `${requests.length} token requests for ${expected} expiries`,
    );
    assert.equal(app.tokenCache.find("AccessToken").length, 1);
  });
});
