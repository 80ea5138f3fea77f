/**
 * Type tests of the named option types (docs/api.md "Mapping rules"): checked by `tsc -p tsconfig.tests.json`,
 * never run. A misspelt option is a compile error, `authScheme` is a PopAuthScheme (not `unknown`), and each
 * method takes its named type, so the types and the methods cannot drift apart.
 */
import type {
  AuthCodeFlowOptions,
  AuthorizationCodeOptions,
  AuthorizationRequestUrlOptions,
  ClientApplication,
  ClientCredentialsOptions,
  ConfidentialClientApplication,
  DeviceFlowOptions,
  DeviceFlowPollOptions,
  GetAccountsOptions,
  InitiateAuthCodeFlowOptions,
  InteractiveOptions,
  ManagedIdentityClient,
  ManagedIdentityTokenOptions,
  OnBehalfOfOptions,
  PopAuthScheme,
  PublicClientApplication,
  SilentOptions,
  UsernamePasswordOptions,
} from "../../src/index.ts";
import { expect, type Equal } from "./assert.ts";

/** The type of a method's parameter at position I (its options), without `undefined`. */
type OptionsOf<F extends (...args: never[]) => unknown, I extends number> = NonNullable<Parameters<F>[I]>;

expect<Equal<OptionsOf<ClientApplication["getAuthorizationRequestUrl"], 1>, AuthorizationRequestUrlOptions>>();
expect<Equal<OptionsOf<ClientApplication["initiateAuthCodeFlow"], 1>, InitiateAuthCodeFlowOptions>>();
expect<Equal<OptionsOf<ClientApplication["acquireTokenByAuthCodeFlow"], 2>, AuthCodeFlowOptions>>();
expect<Equal<OptionsOf<ClientApplication["acquireTokenByAuthorizationCode"], 2>, AuthorizationCodeOptions>>();
expect<Equal<OptionsOf<ClientApplication["acquireTokenByUsernamePassword"], 3>, UsernamePasswordOptions>>();
expect<Equal<OptionsOf<ClientApplication["acquireTokenSilent"], 2>, SilentOptions>>();
expect<Equal<OptionsOf<ClientApplication["acquireTokenSilentWithError"], 2>, SilentOptions>>();
expect<Equal<OptionsOf<ClientApplication["getAccounts"], 0>, GetAccountsOptions>>();
expect<Equal<OptionsOf<PublicClientApplication["initiateDeviceFlow"], 1>, DeviceFlowOptions>>();
expect<Equal<OptionsOf<PublicClientApplication["acquireTokenByDeviceFlow"], 1>, DeviceFlowPollOptions>>();
expect<Equal<OptionsOf<PublicClientApplication["acquireTokenInteractive"], 1>, InteractiveOptions>>();
expect<Equal<OptionsOf<ConfidentialClientApplication["acquireTokenForClient"], 1>, ClientCredentialsOptions>>();
expect<Equal<OptionsOf<ConfidentialClientApplication["acquireTokenOnBehalfOf"], 2>, OnBehalfOfOptions>>();
expect<Equal<OptionsOf<ManagedIdentityClient["acquireTokenForClient"], 0>, ManagedIdentityTokenOptions>>();

// authScheme is a PopAuthScheme wherever it is taken, not `unknown`.
expect<Equal<SilentOptions["authScheme"], PopAuthScheme | undefined>>();
expect<Equal<InteractiveOptions["authScheme"], PopAuthScheme | undefined>>();
expect<Equal<ClientCredentialsOptions["authScheme"], PopAuthScheme | undefined>>();
expect<Equal<AuthCodeFlowOptions["authScheme"], PopAuthScheme | undefined>>();
expect<Equal<UsernamePasswordOptions["authScheme"], PopAuthScheme | undefined>>();

export const silent: SilentOptions = { forceRefresh: true, claimsChallenge: "{}" };
export const client: ClientCredentialsOptions = { claimsChallenge: "{}", data: { token_type: "pop" } };
export const poll: DeviceFlowPollOptions = { signal: new AbortController().signal };

export async function misspeltOptionsDoNotCompile(
  cca: ConfidentialClientApplication,
  pca: PublicClientApplication,
  mi: ManagedIdentityClient,
): Promise<void> {
  // @ts-expect-error: managed identity needs a resource, not scopes.
  await mi.acquireTokenForClient({ scopes: ["https://vault.azure.net/.default"] });
  // @ts-expect-error: forceRefresh misspelt.
  const a: SilentOptions = { forceRefesh: true };
  // @ts-expect-error: claimsChallenge misspelt, in a call.
  await cca.acquireTokenForClient(["api/.default"], { claimChallenge: "{}" });
  // @ts-expect-error: acquireTokenForClient has no forceRefresh (MSAL Python's neither).
  await cca.acquireTokenForClient(["api/.default"], { forceRefresh: true });
  // @ts-expect-error: getAccounts takes username, not userName.
  await pca.getAccounts({ userName: "alice@contoso.com" });
  const plainObject = { httpMethod: "GET", url: "https://x", nonce: "n" } as const;
  // @ts-expect-error: a PoP scheme is a PopAuthScheme, not a plain object.
  await pca.acquireTokenSilent(["User.Read"], null, { authScheme: plainObject });
  // @ts-expect-error: the device flow takes a signal, not a timeout.
  await pca.acquireTokenByDeviceFlow({} as never, { timeout: 5 });
  void a;
}
