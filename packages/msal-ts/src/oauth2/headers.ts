import { isSafeHeaderValue } from "../http/server-text.js";
import { VERSION } from "../version.js";
import { currentTelemetryHeader, type TelemetryBuffer } from "./telemetry.js";

/** The library's identification headers, built once per application (docs/msal-python-compatibility.md section 1.1). */
export function libraryHeaders(o: {
  appName?: string | undefined;
  appVersion?: string | undefined;
  platform: string;
}): Record<string, string> {
  const headers: Record<string, string> = {
    "x-client-sku": "msal-ts",
    "x-client-ver": VERSION,
    "x-client-os": o.platform,
    "x-ms-lib-capability": "retry-after, h429",
  };
  if (o.appName) headers["x-app-name"] = o.appName;
  if (o.appVersion) headers["x-app-ver"] = o.appVersion;
  return headers;
}

/** The headers of one token-endpoint POST, in MSAL Python's order. */
export function tokenRequestHeaders(o: {
  library: Record<string, string>;
  correlationId: string;
  apiId: number;
  refreshReason: number;
  telemetry: TelemetryBuffer;
  anchorMailbox?: string | undefined;
}): Record<string, string> {
  const headers: Record<string, string> = {
    Accept: "application/json",
    ...o.library,
    "client-request-id": o.correlationId,
    "x-client-current-telemetry": currentTelemetryHeader(o.apiId, o.refreshReason),
    "x-client-last-telemetry": o.telemetry.lastHeader(),
  };
  // A routing hint only: built from the server's client_info (or a user name), it is left out rather than
  // sent when it could not be a valid header value (SECURITY.md, finding M1).
  if (o.anchorMailbox && isSafeHeaderValue(o.anchorMailbox)) headers["X-AnchorMailbox"] = o.anchorMailbox;
  return headers;
}

/** `X-AnchorMailbox` for a silent refresh: `Oid:{uid}@{utid}` from the home account id (section 1.4). */
export function anchorFromHomeAccountId(homeAccountId: string | null | undefined): string | undefined {
  return homeAccountId ? `Oid:${homeAccountId.replaceAll(".", "@")}` : undefined;
}
