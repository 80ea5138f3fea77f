import { InvalidArgumentError } from "../errors.js";
import { removeTokensForClient } from "../flows/accounts.js";
import { acquireTokenForClient } from "../flows/client-credentials.js";
import { acquireTokenOnBehalfOf } from "../flows/on-behalf-of.js";
import { ClientApplication } from "./client-application.js";
import type { ClientApplicationOptions } from "./options.js";
import type { TokenResult } from "../types.js";
import type { ClientCredentialsOptions, OnBehalfOfOptions } from "./request-options.js";

/**
 * An application that can keep a secret: daemons, web apps, web APIs.
 *
 * @example
 * ```ts
 * const app = new ConfidentialClientApplication("client-id", {
 *   clientCredential: process.env.CLIENT_SECRET,
 *   authority: "https://login.microsoftonline.com/contoso.onmicrosoft.com",
 * });
 * const result = await app.acquireTokenForClient(["https://graph.microsoft.com/.default"]);
 * if ("access_token" in result) use(result.access_token); else console.error(result.error, result.error_description);
 * ```
 */
export class ConfidentialClientApplication extends ClientApplication {
  /** @throws InvalidArgumentError when `clientCredential` is missing or malformed. */
  constructor(clientId: string, options: ClientApplicationOptions = {}) {
    if (options?.clientCredential === undefined || options.clientCredential === null) {
      throw new InvalidArgumentError(
        "A ConfidentialClientApplication needs a clientCredential: a client secret, a certificate, a PFX file or a client assertion.",
      );
    }
    super(clientId, options, "confidential");
  }

  /**
   * A token for the app itself (client credentials), from the cache when it has a valid one. Concurrent
   * identical calls share one request. Scopes are `{resource}/.default`.
   *
   * @param o - see {@link ClientCredentialsOptions}.
   */
  acquireTokenForClient(scopes: string[], o?: ClientCredentialsOptions): Promise<TokenResult> {
    return acquireTokenForClient(this.ctx, scopes, o);
  }

  /**
   * A token for a downstream API on behalf of the user whose token `userAssertion` is.
   *
   * @param userAssertion - the access token the web API received.
   * @param o - see {@link OnBehalfOfOptions}.
   */
  acquireTokenOnBehalfOf(userAssertion: string, scopes: string[], o?: OnBehalfOfOptions): Promise<TokenResult> {
    return acquireTokenOnBehalfOf(this.ctx, userAssertion, scopes, o);
  }

  /** Removes this app's own (client-credential) tokens from the cache. */
  removeTokensForClient(): Promise<void> {
    return removeTokensForClient(this.ctx);
  }
}
