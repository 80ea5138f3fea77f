/**
 * Runs the Contoso Orders web API (examples/web-api/app.ts) on 127.0.0.1.
 *
 *   CLIENT_ID=... CLIENT_SECRET=... AUTHORITY=https://login.microsoftonline.com/<tenant> \
 *     API_AUDIENCE=api://<app id uri> npx tsx examples/web-api/server.ts
 *
 * Environment: PORT (default 4000), API_SCOPE (default access_as_user), API_ROLE (default Orders.Read.All),
 * DOWNSTREAM_URL and DOWNSTREAM_SCOPE (called on the user's behalf; default Azure Resource Manager's
 * subscription list), CA_FILE (a CA to trust, e.g. the emulator's). `examples/web-app/server.ts --emulator`
 * starts this API itself, against the emulator.
 */
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { createWebApi } from "./app.ts";

const env = process.env;
const app = await createWebApi({
  clientId: env.CLIENT_ID ?? "",
  clientSecret: env.CLIENT_SECRET ?? "",
  authority: env.AUTHORITY ?? "",
  audiences: env.API_AUDIENCE ? [env.API_AUDIENCE] : [],
  scope: env.API_SCOPE ?? "access_as_user",
  role: env.API_ROLE ?? "Orders.Read.All",
  downstream: {
    url: env.DOWNSTREAM_URL ?? "https://management.azure.com/subscriptions?api-version=2022-12-01",
    scopes: [env.DOWNSTREAM_SCOPE ?? "https://management.azure.com/user_impersonation"],
  },
  ...(env.CA_FILE ? { caPem: readFileSync(env.CA_FILE, "utf8") } : {}),
});
const server = app.listen(Number(env.PORT ?? 4000), "127.0.0.1", () => {
  console.log(`Contoso Orders API on http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`);
});
