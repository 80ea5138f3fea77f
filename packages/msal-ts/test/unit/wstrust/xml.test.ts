/**
 * The SAML assertion is forwarded byte for byte as the federation server sent it (its signature covers those
 * bytes): `issuedToken` cuts the RequestedSecurityToken's content out of the source, whatever the line ends,
 * CDATA, comments, namespace declarations and what follows the element. Property: for any content built from
 * these pieces, the cut equals the content that was put in.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { issuedToken } from "../../../src/wstrust/response.ts";
import { parseXml, rawContent, descendants } from "../../../src/wstrust/xml.ts";
import { SAML11, NS } from "../../helpers/wstrust.ts";

const WST = NS.wst13;

function envelope(token: string, after = "", suffix = ""): string {
  return (
    `<s:Envelope xmlns:s="${NS.soap12}" xmlns:saml="${SAML11}"><s:Body>` +
    `<t:RequestSecurityTokenResponseCollection xmlns:t="${WST}"><t:RequestSecurityTokenResponse>` +
    `<t:TokenType>${SAML11}</t:TokenType><t:RequestedSecurityToken>${token}</t:RequestedSecurityToken >${after}` +
    `</t:RequestSecurityTokenResponse></t:RequestSecurityTokenResponseCollection></s:Body></s:Envelope>${suffix}`
  );
}

describe("issuedToken: the assertion exactly as received", () => {
  const cases: [string, string, string?, string?][] = [
    ["CRLF and CR line ends", "\r\n <saml:Assertion a='1'>\r\nx\ry\n</saml:Assertion>\r\n"],
    [
      "a CDATA section holding an end tag",
      "<saml:Assertion><![CDATA[</t:RequestedSecurityToken> & <]]></saml:Assertion>",
    ],
    ["a prefix declared on an ancestor", "<saml:Assertion><saml:Subject>s</saml:Subject></saml:Assertion>"],
    ["entities and character references", '<saml:Assertion x="&lt;&#x41;">&amp;&#65;&gt;</saml:Assertion>'],
    ["a comment before and after", "<!-- a --><saml:Assertion/><!-- </t:RequestedSecurityToken> -->"],
    ["a following sibling", "<saml:Assertion/>", "<t:Lifetime/>"],
    ["the element last in the document", "<saml:Assertion/>", "", "\n\n"],
    ["a comment after the root", "<saml:Assertion/>", "", "<!-- c -->"],
    ["nested elements of the same name", "<t:RequestedSecurityToken><saml:Assertion/></t:RequestedSecurityToken>"],
    ["a 'greater than' in an attribute of the start tag", "<saml:Assertion v='a>b'/>"],
    ["non-ASCII text", "<saml:Assertion>caf\u00e9 \ud83d\ude00 \u4e2d</saml:Assertion>"],
  ];
  for (const [name, token, after, suffix] of cases) {
    it(name, async () => {
      const body = envelope(token, after, suffix);
      const issued = await issuedToken(body, 200, []);
      assert.equal(issued.assertion, token);
      assert.equal(issued.grantType, "urn:ietf:params:oauth:grant-type:saml1_1-bearer");
    });
  }

  it("property: any mix of elements, text, CDATA, comments and line ends is cut out unchanged", async () => {
    const text = fc.stringMatching(/^[a-z \r\n]{0,8}$/);
    const piece = fc.oneof(
      text,
      text.map((t) => `<![CDATA[${t}</x>]]>`),
      text.map((t) => `<!--${t.replace(/-/g, "")}-->`),
      text.map((t) => `<saml:Attr v="${t.replace(/[\r\n]/g, " ")}">${t}</saml:Attr>`),
      fc.constant("<saml:Empty/>"),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 6 }), fc.array(piece, { maxLength: 3 }), async (inner, after) => {
        const token = `<saml:Assertion>${inner.join("")}</saml:Assertion>${after.join("")}`;
        const issued = await issuedToken(envelope(token, after.length > 0 ? "\r\n" : ""), 200, []);
        assert.equal(issued.assertion, token);
      }),
      { numRuns: 200 },
    );
  });

  it("rawContent of an empty element is undefined", async () => {
    const xml = await parseXml(`<r xmlns="urn:x"><e/><e></e></r>`, "test");
    assert.deepEqual(
      descendants(xml.document, "urn:x", "e").map((e) => rawContent(xml, e)),
      [undefined, undefined],
    );
  });
});

describe("parseXml limits", () => {
  it("exactly 1 MiB is read; one byte more is refused before parsing", async () => {
    const head = "<r>";
    const tail = "</r>";
    const fits = head + "x".repeat(1024 * 1024 - head.length - tail.length) + tail;
    assert.equal((await parseXml(fits, "test")).document.documentElement?.localName, "r");
    await assert.rejects(parseXml(fits.replace("<r>", "<r> "), "The thing"), {
      code: "response_too_large",
      message: "The thing is larger than 1048576 bytes; it was not parsed.",
    });
  });

  it("property: arbitrary text never throws anything but an MsalError", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "binary", maxLength: 200 }), async (s) => {
        for (const body of [s, `<r>${s}</r>`, envelope(s)]) {
          try {
            await issuedToken(body, 500, []);
          } catch (e) {
            assert.ok(
              (e as { code?: string }).code === "invalid_response" || (e as { code?: string }).code === "wstrust_error",
              String(e),
            );
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
