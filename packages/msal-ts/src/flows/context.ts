/**
 * The per-application state every flow works with (docs/design.md "Runtime seams"): built once by the
 * application's constructor, never per request.
 */
import type { AliasResolver } from "../authority/aliases.js";
import type { RegionResolver } from "../authority/region.js";
import type { AuthorityResolver } from "../authority/resolver.js";
import type { TokenCache } from "../cache/token-cache.js";
import type { HttpClient } from "../http/types.js";
import type { ClientAuthenticator } from "../oauth2/client-auth.js";
import type { TelemetryBuffer } from "../oauth2/telemetry.js";
import { nowSeconds, type Clock } from "../runtime/clock.js";
import type { LogSink } from "../runtime/logger.js";
import type { SingleFlight } from "../util/single-flight.js";
import type { BrokerHandle } from "./broker.js";
import type { PopKey } from "../crypto/pop-key.js";

export interface FlowContext {
  readonly clientId: string;
  /** The throttled, HTTP-cached client. */
  readonly http: HttpClient;
  readonly clock: Clock;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: LogSink;
  readonly cache: TokenCache;
  readonly authorities: AuthorityResolver;
  readonly aliases: AliasResolver;
  /** Only for confidential clients with `azureRegion`. */
  readonly regions: RegionResolver | undefined;
  readonly telemetry: TelemetryBuffer;
  /** x-client-sku, x-client-ver, x-client-os, x-ms-lib-capability, x-app-name, x-app-ver. */
  readonly libraryHeaders: Readonly<Record<string, string>>;
  readonly capabilities: readonly string[] | undefined;
  readonly excludeScopes: readonly string[];
  /** Confidential clients only. */
  readonly clientAuth: ClientAuthenticator | undefined;
  readonly flights: SingleFlight;
  /** Hosts whose user realm endpoint answered 404 (ROPC skips the lookup there afterwards). */
  readonly noUserRealmHosts: Set<string>;
  /** The broker, when this (public) application uses one. */
  readonly broker: BrokerHandle | undefined;
  /** The key Proof-of-Possession tokens of this application are bound to (created on first use). */
  readonly popKey: PopKey;
  /** `process.platform` unless a test says otherwise. */
  readonly platform: string;
}

/** Current time of the flow's clock in epoch seconds (integer), as the token cache counts. */
export function now(ctx: FlowContext): number {
  return nowSeconds(ctx.clock);
}
