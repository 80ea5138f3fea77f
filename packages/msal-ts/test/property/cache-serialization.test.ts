/**
 * The serialized cache is the text MSAL Python writes (`json.dumps(cache, indent=4)`, ensure_ascii on), byte
 * for byte, whatever the strings hold: quotes, backslashes, control characters, DEL, non-ASCII, characters
 * outside the BMP and lone surrogates, in keys and values, in known sections and unknown members.
 *
 * The reference is Python itself (`/usr/bin/python3`, its json module): the generated caches go to one Python
 * process, which returns its text for each; `serialize()` must return the same bytes after reading that text,
 * after reading the same content as compact JSON (other escapes, raw non-ASCII), and after writes through
 * the cache's API (the text after the writes is compared with Python's dump of the same content).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import fc from "fast-check";
import { SerializableTokenCache } from "../../src/index.ts";
import { PARAMS, setOwn } from "./support.ts";

const PYTHON = "/usr/bin/python3";
/** Reads a JSON list of cache texts on stdin; writes the list of json.dumps(json.loads(text), indent=4). */
const DUMPS = "import json,sys; print(json.dumps([json.dumps(json.loads(t), indent=4) for t in json.load(sys.stdin)]))";

/** Python's text for each cache text (one process for the whole batch). */
function pythonDumps(texts: readonly string[]): string[] {
  const out = execFileSync(PYTHON, ["-c", DUMPS], {
    input: JSON.stringify(texts),
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  const dumped = JSON.parse(out) as string[];
  assert.equal(dumped.length, texts.length, "Python returned one text per cache");
  return dumped;
}

/** One UTF-16 code unit or code point, biased toward what JSON writers escape. */
const unit: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) },
  { weight: 2, arbitrary: fc.constantFrom('"', "\\", "/", "\u007f", "\u2028", "\ufeff") },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)) },
  { weight: 2, arbitrary: fc.integer({ min: 0x80, max: 0xffff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)) },
);
const text = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit, maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom("", "__proto__", "constructor", "0", "17", "login.microsoftonline.com") },
);

/** A field value: mostly strings (MSAL's entries are flat string maps), sometimes what other writers put there. */
const fieldValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: text },
  {
    weight: 2,
    arbitrary: fc.oneof(
      fc.constant(null),
      fc.boolean(),
      fc.integer({ min: -1_000_000_000, max: 4_000_000_000 }),
      fc.array(text, { maxLength: 3 }),
      fc.array(fc.dictionary(text, text, { maxKeys: 2 }), { maxLength: 2 }),
      fc.constant({}),
    ),
  },
);

/** An object with arbitrary keys, "__proto__" included as an own key. */
function record<T>(value: fc.Arbitrary<T>, maxKeys: number): fc.Arbitrary<Record<string, T>> {
  return fc.array(fc.tuple(text, value), { maxLength: maxKeys }).map((pairs) => {
    const out: Record<string, T> = {};
    for (const [k, v] of pairs) setOwn(out, k, v);
    return out;
  });
}

const entry = record(fieldValue, 6);
const section = record(entry, 4);
const SECTIONS = ["AccessToken", "RefreshToken", "IdToken", "Account", "AppMetadata"] as const;
/** A cache: known sections (in any order) and unknown members of any JSON value. */
const cacheObject = fc
  .tuple(
    fc.subarray([...SECTIONS]),
    fc.array(section, { minLength: 5, maxLength: 5 }),
    record(fc.oneof(fieldValue, section), 2),
  )
  .map(([names, sections, unknown]) => {
    const out: Record<string, unknown> = {};
    names.forEach((name, i) => setOwn(out, name, sections[i]));
    for (const [k, v] of Object.entries(unknown)) if (!(k in out)) setOwn(out, k, v);
    return out;
  });

/** A write through the cache's API: an entry of strings with the odd characters above. */
const write = fc.record({
  type: fc.constantFrom("Account", "AppMetadata", "AccessToken", "IdToken"),
  home: text,
  environment: text,
  realm: text,
  target: text,
  extra: text,
  remove: fc.boolean(),
});

type WriteOp = typeof write extends fc.Arbitrary<infer T> ? T : never;

function applyWrite(cache: SerializableTokenCache, w: WriteOp): void {
  const base = { home_account_id: w.home, environment: w.environment, realm: w.realm, client_id: "c" };
  const entry =
    w.type === "AccessToken"
      ? { ...base, credential_type: "AccessToken", secret: `s${w.extra}`, target: w.target, expires_on: "1" }
      : w.type === "IdToken"
        ? { ...base, credential_type: "IdToken", secret: w.extra }
        : { ...base, username: w.extra, authority_type: "MSSTS" };
  cache.modify(w.type, entry, { note: w.extra });
  if (w.remove) cache.modify(w.type, entry);
}

describe("serialize() writes MSAL Python's bytes", () => {
  const cases = fc.sample(fc.tuple(cacheObject, fc.array(write, { maxLength: 3 })), {
    numRuns: PARAMS.numRuns,
    seed: PARAMS.seed,
  });

  it(`Python's text of ${PARAMS.numRuns} caches is read and written back byte for byte, also from compact JSON`, () => {
    const compact = cases.map(([obj]) => JSON.stringify(obj));
    const python = pythonDumps(compact);
    let nonAscii = 0;
    python.forEach((expected, i) => {
      if (expected.includes("\\u")) nonAscii++;
      const fromPython = new SerializableTokenCache();
      fromPython.deserialize(expected);
      assert.equal(fromPython.serialize(), expected, `case ${i}: Python's text written back as read`);
      const fromCompact = new SerializableTokenCache();
      fromCompact.deserialize(compact[i]);
      assert.equal(fromCompact.serialize(), expected, `case ${i}: compact JSON written as Python writes it`);
    });
    assert.ok(nonAscii > PARAMS.numRuns / 4, `many cases hold escapes (${nonAscii})`);
  });

  it("after writes through the cache's API, the text is Python's dump of the same content", () => {
    const written = cases.map(([obj, writes]) => {
      const cache = new SerializableTokenCache();
      cache.deserialize(JSON.stringify(obj));
      for (const w of writes) applyWrite(cache, w);
      return cache.serialize();
    });
    const python = pythonDumps(written);
    written.forEach((ours, i) => assert.equal(ours, python[i], `case ${i}`));
    assert.ok(
      written.some((t, i) => (cases[i]?.[1].length ?? 0) > 0 && t.includes("\\u007f")),
      "some writes hold DEL, which Python escapes",
    );
  });

  it("a cache whose text is ASCII gets escapes when a write brings a non-ASCII character", () => {
    const cache = new SerializableTokenCache();
    cache.deserialize(JSON.stringify({ Account: { k: { home_account_id: "h", environment: "e", realm: "r" } } }));
    applyWrite(cache, {
      type: "Account",
      home: "h",
      environment: "e",
      realm: "r",
      target: "",
      extra: "Zoë\u007f",
      remove: false,
    });
    const ours = cache.serialize();
    assert.ok(ours.includes('"username": "Zo\\u00eb\\u007f"'), ours);
    assert.equal(ours, pythonDumps([ours])[0]);
    cache.modify("Account", { home_account_id: "h", environment: "e", realm: "r" });
    const after = cache.serialize();
    assert.ok(!after.includes("\\u00eb"), "the entry is gone");
    assert.equal(after, pythonDumps([after])[0]);
  });
});
