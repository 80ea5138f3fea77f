/**
 * acquireTokenInteractive end to end in a real browser: Debian's Chromium, driven by playwright-core,
 * fills the emulator's sign-in page; the code comes back to msal-ts's loopback listener by `query` and
 * by `form_post`; a forged redirect with a wrong state is answered and ignored. Nothing is left running.
 */
import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { startEmulator, type Emulator } from "entra-emulator";
import { PublicClientApplication } from "../../../src/index.ts";
import { IDS } from "../../helpers/emulator.ts";

function portIsClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}

describe("interactive login in headless Chromium", () => {
  let emulator: Emulator;
  let browser: Browser;
  const pages: Page[] = [];

  before(async () => {
    emulator = await startEmulator({ rawRequestLog: true });
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
  });
  after(async () => {
    await browser?.close();
    await emulator?.close();
    // Nothing left behind: the browser process is gone.
    assert.equal(browser?.isConnected(), false);
  });

  /** An openBrowser that signs Alice in on the emulator's pages. */
  function signInAs(username: string, password: string, before?: (url: string) => Promise<void>) {
    return async (url: string): Promise<void> => {
      await before?.(url);
      const redirect = new URL(url).searchParams.get("redirect_uri") ?? "";
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      const page = await context.newPage();
      pages.push(page);
      await page.goto(url);
      await page.fill("#login", username);
      await page.fill("#passwd", password);
      await page.click("#idSIButton9");
      await Promise.race([page.waitForURL((u) => u.href.startsWith(redirect)), page.waitForSelector("#accept")]);
      if (!page.url().startsWith(redirect)) await page.click("#accept");
      await page.waitForURL((u) => u.href.startsWith(redirect));
    };
  }

  function app(): PublicClientApplication {
    return new PublicClientApplication(IDS.cli, {
      authority: emulator.authority(),
      verify: emulator.caPem,
      instanceDiscovery: false,
    });
  }

  for (const responseMode of ["query", "form_post"] as const) {
    it(`the token arrives through the loopback listener (${responseMode})`, async () => {
      const pca = app();
      let port = 0;
      const ui: string[] = [];
      const result = await pca.acquireTokenInteractive(["User.Read"], {
        responseMode,
        timeout: 60,
        onBeforeLaunchingUi: (e) => ui.push(e.ui),
        openBrowser: signInAs("alice@contoso.com", "alice-password", async (url) => {
          port = Number(new URL(new URL(url).searchParams.get("redirect_uri") ?? "").port);
          assert.equal(
            new URL(url).searchParams.get("response_mode"),
            responseMode === "form_post" ? "form_post" : null,
          );
        }),
      });
      assert.ok("access_token" in result, JSON.stringify(result));
      assert.equal((result.id_token_claims as Record<string, unknown>).preferred_username, "alice@contoso.com");
      assert.deepEqual(ui, ["browser"]);
      const page = pages.at(-1)!;
      assert.match(await page.content(), /Authentication completed/);
      assert.ok(port > 0);
      assert.equal(await portIsClosed(port), true, "the listener is closed");
      const token = emulator.requests().findLast((r) => r.form.grant_type === "authorization_code");
      assert.equal(token?.headers["x-client-current-telemetry"], "4|169,0|");
      assert.equal(token?.form.redirect_uri, `http://localhost:${port}`);
      await page.context().close();
    });
  }

  it("a forged redirect with a wrong state is rejected; the real one succeeds", async () => {
    const pca = app();
    let forgedPage = "";
    const result = await pca.acquireTokenInteractive(["User.Read"], {
      timeout: 60,
      openBrowser: signInAs("alice@contoso.com", "alice-password", async (url) => {
        const redirect = new URL(url).searchParams.get("redirect_uri") ?? "";
        const forged = await fetch(`${redirect}/?code=forged-code&state=not-the-state`);
        forgedPage = await forged.text();
      }),
    });
    assert.ok("access_token" in result, JSON.stringify(result));
    assert.match(forgedPage, /state/i);
    const codes = emulator
      .requests()
      .filter((r) => r.form.grant_type === "authorization_code")
      .map((r) => r.form.code);
    assert.ok(!codes.includes("forged-code"), "the forged code was never redeemed");
    await pages.at(-1)!.context().close();
  });

  it("a browser that never comes back: BrowserInteractionTimeoutError, and the listener is closed", async () => {
    const pca = app();
    let port = 0;
    await assert.rejects(
      pca.acquireTokenInteractive(["User.Read"], {
        timeout: 0.2,
        openBrowser: async (url) => {
          port = Number(new URL(new URL(url).searchParams.get("redirect_uri") ?? "").port);
        },
      }),
      (e: Error) => e.name === "BrowserInteractionTimeoutError",
    );
    assert.equal(await portIsClosed(port), true);
  });

  it("a failing openBrowser closes the listener and says what to do", async () => {
    const pca = app();
    let port = 0;
    await assert.rejects(
      pca.acquireTokenInteractive(["User.Read"], {
        openBrowser: async (url) => {
          port = Number(new URL(new URL(url).searchParams.get("redirect_uri") ?? "").port);
          throw new Error("no display");
        },
      }),
      /device code flow/,
    );
    assert.equal(await portIsClosed(port), true);
  });
});
