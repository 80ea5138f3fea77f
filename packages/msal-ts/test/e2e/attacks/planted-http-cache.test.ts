/**
 * M4: a saved http cache file (saveHttpCache / loadHttpCache) is replayed as real responses. Someone who can
 * write that file plants an OIDC discovery document whose token_endpoint is on another https host; the app
 * would send its client secret there. Against the emulator over real HTTPS: the "other host" is the
 * emulator reached as 127.0.0.1 instead of localhost (its certificate covers both), so the request log
 * shows by its Host header whether anything went there.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Emulator } from "entra-emulator";
import { ConfidentialClientApplication } from "../../../src/index.ts";
import { loadHttpCache, saveHttpCache } from "../../../src/persistence/http-cache-file.ts";
import type { LogLevel } from "../../../src/runtime/logger.ts";
import { IDS, startTestEmulator } from "../../helpers/emulator.ts";
import { SAFETY, assertToken } from "../faults/support.ts";

const GRAPH = "https://graph.microsoft.com/.default";

describe("M4: a planted discovery document in a saved http cache file", () => {
  let emulator: Emulator;
  let dir: string;
  before(async () => {
    emulator = await startTestEmulator();
    dir = mkdtempSync(join(tmpdir(), "msal-ts-planted-"));
  });
  after(async () => {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function app(httpCache: Map<string, unknown>, lines: Array<[LogLevel, string]>) {
    return new ConfidentialClientApplication(IDS.confidential, {
      clientCredential: IDS.confidentialSecret,
      httpCache,
      ...emulator.clientOptions(),
      logger: { log: (level, message) => lines.push([level, message]) },
    });
  }

  it("is dropped with a warning and fetched again; the secret never reaches the other host", SAFETY, async () => {
    const file = join(dir, "http-cache.json");
    const own = new URL(emulator.url).host; // localhost:PORT
    const other = own.replace(/^localhost:/, "127.0.0.1:");
    assert.notEqual(other, own);

    // A first run saves the genuine discovery document.
    const first = new Map<string, unknown>();
    assertToken(await app(first, []).acquireTokenForClient([GRAPH]));
    saveHttpCache(file, first);

    // The attacker moves its token_endpoint (and the other endpoints) to another host.
    const saved = JSON.parse(readFileSync(file, "utf8")) as Record<string, { text: string }>;
    const key = Object.keys(saved).find((k) => k.includes("/.well-known/openid-configuration"));
    assert.ok(key !== undefined, "the first run saved the discovery document");
    const entry = saved[key] as { text: string };
    const doc = JSON.parse(entry.text) as Record<string, unknown>;
    for (const name of [
      "token_endpoint",
      "authorization_endpoint",
      "device_authorization_endpoint",
      "end_session_endpoint",
    ]) {
      doc[name] = String(doc[name]).replace(`//${own}/`, `//${other}/`);
    }
    entry.text = JSON.stringify(doc);
    writeFileSync(file, JSON.stringify(saved));

    emulator.clearRequests();
    const lines: Array<[LogLevel, string]> = [];
    const httpCache = loadHttpCache(file);
    const result = await app(httpCache, lines).acquireTokenForClient([GRAPH]);
    assertToken(result);

    const hosts = emulator.requests().map((r) => r.headers.host);
    assert.ok(!hosts.includes(other), `nothing was sent to ${other}: ${hosts.join(" ")}`);
    const routes = emulator.requests().map((r) => r.route);
    assert.deepEqual(
      routes,
      ["discovery", "token"],
      "the document was fetched again, then the token requested from the real host",
    );
    const token = emulator.requests().find((r) => r.route === "token");
    assert.equal(token?.headers.host, own);

    const warnings = lines.filter(([level]) => level === "warning").map(([, m]) => m);
    assert.equal(warnings.length, 1, `one warning: ${JSON.stringify(lines)}`);
    assert.match(
      warnings[0] ?? "",
      /saved discovery answer .* dropped and fetched again: its (authorization|token)_endpoint is not an https URL on localhost:\d+/,
    );
    for (const [, m] of lines)
      assert.ok(!m.includes(IDS.confidentialSecret) && !m.includes(other), `no secret nor planted value logged: ${m}`);

    // The fresh document replaced the planted one.
    const fresh = JSON.parse((httpCache.get(key) as { text: string }).text) as { token_endpoint: string };
    assert.equal(new URL(fresh.token_endpoint).host, own);
  });

  it("a genuine saved document is replayed: no discovery request on the next run", SAFETY, async () => {
    const file = join(dir, "genuine.json");
    const first = new Map<string, unknown>();
    assertToken(await app(first, []).acquireTokenForClient([GRAPH]));
    saveHttpCache(file, first);
    emulator.clearRequests();
    const lines: Array<[LogLevel, string]> = [];
    assertToken(await app(loadHttpCache(file), lines).acquireTokenForClient([GRAPH]));
    assert.deepEqual(
      emulator.requests().map((r) => r.route),
      ["token"],
    );
    assert.deepEqual(
      lines.filter(([level]) => level === "warning"),
      [],
    );
  });
});
