/**
 * Narrowing for tests: each asserts which side of a result union a value is on (failing with a message
 * that names the error, never a token) and returns it typed, so a test reads `expectToken(r).token_source`.
 */
import assert from "node:assert/strict";
import type { DeviceFlow, TokenError, TokenResult, TokenSuccess } from "../../src/index.ts";

function describe(r: unknown): string {
  if (r === null || r === undefined) return String(r);
  if (typeof r === "object" && "error" in r) return `the error ${JSON.stringify(r)}`;
  return `an object with the fields ${Object.keys(r).join(", ")}`;
}

/** `r` is a token (not an error, not `null`). */
export function expectToken(r: TokenResult | null | undefined): TokenSuccess {
  assert.ok(r !== null && r !== undefined && "access_token" in r, `expected a token, got ${describe(r)}`);
  return r;
}

/** `r` is an error the identity provider (or a managed-identity endpoint) returned. */
export function expectError(r: TokenResult | DeviceFlow | null | undefined): TokenError {
  assert.ok(r !== null && r !== undefined && "error" in r, `expected an error, got ${describe(r)}`);
  return r;
}

/** `flow` is a started device flow, not an error. */
export function expectFlow(flow: DeviceFlow | TokenError): DeviceFlow {
  assert.ok("user_code" in flow, `expected a device flow, got ${describe(flow)}`);
  return flow;
}
