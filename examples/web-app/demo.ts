/**
 * The web app and the web API together against the bundled emulator, on 127.0.0.1 and OS-chosen ports
 * unless told: what `server.ts --emulator` runs, and what the web-app test drives in a browser.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { DEMO, defaultConfig, startEmulator, type Emulator } from "entra-emulator";
import { createWebApi, type WebApiOptions } from "../web-api/app.ts";
import { createWebApp, type WebAppOptions } from "./app.ts";

export interface Demo {
  /** The web app's base URL, e.g. `http://127.0.0.1:3000`. */
  appUrl: string;
  /** The web API's base URL. */
  apiUrl: string;
  emulator: Emulator;
  close(): Promise<void>;
}

/** Starts the emulator with the web app's redirect and sign-out return URIs registered (any port: loopback URIs). */
export async function startDemoEmulator(): Promise<Emulator> {
  const config = defaultConfig();
  const web = config.apps.find((a) => a.clientId === DEMO.confidential);
  if (!web) throw new Error("the emulator's demo configuration has no web app");
  web.redirectUris = [...(web.redirectUris ?? []), "http://127.0.0.1/auth/callback", "http://127.0.0.1/signed-out"];
  return startEmulator({ config });
}

/** The Orders API's options against the emulator (its downstream API: the emulator's Resource Manager). */
export function demoApiOptions(emulator: Emulator): WebApiOptions {
  return {
    clientId: DEMO.api,
    clientSecret: DEMO.apiSecret,
    authority: emulator.authority(),
    audiences: ["api://contoso-orders"],
    scope: "access_as_user",
    role: "Orders.Read.All",
    downstream: {
      url: `${emulator.url}/subscriptions?api-version=2022-12-01`,
      scopes: ["https://management.azure.com/user_impersonation"],
    },
    caPem: emulator.caPem,
  };
}

/** Listens on 127.0.0.1 (port 0: chosen by the OS) and returns the server and its base URL. */
export async function listen(port = 0): Promise<{ server: Server; url: string }> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const close = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });

/** Starts the emulator, the web API and the web app; the app keeps sessions and tokens in `redis`. */
export async function startDemo(o: { redis: WebAppOptions["redis"]; port?: number }): Promise<Demo> {
  const emulator = await startDemoEmulator();
  const api = await listen();
  api.server.on("request", await createWebApi(demoApiOptions(emulator)));
  // The redirect URI is below the app's own URL, known once it listens.
  const web = await listen(o.port);
  const app = createWebApp({
    clientId: DEMO.confidential,
    clientSecret: DEMO.secret,
    authority: emulator.authority(),
    publicUrl: web.url,
    redis: o.redis,
    apiUrl: api.url,
    apiScopes: ["api://contoso-orders/access_as_user"],
    sessionSecret: randomBytes(32).toString("base64url"),
    caPem: emulator.caPem,
  });
  web.server.on("request", app);
  return {
    appUrl: web.url,
    apiUrl: api.url,
    emulator,
    close: async () => {
      await close(web.server);
      await close(api.server);
      await emulator.close();
    },
  };
}
