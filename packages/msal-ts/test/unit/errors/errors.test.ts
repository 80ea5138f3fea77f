/**
 * The error tree at runtime (docs/api.md "Errors"): isMsalError, the errors that replaced codes invented on
 * the spot or a plain TypeError, and CredentialError's fields.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CredentialError,
  InteractionRequiredError,
  InvalidArgumentError,
  isMsalError,
  MsalError,
  MsalTokenCredential,
  NetworkError,
  PublicClientApplication,
  ServerError,
  type Account,
} from "../../../src/index.ts";
import { FakeEntra } from "../../helpers/entra-fake.ts";

describe("isMsalError", () => {
  it("is true for msal-ts errors only", () => {
    assert.equal(isMsalError(new MsalError("cache_locked", "held")), true);
    assert.equal(isMsalError(new NetworkError("refused")), true);
    assert.equal(isMsalError(new Error("plain")), false);
    assert.equal(isMsalError(new TypeError("x is not a function")), false);
    // An object that merely looks like one (e.g. after a JSON round trip) is not one.
    assert.equal(isMsalError({ name: "NetworkError", code: "timeout", message: "slow" }), false);
    assert.equal(isMsalError(undefined), false);
    assert.equal(isMsalError("timeout"), false);
  });

  it("with a code, is true only for that code", () => {
    const slow = new NetworkError("no answer in time", { code: "timeout" });
    assert.equal(isMsalError(slow, "timeout"), true);
    assert.equal(isMsalError(slow, "network_error"), false);
    const unusable = new ServerError("not JSON", { status: 200, code: "invalid_response" });
    assert.equal(isMsalError(unusable, "invalid_response"), true);
    assert.equal(isMsalError(unusable, "server_error"), false);
    assert.equal(isMsalError(new Error("timeout"), "timeout"), false);
  });
});

describe("errors that used to be something else", () => {
  it("a PublicClientApplication with a clientCredential throws InvalidArgumentError (was a TypeError)", () => {
    assert.throws(
      () => new PublicClientApplication("cid", { clientCredential: "secret" } as never),
      (e: unknown) =>
        e instanceof InvalidArgumentError &&
        e.code === "invalid_argument" &&
        /ConfidentialClientApplication/.test(e.message),
    );
  });

  it("MsalTokenCredential throws InteractionRequiredError when no token can be had silently", async () => {
    const http = new FakeEntra();
    const app = new PublicClientApplication("cid", {
      authority: "https://login.microsoftonline.com/contoso.onmicrosoft.com",
      httpClient: http,
    });
    const account: Account = {
      home_account_id: "uid.utid",
      environment: "login.microsoftonline.com",
      realm: "utid",
      local_account_id: "uid",
      username: "alice@contoso.com",
      authority_type: "MSSTS",
    };
    await assert.rejects(
      new MsalTokenCredential({ app, account }).getToken("https://graph.microsoft.com/.default"),
      (e: unknown) =>
        e instanceof InteractionRequiredError &&
        isMsalError(e, "interaction_required") &&
        /sign the user in again/.test(e.message),
    );
    assert.equal(http.tokenRequests.length, 0, "nothing in the cache to refresh, so no token request");
  });
});

describe("CredentialError", () => {
  it("has the listed code; the provider's own code is its error field", () => {
    const e = new CredentialError({
      error: "invalid_client",
      error_description: "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x",
    });
    assert.equal(e.code, "credential_error");
    assert.equal(e.error, "invalid_client");
    assert.equal(e.message, "invalid_client: AADSTS7000215: Invalid client secret provided.");
    assert.equal(e.name, "CredentialError");
    assert.ok(isMsalError(e, "credential_error"));
  });

  it("names authentication_failed when the answer has no error code", () => {
    const e = new CredentialError({ token_type: "Bearer" });
    assert.equal(e.error, "authentication_failed");
    assert.equal(e.message, "authentication failed: no description");
  });
});
