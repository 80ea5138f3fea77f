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
} from "./errors.js";
export type { HttpClient, HttpResponse, HttpGetOptions, HttpPostOptions, HttpCacheStore } from "./http/types.js";
export type { Logger, LogLevel } from "./runtime/logger.js";
export { TokenCache, type SearchOptions } from "./cache/token-cache.js";
export { SerializableTokenCache } from "./cache/serializable-token-cache.js";
export type { TokenEvent } from "./cache/derive.js";
export type { CacheEntry, CredentialTypeName } from "./cache/schema.js";
export { AuthorityBuilder } from "./authority/builder.js";
export { AZURE_PUBLIC, AZURE_CHINA, AZURE_US_GOVERNMENT } from "./authority/constants.js";
