/**
 * Shared by the fault-injection and attack tests: cache snapshots (no entry may be lost), canned bad
 * bodies, request counting by route, and a test-level safety timeout.
 */
import assert from "node:assert/strict";
import type { Emulator } from "entra-emulator";
import type { SerializableTokenCache, TokenResult } from "../../../src/index.ts";

/** Per-test options: a timeout only as a safety net for hung calls; no test asserts how fast anything is. */
export const SAFETY = { timeout: 20_000 } as const;

/** A body cut off in the middle of a token response. */
export const TRUNCATED_JSON =
  '{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"eyJ0eXAiOiJKV1Qi';

/** What a proxy or load balancer answers instead of the identity provider. */
export const HTML_PAGE =
  "<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1>" +
  "<p>The server is temporarily unable to service your request.</p></body></html>";

/** An error body shaped like Entra's. */
export function entraError(error: string, code: number, description: string): Record<string, unknown> {
  return {
    error,
    error_description: `AADSTS${code}: ${description}\r\nTrace ID: 00000000-0000-0000-0000-000000000000\r\nCorrelation ID: 00000000-0000-0000-0000-000000000000\r\nTimestamp: 2026-01-01 00:00:00Z`,
    error_codes: [code],
    timestamp: "2026-01-01 00:00:00Z",
    trace_id: "00000000-0000-0000-0000-000000000000",
    correlation_id: "00000000-0000-0000-0000-000000000000",
  };
}

/** Requests the emulator logged for a route id (`token`, `discovery`, `devicecode`, `mi_imds`, ...). */
export function routeCount(emulator: Emulator, route: string): number {
  return emulator.requests().filter((r) => r.route === route).length;
}

/** Every entry of a serialized cache, keyed `Section/key`. */
export function cacheEntries(serialized: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const parsed = JSON.parse(serialized) as Record<string, unknown>;
  for (const [section, entries] of Object.entries(parsed)) {
    if (typeof entries !== "object" || entries === null || Array.isArray(entries)) continue;
    for (const [key, entry] of Object.entries(entries as Record<string, unknown>)) out.set(`${section}/${key}`, entry);
  }
  return out;
}

/**
 * Every entry of `before` is still in `after` (under the same key). A refresh token may have been rotated
 * and an access token replaced by a newer one; nothing may have disappeared.
 */
export function assertNoEntryLost(before: string, after: string): void {
  const had = cacheEntries(before);
  const has = cacheEntries(after);
  assert.ok(had.size > 0, "the cache held entries before the fault");
  const lost = [...had.keys()].filter((k) => !has.has(k));
  assert.deepEqual(lost, [], "cache entries lost");
}

/** A failed call changed nothing at all: same keys, same entries. */
export function assertCacheUnchanged(before: string, after: string): void {
  assertNoEntryLost(before, after);
  assert.deepEqual(cacheEntries(after), cacheEntries(before), "a failed call must not change the cache");
}

/** The result carries an access token (with a useful message otherwise). */
export function assertToken(r: TokenResult | null): string {
  assert.ok(
    r !== null && "access_token" in r && typeof r.access_token === "string" && r.access_token !== "",
    `expected a token, got ${JSON.stringify(r)}`,
  );
  return r.access_token as string;
}

/** The payload of a JWT access token (the emulator's are JWTs). */
export function jwtClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
}

/** Snapshot of a cache as JSON text (serialize() also resets hasStateChanged, which no test reads). */
export function snapshot(cache: SerializableTokenCache): string {
  return cache.serialize();
}
