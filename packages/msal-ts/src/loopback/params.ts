/** The parameters of an authorization response as the loopback listener reads them. */
import { timingSafeEqual } from "node:crypto";

/** The parameters of an authorization response: `code`, `state`, `client_info`, `error`, ... (first value of each). */
export interface AuthResponse {
  [k: string]: string;
}

/** Query or form string → params; repeated keys keep their first value; `fromEntries` keeps `__proto__` a plain key. */
export function parseParams(encoded: string): AuthResponse {
  const first = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(encoded)) if (!first.has(k)) first.set(k, v);
  return Object.fromEntries(first);
}

/** Compares the response's `state` with the expected one in constant time (RFC 6749 section 10.12). */
export function sameState(actual: string | undefined, expected: string): boolean {
  if (actual === undefined) return false;
  const a = Buffer.from(actual);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
