import assert from "node:assert/strict";
import { get } from "node:http";
import { request } from "node:https";
import { connect } from "node:tls";
import { after, before, describe, test } from "node:test";
import { EmulatorClock } from "../src/clock.js";
import { normalizeConfig } from "../src/config.js";
import { EmulatorContext } from "../src/context.js";
import { defaultConfig, EmulatorConfigError, startEmulator, type Emulator } from "../src/index.js";
import type { TlsMaterial } from "../src/tls.js";
import { TokenIssuer } from "../src/tokens.js";
import { DEMO, decodePayload } from "./helpers.js";

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** One HTTPS request to `address:port`, with the given Host header and TLS server name. */
function hostCall(
  emulator: Emulator,
  o: { address?: string; host: string; path: string; form?: Record<string, string>; servername?: string },
): Promise<Answer> {
  const port = Number(new URL(emulator.url).port || 443);
  const body = o.form ? new URLSearchParams(o.form).toString() : undefined;
  return new Promise((resolve, reject) => {
    const r = request(
      {
        host: o.address ?? "127.0.0.1",
        port,
        path: o.path,
        method: body === undefined ? "GET" : "POST",
        servername: o.servername ?? "localhost",
        ca: emulator.caPem,
        headers: {
          host: o.host,
          ...(body === undefined ? {} : { "content-type": "application/x-www-form-urlencoded" }),
        },
      },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }),
        );
      },
    );
    r.on("error", reject);
    r.end(body);
  });
}

/** The subject alternative names of the certificate the emulator presents for `servername`. */
function certificateNames(emulator: Emulator, servername: string): Promise<string> {
  const port = Number(new URL(emulator.url).port);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, servername, ca: emulator.caPem }, () => {
      resolve(socket.getPeerCertificate().subjectaltname ?? "");
      socket.end();
    });
    socket.on("error", reject);
  });
}

describe("start options: hostName, extraHostNames, fixed issuer", () => {
  let emulator: Emulator;
  let port: number;
  const HOST = "login.emulator.test";
  before(async () => {
    emulator = await startEmulator({ hostName: HOST, extraHostNames: ["management.azure.com", "graph.microsoft.com"] });
    port = Number(new URL(emulator.url).port);
  });
  after(() => emulator.close());

  test("url and authority use hostName; the certificate names it and the extra names (TLS verifies them)", async () => {
    assert.equal(emulator.url, `https://${HOST}:${port}`);
    assert.equal(emulator.authority(), `https://${HOST}:${port}/${DEMO.tenant}`);
    for (const servername of [HOST, "management.azure.com", "graph.microsoft.com", "localhost"]) {
      assert.equal(
        await certificateNames(emulator, servername),
        `DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:${HOST}, DNS:management.azure.com, DNS:graph.microsoft.com`,
      );
    }
  });

  test("the issuer is {url}/{tid}/v2.0 under every Host, in discovery, the JWKS and tokens", async () => {
    const issuer = `https://${HOST}:${port}/${DEMO.tenantId}/v2.0`;
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `${HOST}:${port}`, "login.microsoftonline.com"]) {
      const doc = await hostCall(emulator, { host, path: `/${DEMO.tenant}/v2.0/.well-known/openid-configuration` });
      assert.equal(doc.status, 200);
      assert.equal(doc.body.issuer, issuer, host);
      const keys = await hostCall(emulator, { host, path: `/${DEMO.tenantId}/discovery/v2.0/keys` });
      assert.equal((keys.body.keys as { issuer: string }[])[0]?.issuer, issuer);
      const token = await hostCall(emulator, {
        host,
        path: `/${DEMO.tenant}/oauth2/v2.0/token`,
        form: {
          grant_type: "client_credentials",
          client_id: DEMO.confidential,
          client_secret: DEMO.secret,
          scope: DEMO.apiDefault,
        },
      });
      assert.equal(token.status, 200);
      assert.equal(decodePayload(token.body.access_token).iss, issuer);
    }
  });

  test("discovery endpoints follow a Host that names the emulator, else the canonical host", async () => {
    const path = `/${DEMO.tenant}/v2.0/.well-known/openid-configuration`;
    const mine = await hostCall(emulator, { host: `management.azure.com:${port}`, path });
    assert.equal(mine.body.token_endpoint, `https://management.azure.com:${port}/${DEMO.tenantId}/oauth2/v2.0/token`);
    const foreign = await hostCall(emulator, { host: "evil.example", path });
    assert.equal(foreign.body.token_endpoint, `https://${HOST}:${port}/${DEMO.tenantId}/oauth2/v2.0/token`);
  });

  test("instance discovery answers the same whatever the Host (gap 3)", async () => {
    const query = new URLSearchParams({
      "api-version": "1.1",
      authorization_endpoint: `https://localhost:${port}/${DEMO.tenant}/oauth2/v2.0/authorize`,
    });
    const path = `/common/discovery/instance?${query}`;
    const answers = await Promise.all(
      ["login.microsoftonline.com", `localhost:${port}`, `127.0.0.1:${port}`, "elsewhere.example"].map((host) =>
        hostCall(emulator, { host, path }),
      ),
    );
    for (const a of answers) {
      assert.equal(a.status, 200);
      assert.deepEqual(a.body, answers[0]?.body);
    }
    const own = (answers[0]?.body.metadata as { preferred_network: string; aliases: string[] }[])[0];
    assert.deepEqual(own, {
      preferred_network: `${HOST}:${port}`,
      preferred_cache: `${HOST}:${port}`,
      aliases: [
        `${HOST}:${port}`,
        `localhost:${port}`,
        `127.0.0.1:${port}`,
        `[::1]:${port}`,
        `management.azure.com:${port}`,
        `graph.microsoft.com:${port}`,
      ],
    });
    // MSAL Python 1.21 asks api-version 1.0 about its authority, with the Host of Microsoft's endpoint.
    const v10 = await hostCall(emulator, {
      host: "login.microsoftonline.com",
      path: `/common/discovery/instance?${new URLSearchParams({
        "api-version": "1.0",
        authorization_endpoint: `https://127.0.0.1:${port}/organizations/oauth2/v2.0/authorize`,
      })}`,
    });
    assert.deepEqual(v10.body, {
      tenant_discovery_endpoint: `https://127.0.0.1:${port}/organizations/v2.0/.well-known/openid-configuration`,
    });
  });
});

describe("start options: listen addresses", () => {
  test("listenAddress and miListenAddress bind where asked; miUrl names the managed-identity address", async () => {
    const emulator = await startEmulator({ listenAddress: "127.0.0.3", miListenAddress: "127.0.0.2" });
    try {
      const port = Number(new URL(emulator.url).port);
      const miPort = Number(new URL(emulator.miUrl).port);
      assert.equal(emulator.miUrl, `http://127.0.0.2:${miPort}`);
      const doc = await hostCall(emulator, {
        address: "127.0.0.3",
        host: `localhost:${port}`,
        path: `/${DEMO.tenant}/v2.0/.well-known/openid-configuration`,
      });
      assert.equal(doc.status, 200);
      await assert.rejects(
        hostCall(emulator, { host: `localhost:${port}`, path: "/common/v2.0/.well-known/openid-configuration" }),
        { code: "ECONNREFUSED" },
      );
      const status = await new Promise<number>((resolve, reject) => {
        const url = `${emulator.miUrl}/metadata/instance/compute/location?format=text&api-version=2021-02-01`;
        get(url, { headers: { metadata: "true" } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on("error", reject);
      });
      assert.equal(status, 200);
    } finally {
      await emulator.close();
    }
  });

  test("bad names and addresses are refused before anything listens", async () => {
    await assert.rejects(startEmulator({ hostName: "https://login.example" }), {
      name: "EmulatorConfigError",
      message: 'hostName: expected a DNS name or an IP address (no scheme or port), got "https://login.example"',
    });
    await assert.rejects(startEmulator({ extraHostNames: ["ok.example", "bad host"] }), {
      message: 'extraHostNames[1]: expected a DNS name or an IP address (no scheme or port), got "bad host"',
    });
    await assert.rejects(startEmulator({ listenAddress: "localhost" }), EmulatorConfigError);
    await assert.rejects(startEmulator({ miListenAddress: "169.254.169.254:80" }), {
      message: 'miListenAddress: expected an IP address, got "169.254.169.254:80"',
    });
  });
});

describe("start options: ports 443 and 80 leave the port out", () => {
  test("url, miUrl and issuer have no :443 / :80, and the bare host is the emulator's own", async () => {
    const clock = new EmulatorClock();
    const issuer = await TokenIssuer.create(clock);
    const ctx = new EmulatorContext(normalizeConfig(defaultConfig()), clock, issuer, {} as TlsMaterial, "", {
      hostName: "login.microsoftonline.com",
      extraHostNames: ["management.azure.com"],
      listenAddress: "127.0.0.1",
      miListenAddress: "169.254.169.254",
    });
    ctx.httpsPort = 443;
    ctx.httpPort = 80;
    assert.equal(ctx.httpsOrigin, "https://login.microsoftonline.com");
    assert.equal(ctx.httpOrigin, "http://169.254.169.254");
    assert.equal(ctx.issuerV2(DEMO.tenantId), `https://login.microsoftonline.com/${DEMO.tenantId}/v2.0`);
    assert.ok(ctx.ownHosts.includes("login.microsoftonline.com"));
    assert.ok(ctx.ownHosts.includes("management.azure.com:443"));
  });
});
