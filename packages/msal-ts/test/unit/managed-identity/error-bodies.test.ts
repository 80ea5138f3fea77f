/**
 * Security finding L1: a managed-identity endpoint's error answer can carry a token (a body with an
 * `access_token` but no usable expiry, a message quoting a token, an `error` member that is itself a token).
 * The returned error object, and so `CredentialError.message` and `.result`, must never contain any of it:
 * fixed messages plus the HTTP status, a short error code and a correlation id.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ManagedIdentityClient, SerializableTokenCache, SystemAssignedManagedIdentity } from "../../../src/index.ts";
import { expectError } from "../../helpers/results.ts";
import { CredentialError, MsalTokenCredential } from "../../../src/azure/token-credential.ts";
import type { HttpResponse } from "../../../src/http/types.ts";
import { FakeClock, RecordingHttpClient, response } from "../../helpers/fakes.ts";
import { MI_SOURCE_ENV } from "../../helpers/mi-env.ts";

const RESOURCE = "https://vault.azure.net";
/** A JWT-shaped access token, and a refresh-token-shaped value: neither may show up anywhere. */
const TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL3ZhdWx0LmF6dXJlLm5ldCJ9.c2lnbmF0dXJlLWJ5dGVz";
const OPAQUE = "0.AXoAleakedRefreshTokenValue-1234567890abcdefghijklmnopqrstuvwxyz_";
const CORRELATION = "7b1c0e9a-3f2d-4c5b-9a8e-1d2c3b4a5f60";

const ENV = MI_SOURCE_ENV;
type Source = keyof typeof ENV;

let arcFolder: string;
before(() => {
  arcFolder = mkdtempSync(join(tmpdir(), "msal-ts-mi-leak-"));
  writeFileSync(join(arcFolder, "challenge.key"), "the-arc-secret");
});
after(() => rmSync(arcFolder, { recursive: true, force: true }));

/** A client whose endpoint answers `answer` (Azure Arc: after the challenge, as the agent does). */
function clientFor(source: Source, answer: HttpResponse): ManagedIdentityClient {
  const http = new RecordingHttpClient((request) => {
    if (source === "AZURE_ARC" && request.headers?.Authorization === undefined) {
      return response(401, {}, { "www-authenticate": `Basic realm=${join(arcFolder, "challenge.key")}` });
    }
    return answer;
  });
  return new ManagedIdentityClient(new SystemAssignedManagedIdentity(), {
    httpClient: http,
    env: { ...ENV[source] },
    tokenCache: new SerializableTokenCache(),
    clock: new FakeClock(1_795_565_806_000),
    hostname: "myvm.example.net",
    platform: "linux",
    arcTokenFolder: arcFolder,
  });
}

function assertNoSecret(text: string, where: string): void {
  for (const secret of [TOKEN, OPAQUE, "eyJ0eXAi", "leakedRefreshToken", "the-arc-secret"]) {
    assert.ok(!text.includes(secret), `${where} contains ${secret.slice(0, 12)}...: ${text}`);
  }
}

/** The returned object, then the same answer through MsalTokenCredential: CredentialError's message and result. */
async function assertSafeError(source: Source, answer: HttpResponse): Promise<Record<string, unknown>> {
  const result: Record<string, unknown> = {
    ...(await clientFor(source, answer).acquireTokenForClient({ resource: RESOURCE })),
  };
  assertNoSecret(JSON.stringify(result), "the returned error object");
  assert.equal(typeof result.error, "string", JSON.stringify(result));
  assert.equal(typeof result.error_description, "string");
  assert.ok(!("access_token" in result));
  assert.match(
    String(result.error_description),
    new RegExp(`HTTP ${answer.status_code}\\b`),
    "the description names the HTTP status",
  );
  const credential = new MsalTokenCredential({ managedIdentity: clientFor(source, answer) });
  await assert.rejects(credential.getToken(`${RESOURCE}/.default`), (e: unknown) => {
    assert.ok(e instanceof CredentialError);
    assertNoSecret(e.message, "CredentialError.message");
    assertNoSecret(JSON.stringify(e.result), "CredentialError.result");
    assertNoSecret(String(e.stack), "CredentialError.stack");
    return true;
  });
  return result;
}

const ALL: readonly Source[] = [
  "DEFAULT_TO_VM",
  "APP_SERVICE",
  "MACHINE_LEARNING",
  "SERVICE_FABRIC",
  "AZURE_ARC",
  "CLOUD_SHELL",
];

describe("L1: managed-identity errors never carry a token from the response body", () => {
  for (const source of ALL) {
    it(`${source}: HTTP 200 with an access_token but no usable expiry`, async () => {
      const r = await assertSafeError(
        source,
        response(200, {
          access_token: TOKEN,
          refresh_token: OPAQUE,
          expires_in: "soon",
          expires_on: "later",
          resource: RESOURCE,
        }),
      );
      assert.ok(["invalid_response", "invalid_request", "invalid_scope"].includes(String(r.error)), String(r.error));
    });

    it(`${source}: HTTP 400 whose error fields quote a token`, async () => {
      await assertSafeError(
        source,
        response(400, {
          error: "invalid_request",
          error_description: `token ${TOKEN} rejected`,
          message: `token ${TOKEN}`,
          statusCode: 400,
          refresh_token: OPAQUE,
          detail: { access_token: TOKEN },
        }),
      );
    });

    it(`${source}: HTTP 500 with a body that is not JSON and holds a token`, async () => {
      await assertSafeError(
        source,
        response(500, `upstream said access_token=${TOKEN}&refresh_token=${OPAQUE}`, { "content-type": "text/plain" }),
      );
    });

    it(`${source}: an "error" member that is itself a token is not echoed`, async () => {
      const r = await assertSafeError(source, response(401, { error: TOKEN, error_description: OPAQUE }));
      assert.notEqual(r.error, TOKEN);
    });
  }
});

describe("L1: the safe fields are kept", () => {
  it("IMDS: the endpoint's short error code, the status and a correlation id", async () => {
    const r = expectError(
      await clientFor(
        "DEFAULT_TO_VM",
        response(400, {
          error: "invalid_request",
          error_description: "Identity not found",
          correlation_id: CORRELATION,
        }),
      ).acquireTokenForClient({ resource: RESOURCE }),
    );
    assert.equal(r.error, "invalid_request");
    assert.equal(r.correlation_id, CORRELATION);
    assert.match(String(r.error_description), /IMDS.*HTTP 400/);
    assert.match(String(r.error_description), new RegExp(CORRELATION));
  });

  it("Service Fabric: the mapped MSAL Python code, the endpoint's code and its correlation id", async () => {
    const body = {
      error: {
        correlationId: CORRELATION,
        code: "SecretHeaderNotFound",
        message: `Secret ${OPAQUE} is not found in the request headers.`,
      },
    };
    const r = await assertSafeError("SERVICE_FABRIC", response(404, body));
    assert.equal(r.error, "unauthorized_client");
    assert.equal(r.correlation_id, CORRELATION);
    assert.match(String(r.error_description), /Service Fabric.*HTTP 404.*SecretHeaderNotFound/);
  });

  it("a correlation id that is not a GUID is dropped", async () => {
    const r = await assertSafeError(
      "APP_SERVICE",
      response(500, { statusCode: 500, message: "x", correlationId: TOKEN }),
    );
    assert.equal(r.correlation_id, undefined);
    assert.equal(r.error, "invalid_scope");
  });
});

describe("L1: CredentialError's message never repeats a JWT", () => {
  it("a description quoting a token (from any source) is cut out of the message", () => {
    const e = new CredentialError({
      error: "invalid_grant",
      error_description: `AADSTS50000: token ${TOKEN} was refused. Trace ID: ${CORRELATION}`,
    });
    assertNoSecret(e.message, "CredentialError.message");
    assert.equal(e.message, `invalid_grant: AADSTS50000: token [token removed] was refused. Trace ID: ${CORRELATION}`);
  });
});
