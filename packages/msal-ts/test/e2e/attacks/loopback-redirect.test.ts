/**
 * Forged authorization responses at the loopback listener of acquireTokenInteractive. The `openBrowser`
 * seam fires them at the redirect URI while the real sign-in is pending: wrong, missing, empty and
 * near-miss states, a forged error, a form_post, script in the state, foreign Host headers (DNS
 * rebinding, also carrying the real state), a request without Host, and replays of a code already used.
 * None may complete the flow or be redeemed; the real sign-in through the emulator (delivered to the
 * listener) completes it.
 */
import assert from "node:assert/strict";
import { request } from "node:http";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import type { Emulator } from "entra-emulator";
import { PublicClientApplication } from "../../../src/index.ts";
import { IDS, emulatorOptions, startTestEmulator } from "../../helpers/emulator.ts";
import { SAFETY, assertToken } from "../faults/support.ts";
import { expectError, expectToken } from "../../helpers/results.ts";

interface Answer {
  status: number;
  body: string;
}

/** One request to the listener on 127.0.0.1 with exactly the headers given (Host included). */
function hit(
  port: number,
  o: { path: string; host?: string; method?: "GET" | "POST"; form?: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host: o.host ?? `localhost:${port}` };
    if (o.form !== undefined) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      headers["content-length"] = String(Buffer.byteLength(o.form));
    }
    const req = request(
      { host: "127.0.0.1", port, path: o.path, method: o.method ?? "GET", headers, agent: false },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end(o.form);
  });
}

/** An HTTP/1.0 request without any Host header, over a raw socket. */
function hitWithoutHost(port: number, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    let raw = "";
    socket.setEncoding("utf8");
    socket.on("data", (c: string) => (raw += c));
    socket.on("error", reject);
    socket.on("end", () => resolve({ status: Number(/^HTTP\/1\.\d (\d{3})/.exec(raw)?.[1] ?? 0), body: raw }));
    socket.write(`GET ${path} HTTP/1.0\r\n\r\n`);
  });
}

const q = (params: Record<string, string>): string => `/?${new URLSearchParams(params).toString()}`;

describe("forged responses at the loopback listener", () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startTestEmulator({ rawRequestLog: true });
  });
  after(() => emulator.close());

  const app = (): PublicClientApplication => new PublicClientApplication(IDS.cli, emulatorOptions(emulator));
  const redeemedCodes = (): string[] =>
    emulator
      .requests()
      .filter((r) => r.form.grant_type === "authorization_code")
      .map((r) => r.form.code ?? "");
  const signIn = (authUri: string) =>
    emulator.signIn({ authUri, username: "alice@contoso.com", password: "alice-password", deliver: true });

  it(
    "wrong, missing, near-miss and foreign-host responses never complete the flow; the real sign-in does",
    SAFETY,
    async () => {
      const answers = new Map<string, Answer>();
      const misdirected = new Set<string>();
      let realCode = "";
      const result = await app().acquireTokenInteractive(["User.Read"], {
        timeout: 15,
        openBrowser: async (url) => {
          const authorize = new URL(url);
          const redirect = new URL(authorize.searchParams.get("redirect_uri") ?? "");
          const state = authorize.searchParams.get("state") ?? "";
          assert.equal(redirect.hostname, "localhost");
          assert.ok(state.length >= 16, "a state with enough entropy");
          const port = Number(redirect.port);
          const forged: [string, Parameters<typeof hit>[1]][] = [
            ["wrong state", { path: q({ code: "forged-wrong-state", state: "not-the-state" }) }],
            ["missing state", { path: q({ code: "forged-missing-state" }) }],
            ["empty state", { path: q({ code: "forged-empty-state", state: "" }) }],
            ["state with a suffix", { path: q({ code: "forged-suffix", state: `${state}x` }) }],
            ["state without its last character", { path: q({ code: "forged-prefix", state: state.slice(0, -1) }) }],
            [
              "state in another case",
              {
                path: q({
                  code: "forged-case",
                  state: state.toUpperCase() === state ? state.toLowerCase() : state.toUpperCase(),
                }),
              },
            ],
            [
              "forged error",
              { path: q({ error: "access_denied", error_description: "forged", state: "not-the-state" }) },
            ],
            [
              "form_post with a wrong state",
              {
                path: "/",
                method: "POST",
                form: new URLSearchParams({ code: "forged-post", state: "not-the-state" }).toString(),
              },
            ],
            ["script in the state", { path: q({ code: "forged-script", state: "<script>alert(1)</script>" }) }],
            [
              "127.0.0.1 host, wrong state",
              { path: q({ code: "forged-ip-host", state: "not-the-state" }), host: `127.0.0.1:${port}` },
            ],
          ];
          for (const [name, o] of forged) answers.set(name, await hit(port, o));
          // DNS rebinding: a page of another site reaches 127.0.0.1 under its own name, here even with the real state.
          const rebound: [string, string][] = [
            ["foreign host, wrong state", "evil.example"],
            ["foreign host with port, real state", `evil.example:${port}`],
            ["localhost look-alike host, real state", `localhost.evil.example:${port}`],
            ["localhost with a trailing dot, real state", `localhost.:${port}`],
          ];
          for (const [name] of rebound) misdirected.add(name);
          misdirected.add("no Host header, real state");
          for (const [name, host] of rebound) {
            const real = name.includes("real state");
            answers.set(
              name,
              await hit(port, {
                path: q({ code: `forged-${name.replace(/\W+/g, "-")}`, state: real ? state : "not-the-state" }),
                host,
              }),
            );
          }
          answers.set("no Host header, real state", await hitWithoutHost(port, q({ code: "forged-no-host", state })));
          // Only now the user signs in for real.
          const real = await signIn(url);
          assert.equal(real.delivered?.status, 200);
          realCode = real.params.code ?? "";
        },
      });

      assertToken(result);
      assert.equal(
        (expectToken(result).id_token_claims as Record<string, unknown>).preferred_username,
        "alice@contoso.com",
      );
      for (const [name, answer] of answers) {
        if (misdirected.has(name)) {
          assert.equal(answer.status, 421, `${name}: refused as a misdirected request`);
          assert.match(answer.body, /only answers requests for localhost/, name);
        } else {
          assert.equal(answer.status, 200, name);
          assert.match(answer.body, /State mismatch/, `${name}: answered as a stray response`);
        }
        assert.ok(!answer.body.includes("<script>alert"), `${name}: nothing echoed unescaped`);
        assert.ok(!answer.body.includes("forged-"), `${name}: the forged code is not echoed`);
      }
      assert.deepEqual(
        redeemedCodes().filter((c) => c.startsWith("forged")),
        [],
        "no forged code was ever redeemed",
      );
      assert.equal(redeemedCodes().filter((c) => c === realCode).length, 1, "the real code, once");
    },
  );

  it(
    "a code already used: replayed at the closed listener, to a new flow, and to the token endpoint, it is worthless",
    SAFETY,
    async () => {
      const first = app();
      let used: { port: number; code: string; state: string } = { port: 0, code: "", state: "" };
      assertToken(
        await first.acquireTokenInteractive(["User.Read"], {
          timeout: 15,
          openBrowser: async (url) => {
            const real = await signIn(url);
            used = {
              port: Number(new URL(real.redirectUri).port),
              code: real.params.code ?? "",
              state: real.params.state ?? "",
            };
          },
        }),
      );
      assert.ok(used.code !== "" && used.state !== "");
      // The listener is gone after success: the replay finds nobody.
      await assert.rejects(
        hit(used.port, { path: q({ code: used.code, state: used.state }) }),
        (e: NodeJS.ErrnoException) => e.code === "ECONNREFUSED",
      );

      // A new sign-in: the old response (old state) is a stray; the new real one completes the flow.
      let replay: Answer | undefined;
      const second = await app().acquireTokenInteractive(["User.Read"], {
        timeout: 15,
        openBrowser: async (url) => {
          const port = Number(new URL(new URL(url).searchParams.get("redirect_uri") ?? "").port);
          replay = await hit(port, { path: q({ code: used.code, state: used.state }) });
          await signIn(url);
        },
      });
      assertToken(second);
      assert.equal(replay?.status, 200);
      assert.match(replay?.body ?? "", /State mismatch/);
      assert.equal(redeemedCodes().filter((c) => c === used.code).length, 1, "the used code was never sent again");

      // Sent to the token endpoint by someone who stole it: refused (single use, and PKCE).
      const stolen = await first.acquireTokenByAuthorizationCode(used.code, ["User.Read"], {
        redirectUri: `http://localhost:${used.port}`,
      });
      assert.equal(expectError(stolen).error, "invalid_grant");
      assert.ok(!("access_token" in stolen));
    },
  );

  it(
    "a forged redirect while nobody signs in: the flow times out, the forged code is never redeemed",
    SAFETY,
    async () => {
      await assert.rejects(
        app().acquireTokenInteractive(["User.Read"], {
          timeout: 1,
          openBrowser: async (url) => {
            const port = Number(new URL(new URL(url).searchParams.get("redirect_uri") ?? "").port);
            const forged = await hit(port, { path: q({ code: "forged-lonely", state: "guess" }) });
            assert.match(forged.body, /State mismatch/);
          },
        }),
        (e: Error) => e.name === "BrowserInteractionTimeoutError",
      );
      assert.ok(!redeemedCodes().includes("forged-lonely"));
    },
  );
});
