/**
 * Property tests of token responses (`postToken` and what the flows do with its result), driven through
 * real applications whose HTTP client is a scripted Entra answering every token POST with an arbitrary
 * status, headers and body: near-valid token responses, near-valid error responses, junk.
 *
 * Each call either returns an object (a success with a string access_token, or an object with `error`) or
 * throws an MsalError subclass; never a TypeError, RangeError, SyntaxError or other non-MsalError.
 * Afterwards the application's cache still serializes, reads back identically, holds only entries its own
 * lookups accept, and later lookups (getAccounts, acquireTokenSilent, acquireTokenForClient) do not throw.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  ConfidentialClientApplication,
  PublicClientApplication,
  SerializableTokenCache,
  type ClientApplication,
  type TokenResult,
} from "../../src/index.ts";
import type { HttpResponse } from "../../src/http/types.ts";
import { parseJsonObject } from "../../src/util/json.ts";
import { FakeClock, response } from "../helpers/fakes.ts";
import { FakeEntra } from "../helpers/entra-fake.ts";
import { unsignedJwt } from "../helpers/tokens.ts";
import {
  PARAMS,
  assertPlainObject,
  checkCache,
  checkResult,
  errorResponseBody as errorBody,
  httpResponse,
  malformedJwt,
  nearValid,
  settle,
  statusCode,
  toJsonText,
  tokenResponseBody,
  weirdValue,
} from "./support.ts";
import { expectError } from "../helpers/results.ts";

const CID = "11111111-2222-4333-8444-555555555555";
const AUTHORITY = "https://login.microsoftonline.com/contoso.onmicrosoft.com";
const USER_SCOPES = ["User.Read"];
const APP_SCOPES = ["api://resource/.default"];

const FLOWS = ["client_credentials", "auth_code", "refresh_token", "on_behalf_of", "password"] as const;
type Flow = (typeof FLOWS)[number];
const CONFIDENTIAL: ReadonlySet<Flow> = new Set(["client_credentials", "on_behalf_of"]);

const tokenBody = tokenResponseBody(CID);

const tokenResponse: fc.Arbitrary<HttpResponse> = httpResponse(
  fc.oneof({ weight: 3, arbitrary: tokenBody }, { weight: 1, arbitrary: errorBody }),
);

function makeApp(flow: Flow, http: FakeEntra, cache: SerializableTokenCache): ClientApplication {
  const options = {
    authority: AUTHORITY,
    httpClient: http,
    clock: new FakeClock(),
    tokenCache: cache,
    instanceDiscovery: false,
  };
  return CONFIDENTIAL.has(flow)
    ? new ConfidentialClientApplication(CID, { ...options, clientCredential: "the-secret" })
    : new PublicClientApplication(CID, options);
}

function call(flow: Flow, app: ClientApplication): Promise<TokenResult> {
  switch (flow) {
    case "client_credentials":
      return (app as ConfidentialClientApplication).acquireTokenForClient(APP_SCOPES);
    case "auth_code":
      return app.acquireTokenByAuthorizationCode("the-code", USER_SCOPES);
    case "refresh_token":
      return app.acquireTokenByRefreshToken("the-refresh-token", USER_SCOPES);
    case "on_behalf_of":
      return (app as ConfidentialClientApplication).acquireTokenOnBehalfOf("the-incoming-token", USER_SCOPES);
    case "password":
      return app.acquireTokenByUsernamePassword("alice@contoso.com", "the-password", USER_SCOPES);
  }
}

/** Later calls that read the cache: none throws anything but an MsalError, and what they return is well-formed. */
async function laterLookups(flow: Flow, app: ClientApplication): Promise<void> {
  const accounts = await app.getAccounts();
  for (const account of accounts) {
    assertPlainObject(account, "an account");
    assert.equal(typeof account.home_account_id, "string");
    const silent = await settle(() => app.acquireTokenSilentWithError(USER_SCOPES, account));
    if (silent.ok && silent.value !== null) checkResult(silent.value);
  }
  if (flow === "client_credentials") {
    const again = await settle(() => (app as ConfidentialClientApplication).acquireTokenForClient(APP_SCOPES));
    if (again.ok) checkResult(again.value);
  }
}

describe("property: token responses", () => {
  it("every flow returns a result or throws an MsalError; the cache stays consistent and usable", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...FLOWS),
        tokenResponse,
        fc.option(tokenResponse, { nil: undefined }),
        async (flow, first, later) => {
          const http = new FakeEntra();
          const cache = new SerializableTokenCache();
          http.token = () => first;
          const app = makeApp(flow, http, cache);
          const out = await settle(() => call(flow, app));
          const body = parseJsonObject(first.text);
          if (out.ok) {
            checkResult(out.value, body);
            if (body !== undefined && "access_token" in out.value && out.value.token_source === "identity_provider") {
              // A success keeps the server's fields as own fields (no prototype tricks), minus refresh_in and _-fields.
              assert.ok(!("error" in out.value), `a success does not look like an error: ${toJsonText(out.value)}`);
              for (const key of Object.keys(body))
                if (key !== "refresh_in" && !key.startsWith("_"))
                  assert.ok(Object.hasOwn(out.value, key), `field ${key} kept`);
            }
          }
          checkCache(cache);
          // The silent calls afterwards may refresh: the server answers them with another arbitrary response.
          if (later !== undefined) http.token = () => later;
          await laterLookups(flow, app);
          checkCache(cache);
        },
      ),
      PARAMS,
    );
  });
});

describe("property: user realm discovery responses (username/password flow)", () => {
  const realmBody = nearValid(
    fc.record({
      account_type: fc.constantFrom("Managed", "Federated", "Unknown", ""),
      domain_name: fc.constant("contoso.com"),
      cloud_instance_name: fc.constant("microsoftonline.com"),
      federation_protocol: fc.constantFrom("WSTrust", "SAML20"),
      federation_metadata_url: fc.constant("https://sts.contoso.com/metadata"),
    }),
    ["account_type", "domain_name", "cloud_instance_name", "federation_protocol", "federation_metadata_url"],
  );
  it("any user realm answer leads to a result or an MsalError", async () => {
    await fc.assert(
      fc.asyncProperty(httpResponse(realmBody, statusCode), async (realm) => {
        const http = new FakeEntra();
        http.userRealm = () => realm;
        http.token = () => response(200, { access_token: "AT", expires_in: 3600 });
        const app = makeApp("password", http, new SerializableTokenCache());
        const out = await settle(() => call("password", app));
        if (out.ok) checkResult(out.value);
      }),
      PARAMS,
    );
  });
});

describe("property: Cloud Shell token endpoint responses", () => {
  const cloudShellBody = fc.oneof(
    nearValid(
      fc.record({
        access_token: fc.oneof(
          fc.constant(unsignedJwt({ oid: "the-oid", tid: "the-tid", unique_name: "carol@contoso.com" })),
          malformedJwt,
          fc.constant("opaque"),
        ),
        expires_in: fc.oneof(fc.constant<unknown>("3600"), fc.constant<unknown>(3600), weirdValue),
        token_type: fc.constantFrom("Bearer", "bearer", "pop", ""),
        refresh_token: fc.constant("rt"),
      }),
      ["access_token", "expires_in", "token_type", "refresh_token"],
    ),
    nearValid(
      fc.record({
        error: fc.record({
          code: fc.oneof(
            { weight: 3, arbitrary: fc.constantFrom<unknown>("tenant_not_found", "unauthorized") },
            weirdValue,
          ),
          message: fc.oneof(
            { weight: 3, arbitrary: fc.string({ maxLength: 12 }) as fc.Arbitrary<unknown> },
            weirdValue,
          ),
        }),
      }),
      ["error"],
    ),
  );
  const outcome = async (answer: HttpResponse): Promise<Awaited<ReturnType<typeof settle<TokenResult>>>> => {
    const http = new FakeEntra();
    const discovery = http.responder;
    http.responder = (r) => (r.url === "http://localhost:50342/oauth2/token" ? answer : discovery(r));
    const app = new PublicClientApplication(CID, {
      authority: "https://login.microsoftonline.com/organizations",
      httpClient: http,
      clock: new FakeClock(),
      env: { AZUREPS_HOST_ENVIRONMENT: "cloud-shell/1.0" },
      instanceDiscovery: false,
    });
    return settle(() =>
      app.acquireTokenInteractive(["https://management.azure.com/user_impersonation"], { prompt: "none" }),
    );
  };

  it("give a success with a string token, an object with error, or an MsalError", async () => {
    await fc.assert(
      fc.asyncProperty(httpResponse(cloudShellBody), async (answer) => {
        const out = await outcome(answer);
        if (!out.ok) return;
        assertPlainObject(out.value, "the result");
        if (Object.hasOwn(out.value, "error")) return;
        assert.equal(typeof out.value.access_token, "string");
        assert.equal(out.value.token_source, "broker");
      }),
      PARAMS,
    );
  });

  // KNOWN BUG (reported, not fixed here): acquireTokenFromCloudShell copies error.code and error.message
  // into error and error_description whatever their type. Minimal case: HTTP 400
  // {"error":{"code":1,"message":""}} returns {"error":1}; {"error":{"code":{"x":1},"message":["m"]}} returns
  // {"error":{"x":1},"error_description":["m"]}. This property fails until only strings are copied.
  it("an error result has a string error (and a string error_description when present)", async () => {
    await fc.assert(
      fc.asyncProperty(httpResponse(cloudShellBody), async (answer) => {
        const out = await outcome(answer);
        if (!out.ok || !Object.hasOwn(out.value, "error")) return;
        const e = expectError(out.value);
        assert.equal(typeof e.error, "string", `error ${toJsonText(e)}`);
        if ("error_description" in e)
          assert.equal(typeof e.error_description, "string", `error_description ${toJsonText(e)}`);
      }),
      PARAMS,
    );
  });
});
