/**
 * An Azure SDK credential over msal-ts: a `TokenCredential` (the interface of `@azure/core-auth`, which
 * every Azure SDK client accepts) backed by a confidential client (client credentials), any application
 * with a signed-in account (silent), or the managed-identity client. Declared structurally, so msal-ts
 * depends on no Azure package.
 */
import { ConfidentialClientApplication } from "../application/confidential-client-application.js";
import type { ClientApplication } from "../application/client-application.js";
import type { Account, TokenResult } from "../types.js";
import { CredentialError, InteractionRequiredError, InvalidArgumentError } from "../errors.js";
import type { ManagedIdentityClient } from "../managed-identity/client.js";
import { untilAborted } from "../util/abort.js";

// CredentialError lives with the other errors; it stays importable from here, where it used to be.
export { CredentialError };

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
      throw new InvalidArgumentError(
        "MsalTokenCredential needs { app } (a ConfidentialClientApplication), { app, account }, or { managedIdentity }.",
      );
    }
    if ("app" in source && source.account === undefined && !(source.app instanceof ConfidentialClientApplication)) {
      throw new InvalidArgumentError(
        "A public client application needs the signed-in account: new MsalTokenCredential({ app, account }).",
      );
    }
    this.#source = source;
    this.#now = o.now ?? Date.now;
  }

  /**
   * Gets a token for `scopes` (Azure SDK clients pass `{resource}/.default`). A `claims` challenge (CAE)
   * bypasses the cache; `tenantId` selects another tenant for user tokens; `abortSignal` stops waiting.
   *
   * @throws CredentialError with the identity provider's error; InteractionRequiredError when a user must sign in again.
   */
  async getToken(scopes: string | string[], options: GetTokenOptions = {}): Promise<AccessToken | null> {
    const list = typeof scopes === "string" ? [scopes] : [...scopes];
    const claims = options.claims || undefined;
    const s = this.#source;
    let result: TokenResult | null;
    if ("managedIdentity" in s) {
      if (list.length !== 1)
        throw new InvalidArgumentError("Managed identity gets a token for one resource at a time: pass one scope.");
      const resource = (list[0] as string).replace(/\/\.default$/, "");
      result = await untilAborted(
        s.managedIdentity.acquireTokenForClient({ resource, ...(claims ? { claimsChallenge: claims } : {}) }),
        options.abortSignal,
      );
    } else if (s.account === undefined) {
      if (options.tenantId) {
        throw new InvalidArgumentError(
          "A per-request tenantId is not supported for client credentials: create an application for that tenant's authority.",
        );
      }
      result = await untilAborted(
        (s.app as ConfidentialClientApplication).acquireTokenForClient(list, claims ? { claimsChallenge: claims } : {}),
        options.abortSignal,
      );
    } else {
      const authority = options.tenantId ? `https://${s.account.environment}/${options.tenantId}` : undefined;
      result = await untilAborted(
        s.app.acquireTokenSilentWithError(list, s.account, {
          ...(claims ? { claimsChallenge: claims } : {}),
          ...(authority ? { authority } : {}),
        }),
        options.abortSignal,
      );
      if (result === null)
        throw new InteractionRequiredError(
          "No token can be had silently for this account: sign the user in again (interactive or device code).",
        );
    }
    return toAccessToken(result, this.#now());
  }
}
