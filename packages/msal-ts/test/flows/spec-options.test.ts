/**
 * Spec options that worked without a test of their own (issue 20 item g): `Prompt` values and
 * `extra_scopes_to_consent` in interactive sign-in (the authorize URL asks consent for the extra scopes, the
 * code redemption does not ask for them), `enable_pii_log` (user names and account ids reach the logger only
 * when it is on, flagged `containsPii`), and the deprecated `allow_broker` (Windows only, public clients
 * only, with a deprecation warning). `client_claims` is covered with the credential dicts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ConfidentialClientApplication,
  InvalidArgumentError,
  Prompt,
  PublicClientApplication,
  type Broker,
  type LogLevel,
} from "../../src/index.ts";
import { FakeClock, response } from "../helpers/fakes.ts";
import { FakeEntra } from "../helpers/entra-fake.ts";
import { clientInfo, unsignedJwt } from "../helpers/tokens.ts";
import { expectToken } from "../helpers/results.ts";

const AUTHORITY = "https://login.microsoftonline.com/organizations";
const TID = "72f988bf-86f1-41af-91ab-2d7cd011db47";

/** A token answer for `nonce` (the authorize URL's hashed nonce), as Entra would send it. */
function userToken(nonce?: string) {
  return response(200, {
    token_type: "Bearer",
    access_token: "AT",
    expires_in: 3600,
    refresh_token: "RT",
    scope: "User.Read",
    client_info: clientInfo("uid1", TID),
    id_token: unsignedJwt({
      aud: "cid",
      iss: `https://login.microsoftonline.com/${TID}/v2.0`,
      tid: TID,
      sub: "sub1",
      oid: "oid1",
      preferred_username: "alice@contoso.com",
      ...(nonce !== undefined ? { nonce } : {}),
    }),
  });
}

/** An openBrowser that records the authorize URL and sends the code back to the loopback listener. */
function browserFor(http: FakeEntra, urls: URL[]) {
  return async (authUri: string): Promise<void> => {
    const url = new URL(authUri);
    urls.push(url);
    http.token = () => userToken(url.searchParams.get("nonce") ?? undefined);
    const redirect = new URL(url.searchParams.get("redirect_uri") ?? "");
    redirect.hostname = "127.0.0.1";
    redirect.search = new URLSearchParams({ code: "CODE", state: url.searchParams.get("state") ?? "" }).toString();
    void fetch(redirect).then((r) => r.text());
  };
}

function publicApp(extra: Record<string, unknown> = {}) {
  const http = new FakeEntra();
  const app = new PublicClientApplication("cid", {
    authority: AUTHORITY,
    httpClient: http,
    clock: new FakeClock(),
    ...extra,
  });
  return { http, app };
}

describe("Prompt values in interactive sign-in", () => {
  it("the constants are the OpenID Connect values", () => {
    assert.deepEqual(
      { ...Prompt },
      { SELECT_ACCOUNT: "select_account", NONE: "none", CONSENT: "consent", LOGIN: "login" },
    );
    assert.ok(Object.isFrozen(Prompt));
  });

  for (const prompt of [Prompt.SELECT_ACCOUNT, Prompt.NONE, Prompt.CONSENT, Prompt.LOGIN]) {
    it(`prompt ${prompt} goes into the authorize URL`, async () => {
      const { http, app } = publicApp();
      const urls: URL[] = [];
      expectToken(await app.acquireTokenInteractive(["User.Read"], { prompt, openBrowser: browserFor(http, urls) }));
      assert.equal(urls[0]?.searchParams.get("prompt"), prompt);
    });
  }

  it("a list of prompts is sent space-separated; no prompt sends none", async () => {
    const { http, app } = publicApp();
    const urls: URL[] = [];
    expectToken(
      await app.acquireTokenInteractive(["User.Read"], {
        prompt: [Prompt.LOGIN, Prompt.CONSENT],
        openBrowser: browserFor(http, urls),
      }),
    );
    expectToken(await app.acquireTokenInteractive(["User.Read"], { openBrowser: browserFor(http, urls) }));
    assert.equal(urls[0]?.searchParams.get("prompt"), "login consent");
    assert.equal(urls[1]?.searchParams.has("prompt"), false);
  });
});

describe("extraScopesToConsent (spec extra_scopes_to_consent)", () => {
  it("consent is asked for the extra scopes; the code redeems the requested scopes only", async () => {
    const { http, app } = publicApp();
    const urls: URL[] = [];
    expectToken(
      await app.acquireTokenInteractive(["User.Read"], {
        extraScopesToConsent: ["Mail.Read", "https://storage.azure.com/user_impersonation"],
        openBrowser: browserFor(http, urls),
      }),
    );
    assert.equal(
      urls[0]?.searchParams.get("scope"),
      "Mail.Read User.Read https://storage.azure.com/user_impersonation offline_access openid profile",
    );
    assert.equal(
      (http.tokenRequests[0]?.data as Record<string, string>).scope,
      "User.Read offline_access openid profile",
    );
  });

  it("a reserved scope among them is refused before anything is sent", async () => {
    const { http, app } = publicApp();
    await assert.rejects(
      app.acquireTokenInteractive(["User.Read"], {
        extraScopesToConsent: ["openid"],
        openBrowser: async () => undefined,
      }),
      InvalidArgumentError,
    );
    assert.equal(http.requests.length, 0);
  });

  it("a broker ignores them, with a warning (as MSAL Python)", async () => {
    const lines: string[] = [];
    const requests: string[][] = [];
    const broker: Broker = {
      signInSilently: async () => ({ error: "interaction_required", _broker_status: "InteractionRequired" }),
      signInInteractively: async (r) => {
        requests.push(r.scopes);
        return { access_token: "B", expires_in: 3600, client_info: clientInfo("u", "t"), _account_id: "a" };
      },
      acquireTokenSilently: async () => ({ error: "x" }),
      signOutSilently: async () => undefined,
    };
    const { app } = publicApp({
      enableBrokerOnWindows: true,
      platform: "win32",
      broker,
      logger: { log: (_l: LogLevel, m: string) => void lines.push(m) },
    });
    expectToken(
      await app.acquireTokenInteractive(["User.Read"], {
        extraScopesToConsent: ["Mail.Read"],
        parentWindowHandle: PublicClientApplication.CONSOLE_WINDOW_HANDLE,
      }),
    );
    assert.deepEqual(requests, [["User.Read"]]);
    assert.ok(
      lines.some((l) => /extraScopesToConsent is ignored/.test(l)),
      lines.join("\n"),
    );
  });
});

describe("enablePiiLog (spec enable_pii_log)", () => {
  /** Runs ROPC, then a silent refresh, and returns every log line. */
  async function logLines(enablePiiLog: boolean) {
    const lines: { level: LogLevel; message: string; pii: boolean }[] = [];
    const { http, app } = publicApp({
      enablePiiLog,
      logger: { log: (level: LogLevel, message: string, pii: boolean) => void lines.push({ level, message, pii }) },
    });
    http.userRealm = () => response(200, { ver: "1.0", account_type: "Managed", domain_name: "contoso.com" });
    http.token = () => userToken();
    expectToken(await app.acquireTokenByUsernamePassword("alice@contoso.com", "p@ssw0rd-42", ["User.Read"]));
    const [account] = await app.getAccounts();
    expectToken(await app.acquireTokenSilent(["User.Read"], account!, { forceRefresh: true }));
    expectToken(
      await app.acquireTokenInteractive(["User.Read"], {
        loginHint: "alice@contoso.com",
        openBrowser: browserFor(http, []),
      }),
    );
    return lines;
  }

  it("off (the default): no user name or account id reaches the logger", async () => {
    const lines = await logLines(false);
    assert.ok(lines.length > 0);
    for (const l of lines) {
      assert.ok(!/alice@contoso\.com|uid1\./.test(l.message), l.message);
      assert.equal(l.pii, false);
    }
    assert.ok(
      lines.some((l) => /Username\/password sign-in, correlation id/.test(l.message)),
      "the redacted line",
    );
  });

  it("on: user names and account ids appear, only in lines flagged containsPii; never the password", async () => {
    const lines = await logLines(true);
    const withPii = lines.filter((l) => /alice@contoso\.com|uid1\./.test(l.message));
    assert.ok(withPii.some((l) => l.message.includes("Username/password sign-in for alice@contoso.com")));
    assert.ok(withPii.some((l) => l.message.includes(`Silent token request for account uid1.${TID}`)));
    assert.ok(withPii.some((l) => l.message.includes("login hint alice@contoso.com")));
    assert.ok(
      withPii.every((l) => l.pii),
      "every line with PII is flagged",
    );
    assert.ok(
      lines.every((l) => !l.message.includes("p@ssw0rd-42")),
      "never the password",
    );
  });
});

describe("allowBroker (deprecated, spec allow_broker)", () => {
  const broker: Broker = {
    signInSilently: async () => ({ error: "interaction_required", _broker_status: "InteractionRequired" }),
    signInInteractively: async () => ({
      access_token: "BROKER",
      expires_in: 3600,
      client_info: clientInfo("u", "t"),
      _account_id: "a",
    }),
    acquireTokenSilently: async () => ({ error: "x" }),
    signOutSilently: async () => undefined,
  };

  it("on Windows it turns the broker on, with a deprecation warning", async () => {
    const warnings: string[] = [];
    const { app } = publicApp({
      allowBroker: true,
      platform: "win32",
      broker,
      logger: { log: (level: LogLevel, m: string) => void (level === "warning" && warnings.push(m)) },
    });
    const r = expectToken(
      await app.acquireTokenInteractive(["User.Read"], {
        parentWindowHandle: PublicClientApplication.CONSOLE_WINDOW_HANDLE,
      }),
    );
    assert.equal(r.access_token, "BROKER");
    assert.equal(r.token_source, "broker");
    assert.ok(warnings.some((w) => /allowBroker is deprecated/.test(w)));
  });

  it("elsewhere it does nothing (Windows only): the browser is used", async () => {
    const { http, app } = publicApp({ allowBroker: true, platform: "darwin", broker });
    const urls: URL[] = [];
    const r = expectToken(await app.acquireTokenInteractive(["User.Read"], { openBrowser: browserFor(http, urls) }));
    assert.equal(r.token_source, "identity_provider");
    assert.equal(urls.length, 1);
  });

  it("a confidential client refuses it", () => {
    assert.throws(
      () =>
        new ConfidentialClientApplication("cid", {
          clientCredential: "s",
          allowBroker: true,
          httpClient: new FakeEntra(),
        }),
      (e: Error) => e instanceof InvalidArgumentError && /only supported in PublicClientApplication/.test(e.message),
    );
  });
});
