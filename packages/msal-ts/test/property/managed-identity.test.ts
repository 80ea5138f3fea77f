/**
 * Property tests of managed-identity responses: `parseResponse` for every source, `secondsUntil`, and the
 * whole `ManagedIdentityClient.acquireTokenForClient` against an endpoint that answers anything.
 *
 * parseResponse never throws and returns either a normalized success (a non-empty string access_token, an
 * integer expires_in, a resource and a token_type, nothing else) or an error object (a string `error` and
 * no `access_token`, so that nothing downstream mistakes it for a token). The client returns a success with
 * a string access token and a numeric expires_in, or an object with `error`, or throws an MsalError, and
 * its cache stays consistent.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import {
  ManagedIdentityClient,
  SerializableTokenCache,
  SystemAssignedManagedIdentity,
  UserAssignedManagedIdentity,
} from "../../src/index.ts";
import { parseResponse, secondsUntil } from "../../src/managed-identity/backends.ts";
import type { ManagedIdentitySource } from "../../src/managed-identity/sources.ts";
import type { HttpResponse } from "../../src/http/types.ts";
import { parseJsonObject } from "../../src/util/json.ts";
import { FakeClock, RecordingHttpClient } from "../helpers/fakes.ts";
import {
  PARAMS,
  assertPlainObject,
  checkCache,
  httpResponse,
  nearValid,
  rawNumber,
  settle,
  setOwn,
  toJsonText,
  trickyString,
  weirdValue,
} from "./support.ts";
import { MI_SOURCE_ENV } from "../helpers/mi-env.ts";

const SOURCES: readonly ManagedIdentitySource[] = [
  "DEFAULT_TO_VM",
  "APP_SERVICE",
  "MACHINE_LEARNING",
  "SERVICE_FABRIC",
  "AZURE_ARC",
  "CLOUD_SHELL",
];
const NOW = 1_795_565_806;
const RESOURCE = "https://management.azure.com";

/** Expiry values: relative seconds, absolute epoch seconds, dates in several formats, and junk. */
const expiry = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 86_400 }).map((s) => s as unknown) },
  { weight: 2, arbitrary: fc.integer({ min: NOW - 1000, max: NOW + 86_400 }).map(String) },
  { weight: 2, arbitrary: fc.integer({ min: NOW - 1000, max: NOW + 86_400 }) },
  { weight: 1, arbitrary: fc.integer({ min: NOW, max: NOW + 86_400 }).map((s) => new Date(s * 1000).toUTCString()) },
  { weight: 1, arbitrary: fc.integer({ min: NOW, max: NOW + 86_400 }).map((s) => new Date(s * 1000).toISOString()) },
  {
    weight: 1,
    arbitrary: fc.constantFrom("11/20/2026 12:00:00 AM +00:00", "2026-13-45T99:99:99Z", "tomorrow", "1e400", "  "),
  },
  { weight: 1, arbitrary: rawNumber },
  { weight: 1, arbitrary: weirdValue },
);

const MI_KEYS = [
  "access_token",
  "expires_in",
  "expires_on",
  "resource",
  "token_type",
  "client_id",
  "refresh_in",
  "error",
  "error_description",
  "statusCode",
  "message",
  "correlationId",
  "not_before",
  "ext_expires_in",
];

const successBody = nearValid(
  fc.record(
    {
      access_token: fc.oneof(
        { weight: 4, arbitrary: fc.constant("the-mi-access-token") },
        fc.string({ maxLength: 12 }),
      ),
      expires_in: expiry,
      expires_on: expiry,
      resource: fc.constantFrom(RESOURCE, "https://vault.azure.net", ""),
      token_type: fc.constantFrom("Bearer", "bearer", "", "pop"),
      client_id: fc.uuid(),
    },
    { requiredKeys: ["access_token"] },
  ),
  MI_KEYS,
);

/** The error shapes of the sources: IMDS/Arc (OAuth), App Service (statusCode/message), Service Fabric (nested). */
const errorBody = fc.oneof(
  nearValid(
    fc.record({
      error: fc.constantFrom("invalid_request", "invalid_resource", "identity_not_found"),
      error_description: fc.string({ maxLength: 20 }),
    }),
    MI_KEYS,
  ),
  nearValid(
    fc.record({
      statusCode: fc.constantFrom(400, 500, "400"),
      message: fc.string({ maxLength: 20 }),
      correlationId: fc.uuid(),
    }),
    MI_KEYS,
  ),
  nearValid(
    fc.record({
      error: fc.record({
        code: fc.constantFrom("SecretHeaderNotFound", "ManagedIdentityNotFound", "ArgumentNullOrEmpty", "Other"),
        message: fc.string({ maxLength: 20 }),
        correlationId: fc.uuid(),
      }),
    }),
    ["error"],
  ),
  fc.dictionary(fc.string({ maxLength: 6 }), weirdValue, { maxKeys: 4 }),
);

const miResponse: fc.Arbitrary<HttpResponse> = httpResponse(
  fc.oneof({ weight: 3, arbitrary: successBody }, { weight: 2, arbitrary: errorBody }),
);

/** The normalized success or error object parseResponse promises. */
function checkMiResult(result: unknown, response: HttpResponse): void {
  assertPlainObject(result, "the result");
  const ok = response.status_code >= 200 && response.status_code < 300;
  const normalized = ["access_token", "expires_in", "resource", "token_type"];
  if (Object.keys(result).sort().join() === normalized.join()) {
    assert.ok(ok, `a success comes from a 2xx answer, not HTTP ${response.status_code}`);
    assert.ok(typeof result.access_token === "string" && result.access_token !== "");
    assert.ok(Number.isInteger(result.expires_in), `expires_in ${String(result.expires_in)}`);
    assert.equal(typeof result.resource, "string");
    assert.ok(typeof result.token_type === "string" && result.token_type !== "");
    return;
  }
  assert.ok(
    Object.hasOwn(result, "error") && typeof result.error === "string",
    `HTTP ${response.status_code} gave neither a normalized success nor an error object with a string error: ${toJsonText(result)}`,
  );
  assert.ok(
    !Object.hasOwn(result, "access_token"),
    `an error object carries no access_token (the client would take it for a token): ${toJsonText(result)}`,
  );
}

describe("property: managed-identity responses (parseResponse)", () => {
  // KNOWN BUG (reported, not fixed here; commit a12a326 fixed the bodies carrying an access_token): for
  // DEFAULT_TO_VM (IMDS) and CLOUD_SHELL, a non-2xx answer whose body is a non-empty JSON object is still
  // returned as it is when it has no string "error" member. Minimal cases: IMDS HTTP 404 {"foo":1} returns
  // {"foo":1}; HTTP 400 {"error":5} returns {"error":5}. Fails until such bodies become error objects.
  it("every source returns a normalized success or an error object, and never throws", () => {
    fc.assert(
      fc.property(fc.constantFrom(...SOURCES), miResponse, (source, response) => {
        checkMiResult(parseResponse(source, response, RESOURCE, NOW), response);
      }),
      PARAMS,
    );
  });

  it("secondsUntil gives null or a whole number of seconds, counted from now", () => {
    fc.assert(
      fc.property(
        fc.oneof(expiry, fc.anything(), trickyString, fc.double()),
        fc.integer({ min: 0, max: 4_000_000_000 }),
        (value, now) => {
          const s = secondsUntil(value, now);
          if (s === null) return;
          assert.ok(Number.isInteger(s), `${String(s)} is an integer`);
          if (typeof value === "number") assert.equal(s, Math.trunc(value) - now);
          if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value)))
            assert.equal(s, Math.trunc(Number(value)) - now);
        },
      ),
      PARAMS,
    );
  });
});

describe("property: ManagedIdentityClient against an endpoint that answers anything", () => {
  let folder: string;
  before(() => {
    folder = mkdtempSync(join(tmpdir(), "msal-ts-mi-property-"));
    writeFileSync(join(folder, "challenge.key"), "the-arc-secret");
  });
  after(() => rmSync(folder, { recursive: true, force: true }));

  const ENV = MI_SOURCE_ENV;

  // KNOWN BUG (same root cause as above): the client returns such a body to the caller, which then holds
  // neither a token nor an error. Minimal case: IMDS answering HTTP 500 {"statusCode":false} (every retry)
  // makes acquireTokenForClient return {"statusCode":false}. Fails until fixed.
  it("returns a success with a string token and numeric expires_in, an object with error, or throws an MsalError", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...SOURCES),
        fc.boolean(),
        fc.array(miResponse, { minLength: 1, maxLength: 3 }),
        fc.option(fc.constantFrom("the-challenge", "wrong-folder", "no-header"), { nil: undefined }),
        async (source, userAssigned, answers, arcChallenge) => {
          let i = 0;
          /** Access tokens of the 2xx answers served so far: the only ones a success may carry. */
          const tokensOf2xx = new Set<unknown>();
          const http = new RecordingHttpClient(() => {
            const answer = answers[Math.min(i++, answers.length - 1)] as HttpResponse;
            if (answer.status_code >= 200 && answer.status_code < 300)
              tokensOf2xx.add(parseJsonObject(answer.text)?.access_token);
            // Azure Arc's first answer is a challenge naming the key file (or not).
            if (source === "AZURE_ARC" && i === 1 && arcChallenge !== undefined) {
              const header =
                arcChallenge === "the-challenge"
                  ? `Basic realm=${join(folder, "challenge.key")}`
                  : arcChallenge === "wrong-folder"
                    ? "Basic realm=/etc/passwd.key"
                    : undefined;
              const headers: Record<string, string> = { ...answer.headers };
              if (header !== undefined) setOwn(headers, "www-authenticate", header);
              return { status_code: 401, text: answer.text, headers };
            }
            return answer;
          });
          const cache = new SerializableTokenCache();
          const identity = userAssigned
            ? new UserAssignedManagedIdentity({ clientId: "11111111-0000-4000-8000-000000000000" })
            : new SystemAssignedManagedIdentity();
          const client = new ManagedIdentityClient(identity, {
            httpClient: http,
            env: ENV[source],
            tokenCache: cache,
            clock: new FakeClock(NOW * 1000),
            hostname: "vm1",
            platform: "linux",
            arcTokenFolder: folder,
          });
          for (let call = 0; call < 2; call++) {
            const out = await settle(() => client.acquireTokenForClient({ resource: RESOURCE }));
            if (out.ok) {
              const r = out.value;
              assertPlainObject(r, "the result");
              if (!Object.hasOwn(r, "error")) {
                assert.equal(
                  typeof r.access_token,
                  "string",
                  `a result without error has a string access_token: ${toJsonText(r)}`,
                );
                assert.ok(
                  typeof r.expires_in === "number" && Number.isFinite(r.expires_in),
                  `and a numeric expires_in: ${toJsonText(r)}`,
                );
                if (r.token_source === "identity_provider")
                  assert.ok(
                    tokensOf2xx.has(r.access_token),
                    `the token came from a 2xx answer: ${toJsonText(r)} after ${toJsonText(answers)}`,
                  );
              }
            }
            checkCache(cache);
          }
        },
      ),
      PARAMS,
    );
  });
});
