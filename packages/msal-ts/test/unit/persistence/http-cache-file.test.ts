/**
 * The httpCache JSON file recipe: round trip, private mode, missing and corrupt files.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { ExpiringResponseCache } from "../../../src/http/http-cache.ts";
import { loadHttpCache, saveHttpCache } from "../../../src/persistence/http-cache-file.ts";
import type { LogLevel } from "../../../src/runtime/logger.ts";

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "msal-ts-http-"));
  file = join(dir, "app", "http-cache.json");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("loadHttpCache / saveHttpCache", () => {
  it("a missing file is an empty Map", () => {
    const map = loadHttpCache(file);
    assert.ok(map instanceof Map);
    assert.equal(map.size, 0);
  });

  it("round-trips what the library's http cache stores, in a 0600 file", () => {
    const clock = { now: () => 1_700_000_000_000, sleep: async () => undefined };
    const store = new Map<string, unknown>();
    const before = new ExpiringResponseCache({ store, clock });
    before.set(
      "GET https://login.microsoftonline.com/common/discovery/instance 2xx",
      { status_code: 200, text: '{"tenant_discovery_endpoint": "x"}', headers: { "content-type": "application/json" } },
      86_400,
    );
    store.set("__proto__", { odd: "key" });
    saveHttpCache(file, store);
    if (process.platform !== "win32") assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(join(dir, "app")), ["http-cache.json"]);

    const loaded = loadHttpCache(file);
    assert.deepEqual(loaded, store);
    const after = new ExpiringResponseCache({ store: loaded, clock });
    assert.equal(after.get("GET https://login.microsoftonline.com/common/discovery/instance 2xx")?.status_code, 200);
  });

  for (const [name, content] of [
    ["truncated JSON", '{"GET x": {'],
    ["a JSON array", "[1, 2]"],
    ["JSON null", "null"],
  ] as const) {
    it(`a corrupt file (${name}) gives an empty Map and is moved aside with a warning`, () => {
      saveHttpCache(file, new Map()); // creates the folder, 0600
      writeFileSync(file, content);
      const lines: Array<[LogLevel, string]> = [];
      const map = loadHttpCache(file, { logger: { log: (level, m) => lines.push([level, m]) } });
      assert.equal(map.size, 0);
      assert.equal(existsSync(file), false);
      const aside = readdirSync(join(dir, "app")).filter((n) => n.startsWith("http-cache.json.corrupt-"));
      assert.equal(aside.length, 1);
      assert.equal(readFileSync(join(dir, "app", aside[0] ?? ""), "utf8"), content);
      assert.ok(lines.some(([level, m]) => level === "warning" && m.includes("moved it to")));
    });
  }

  it("a corrupt file is moved aside also without a logger", () => {
    saveHttpCache(file, new Map());
    writeFileSync(file, "garbage");
    assert.equal(loadHttpCache(file).size, 0);
    assert.equal(existsSync(file), false);
  });
});
