/**
 * Proof-of-Possession end to end: PoP tokens obtained by msal-ts through each supported flow are accepted
 * by the emulator's PoP resource; an SHR replayed for another method, URL or nonce, or signed by another
 * key, is rejected; bearer and PoP tokens coexist in the cache.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { chromium, type Browser } from "playwright-core";
import type { Emulator } from "entra-emulator";
import {
  ConfidentialClientApplication,
  PopAuthScheme,
  PublicClientApplication,
  type PopHttpMethod,
  type TokenResult,
} from "../../../src/index.ts";
import { IDS, emulatorOptions, startTestEmulator } from "../../helpers/emulator.ts";
import { PopKey } from "../../../src/crypto/pop-key.ts";
import { expectToken } from "../../helpers/results.ts";

describe("PoP tokens against the emulator's PoP resource", () => {
  let emulator: Emulator;
  let browser: Browser;
  before(async () => {
    emulator = await startTestEmulator();
  });
  after(async () => {
    await browser?.close();
    await emulator?.close();
  });

  /** The resource, over the emulator's TLS (trusting its CA through node:https). */
  async function call(
    method: PopHttpMethod,
    path: string,
    shr: string,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const { request } = await import("node:https");
    return new Promise((resolve, reject) => {
      const req = request(
        `${emulator.url}${path}`,
        { method, ca: emulator.caPem, headers: { Authorization: `PoP ${shr}` } },
        (res) => {
          let text = "";
          res.on("data", (c: Buffer) => (text += c.toString()));
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || "{}") as Record<string, unknown> }),
          );
        },
      );
      req.on("error", reject);
      req.end();
    });
  }

  async function freshNonce(): Promise<string> {
    const { request } = await import("node:https");
    return new Promise((resolve, reject) => {
      request(`${emulator.url}/_emulator/pop/nonce`, { ca: emulator.caPem }, (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => resolve((JSON.parse(text) as { nonce: string }).nonce));
      })
        .on("error", reject)
        .end();
    });
  }

  const PATH = "/_emulator/pop/resource/orders";
  const scheme = async (method: PopHttpMethod = "GET", path = PATH) =>
    new PopAuthScheme({ httpMethod: method, url: `${emulator.url}${path}`, nonce: await freshNonce() });
  const accepted = async (r: TokenResult, method: PopHttpMethod = "GET", path = PATH) => {
    assert.equal(expectToken(r).token_type, "pop", JSON.stringify(r));
    const answer = await call(method, path, String(expectToken(r).access_token));
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
  };

  it("client credentials: accepted; replays for another method, URL or nonce, and another key's SHR, are rejected", async () => {
    const app = new ConfidentialClientApplication(IDS.confidential, {
      clientCredential: IDS.confidentialSecret,
      ...emulatorOptions(emulator),
    });
    const r = await app.acquireTokenForClient([IDS.apiDefault], { authScheme: await scheme() });
    await accepted(r);
    const replay = await call("GET", PATH, String(expectToken(r).access_token));
    assert.equal(replay.status, 401, "a used nonce");
    const forPost = await app.acquireTokenForClient([IDS.apiDefault], { authScheme: await scheme("POST") });
    assert.match(
      String((await call("DELETE", PATH, String(expectToken(forPost).access_token))).body.error_description),
      /does not match the request method/,
    );
    const forOther = await app.acquireTokenForClient([IDS.apiDefault], {
      authScheme: await scheme("GET", "/_emulator/pop/resource/other"),
    });
    assert.match(
      String((await call("GET", PATH, String(expectToken(forOther).access_token))).body.error_description),
      /does not match the request path/,
    );
    const madeUp = await app.acquireTokenForClient([IDS.apiDefault], {
      authScheme: new PopAuthScheme({ httpMethod: "GET", url: `${emulator.url}${PATH}`, nonce: "not-issued" }),
    });
    assert.match(
      String((await call("GET", PATH, String(expectToken(madeUp).access_token))).body.error_description),
      /nonce/,
    );
    // A thief with the token but another key: a valid SHR signed by that key does not match cnf.kid.
    const ours = JSON.parse(Buffer.from(String(expectToken(r).access_token).split(".")[1]!, "base64url").toString())
      .at as string;
    const thief = new PopKey().signRequest({
      accessToken: ours,
      method: "GET",
      url: new URL(`${emulator.url}${PATH}`),
      nonce: await freshNonce(),
      now: Math.floor(Date.now() / 1000),
    });
    assert.match(
      String((await call("GET", PATH, thief)).body.error_description),
      /not the key the access token is bound to/,
    );
    // And a tampered SHR (its payload changed after signing) does not verify.
    const [h, p, sig] = String(expectToken(forPost).access_token).split(".");
    const payload = JSON.parse(Buffer.from(p!, "base64url").toString()) as Record<string, unknown>;
    payload.m = "GET";
    assert.equal(
      (await call("GET", PATH, `${h}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.${sig}`)).status,
      401,
    );
  });

  it("bearer and PoP tokens for the same scopes live side by side", async () => {
    const app = new ConfidentialClientApplication(IDS.confidential, {
      clientCredential: IDS.confidentialSecret,
      ...emulatorOptions(emulator),
    });
    const bearer = await app.acquireTokenForClient([IDS.apiDefault]);
    await accepted(await app.acquireTokenForClient([IDS.apiDefault], { authScheme: await scheme() }));
    const bearerAgain = await app.acquireTokenForClient([IDS.apiDefault]);
    assert.equal(expectToken(bearerAgain).token_source, "cache");
    assert.equal(expectToken(bearerAgain).access_token, expectToken(bearer).access_token);
    const popAgain = await app.acquireTokenForClient([IDS.apiDefault], { authScheme: await scheme() });
    assert.equal(expectToken(popAgain).token_source, "cache");
    await accepted(popAgain);
    assert.equal(app.tokenCache.count("AccessToken"), 2);
  });

  it("username/password, then silent (a fresh SHR from the cached PoP token each call)", async () => {
    const app = new PublicClientApplication(IDS.cli, emulatorOptions(emulator));
    await accepted(
      await app.acquireTokenByUsernamePassword("alice@contoso.com", "alice-password", [IDS.apiScope], {
        authScheme: await scheme(),
      }),
    );
    const [account] = await app.getAccounts();
    const s1 = await app.acquireTokenSilent([IDS.apiScope], account!, { authScheme: await scheme() });
    await accepted(s1!);
    const s2 = await app.acquireTokenSilent([IDS.apiScope], account!, { authScheme: await scheme("PATCH") });
    assert.equal(s2?.token_source, "cache");
    await accepted(s2!, "PATCH");
  });

  it("auth code flow (the emulator's test-control sign-in)", async () => {
    const app = new ConfidentialClientApplication(IDS.confidential, {
      clientCredential: IDS.confidentialSecret,
      ...emulatorOptions(emulator),
    });
    const flow = await app.initiateAuthCodeFlow([IDS.apiScope], { redirectUri: "https://localhost/auth/callback" });
    const params = (
      await emulator.signIn({ authUri: flow.auth_uri, username: "alice@contoso.com", password: "alice-password" })
    ).params;
    await accepted(await app.acquireTokenByAuthCodeFlow(flow, params, { authScheme: await scheme() }));
  });

  it("interactive login in headless Chromium", async () => {
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    const app = new PublicClientApplication(IDS.cli, emulatorOptions(emulator));
    const r = await app.acquireTokenInteractive([IDS.apiScope], {
      timeout: 60,
      authScheme: await scheme(),
      openBrowser: async (url) => {
        const redirect = new URL(url).searchParams.get("redirect_uri") ?? "";
        const page = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
        await page.goto(url);
        await page.fill("#login", "alice@contoso.com");
        await page.fill("#passwd", "alice-password");
        await page.click("#idSIButton9");
        await Promise.race([page.waitForURL((u) => u.href.startsWith(redirect)), page.waitForSelector("#accept")]);
        if (!page.url().startsWith(redirect)) await page.click("#accept");
        await page.waitForURL((u) => u.href.startsWith(redirect));
      },
    });
    await accepted(r);
  });
});
