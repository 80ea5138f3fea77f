/**
 * PublicClientApplication against the emulator: the device code flow (approved, denied, expired,
 * slow_down, aborted two ways) with polling through an injected clock, and username/password for managed and
 * federated users (the emulator's federation server: MEX, WS-Trust 1.3, SAML 2.0 bearer grant).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { defaultConfig, startEmulator, type Emulator } from "entra-emulator";
import { PublicClientApplication, WsTrustError, type DeviceFlow } from "../../../src/index.ts";
import { FakeClock } from "../../helpers/fakes.ts";
import { IDS } from "../../helpers/emulator.ts";
import { leakLogger } from "../../helpers/leak-logger.ts";
import { expectError, expectFlow } from "../../helpers/results.ts";

/** A fake clock whose sleeps run a hook: the test acts "while the app waits". */
class HookedClock extends FakeClock {
  onSleep: (n: number) => void = () => undefined;
  #n = 0;
  override async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.onSleep(++this.#n);
    await super.sleep(ms, signal);
  }
}

describe("device code flow and username/password against the emulator", () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator({ config: defaultConfig() });
  });
  after(() => emulator.close());

  function app(clock = new HookedClock(Date.now())) {
    return {
      clock,
      app: new PublicClientApplication(IDS.cli, {
        authority: emulator.authority(),
        verify: emulator.caPem,
        instanceDiscovery: false,
        clock,
        ...leakLogger(),
      }),
    };
  }

  it("approved: the first poll is immediate; tokens are cached with account_source device_code", async () => {
    const { app: pca, clock } = app();
    const flow = expectFlow(await pca.initiateDeviceFlow(["User.Read"]));
    assert.match(flow.message, new RegExp(flow.user_code));
    assert.equal(typeof flow.expires_at, "number");
    emulator.approveDevice(flow.user_code, "alice@contoso.com");
    const result = await pca.acquireTokenByDeviceFlow(flow);
    assert.ok("access_token" in result, JSON.stringify(result));
    assert.equal(clock.sleeps.length, 0, "no waiting when the user was quicker");
    const [account] = await pca.getAccounts();
    assert.equal(account?.account_source, "urn:ietf:params:oauth:grant-type:device_code");
  });

  it("approved while polling: pending, then the token; the clock was asked to wait, nothing really waited", async () => {
    const { app: pca, clock } = app();
    const flow = expectFlow(await pca.initiateDeviceFlow(["User.Read"]));
    clock.onSleep = (n) => {
      if (n === 3) emulator.approveDevice(flow.user_code, "alice@contoso.com");
    };
    emulator.clearRequests();
    const result = await pca.acquireTokenByDeviceFlow(flow);
    assert.ok("access_token" in result, JSON.stringify(result));
    const polls = emulator
      .requests()
      .filter((r) => r.form.grant_type === "urn:ietf:params:oauth:grant-type:device_code");
    assert.ok(polls.length >= 2);
    assert.ok(
      clock.sleeps.every((ms) => ms === 1000),
      "one-second ticks",
    );
  });

  it("slow_down adds 5 seconds to the interval", async () => {
    const { app: pca, clock } = app();
    const flow = expectFlow(await pca.initiateDeviceFlow(["User.Read"]));
    const start = flow.interval;
    // Polls come faster than the emulator's real-time interval, so it answers slow_down.
    clock.onSleep = (n) => {
      if (n === start + 5 + 1) emulator.approveDevice(flow.user_code, "alice@contoso.com");
    };
    const result = await pca.acquireTokenByDeviceFlow(flow);
    assert.ok("access_token" in result, JSON.stringify(result));
    assert.ok(flow.interval >= start + 5, `interval grew from ${start} to ${flow.interval}`);
  });

  it("denied: authorization_declined is returned", async () => {
    const { app: pca } = app();
    const flow = expectFlow(await pca.initiateDeviceFlow(["User.Read"]));
    emulator.denyDevice(flow.user_code);
    const result = await pca.acquireTokenByDeviceFlow(flow);
    assert.equal(expectError(result).error, "authorization_declined");
  });

  it("expired: expired_token is returned", async () => {
    const { app: pca } = app();
    const flow = expectFlow(await pca.initiateDeviceFlow(["User.Read"]));
    emulator.advanceClock(flow.expires_in + 60);
    const result = await pca.acquireTokenByDeviceFlow(flow);
    assert.equal(expectError(result).error, "expired_token");
  });

  it("stops at expires_at by the app's own clock, returning the last pending answer", async () => {
    const { app: pca } = app();
    const flow = expectFlow(await pca.initiateDeviceFlow(["User.Read"]));
    const result = await pca.acquireTokenByDeviceFlow(flow);
    assert.ok(
      expectError(result).error === "authorization_pending" || expectError(result).error === "slow_down",
      String(expectError(result).error),
    );
  });

  it("aborted by flow.expires_at = 0 and by an AbortSignal", async () => {
    const { app: pca, clock } = app();
    const flow: DeviceFlow = expectFlow(await pca.initiateDeviceFlow(["User.Read"]));
    clock.onSleep = (n) => {
      if (n === 2) flow.expires_at = 0;
    };
    const stopped = await pca.acquireTokenByDeviceFlow(flow);
    assert.ok("error" in stopped);
    const second = app();
    const flow2 = expectFlow(await second.app.initiateDeviceFlow(["User.Read"]));
    const controller = new AbortController();
    second.clock.onSleep = (n) => {
      if (n === 2) controller.abort(new Error("user pressed Ctrl+C"));
    };
    await assert.rejects(second.app.acquireTokenByDeviceFlow(flow2, { signal: controller.signal }), /Ctrl\+C/);
  });

  it("username/password: a managed user gets tokens", async () => {
    const { app: pca } = app();
    const r = await pca.acquireTokenByUsernamePassword("alice@contoso.com", "alice-password", ["User.Read"]);
    assert.ok("access_token" in r, JSON.stringify(r));
    assert.equal((await pca.getAccounts())[0]?.account_source, "password");
    const ropc = emulator.requests().findLast((q) => q.form.grant_type === "password");
    assert.equal(ropc?.headers["x-anchormailbox"], "upn:alice@contoso.com");
  });

  it("username/password: a wrong password and an MFA user get returned errors", async () => {
    const { app: pca } = app();
    const wrong = await pca.acquireTokenByUsernamePassword("alice@contoso.com", "nope", ["User.Read"]);
    assert.equal(expectError(wrong).error, "invalid_grant");
    assert.ok(!JSON.stringify(wrong).includes("nope"));
    const mfa = await pca.acquireTokenByUsernamePassword("bob@contoso.com", "bob-password", ["User.Read"]);
    assert.equal(expectError(mfa).error, "invalid_grant");
    assert.deepEqual(expectError(mfa).error_codes, [50076]);
    assert.ok(typeof expectError(mfa).claims === "string", "the claims challenge is returned");
  });
});

describe("username/password for a federated user: the emulator's federation server (MEX, WS-Trust, SAML)", () => {
  // An emulator of its own: the device-code tests move their emulator's clock, and a WS-Trust request's
  // timestamp (from the app's clock) must be within five minutes of the federation server's.
  let emulator: Emulator;
  before(async () => {
    const config = defaultConfig();
    config.users.push({
      username: "fred@contoso.com",
      password: "fred-password",
      tenant: "contoso.onmicrosoft.com",
      displayName: "Fred Federated",
      federated: true,
    });
    emulator = await startEmulator({ config });
  });
  after(() => emulator.close());

  function app() {
    return {
      app: new PublicClientApplication(IDS.cli, {
        authority: emulator.authority(),
        verify: emulator.caPem,
        instanceDiscovery: false,
        ...leakLogger(),
      }),
    };
  }

  it("username/password: a federated user signs in through the federation server the user realm names", async () => {
    const { app: pca } = app();
    emulator.clearRequests();
    const result = await pca.acquireTokenByUsernamePassword("fred@contoso.com", "fred-password", ["User.Read"]);
    assert.ok("access_token" in result, JSON.stringify(result));
    assert.equal(result.id_token_claims?.preferred_username, "fred@contoso.com");
    assert.deepEqual(result.id_token_claims?.amr, ["fed"]);
    const routes = emulator.requests().filter((r) => r.route !== "discovery");
    assert.deepEqual(
      routes.map((r) => `${r.method} ${r.route} ${r.status}`),
      ["GET userrealm 200", "GET mex 200", "POST wstrust 200", "POST token 200"],
    );
    assert.equal(routes[2]?.path, "/adfs/services/trust/13/usernamemixed");
    assert.equal(routes[3]?.form.grant_type, "urn:ietf:params:oauth:grant-type:saml2-bearer");
    const [account] = await pca.getAccounts();
    assert.equal(account?.username, "fred@contoso.com");
  });

  it("username/password: a wrong password for a federated user is the federation server's fault (WsTrustError)", async () => {
    const { app: pca } = app();
    await assert.rejects(
      pca.acquireTokenByUsernamePassword("fred@contoso.com", "fred-wrong-password", ["User.Read"]),
      (e: Error) =>
        e instanceof WsTrustError &&
        e.faultCode === "a:FailedAuthentication" &&
        e.faultReason === "ID3242: The security token could not be authenticated or authorized." &&
        !e.message.includes("fred-wrong-password"),
    );
  });
});
