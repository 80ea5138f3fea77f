/**
 * Property tests of authorization responses (what the redirect URI receives, as a query or a form_post
 * body) redeemed with `acquireTokenByAuthCodeFlow`. The expected outcome is stated independently of the
 * implementation:
 * - not an object: InvalidArgumentError;
 * - `state` not exactly the flow's: StateMismatchError, and nothing is sent;
 * - a non-empty string `code`: one token request carrying that code; the result is the server's (never a
 *   token injected into the redirect), or an MsalError such as IdTokenError for a replayed nonce;
 * - else a string `error`: only the error fields are returned, and nothing is sent;
 * - else InvalidArgumentError, and nothing is sent.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  IdTokenError,
  InvalidArgumentError,
  PublicClientApplication,
  SerializableTokenCache,
  StateMismatchError,
  type AuthCodeFlow,
} from "../../src/index.ts";
import { nonceHash } from "../../src/oauth2/pkce.ts";
import { FakeClock, response } from "../helpers/fakes.ts";
import { FakeEntra } from "../helpers/entra-fake.ts";
import { unsignedJwt } from "../helpers/tokens.ts";
import {
  PARAMS,
  assertPlainObject,
  checkCache,
  checkResult,
  clientInfoValue,
  settle,
  setOwn,
  weirdValue,
} from "./support.ts";
import { expectToken } from "../helpers/results.ts";

const CID = "33333333-4444-4555-8666-777777777777";
const AUTHORITY = "https://login.microsoftonline.com/contoso.onmicrosoft.com";
const SERVER_TOKEN = "the-server-access-token";

/** How the response's `state` relates to the flow's. */
const STATE_KINDS = [
  "same",
  "same",
  "same",
  "same",
  "missing",
  "other",
  "upper",
  "prefix",
  "suffix",
  "empty",
  "array",
  "number",
  "null",
  "padded",
] as const;
type StateKind = (typeof STATE_KINDS)[number];

function stateFor(kind: StateKind, state: string): unknown {
  switch (kind) {
    case "same":
      return state;
    case "missing":
      return undefined;
    case "other":
      return "another-flows-state";
    case "upper":
      return state.toUpperCase() === state ? `${state}X` : state.toUpperCase();
    case "prefix":
      return state.slice(0, -1);
    case "suffix":
      return `${state}=`;
    case "empty":
      return "";
    case "array":
      return [state];
    case "number":
      return 42;
    case "null":
      return null;
    case "padded":
      return ` ${state}`;
  }
}

/** Query-like records: code and/or error fields, injected tokens, odd extra keys, values of any type. */
const responseFields = fc.record(
  {
    code: fc.oneof(
      { weight: 6, arbitrary: fc.constant<unknown>("the-code") },
      fc.constant<unknown>(""),
      fc.string({ maxLength: 12 }),
      weirdValue,
    ),
    error: fc.oneof(
      {
        weight: 3,
        arbitrary: fc.constantFrom<unknown>(
          "access_denied",
          "invalid_request",
          "login_required",
          "interaction_required",
        ),
      },
      weirdValue,
    ),
    error_description: fc.oneof(fc.string({ maxLength: 30 }), weirdValue),
    error_uri: fc.oneof(fc.constant<unknown>("https://login.microsoftonline.com/error?code=50011"), weirdValue),
    client_info: clientInfoValue,
    session_state: fc.uuid(),
    access_token: fc.constant("injected-access-token"),
    id_token: fc.constant(unsignedJwt({ aud: CID, sub: "attacker", nonce: "whatever" })),
    refresh_token: fc.constant("injected-refresh-token"),
    ["__proto__"]: fc.constant<unknown>({ code: "from-prototype" }),
    extra: weirdValue,
  },
  { requiredKeys: [] },
);

/** The ID token the server returns: its nonce matches the flow's, is missing, or is another one. */
const NONCE_KINDS = ["match", "match", "match", "missing", "wrong", "raw"] as const;

function serverIdToken(kind: (typeof NONCE_KINDS)[number], flow: AuthCodeFlow): string {
  const nonce = String(flow.nonce);
  const claims: Record<string, unknown> = {
    aud: CID,
    iss: "https://login.microsoftonline.com/the-tid/v2.0",
    sub: "subject",
    oid: "the-oid",
    tid: "the-tid",
    preferred_username: "alice@contoso.com",
  };
  if (kind === "match") claims.nonce = nonceHash(nonce);
  if (kind === "wrong") claims.nonce = nonceHash(`${nonce}x`);
  if (kind === "raw") claims.nonce = nonce;
  return unsignedJwt(claims);
}

async function start(): Promise<{
  http: FakeEntra;
  app: PublicClientApplication;
  cache: SerializableTokenCache;
  flow: AuthCodeFlow;
}> {
  const http = new FakeEntra();
  const cache = new SerializableTokenCache();
  const app = new PublicClientApplication(CID, {
    authority: AUTHORITY,
    httpClient: http,
    clock: new FakeClock(),
    tokenCache: cache,
    instanceDiscovery: false,
  });
  const flow = await app.initiateAuthCodeFlow(["User.Read"], { redirectUri: "http://localhost:8400" });
  return { http, app, cache, flow };
}

describe("property: authorization responses (query and form_post) redeemed by acquireTokenByAuthCodeFlow", () => {
  it("state mismatch, code, error, or neither: each gives its outcome, and injected tokens are never used", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...STATE_KINDS),
        responseFields,
        fc.constantFrom(...NONCE_KINDS),
        async (stateKind, fields, nonceKind) => {
          const { http, app, cache, flow } = await start();
          http.token = () =>
            response(200, {
              access_token: SERVER_TOKEN,
              expires_in: 3600,
              token_type: "Bearer",
              id_token: serverIdToken(nonceKind, flow),
              client_info: "eyJ1aWQiOiJ1IiwidXRpZCI6InQifQ",
            });
          const authResponse: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(fields)) setOwn(authResponse, k, v);
          const state = stateFor(stateKind, flow.state);
          if (state !== undefined) authResponse.state = state;

          const out = await settle(() => app.acquireTokenByAuthCodeFlow(flow, authResponse as Record<string, string>));
          const sent = http.tokenRequests;
          if (authResponse.state !== flow.state) {
            assert.ok(
              !out.ok && out.error instanceof StateMismatchError,
              `state ${String(stateKind)}: StateMismatchError`,
            );
            assert.ok(!out.error.message.includes(flow.state), "the state is not echoed");
          } else if (typeof authResponse.code === "string" && authResponse.code !== "") {
            assert.equal(sent.length, 1, "one token request");
            assert.equal((sent[0]?.data as Record<string, string>).code, authResponse.code);
            if (nonceKind === "match") {
              assert.ok(out.ok, "a matching nonce redeems the code");
              checkResult(out.value);
              assert.equal(
                expectToken(out.value).access_token,
                SERVER_TOKEN,
                "the token is the server's, never one from the redirect",
              );
            } else {
              assert.ok(!out.ok && out.error instanceof IdTokenError, "a nonce that does not match is an IdTokenError");
            }
          } else if (typeof authResponse.error === "string") {
            assert.ok(out.ok, "an error response is returned");
            const result = out.value;
            assertPlainObject(result, "the error result");
            assert.equal(sent.length, 0, "nothing is sent for an error response");
            assert.equal(result.error, authResponse.error);
            for (const key of Object.keys(result))
              assert.ok(
                ["error", "error_description", "error_uri"].includes(key),
                `only error fields are returned, not ${key}`,
              );
            for (const key of ["error_description", "error_uri"]) {
              if (typeof authResponse[key] === "string") assert.equal(result[key], authResponse[key]);
              else assert.ok(!(key in result));
            }
          } else {
            assert.ok(
              !out.ok && out.error instanceof InvalidArgumentError,
              "neither code nor error: InvalidArgumentError",
            );
            assert.equal(sent.length, 0);
          }
          checkCache(cache);
        },
      ),
      PARAMS,
    );
  });

  it("an authResponse or flow of any shape gives a result or an MsalError", async () => {
    const flowEdit = fc.array(
      fc.tuple(
        fc.constantFrom(
          "state",
          "scope",
          "redirect_uri",
          "code_verifier",
          "nonce",
          "claims_challenge",
          "max_age",
          "auth_uri",
          "__proto__",
        ),
        weirdValue,
      ),
      { maxLength: 3 },
    );
    const anyResponse = fc.oneof(
      { weight: 3, arbitrary: responseFields.map((f) => f as unknown) },
      { weight: 1, arbitrary: fc.anything() },
      {
        weight: 1,
        arbitrary: fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), { maxKeys: 5 }),
      },
    );
    await fc.assert(
      fc.asyncProperty(
        flowEdit,
        anyResponse,
        fc.boolean(),
        fc.integer({ min: 0, max: 10_000 }),
        async (edits, fields, keepState, maxAge) => {
          const { http, app, cache, flow } = await start();
          http.token = () =>
            response(200, {
              access_token: SERVER_TOKEN,
              expires_in: 3600,
              id_token: serverIdToken("match", flow),
              client_info: "eyJ1aWQiOiJ1IiwidXRpZCI6InQifQ",
            });
          const state = flow.state;
          const edited: AuthCodeFlow = { ...flow, max_age: maxAge };
          for (const [k, v] of edits) setOwn(edited, k, v);
          let authResponse: unknown = fields;
          if (keepState && typeof fields === "object" && fields !== null && !Array.isArray(fields))
            authResponse = { ...fields, state: edited.state ?? state };
          const out = await settle(() =>
            app.acquireTokenByAuthCodeFlow(edited, authResponse as Record<string, string>),
          );
          if (out.ok) checkResult(out.value);
          checkCache(cache);
        },
      ),
      PARAMS,
    );
  });
});
