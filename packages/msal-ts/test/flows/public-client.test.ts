/**
 * Public-client rules through a scripted Entra: the device-flow polling timeline (6.1), broker rules with
 * a fake broker (7.2 and the spec's four fallback rules), Cloud Shell (5.9).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  BrokerUnavailableError,
  InvalidArgumentError,
  PublicClientApplication,
  TokenCache,
  type Broker,
} from "../../src/index.ts";
import { FakeClock, response } from "../helpers/fakes.ts";
import { FakeEntra } from "../helpers/entra-fake.ts";
import { clientInfo, unsignedJwt } from "../helpers/tokens.ts";
import { expectError, expectFlow, expectToken } from "../helpers/results.ts";

describe("6.1 device flow polling timeline", () => {
  it("interval 2: pending, slow_down, pending, success -> polls at t = 0, 2, 9, 16", async () => {
    const http = new FakeEntra();
    const clock = new FakeClock();
    const t0 = clock.now();
    const answers = [
      response(400, { error: "authorization_pending" }),
      response(400, { error: "slow_down" }),
      response(400, { error: "authorization_pending" }),
      response(200, { access_token: "AT", expires_in: 3600 }),
    ];
    const times: number[] = [];
    http.deviceCode = () =>
      response(200, {
        device_code: "DC",
        user_code: "UC",
        verification_uri: "https://example/device",
        expires_in: 900,
        interval: 2,
      });
    http.token = () => {
      times.push((clock.now() - t0) / 1000);
      return answers.shift()!;
    };
    const app = new PublicClientApplication("cid", {
      authority: "https://login.microsoftonline.com/organizations",
      httpClient: http,
      clock,
    });
    const flow = expectFlow(await app.initiateDeviceFlow(["User.Read"]));
    const result = await app.acquireTokenByDeviceFlow(flow);
    assert.equal(expectToken(result).access_token, "AT");
    assert.deepEqual(times, [0, 2, 9, 16]);
    assert.equal(flow.interval, 7);
  });

  it("device-code 400s are never replayed from the HTTP cache", async () => {
    const http = new FakeEntra();
    const clock = new FakeClock();
    let polls = 0;
    http.deviceCode = () =>
      response(200, {
        device_code: "DC",
        user_code: "UC",
        verification_uri: "https://example/device",
        expires_in: 10,
        interval: 1,
      });
    http.token = () => {
      polls++;
      return response(400, { error: "authorization_pending" });
    };
    const app = new PublicClientApplication("cid", {
      authority: "https://login.microsoftonline.com/organizations",
      httpClient: http,
      clock,
    });
    const result = await app.acquireTokenByDeviceFlow(expectFlow(await app.initiateDeviceFlow(["User.Read"])));
    assert.equal(expectError(result).error, "authorization_pending");
    assert.ok(polls >= 10, `every poll reached the server (${polls})`);
  });

  it("a flow's correlation id goes into client-request-id only when it is a safe header value", async () => {
    const http = new FakeEntra();
    http.deviceCode = () =>
      response(200, { device_code: "DC", user_code: "UC", verification_uri: "https://example/device", interval: 1 });
    http.token = () => response(200, { access_token: "AT", expires_in: 3600 });
    const app = new PublicClientApplication("cid", {
      authority: "https://login.microsoftonline.com/organizations",
      httpClient: http,
      clock: new FakeClock(),
    });
    const flow = expectFlow(await app.initiateDeviceFlow(["User.Read"]));
    const issued = http.requests.find((r) => r.url.endsWith("/devicecode"))?.headers["client-request-id"];
    assert.equal(expectToken(await app.acquireTokenByDeviceFlow(flow)).access_token, "AT");
    assert.equal(http.tokenRequests[0]?.headers["client-request-id"], issued, "the flow's own id is reused");

    // A flow read back from a tampered session store: CR/LF would make the HTTP client refuse the request.
    const tampered = { ...flow, _correlation_id: "id\r\nX-Injected: 1" };
    assert.equal(expectToken(await app.acquireTokenByDeviceFlow(tampered)).access_token, "AT");
    const sent = http.tokenRequests[1]?.headers["client-request-id"] ?? "";
    assert.match(sent, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

function fakeBroker(overrides: Partial<Broker> = {}): Broker & { calls: string[] } {
  const calls: string[] = [];
  const ok = (accountId: string) => ({
    access_token: `broker-at-${accountId}`,
    expires_in: 3600,
    client_info: clientInfo("u", "t"),
    id_token: unsignedJwt({ aud: "cid", sub: "s", oid: accountId, preferred_username: "alice@contoso.com" }),
    _account_id: accountId,
    scope: "User.Read",
  });
  return {
    calls,
    async signInSilently(r) {
      calls.push(`signInSilently ${r.loginHint ?? ""}`);
      return { error: "interaction_required", _broker_status: "InteractionRequired" };
    },
    async signInInteractively(r) {
      calls.push(`signInInteractively ${r.prompt ?? ""}`);
      return ok("acct-1");
    },
    async acquireTokenSilently(r) {
      calls.push(`acquireTokenSilently ${r.accountId}`);
      return ok(r.accountId);
    },
    async signOutSilently(_c, accountId) {
      calls.push(`signOut ${accountId}`);
    },
    ...overrides,
  };
}

describe("broker rules (spec fallback rules 1-4; behavior reference 7.2)", () => {
  const authority = "https://login.microsoftonline.com/contoso.onmicrosoft.com";
  const base = { authority, httpClient: new FakeEntra(), clock: new FakeClock() };

  it("rule 1: bypassed on Linux, for ADFS, B2C and OIDC authorities", async () => {
    const broker = fakeBroker();
    new PublicClientApplication("cid", {
      ...base,
      enableBrokerOnWindows: true,
      enableBrokerOnMac: true,
      platform: "linux",
    });
    for (const auth of [
      "https://contoso.com/adfs",
      "https://contoso.b2clogin.com/contoso.onmicrosoft.com/b2c_1_signin",
    ]) {
      new PublicClientApplication("cid", { ...base, authority: auth, enableBrokerOnWindows: true, platform: "win32" });
    }
    new PublicClientApplication("cid", {
      httpClient: new FakeEntra(),
      oidcAuthority: "https://contoso.example/tenant",
      enableBrokerOnWindows: true,
      platform: "win32",
    });
    assert.deepEqual(broker.calls, []);
  });

  it("rule 2: requested on its platform without a binding -> BrokerUnavailableError saying what to do", () => {
    assert.throws(
      () => new PublicClientApplication("cid", { ...base, enableBrokerOnWindows: true, platform: "win32" }),
      (e: Error) => e instanceof BrokerUnavailableError && /options\.broker/.test(e.message),
    );
    assert.throws(
      () => new PublicClientApplication("cid", { ...base, enableBrokerOnMac: true, platform: "darwin" }),
      BrokerUnavailableError,
    );
  });

  it("rule 3: a broker that fails to initialize is deactivated; the browser is used", async () => {
    const broker = fakeBroker({ initialize: () => Promise.reject(new Error("too old")) });
    const opened: string[] = [];
    const app = new PublicClientApplication("cid", {
      ...base,
      httpClient: new FakeEntra(),
      enableBrokerOnWindows: true,
      platform: "win32",
      broker,
    });
    await assert.rejects(
      app.acquireTokenInteractive(["User.Read"], { timeout: 0.05, openBrowser: async (url) => void opened.push(url) }),
      (e: Error) => e.name === "BrowserInteractionTimeoutError",
    );
    assert.equal(opened.length, 1, "the browser was opened instead");
    assert.deepEqual(broker.calls, []);
  });

  it("rule 4 and the interactive order: silent sign-in, then interactive; broker errors are returned", async () => {
    const broker = fakeBroker();
    const cache = new TokenCache();
    const app = new PublicClientApplication("cid", {
      ...base,
      httpClient: new FakeEntra(),
      tokenCache: cache,
      enableBrokerOnWindows: true,
      platform: "win32",
      broker,
    });
    await assert.rejects(
      app.acquireTokenInteractive(["User.Read"]),
      InvalidArgumentError,
      "parentWindowHandle is required with a broker",
    );
    const ui: string[] = [];
    const r = await app.acquireTokenInteractive(["User.Read"], {
      parentWindowHandle: PublicClientApplication.CONSOLE_WINDOW_HANDLE,
      onBeforeLaunchingUi: (e) => ui.push(e.ui),
    });
    assert.equal(expectToken(r).token_source, "broker");
    assert.deepEqual(broker.calls, ["signInSilently ", "signInInteractively "]);
    assert.deepEqual(ui, ["broker"]);
    const [account] = await app.getAccounts();
    assert.equal(account?.account_source, "broker");
    assert.equal(account?.local_account_id, "acct-1");

    broker.calls.length = 0;
    const silent = await app.acquireTokenSilent(["User.Read"], account!, { forceRefresh: true });
    assert.equal(silent?.token_source, "broker");
    assert.deepEqual(broker.calls, ["acquireTokenSilently acct-1"]);

    const failing = fakeBroker({
      signInInteractively: async () => ({ error: "broker_error", error_description: "Status: UserCanceled" }),
    });
    const app2 = new PublicClientApplication("cid", {
      ...base,
      httpClient: new FakeEntra(),
      enableBrokerOnWindows: true,
      platform: "win32",
      broker: failing,
    });
    const err = await app2.acquireTokenInteractive(["User.Read"], {
      parentWindowHandle: PublicClientApplication.CONSOLE_WINDOW_HANDLE,
      prompt: "select_account",
    });
    assert.equal(expectError(err).error, "broker_error");

    broker.calls.length = 0;
    await app.removeAccount(account!);
    assert.deepEqual(broker.calls, ["signOut acct-1"]);
  });

  it("a login hint matching one cached account goes to broker silent first; prompt=none is final", async () => {
    const broker = fakeBroker();
    const app = new PublicClientApplication("cid", {
      ...base,
      httpClient: new FakeEntra(),
      enableBrokerOnWindows: true,
      platform: "win32",
      broker,
    });
    await app.acquireTokenInteractive(["User.Read"], { parentWindowHandle: 1 });
    broker.calls.length = 0;
    const r = await app.acquireTokenInteractive(["User.Read"], {
      parentWindowHandle: 1,
      loginHint: "ALICE@contoso.com",
    });
    assert.equal(expectToken(r).token_source, "broker");
    assert.deepEqual(broker.calls, ["acquireTokenSilently acct-1"]);
    broker.calls.length = 0;
    const none = await app.acquireTokenInteractive(["User.Read"], { parentWindowHandle: 1, prompt: "none" });
    assert.equal(expectError(none).error, "interaction_required");
    assert.deepEqual(broker.calls, ["signInSilently "]);
  });
});

describe("5.9 Cloud Shell", () => {
  it("prompt=none inside Cloud Shell uses the local endpoint and caches a CLOUDSHELL account; silent refreshes there", async () => {
    const http = new FakeEntra();
    const posts: Array<{ url: string; data: unknown; headers: Record<string, string> }> = [];
    const base = http.responder;
    http.responder = (r) => {
      if (r.url === "http://localhost:50342/oauth2/token") {
        posts.push(r);
        return response(200, {
          access_token: unsignedJwt({ oid: "the-oid", tid: "the-tid", unique_name: "carol@contoso.com" }),
          expires_in: "3600",
          token_type: "Bearer",
        });
      }
      return base(r);
    };
    const app = new PublicClientApplication("cid", {
      authority: "https://login.microsoftonline.com/organizations",
      httpClient: http,
      clock: new FakeClock(),
      env: { AZUREPS_HOST_ENVIRONMENT: "cloud-shell/1.0" },
    });
    const r = await app.acquireTokenInteractive(
      ["https://management.azure.com/user_impersonation", "https://graph.microsoft.com/.default"],
      { prompt: "none" },
    );
    assert.equal(expectToken(r).token_source, "broker");
    assert.deepEqual(posts[0]?.data, { resource: "https://management.azure.com https://graph.microsoft.com" });
    assert.equal(posts[0]?.headers.Metadata, "true");
    const [account] = await app.getAccounts();
    assert.equal(account?.authority_type, "CLOUDSHELL");
    assert.equal(account?.home_account_id, "the-oid.the-tid");
    assert.equal(account?.username, "carol@contoso.com");
    const silent = await app.acquireTokenSilent(["https://management.azure.com/user_impersonation"], account!, {
      forceRefresh: true,
    });
    assert.equal(silent?.token_source, "broker");
    assert.equal(posts.length, 2);
    const outside = new PublicClientApplication("cid", {
      authority: "https://login.microsoftonline.com/organizations",
      httpClient: http,
      clock: new FakeClock(),
      env: {},
    });
    assert.deepEqual(await outside.getAccounts(), [], "CLOUDSHELL accounts are listed only inside Cloud Shell");
  });
});
