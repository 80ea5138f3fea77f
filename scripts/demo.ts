/**
 * `npm run demo`: starts the bundled Entra ID emulator, gets a client-credentials token from it over plain
 * HTTPS (what msal-ts will do for you once its flows land), prints a short summary, and stops everything.
 */
import { request } from "node:https";
import { startEmulator } from "../packages/entra-emulator/src/index.js";

const CLIENT_ID = "11111111-1111-4111-8111-111111111111";
const CLIENT_SECRET = "demo-client-secret"; // the bundled demo configuration's secret, not a real one
const SCOPE = "api://contoso-orders/.default";

function post(url: string, form: Record<string, string>, ca: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", ca, headers: { "content-type": "application/x-www-form-urlencoded" } }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> });
        } catch {
          reject(new Error(`the token endpoint answered ${res.statusCode} with a body that is not JSON`));
        }
      });
    });
    req.on("error", reject);
    req.end(new URLSearchParams(form).toString());
  });
}

const started = Date.now();
const emulator = await startEmulator();
try {
  console.log(`Entra ID emulator listening at ${emulator.url} (CA: ${emulator.caPath})`);
  const tokenEndpoint = `${emulator.authority()}/oauth2/v2.0/token`;
  console.log(`POST ${tokenEndpoint}  grant_type=client_credentials  scope=${SCOPE}`);
  const { status, body } = await post(
    tokenEndpoint,
    { grant_type: "client_credentials", client_id: CLIENT_ID, client_secret: CLIENT_SECRET, scope: SCOPE },
    emulator.caPem,
  );
  if (status !== 200 || typeof body.access_token !== "string") {
    console.error(`token request failed: HTTP ${status} ${String(body.error)}: ${String(body.error_description)}`);
    process.exitCode = 1;
  } else {
    const claims = JSON.parse(Buffer.from(body.access_token.split(".")[1] ?? "", "base64url").toString()) as Record<string, unknown>;
    console.log(`HTTP ${status}: ${String(body.token_type)} token, expires in ${String(body.expires_in)} s`);
    console.log(`  audience  ${String(claims.aud)}   (Contoso Orders API)`);
    console.log(`  issuer    ${String(claims.iss)}`);
    console.log(`  client    ${String(claims.azp)}   roles: ${JSON.stringify(claims.roles ?? [])}`);
    console.log(`  token     ${body.access_token.slice(0, 24)}... (${body.access_token.length} characters, RS256)`);
  }
} finally {
  await emulator.close();
}
console.log(`Done in ${Date.now() - started} ms; the emulator is stopped.`);
