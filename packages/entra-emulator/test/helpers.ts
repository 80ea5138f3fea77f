import { request } from "node:https";
import { constants, createHash, createPrivateKey, randomBytes, sign as cryptoSign } from "node:crypto";
import { defaultConfig, startEmulator, type Emulator } from "../src/index.js";

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): Record<string, unknown>;
}

/** One HTTPS request to the emulator, trusting its CA. `form` is sent urlencoded; `raw` as is. */
export function call(
  emulator: Emulator,
  method: string,
  path: string,
  o: { form?: Record<string, string>; raw?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const url = path.startsWith("https://") ? path : `${emulator.url}${path}`;
  const body = o.form ? new URLSearchParams(o.form).toString() : o.raw;
  const headers: Record<string, string> = {
    ...(o.form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
    ...o.headers,
  };
  return new Promise((resolve, reject) => {
    const r = request(url, { method, ca: emulator.caPem, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text,
          json: () => JSON.parse(text) as Record<string, unknown>,
        });
      });
    });
    r.on("error", reject);
    if (body !== undefined) r.write(body);
    r.end();
  });
}

export function decodePayload(jwt: unknown): Record<string, unknown> {
  assertString(jwt);
  const part = jwt.split(".")[1] ?? "";
  return JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
}

function assertString(v: unknown): asserts v is string {
  if (typeof v !== "string") throw new TypeError(`expected a string, got ${typeof v}`);
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** The ids of the bundled demo configuration. */
export { DEMO } from "../src/index.js";

/**
 * The emulator most route and grant tests start: the demo configuration with a device-code polling interval
 * of 30 s.
 */
export function startDemoEmulator(): Promise<Emulator> {
  const config = defaultConfig();
  config.deviceCodeInterval = 30;
  return startEmulator({ config });
}

/** Asserts the shape of an Entra error body; returns it for further checks. */
export function entraError(reply: Reply, error: string, aadsts: number, status?: number): Record<string, unknown> {
  const body = reply.json();
  const problems: string[] = [];
  if (status !== undefined && reply.status !== status) problems.push(`status ${reply.status} != ${status}`);
  if (body.error !== error) problems.push(`error ${String(body.error)} != ${error}`);
  const d = String(body.error_description);
  if (!d.startsWith(`AADSTS${aadsts}: `)) problems.push(`description does not start with AADSTS${aadsts}: ${d}`);
  for (const line of ["\r\nTrace ID: ", "\r\nCorrelation ID: ", "\r\nTimestamp: "])
    if (!d.includes(line)) problems.push(`no ${line.trim()}`);
  if (JSON.stringify(body.error_codes) !== JSON.stringify([aadsts]))
    problems.push(`error_codes ${JSON.stringify(body.error_codes)}`);
  for (const k of ["timestamp", "trace_id", "correlation_id", "error_uri"])
    if (typeof body[k] !== "string") problems.push(`no ${k}`);
  if (problems.length > 0) throw new Error(`not the expected Entra error: ${problems.join("; ")}\n${reply.text}`);
  return body;
}

/** A client assertion as MSAL builds one (RS256, `x5t` = base64url SHA-1 thumbprint), for tests. */
export function clientAssertion(o: {
  keyPem: string;
  thumbprintSha1: string;
  clientId: string;
  aud: string;
  exp?: number;
  iss?: string;
  alg?: "RS256" | "PS256";
}): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: o.alg ?? "RS256", typ: "JWT", x5t: Buffer.from(o.thumbprintSha1, "hex").toString("base64url") };
  const payload = {
    aud: o.aud,
    iss: o.iss ?? o.clientId,
    sub: o.clientId,
    jti: randomBytes(8).toString("hex"),
    iat: now,
    exp: o.exp ?? now + 600,
  };
  const input = `${Buffer.from(JSON.stringify(header)).toString("base64url")}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}`;
  const key = createPrivateKey(o.keyPem);
  const signature =
    (o.alg ?? "RS256") === "RS256"
      ? cryptoSign("sha256", Buffer.from(input), key)
      : cryptoSign("sha256", Buffer.from(input), { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
  return `${input}.${signature.toString("base64url")}`;
}
