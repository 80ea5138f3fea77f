/**
 * Peer tests: the unmodified MSAL Python library (Debian's python3-msal 1.21, importable by /usr/bin/python3)
 * against the emulator. Each test drives MSAL through `python/msal_driver.py`, a JSON-lines driver that keeps
 * MSAL's state (apps, token caches, flows with their PKCE verifiers) in one Python process across steps, and
 * checks what MSAL got back and what the emulator saw (its request log).
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { request as httpsRequest } from "node:https";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { defaultConfig, type EmulatorConfig } from "../../src/config.js";
import { startEmulator, type Emulator, type RequestLogEntry } from "../../src/emulator.js";
import { createTestCertificate, type TestCertificate } from "../../src/tls.js";
import { DEMO } from "../helpers.js";

const PYTHON = "/usr/bin/python3";
const DRIVER = fileURLToPath(new URL("./python/msal_driver.py", import.meta.url));
const RPC_LIMIT_MS = 30_000;

const WEB_APP = DEMO.confidential;
const CLI_APP = DEMO.cli;
const FAMILY_A = DEMO.familyA;
const FAMILY_B = DEMO.familyB;
const ORDERS_API = DEMO.api;
const TENANT_ID = DEMO.tenantId;
const WEB_SECRET = DEMO.secret;
const API_SECRET = DEMO.apiSecret;
const ALICE = DEMO.alice;
const BOB = DEMO.bob;
/** A federated user: MSAL signs her in through the emulator's federation server (MEX, WS-Trust, SAML bearer). */
const CAROL = { username: "carol@contoso.com", password: "carol-p&ss<word>" };
const SAML2_BEARER = "urn:ietf:params:oauth:grant-type:saml2-bearer";
const SAML11_BEARER = "urn:ietf:params:oauth:grant-type:saml1_1-bearer";
const REDIRECT = "http://localhost:8400";
const GRAPH_USER_READ = "https://graph.microsoft.com/User.Read";
const ORDERS_SCOPE = "api://contoso-orders/access_as_user";
const JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

type Json = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------------------
// The Python side
// ---------------------------------------------------------------------------------------------------------

interface DriverReply {
  id: number;
  ok: boolean;
  result?: unknown;
  exception?: { type: string; message: string; traceback: string };
}

/** The driver's environment: the machine's CA-bundle variables would override MSAL's `verify=`. */
function pythonEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: "1", PYTHONUNBUFFERED: "1" };
  for (const name of ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "PYTHONPATH", "PYTHONHOME"]) delete env[name];
  env.NO_PROXY = "localhost,127.0.0.1";
  env.no_proxy = "localhost,127.0.0.1";
  return env;
}

const drivers = new Set<MsalPython>();

/** One MSAL Python process; `close()` (or the suite's `after`) ends it. */
class MsalPython {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting = new Map<number, (reply: DriverReply) => void>();
  private nextId = 1;
  private stderr = "";
  private exited: string | undefined;

  constructor() {
    this.child = spawn(PYTHON, ["-u", DRIVER], { env: pythonEnv(), stdio: ["pipe", "pipe", "pipe"] });
    drivers.add(this);
    // A write to a driver that has died fails with EPIPE; the exit handler reports that instead.
    this.child.stdin.on("error", () => undefined);
    this.child.stderr.setEncoding("utf8");
    this.child.stderr.on("data", (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-20_000);
    });
    createInterface({ input: this.child.stdout }).on("line", (line) => {
      let reply: DriverReply;
      try {
        reply = JSON.parse(line) as DriverReply;
      } catch {
        this.stderr += `\n[stdout] ${line}`;
        return;
      }
      this.waiting.get(reply.id)?.(reply);
      this.waiting.delete(reply.id);
    });
    const onEnd = (why: string): void => {
      this.exited = why;
      for (const resolve of this.waiting.values()) {
        resolve({ id: 0, ok: false, exception: { type: "DriverExited", message: why, traceback: this.stderr } });
      }
      this.waiting.clear();
    };
    this.child.on("error", (e) => onEnd(`cannot run ${PYTHON}: ${e.message}`));
    this.child.on("exit", (code, signal) => onEnd(`driver exited (code ${code}, signal ${signal})`));
  }

  /** Sends one command and waits for its reply (a Python exception comes back as `ok: false`). */
  async send(command: Json, limitMs = RPC_LIMIT_MS): Promise<DriverReply> {
    if (this.exited) throw new Error(`${this.exited}\n${this.stderr}`);
    const id = this.nextId++;
    let timer: NodeJS.Timeout | undefined;
    const reply = await new Promise<DriverReply>((resolve) => {
      this.waiting.set(id, resolve);
      timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve({ id, ok: false, exception: { type: "Timeout", message: `no reply to ${command.op} within ${limitMs} ms`, traceback: this.stderr } });
      }, limitMs);
      this.child.stdin.write(`${JSON.stringify({ ...command, id })}\n`);
    });
    clearTimeout(timer);
    return reply;
  }

  /** Sends one command and returns its result; a Python exception fails the test with MSAL's traceback. */
  async ok(command: Json, limitMs?: number): Promise<unknown> {
    const reply = await this.send(command, limitMs);
    if (!reply.ok) {
      const e = reply.exception;
      throw new Error(`MSAL Python raised ${e?.type}: ${e?.message}\n${e?.traceback ?? ""}\n--- stderr ---\n${this.stderr}`);
    }
    return reply.result;
  }

  async app(o: {
    name: string;
    kind: "confidential" | "public";
    clientId: string;
    emulator: Emulator;
    credential?: unknown;
    cache?: string;
    cacheState?: string;
  }): Promise<Json> {
    return (await this.ok({
      op: "app",
      name: o.name,
      kind: o.kind,
      client_id: o.clientId,
      authority: o.emulator.authority(),
      ca: o.emulator.caPath,
      ...(o.credential !== undefined ? { credential: o.credential } : {}),
      ...(o.cache !== undefined ? { cache: o.cache } : {}),
      ...(o.cacheState !== undefined ? { cache_state: o.cacheState } : {}),
    })) as Json;
  }

  /** Calls a method of an MSAL app object; `{ $ref: name }` values refer to results saved with `save`. */
  async call(app: string, method: string, kwargs: Json = {}, save?: string, limitMs?: number): Promise<Json> {
    return (await this.ok({ op: "call", app, method, kwargs, ...(save ? { save } : {}) }, limitMs)) as Json;
  }

  async serializeCache(cache: string): Promise<string> {
    return (await this.ok({ op: "serialize_cache", cache })) as string;
  }

  close(): void {
    drivers.delete(this);
    if (this.exited === undefined && this.child.exitCode === null) {
      this.child.stdin.end();
      this.child.kill("SIGKILL");
    }
  }
}

function closeAllDrivers(): void {
  for (const d of [...drivers]) d.close();
}

// ---------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------

function jwtPart(token: unknown, index: 0 | 1): Json {
  assert.equal(typeof token, "string", "a JWT");
  const parts = (token as string).split(".");
  assert.equal(parts.length, 3, "a compact JWS");
  return JSON.parse(Buffer.from(parts[index] ?? "", "base64url").toString("utf8")) as Json;
}
const claimsOf = (token: unknown): Json => jwtPart(token, 1);
const headerOf = (token: unknown): Json => jwtPart(token, 0);

function tokenRequests(emulator: Emulator, grantType?: string): RequestLogEntry[] {
  return emulator.requests().filter((r) => r.route === "token" && (grantType === undefined || r.form.grant_type === grantType));
}

function assertToken(result: Json, what: string): void {
  assert.equal(result.error, undefined, `${what}: ${String(result.error)} ${String(result.error_description)}`);
  assert.equal(typeof result.access_token, "string", `${what}: an access token`);
  assert.equal(result.token_type, "Bearer");
}

/** Waits for something the emulator will see soon (a client's poll); the limit is only a safety net. */
async function waitFor<T>(what: string, probe: () => T | undefined, limitMs = 20_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface HttpReply {
  status: number;
  location?: string;
  text: string;
}

function httpsCall(url: string, ca: string, form?: Record<string, string>): Promise<HttpReply> {
  const body = form ? new URLSearchParams(form).toString() : undefined;
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: form ? "POST" : "GET",
        ca,
        headers: form ? { "content-type": "application/x-www-form-urlencoded", "content-length": Buffer.byteLength(body ?? "") } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            ...(typeof res.headers.location === "string" ? { location: res.headers.location } : {}),
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.setTimeout(RPC_LIMIT_MS, () => req.destroy(new Error(`no answer from ${url}`)));
    req.on("error", reject);
    req.end(body);
  });
}

const unescapeHtml = (s: string): string =>
  s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

interface HtmlForm {
  action: string;
  fields: Record<string, string>;
}

function formsOf(html: string): HtmlForm[] {
  return [...html.matchAll(/<form\b[^>]*\baction="([^"]*)"[^>]*>([\s\S]*?)<\/form>/gi)].map((m) => {
    const fields: Record<string, string> = {};
    for (const input of (m[2] ?? "").matchAll(/<input\b[^>]*>/gi)) {
      const name = /\bname="([^"]*)"/i.exec(input[0])?.[1];
      const value = /\bvalue="([^"]*)"/i.exec(input[0])?.[1] ?? "";
      if (name !== undefined) fields[unescapeHtml(name)] = unescapeHtml(value);
    }
    return { action: unescapeHtml(m[1] ?? ""), fields };
  });
}

/**
 * Signs a user in the way a browser would: opens the authorization URL, posts the sign-in form (`txn`, `login`,
 * `passwd`), accepts the consent page, and returns the authorization response read from the final redirect.
 */
async function signInThroughPages(authUri: string, ca: string, username: string, password: string): Promise<{ params: Json; pages: string[] }> {
  const pages: string[] = [];
  let reply = await httpsCall(authUri, ca);
  let base = authUri;
  for (let step = 0; step < 6; step++) {
    if (reply.status === 302 && reply.location) {
      const location = new URL(reply.location);
      assert.equal(`${location.origin}${location.pathname.replace(/\/$/, "")}`, REDIRECT, "redirected to the app's redirect URI");
      return { params: Object.fromEntries(location.searchParams), pages };
    }
    assert.equal(reply.status, 200, `an HTML page, got ${reply.status}: ${reply.text.slice(0, 300)}`);
    const forms = formsOf(reply.text);
    const signIn = forms.find((f) => "passwd" in f.fields);
    const consent = forms.find((f) => f.fields.accept === "yes");
    const mfa = forms.find((f) => f.fields.approve === "yes");
    let next: HtmlForm;
    if (signIn) {
      pages.push("sign-in");
      next = { action: signIn.action, fields: { ...signIn.fields, login: username, passwd: password } };
    } else if (consent) {
      pages.push("consent");
      next = consent;
    } else if (mfa) {
      pages.push("mfa");
      next = mfa;
    } else {
      throw new Error(`unexpected page: ${reply.text.slice(0, 500)}`);
    }
    assert.ok(next.fields.txn, "the form carries the transaction id");
    const target = new URL(next.action, base).toString();
    base = target;
    reply = await httpsCall(target, ca, next.fields);
  }
  throw new Error(`sign-in did not finish; pages: ${pages.join(", ")}`);
}

/** The emulator config of the main suite: the demo directory, a certificate on the web app, 1 s device polls. */
function configWithCertificate(cert: TestCertificate): EmulatorConfig {
  const config = defaultConfig();
  const web = config.apps.find((a) => a.clientId === WEB_APP);
  assert.ok(web, "the demo config has the web app");
  web.certificates = [{ pem: cert.certPem }];
  config.deviceCodeInterval = 1;
  return config;
}

/** Runs MSAL's auth code flow with the programmatic sign-in and returns the token result. */
async function authCodeFlow(
  py: MsalPython,
  emulator: Emulator,
  app: string,
  scopes: string[],
  username: string,
): Promise<Json> {
  const flow = await py.call(app, "initiate_auth_code_flow", { scopes, redirect_uri: REDIRECT }, "flow");
  const signIn = await emulator.signIn({ authUri: String(flow.auth_uri), username });
  assert.equal(signIn.params.error, undefined, String(signIn.params.error_description));
  return py.call(app, "acquire_token_by_auth_code_flow", { auth_code_flow: { $ref: "flow" }, auth_response: signIn.params });
}

// ---------------------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------------------

describe("MSAL Python (python3-msal 1.21) against the emulator", () => {
  let emulator: Emulator;
  let cert: TestCertificate;

  before(async () => {
    cert = await createTestCertificate("CN=msal-python peer test");
    emulator = await startEmulator({ config: configWithCertificate(cert), rawRequestLog: true });
    const py = new MsalPython();
    try {
      const v = (await py.ok({ op: "version" })) as Json;
      assert.equal(v.msal, "1.21.0", "the reference client is Debian's MSAL Python 1.21.0");
    } finally {
      py.close();
    }
  });

  after(async () => {
    closeAllDrivers();
    await emulator?.close();
  });

  it("client credentials with a secret; the second look-up is a cache hit", async () => {
    const py = new MsalPython();
    try {
      await py.app({ name: "daemon", kind: "confidential", clientId: WEB_APP, credential: WEB_SECRET, emulator });
      emulator.clearRequests();
      const first = await py.call("daemon", "acquire_token_for_client", { scopes: ["api://contoso-orders/.default"] });
      assertToken(first, "client credentials");
      assert.ok(Number(first.expires_in) > 3000, "about an hour");
      const claims = claimsOf(first.access_token);
      assert.equal(claims.aud, ORDERS_API);
      assert.equal(claims.azp, WEB_APP);
      assert.equal(claims.azpacr, "1", "authenticated with a secret");
      assert.equal(claims.idtyp, "app");
      assert.deepEqual(claims.roles, ["Orders.Read.All"]);
      assert.equal(claims.tid, TENANT_ID);

      const requests = tokenRequests(emulator, "client_credentials");
      assert.equal(requests.length, 1);
      assert.equal(requests[0]?.status, 200);
      assert.equal(requests[0]?.form.client_secret, WEB_SECRET, "MSAL posts the secret in the body");
      assert.equal(requests[0]?.path, `/${TENANT_ID}/oauth2/v2.0/token`, "the token endpoint from discovery names the tenant GUID");

      // MSAL Python 1.21's acquire_token_for_client() always calls the token endpoint (the cache look-up moved
      // into it in 1.23); its documented daemon pattern reads the cache first with acquire_token_silent(account=None).
      const second = await py.call("daemon", "acquire_token_silent", { scopes: ["api://contoso-orders/.default"], account: null });
      assert.ok(second, "a cached token, not None");
      assertToken(second, "cached client credentials");
      assert.equal(second.access_token, first.access_token, "the same token, from MSAL's cache");
      if ("token_source" in second) assert.equal(second.token_source, "cache");
      assert.equal(tokenRequests(emulator).length, 1, "no second token request");
    } finally {
      py.close();
    }
  });

  it("client credentials with a certificate (RS256 client assertion with x5t)", async () => {
    const py = new MsalPython();
    try {
      const credential = { private_key: cert.keyPem, thumbprint: cert.thumbprintSha1 };
      await py.app({ name: "daemon", kind: "confidential", clientId: WEB_APP, credential, emulator });
      emulator.clearRequests();
      const result = await py.call("daemon", "acquire_token_for_client", { scopes: ["https://graph.microsoft.com/.default"] });
      assertToken(result, "certificate credential");
      const claims = claimsOf(result.access_token);
      assert.equal(claims.aud, "https://graph.microsoft.com");
      assert.equal(claims.appidacr, "2", "authenticated with a certificate");

      const [request] = tokenRequests(emulator, "client_credentials");
      assert.ok(request);
      assert.equal(request.status, 200, "the emulator accepted the client assertion");
      assert.equal(request.form.client_assertion_type, JWT_BEARER_ASSERTION);
      assert.equal(request.form.client_secret, undefined);
      const header = headerOf(request.form.client_assertion);
      assert.equal(header.alg, "RS256");
      const x5t = Buffer.from(String(header.x5t).replace(/=+$/, ""), "base64url").toString("hex").toUpperCase();
      assert.equal(x5t, cert.thumbprintSha1, "x5t is the certificate's SHA-1 thumbprint");
      const payload = claimsOf(request.form.client_assertion);
      assert.equal(payload.iss, WEB_APP);
      assert.equal(payload.sub, WEB_APP);
      assert.equal(payload.aud, `${emulator.url}/${TENANT_ID}/oauth2/v2.0/token`);
    } finally {
      py.close();
    }
  });

  it("client credentials with a certificate and public_certificate (x5c)", async () => {
    const py = new MsalPython();
    try {
      const credential = { private_key: cert.keyPem, thumbprint: cert.thumbprintSha1, public_certificate: cert.certPem };
      await py.app({ name: "daemon", kind: "confidential", clientId: WEB_APP, credential, emulator });
      emulator.clearRequests();
      const result = await py.call("daemon", "acquire_token_for_client", { scopes: ["api://contoso-orders/.default"] });
      assertToken(result, "certificate credential with x5c");
      const [request] = tokenRequests(emulator, "client_credentials");
      assert.equal(request?.status, 200);
      const header = headerOf(request?.form.client_assertion);
      assert.ok(Array.isArray(header.x5c) && header.x5c.length === 1, "x5c carries the certificate");
      const der = Buffer.from(String(header.x5c[0]), "base64");
      assert.ok(der.equals(Buffer.from(new X509Certificate(cert.certPem).raw)), "x5c[0] is the registered certificate");
      assert.equal(createHash("sha1").update(der).digest("hex").toUpperCase(), cert.thumbprintSha1);
    } finally {
      py.close();
    }
  });

  it("error: a certificate not registered on the app is AADSTS700027", async () => {
    const stranger = await createTestCertificate("CN=not registered");
    const py = new MsalPython();
    try {
      const credential = { private_key: stranger.keyPem, thumbprint: stranger.thumbprintSha1 };
      await py.app({ name: "daemon", kind: "confidential", clientId: WEB_APP, credential, emulator });
      const result = await py.call("daemon", "acquire_token_for_client", { scopes: ["api://contoso-orders/.default"] });
      assert.equal(result.error, "invalid_client");
      assert.match(String(result.error_description), /^AADSTS700027: /);
      assert.ok(String(result.error_description).includes(stranger.thumbprintSha1), "names the thumbprint the client used");
      assert.deepEqual(result.error_codes, [700027]);
    } finally {
      py.close();
    }
  });

  it("auth code flow with PKCE, signed in through the test-control API", async () => {
    const py = new MsalPython();
    try {
      await py.app({ name: "web", kind: "confidential", clientId: WEB_APP, credential: WEB_SECRET, emulator });
      const flow = await py.call("web", "initiate_auth_code_flow", { scopes: [GRAPH_USER_READ], redirect_uri: REDIRECT }, "flow");
      const authUri = new URL(String(flow.auth_uri));
      assert.equal(`${authUri.origin}${authUri.pathname}`, `${emulator.url}/${TENANT_ID}/oauth2/v2.0/authorize`);
      assert.equal(authUri.searchParams.get("code_challenge_method"), "S256");
      assert.equal(authUri.searchParams.get("redirect_uri"), REDIRECT);

      const signIn = await emulator.signIn({ authUri: String(flow.auth_uri), username: ALICE.username });
      assert.equal(signIn.params.state, flow.state);
      assert.ok(signIn.params.code && signIn.params.client_info);

      emulator.clearRequests();
      const result = await py.call("web", "acquire_token_by_auth_code_flow", { auth_code_flow: { $ref: "flow" }, auth_response: signIn.params });
      assertToken(result, "auth code flow");
      assert.equal(typeof result.refresh_token, "string");
      const idClaims = result.id_token_claims as Json;
      assert.equal(idClaims.preferred_username, ALICE.username);
      assert.equal(idClaims.nonce, createHash("sha256").update(String(flow.nonce)).digest("hex"), "the (hashed) nonce came back");
      assert.equal(idClaims.aud, WEB_APP);
      assert.equal(claimsOf(result.access_token).aud, "https://graph.microsoft.com");
      assert.equal(claimsOf(result.access_token).scp, "User.Read");

      const [request] = tokenRequests(emulator, "authorization_code");
      assert.equal(request?.status, 200);
      assert.ok(request?.form.code_verifier, "MSAL sent the PKCE verifier");
      assert.equal(request?.form.redirect_uri, REDIRECT);

      const accounts = await py.call("web", "get_accounts", {}, "accounts");
      assert.ok(Array.isArray(accounts) && accounts.length === 1);
      assert.equal((accounts[0] as Json).username, ALICE.username);
      assert.equal((accounts[0] as Json).home_account_id, `${claimsOf(result.access_token).oid}.${TENANT_ID}`, "from client_info");
      // The access token is good for an hour: a silent call is answered from MSAL's cache.
      emulator.clearRequests();
      const silent = await py.call("web", "acquire_token_silent", { scopes: [GRAPH_USER_READ], account: { $ref: "accounts", index: 0 } });
      assert.ok(silent, "a cached token, not None");
      assert.equal(silent.access_token, result.access_token);
      assert.equal(tokenRequests(emulator).length, 0, "no token request");
    } finally {
      py.close();
    }
  });

  it("auth code flow with PKCE, signed in through the HTML sign-in and consent pages", async () => {
    const py = new MsalPython();
    try {
      await py.app({ name: "web", kind: "confidential", clientId: WEB_APP, credential: WEB_SECRET, emulator });
      // prompt=consent: the consent page shows even if an earlier test already consented for alice.
      const flow = await py.call(
        "web",
        "initiate_auth_code_flow",
        { scopes: [ORDERS_SCOPE], redirect_uri: REDIRECT, prompt: "consent", login_hint: ALICE.username },
        "flow",
      );
      const { params, pages } = await signInThroughPages(String(flow.auth_uri), emulator.caPem, ALICE.username, ALICE.password);
      assert.deepEqual(pages, ["sign-in", "consent"]);
      assert.equal(params.state, flow.state);

      const result = await py.call("web", "acquire_token_by_auth_code_flow", { auth_code_flow: { $ref: "flow" }, auth_response: params });
      assertToken(result, "auth code flow via HTML pages");
      const claims = claimsOf(result.access_token);
      assert.equal(claims.aud, ORDERS_API);
      assert.equal(claims.scp, "access_as_user");
      assert.equal(claims.upn ?? claims.preferred_username, ALICE.username);
      assert.equal((result.id_token_claims as Json).preferred_username, ALICE.username);
    } finally {
      py.close();
    }
  });

  it("device code flow (approved while MSAL polls)", async () => {
    const py = new MsalPython();
    try {
      await py.app({ name: "cli", kind: "public", clientId: CLI_APP, emulator });
      emulator.clearRequests();
      const flow = await py.call("cli", "initiate_device_flow", { scopes: [GRAPH_USER_READ] }, "flow");
      assert.equal(flow.interval, 1);
      assert.equal(typeof flow.user_code, "string");
      assert.match(String(flow.message), new RegExp(String(flow.user_code)));

      const DEVICE = "urn:ietf:params:oauth:grant-type:device_code";
      const pending = py.call("cli", "acquire_token_by_device_flow", { flow: { $ref: "flow" } });
      // Approve once MSAL has been told authorization_pending at least once.
      await waitFor("a pending device-code poll", () =>
        tokenRequests(emulator, DEVICE).find((r) => r.status === 400) ? true : undefined,
      );
      emulator.approveDevice(String(flow.user_code), ALICE.username);
      const result = await pending;
      assertToken(result, "device code flow");
      assert.equal((result.id_token_claims as Json).preferred_username, ALICE.username);
      assert.equal(claimsOf(result.access_token).appid, CLI_APP);

      const polls = tokenRequests(emulator, DEVICE);
      assert.ok(polls.length >= 2, "at least one pending poll and the successful one");
      assert.equal(polls.at(-1)?.status, 200);
      assert.ok(polls.slice(0, -1).every((r) => r.status === 400), "the earlier polls were authorization_pending");
      // MSAL adds 5 s to the flow's interval on slow_down: the interval unchanged means it never was told to.
      const after = (await py.ok({ op: "get", ref: "flow" })) as Json;
      assert.equal(after.interval, 1, "no slow_down");
    } finally {
      py.close();
    }
  });

  it("on-behalf-of: the API exchanges the user's token for a Graph token", async () => {
    const py = new MsalPython();
    try {
      await py.app({ name: "cli", kind: "public", clientId: CLI_APP, emulator });
      await py.app({ name: "api", kind: "confidential", clientId: ORDERS_API, credential: API_SECRET, emulator });
      const user = await authCodeFlow(py, emulator, "cli", [ORDERS_SCOPE], ALICE.username);
      assertToken(user, "user token for the API");
      const userClaims = claimsOf(user.access_token);
      assert.equal(userClaims.aud, ORDERS_API);

      emulator.clearRequests();
      const obo = await py.call("api", "acquire_token_on_behalf_of", { user_assertion: user.access_token, scopes: [GRAPH_USER_READ] });
      assertToken(obo, "on-behalf-of");
      const claims = claimsOf(obo.access_token);
      assert.equal(claims.aud, "https://graph.microsoft.com");
      assert.equal(claims.scp, "User.Read");
      assert.equal(claims.appid, ORDERS_API);
      assert.equal(claims.oid, userClaims.oid, "the same user");

      const [request] = tokenRequests(emulator, "urn:ietf:params:oauth:grant-type:jwt-bearer");
      assert.equal(request?.status, 200);
      assert.equal(request?.form.requested_token_use, "on_behalf_of");
      assert.equal(request?.form.assertion, user.access_token);
    } finally {
      py.close();
    }
  });

  it("FOCI: a family app signs in silently with the other family app's refresh token", async () => {
    const a = new MsalPython();
    const b = new MsalPython();
    const c = new MsalPython();
    try {
      await a.app({ name: "mail", kind: "public", clientId: FAMILY_A, emulator, cache: "shared" });
      const first = await authCodeFlow(a, emulator, "mail", [GRAPH_USER_READ], ALICE.username);
      assertToken(first, "family app A");
      const state = await a.serializeCache("shared");
      const cache = JSON.parse(state) as { RefreshToken?: Record<string, Json> };
      const familyRts = Object.values(cache.RefreshToken ?? {}).filter((rt) => rt.family_id === "1");
      assert.equal(familyRts.length, 1, "MSAL stored a family refresh token");

      // Another process, another app, the same (deserialized) cache.
      await b.app({ name: "calendar", kind: "public", clientId: FAMILY_B, emulator, cache: "shared", cacheState: state });
      emulator.clearRequests();
      const accounts = await b.call("calendar", "get_accounts", {}, "accounts");
      assert.ok(Array.isArray(accounts) && accounts.length === 1, "B sees A's account");
      assert.equal((accounts[0] as Json).username, ALICE.username);
      const result = await b.call("calendar", "acquire_token_silent", {
        scopes: [GRAPH_USER_READ],
        account: { $ref: "accounts", index: 0 },
      });
      assert.ok(result, "a token, not None");
      assertToken(result, "family app B");
      const claims = claimsOf(result.access_token);
      assert.equal(claims.appid, FAMILY_B);
      assert.equal(claims.oid, claimsOf(first.access_token).oid);

      const requests = emulator.requests();
      assert.ok(!requests.some((r) => ["authorize", "devicecode"].includes(r.route ?? "")), "no new sign-in");
      const refreshes = tokenRequests(emulator, "refresh_token");
      assert.equal(refreshes.length, 1);
      assert.equal(refreshes[0]?.status, 200);
      assert.equal(refreshes[0]?.form.client_id, FAMILY_B);
      assert.equal(refreshes[0]?.form.refresh_token, familyRts[0]?.secret, "B redeemed A's family refresh token");

      // An app outside the family cannot redeem the family refresh token: MSAL tries, Entra refuses, MSAL gives up.
      await c.app({ name: "cli", kind: "public", clientId: CLI_APP, emulator, cache: "shared", cacheState: state });
      emulator.clearRequests();
      await c.call("cli", "get_accounts", {}, "accounts");
      const outsider = await c.call("cli", "acquire_token_silent", { scopes: [GRAPH_USER_READ], account: { $ref: "accounts", index: 0 } });
      assert.equal(outsider, null, "no token for an app outside the family");
      const refused = tokenRequests(emulator, "refresh_token");
      assert.equal(refused.length, 1);
      assert.equal(refused[0]?.form.client_id, CLI_APP);
      assert.equal(refused[0]?.status, 400, "invalid_grant (client_mismatch)");
    } finally {
      a.close();
      b.close();
      c.close();
    }
  });

  it("error: wrong client secret is AADSTS7000215 in Entra's shape", async () => {
    const py = new MsalPython();
    try {
      await py.app({ name: "daemon", kind: "confidential", clientId: WEB_APP, credential: "not-the-secret", emulator });
      emulator.clearRequests();
      const result = await py.call("daemon", "acquire_token_for_client", { scopes: ["api://contoso-orders/.default"] });
      assert.equal(result.error, "invalid_client");
      const description = String(result.error_description);
      assert.match(description, /^AADSTS7000215: /);
      assert.match(description, /\r\nTrace ID: [0-9a-f-]{36}\r\n/);
      assert.match(description, /\r\nCorrelation ID: [0-9a-f-]{36}\r\n/);
      assert.match(description, /\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
      assert.deepEqual(result.error_codes, [7000215]);
      assert.equal(result.access_token, undefined);
      assert.ok(description.includes(`Trace ID: ${String(result.trace_id)}\r\n`), "trace_id matches the description");
      assert.ok(description.endsWith(`Timestamp: ${String(result.timestamp)}`), "timestamp matches the description");
      assert.equal(result.error_uri, "https://login.microsoftonline.com/error?code=7000215");
      const [request] = tokenRequests(emulator);
      assert.equal(request?.status, 401);
      assert.equal(result.correlation_id, request?.headers["client-request-id"], "the correlation id echoes MSAL's client-request-id");
    } finally {
      py.close();
    }
  });

  it("error: redeeming a code with another redirect_uri is AADSTS500112", async () => {
    const py = new MsalPython();
    try {
      await py.app({ name: "web", kind: "confidential", clientId: WEB_APP, credential: WEB_SECRET, emulator });
      const flow = await py.call("web", "initiate_auth_code_flow", { scopes: [GRAPH_USER_READ], redirect_uri: REDIRECT }, "flow");
      const signIn = await emulator.signIn({ authUri: String(flow.auth_uri), username: ALICE.username });
      assert.ok(signIn.params.code);
      // The app redeems the code with a different (also registered) redirect URI than it authorized with.
      await py.ok({ op: "set", ref: "flow", key: "redirect_uri", value: "https://localhost/auth/callback" });
      const result = await py.call("web", "acquire_token_by_auth_code_flow", { auth_code_flow: { $ref: "flow" }, auth_response: signIn.params });
      assert.equal(result.error, "invalid_grant");
      assert.match(String(result.error_description), /^AADSTS500112: /);
      assert.deepEqual(result.error_codes, [500112]);
    } finally {
      py.close();
    }
  });

  it("error: an unregistered redirect URI is AADSTS50011 at the authorize endpoint", async () => {
    const py = new MsalPython();
    try {
      await py.app({ name: "web", kind: "confidential", clientId: WEB_APP, credential: WEB_SECRET, emulator });
      const flow = await py.call("web", "initiate_auth_code_flow", { scopes: [GRAPH_USER_READ], redirect_uri: "https://app.example/not-registered" });
      await assert.rejects(emulator.signIn({ authUri: String(flow.auth_uri), username: ALICE.username }), (e: Error & { aadsts?: number }) => {
        assert.equal(e.aadsts, 50011);
        assert.match(e.message, /redirect URI 'https:\/\/app\.example\/not-registered'/);
        return true;
      });
      // A browser gets Entra's error page (not a redirect to the unregistered URI).
      const page = await httpsCall(String(flow.auth_uri), emulator.caPem);
      assert.ok(page.status < 300 || page.status >= 400, `not a redirect (got ${page.status})`);
      assert.equal(page.location, undefined);
      assert.match(page.text, /AADSTS50011/);
    } finally {
      py.close();
    }
  });
});

describe("MSAL Python: silent refresh of an expired access token", () => {
  let emulator: Emulator;

  before(async () => {
    const config = defaultConfig();
    // MSAL treats a token with less than 5 minutes left as expired.
    config.tokenLifetimes = { accessToken: 120 };
    emulator = await startEmulator({ config, rawRequestLog: true });
  });

  after(async () => {
    closeAllDrivers();
    await emulator?.close();
  });

  it("acquire_token_silent redeems the refresh token", async () => {
    const py = new MsalPython();
    try {
      await py.app({ name: "cli", kind: "public", clientId: CLI_APP, emulator });
      const first = await authCodeFlow(py, emulator, "cli", [GRAPH_USER_READ], ALICE.username);
      assertToken(first, "interactive token");
      assert.ok(Number(first.expires_in) <= 120);
      const accounts = await py.call("cli", "get_accounts", {}, "accounts");
      assert.ok(Array.isArray(accounts) && accounts.length === 1);

      emulator.clearRequests();
      const silent = await py.call("cli", "acquire_token_silent", { scopes: [GRAPH_USER_READ], account: { $ref: "accounts", index: 0 } });
      assert.ok(silent, "a token, not None");
      assertToken(silent, "silent refresh");
      assert.notEqual(silent.access_token, first.access_token, "a new access token");
      const refreshes = tokenRequests(emulator, "refresh_token");
      assert.equal(refreshes.length, 1, "one refresh_token grant");
      assert.equal(refreshes[0]?.status, 200);
      assert.equal(refreshes[0]?.form.refresh_token, first.refresh_token);
      assert.equal(refreshes[0]?.form.client_id, CLI_APP);
    } finally {
      py.close();
    }
  });
});

describe("MSAL Python: username/password (emulator on port 443)", () => {
  let emulator: Emulator;

  before(async () => {
    // MSAL Python drops the port from the user-realm URL (https://localhost/common/userrealm/...).
    const config = defaultConfig();
    config.users.push({ ...CAROL, tenant: DEMO.tenant, federated: true });
    emulator = await startEmulator({ port: 443, config });
  });

  after(async () => {
    closeAllDrivers();
    await emulator?.close();
  });

  it("username/password for a managed user (alice)", async () => {
    const py = new MsalPython();
    try {
      await py.app({ name: "cli", kind: "public", clientId: CLI_APP, emulator });
      emulator.clearRequests();
      const result = await py.call("cli", "acquire_token_by_username_password", {
        username: ALICE.username,
        password: ALICE.password,
        scopes: [GRAPH_USER_READ],
      });
      assertToken(result, "username/password");
      assert.equal((result.id_token_claims as Json).preferred_username, ALICE.username);
      assert.equal(typeof result.refresh_token, "string");

      const realm = emulator.requests().find((r) => r.route === "userrealm");
      assert.ok(realm, "MSAL asked for the user realm");
      assert.equal(realm.path, `/common/userrealm/${ALICE.username}`);
      assert.equal(realm.status, 200);
      const [request] = tokenRequests(emulator, "password");
      assert.equal(request?.status, 200);
      assert.equal(request?.form.username, ALICE.username);
    } finally {
      py.close();
    }
  });

  it("error: username/password for a user who needs MFA (bob) is AADSTS50076 with suberror", async () => {
    const py = new MsalPython();
    try {
      await py.app({ name: "cli", kind: "public", clientId: CLI_APP, emulator });
      const result = await py.call("cli", "acquire_token_by_username_password", {
        username: BOB.username,
        password: BOB.password,
        scopes: [GRAPH_USER_READ],
      });
      assert.equal(result.error, "invalid_grant");
      assert.match(String(result.error_description), /^AADSTS50076: /);
      assert.deepEqual(result.error_codes, [50076]);
      assert.equal(result.suberror, "basic_action");
      assert.equal(typeof result.claims, "string", "a claims challenge");
      assert.equal(result.access_token, undefined);
    } finally {
      py.close();
    }
  });

  it("username/password for a federated user (carol): user realm, MEX, WS-Trust 1.3, then the SAML 2.0 bearer grant", async () => {
    const py = new MsalPython();
    try {
      await py.app({ name: "cli", kind: "public", clientId: CLI_APP, emulator, cache: "fed" });
      emulator.clearRequests();
      const result = await py.call("cli", "acquire_token_by_username_password", {
        username: CAROL.username,
        password: CAROL.password,
        scopes: [GRAPH_USER_READ],
      });
      assertToken(result, "federated username/password");
      const idClaims = result.id_token_claims as Json;
      assert.equal(idClaims.preferred_username, CAROL.username);
      assert.deepEqual(idClaims.amr, ["fed"]);
      assert.equal(typeof result.refresh_token, "string");

      const seen = emulator.requests().filter((r) => r.route !== "discovery").map((r) => `${r.method} ${r.path} ${r.status}`);
      assert.deepEqual(seen, [
        `GET /common/userrealm/${CAROL.username} 200`,
        "GET /adfs/services/trust/mex 200",
        "POST /adfs/services/trust/13/usernamemixed 200",
        `POST /${TENANT_ID}/oauth2/v2.0/token 200`,
      ]);
      const wsTrust = emulator.requests().find((r) => r.route === "wstrust");
      assert.equal(wsTrust?.soap?.action, "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue");
      assert.equal(wsTrust?.soap?.username, CAROL.username);
      assert.equal(wsTrust?.soap?.applies_to, "urn:federation:MicrosoftOnline");
      assert.match(wsTrust?.soap?.password ?? "", /^\[masked: 16 chars, sha256 [0-9a-f]{4}\]$/);
      const [grant] = tokenRequests(emulator, SAML2_BEARER);
      assert.equal(grant?.form.client_id, CLI_APP);
      assert.match(grant?.form.assertion ?? "", /^\[masked: \d+ chars/);
      assert.equal(tokenRequests(emulator, "password").length, 0, "no password grant for a federated user");

      const accounts = (await py.call("cli", "get_accounts", { username: CAROL.username })) as unknown as Json[];
      assert.equal(accounts.length, 1, "MSAL cached the federated user's account");
    } finally {
      py.close();
    }
  });

  it("username/password for a federated user through WS-Trust 2005 (a realm without MEX): SAML 1.1 bearer grant", async () => {
    const py = new MsalPython();
    try {
      await py.app({ name: "cli", kind: "public", clientId: CLI_APP, emulator });
      emulator.clearRequests();
      // A realm that names only the active endpoint, as Entra does for a federation without metadata.
      emulator.addFault({
        route: "userrealm",
        status: 200,
        body: {
          ver: "1.0",
          account_type: "Federated",
          domain_name: "contoso.com",
          federation_protocol: "WSTrust",
          federation_active_auth_url: `${emulator.url}/adfs/services/trust/2005/usernamemixed`,
          cloud_audience_urn: "urn:federation:MicrosoftOnline",
          cloud_instance_name: "microsoftonline.com",
        },
      });
      const result = await py.call("cli", "acquire_token_by_username_password", {
        username: CAROL.username,
        password: CAROL.password,
        scopes: [GRAPH_USER_READ],
      });
      assertToken(result, "federated username/password over WS-Trust 2005");
      assert.equal((result.id_token_claims as Json).preferred_username, CAROL.username);
      const wsTrust = emulator.requests().find((r) => r.route === "wstrust");
      assert.equal(wsTrust?.path, "/adfs/services/trust/2005/usernamemixed");
      assert.equal(wsTrust?.soap?.action, "http://schemas.xmlsoap.org/ws/2005/02/trust/RST/Issue");
      assert.equal(emulator.requests().some((r) => r.route === "mex"), false, "no MEX without its URL");
      assert.equal(tokenRequests(emulator, SAML11_BEARER)[0]?.status, 200);
    } finally {
      py.close();
    }
  });

  it("error: a wrong password for a federated user is the federation server's ID3242 fault", async () => {
    const py = new MsalPython();
    try {
      await py.app({ name: "cli", kind: "public", clientId: CLI_APP, emulator });
      emulator.clearRequests();
      const reply = await py.send({
        op: "call",
        app: "cli",
        method: "acquire_token_by_username_password",
        kwargs: { username: CAROL.username, password: "not-carols-password", scopes: [GRAPH_USER_READ] },
      });
      assert.equal(reply.ok, false);
      assert.equal(reply.exception?.type, "RuntimeError");
      assert.match(reply.exception?.message ?? "", /ID3242: The security token could not be authenticated or authorized\./);
      assert.match(reply.exception?.message ?? "", /a:FailedAuthentication/);
      assert.equal(emulator.requests().find((r) => r.route === "wstrust")?.status, 500);
      assert.equal(tokenRequests(emulator).length, 0, "no token request after the fault");
    } finally {
      py.close();
    }
  });
});
