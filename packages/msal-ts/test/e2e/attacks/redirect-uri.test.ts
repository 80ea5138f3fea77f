/**
 * Open-redirect attempts through the `redirectUri` of initiateAuthCodeFlow (and the legacy
 * getAuthorizationRequestUrl): malformed URIs are refused by the library with InvalidArgumentError before
 * any request; well-formed but unregistered ones are carried verbatim and refused by the identity provider
 * (the emulator answers AADSTS50011 on its own page: no redirect, no code). Registered URIs are the control.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Emulator } from "entra-emulator";
import { ConfidentialClientApplication, InvalidArgumentError } from "../../../src/index.ts";
import { createDefaultHttpClient } from "../../../src/http/default-client.ts";
import type { HttpClient } from "../../../src/http/types.ts";
import { IDS, emulatorOptions, startTestEmulator } from "../../helpers/emulator.ts";
import { SAFETY, assertToken, routeCount } from "../faults/support.ts";

/** Not URLs a browser could be sent to: the library refuses them itself. */
const MALFORMED = [
  "//evil.example/cb",
  "//evil",
  "/auth/callback",
  "evil.example/cb",
  "https://evil.example/cb#access_token=stolen",
  "http://[::1",
  "   ",
];

/** Well-formed, but not registered for the app: the identity provider must refuse them. */
const UNREGISTERED = [
  // An empty fragment: WHATWG URL reports no hash for it; either side may refuse it.
  "https://localhost/auth/callback#",
  "https://evil.example/cb",
  "https://login.microsoftonline.com.evil.example/cb",
  "javascript:alert(1)",
  "data:text/html,<script>alert(1)</script>",
  "http://localhost.evil.example/",
  "http://localhost@evil.example/",
  "http://127.0.0.1.evil.example/",
  "https://localhost/auth/callback/../../evil",
  "https://localhost/auth/callback?next=https://evil.example",
  "https://localhost:8443/auth/callback",
  "http://localhost/auth/callback",
  "https://localhost/auth/callbackx",
];

describe("open redirects through redirectUri", () => {
  let emulator: Emulator;
  let http: HttpClient;
  before(async () => {
    emulator = await startTestEmulator();
    http = createDefaultHttpClient({ verify: emulator.caPem });
  });
  after(async () => {
    await http.close?.();
    await emulator.close();
  });

  const app = () =>
    new ConfidentialClientApplication(IDS.confidential, {
      clientCredential: IDS.confidentialSecret,
      ...emulatorOptions(emulator),
    });

  for (const uri of MALFORMED) {
    it(`malformed ${JSON.stringify(uri)}: InvalidArgumentError, no request`, SAFETY, async () => {
      const a = app();
      await a.getAccounts(); // nothing else to count below
      const requests = emulator.requests().length;
      await assert.rejects(
        a.initiateAuthCodeFlow(["User.Read"], { redirectUri: uri }),
        (e: unknown) =>
          e instanceof InvalidArgumentError && /redirectUri/.test(e.message) && !e.message.includes("stolen"),
      );
      await assert.rejects(a.getAuthorizationRequestUrl(["User.Read"], { redirectUri: uri }), InvalidArgumentError);
      assert.equal(emulator.requests().length, requests);
    });
  }

  for (const uri of UNREGISTERED) {
    it(`unregistered ${JSON.stringify(uri)}: refused by the identity provider, no code issued`, SAFETY, async () => {
      const a = app();
      const tokens = routeCount(emulator, "token");
      let authUri: string;
      try {
        authUri = (await a.initiateAuthCodeFlow(["User.Read"], { redirectUri: uri })).auth_uri;
      } catch (e) {
        // Refusing a dangerous URI already in the library is as good.
        assert.ok(e instanceof InvalidArgumentError, String(e));
        return;
      }
      assert.equal(new URL(authUri).searchParams.get("redirect_uri"), uri, "sent verbatim, never rewritten");
      const page = await http.get(authUri, { headers: { accept: "application/json" } });
      assert.equal(page.status_code, 400);
      assert.equal(page.headers.location, undefined, "no redirect anywhere");
      const body = JSON.parse(page.text) as Record<string, unknown>;
      assert.equal(body.error, "invalid_request");
      assert.deepEqual(body.error_codes, [50011]);
      assert.ok(!("code" in body), "no authorization code");
      // A user who signs in anyway gets no code.
      await assert.rejects(
        emulator.signIn({ authUri, username: "alice@contoso.com", password: "alice-password" }),
        /redirect URI/,
      );
      assert.equal(routeCount(emulator, "token"), tokens, "nothing was redeemed");
    });
  }

  for (const uri of ["https://localhost/auth/callback", "http://localhost:53123", "http://localhost:8400"]) {
    it(`control: the registered ${uri} gets a code that redeems to a token`, SAFETY, async () => {
      const a = app();
      const flow = await a.initiateAuthCodeFlow(["User.Read"], { redirectUri: uri });
      const page = await http.get(flow.auth_uri);
      assert.equal(page.status_code, 200, "the sign-in page");
      const signedIn = await emulator.signIn({
        authUri: flow.auth_uri,
        username: "alice@contoso.com",
        password: "alice-password",
      });
      assert.equal(signedIn.redirectUri, uri);
      assert.ok(signedIn.params.code);
      assertToken(await a.acquireTokenByAuthCodeFlow(flow, signedIn.params));
    });
  }
});
