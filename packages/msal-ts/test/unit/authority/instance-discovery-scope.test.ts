/**
 * I2: which authorities instance discovery vets, as SECURITY.md states it. Like MSAL Python (§2.3, §2.4),
 * an ADFS path (`/adfs`), a B2C policy path (`/{tenant}/b2c_...`), a legacy B2C path (`/tfp/...`), a B2C or
 * CIAM host, an oidcAuthority, `validateAuthority: false` and `instanceDiscovery: false` skip it on ANY
 * host: the developer vouches for such an authority. Every other unknown host is vetted (refused with
 * invalid_instance when Microsoft does not know it), and https is required in every case.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { resolveAuthority } from "../../../src/authority/authority.ts";
import { AuthorityError } from "../../../src/errors.ts";
import { RecordingHttpClient, response } from "../../helpers/fakes.ts";
import { oidcDocument } from "./discovery-fakes.ts";

const LOOK_ALIKE = "login.micros0ftonline.com";

/** Microsoft's instance discovery refusing every host; OIDC discovery answering anywhere. */
function network(): RecordingHttpClient {
  return new RecordingHttpClient((r) =>
    r.url.includes("/discovery/instance")
      ? response(400, { error: "invalid_instance", error_description: "AADSTS50049: Unknown or invalid instance." })
      : response(200, oidcDocument(r.url)),
  );
}

describe("I2: instance discovery scope on an unknown host", () => {
  test(`https://${LOOK_ALIKE}/common is vetted and refused with invalid_instance`, async () => {
    const http = network();
    await assert.rejects(
      resolveAuthority(`https://${LOOK_ALIKE}/common`, { http }),
      (e: unknown) => e instanceof AuthorityError && /invalid_instance/.test(e.message),
    );
    assert.equal(http.requests.length, 1);
    assert.match(http.requests[0]?.url ?? "", /^https:\/\/login\.microsoftonline\.com\/common\/discovery\/instance$/);
  });

  for (const path of ["/adfs", "/contoso.onmicrosoft.com/B2C_1_signin", "/tfp/contoso.onmicrosoft.com/B2C_1_signin"]) {
    test(`https://${LOOK_ALIKE}${path} skips it (as MSAL Python does): only OIDC discovery, on that host`, async () => {
      const http = network();
      const a = await resolveAuthority(`https://${LOOK_ALIKE}${path}`, { http });
      assert.deepEqual(
        http.requests.map((r) => new URL(r.url).host),
        [LOOK_ALIKE],
        "no instance discovery request",
      );
      assert.equal(new URL(a.tokenEndpoint).host, LOOK_ALIKE);
    });
  }

  test("https is still required for those paths", async () => {
    const http = network();
    await assert.rejects(resolveAuthority(`http://${LOOK_ALIKE}/adfs`, { http }), AuthorityError);
    assert.equal(http.requests.length, 0);
  });
});
