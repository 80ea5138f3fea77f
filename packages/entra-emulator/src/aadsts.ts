/**
 * Every AADSTS error the emulator answers, keyed by its number: the OAuth2 `error` Entra pairs with it, its HTTP
 * status where that is not the usual one, and the description sent when a request has nothing more specific to
 * say. Numbers and texts follow Entra's published error reference
 * (https://learn.microsoft.com/entra/identity-platform/reference-error-codes); the emulator's own additions
 * (90033 for its own failures) are marked.
 */
export interface AadstsEntry {
  /** The OAuth2 `error` member (RFC 6749 §5.2 and the device flow's RFC 8628 §3.5 codes, or Entra's own). */
  error: string;
  /** HTTP status; default 401 for `invalid_client` and 400 otherwise. */
  status?: number;
  description: string;
}

export const AADSTS = {
  28000: { error: "invalid_scope", description: "Provided value for the input parameter scope is not valid." },
  50006: { error: "invalid_grant", description: "Signature verification failed because of an invalid signature." },
  50008: { error: "invalid_grant", description: "SAML assertion is missing or misconfigured in the token." },
  50011: {
    error: "invalid_request",
    description:
      "The redirect URI specified in the request does not match the redirect URIs configured for the application.",
  },
  50013: {
    error: "invalid_grant",
    description:
      "Assertion failed signature validation. [Reason - The key was not found., or the assertion is not a token issued by this directory.]",
  },
  50020: { error: "invalid_grant", description: "User account from identity provider does not exist in tenant." },
  50027: { error: "invalid_client", description: "JWT token is invalid or malformed." },
  50034: { error: "invalid_grant", description: "The user account does not exist in the directory." },
  50049: { error: "invalid_instance", description: "Unknown or invalid instance." },
  50058: { error: "login_required", description: "A silent sign-in request was sent but no user is signed in." },
  50059: {
    error: "invalid_request",
    description:
      "No tenant-identifying information found in either the request or implied by any provided credentials.",
  },
  50076: {
    error: "invalid_grant",
    description:
      "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication.",
  },
  50107: { error: "invalid_grant", description: "The requested federation realm object doesn't exist." },
  50126: { error: "invalid_grant", description: "Error validating credentials due to invalid username or password." },
  54005: {
    error: "invalid_grant",
    description:
      "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
  },
  50166: { error: "invalid_request", description: "Request to External OIDC endpoint failed." },
  65001: {
    error: "consent_required",
    description: "The user or administrator has not consented to use the application.",
  },
  65004: { error: "access_denied", description: "User declined to consent to access the app." },
  // Entra answers an unknown scope of a known resource with invalid_client, yet with status 400.
  65005: {
    error: "invalid_client",
    status: 400,
    description: "The application asked for a scope that doesn't exist on the resource.",
  },
  70000: { error: "invalid_grant", description: "Provided grant is invalid or malformed." },
  70021: {
    error: "invalid_request",
    description: "No matching federated identity record found for presented assertion.",
  },
  70003: { error: "unsupported_grant_type", description: "The app requested an unsupported grant type." },
  70008: {
    error: "invalid_grant",
    description:
      "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
  },
  70016: {
    error: "authorization_pending",
    description: "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
  },
  70018: { error: "invalid_request", description: "Invalid verification code." },
  70019: { error: "expired_token", description: "Verification code expired." },
  90002: { error: "invalid_tenant", description: "Tenant not found." },
  90023: { error: "invalid_request", description: "Invalid request." },
  // The emulator's own: a handler failed (Entra would answer a server_error too).
  90033: { error: "server_error", status: 500, description: "The emulator failed to handle the request." },
  500011: { error: "invalid_resource", description: "The resource principal was not found in the tenant." },
  500112: {
    error: "invalid_grant",
    description: "The reply address does not match the reply address provided when requesting Authorization code.",
  },
  500133: { error: "invalid_grant", description: "Assertion is not within its valid time range." },
  501481: {
    error: "invalid_grant",
    description: "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
  },
  501491: { error: "invalid_request", description: "Invalid size of Code_Challenge parameter." },
  700016: { error: "unauthorized_client", description: "Application was not found in the directory." },
  700021: {
    error: "invalid_client",
    description: "Client assertion application identifier doesn't match 'client_id' parameter.",
  },
  700024: { error: "invalid_client", description: "Client assertion is not within its valid time range." },
  700025: {
    error: "invalid_client",
    description: "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
  },
  700027: { error: "invalid_client", description: "Client assertion contains an invalid signature." },
  700054: { error: "unsupported_response_type", description: "response_type is not enabled for the application." },
  700082: { error: "invalid_grant", description: "The refresh token has expired due to inactivity." },
  700211: {
    error: "invalid_client",
    description: "No matching federated identity record found for presented assertion issuer.",
  },
  700212: { error: "invalid_client", description: "The audience of the client assertion is not valid." },
  900144: { error: "invalid_request", description: "The request body must contain a required parameter." },
  900561: { error: "invalid_request", status: 405, description: "The endpoint only accepts POST requests." },
  1002012: {
    error: "invalid_scope",
    description:
      "The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).",
  },
  5002738: { error: "invalid_client", description: "Invalid JWT token: the signature algorithm is not supported." },
  7000215: { error: "invalid_client", description: "Invalid client secret provided." },
  7000218: {
    error: "invalid_client",
    description: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
  },
  9002313: { error: "invalid_grant", description: "Invalid request. Request is malformed or invalid." },
} as const satisfies Record<number, AadstsEntry>;

/** An AADSTS number the emulator knows. */
export type AadstsCode = keyof typeof AADSTS;
