/**
 * An Azure SDK credential over msal-ts: a `TokenCredential` (the interface of `@azure/core-auth`, which
 * every Azure SDK client accepts) backed by a confidential client (client credentials), any application
 * with a signed-in account (silent), or the managed-identity client. Declared structurally, so msal-ts
 * depends on no Azure package.
 */
import { ConfidentialClientApplication } from "../application/confidential-client-application.js";
import type { ClientApplication } from "../application/client-application.js";
import type { Account, TokenResult } from "../types.js";
import { InvalidArgumentError, MsalError } from "../errors.js";
import type { ManagedIdentityClient } from "../managed-identity/client.js";

/** `@azure/core-auth`'s GetTokenOptions, as far as msal-ts uses them. */
export interface GetTokenOptions {
  abortSignal?: AbortSignal;
  /** A CAE claims challenge, already decoded (the bearer-token policy decodes it). */
  claims?: string;
  tenantId?: string;
  enableCae?: boolean;
  [other: string]: unknown;
}

/** `@azure/core-auth`'s AccessToken. */
export interface AccessToken {
  token: string;
  /** Epoch milliseconds. */
  expiresOnTimestamp: number;
  /** Epoch milliseconds: refresh proactively from then on. */
  refreshAfterTimestamp?: number;
  tokenType?: "Bearer" | "pop";
}

export interface TokenCredential {
  getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null>;
}

/**
 * A JWT (RFC 7519: base64url header starting `eyJ`, a dot, a payload) inside a text. Error objects are built
 * not to carry tokens (SECURITY.md, L1); this is the second line: a message never repeats one.
 */
const JWT_LIKE = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)?/g;

function messageOf(result: Record<string, unknown>): string {
  const text = `${String(result.error ?? "authentication failed")}: ${String(result.error_description ?? "no description").split(/\r?\n/)[0]}`;
  return text.replace(JWT_LIKE, "[token removed]");
}

/** An identity provider error, thrown because the Azure SDK expects errors from credentials to be thrown. */
export class CredentialError extends MsalError {
  /** The identity provider's answer (error, error_description, error_codes, ...). */
  readonly result: Record<string, unknown>;
  constructor(result: Record<string, unknown>) {
    super(typeof result.error === "string" ? result.error : "authentication_failed", messageOf(result));
    this.result = result;
  }
}

type Source =
  | { app: ConfidentialClientApplication; account?: undefined }
  | { app: ClientApplication; account: Account }
  | { managedIdentity: ManagedIdentityClient };

function toAccessToken(r: TokenResult, now: number): AccessToken {
  if (!("access_token" in r) || typeof r.access_token !== "string") throw new CredentialError({ ...r });
  const expiresIn = Number(r.expires_in);
  const token: AccessToken = {
    token: r.access_token,
    expiresOnTimestamp: now + (Number.isFinite(expiresIn) ? expiresIn : 0) * 1000,
    tokenType: r.token_type === "pop" ? "pop" : "Bearer",
  };
  if (typeof r.refresh_on === "number") token.refreshAfterTimestamp = r.refresh_on * 1000;
  return token;
}

function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/**
 * A TokenCredential for Azure SDK clients.
 *
 * @example
 * ```ts
 * import { SecretClient } from "@azure/keyvault-secrets";
 * const app = new ConfidentialClientApplication(clientId, { clientCredential, authority, clientCapabilities: ["CP1"] });
 * const client = new SecretClient(vaultUrl, new MsalTokenCredential({ app }));
 * // or: new MsalTokenCredential({ managedIdentity: new ManagedIdentityClient(new SystemAssignedManagedIdentity()) })
 * // or: new MsalTokenCredential({ app: publicApp, account })          (a signed-in user)
 * ```
 */
export class MsalTokenCredential implements TokenCredential {
  readonly #source: Source;
  readonly #now: () => number;

  constructor(source: Source, o: { now?: () => number } = {}) {
    if (!source || (!("managedIdentity" in source) && !("app" in source))) {
      throw new InvalidArgumentError("MsalTokenCredential needs { app } (a ConfidentialClientApplication), { app, account }, or { managedIdentity }.");
    }
    if ("app" in source && source.account === undefined && !(source.app instanceof ConfidentialClientApplication)) {
      throw new InvalidArgumentError("A public client application needs the signed-in account: new MsalTokenCredential({ app, account }).");
    }
    this.#source = source;
    this.#now = o.now ?? Date.now;
  }

  /**
   * Gets a token for `scopes` (Azure SDK clients pass `{resource}/.default`). A `claims` challenge (CAE)
   * bypasses the cache; `tenantId` selects another tenant for user tokens; `abortSignal` stops waiting.
   *
   * @throws CredentialError with the identity provider's error; MsalError when a user must sign in again.
   */
  async getToken(scopes: string | string[], options: GetTokenOptions = {}): Promise<AccessToken | null> {
    const list = typeof scopes === "string" ? [scopes] : [...scopes];
    const claims = options.claims || undefined;
    const s = this.#source;
    let result: TokenResult | null;
    if ("managedIdentity" in s) {
      if (list.length !== 1) throw new InvalidArgumentError("Managed identity gets a token for one resource at a time: pass one scope.");
      const resource = (list[0] as string).replace(/\/\.default$/, "");
      result = await abortable(s.managedIdentity.acquireTokenForClient({ resource, ...(claims ? { claimsChallenge: claims } : {}) }), options.abortSignal);
    } else if (s.account === undefined) {
      if (options.tenantId) {
        throw new InvalidArgumentError("A per-request tenantId is not supported for client credentials: create an application for that tenant's authority.");
      }
      result = await abortable((s.app as ConfidentialClientApplication).acquireTokenForClient(list, claims ? { claimsChallenge: claims } : {}), options.abortSignal);
    } else {
      const authority = options.tenantId ? `https://${s.account.environment}/${options.tenantId}` : undefined;
      result = await abortable(
        s.app.acquireTokenSilentWithError(list, s.account, { ...(claims ? { claimsChallenge: claims } : {}), ...(authority ? { authority } : {}) }),
        options.abortSignal,
      );
      if (result === null) throw new MsalError("interaction_required", "No token can be had silently for this account: sign the user in again (interactive or device code).");
    }
    return toAccessToken(result, this.#now());
  }
}
