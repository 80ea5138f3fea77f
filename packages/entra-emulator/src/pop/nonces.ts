import { perContext, randomToken, type EmulatorContext } from "../context.js";

/**
 * Server nonces of the emulator's PoP resource. A Signed HTTP Request must carry one the server handed out
 * (`GET /_emulator/pop/nonce` or the `WWW-Authenticate: PoP nonce="..."` challenge of a 401), which is what
 * stops a captured SHR from being replayed: each nonce is accepted once, for 5 minutes of the emulator clock.
 */
export const NONCE_LIFETIME_SECONDS = 300;

interface NonceRecord {
  expiresAtMs: number;
  used: boolean;
}

const noncesOf = perContext<NonceRecord>();

/** Forgets expired nonces so a long-running emulator does not grow without bound. */
function prune(ctx: EmulatorContext, map: Map<string, NonceRecord>): void {
  const now = ctx.clock.nowMs();
  for (const [nonce, record] of map) if (record.expiresAtMs <= now) map.delete(nonce);
}

/** A fresh single-use nonce. */
export function issueNonce(ctx: EmulatorContext): string {
  const map = noncesOf(ctx);
  prune(ctx, map);
  const nonce = randomToken(24);
  map.set(nonce, { expiresAtMs: ctx.clock.nowMs() + NONCE_LIFETIME_SECONDS * 1000, used: false });
  return nonce;
}

/**
 * Spends a nonce: `"ok"` the first time, `"used"` on a replay (used nonces are kept until they expire, so the
 * reason can say so), `"unknown"` for nonces never issued or expired.
 */
export function consumeNonce(ctx: EmulatorContext, nonce: string): "ok" | "used" | "unknown" {
  const map = noncesOf(ctx);
  prune(ctx, map);
  const record = map.get(nonce);
  if (!record) return "unknown";
  if (record.used) return "used";
  record.used = true;
  return "ok";
}
