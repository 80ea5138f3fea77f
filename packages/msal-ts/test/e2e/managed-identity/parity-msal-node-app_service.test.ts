/** Managed identity parity with @azure/msal-node, app_service (see the helper for why one source per file). */
import { managedIdentityParity } from "../../helpers/mi-parity.ts";

managedIdentityParity("app_service");
