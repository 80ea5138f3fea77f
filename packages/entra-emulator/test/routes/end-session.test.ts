import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Emulator } from "../../src/index.js";
import { call, DEMO, startDemoEmulator } from "../helpers.js";
import { Browser, authorizePath } from "../pages-client.js";

const LOGOUT = `/${DEMO.tenant}/oauth2/v2.0/logout`;
const REDIRECT = "http://localhost:8400";

describe("end-session endpoint (sign-out)", () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startDemoEmulator();
  });
  after(() => emulator.close());

  const query = {
    client_id: DEMO.confidential,
    response_type: "code",
    redirect_uri: REDIRECT,
    scope: "openid User.Read",
    state: "s",
  };

  /** A browser with a sign-in session for Alice (the SSO cookie set). */
  async function signedIn(): Promise<Browser> {
    const browser = new Browser(emulator);
    const page = await browser.get(authorizePath(query));
    const next = await browser.submit(page, { login: DEMO.alice.username, passwd: DEMO.alice.password });
    // Consent is asked once per user and app; later sign-ins go straight back to the app.
    const done = next.status === 200 ? await browser.submit(next, {}, { accept: "yes" }) : next;
    assert.equal(done.status, 302);
    const sso = await browser.get(authorizePath({ ...query, prompt: "none" }));
    assert.ok(new URL(String(sso.headers.location)).searchParams.get("code"), "the session signs in silently");
    return browser;
  }

  function loginRequired(location: unknown): boolean {
    return new URL(String(location)).searchParams.get("error") === "login_required";
  }

  test("ends the session, expires the cookie and returns to a registered post_logout_redirect_uri with state", async () => {
    const browser = await signedIn();
    const cookieBefore = new Map(browser.cookies);
    const out = await browser.get(
      `${LOGOUT}?${new URLSearchParams({ client_id: DEMO.confidential, post_logout_redirect_uri: REDIRECT, state: "st 1" })}`,
    );
    assert.equal(out.status, 302);
    const back = new URL(String(out.headers.location));
    assert.equal(`${back.origin}${back.pathname}`, `${REDIRECT}/`);
    assert.equal(back.searchParams.get("state"), "st 1");
    assert.match(
      String(out.headers["set-cookie"]),
      /^emu_session=; Path=\/; Max-Age=0; HttpOnly; Secure; SameSite=None$/,
    );
    // The old cookie no longer names a session: prompt=none now needs a sign-in.
    browser.cookies = cookieBefore;
    const silent = await browser.get(authorizePath({ ...query, prompt: "none" }));
    assert.ok(loginRequired(silent.headers.location));
  });

  test("the app may be named by id_token_hint's audience instead of client_id", async () => {
    const browser = await signedIn();
    const header = Buffer.from(JSON.stringify({ alg: "RS256", typ: "JWT" })).toString("base64url");
    const payload = Buffer.from(JSON.stringify({ aud: DEMO.confidential })).toString("base64url");
    const out = await browser.get(
      `${LOGOUT}?${new URLSearchParams({ id_token_hint: `${header}.${payload}.c2ln`, post_logout_redirect_uri: REDIRECT })}`,
    );
    assert.equal(out.status, 302);
    assert.equal(new URL(String(out.headers.location)).origin, REDIRECT);
  });

  test("an unregistered return address is never followed; a hostile hint is ignored", async () => {
    for (const params of [
      { client_id: DEMO.confidential, post_logout_redirect_uri: "https://evil.example/" },
      { post_logout_redirect_uri: REDIRECT },
      { id_token_hint: "not.a.jwt%%", post_logout_redirect_uri: REDIRECT },
      { client_id: "00000000-0000-0000-0000-00000000dead", post_logout_redirect_uri: REDIRECT },
    ]) {
      const browser = await signedIn();
      const out = await browser.get(`${LOGOUT}?${new URLSearchParams(params)}`);
      assert.equal(out.status, 200, JSON.stringify(params));
      assert.equal(out.headers.location, undefined);
      assert.match(out.text, /You signed out of your account/);
      assert.match(out.text, /not registered/);
      const silent = await browser.get(authorizePath({ ...query, prompt: "none" }));
      assert.ok(loginRequired(silent.headers.location), "the session ended all the same");
    }
  });

  test("v1 path, POST, and a browser without a session all answer with the signed-out page", async () => {
    const v1 = await call(emulator, "GET", `/${DEMO.tenant}/oauth2/logout`);
    assert.equal(v1.status, 200);
    assert.match(v1.text, /You signed out of your account/);
    assert.doesNotMatch(v1.text, /not registered/);
    const posted = await call(emulator, "POST", LOGOUT, {
      form: { client_id: DEMO.confidential, post_logout_redirect_uri: REDIRECT },
    });
    assert.equal(posted.status, 302);
    assert.equal(posted.headers.location, `${REDIRECT}/`);
  });
});
