import { InvalidArgumentError } from "../errors.js";
import { isRecord } from "../util/json.js";
import { pythonJsonDumps } from "./python-json.js";

/**
 * Merges the app's client capabilities into a claims challenge (docs/msal-python-compatibility.md section 1.8):
 * capabilities go to `access_token.xms_cc.values`, replacing any `xms_cc`. Without capabilities the
 * challenge is returned unchanged; with neither, `undefined` (no `claims` parameter is sent).
 *
 * @throws InvalidArgumentError when the challenge is not a JSON object.
 * @example
 * ```ts
 * mergeClaims(undefined, ["CP1"]) === '{"access_token": {"xms_cc": {"values": ["CP1"]}}}'
 * ```
 */
export function mergeClaims(
  claimsChallenge: string | undefined | null,
  capabilities: readonly string[] | undefined,
): string | undefined {
  const challenge = claimsChallenge === null || claimsChallenge === "" ? undefined : claimsChallenge;
  if (!capabilities || capabilities.length === 0) return challenge;
  const claims = challenge === undefined ? {} : parseClaims(challenge);
  const accessToken = isRecord(claims.access_token) ? { ...claims.access_token } : {};
  delete accessToken.xms_cc;
  accessToken.xms_cc = { values: [...capabilities] };
  claims.access_token = accessToken;
  return pythonJsonDumps(claims);
}

/** Validates a claims challenge argument: absent, or a string holding a JSON object. */
export function checkClaimsChallenge(claimsChallenge: unknown): string | undefined {
  if (claimsChallenge === undefined || claimsChallenge === null || claimsChallenge === "") return undefined;
  if (typeof claimsChallenge !== "string") throw new InvalidArgumentError("claimsChallenge must be a string of JSON.");
  parseClaims(claimsChallenge);
  return claimsChallenge;
}

function parseClaims(challenge: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(challenge);
  } catch {
    throw new InvalidArgumentError(
      "claimsChallenge must be the JSON text the resource sent in its WWW-Authenticate challenge (the decoded `claims`).",
    );
  }
  if (!isRecord(parsed))
    throw new InvalidArgumentError('claimsChallenge must be a JSON object, e.g. {"access_token": {...}}.');
  return parsed;
}
