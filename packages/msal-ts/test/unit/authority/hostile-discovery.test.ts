/**
 * M1 audit: server text that reaches an authority error message (instance discovery errors, a
 * tenant_discovery_endpoint chosen by the server) is one bounded line, whatever the server sent.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { discoverInstance, discoverOidc } from "../../../src/authority/discovery.ts";
import { parseAuthority } from "../../../src/authority/parse.ts";
import { AuthorityError } from "../../../src/errors.ts";
import { RecordingHttpClient, response } from "../../helpers/fakes.ts";

const ONE_BOUNDED_LINE = (message: string) =>
  !/[\r\n\u0085\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(message) && message.length < 2000;

describe("hostile text in discovery answers", () => {
  it("instance discovery's error and error_description: one bounded line", async () => {
    const http = new RecordingHttpClient(() =>
      response(400, {
        error: "invalid_request\r\nInjected: 1\u2028x",
        error_description: `\u202egnp.exe${"d".repeat(10_000)}`,
      }),
    );
    await assert.rejects(
      discoverInstance(http, parseAuthority("https://login.windows.net/contoso.com")),
      (e: unknown) => {
        assert.ok(e instanceof AuthorityError);
        assert.ok(ONE_BOUNDED_LINE(e.message), JSON.stringify(e.message.slice(0, 300)));
        assert.match(e.message, /invalid_request Injected: 1 x/);
        return true;
      },
    );
  });

  it("an OIDC discovery URL chosen by the server is quoted as one bounded line", async () => {
    const url = `https://login.windows.net/t/${"p".repeat(10_000)}\r\n/v2.0/.well-known/openid-configuration`;
    const http = new RecordingHttpClient(() => response(404, { error: "not_found\u2028x" }));
    await assert.rejects(discoverOidc(http, url, { authority: "https://login.windows.net/t" }), (e: unknown) => {
      assert.ok(e instanceof AuthorityError);
      assert.ok(ONE_BOUNDED_LINE(e.message), JSON.stringify(e.message.slice(0, 300)));
      return true;
    });
  });
});
