/**
 * An independent OpenID provider for the conformance suites: panva's oidc-provider 8 over HTTPS on
 * 127.0.0.1 (OS-chosen port, throwaway CA), with two issuers on one server:
 *
 * - `/full`: takes `client_secret_post`, `client_secret_basic`, `private_key_jwt` and `none`;
 * - `/basic`: the same without `client_secret_post`, so a client must send its secret in a Basic header.
 *
 * Sign-in is auto-approved (user "alice", every requested scope granted) by an interaction handler that
 * an HTTP "browser" with a cookie jar drives; token and device requests are recorded as the provider
 * parsed them; storage is an in-memory adapter the test can reach into (to expire refresh tokens).
 */
import { generateKeyPairSync, randomBytes, X509Certificate, type KeyObject } from "node:crypto";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { IncomingMessage, ServerResponse } from "node:http";
import forge from "node-forge";
import Provider, { type KoaContext } from "oidc-provider";

export const SECRET_APP = "secret-app";
/** Characters that form-urlencoding changes, to check RFC 6749 2.3.1's encoding of Basic credentials. */
export const SECRET = "s3cret:/+ value%";
export const JWT_APP = "jwt-app";
export const PUBLIC_APP = "public-app";
export const REDIRECT_URI = "https://app.example/callback";
export const NATIVE_REDIRECT_URI = "http://127.0.0.1/callback";
export const USER = "alice";
export const USERNAME = "alice@example.com";
export const ISSUER_NAMES = ["full", "basic"] as const;
export type IssuerName = (typeof ISSUER_NAMES)[number];

/** A token, device or discovery request as the provider saw it, with its answer. */
export interface Recorded {
  issuer: IssuerName;
  method: string;
  path: string;
  authorization: string | undefined;
  form: Record<string, unknown>;
  status: number;
  body: Record<string, unknown>;
}

export interface OpenIdProvider {
  /** CA certificate (PEM) to pass as `verify`. */
  caPem: string;
  /** `https://127.0.0.1:{port}/{name}`: the issuer and the `oidcAuthority`. */
  issuer(name: IssuerName): string;
  /** The private_key_jwt client's key and certificate (PEM). */
  clientKeyPem: string;
  clientCertPem: string;
  /** SHA-256 thumbprint (hex) of the client certificate, for msal-node. */
  clientCertSha256: string;
  /** Requests seen so far, oldest first. */
  readonly requests: Recorded[];
  /** The provider's own reasons for refused token requests (`error_detail`), oldest first. */
  readonly refusals: string[];
  /** Token endpoint requests seen so far. */
  tokenRequests(): Recorded[];
  /** Follows an authorization URL through the auto-approved sign-in to the redirect; returns its query. */
  signIn(authUri: string, redirectUri: string): Promise<Record<string, string>>;
  /** Enters and confirms a device flow's user code, then signs in. */
  approveDevice(verificationUri: string, userCode: string): Promise<void>;
  /** Sets the expiry of every stored refresh token into the past. Returns how many there were. */
  expireRefreshTokens(issuer: IssuerName): number;
  /** A raw POST to a token endpoint (to replay a recorded request). */
  postForm(url: string, form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

interface TlsMaterial {
  caPem: string;
  certPem: string;
  keyPem: string;
}

function forgeCertificate(o: {
  subject: string;
  publicKey: KeyObject;
  signer: KeyObject;
  issuer?: forge.pki.Certificate;
  ca: boolean;
  ip?: string;
}): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(o.publicKey.export({ type: "spki", format: "pem" }).toString());
  // A positive serial: the top bit cleared.
  cert.serialNumber = `0${randomBytes(15).toString("hex")}`;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
  cert.setSubject([{ name: "commonName", value: o.subject }]);
  cert.setIssuer(o.issuer ? o.issuer.subject.attributes : [{ name: "commonName", value: o.subject }]);
  const extensions: object[] = [{ name: "basicConstraints", cA: o.ca, critical: true }];
  if (o.ca) extensions.push({ name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true });
  if (o.ip !== undefined) {
    extensions.push({ name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true });
    extensions.push({ name: "extKeyUsage", serverAuth: true });
    extensions.push({ name: "subjectAltName", altNames: [{ type: 7, ip: o.ip }] });
  }
  cert.setExtensions(extensions);
  cert.sign(
    forge.pki.privateKeyFromPem(o.signer.export({ type: "pkcs1", format: "pem" }).toString()),
    forge.md.sha256.create(),
  );
  return cert;
}

/** A throwaway CA and a server certificate for 127.0.0.1 (keys by node:crypto, certificates by node-forge). */
function tlsMaterial(): TlsMaterial {
  const ca = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const leaf = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const caCert = forgeCertificate({
    subject: `oidc conformance CA ${Date.now()}`,
    publicKey: ca.publicKey,
    signer: ca.privateKey,
    ca: true,
  });
  const leafCert = forgeCertificate({
    subject: "127.0.0.1",
    publicKey: leaf.publicKey,
    signer: ca.privateKey,
    issuer: caCert,
    ca: false,
    ip: "127.0.0.1",
  });
  return {
    caPem: forge.pki.certificateToPem(caCert),
    certPem: forge.pki.certificateToPem(leafCert),
    keyPem: leaf.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}

/** An oidc-provider storage adapter over one Map, so that tests can see and change what is stored. */
function memoryAdapter(store: Map<string, Record<string, unknown>>) {
  return class MemoryAdapter {
    readonly #name: string;
    constructor(name: string) {
      this.#name = name;
    }
    #key(id: string): string {
      return `${this.#name}:${id}`;
    }
    #mine(): Array<[string, Record<string, unknown>]> {
      return [...store.entries()].filter(([k]) => k.startsWith(`${this.#name}:`));
    }
    async upsert(id: string, payload: Record<string, unknown>): Promise<void> {
      store.set(this.#key(id), structuredClone(payload));
    }
    async find(id: string): Promise<Record<string, unknown> | undefined> {
      const p = store.get(this.#key(id));
      return p === undefined ? undefined : structuredClone(p);
    }
    async findByUserCode(userCode: string): Promise<Record<string, unknown> | undefined> {
      const found = this.#mine().find(([, p]) => p.userCode === userCode);
      return found === undefined ? undefined : structuredClone(found[1]);
    }
    async findByUid(uid: string): Promise<Record<string, unknown> | undefined> {
      const found = this.#mine().find(([, p]) => p.uid === uid);
      return found === undefined ? undefined : structuredClone(found[1]);
    }
    async consume(id: string): Promise<void> {
      const p = store.get(this.#key(id));
      if (p) p.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string): Promise<void> {
      store.delete(this.#key(id));
    }
    async revokeByGrantId(grantId: string): Promise<void> {
      for (const [k, p] of store) if (p.grantId === grantId) store.delete(k);
    }
  };
}

/** A minimal browser: GETs and form POSTs over the test CA, cookies kept by name, no redirects followed. */
class Browser {
  readonly #cookies = new Map<string, string>();
  constructor(private readonly ca: string) {}

  request(
    method: "GET" | "POST",
    url: string,
    form?: Record<string, string>,
  ): Promise<{ status: number; location: string | undefined; body: string }> {
    const body = form === undefined ? undefined : new URLSearchParams(form).toString();
    const headers: Record<string, string> = { Accept: "text/html" };
    if (this.#cookies.size > 0) headers.Cookie = [...this.#cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    if (body !== undefined) headers["Content-Type"] = "application/x-www-form-urlencoded";
    return new Promise((resolve, reject) => {
      const req = https.request(url, { method, headers, ca: this.ca }, (res) => {
        for (const line of res.headers["set-cookie"] ?? []) {
          const [pair = "", ...attributes] = line.split(";");
          const eq = pair.indexOf("=");
          const name = pair.slice(0, eq).trim();
          const value = pair.slice(eq + 1).trim();
          const expired = attributes.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a));
          if (value === "" || expired) this.#cookies.delete(name);
          else this.#cookies.set(name, value);
        }
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body: text }));
      });
      req.on("error", reject);
      req.end(body);
    });
  }

  /** Follows redirects from `url` until one points at `stop` (returned) or a page answers 200 (returned as null). */
  async follow(url: string, stop?: string): Promise<{ redirect: string | null; page: string }> {
    let next = url;
    for (let hop = 0; hop < 12; hop++) {
      const r = await this.request("GET", next);
      if (r.status >= 300 && r.status < 400 && r.location !== undefined) {
        const target = new URL(r.location, next).href;
        if (stop !== undefined && target.startsWith(stop)) return { redirect: target, page: "" };
        next = target;
        continue;
      }
      if (r.status === 200) return { redirect: null, page: r.body };
      throw new Error(`The sign-in stopped at HTTP ${r.status} for ${next}: ${r.body.slice(0, 300)}`);
    }
    throw new Error("The sign-in redirected more than 12 times.");
  }
}

/** The hidden inputs and the action of the HTML form with the given id. */
function formOf(html: string, id: string): { action: string; fields: Record<string, string> } {
  const start = html.indexOf(`id="${id}"`);
  if (start < 0) throw new Error(`No form ${id} on the page: ${html.slice(0, 300)}`);
  const formStart = html.lastIndexOf("<form", start);
  const formEnd = html.indexOf("</form>", start);
  const form = html.slice(formStart, formEnd);
  const action = /action="([^"]+)"/.exec(form)?.[1] ?? "";
  const fields: Record<string, string> = {};
  for (const m of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/?>/g))
    fields[m[1] ?? ""] = m[2] ?? "";
  return { action, fields };
}

function providerConfiguration(
  name: IssuerName,
  store: Map<string, Record<string, unknown>>,
  clientJwk: Record<string, unknown>,
  signingJwk: Record<string, unknown>,
): Record<string, unknown> {
  const secretMethod = name === "full" ? "client_secret_post" : "client_secret_basic";
  const methods =
    name === "full"
      ? ["none", "client_secret_basic", "client_secret_post", "private_key_jwt"]
      : ["none", "client_secret_basic", "private_key_jwt"];
  const userGrants = ["authorization_code", "refresh_token", "client_credentials"];
  const scope = "openid offline_access profile email api:read api:write";
  return {
    adapter: memoryAdapter(store),
    clients: [
      // Not allowed api:write: asking for it is invalid_scope.
      {
        client_id: SECRET_APP,
        client_secret: SECRET,
        token_endpoint_auth_method: secretMethod,
        grant_types: userGrants,
        response_types: ["code"],
        redirect_uris: [REDIRECT_URI],
        scope: "openid offline_access profile email api:read",
      },
      {
        client_id: JWT_APP,
        token_endpoint_auth_method: "private_key_jwt",
        jwks: { keys: [clientJwk] },
        grant_types: userGrants,
        response_types: ["code"],
        redirect_uris: [REDIRECT_URI],
        scope,
      },
      {
        client_id: PUBLIC_APP,
        token_endpoint_auth_method: "none",
        application_type: "native",
        grant_types: ["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"],
        response_types: ["code"],
        redirect_uris: [NATIVE_REDIRECT_URI],
        scope,
      },
    ],
    clientAuthMethods: methods,
    jwks: { keys: [signingJwk] },
    cookies: { keys: [randomBytes(32).toString("hex")] },
    scopes: ["openid", "offline_access", "profile", "email", "api:read", "api:write"],
    claims: { openid: ["sub"], profile: ["name", "preferred_username"], email: ["email"] },
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: false },
      deviceFlow: { enabled: true },
      clientCredentials: { enabled: true },
    },
    pkce: { methods: ["S256"], required: () => true },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/${name}/interaction/${interaction.uid}` },
    findAccount: (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: () => ({ sub: id, name: "Alice", preferred_username: USERNAME, email: USERNAME }),
    }),
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      ClientCredentials: 3600,
      DeviceCode: 600,
      Grant: 86_400,
      IdToken: 3600,
      Interaction: 600,
      RefreshToken: 86_400,
      Session: 86_400,
    },
  };
}

/** Auto-approves: signs "alice" in, then grants every scope and claim the client asked for. */
async function interact(provider: Provider, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === "login") {
    await provider.interactionFinished(req, res, { login: { accountId: USER } }, { mergeWithLastSubmission: false });
    return;
  }
  const grant =
    (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ??
    new provider.Grant({ accountId: details.session?.accountId ?? USER, clientId: String(details.params.client_id) });
  const missing = details.prompt.details;
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {}))
    grant.addResourceScope(indicator, scopes.join(" "));
  await provider.interactionFinished(
    req,
    res,
    { consent: { grantId: await grant.save() } },
    { mergeWithLastSubmission: true },
  );
}

/** Starts the provider; `close()` stops it. */
export async function startOpenIdProvider(): Promise<OpenIdProvider> {
  const tls = tlsMaterial();
  const client = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const clientCertPem = forge.pki.certificateToPem(
    forgeCertificate({ subject: JWT_APP, publicKey: client.publicKey, signer: client.privateKey, ca: false }),
  );
  const clientJwk = { ...client.publicKey.export({ format: "jwk" }), use: "sig" };
  const signing = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const signingJwk = { ...signing.privateKey.export({ format: "jwk" }), use: "sig", alg: "RS256", kid: "op-key" };

  const requests: Recorded[] = [];
  const refusals: string[] = [];
  const stores = new Map<IssuerName, Map<string, Record<string, unknown>>>();
  const providers = new Map<IssuerName, Provider>();
  const handlers = new Map<IssuerName, (req: IncomingMessage, res: ServerResponse) => void>();

  const server = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    const url = req.url ?? "/";
    const name = ISSUER_NAMES.find((n) => url.startsWith(`/${n}/`) || url === `/${n}`);
    const provider = name === undefined ? undefined : providers.get(name);
    const handler = name === undefined ? undefined : handlers.get(name);
    if (name === undefined || provider === undefined || handler === undefined) {
      res.writeHead(404).end();
      return;
    }
    if (url.startsWith(`/${name}/interaction/`)) {
      interact(provider, req, res).catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
        res.end(`interaction failed: ${e instanceof Error ? e.message : String(e)}`);
      });
      return;
    }
    // Mounted under /{name}: oidc-provider reads the mount path from originalUrl minus url.
    (req as IncomingMessage & { originalUrl?: string }).originalUrl = url;
    req.url = url.slice(name.length + 1) || "/";
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const issuer = (name: IssuerName) => `https://127.0.0.1:${port}/${name}`;

  for (const name of ISSUER_NAMES) {
    const store = new Map<string, Record<string, unknown>>();
    const provider = new Provider(issuer(name), providerConfiguration(name, store, clientJwk, signingJwk));
    provider.use(async (ctx: KoaContext, next) => {
      await next();
      if (ctx.method === "POST" || ctx.path.endsWith("/openid-configuration")) {
        const authorization = ctx.headers.authorization;
        requests.push({
          issuer: name,
          method: ctx.method,
          path: ctx.path,
          authorization: typeof authorization === "string" ? authorization : undefined,
          form: { ...(ctx.oidc?.body ?? {}) },
          status: ctx.status,
          body: typeof ctx.body === "object" && ctx.body !== null ? { ...(ctx.body as Record<string, unknown>) } : {},
        });
      }
    });
    provider.on("grant.error", (_ctx, error) => {
      const e = error as { error?: string; error_detail?: string };
      refusals.push(`${e.error ?? "error"}: ${e.error_detail ?? ""}`);
    });
    stores.set(name, store);
    providers.set(name, provider);
    handlers.set(name, provider.callback());
  }

  const browser = new Browser(tls.caPem);
  return {
    caPem: tls.caPem,
    issuer,
    clientKeyPem: client.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    clientCertPem,
    clientCertSha256: new X509Certificate(clientCertPem).fingerprint256.replace(/:/g, ""),
    requests,
    refusals,
    tokenRequests: () => requests.filter((r) => r.path === "/token"),
    async signIn(authUri, redirectUri) {
      const { redirect } = await browser.follow(authUri, redirectUri);
      if (redirect === null) throw new Error("The sign-in ended on a page instead of the redirect URI.");
      return Object.fromEntries(new URL(redirect).searchParams);
    },
    async approveDevice(verificationUri, userCode) {
      const input = formOf((await browser.follow(verificationUri)).page, "op.deviceInputForm");
      const action = new URL(input.action, verificationUri).href;
      const confirmPage = await browser.request("POST", action, { ...input.fields, user_code: userCode });
      const confirm = formOf(confirmPage.body, "op.deviceConfirmForm");
      const submitted = await browser.request("POST", action, confirm.fields);
      if (submitted.location === undefined)
        throw new Error(`The device confirmation answered HTTP ${submitted.status}: ${submitted.body.slice(0, 300)}`);
      const done = await browser.follow(new URL(submitted.location, action).href);
      if (!/Sign-in Success/i.test(done.page))
        throw new Error(`The device sign-in did not succeed: ${done.page.slice(0, 300)}`);
    },
    expireRefreshTokens(name) {
      let count = 0;
      for (const [key, payload] of stores.get(name) ?? []) {
        if (key.startsWith("RefreshToken:")) {
          payload.exp = Math.floor(Date.now() / 1000) - 60;
          count++;
        }
      }
      return count;
    },
    postForm(url, form) {
      return new Promise((resolve, reject) => {
        const body = new URLSearchParams(form).toString();
        const req = https.request(
          url,
          { method: "POST", ca: tls.caPem, headers: { "Content-Type": "application/x-www-form-urlencoded" } },
          (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (c: string) => (text += c));
            res.on("end", () =>
              resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }),
            );
          },
        );
        req.on("error", reject);
        req.end(body);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
