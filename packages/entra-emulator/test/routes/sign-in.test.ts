import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, before, describe, test } from "node:test";
import { chromium, type Browser } from "playwright-core";
import { startEmulator, type Emulator } from "../../src/index.js";
import { DEMO, call, decodePayload, pkcePair } from "../helpers.js";

/** A loopback "app" that records what arrives at its redirect URI (GET query or form_post body). */
async function redirectTarget(): Promise<{ url: string; server: Server; next: () => Promise<Record<string, string>> }> {
  const waiting: ((p: Record<string, string>) => void)[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const query = new URL(req.url ?? "/", "http://localhost").searchParams;
      const params = Object.fromEntries(req.method === "POST" ? new URLSearchParams(body) : query);
      res.writeHead(200, { "content-type": "text/plain" }).end("Authentication completed.");
      if (params.code || params.error) waiting.shift()?.(params);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { url: `http://localhost:${port}`, server, next: () => new Promise((r) => waiting.push(r)) };
}

describe("a real browser (headless Chromium) completes the emulator's pages", () => {
  let emulator: Emulator;
  let browser: Browser;
  let target: Awaited<ReturnType<typeof redirectTarget>>;

  before(async () => {
    emulator = await startEmulator();
    target = await redirectTarget();
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
  });
  after(async () => {
    await browser?.close();
    target?.server.close();
    await emulator?.close();
  });

  test("sign-in with MFA and consent, form_post to a loopback redirect URI, then the code redeems with PKCE", async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const { verifier, challenge } = pkcePair();
    const q = new URLSearchParams({
      client_id: DEMO.cli,
      response_type: "code",
      redirect_uri: target.url,
      scope: "openid profile offline_access User.Read",
      state: "browser-state",
      code_challenge: challenge,
      code_challenge_method: "S256",
      response_mode: "form_post",
    });
    const arrived = target.next();
    await page.goto(`${emulator.authority()}/oauth2/v2.0/authorize?${q}`);
    await page.fill("#login", DEMO.bob.username);
    await page.fill("#passwd", DEMO.bob.password);
    await page.click("#idSIButton9");
    await page.click("#approveMfa");
    await page.click("#accept");
    const params = await arrived;
    assert.equal(params.state, "browser-state");
    await page.waitForURL(`${target.url}/`);
    assert.match((await page.textContent("body")) ?? "", /Authentication completed/);

    const tokens = await call(emulator, "POST", `/${DEMO.tenant}/oauth2/v2.0/token`, {
      form: {
        grant_type: "authorization_code",
        client_id: DEMO.cli,
        code: params.code ?? "",
        redirect_uri: target.url,
        code_verifier: verifier,
        scope: "openid profile offline_access User.Read",
      },
    });
    assert.equal(tokens.status, 200, tokens.text);
    assert.deepEqual(decodePayload(tokens.json().id_token).amr, ["pwd", "mfa"]);

    // The same browser is signed in: a second request goes straight back with a code (query mode).
    const again = target.next();
    q.set("response_mode", "query");
    q.set("state", "second");
    await page.goto(`${emulator.authority()}/oauth2/v2.0/authorize?${q}`);
    assert.equal((await again).state, "second");
    await context.close();
  });

  test("device login: the user enters the code, signs in and confirms; the device then gets tokens", async () => {
    const init = (
      await call(emulator, "POST", `/${DEMO.tenant}/oauth2/v2.0/devicecode`, {
        form: { client_id: DEMO.cli, scope: "openid User.Read" },
      })
    ).json();
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(String(init.verification_uri));
    await page.fill("#otc", String(init.user_code));
    await page.click("#idSIButton9");
    await page.fill("#login", DEMO.alice.username);
    await page.fill("#passwd", DEMO.alice.password);
    await page.click("#idSIButton9");
    await page.click("#accept");
    assert.match(
      (await page.textContent("body")) ?? "",
      /You have signed in to the Contoso CLI application on your device/,
    );
    const tokens = await call(emulator, "POST", `/${DEMO.tenant}/oauth2/v2.0/token`, {
      form: {
        grant_type: "urn:ietf:params:oauth:grant-type:device_code",
        client_id: DEMO.cli,
        device_code: String(init.device_code),
      },
    });
    assert.equal(tokens.status, 200, tokens.text);
    await context.close();
  });
});
