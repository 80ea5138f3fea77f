/** Managed identity parity with @azure/msal-node, imds (see the helper for why one source per file). */
import { managedIdentityParity } from "../../helpers/mi-parity.ts";

managedIdentityParity("imds");
