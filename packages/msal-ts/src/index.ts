/**
 * msal-ts: the Microsoft Authentication Library for TypeScript on Node.js, with the API of MSAL Python 1.31.
 */
export { VERSION } from "./version.js";

export {
  MsalError,
  InvalidArgumentError,
  AuthorityError,
  NetworkError,
  ServerError,
  CacheError,
  IdTokenError,
  StateMismatchError,
  BrowserInteractionTimeoutError,
  ManagedIdentityError,
  BrokerUnavailableError,
  RedirectUriError,
  InteractionRequiredError,
  CredentialError,
  WsTrustError,
  isMsalError,
  type MsalErrorCode,
  type PlainMsalErrorCode,
  type AnyMsalError,
  type MsalErrorWithCode,
} from "./errors.js";
export type { HttpClient, HttpResponse, HttpGetOptions, HttpPostOptions, HttpCacheStore } from "./http/types.js";
export type { Logger, LogLevel } from "./runtime/logger.js";
export { TokenCache, type SearchOptions, type TokenCacheOptions } from "./cache/token-cache.js";
export { SerializableTokenCache } from "./cache/serializable-token-cache.js";
export type { TokenEvent } from "./cache/derive.js";
export type { CacheEntry, CredentialTypeName } from "./cache/schema.js";
export { AuthorityBuilder } from "./authority/builder.js";
export { AZURE_PUBLIC, AZURE_CHINA, AZURE_US_GOVERNMENT } from "./authority/constants.js";
export { ClientApplication } from "./application/client-application.js";
export { ConfidentialClientApplication } from "./application/confidential-client-application.js";
export { workloadIdentityApplication, type WorkloadIdentityOptions } from "./application/workload-identity.js";
export {
  PublicClientApplication,
  type PublicClientApplicationOptions,
} from "./application/public-client-application.js";
export type { DeviceFlow } from "./flows/device-code.js";
export type { InteractiveOptions } from "./flows/interactive.js";
export type { InitiateAuthCodeFlowOptions } from "./flows/auth-code.js";
export type { SilentOptions } from "./flows/silent.js";
export type {
  AuthCodeFlowOptions,
  AuthorizationCodeOptions,
  AuthorizationRequestUrlOptions,
  ClaimsChallengeOptions,
  ClientCredentialsOptions,
  DeviceFlowOptions,
  DeviceFlowPollOptions,
  ExtraDataOptions,
  GetAccountsOptions,
  OnBehalfOfOptions,
  RefreshTokenOptions,
  TokenBindingOptions,
  UsernamePasswordOptions,
} from "./application/request-options.js";
export type { Broker, BrokerPopParams, BrokerRequest } from "./flows/broker.js";
export { Prompt } from "./application/prompt.js";
export { PopAuthScheme, type PopHttpMethod } from "./crypto/pop-auth-scheme.js";
export type { ClientApplicationOptions } from "./application/options.js";
export type { Account, AuthCodeFlow, IdTokenClaims, TokenError, TokenResult, TokenSuccess } from "./types.js";
export { isTokenError, isTokenSuccess } from "./application/result-guards.js";
export { readExtra } from "./util/read-extra.js";
export type {
  AssertionCredential,
  AssertionCredentialDict,
  CertificateCredential,
  CertificateCredentialDict,
  ClientCredential,
  FederatedTokenFileCredential,
  FederatedTokenFileCredentialDict,
  PfxCredential,
  PfxCredentialDict,
} from "./oauth2/client-auth.js";
export type { Clock } from "./runtime/clock.js";
export {
  ManagedIdentityClient,
  type ManagedIdentityClientOptions,
  type ManagedIdentityTokenOptions,
} from "./managed-identity/client.js";
export {
  ManagedIdentity,
  SystemAssignedManagedIdentity,
  UserAssignedManagedIdentity,
  type ManagedIdentityConfig,
  type ManagedIdentityIdType,
} from "./managed-identity/identity.js";
export { PersistentTokenCache, type PersistentTokenCacheOptions } from "./persistence/persistent-token-cache.js";
export { loadHttpCache, saveHttpCache, type HttpCacheFileOptions } from "./persistence/http-cache-file.js";
export {
  DistributedTokenCache,
  redisStore,
  type DistributedStore,
  type DistributedTokenCacheOptions,
} from "./persistence/distributed-token-cache.js";
export type { CachePartition } from "./cache/partition.js";
export {
  MsalTokenCredential,
  type TokenCredential,
  type AccessToken,
  type GetTokenOptions,
} from "./azure/token-credential.js";
