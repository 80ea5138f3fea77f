/**
 * A scripted federation server for the WS-Trust tests: MEX documents (WSDL + WS-Policy, shaped like ADFS's),
 * WS-Trust 1.3 and 2005 responses with a SAML assertion, SOAP faults; and `xmlTree`, which turns XML into a
 * plain tree (namespace-qualified names, attributes without namespace declarations, trimmed text) so that two
 * envelopes compare structurally whatever their prefixes and whitespace.
 */
import { DOMParser, type Element, type Node } from "@xmldom/xmldom";

export const NS = {
  wsdl: "http://schemas.xmlsoap.org/wsdl/",
  soap12Wsdl: "http://schemas.xmlsoap.org/wsdl/soap12/",
  wsp: "http://schemas.xmlsoap.org/ws/2004/09/policy",
  sp: "http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200702",
  sp2005: "http://schemas.xmlsoap.org/ws/2005/07/securitypolicy",
  wsu: "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd",
  wsse: "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd",
  wsa: "http://www.w3.org/2005/08/addressing",
  soap12: "http://www.w3.org/2003/05/soap-envelope",
  wst13: "http://docs.oasis-open.org/ws-sx/ws-trust/200512",
  wst2005: "http://schemas.xmlsoap.org/ws/2005/02/trust",
  msHttp: "http://schemas.microsoft.com/ws/06/2004/policy/http",
} as const;

export const ACTION_13 = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue";
export const ACTION_2005 = "http://schemas.xmlsoap.org/ws/2005/02/trust/RST/Issue";
export const SAML11 = "urn:oasis:names:tc:SAML:1.0:assertion";
export const SAML20 = "urn:oasis:names:tc:SAML:2.0:assertion";

/** One port of a MEX document. */
export interface MexPort {
  /** Which policy its binding references: a username policy of either version, or Windows integrated auth. */
  kind: "13" | "2005" | "windows";
  address: string;
  /** The operation's SOAP action; default the kind's own (none for "windows"). `null`: no soapAction attribute. */
  action?: string | null;
  /** The SOAP binding's transport; default SOAP over HTTP. */
  transport?: string;
}

function policy(kind: MexPort["kind"]): string {
  if (kind === "windows") {
    return `<wsp:Policy wsu:Id="P_windows"><wsp:ExactlyOne><wsp:All><http:NegotiateAuthentication xmlns:http="${NS.msHttp}"/>
      <sp2005:TransportBinding><wsp:Policy/></sp2005:TransportBinding></wsp:All></wsp:ExactlyOne></wsp:Policy>`;
  }
  const [prefix, tokens] =
    kind === "13" ? ["sp", "SignedEncryptedSupportingTokens"] : ["sp2005", "SignedSupportingTokens"];
  return `<wsp:Policy wsu:Id="P_${kind}"><wsp:ExactlyOne><wsp:All>
      <${prefix}:TransportBinding><wsp:Policy><${prefix}:TransportToken><wsp:Policy><${prefix}:HttpsToken/></wsp:Policy></${prefix}:TransportToken></wsp:Policy></${prefix}:TransportBinding>
      <${prefix}:${tokens}><wsp:Policy><${prefix}:UsernameToken ${prefix}:IncludeToken="always"><wsp:Policy><${prefix}:WssUsernameToken10/></wsp:Policy></${prefix}:UsernameToken></wsp:Policy></${prefix}:${tokens}>
    </wsp:All></wsp:ExactlyOne></wsp:Policy>`;
}

/** A MEX document with the given ports, in this order. */
export function mexDocument(ports: readonly MexPort[]): string {
  const kinds = [...new Set(ports.map((p) => p.kind))];
  const bindings = ports.map((p, i) => {
    const action =
      p.action === undefined ? (p.kind === "13" ? ACTION_13 : p.kind === "2005" ? ACTION_2005 : undefined) : p.action;
    return `<wsdl:binding name="Binding_${i}_${p.kind}" type="tns:IWSTrust">
      <wsp:PolicyReference URI="#P_${p.kind}"/>
      <soap12:binding transport="${p.transport ?? "http://schemas.xmlsoap.org/soap/http"}"/>
      <wsdl:operation name="Issue"><soap12:operation${action === null || action === undefined ? "" : ` soapAction="${action}"`} style="document"/></wsdl:operation>
    </wsdl:binding>`;
  });
  const services = ports.map(
    (p, i) => `<wsdl:port name="Port_${i}" binding="tns:Binding_${i}_${p.kind}">
      <soap12:address location="${p.address}"/>
      <wsa10:EndpointReference><wsa10:Address>${p.address}</wsa10:Address></wsa10:EndpointReference>
    </wsdl:port>`,
  );
  return `<?xml version="1.0" encoding="utf-8"?>
<wsdl:definitions name="SecurityTokenService" targetNamespace="http://schemas.microsoft.com/ws/2008/06/identity/securitytokenservice"
  xmlns:wsdl="${NS.wsdl}" xmlns:soap12="${NS.soap12Wsdl}" xmlns:wsp="${NS.wsp}" xmlns:wsu="${NS.wsu}" xmlns:sp="${NS.sp}"
  xmlns:sp2005="${NS.sp2005}" xmlns:wsa10="${NS.wsa}" xmlns:tns="http://schemas.microsoft.com/ws/2008/06/identity/securitytokenservice">
  ${kinds.map(policy).join("\n  ")}
  ${bindings.join("\n  ")}
  <wsdl:service name="SecurityTokenService">
    ${services.join("\n    ")}
  </wsdl:service>
</wsdl:definitions>`;
}

/** A SAML 1.1 assertion as ADFS shapes one (not really signed: the client never checks it). */
export function samlAssertion(opts: { version?: "1.1" | "2.0"; subject?: string } = {}): string {
  const subject = opts.subject ?? "fred@contoso.com";
  if (opts.version === "2.0") {
    return `<Assertion ID="_a2" IssueInstant="2026-11-25T12:00:00Z" Version="2.0" xmlns="${SAML20}"><Issuer>http://sts.contoso.com/adfs/services/trust</Issuer><Subject><NameID>${subject}</NameID></Subject><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignatureValue>c2ln</ds:SignatureValue></ds:Signature></Assertion>`;
  }
  return `<saml:Assertion MajorVersion="1" MinorVersion="1" AssertionID="_a1" Issuer="http://sts.contoso.com/adfs/services/trust" IssueInstant="2026-11-25T12:00:00.000Z" xmlns:saml="${SAML11}"><saml:AttributeStatement><saml:Subject><saml:NameIdentifier>${subject}</saml:NameIdentifier></saml:Subject><saml:Attribute AttributeName="UPN" AttributeNamespace="http://schemas.xmlsoap.org/claims"><saml:AttributeValue>${subject}</saml:AttributeValue></saml:Attribute></saml:AttributeStatement><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignatureValue>c2ln</ds:SignatureValue></ds:Signature></saml:Assertion>`;
}

/** A successful WS-Trust response: 1.3 (an RSTR collection) or 2005 (a bare RSTR), holding `token` as is. */
export function rstrResponse(o: { version: "13" | "2005"; tokenType: string; token: string }): string {
  const wst = o.version === "13" ? NS.wst13 : NS.wst2005;
  const rstr = `<t:RequestSecurityTokenResponse>
        <t:Lifetime><u:Created>2026-11-25T12:00:00Z</u:Created><u:Expires>2026-11-25T13:00:00Z</u:Expires></t:Lifetime>
        <wsp:AppliesTo xmlns:wsp="${NS.wsp}"><a:EndpointReference><a:Address>urn:federation:MicrosoftOnline</a:Address></a:EndpointReference></wsp:AppliesTo>
        <t:RequestedSecurityToken>${o.token}</t:RequestedSecurityToken>
        <t:TokenType>${o.tokenType}</t:TokenType>
        <t:RequestType>${wst}/Issue</t:RequestType>
      </t:RequestSecurityTokenResponse>`;
  const body =
    o.version === "13"
      ? `<t:RequestSecurityTokenResponseCollection xmlns:t="${wst}">${rstr}</t:RequestSecurityTokenResponseCollection>`
      : rstr.replace("<t:RequestSecurityTokenResponse>", `<t:RequestSecurityTokenResponse xmlns:t="${wst}">`);
  return `<s:Envelope xmlns:s="${NS.soap12}" xmlns:a="${NS.wsa}" xmlns:u="${NS.wsu}">
  <s:Header><a:Action s:mustUnderstand="1">${wst}/RSTRC/IssueFinal</a:Action></s:Header>
  <s:Body>${body}</s:Body>
</s:Envelope>`;
}

/** A SOAP 1.2 fault as ADFS answers a wrong password. */
export function soapFault(o: { subcode?: string; reason?: string } = {}): string {
  return `<s:Envelope xmlns:s="${NS.soap12}" xmlns:a="${NS.wsa}">
  <s:Header><a:Action s:mustUnderstand="1">http://www.w3.org/2005/08/addressing/soap/fault</a:Action></s:Header>
  <s:Body><s:Fault>
    <s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value xmlns:a="http://schemas.xmlsoap.org/ws/2005/02/trust">${o.subcode ?? "a:FailedAuthentication"}</s:Value></s:Subcode></s:Code>
    <s:Reason><s:Text xml:lang="en-US">${o.reason ?? "MSIS7068: Access denied."}</s:Text></s:Reason>
  </s:Fault></s:Body>
</s:Envelope>`;
}

/** An element as a plain tree: `{ns}local` names, attributes (no xmlns declarations) sorted, trimmed text. */
export interface XmlTree {
  name: string;
  attributes: Record<string, string>;
  text: string;
  children: XmlTree[];
}

function treeOf(element: Element): XmlTree {
  const attributes: Record<string, string> = {};
  const attrs = [...Array(element.attributes.length).keys()].map((i) => element.attributes.item(i)!);
  for (const a of attrs.sort((x, y) => (x.name < y.name ? -1 : 1))) {
    if (a.name === "xmlns" || a.prefix === "xmlns") continue;
    attributes[`{${a.namespaceURI ?? ""}}${a.localName}`] = a.value;
  }
  const children: XmlTree[] = [];
  let text = "";
  for (let n: Node | null = element.firstChild; n !== null; n = n.nextSibling) {
    if (n.nodeType === 1) children.push(treeOf(n as Element));
    else if (n.nodeType === 3 || n.nodeType === 4) text += (n as unknown as { data: string }).data;
  }
  return { name: `{${element.namespaceURI ?? ""}}${element.localName}`, attributes, text: text.trim(), children };
}

/** `xml` as an {@link XmlTree}; throws on anything that is not well-formed. */
export function xmlTree(xml: string): XmlTree {
  const doc = new DOMParser({
    onError: (level: string, message: string) => {
      if (level !== "warning") throw new Error(message);
    },
  }).parseFromString(xml, "text/xml");
  return treeOf(doc.documentElement!);
}

/** The text of the first element in `tree` named `{ns}local` (depth first), or undefined. */
export function textAt(tree: XmlTree, ns: string, local: string): string | undefined {
  if (tree.name === `{${ns}}${local}`) return tree.text;
  for (const c of tree.children) {
    const found = textAt(c, ns, local);
    if (found !== undefined) return found;
  }
  return undefined;
}
