import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Emulator } from "../../src/index.js";
import { call, decodePayload, DEMO, pkcePair, startDemoEmulator } from "../helpers.js";
import { Browser, authorizePath } from "../pages-client.js";

const TOKEN = `/${DEMO.tenant}/oauth2/v2.0/token`;

describe("authorization endpoint and sign-in pages", () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startDemoEmulator();
  });
  after(() => emulator.close());

  test("browser sign-in: HTML form, MFA step, consent, code with PKCE, then SSO with the session cookie", async () => {
    const browser = new Browser(emulator);
    const { verifier, challenge } = pkcePair();
    const q = {
      client_id: DEMO.cli,
      response_type: "code",
      redirect_uri: "http://localhost:51234",
      scope: "openid profile offline_access User.Read",
      state: "state-1",
      nonce: "nonce-1",
      code_challenge: challenge,
      code_challenge_method: "S256",
      client_info: "1",
      login_hint: DEMO.bob.username,
    };
    const signInPage = await browser.get(authorizePath(q));
    assert.equal(signInPage.status, 200);
    assert.match(signInPage.text, /value="bob@contoso.com"/, "login_hint prefills the username");
    const wrong = await browser.submit(signInPage, { login: DEMO.bob.username, passwd: "nope" });
    assert.match(wrong.text, /AADSTS50126/);
    const mfa = await browser.submit(wrong, { login: DEMO.bob.username, passwd: DEMO.bob.password });
    assert.match(mfa.text, /Approve sign in request/);
    const consent = await browser.submit(mfa, {});
    assert.match(consent.text, /Permissions requested/);
    assert.match(consent.text, /User\.Read/);
    const done = await browser.submit(consent, {}, { accept: "yes" });
    assert.equal(done.status, 302);
    const location = new URL(String(done.headers.location));
    assert.equal(location.searchParams.get("state"), "state-1");
    const clientInfo = JSON.parse(Buffer.from(location.searchParams.get("client_info") ?? "", "base64url").toString());
    assert.equal(clientInfo.utid, DEMO.tenantId);

    const tokens = (
      await call(emulator, "POST", TOKEN, {
        form: {
          grant_type: "authorization_code",
          client_id: DEMO.cli,
          code: location.searchParams.get("code") ?? "",
          redirect_uri: "http://localhost:51234",
          code_verifier: verifier,
          scope: "openid profile offline_access User.Read",
          client_info: "1",
        },
      })
    ).json();
    const id = decodePayload(tokens.id_token);
    assert.equal(id.nonce, "nonce-1");
    assert.equal(id.aud, DEMO.cli);
    assert.equal(id.preferred_username, DEMO.bob.username);
    assert.deepEqual(id.amr, ["pwd", "mfa"]);
    assert.equal(typeof id.auth_time, "number");
    assert.equal(tokens.scope, "User.Read openid profile");
    assert.equal(typeof tokens.client_info, "string");

    // Same browser, no prompt: the session signs in without a page; prompt=none too.
    const sso = await browser.get(authorizePath({ ...q, state: "state-2" }));
    assert.equal(sso.status, 302);
    assert.ok(new URL(String(sso.headers.location)).searchParams.get("code"));
    const silent = await browser.get(authorizePath({ ...q, prompt: "none", state: "state-3" }));
    assert.ok(new URL(String(silent.headers.location)).searchParams.get("code"));
    // A fresh browser with prompt=none gets login_required.
    const anonymous = await new Browser(emulator).get(authorizePath({ ...q, prompt: "none" }));
    const err = new URL(String(anonymous.headers.location)).searchParams;
    assert.equal(err.get("error"), "login_required");
    assert.match(err.get("error_description") ?? "", /^AADSTS50058: /);
  });
  test("response_mode=form_post answers with an auto-submitting form; declined consent gives access_denied", async () => {
    const browser = new Browser(emulator);
    const q = {
      client_id: DEMO.confidential,
      response_type: "code",
      redirect_uri: "http://localhost:8400",
      scope: "openid User.Read",
      state: "fp",
      response_mode: "form_post",
    };
    const page = await browser.get(authorizePath(q));
    const consent = await browser.submit(page, { login: DEMO.alice.username, passwd: DEMO.alice.password });
    const posted = await browser.submit(consent, {}, { accept: "yes" });
    assert.equal(posted.status, 200);
    assert.match(posted.text, /<form method="POST" name="hiddenform" action="http:\/\/localhost:8400">/);
    assert.match(posted.text, /name="code" value="[^"]+"/);
    assert.match(posted.text, /name="state" value="fp"/);

    const other = new Browser(emulator);
    const page2 = await other.get(authorizePath({ ...q, response_mode: "query", prompt: "consent" }));
    const consent2 = await other.submit(page2, { login: DEMO.alice.username, passwd: DEMO.alice.password });
    const declined = await other.submit(consent2, {}, { accept: "no" });
    const params = new URL(String(declined.headers.location)).searchParams;
    assert.equal(params.get("error"), "access_denied");
    assert.equal(params.get("state"), "fp");
  });
  test("signIn() without authUri completes the sign-in a browser opened, once", async () => {
    const opened = await new Browser(emulator).get(
      authorizePath({
        client_id: DEMO.cli,
        response_type: "code",
        redirect_uri: "http://localhost:4321",
        scope: "openid User.Read",
        state: "opened",
      }),
    );
    assert.match(opened.text, /Sign in/);
    const done = await emulator.signIn({ username: DEMO.alice.username });
    assert.equal(done.params.state, "opened");
    assert.ok(done.params.code);
    assert.equal(new URL(String(done.url)).origin, "http://localhost:4321");
    const txn = /name="txn" value="([^"]+)"/.exec(opened.text)?.[1];
    assert.ok(txn);
    await assert.rejects(emulator.signIn({ txn, username: DEMO.alice.username }), /no pending authorization request/);
  });
});
