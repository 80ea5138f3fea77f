import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { Element } from "@xmldom/xmldom";
import { SignedXml } from "xml-crypto";
import { startEmulator, type Emulator } from "../../src/index.js";
import {
  ACTION_13,
  ACTION_2005,
  all,
  assertionOf,
  CAROL,
  DSIG,
  faultOf,
  federationConfig,
  MICROSOFT_ONLINE,
  one,
  parse,
  postSoap,
  requestToken,
  rst,
  SAML1,
  SAML2,
  SOAP12,
  text,
  TRUST13,
  TRUST2005,
  WSA,
  WSSE,
  WSU,
} from "../federation-helpers.js";
import { call, DEMO } from "../helpers.js";

const WSDL = "http://schemas.xmlsoap.org/wsdl/";
const SOAP12_WSDL = "http://schemas.xmlsoap.org/wsdl/soap12/";
const WSP = "http://schemas.xmlsoap.org/ws/2004/09/policy";
const SP = "http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200702";
const SP2005 = "http://schemas.xmlsoap.org/ws/2005/07/securitypolicy";
const ID3242 = "ID3242: The security token could not be authenticated or authorized.";

/** Verifies an assertion's enveloped signature with the certificate in its KeyInfo; returns that certificate. */
function verifyWithKeyInfo(assertion: string, idAttribute?: "AssertionID"): X509Certificate {
  const doc = parse(assertion);
  const certText = text(doc, DSIG, "X509Certificate").replace(/\s+/g, "");
  const certPem = `-----BEGIN CERTIFICATE-----\n${certText}\n-----END CERTIFICATE-----\n`;
  const sig = new SignedXml({ publicCert: certPem, ...(idAttribute ? { idAttribute } : {}) });
  sig.loadSignature(one(doc, DSIG, "Signature"));
  assert.equal(sig.checkSignature(assertion), true);
  assert.equal(
    one(doc, DSIG, "SignatureMethod").getAttribute("Algorithm"),
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
  );
  assert.equal(
    one(doc, DSIG, "CanonicalizationMethod").getAttribute("Algorithm"),
    "http://www.w3.org/2001/10/xml-exc-c14n#",
  );
  return new X509Certificate(certPem);
}

describe("federation server: user realm, MEX, WS-Trust 1.3 and 2005", () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator({ config: federationConfig() });
  });
  after(() => emulator.close());

  test("user realm: a federated user is Federated, with the WS-Trust protocol, MEX and active endpoint", async () => {
    const r = await call(emulator, "GET", `/common/userrealm/${CAROL.username}?api-version=1.0`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), {
      ver: "1.0",
      account_type: "Federated",
      domain_name: "contoso.com",
      cloud_instance_name: "microsoftonline.com",
      cloud_audience_urn: MICROSOFT_ONLINE,
      federation_protocol: "WSTrust",
      federation_metadata_url: `${emulator.url}/adfs/services/trust/mex`,
      federation_active_auth_url: `${emulator.url}/adfs/services/trust/2005/usernamemixed`,
    });
  });

  test("MEX: a WSDL whose policies single out username/password over TLS for WS-Trust 1.3 and 2005", async () => {
    const r = await call(emulator, "GET", "/adfs/services/trust/mex");
    assert.equal(r.status, 200);
    assert.match(String(r.headers["content-type"]), /^application\/soap\+xml/);
    const doc = parse(r.text);
    assert.equal(doc.documentElement?.namespaceURI, WSDL);
    assert.equal(doc.documentElement?.localName, "definitions");
    const policies = new Map(
      all(doc, WSP, "Policy")
        .filter((p) => p.getAttributeNS(WSU, "Id"))
        .map((p) => [`#${p.getAttributeNS(WSU, "Id")}`, p]),
    );
    const bindings = new Map(all(doc, WSDL, "binding").map((b) => [b.getAttribute("name") ?? "", b]));
    const ports = all(doc, WSDL, "port").map((port) => {
      const binding = bindings.get((port.getAttribute("binding") ?? "").split(":").pop() ?? "") as Element;
      const policy = policies.get(one(binding, WSP, "PolicyReference").getAttribute("URI") ?? "") as Element;
      const usernameTransport =
        (all(policy, SP, "WssUsernameToken10").length === 1 && all(policy, SP, "TransportBinding").length === 1) ||
        (all(policy, SP2005, "WssUsernameToken10").length === 1 &&
          all(policy, SP2005, "TransportBinding").length === 1);
      return {
        address: text(port, WSA, "Address"),
        action: one(binding, SOAP12_WSDL, "operation").getAttribute("soapAction"),
        transport: one(binding, SOAP12_WSDL, "binding").getAttribute("transport"),
        usernameTransport,
      };
    });
    const base = `${emulator.url}/adfs/services/trust`;
    assert.deepEqual(
      ports.map((p) => [
        p.address.replace(base, ""),
        p.action === ACTION_13 ? "1.3" : p.action === ACTION_2005 ? "2005" : p.action,
        p.usernameTransport,
      ]),
      [
        ["/2005/windowstransport", "2005", false],
        ["/2005/certificatemixed", "2005", false],
        ["/2005/usernamemixed", "2005", true],
        ["/13/certificatemixed", "1.3", false],
        ["/13/usernamemixed", "1.3", true],
        ["/13/username", "1.3", false],
      ],
    );
    assert.ok(ports.every((p) => p.transport === "http://schemas.xmlsoap.org/soap/http"));
    const windows = policies.get("#WindowsTransport_IWSTrustFeb2005Async_policy") as Element;
    assert.equal(
      all(windows, "http://schemas.microsoft.com/ws/06/2004/policy/http", "NegotiateAuthentication").length,
      1,
    );
  });

  test("WS-Trust 1.3: a collection RSTR with a signed SAML 2.0 bearer assertion for the user", async () => {
    const messageId = "urn:uuid:7d1b5f0e-7a31-4b33-9e0a-1f7c2b9d4e55";
    const before = Date.now();
    const reply = await requestToken(emulator, { ...CAROL, version: "13", messageId });
    assert.equal(reply.status, 200, reply.text);
    assert.match(String(reply.headers["content-type"]), /^application\/soap\+xml; charset=utf-8$/);
    const doc = parse(reply.text);
    assert.equal(text(doc, WSA, "Action"), `${TRUST13}/RSTRC/IssueFinal`);
    assert.equal(text(doc, WSA, "RelatesTo"), messageId);
    const rstr = one(
      one(doc, TRUST13, "RequestSecurityTokenResponseCollection"),
      TRUST13,
      "RequestSecurityTokenResponse",
    );
    assert.equal(text(rstr, TRUST13, "TokenType"), SAML2);
    assert.equal(text(rstr, TRUST13, "KeyType"), `${TRUST13}/Bearer`);
    assert.equal(text(rstr, TRUST13, "RequestType"), `${TRUST13}/Issue`);
    assert.equal(
      text(one(rstr, "http://schemas.xmlsoap.org/ws/2004/09/policy", "AppliesTo"), WSA, "Address"),
      MICROSOFT_ONLINE,
    );

    const assertion = assertionOf(reply.text);
    const a = parse(assertion).documentElement as Element;
    assert.equal(a.namespaceURI, SAML2);
    assert.equal(a.getAttribute("Version"), "2.0");
    assert.equal(text(a, SAML2, "Issuer"), "http://localhost/adfs/services/trust");
    const nameId = one(a, SAML2, "NameID");
    assert.equal(nameId.textContent, CAROL.username);
    assert.equal(one(a, SAML2, "SubjectConfirmation").getAttribute("Method"), "urn:oasis:names:tc:SAML:2.0:cm:bearer");
    assert.equal(text(a, SAML2, "Audience"), MICROSOFT_ONLINE);
    const conditions = one(a, SAML2, "Conditions");
    const notBefore = Date.parse(conditions.getAttribute("NotBefore") ?? "");
    const notAfter = Date.parse(conditions.getAttribute("NotOnOrAfter") ?? "");
    assert.ok(notBefore >= before - 1000 && notBefore <= Date.now() + 1000, "NotBefore is the emulator's now");
    assert.equal(notAfter - notBefore, 3600_000);
    const attrs = Object.fromEntries(all(a, SAML2, "Attribute").map((x) => [x.getAttribute("Name"), x.textContent]));
    assert.deepEqual(attrs, {
      "http://schemas.xmlsoap.org/claims/UPN": CAROL.username,
      // base64 of the GUID 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d in Windows byte order
      "http://schemas.microsoft.com/LiveID/Federation/2008/05/ImmutableID": Buffer.from(
        "3d2c1b0a5f4e6b4a8c7d9e0f1a2b3c4d",
        "hex",
      ).toString("base64"),
    });
    // The signature follows Issuer (SAML 2.0's schema order) and covers the assertion by its ID.
    assert.equal((one(a, DSIG, "Signature").previousSibling as Element).localName, "Issuer");
    assert.equal(one(a, DSIG, "Reference").getAttribute("URI"), `#${a.getAttribute("ID")}`);
    const cert = verifyWithKeyInfo(assertion);
    assert.equal(cert.publicKey.asymmetricKeyType, "rsa");
    assert.match(cert.subject, /ADFS Signing/);
  });

  test("WS-Trust 2005: an RSTR with a signed SAML 1.1 assertion (UPN, ImmutableID, password authentication)", async () => {
    const reply = await requestToken(emulator, { ...CAROL, version: "2005" });
    assert.equal(reply.status, 200, reply.text);
    const doc = parse(reply.text);
    assert.equal(text(doc, WSA, "Action"), `${TRUST2005}/RSTR/Issue`);
    const rstr = one(doc, TRUST2005, "RequestSecurityTokenResponse");
    assert.equal((rstr.parentNode as Element).localName, "Body");
    assert.equal(text(rstr, TRUST2005, "TokenType"), SAML1);
    assert.equal(text(rstr, TRUST2005, "KeyType"), "http://schemas.xmlsoap.org/ws/2005/05/identity/NoProofKey");
    const assertion = assertionOf(reply.text);
    const a = parse(assertion).documentElement as Element;
    assert.deepEqual(
      [a.namespaceURI, a.getAttribute("MajorVersion"), a.getAttribute("MinorVersion"), a.getAttribute("Issuer")],
      [SAML1, "1", "1", "http://localhost/adfs/services/trust"],
    );
    assert.deepEqual(
      all(a, SAML1, "NameIdentifier").map((n) => n.textContent),
      [CAROL.username, CAROL.username],
    );
    assert.equal(text(a, SAML1, "Audience"), MICROSOFT_ONLINE);
    assert.equal(
      one(a, SAML1, "AuthenticationStatement").getAttribute("AuthenticationMethod"),
      "urn:oasis:names:tc:SAML:1.0:am:password",
    );
    const attrs = Object.fromEntries(
      all(a, SAML1, "Attribute").map((x) => [x.getAttribute("AttributeName"), x.textContent]),
    );
    assert.deepEqual(Object.keys(attrs), ["UPN", "ImmutableID"]);
    assert.equal((a.lastChild as Element).localName, "Signature", "SAML 1.1 puts the signature last");
    verifyWithKeyInfo(assertion, "AssertionID");
    // The same certificate signs every assertion of this emulator.
    const again = assertionOf((await requestToken(emulator, { ...CAROL, version: "13" })).text);
    assert.equal(text(parse(again), DSIG, "X509Certificate"), text(parse(assertion), DSIG, "X509Certificate"));
  });

  test("a token type in the request wins: SAML 1.1 from the 1.3 endpoint", async () => {
    const reply = await requestToken(emulator, {
      ...CAROL,
      version: "13",
      tokenType: "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV1.1",
    });
    assert.equal(reply.status, 200, reply.text);
    assert.equal(
      text(parse(reply.text), TRUST13, "TokenType"),
      "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV1.1",
    );
    assert.equal(parse(assertionOf(reply.text)).documentElement?.namespaceURI, SAML1);
  });

  test("faults: wrong password, unknown user and managed user all get ADFS's ID3242 (HTTP 500, s:Sender)", async () => {
    for (const [username, password] of [
      [CAROL.username, "wrong-pw-4711"],
      [CAROL.username, ` ${CAROL.password}`],
      ["nobody@contoso.com", "nobody-pw-4712"],
      [DEMO.alice.username, DEMO.alice.password],
    ] as const) {
      const reply = await requestToken(emulator, { username, password, version: "13" });
      assert.deepEqual(faultOf(reply), {
        status: 500,
        subcodeNs: WSSE,
        subcode: "FailedAuthentication",
        reason: ID3242,
      });
      const doc = parse(reply.text);
      assert.equal(all(one(doc, SOAP12, "Code"), SOAP12, "Value")[0]?.textContent, "s:Sender");
      assert.equal(text(doc, WSA, "Action"), `${WSA}/soap/fault`);
      assert.ok(!reply.text.includes(password), "no password in the fault");
    }
  });

  test("faults: action, timestamp, security header, AppliesTo, key type, envelope and content type", async () => {
    const url = `${emulator.url}/adfs/services/trust/13/usernamemixed`;
    const cases: [string, string, string, string, RegExp][] = [
      [
        "13",
        rst({ ...CAROL, version: "13", action: ACTION_2005, endpoint: url }),
        WSA,
        "ActionNotSupported",
        /cannot be processed/,
      ],
      ["2005", rst({ ...CAROL, version: "13", endpoint: url }), WSA, "ActionNotSupported", /cannot be processed/],
      [
        "13",
        rst({ ...CAROL, version: "2005", action: ACTION_13 }),
        TRUST13,
        "InvalidRequest",
        /not a WS-Trust 1\.3 RequestSecurityToken/,
      ],
      [
        "13",
        rst({
          ...CAROL,
          version: "13",
          created: new Date(Date.now() - 3600_000),
          expires: new Date(Date.now() - 3000_000),
        }),
        WSU,
        "MessageExpired",
        /stale/,
      ],
      [
        "13",
        rst({ ...CAROL, version: "13", created: new Date(Date.now() + 3600_000) }),
        WSU,
        "MessageExpired",
        /stale/,
      ],
      ["13", rst({ ...CAROL, version: "13", noSecurity: true }), WSSE, "InvalidSecurity", /no WS-Security header/],
      ["13", rst({ ...CAROL, version: "13", appliesTo: "urn:example:other-rp" }), TRUST13, "InvalidScope", /^ID3082: /],
      [
        "13",
        rst({ ...CAROL, version: "13", keyType: `${TRUST13}/SymmetricKey` }),
        TRUST13,
        "InvalidRequest",
        /bearer tokens only/,
      ],
      ["13", rst({ ...CAROL, version: "13", tokenType: "urn:example:jwt" }), TRUST13, "InvalidRequest", /TokenType/],
      [
        "13",
        "<Envelope xmlns='http://schemas.xmlsoap.org/soap/envelope/'/>",
        TRUST13,
        "InvalidRequest",
        /not a SOAP 1\.2 envelope/,
      ],
    ];
    for (const [version, body, ns, subcode, reason] of cases) {
      const f = faultOf(await postSoap(emulator, version as "13" | "2005", body));
      assert.deepEqual([f.status, f.subcodeNs, f.subcode], [500, ns, subcode], `${subcode}: ${f.reason}`);
      assert.match(f.reason, reason);
    }
    const wrongType = await postSoap(emulator, "13", rst({ ...CAROL, version: "13" }), "text/xml; charset=utf-8");
    assert.equal(wrongType.status, 415);
    assert.match(wrongType.text, /was not the expected type 'application\/soap\+xml; charset=utf-8'/);
    assert.equal((await call(emulator, "GET", "/adfs/services/trust/13/usernamemixed")).status, 405);
    assert.equal((await call(emulator, "POST", "/adfs/services/trust/2005/windowstransport")).status, 404);
  });

  test("hostile XML: entities, DOCTYPE, oversize, deep nesting, PIs, garbage each get a fault, never a crash", async () => {
    const laughs =
      `<?xml version="1.0"?><!DOCTYPE s:Envelope [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">` +
      `<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>` +
      rst({ ...CAROL, version: "13" }).replace("<wsse:Password>", "<wsse:Password>&d;");
    const xxe =
      `<!DOCTYPE s:Envelope [<!ENTITY x SYSTEM "file:///etc/passwd">]>` +
      rst({ ...CAROL, version: "13" }).replace("<wsse:Username>", "<wsse:Username>&x;");
    const deep = `${"<a>".repeat(5000)}${"</a>".repeat(5000)}`;
    const big = rst({ ...CAROL, version: "13" }).replace(
      "<wsa:To",
      `<wsa:Pad>${"x".repeat(70 * 1024)}</wsa:Pad><wsa:To`,
    );
    const cases: [string, RegExp][] = [
      [laughs, /DOCTYPE or entity declaration is not allowed/],
      [xxe, /DOCTYPE or entity declaration is not allowed/],
      [deep, /nested deeper than 64 levels/],
      [big, /larger than 65536 bytes/],
      [`<?xml-stylesheet href="x"?>${rst({ ...CAROL, version: "13" })}`, /processing instructions are not allowed/],
      [
        rst({ ...CAROL, version: "13" }).replace("<wsse:Password>", "<wsse:Password>&undeclared;"),
        /not well-formed XML/,
      ],
      ["<s:Envelope xmlns:s='x'><unclosed></s:Envelope>", /not well-formed XML/],
      ["not xml at all", /not well-formed XML|no root element/],
      ["", /not well-formed XML|no root element/],
    ];
    for (const [body, reason] of cases) {
      const reply = await postSoap(emulator, "13", body);
      const f = faultOf(reply);
      assert.deepEqual([f.status, f.subcode], [500, "InvalidRequest"], f.reason);
      assert.match(f.reason, reason);
      assert.ok(!reply.text.includes("root:"), "nothing of /etc/passwd");
    }
    // Still serving.
    assert.equal((await requestToken(emulator, { ...CAROL, version: "13" })).status, 200);
  });

  test("request log: the RST's fields, with the password masked", async () => {
    emulator.clearRequests();
    await requestToken(emulator, { ...CAROL, version: "2005" });
    const [entry] = emulator.requests();
    assert.equal(entry?.route, "wstrust");
    assert.equal(entry?.status, 200);
    assert.deepEqual(entry?.form, {});
    const soap = entry?.soap ?? {};
    assert.equal(soap.action, ACTION_2005);
    assert.equal(soap.username, CAROL.username);
    assert.equal(soap.applies_to, MICROSOFT_ONLINE);
    assert.equal(soap.request_type, `${TRUST2005}/Issue`);
    assert.match(soap.password ?? "", /^\[masked: 19 chars, sha256 [0-9a-f]{4}\]$/);
    assert.ok(!JSON.stringify(emulator.requests()).includes("p&ss"), "the password is nowhere in the log");
  });
});

describe("federation server: raw request log and configured signing certificate", () => {
  test("rawRequestLog keeps the password as sent", async () => {
    const emulator = await startEmulator({ config: federationConfig(), rawRequestLog: true });
    try {
      await requestToken(emulator, { ...CAROL, version: "13" });
      assert.equal(emulator.requests()[0]?.soap?.password, CAROL.password);
    } finally {
      await emulator.close();
    }
  });
});
