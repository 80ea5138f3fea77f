/**
 * The web-app example (examples/web-app) and the web-API example (examples/web-api) in headless Chromium,
 * against the emulator and a real redis-server: Alice and Bob sign in in two browser contexts through the
 * emulator's pages, each sees only their own name and orders; Redis holds one token-cache partition per
 * user and sessions without tokens; sign-out empties the user's partition and destroys the session. Tamper
 * cases: a forged redirect (wrong state) is refused, and the API refuses a missing, misdirected, expired,
 * altered or scope-less token with RFC 6750's challenge.
 *
 * Each page visited is described in the test's diagnostics (title and text); set WEB_APP_SCREENSHOTS to a
 * folder to also keep a screenshot of each.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { createClient } from "redis";
import { ConfidentialClientApplication } from "../../../src/index.ts";
import { IDS } from "../../helpers/emulator.ts";
import { startRedis, type RedisServer } from "../../helpers/redis-server.ts";
import { expectToken } from "../../helpers/results.ts";
import { listen, startDemo, demoApiOptions, type Demo } from "../../../../../examples/web-app/demo.ts";
import { SESSION_PREFIX, TOKEN_PREFIX } from "../../../../../examples/web-app/app.ts";
import { createWebApi, type WebApiOptions } from "../../../../../examples/web-api/app.ts";

type Redis = ReturnType<typeof createClient>;
const USERS = {
  alice: { username: "alice@contoso.com", password: "alice-password", name: "Alice Example", order: "#1001" },
  bob: { username: "bob@contoso.com", password: "bob-password", name: "Bob Example", order: "#2001" },
} as const;
type Who = keyof typeof USERS;
const SHOTS = process.env.WEB_APP_SCREENSHOTS;

describe("web-app example in headless Chromium, with Redis and the emulator", () => {
  let redisServer: RedisServer;
  let redis: Redis;
  let demo: Demo;
  let browser: Browser;
  const contexts = new Map<string, BrowserContext>();
  const visited: string[] = [];

  before(async () => {
    redisServer = await startRedis();
    redis = createClient({ url: redisServer.url });
    await redis.connect();
    demo = await startDemo({ redis });
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    if (SHOTS) mkdirSync(SHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await demo?.close();
    await redis?.quit();
    await redisServer?.stop();
    assert.equal(browser?.isConnected(), false);
  });

  /** A browser context per person: its own cookies (the app's session, the emulator's). */
  async function pageOf(who: string): Promise<Page> {
    let context = contexts.get(who);
    if (!context) {
      // The emulator's certificate comes from its own CA, which this browser does not know.
      context = await browser.newContext({ ignoreHTTPSErrors: true });
      contexts.set(who, context);
    }
    return context.pages()[0] ?? (await context.newPage());
  }

  /** Describes the page shown (for the diagnostics) and returns its text. */
  async function record(page: Page, who: string, step: string): Promise<string> {
    const text = (await page.innerText("body")).replace(/\s+/g, " ").trim();
    const url = new URL(page.url());
    const where = url.origin === demo.emulator.url ? "emulator" : "web app";
    visited.push(`${who}, ${step}: ${where} ${url.pathname} "${await page.title()}": ${text.slice(0, 320)}`);
    if (SHOTS) await page.screenshot({ path: join(SHOTS, `${String(visited.length).padStart(2, "0")}-${who}.png`) });
    return text;
  }

  /** Opens /orders, is sent to the emulator, signs in (MFA, consent when asked) and lands on /orders. */
  async function signIn(who: Who): Promise<string> {
    const user = USERS[who];
    const page = await pageOf(who);
    await page.goto(`${demo.appUrl}/orders`);
    assert.equal(new URL(page.url()).origin, demo.emulator.url, "the protected page sends to the sign-in page");
    await record(page, who, "sign-in page");
    await page.fill("#login", user.username);
    await page.fill("#passwd", user.password);
    await page.click("#idSIButton9");
    await page.locator("#idSIButton9").waitFor({ state: "detached" });
    for (;;) {
      const next = page.locator("#approveMfa, #accept, #owner").first();
      await next.waitFor();
      const id = (await next.getAttribute("id")) ?? "";
      const text = await record(page, who, id === "owner" ? "orders page" : id === "accept" ? "consent" : "MFA");
      if (id === "owner") return text;
      await next.click();
      await page.locator(`#${id}`).waitFor({ state: "detached" });
    }
  }

  const keys = async (prefix: string) => (await redis.keys(`${prefix}*`)).sort();
  /** Sections of a token-cache partition that hold entries. */
  async function sections(key: string): Promise<string[]> {
    const blob = JSON.parse((await redis.get(key)) ?? "{}") as Record<string, object>;
    return Object.keys(blob).filter((k) => Object.keys(blob[k] ?? {}).length > 0);
  }

  it("Alice and Bob sign in in two browsers; each sees their own name and orders, never the other's", async () => {
    const alice = await signIn("alice");
    const bob = await signIn("bob");
    assert.match(alice, /Orders of Alice Example \(alice@contoso\.com\)/);
    assert.match(alice, /#1001 Three blue widgets/);
    assert.match(bob, /Orders of Bob Example \(bob@contoso\.com\)/);
    assert.match(bob, /#2001 Twelve green sprockets/);
    assert.ok(!/Bob|#2001/.test(alice) && !/Alice|#1001/.test(bob), "no one sees the other's data");
    // On-behalf-of: the API called the emulator's Resource Manager as the user.
    assert.match(alice, /on-behalf-of, token from the identity_provider\): Contoso/);
    const obo = demo.emulator.requests().filter((r) => r.form.requested_token_use === "on_behalf_of");
    assert.equal(obo.length, 2);
    assert.deepEqual(
      obo.map((r) => r.form.client_id),
      [IDS.api, IDS.api],
    );
    // Alice's page again, after Bob signed in: still hers, from the token cache in Redis.
    const page = await pageOf("alice");
    await page.goto(`${demo.appUrl}/orders`);
    const again = await record(page, "alice", "orders page, reloaded");
    assert.match(again, /Orders of Alice Example/);
    assert.match(again, /Access token from the cache\./);
    await page.goto(`${demo.appUrl}/`);
    assert.match(await record(page, "alice", "home page"), /Signed in as Alice Example \(alice@contoso\.com\)/);
  });

  it("Redis: one token partition per user, holding only that user's; sessions hold no token", async (t: TestContext) => {
    const partitions = await keys(TOKEN_PREFIX);
    assert.equal(partitions.length, 2, partitions.join());
    assert.ok(partitions.every((k) => k.startsWith(`${TOKEN_PREFIX}user:`)));
    const blobs = await Promise.all(partitions.map(async (k) => (await redis.get(k)) ?? ""));
    const aliceBlob = blobs.find((b) => b.includes("alice@contoso.com")) ?? "";
    const bobBlob = blobs.find((b) => b.includes("bob@contoso.com")) ?? "";
    assert.ok(aliceBlob && bobBlob && !aliceBlob.includes("bob@") && !bobBlob.includes("alice@"));
    for (const k of partitions)
      assert.deepEqual((await sections(k)).sort(), [
        "AccessToken",
        "Account",
        "AppMetadata",
        "IdToken",
        "RefreshToken",
      ]);
    const sessions = await keys(SESSION_PREFIX);
    assert.equal(sessions.length, 2, "one session per browser");
    for (const k of sessions) assert.ok(!/eyJ|"refresh_token"|"secret"/.test((await redis.get(k)) ?? ""));
    const cookie = (await contexts.get("alice")!.cookies(demo.appUrl)).find((c) => c.name === "webapp.sid");
    assert.deepEqual([cookie?.httpOnly, cookie?.sameSite, cookie?.secure], [true, "Lax", false]);
    t.diagnostic(`Redis keys: ${[...partitions, ...sessions].map((k) => k.replace(/[^:]+$/, "…")).join(", ")}`);
  });

  it("sign-out removes Alice's account from the cache and her session; /orders then asks her to sign in", async () => {
    const partitions = await keys(TOKEN_PREFIX);
    const holders = await Promise.all(partitions.map(async (k) => ((await redis.get(k)) ?? "").includes("alice@")));
    const aliceK = partitions[holders.indexOf(true)]!;
    const bobK = partitions[holders.indexOf(false)]!;
    const page = await pageOf("alice");
    await page.goto(`${demo.appUrl}/`);
    await page.click("#sign-out");
    await page.locator("#signed-out").waitFor();
    await record(page, "alice", "after sign-out");
    assert.deepEqual(await sections(aliceK), ["AppMetadata"], "no account or token of Alice's is left");
    assert.deepEqual((await sections(bobK)).length, 5, "Bob's partition is untouched");
    assert.equal((await keys(SESSION_PREFIX)).length, 1, "Alice's session is gone, Bob's stays");
    const cookies = await contexts.get("alice")!.cookies(demo.appUrl);
    assert.ok(!cookies.some((c) => c.name === "webapp.sid"), "the session cookie is cleared");
    // Sign-out went through the emulator's end-session endpoint, which ended her sign-in session there too.
    const logouts = demo.emulator.requests().filter((r) => r.path.endsWith("/oauth2/v2.0/logout"));
    assert.equal(logouts.length, 1, "one end-session request");
    // The protected page sends her to the emulator again, which asks for her credentials (no account to pick).
    await page.goto(`${demo.appUrl}/orders`);
    assert.equal(new URL(page.url()).origin, demo.emulator.url);
    await page.locator("#login").waitFor();
    assert.match(await record(page, "alice", "orders after sign-out"), /Sign in/);
    assert.doesNotMatch(await page.content(), /continueAs/);
    // Bob is still signed in, served from the cache.
    const bob = await pageOf("bob");
    await bob.goto(`${demo.appUrl}/orders`);
    const text = await record(bob, "bob", "orders page after Alice signed out");
    assert.match(text, /Orders of Bob Example[\s\S]*Access token from the cache\./);
  });

  it("a forged redirect with a wrong state is refused and its code never redeemed; the real one works", async () => {
    const page = await pageOf("mallory-target");
    await page.goto(`${demo.appUrl}/sign-in`);
    await page.locator("#login").waitFor();
    const response = await page.goto(`${demo.appUrl}/auth/callback?code=forged-code&state=not-the-state`);
    assert.equal(response?.status(), 400);
    assert.match(await record(page, "alice (3rd browser)", "forged redirect"), /Sign-in refused.*state/);
    const codes = demo.emulator.requests().map((r) => r.form.code);
    assert.ok(!codes.includes("forged-code"), "the forged code was never redeemed");
    // The sign-in in progress was not cancelled by the forgery.
    await page.goBack();
    await page.fill("#login", USERS.alice.username);
    await page.fill("#passwd", USERS.alice.password);
    await page.click("#idSIButton9");
    await page.locator("#user").waitFor();
    assert.match(await record(page, "alice (3rd browser)", "home after sign-in"), /Signed in as Alice Example/);
  });

  after(() => {
    for (const line of visited) console.log(`# page: ${line}`);
  });
});

describe("web-API example: token validation with jose against the emulator's discovery keys", () => {
  let demo: Demo;
  let redisServer: RedisServer;
  let redis: Redis;
  let userToken: string;
  let idToken: string;
  before(async () => {
    redisServer = await startRedis();
    redis = createClient({ url: redisServer.url });
    await redis.connect();
    demo = await startDemo({ redis });
    const web = new ConfidentialClientApplication(IDS.confidential, {
      clientCredential: IDS.confidentialSecret,
      authority: demo.emulator.authority(),
      verify: demo.emulator.caPem,
      instanceDiscovery: false,
    });
    const flow = await web.initiateAuthCodeFlow([IDS.apiScope], { redirectUri: "https://localhost/auth/callback" });
    const { params } = await demo.emulator.signIn({ authUri: flow.auth_uri, ...USERS.alice });
    const result = expectToken(await web.acquireTokenByAuthCodeFlow(flow, params));
    userToken = result.access_token;
    idToken = result.id_token ?? "";
  });
  after(async () => {
    await demo?.close();
    await redis?.quit();
    await redisServer?.stop();
  });

  const call = (token?: string, base = demo.apiUrl) =>
    fetch(`${base}/orders`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  async function refused(r: Response, status: number, header: string): Promise<void> {
    assert.equal(r.status, status);
    assert.equal(r.headers.get("www-authenticate"), header);
  }

  it("a user's token for the API is accepted: Alice's orders", async () => {
    const r = await call(userToken);
    assert.equal(r.status, 200);
    const body = (await r.json()) as { user: { username: string }; orders: string[] };
    assert.equal(body.user.username, "alice@contoso.com");
    assert.deepEqual(body.orders, ["#1001 Three blue widgets", "#1002 One red gadget"]);
  });

  it("no token, or not a bearer token: 401 with a bare Bearer challenge", async () => {
    await refused(await call(), 401, 'Bearer realm="contoso-orders"');
    const basic = await fetch(`${demo.apiUrl}/orders`, { headers: { authorization: "Basic dXNlcjpwYXNz" } });
    await refused(basic, 401, 'Bearer realm="contoso-orders"');
  });

  it("a token for another audience (the web app's ID token) is refused: invalid_token, aud", async () => {
    await refused(
      await call(idToken),
      401,
      'Bearer realm="contoso-orders", error="invalid_token", error_description="the token\'s aud claim is not accepted"',
    );
  });

  /** Runs `work` against another instance of the API, with options changed. */
  async function withApi(change: Partial<WebApiOptions>, work: (url: string) => Promise<void>): Promise<void> {
    const other = await listen();
    other.server.on("request", await createWebApi({ ...demoApiOptions(demo.emulator), ...change }));
    try {
      await work(other.url);
    } finally {
      other.server.close();
      other.server.closeAllConnections();
    }
  }

  it("an expired token is refused (the API's clock two hours on); the same token is accepted now", async () => {
    await withApi({ now: () => new Date(Date.now() + 2 * 3600_000) }, async (url) => {
      const header = 'Bearer realm="contoso-orders", error="invalid_token", error_description="the token has expired"';
      await refused(await call(userToken, url), 401, header);
    });
    assert.equal((await call(userToken)).status, 200);
  });

  it("an altered token (Alice's claims rewritten to Bob's) fails the signature check", async () => {
    const [head, payload, signature] = userToken.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
    claims.preferred_username = "bob@contoso.com";
    const forged = `${head}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${signature}`;
    const header =
      'Bearer realm="contoso-orders", error="invalid_token", error_description="the token\'s signature is not valid"';
    await refused(await call(forged), 401, header);
  });

  it("an application's token: accepted with the API's app role, refused (403) by an API wanting another", async () => {
    const daemon = new ConfidentialClientApplication(IDS.confidential, {
      clientCredential: IDS.confidentialSecret,
      authority: demo.emulator.authority(),
      verify: demo.emulator.caPem,
      instanceDiscovery: false,
    });
    const token = expectToken(await daemon.acquireTokenForClient([IDS.apiDefault])).access_token;
    const claims = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as { roles?: string[] };
    assert.deepEqual(claims.roles, ["Orders.Read.All"]);
    const r = await call(token);
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), {
      application: IDS.confidential,
      orders: ["#1001 Three blue widgets", "#1002 One red gadget", "#2001 Twelve green sprockets"],
    });
    await withApi({ role: "Orders.ReadWrite.All" }, async (url) => {
      const header =
        'Bearer realm="contoso-orders", error="insufficient_scope", ' +
        'error_description="the token needs the scope access_as_user or the role Orders.ReadWrite.All"';
      await refused(await call(token, url), 403, header);
    });
  });
});

describe("examples/web-app/server.ts --emulator", () => {
  it("starts the emulator, the API and the app, prints the app's URL, serves the home page", async () => {
    const redisServer = await startRedis();
    const root = new URL("../../../../../", import.meta.url);
    const child = spawn(process.execPath, ["--import", "tsx", "examples/web-app/server.ts", "--emulator"], {
      cwd: root,
      env: { ...process.env, REDIS_URL: redisServer.url, PORT: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      let out = "";
      child.stderr.setEncoding("utf8").on("data", (c: string) => (out += c));
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.setEncoding("utf8").on("data", (c: string) => {
          out += c;
          const m = /Web app on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.once("exit", () => reject(new Error(`server.ts exited: ${out}`)));
      });
      const home = await fetch(`${url}/`);
      assert.equal(home.status, 200);
      assert.match(await home.text(), /You are not signed in\./);
      const signIn = await fetch(`${url}/sign-in`, { redirect: "manual" });
      assert.equal(signIn.status, 302);
      const authorize = new URL(signIn.headers.get("location") ?? "");
      assert.equal(authorize.searchParams.get("redirect_uri"), `${url}/auth/callback`);
      assert.equal(authorize.searchParams.get("code_challenge_method"), "S256");
      assert.match(signIn.headers.get("set-cookie") ?? "", /^webapp\.sid=.*; HttpOnly; SameSite=Lax$/);
    } finally {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      await redisServer.stop();
    }
  });
});
