/**
 * serialize and deserialize of a cache of N access tokens, and the retained heap per token, in its own
 * process (run with --expose-gc): `serialize.ts <msal-ts|msal-node> <N>`.
 */
import { performance } from "node:perf_hooks";
import { median } from "../lib/measure.ts";
import { msalNodeFormatCache, pythonFormatCache } from "../lib/populate.ts";

const [lib, nText] = process.argv.slice(2);
const n = Number(nText);
const now = Math.floor(Date.now() / 1000);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

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

let text = build();
const deserializeMs: number[] = [];
const serializeMs: number[] = [];
for (let round = 0; round < 5; round++) {
  const cache = make();
  gc();
  let t = performance.now();
  cache.deserialize(text);
  deserializeMs.push(performance.now() - t);
  t = performance.now();
  const out = cache.serialize();
  serializeMs.push(performance.now() - t);
  if (out.length < text.length / 2) throw new Error("serialize lost entries");
}

// Retained heap: a fresh cache holding the N tokens, measured after full collections. The cache text
// exists before and after the measurement (so it is not counted); what the cache builds from it is.
text = build();
gc();
gc();
const before = process.memoryUsage().heapUsed;
const held = make();
held.deserialize(text);
gc();
gc();
const bytesPerToken = (process.memoryUsage().heapUsed - before) / n;
if (held.serialize().length === 0 || text.length === 0) throw new Error("cache emptied");
process.stdout.write(
  `${JSON.stringify({ lib, n, deserializeMs: median(deserializeMs), serializeMs: median(serializeMs), bytesPerToken })}\n`,
);
