import { InvalidArgumentError } from "../errors.js";
import { acquireTokenByDeviceFlow, initiateDeviceFlow, type DeviceFlow } from "../flows/device-code.js";
import { acquireTokenInteractive, type InteractiveOptions } from "../flows/interactive.js";
import type { Broker } from "../flows/broker.js";
import { ClientApplication } from "./client-application.js";
import type { ClientApplicationOptions } from "./options.js";
import type { TokenError, TokenResult } from "../types.js";
import type { DeviceFlowOptions, DeviceFlowPollOptions } from "./request-options.js";

/** Options of {@link PublicClientApplication}. */
export interface PublicClientApplicationOptions extends Omit<ClientApplicationOptions, "clientCredential"> {
  /** Use WAM on Windows 10+ (needs `broker`). */
  enableBrokerOnWindows?: boolean;
  /** Use the Enterprise SSO plug-in on macOS (needs `broker`). */
  enableBrokerOnMac?: boolean;
  /** A native broker binding (msal-ts ships none). */
  broker?: Broker;
}

/**
 * An application that cannot keep a secret: CLIs, desktop and mobile apps.
 *
 * @example
 * ```ts
 * const app = new PublicClientApplication("client-id", { authority: "https://login.microsoftonline.com/organizations" });
 * const flow = await app.initiateDeviceFlow(["User.Read"]);
 * if ("error" in flow) throw new Error(`Device flow refused: ${flow.error}`);
 * console.log(flow.message);
 * const result = await app.acquireTokenByDeviceFlow(flow);
 * ```
 */
export class PublicClientApplication extends ClientApplication {
  /** Pass as `parentWindowHandle` from a console application when a broker is used. */
  static readonly CONSOLE_WINDOW_HANDLE: unique symbol = Symbol("CONSOLE_WINDOW_HANDLE");

  /**
   * @param clientId - the application (client) id.
   * @param options - see {@link PublicClientApplicationOptions}.
   * @throws InvalidArgumentError for a `clientCredential` (use ConfidentialClientApplication) or options that cannot work.
   */
  constructor(clientId: string, options: PublicClientApplicationOptions = {}) {
    if (options && "clientCredential" in options) {
      throw new InvalidArgumentError(
        "A PublicClientApplication has no clientCredential; use ConfidentialClientApplication for apps that keep a secret.",
      );
    }
    super(clientId, options, "public");
  }

  /**
   * Starts a device code flow: show `flow.message` to the user, then call {@link acquireTokenByDeviceFlow}.
   * An error from the identity provider is returned as a {@link TokenError} (narrow with `"error" in flow`).
   *
   * @param o - see {@link DeviceFlowOptions}.
   * @see {@link https://datatracker.ietf.org/doc/html/rfc8628 | RFC 8628}
   */
  initiateDeviceFlow(scopes?: string[], o?: DeviceFlowOptions): Promise<DeviceFlow | TokenError> {
    return initiateDeviceFlow(this.ctx, scopes ?? [], o);
  }

  /**
   * Polls until the user has signed in, declined, or the code expired. Set `flow.expires_at = 0` or abort
   * `signal` to stop early.
   *
   * @param flow - the object {@link initiateDeviceFlow} returned.
   * @param o - see {@link DeviceFlowPollOptions}.
   */
  acquireTokenByDeviceFlow(flow: DeviceFlow, o?: DeviceFlowPollOptions): Promise<TokenResult> {
    return acquireTokenByDeviceFlow(this.ctx, flow, o);
  }

  /**
   * Signs the user in with the system browser (or `openBrowser`) and a loopback redirect URI
   * `http://localhost:{port}` served on 127.0.0.1 only.
   */
  acquireTokenInteractive(scopes: string[], o?: InteractiveOptions): Promise<TokenResult> {
    return acquireTokenInteractive(this.ctx, scopes, o);
  }
}
