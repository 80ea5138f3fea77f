/**
 * Type tests of the result shapes (API.md "Results and data shapes"): checked by `tsc -p tsconfig.tests.json`,
 * never run. Each `expect<Equal<...>>()` and `@ts-expect-error` is an assertion: if the types loosen (an
 * index signature comes back, a field turns `unknown`) or narrowing stops working, the type check fails.
 * No casts: every value comes from a parameter or an application method.
 */
import {
  isTokenError,
  isTokenSuccess,
  readExtra,
  type Account,
  type AuthCodeFlow,
  type ConfidentialClientApplication,
  type DeviceFlow,
  type IdTokenClaims,
  type ManagedIdentityClient,
  type PublicClientApplication,
  type TokenError,
  type TokenResult,
  type TokenSuccess,
} from "../../src/index.ts";
import { expect, type Equal, type HasStringIndex } from "./assert.ts";

// No string index signature weakens the documented fields.
expect<Equal<HasStringIndex<TokenSuccess>, false>>();
expect<Equal<HasStringIndex<TokenError>, false>>();
expect<Equal<HasStringIndex<Account>, false>>();
expect<Equal<HasStringIndex<AuthCodeFlow>, false>>();
expect<Equal<HasStringIndex<DeviceFlow>, false>>();
// ID token claims stay open (any claim may appear), but the documented ones are typed.
expect<Equal<HasStringIndex<IdTokenClaims>, true>>();

// What the methods return.
type Returned<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;
expect<Equal<Returned<ConfidentialClientApplication["acquireTokenForClient"]>, TokenResult>>();
expect<Equal<Returned<ConfidentialClientApplication["acquireTokenOnBehalfOf"]>, TokenResult>>();
expect<Equal<Returned<PublicClientApplication["acquireTokenByUsernamePassword"]>, TokenResult>>();
expect<Equal<Returned<PublicClientApplication["acquireTokenSilent"]>, TokenSuccess | null>>();
expect<Equal<Returned<PublicClientApplication["acquireTokenSilentWithError"]>, TokenResult | null>>();
expect<Equal<Returned<PublicClientApplication["initiateDeviceFlow"]>, DeviceFlow | TokenError>>();
expect<Equal<Returned<PublicClientApplication["acquireTokenByDeviceFlow"]>, TokenResult>>();
expect<Equal<Returned<PublicClientApplication["initiateAuthCodeFlow"]>, AuthCodeFlow>>();
expect<Equal<Returned<PublicClientApplication["getAccounts"]>, Account[]>>();
expect<Equal<Returned<ManagedIdentityClient["acquireTokenForClient"]>, TokenResult>>();

/** `"access_token" in r` narrows both ways. */
export function accessTokenIn(r: TokenResult): void {
  if ("access_token" in r) {
    expect<Equal<typeof r, TokenSuccess>>();
    expect<Equal<typeof r.access_token, string>>();
    expect<Equal<typeof r.token_type, string>>();
    expect<Equal<typeof r.expires_in, number>>();
    expect<Equal<typeof r.token_source, "cache" | "identity_provider" | "broker">>();
    expect<Equal<typeof r.refresh_token, string | undefined>>();
    expect<Equal<typeof r.id_token_claims, IdTokenClaims | undefined>>();
    expect<Equal<typeof r.refresh_on, number | undefined>>();
    expect<Equal<typeof r.ext_expires_in, number | undefined>>();
    expect<Equal<typeof r.resource, string | undefined>>();
    // @ts-expect-error a misspelt field is a compile error, not `unknown`
    void r.acess_token;
    // @ts-expect-error error fields are not on a token
    void r.error;
  } else {
    expect<Equal<typeof r, TokenError>>();
    const code: string = r.error; // the README's pattern: a string, not unknown
    void code;
    expect<Equal<typeof r.error_description, string | undefined>>();
    expect<Equal<typeof r.error_codes, number[] | undefined>>();
    expect<Equal<typeof r.suberror, string | undefined>>();
    expect<Equal<typeof r.claims, string | undefined>>();
    expect<Equal<typeof r.correlation_id, string | undefined>>();
    // @ts-expect-error a misspelt field is a compile error
    void r.error_descripton;
    // @ts-expect-error token fields are not on an error
    void r.access_token;
  }
}

/** `"error" in r` narrows both ways. */
export function errorIn(r: TokenResult): void {
  if ("error" in r) {
    expect<Equal<typeof r, TokenError>>();
    expect<Equal<typeof r.error, string>>();
  } else {
    expect<Equal<typeof r, TokenSuccess>>();
    expect<Equal<typeof r.access_token, string>>();
  }
}

/** The guards narrow both ways, also with the `null` of the silent calls. */
export function guards(r: TokenResult, silent: TokenResult | null, flow: DeviceFlow | TokenError): void {
  if (isTokenError(r)) expect<Equal<typeof r, TokenError>>();
  else expect<Equal<typeof r, TokenSuccess>>();
  if (isTokenSuccess(r)) expect<Equal<typeof r, TokenSuccess>>();
  else expect<Equal<typeof r, TokenError>>();
  if (isTokenSuccess(silent)) expect<Equal<typeof silent, TokenSuccess>>();
  else expect<Equal<typeof silent, TokenError | null>>();
  if (isTokenError(flow)) expect<Equal<typeof flow, TokenError>>();
  else expect<Equal<typeof flow, DeviceFlow>>();
  const errors: TokenError[] = [r, r].filter(isTokenError);
  void errors;
}

/** Before narrowing, neither side's fields can be read: the error case cannot be forgotten. */
export function unionOnly(r: TokenResult): void {
  // @ts-expect-error access_token may be absent (an error)
  void r.access_token;
  // @ts-expect-error error may be absent (a token)
  void r.error;
}

/** A device flow must be narrowed before it is polled. */
export async function deviceFlow(app: PublicClientApplication): Promise<void> {
  const flow = await app.initiateDeviceFlow(["User.Read"]);
  // @ts-expect-error the flow may be an error: narrow it first
  await app.acquireTokenByDeviceFlow(flow);
  // @ts-expect-error message may be absent (an error)
  void flow.message;
  if ("error" in flow) {
    expect<Equal<typeof flow, TokenError>>();
    return;
  }
  expect<Equal<typeof flow, DeviceFlow>>();
  expect<Equal<typeof flow.message, string>>();
  expect<Equal<typeof flow.expires_at, number>>();
  expect<Equal<typeof flow.interval, number>>();
  // @ts-expect-error a misspelt field is a compile error
  void flow.user_cod;
  expect<Equal<Returned<typeof app.acquireTokenByDeviceFlow>, TokenResult>>();
}

/** Accounts and auth code flows: documented fields typed, misspellings rejected. */
export function dataShapes(account: Account, flow: AuthCodeFlow, claims: IdTokenClaims): void {
  expect<Equal<typeof account.username, string>>();
  expect<Equal<typeof account.authority_type, "MSSTS" | "ADFS" | "CLOUDSHELL">>();
  expect<Equal<typeof account.account_source, string | undefined>>();
  // @ts-expect-error a misspelt field is a compile error
  void account.home_acount_id;
  expect<Equal<typeof flow.auth_uri, string>>();
  expect<Equal<typeof flow.state, string>>();
  // @ts-expect-error a misspelt field is a compile error
  void flow.auth_url;
  expect<Equal<typeof claims.preferred_username, string | undefined>>();
  expect<Equal<typeof claims.roles, string[] | undefined>>();
  expect<Equal<typeof claims.aud, string | string[] | undefined>>();
  expect<Equal<typeof claims.exp, number | undefined>>();
  expect<Equal<(typeof claims)["xms_custom"], unknown>>();
  const who: string | undefined = claims.preferred_username;
  void who;
}

/** Fields beyond the documented ones: read with readExtra, as unknown. */
export function extras(r: TokenResult, flow: DeviceFlow): void {
  expect<Equal<ReturnType<typeof readExtra>, unknown>>();
  const notBefore = readExtra(r, "not_before");
  expect<Equal<typeof notBefore, unknown>>();
  void notBefore;
  void readExtra(flow, "verification_url");
}
