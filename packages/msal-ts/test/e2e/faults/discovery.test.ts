/**
 * Faults at OIDC discovery (route `discovery`, the tenant's openid-configuration) for an application that
 * starts with a cache already holding a valid token, as a new process would. Discovery comes before any
 * cache read, so a failed discovery fails the call with a typed MsalError, is not remembered, makes no
 * token request and loses no cache entry; once discovery answers again, the cached token is served.
 */
import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import type { Emulator } from "entra-emulator";
import {
  AuthorityError,
  ConfidentialClientApplication,
  MsalError,
  NetworkError,
  SerializableTokenCache,
  ServerError,
} from "../../../src/index.ts";
import { IDS, emulatorOptions, startTestEmulator } from "../../helpers/emulator.ts";
import {
  HTML_PAGE,
  SAFETY,
  TRUNCATED_JSON,
  assertCacheUnchanged,
  assertToken,
  entraError,
  routeCount,
  snapshot,
} from "./support.ts";
import { expectToken } from "../../helpers/results.ts";

type Check = (e: unknown) => boolean;
const authorityError =
  (why: RegExp): Check =>
  (e) =>
    e instanceof AuthorityError &&
    e.code === "invalid_authority" &&
    /Unable to get authority configuration/.test(e.message) &&
    why.test(e.message);
const serverError =
  (status: number): Check =>
  (e) =>
    e instanceof ServerError &&
    e.status === status &&
    new RegExp(`OIDC discovery at https://localhost:\\d+/.* failed with HTTP ${status}`).test(e.message);

describe("OIDC discovery faults", () => {
  let emulator: Emulator;
  let seed: string;
  before(async () => {
    emulator = await startTestEmulator();
    const cache = new SerializableTokenCache();
    const app = new ConfidentialClientApplication(IDS.confidential, {
      clientCredential: IDS.confidentialSecret,
      tokenCache: cache,
      ...emulatorOptions(emulator),
    });
    assertToken(await app.acquireTokenForClient([IDS.apiDefault]));
    seed = snapshot(cache);
  });
  after(() => emulator.close());
  afterEach(() => emulator.clearFaults());

  /** A new application over a copy of the seeded cache: its first call needs discovery. */
  function fresh(o: { timeout?: number } = {}) {
    const cache = new SerializableTokenCache();
    cache.deserialize(seed);
    const app = new ConfidentialClientApplication(IDS.confidential, {
      clientCredential: IDS.confidentialSecret,
      tokenCache: cache,
      ...emulatorOptions(emulator),
      ...(o.timeout !== undefined ? { timeout: o.timeout } : {}),
    });
    return {
      app,
      cache,
      before: snapshot(cache),
      discoveries: () => routeCount(emulator, "discovery"),
      tokens: () => routeCount(emulator, "token"),
    };
  }

  /** After the fault is spent, the same application discovers again and serves the cached token without a token request. */
  async function recovers(f: ReturnType<typeof fresh>, discoveriesBefore: number): Promise<void> {
    const tokens = f.tokens();
    const r = await f.app
      .acquireTokenForClient([IDS.apiDefault])
      .catch((e: unknown) =>
        assert.fail(
          `the application did not recover (${e instanceof Error ? e.name : "error"}); discovery requests since the fault: ${f.discoveries() - discoveriesBefore}`,
        ),
      );
    assertToken(r);
    assert.equal(expectToken(r).token_source, "cache", "the cached token is served");
    assert.equal(f.tokens(), tokens, "no token request");
    assert.ok(f.discoveries() > discoveriesBefore, "a failed discovery is not remembered: it is tried again");
    assertCacheUnchanged(f.before, snapshot(f.cache));
  }

  const cases: [name: string, fault: Parameters<Emulator["addFault"]>[0], check: Check, sent: number][] = [
    [
      "429 with Retry-After",
      {
        route: "discovery",
        status: 429,
        retryAfter: 30,
        body: entraError("temporarily_unavailable", 50196, "Too many requests."),
      },
      authorityError(/answered HTTP 429: temporarily_unavailable/),
      1,
    ],
    [
      "429 without Retry-After",
      { route: "discovery", status: 429, body: entraError("temporarily_unavailable", 50196, "Too many requests.") },
      authorityError(/answered HTTP 429/),
      1,
    ],
    [
      "500",
      { route: "discovery", status: 500, body: entraError("server_error", 90033, "Transient.") },
      serverError(500),
      1,
    ],
    ["503 with Retry-After", { route: "discovery", status: 503, retryAfter: 10 }, serverError(503), 1],
    [
      "two dropped connections (the GET is retried once)",
      { route: "discovery", drop: true, count: 2 },
      (e) =>
        e instanceof NetworkError &&
        e.code === "network_error" &&
        /GET https:\/\/localhost:\d+ failed after 2 attempts/.test(e.message),
      2,
    ],
    [
      "truncated JSON with status 200",
      { route: "discovery", status: 200, body: TRUNCATED_JSON, contentType: "application/json" },
      authorityError(/body that is not a JSON object/),
      1,
    ],
    [
      "an HTML page with status 200",
      { route: "discovery", status: 200, body: HTML_PAGE, contentType: "text/html" },
      authorityError(/body that is not a JSON object/),
      1,
    ],
    [
      "an HTML page with status 500",
      { route: "discovery", status: 500, body: HTML_PAGE, contentType: "text/html" },
      serverError(500),
      1,
    ],
    [
      "a 200 document with http endpoints",
      {
        route: "discovery",
        status: 200,
        body: {
          authorization_endpoint: "http://evil.example/t/oauth2/v2.0/authorize",
          token_endpoint: "http://evil.example/t/oauth2/v2.0/token",
        },
      },
      authorityError(/authorization_endpoint that is not an https URL/),
      1,
    ],
    [
      "a 200 document without endpoints",
      { route: "discovery", status: 200, body: { issuer: "https://localhost/t/v2.0" } },
      authorityError(/without authorization_endpoint/),
      1,
    ],
    [
      "a 200 document whose token endpoint names no tenant",
      {
        route: "discovery",
        status: 200,
        body: {
          authorization_endpoint: "https://localhost/t/oauth2/v2.0/authorize",
          token_endpoint: "https://localhost/",
        },
      },
      authorityError(/token_endpoint without a tenant/),
      1,
    ],
    [
      "a 200 JSON array",
      { route: "discovery", status: 200, body: "[]", contentType: "application/json" },
      authorityError(/not a JSON object/),
      1,
    ],
  ];

  for (const [name, fault, check, sent] of cases) {
    describe(name, () => {
      let f: ReturnType<typeof fresh>;
      let discoveries = 0;
      it("thrown typed MsalError, no token request, no cache entry lost", SAFETY, async () => {
        f = fresh();
        discoveries = f.discoveries();
        const tokens = f.tokens();
        emulator.addFault(fault);
        await assert.rejects(
          f.app.acquireTokenForClient([IDS.apiDefault]),
          (e: unknown) => e instanceof MsalError && check(e),
        );
        assert.equal(f.discoveries(), discoveries + sent, `discovery requests sent: ${sent}`);
        assert.equal(f.tokens(), tokens, "no token request without an authority");
        assertCacheUnchanged(f.before, snapshot(f.cache));
      });
      it("once discovery answers again, the same application serves the cached token", SAFETY, async () => {
        assert.ok(f, "the fault case ran");
        emulator.clearFaults();
        await recovers(f, discoveries + sent);
      });
    });
  }

  it("a malformed 200 answer is not kept for other applications sharing the httpCache", SAFETY, async () => {
    const httpCache = new Map<string, unknown>();
    const options = { clientCredential: IDS.confidentialSecret, httpCache, ...emulatorOptions(emulator) };
    const discoveries = routeCount(emulator, "discovery");
    emulator.addFault({ route: "discovery", status: 200, body: HTML_PAGE, contentType: "text/html" });
    const first = new ConfidentialClientApplication(IDS.confidential, options);
    await assert.rejects(first.acquireTokenForClient([IDS.apiDefault]), AuthorityError);
    // A second application (e.g. the next process, with the httpCache saved by saveHttpCache) must ask again.
    const second = new ConfidentialClientApplication(IDS.confidential, options);
    const r = await second
      .acquireTokenForClient([IDS.apiDefault])
      .catch((e: unknown) =>
        assert.fail(
          `a new application sharing the httpCache failed too (${e instanceof Error ? e.name : "error"}): the malformed answer was kept`,
        ),
      );
    assertToken(r);
    assert.equal(routeCount(emulator, "discovery"), discoveries + 2);
  });

  it("one dropped connection: the GET is retried once and the call succeeds", SAFETY, async () => {
    const f = fresh();
    const discoveries = f.discoveries();
    emulator.addFault({ route: "discovery", drop: true });
    const r = await f.app.acquireTokenForClient([IDS.apiDefault]);
    assertToken(r);
    assert.equal(expectToken(r).token_source, "cache");
    assert.equal(f.discoveries(), discoveries + 2, "sent twice");
    assertCacheUnchanged(f.before, snapshot(f.cache));
  });

  it("an answer slower than timeout: NetworkError code timeout, no retry", SAFETY, async () => {
    const f = fresh({ timeout: 1 });
    const discoveries = f.discoveries();
    emulator.addFault({ route: "discovery", delayMs: 4_000, status: 500 });
    await assert.rejects(
      f.app.acquireTokenForClient([IDS.apiDefault]),
      (e: unknown) =>
        e instanceof NetworkError &&
        e.code === "timeout" &&
        /GET https:\/\/localhost:\d+ failed: no complete response within 1 s/.test(e.message),
    );
    assert.equal(f.discoveries(), discoveries + 1);
    assertCacheUnchanged(f.before, snapshot(f.cache));
    await recovers(f, discoveries + 1);
  });

  it("concurrent callers share one failed discovery, and the next call tries again", SAFETY, async () => {
    const f = fresh();
    const discoveries = f.discoveries();
    emulator.addFault({ route: "discovery", status: 503 });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => f.app.acquireTokenForClient([IDS.apiDefault])),
    );
    assert.ok(results.every((r) => r.status === "rejected" && r.reason instanceof ServerError));
    assert.equal(f.discoveries(), discoveries + 1, "one discovery for 20 callers");
    await recovers(f, discoveries + 1);
  });

  it("a discovery that succeeded once is not asked again: later discovery faults do not matter", SAFETY, async () => {
    const f = fresh();
    assertToken(await f.app.acquireTokenForClient([IDS.apiDefault]));
    const discoveries = f.discoveries();
    emulator.addFault({ route: "discovery", status: 500, count: 10 });
    const r = await f.app.acquireTokenForClient([IDS.apiDefault]);
    assert.equal(expectToken(r).token_source, "cache");
    assert.equal(f.discoveries(), discoveries);
    assertCacheUnchanged(f.before, snapshot(f.cache));
  });
});
