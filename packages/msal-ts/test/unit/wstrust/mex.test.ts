/**
 * MEX endpoint selection (docs/msal-python-compatibility.md 1.11) against a model: among ports whose binding is
 * SOAP 1.2 over HTTP with a username policy and whose address is https, the first WS-Trust 1.3 one, else the
 * first one, else none. Documents are generated with ports of every kind in any order.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { usernamePasswordEndpoint } from "../../../src/wstrust/mex.ts";
import { parseXml } from "../../../src/wstrust/xml.ts";
import { ACTION_13, ACTION_2005, mexDocument, type MexPort } from "../../helpers/wstrust.ts";

const port: fc.Arbitrary<MexPort> = fc
  .record({
    kind: fc.constantFrom("13" as const, "2005" as const, "windows" as const),
    address: fc
      .tuple(fc.constantFrom("https", "HTTPS", "http"), fc.nat(99))
      .map(([s, n]) => `${s}://sts${n}.contoso.com/trust`),
    action: fc.constantFrom(undefined, null, ACTION_13, ACTION_2005, "urn:other"),
    transport: fc.constantFrom(
      undefined,
      "http://schemas.xmlsoap.org/soap/http",
      "http://schemas.xmlsoap.org/soap/smtp",
    ),
  })
  .map((p) => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as unknown as MexPort);

function model(ports: readonly MexPort[]): { address: string; action: string | undefined } | undefined {
  const usable = ports
    .filter((p) => p.kind !== "windows" && /^https:\/\//i.test(p.address))
    .filter((p) => (p.transport ?? "http://schemas.xmlsoap.org/soap/http") === "http://schemas.xmlsoap.org/soap/http")
    .map((p) => ({
      address: p.address,
      action: p.action === undefined ? (p.kind === "13" ? ACTION_13 : ACTION_2005) : (p.action ?? undefined),
    }));
  return usable.find((e) => e.action === ACTION_13) ?? usable[0];
}

describe("usernamePasswordEndpoint", () => {
  it("property: picks what the model picks", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(port, { maxLength: 6 }), async (ports) => {
        const found = usernamePasswordEndpoint(await parseXml(mexDocument(ports), "MEX"));
        assert.deepEqual(found, model(ports));
      }),
      { numRuns: 300 },
    );
  });

  it("a document that is not a WSDL names no endpoint", async () => {
    for (const doc of [
      "<r/>",
      `<definitions xmlns="http://schemas.xmlsoap.org/wsdl/"/>`,
      "<a:b xmlns:a='urn:x'><c/></a:b>",
    ]) {
      assert.equal(usernamePasswordEndpoint(await parseXml(doc, "MEX")), undefined);
    }
  });
});
