/**
 * Runs the Contoso web app (examples/web-app/app.ts) on 127.0.0.1. It needs a Redis server (REDIS_URL,
 * default redis://127.0.0.1:6379), e.g. `redis-server --port 6379 --bind 127.0.0.1`.
 *
 *   npx tsx examples/web-app/server.ts --emulator   # the emulator, the Orders API and this app, all offline
 *
 *   CLIENT_ID=... CLIENT_SECRET=... AUTHORITY=https://login.microsoftonline.com/<tenant> \
 *     API_URL=http://127.0.0.1:4000 API_SCOPE=api://<app id uri>/access_as_user \
 *     SESSION_SECRET=<32+ random characters> npx tsx examples/web-app/server.ts
 *
 * Environment: PORT (default 3000), PUBLIC_URL (default http://localhost:PORT; register
 * PUBLIC_URL/auth/callback as a Web redirect URI of the app), CA_FILE (a CA to trust besides the system's).
 */
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { createClient } from "redis";
import { createWebApp } from "./app.ts";
import { listen, startDemo } from "./demo.ts";

const env = process.env;
const redis = createClient({ url: env.REDIS_URL ?? "redis://127.0.0.1:6379" });
redis.on("error", (e: Error) => console.error(`Redis: ${e.message}`));
await redis.connect();
const port = Number(env.PORT ?? 3000);

if (process.argv.includes("--emulator")) {
  const demo = await startDemo({ redis, port });
  console.log(`Emulator at ${demo.emulator.url} (its certificate is self-signed: accept it in the browser).`);
  console.log(`Sign in as alice@contoso.com / alice-password or bob@contoso.com / bob-password (MFA: approve).`);
  console.log(`Web app on ${demo.appUrl}`);
} else {
  const web = await listen(port);
  const publicUrl = env.PUBLIC_URL ?? web.url.replace("127.0.0.1", "localhost");
  web.server.on(
    "request",
    createWebApp({
      clientId: env.CLIENT_ID ?? "",
      clientSecret: env.CLIENT_SECRET ?? "",
      authority: env.AUTHORITY ?? "",
      publicUrl,
      redis,
      apiUrl: env.API_URL ?? "http://127.0.0.1:4000",
      apiScopes: [env.API_SCOPE ?? ""],
      // A random secret signs out everyone when the app restarts: set SESSION_SECRET to keep sessions.
      sessionSecret: env.SESSION_SECRET ?? randomBytes(32).toString("base64url"),
      ...(env.CA_FILE ? { caPem: readFileSync(env.CA_FILE, "utf8") } : {}),
    }),
  );
  console.log(`Web app on ${publicUrl}`);
}
