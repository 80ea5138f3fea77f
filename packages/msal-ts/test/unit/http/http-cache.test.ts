import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ExpiringResponseCache, HTTP_CACHE_CAPACITY, parseCachedResponse } from "../../../src/http/http-cache.ts";
import type { HttpResponse } from "../../../src/http/types.ts";
import { FakeClock } from "../../helpers/fakes.ts";

const START_S = 1_795_565_806; // FakeClock's default start, in seconds
const ok = (text = "{}"): HttpResponse => ({ status_code: 200, text, headers: { "content-type": "application/json" } });

function setup(store: Map<string, unknown> = new Map(), capacity?: number) {
  const clock = new FakeClock();
  const cache = new ExpiringResponseCache(capacity === undefined ? { store, clock } : { store, clock, capacity });
  return { clock, store, cache };
}

describe("ExpiringResponseCache: §4 storage", () => {
  it("stores a plain JSON entry with created_at/expires_at and returns the same response", () => {
    const { cache, store } = setup();
    cache.set("k", { status_code: 429, text: "busy", headers: { "retry-after": "7" } }, 7);
    assert.deepEqual(store.get("k"), {
      status_code: 429,
      text: "busy",
      headers: { "retry-after": "7" },
      created_at: START_S,
      expires_at: START_S + 7,
    });
    assert.deepEqual(cache.get("k"), { status_code: 429, text: "busy", headers: { "retry-after": "7" } });
    assert.equal(cache.get("missing"), undefined);
  });

  it("is valid while created_at <= now < expires_at, then dropped on read (FakeClock)", () => {
    const { cache, store, clock } = setup();
    cache.set("k", ok(), 60);
    clock.advance(59_999);
    assert.ok(cache.get("k"), "still valid 1 ms before expiry");
    clock.advance(1);
    assert.equal(cache.get("k"), undefined, "expired at expires_at");
    assert.equal(store.has("k"), false, "expired item is deleted when read");
  });

  it("an item from the future (clock moved back) is not valid", () => {
    const { cache, store, clock } = setup();
    cache.set("k", ok(), 60);
    clock.advance(-1000);
    assert.equal(cache.get("k"), undefined);
    assert.equal(store.has("k"), false);
  });

  it("TTL 0 (or less) does not cache", () => {
    const { cache, store } = setup();
    cache.set("zero", ok(), 0);
    cache.set("negative", ok(), -5);
    assert.equal(store.size, 0);
  });

  it("purges expired items on insert", () => {
    const { cache, store, clock } = setup();
    cache.set("short", ok(), 1);
    cache.set("long", ok(), 100);
    clock.advance(1000);
    cache.set("new", ok(), 10);
    assert.deepEqual([...store.keys()].sort(), ["long", "new"]);
  });

  it(`holds at most ${HTTP_CACHE_CAPACITY} items; inserting into a full map evicts the item that expires soonest`, () => {
    const { cache, store } = setup();
    // TTLs are all distinct; "item-700" expires soonest.
    for (let i = 0; i < HTTP_CACHE_CAPACITY; i++) cache.set(`item-${i}`, ok(String(i)), i === 700 ? 5 : 1000 + i);
    assert.equal(store.size, HTTP_CACHE_CAPACITY);
    cache.set("one-more", ok(), 50);
    assert.equal(store.size, HTTP_CACHE_CAPACITY);
    assert.equal(store.has("item-700"), false);
    assert.ok(store.has("one-more"));
    cache.set("and-another", ok(), 2000);
    assert.equal(store.has("one-more"), false, "now the soonest to expire");
    assert.ok(store.has("item-0"));
  });

  it("overwriting a key of a full map evicts nothing", () => {
    const { cache, store } = setup(new Map(), 3);
    cache.set("a", ok(), 10);
    cache.set("b", ok(), 20);
    cache.set("c", ok(), 30);
    cache.set("b", ok("new"), 40);
    assert.deepEqual([...store.keys()].sort(), ["a", "b", "c"]);
    assert.equal(cache.get("b")?.text, "new");
  });

  it("evicts by the store's actual content when another instance shares it", () => {
    const store = new Map<string, unknown>();
    const a = setup(store, 2);
    const b = new ExpiringResponseCache({ store, clock: a.clock, capacity: 2 });
    a.cache.set("x", ok(), 100);
    b.set("y", ok(), 5);
    a.cache.set("z", ok(), 50); // a learns of "y" when full and evicts it (expires soonest)
    assert.deepEqual([...store.keys()].sort(), ["x", "z"]);
  });

  it("works over a store without a size (only get/set/delete/keys)", () => {
    const data = new Map<string, unknown>();
    const store = {
      get: (k: string) => data.get(k),
      set: (k: string, v: unknown) => data.set(k, v),
      delete: (k: string) => data.delete(k),
      keys: () => data.keys(),
    };
    const clock = new FakeClock();
    const cache = new ExpiringResponseCache({ store, clock, capacity: 2 });
    cache.set("a", ok(), 10);
    cache.set("b", ok(), 5);
    cache.set("c", ok(), 20);
    assert.deepEqual([...data.keys()].sort(), ["a", "c"]);
    clock.advance(10_000);
    cache.set("d", ok(), 20);
    assert.deepEqual([...data.keys()].sort(), ["c", "d"]);
  });

  it("a returned response is a copy: mutating it does not change the cache", () => {
    const { cache } = setup();
    cache.set("k", ok("original"), 60);
    const first = cache.get("k");
    assert.ok(first);
    first.headers["x"] = "changed";
    first.text = "changed";
    assert.deepEqual(cache.get("k"), ok("original"));
  });
});

describe("ExpiringResponseCache: persistence and corrupt stores", () => {
  it("round-trips through JSON.stringify(Object.fromEntries(map)) into a new Map", () => {
    const original = setup(new Map());
    const clock = original.clock;
    original.cache.set("GET https://x hash=h 2xx", ok('{"a":1}'), 86400);
    original.cache.set("POST https://x hash=h 400", { status_code: 400, text: "bad", headers: {} }, 60);
    const json = JSON.stringify(Object.fromEntries(original.store));
    const rebuilt = new Map<string, unknown>(Object.entries(JSON.parse(json) as Record<string, unknown>));
    const reloaded = new ExpiringResponseCache({ store: rebuilt, clock });
    assert.deepEqual(reloaded.get("GET https://x hash=h 2xx"), ok('{"a":1}'));
    assert.equal(reloaded.get("POST https://x hash=h 400")?.status_code, 400);
    clock.advance(60_000);
    assert.equal(reloaded.get("POST https://x hash=h 400"), undefined, "expiry survives persistence");
    assert.ok(reloaded.get("GET https://x hash=h 2xx"));
  });

  const corrupt: [string, unknown][] = [
    ["null", null],
    ["a string", "not an entry"],
    ["an array", [1, 2]],
    [
      "status as a string",
      { status_code: "200", text: "", headers: {}, created_at: START_S, expires_at: START_S + 10 },
    ],
    ["status out of range", { status_code: 42, text: "", headers: {}, created_at: START_S, expires_at: START_S + 10 }],
    ["missing text", { status_code: 200, headers: {}, created_at: START_S, expires_at: START_S + 10 }],
    [
      "header value not a string",
      { status_code: 200, text: "", headers: { a: 1 }, created_at: START_S, expires_at: START_S + 10 },
    ],
    ["headers null", { status_code: 200, text: "", headers: null, created_at: START_S, expires_at: START_S + 10 }],
    ["expiry not a number", { status_code: 200, text: "", headers: {}, created_at: START_S, expires_at: "later" }],
    [
      "created after expiry",
      { status_code: 200, text: "", headers: {}, created_at: START_S + 10, expires_at: START_S },
    ],
    ["Python's _index_ shape", [[[START_S + 10, START_S, "k"]], { k: [START_S + 10, START_S] }]],
  ];
  for (const [name, value] of corrupt) {
    it(`ignores and deletes a malformed entry when read: ${name}`, () => {
      const { cache, store } = setup(new Map([["k", value]]));
      assert.equal(parseCachedResponse(value), undefined);
      assert.doesNotThrow(() => assert.equal(cache.get("k"), undefined));
      assert.equal(store.has("k"), false);
    });
  }

  it("deletes every malformed entry on the first insert, keeps the good ones", () => {
    const good = { status_code: 200, text: "ok", headers: {}, created_at: START_S, expires_at: START_S + 100 };
    const store = new Map<string, unknown>([
      ...corrupt.map(([name, value]) => [name, value] as [string, unknown]),
      ["good", good],
    ]);
    const { cache } = setup(store);
    assert.doesNotThrow(() => cache.set("new", ok(), 10));
    assert.deepEqual([...store.keys()].sort(), ["good", "new"]);
    assert.equal(cache.get("good")?.text, "ok");
  });

  it("trims a loaded store that holds more than the capacity on the first insert, soonest expiry first", () => {
    const store = new Map<string, unknown>();
    for (let i = 0; i < 10; i++) {
      store.set(`k${i}`, {
        status_code: 200,
        text: "",
        headers: {},
        created_at: START_S,
        expires_at: START_S + 100 + i,
      });
    }
    const { cache } = setup(store, 5);
    cache.set("new", ok(), 1000);
    assert.equal(store.size, 5);
    assert.deepEqual([...store.keys()].sort(), ["k6", "k7", "k8", "k9", "new"]);
  });
});
