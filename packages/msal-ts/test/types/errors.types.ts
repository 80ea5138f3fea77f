/**
 * Type tests of the error tree (docs/api.md "Errors"): checked by `tsc -p tsconfig.tests.json`, never run.
 * Each `expect<Equal<...>>()` and `@ts-expect-error` is an assertion: if `MsalError.code` widens back to
 * `string`, a code is added or dropped without this list, or `isMsalError` stops narrowing, the check fails.
 */
import {
  AuthorityError,
  CredentialError,
  InteractionRequiredError,
  isMsalError,
  MsalError,
  NetworkError,
  ServerError,
  type AnyMsalError,
  type MsalErrorCode,
  type MsalErrorWithCode,
} from "../../src/index.ts";
import { expect, type Equal } from "./assert.ts";

// The union is closed: exactly these codes, no `string`.
type Listed =
  | "invalid_argument"
  | "invalid_authority"
  | "network_error"
  | "timeout"
  | "server_error"
  | "invalid_response"
  | "response_too_large"
  | "invalid_cache"
  | "invalid_id_token"
  | "state_mismatch"
  | "issuer_mismatch"
  | "browser_interaction_timeout"
  | "browser_unavailable"
  | "loopback_listener_failed"
  | "listener_closed"
  | "aborted"
  | "invalid_redirect_uri"
  | "managed_identity_error"
  | "broker_unavailable"
  | "device_flow_unsupported"
  | "broker_binding_unsupported"
  | "invalid_client_assertion"
  | "federated_token_file_error"
  | "keyring_unavailable"
  | "cache_locked"
  | "interaction_required"
  | "credential_error"
  | "wstrust_error";
expect<Equal<MsalErrorCode, Listed>>();
expect<Equal<string extends MsalErrorCode ? true : false, false>>();
expect<Equal<MsalError["code"], MsalErrorCode>>();
// Every code of the discriminated union is a listed code, and every listed code has a member.
expect<Equal<AnyMsalError["code"], MsalErrorCode>>();

// Subclasses carry their own codes.
expect<Equal<NetworkError["code"], "network_error" | "timeout">>();
expect<Equal<ServerError["code"], "server_error" | "invalid_response" | "response_too_large">>();
expect<Equal<AuthorityError["code"], "invalid_authority">>();
expect<Equal<CredentialError["code"], "credential_error">>();
expect<Equal<InteractionRequiredError["code"], "interaction_required">>();

// A code narrows to the class that carries it.
expect<Equal<MsalErrorWithCode<"timeout">, NetworkError & { readonly code: "timeout" }>>();
expect<Equal<MsalErrorWithCode<"invalid_authority">, AuthorityError & { readonly code: "invalid_authority" }>>();
expect<Equal<MsalErrorWithCode<"cache_locked">, MsalError & { readonly code: "cache_locked" }>>();

export function narrowsWithGuard(e: unknown): void {
  if (isMsalError(e, "server_error")) {
    const status: number | undefined = e.status; // a ServerError field, no cast
    expect<Equal<typeof e.code, "server_error">>();
    void status;
  }
  if (isMsalError(e, "credential_error")) {
    const result: Record<string, unknown> = e.result;
    const providerCode: string = e.error;
    void result;
    void providerCode;
  }
  if (isMsalError(e)) {
    expect<Equal<typeof e.code, MsalErrorCode>>();
    // A switch over the code narrows the error: a discriminated union.
    switch (e.code) {
      case "timeout":
        expect<Equal<typeof e, NetworkError>>();
        break;
      case "invalid_response":
        expect<Equal<typeof e.status, number | undefined>>();
        break;
      default:
        break;
    }
  }
  // @ts-expect-error: a misspelt code does not compile.
  isMsalError(e, "timout");
  // @ts-expect-error: nor does a code msal-ts never throws.
  isMsalError(e, "invalid_grant");
  if (e instanceof MsalError) {
    // @ts-expect-error: comparing the code with a misspelt one is a compile error (no overlap).
    if (e.code === "server_eror") return;
  }
}

export function constructorsTakeListedCodes(): MsalError[] {
  return [
    new MsalError("cache_locked", "held"),
    new NetworkError("slow", { code: "timeout" }),
    new ServerError("not JSON", { code: "invalid_response", status: 200 }),
    // @ts-expect-error: a code invented on the spot does not compile.
    new MsalError("internal", "no signer"),
    // @ts-expect-error: NetworkError takes only its own codes.
    new NetworkError("refused", { code: "ECONNREFUSED" }),
  ];
}
