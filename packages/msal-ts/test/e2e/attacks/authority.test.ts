/**
 * `http://` and look-alike authorities with default settings (authority validation on). A sandboxing
 * HttpClient records every request and lets exactly one leave the process: Microsoft's instance discovery
 * endpoint, answered by the emulator's instance discovery (which, like Entra, knows only Microsoft's hosts).
 * An `http://` authority is refused at construction with no request at all; a look-alike host is refused
 * by instance discovery (`invalid_instance`) before any other request: never an OIDC discovery, a token,
 * device-code or user-realm request to the look-alike host.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Emulator } from "entra-emulator";
import {
  AuthorityError,
  ConfidentialClientApplication,
  PublicClientApplication,
  type Account,
} from "../../../src/index.ts";
import { parseAuthority } from "../../../src/authority/parse.ts";
import { createDefaultHttpClient } from "../../../src/http/default-client.ts";
import { appendQuery } from "../../../src/http/form-encoding.ts";
import type { HttpClient, HttpGetOptions, HttpPostOptions, HttpResponse } from "../../../src/http/types.ts";
import { IDS, startTestEmulator } from "../../helpers/emulator.ts";
import { leakLogger } from "../../helpers/leak-logger.ts";
import { SAFETY, routeCount } from "../faults/support.ts";

const INSTANCE_DISCOVERY = "https://login.microsoftonline.com/common/discovery/instance";

/** Records every request; forwards only Microsoft's instance discovery (to the emulator); answers the rest 404. */
class Sandbox implements HttpClient {
  readonly requests: { method: string; url: string }[] = [];
  constructor(
    private readonly emulator: Emulator,
    private readonly inner: HttpClient,
  ) {}

  async get(url: string, o?: HttpGetOptions): Promise<HttpResponse> {
    this.requests.push({ method: "GET", url: appendQuery(url, o?.params) });
    if (url === INSTANCE_DISCOVERY) return this.inner.get(`${this.emulator.url}/common/discovery/instance`, o);
    return { status_code: 404, text: "{}", headers: { "content-type": "application/json" } };
  }

  async post(url: string, o?: HttpPostOptions): Promise<HttpResponse> {
    this.requests.push({ method: "POST", url: appendQuery(url, o?.params) });
    return { status_code: 404, text: "{}", headers: { "content-type": "application/json" } };
  }
}

const HTTP_AUTHORITIES = [
  "http://login.microsoftonline.com/contoso.onmicrosoft.com",
  "HTTP://login.microsoftonline.com/contoso.onmicrosoft.com",
  "http://127.0.0.1/contoso.onmicrosoft.com",
  "http://localhost:8443/contoso.onmicrosoft.com",
];

/** Refused at construction for their shape, whatever the settings. */
const MALFORMED_AUTHORITIES = [
  "https://login.microsoftonline.com@evil.example/t",
  "https://user:pass@login.microsoftonline.com/t",
  "https://evil.example\\login.microsoftonline.com/t",
  "//login.microsoftonline.com/t",
  "login.microsoftonline.com/t",
];

const LOOK_ALIKES = [
  "https://login.microsoftonline.com.evil.example/t",
  "https://login-microsoftonline.com/t",
  "https://evil.example/login.microsoftonline.com/t",
  "https://login.microsoftonIine.com/t", // capital I for l
  "https://l\u043egin.microsoftonline.com/t", // Cyrillic o
  "https://login.microsoftonline.com.:443.evil.example/t",
  "https://microsoftonline.com/t",
  "https://login.microsoftonline.co/t",
];

describe("http and look-alike authorities", () => {
  let emulator: Emulator;
  let inner: HttpClient;
  before(async () => {
    emulator = await startTestEmulator();
    inner = createDefaultHttpClient({ verify: emulator.caPem });
  });
  after(async () => {
    await inner.close?.();
    await emulator.close();
  });

  const sandbox = (): Sandbox => new Sandbox(emulator, inner);

  for (const authority of [...HTTP_AUTHORITIES, ...MALFORMED_AUTHORITIES]) {
    it(
      `${JSON.stringify(authority)}: AuthorityError at construction, even with validation off; no request`,
      SAFETY,
      () => {
        const http = sandbox();
        for (const extra of [{}, { validateAuthority: false }, { instanceDiscovery: false }]) {
          assert.throws(
            () =>
              new ConfidentialClientApplication(IDS.confidential, {
                clientCredential: "s",
                authority,
                httpClient: http,
                ...extra,
              }),
            (e: unknown) =>
              e instanceof AuthorityError && e.code === "invalid_authority" && !e.message.includes("user:pass"),
          );
          assert.throws(
            () => new PublicClientApplication(IDS.cli, { authority, httpClient: http, ...extra }),
            AuthorityError,
          );
        }
        if (authority.toLowerCase().startsWith("http://")) {
          assert.throws(() => new PublicClientApplication(IDS.cli, { authority }), /https/);
          assert.throws(() => new PublicClientApplication(IDS.cli, { oidcAuthority: authority }), AuthorityError);
        }
        assert.deepEqual(http.requests, []);
      },
    );
  }

  it("an http:// authority passed per call is refused before any request", SAFETY, async () => {
    const http = sandbox();
    const app = new PublicClientApplication(IDS.cli, {
      authority: "https://login.microsoftonline.com/contoso.onmicrosoft.com",
      httpClient: http,
      ...leakLogger(),
    });
    const account: Account = {
      home_account_id: "uid.utid",
      environment: "login.microsoftonline.com",
      realm: "utid",
      local_account_id: "uid",
      username: "u",
      authority_type: "MSSTS",
    };
    await assert.rejects(
      app.acquireTokenSilent(["User.Read"], account, {
        authority: "http://login.microsoftonline.com/contoso.onmicrosoft.com",
      }),
      AuthorityError,
    );
    assert.deepEqual(http.requests, []);
  });

  for (const authority of LOOK_ALIKES) {
    it(
      `look-alike ${JSON.stringify(authority)}: never a known Microsoft host; refused by instance discovery before any other request`,
      SAFETY,
      async () => {
        let parsed;
        try {
          parsed = parseAuthority(authority);
        } catch (e) {
          // Not even a valid authority: refused at construction, which is as safe.
          assert.ok(e instanceof AuthorityError);
          assert.throws(() => new PublicClientApplication(IDS.cli, { authority }), AuthorityError);
          return;
        }
        assert.equal(parsed.knownToMicrosoft, false, "not a well-known Microsoft host");
        assert.equal(parsed.knownToDeveloper, false, "not trusted without validation");

        const refusals = routeCount(emulator, "instance_discovery");
        const http = sandbox();
        const daemon = new ConfidentialClientApplication(IDS.confidential, {
          clientCredential: IDS.confidentialSecret,
          authority,
          httpClient: http,
          ...leakLogger(),
        });
        const cli = new PublicClientApplication(IDS.cli, { authority, httpClient: http, ...leakLogger() });
        const invalidInstance = (e: unknown) =>
          e instanceof AuthorityError &&
          e.code === "invalid_authority" &&
          /invalid_instance/.test(e.message) &&
          /instanceDiscovery: false/.test(e.message);
        await assert.rejects(daemon.acquireTokenForClient(["https://graph.microsoft.com/.default"]), invalidInstance);
        await assert.rejects(
          daemon.initiateAuthCodeFlow(["User.Read"], { redirectUri: "https://localhost/auth/callback" }),
          invalidInstance,
        );
        await assert.rejects(cli.initiateDeviceFlow(["User.Read"]), invalidInstance);
        await assert.rejects(
          cli.acquireTokenByUsernamePassword("alice@contoso.com", "alice-password", ["User.Read"]),
          invalidInstance,
        );
        await assert.rejects(
          cli.acquireTokenInteractive(["User.Read"], {
            timeout: 5,
            openBrowser: async () => assert.fail("no sign-in page may be opened"),
          }),
          invalidInstance,
        );

        // Every request was instance discovery at Microsoft's endpoint, about this authority; nothing else.
        assert.ok(http.requests.length >= 5);
        for (const r of http.requests) {
          assert.equal(r.method, "GET");
          const url = new URL(r.url);
          assert.equal(`${url.origin}${url.pathname}`, INSTANCE_DISCOVERY, `unexpected request ${r.method} ${r.url}`);
          assert.equal(url.searchParams.get("authorization_endpoint"), `${parsed.url}/oauth2/v2.0/authorize`);
        }
        assert.equal(
          routeCount(emulator, "instance_discovery"),
          refusals + http.requests.length,
          "each refused by the (emulated) identity provider",
        );
      },
    );
  }

  it("control: a real Microsoft host is known and skips instance discovery", SAFETY, async () => {
    const http = sandbox();
    const app = new ConfidentialClientApplication(IDS.confidential, {
      clientCredential: "s",
      authority: "https://login.microsoftonline.com/contoso.onmicrosoft.com",
      httpClient: http,
      ...leakLogger(),
    });
    // The sandbox answers 404 to the OIDC discovery, so the call fails, but only after asking the right host.
    await assert.rejects(
      app.acquireTokenForClient(["https://graph.microsoft.com/.default"]),
      (e: unknown) => e instanceof AuthorityError && !/invalid_instance/.test(e.message),
    );
    assert.deepEqual(http.requests, [
      {
        method: "GET",
        url: "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration",
      },
    ]);
  });

  it("control: an alias host Microsoft knows passes instance discovery", SAFETY, async () => {
    const http = sandbox();
    const app = new ConfidentialClientApplication(IDS.confidential, {
      clientCredential: "s",
      authority: "https://login.windows.net/contoso.onmicrosoft.com",
      httpClient: http,
      ...leakLogger(),
    });
    await assert.rejects(
      app.acquireTokenForClient(["https://graph.microsoft.com/.default"]),
      (e: unknown) => e instanceof AuthorityError && !/invalid_instance/.test(e.message),
    );
    assert.equal(http.requests.length, 2, "instance discovery, then OIDC discovery at the host it named");
    assert.ok(http.requests[0]?.url.startsWith(INSTANCE_DISCOVERY));
    assert.equal(
      http.requests[1]?.url,
      "https://login.windows.net/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration",
    );
  });
});
