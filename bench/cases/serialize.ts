/**
 * serialize and deserialize of a cache of N access tokens, and the retained heap per token, in its own
 * process (run with --expose-gc): `serialize.ts <msal-ts|msal-node> <N>`.
 *
 * Beside each library's figures, the same process measures what the runtime itself costs on the same data,
 * so the figures can be read against a floor: V8's own `JSON.parse` of the cache text and
 * `JSON.stringify(…, null, 4)` of the parsed object, and the time to write a fresh buffer as large as the
 * serialized text (the page faults of producing that much new memory, which any serializer pays).
 */
import { performance } from "node:perf_hooks";
import { median } from "../lib/measure.ts";
import { msalNodeFormatCache, pythonFormatCache } from "../lib/populate.ts";

const [lib, nText] = process.argv.slice(2);
const n = Number(nText);
const now = Math.floor(Date.now() / 1000);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const ROUNDS = 5;

interface Cache {
  serialize(): string;
  deserialize(text: string): void;
}

let make: () => Cache;
let build: () => string;
if (lib === "msal-ts") {
  const { SerializableTokenCache } = await import("msal-ts");
  build = () => pythonFormatCache(n, now);
  make = () => new SerializableTokenCache();
} else {
  const msal = await import("@azure/msal-node");
  build = () => msalNodeFormatCache(n, now);
  make = () => {
    const app = new msal.ConfidentialClientApplication({ auth: { clientId: "c", clientSecret: "s" } });
    return app.getTokenCache();
  };
}

/** Milliseconds of one call of `fn`, after a full collection. */
function timed(fn: () => unknown): number {
  gc();
  const t = performance.now();
  fn();
  return performance.now() - t;
}

let text = build();
const textBytes = text.length;
let outBytes = 0;
const deserializeMs: number[] = [];
const serializeMs: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const cache = make();
  deserializeMs.push(timed(() => cache.deserialize(text)));
  let out = "";
  serializeMs.push(timed(() => (out = cache.serialize())));
  if (out.length < text.length / 2) throw new Error("serialize lost entries");
  outBytes = out.length;
}

// The runtime's own cost on the same data, in rounds alternating with nothing else held.
const v8ParseMs: number[] = [];
const v8StringifyMs: number[] = [];
const touchMs: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  let parsed: unknown;
  v8ParseMs.push(timed(() => (parsed = JSON.parse(text))));
  let length = 0;
  v8StringifyMs.push(timed(() => (length = JSON.stringify(parsed, null, 4).length)));
  if (length < text.length) throw new Error("JSON.stringify lost entries");
  parsed = undefined;
  touchMs.push(timed(() => Buffer.allocUnsafeSlow(outBytes).fill(round + 1)));
}

// Retained heap: a fresh cache holding the N tokens, measured after full collections. `bytesPerToken`: the
// cache text is still held by the caller (so it is not counted, and neither is anything the cache shares
// with it); `bytesPerTokenReleased`: the caller has dropped the text, as a program that read a file would.
text = "";
/** Heap in use after full collections, once pending sweeps have had a turn of the event loop. */
async function settledHeap(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}
const empty = await settledHeap();
const held = make();
const bytesPerToken = await (async () => {
  const cacheText = build();
  const base = await settledHeap();
  held.deserialize(cacheText);
  return ((await settledHeap()) - base) / n;
})();
const bytesPerTokenReleased = ((await settledHeap()) - empty) / n;
if (held.serialize().length !== outBytes) throw new Error("cache changed");
process.stdout.write(
  `${JSON.stringify({
    lib,
    n,
    deserializeMs: median(deserializeMs),
    serializeMs: median(serializeMs),
    bytesPerToken,
    bytesPerTokenReleased,
    v8ParseMs: median(v8ParseMs),
    v8StringifyMs: median(v8StringifyMs),
    touchMs: median(touchMs),
    textBytes,
    outBytes,
  })}\n`,
);
