/**
 * The federation server's metadata exchange (MEX) document: a WSDL whose WS-Policy assertions describe each
 * WS-Trust endpoint, as ADFS publishes at `/adfs/services/trust/mex`. The emulator serves the two
 * username/password endpoints over TLS (`.../13/usernamemixed` and `.../2005/usernamemixed`); the other
 * bindings (Windows integrated, certificate, username over message security) are listed so that a client's
 * endpoint selection is exercised, and are not served.
 */
import { escapeXml } from "./xml.js";

export const WSTRUST_13_ACTION = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue";
export const WSTRUST_2005_ACTION = "http://schemas.xmlsoap.org/ws/2005/02/trust/RST/Issue";

/** Path prefix of the federation server's endpoints. */
export const ADFS_TRUST = "/adfs/services/trust";

const NAMESPACES = {
  wsdl: "http://schemas.xmlsoap.org/wsdl/",
  soap12: "http://schemas.xmlsoap.org/wsdl/soap12/",
  wsp: "http://schemas.xmlsoap.org/ws/2004/09/policy",
  wsu: "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd",
  sp: "http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200702",
  sp2005: "http://schemas.xmlsoap.org/ws/2005/07/securitypolicy",
  http: "http://schemas.microsoft.com/ws/06/2004/policy/http",
  wsa10: "http://www.w3.org/2005/08/addressing",
  wsaw: "http://www.w3.org/2006/05/addressing/wsdl",
  trust: "http://docs.oasis-open.org/ws-sx/ws-trust/200512",
  t: "http://schemas.xmlsoap.org/ws/2005/02/trust",
  tns: "http://schemas.microsoft.com/ws/2008/06/identity/securitytokenservice",
} as const;

type Version = "2005" | "13";
type Kind = "windows" | "certificate" | "username-transport" | "username-message";

interface Endpoint {
  binding: string;
  version: Version;
  kind: Kind;
  path: string;
}

/** The endpoints listed, in ADFS's order: WS-Trust 2005 first, then 1.3. */
const ENDPOINTS: Endpoint[] = [
  { binding: "WindowsTransport", version: "2005", kind: "windows", path: "2005/windowstransport" },
  { binding: "CertificateWSTrustBinding", version: "2005", kind: "certificate", path: "2005/certificatemixed" },
  { binding: "UserNameWSTrustBinding", version: "2005", kind: "username-transport", path: "2005/usernamemixed" },
  { binding: "CertificateWSTrustBinding", version: "13", kind: "certificate", path: "13/certificatemixed" },
  { binding: "UserNameWSTrustBinding", version: "13", kind: "username-transport", path: "13/usernamemixed" },
  { binding: "UserNameWSTrustBinding", version: "13", kind: "username-message", path: "13/username" },
];

const portType = (v: Version): string => (v === "13" ? "IWSTrust13Async" : "IWSTrustFeb2005Async");
const operation = (v: Version): string => (v === "13" ? "Trust13IssueAsync" : "TrustFeb2005IssueAsync");
const action = (v: Version): string => (v === "13" ? WSTRUST_13_ACTION : WSTRUST_2005_ACTION);
const suffix = (e: Endpoint): string => (e.kind === "username-message" ? "1" : "");
const bindingName = (e: Endpoint): string => `${e.binding}_${portType(e.version)}${suffix(e)}`;

/** WS-SecurityPolicy of one version: `sp` (1.2, for WS-Trust 1.3) or `sp2005` (for WS-Trust 2005). */
function transportBinding(sp: string): string {
  return (
    `<${sp}:TransportBinding><wsp:Policy>` +
    `<${sp}:TransportToken><wsp:Policy><${sp}:HttpsToken${sp === "sp2005" ? ' RequireClientCertificate="false"' : ""}/></wsp:Policy></${sp}:TransportToken>` +
    `<${sp}:AlgorithmSuite><wsp:Policy><${sp}:Basic256/></wsp:Policy></${sp}:AlgorithmSuite>` +
    `<${sp}:Layout><wsp:Policy><${sp}:Strict/></wsp:Policy></${sp}:Layout>` +
    `<${sp}:IncludeTimestamp/></wsp:Policy></${sp}:TransportBinding>`
  );
}

function usernameToken(sp: string, wrapper: string): string {
  const include = `${sp === "sp" ? NAMESPACES.sp : NAMESPACES.sp2005}/IncludeToken/AlwaysToRecipient`;
  return (
    `<${sp}:${wrapper}><wsp:Policy><${sp}:UsernameToken ${sp}:IncludeToken="${include}">` +
    `<wsp:Policy><${sp}:WssUsernameToken10/></wsp:Policy></${sp}:UsernameToken></wsp:Policy></${sp}:${wrapper}>`
  );
}

function x509Token(sp: string): string {
  return (
    `<${sp}:EndorsingSupportingTokens><wsp:Policy><${sp}:X509Token ${sp}:IncludeToken="${sp === "sp" ? NAMESPACES.sp : NAMESPACES.sp2005}/IncludeToken/AlwaysToRecipient">` +
    `<wsp:Policy><${sp}:RequireThumbprintReference/><${sp}:WssX509V3Token10/></wsp:Policy></${sp}:X509Token>` +
    `</wsp:Policy></${sp}:EndorsingSupportingTokens>`
  );
}

function symmetricBinding(): string {
  return (
    `<sp:SymmetricBinding><wsp:Policy><sp:ProtectionToken><wsp:Policy>` +
    `<sp:X509Token sp:IncludeToken="${NAMESPACES.sp}/IncludeToken/Never"><wsp:Policy><sp:RequireDerivedKeys/>` +
    `<sp:RequireThumbprintReference/><sp:WssX509V3Token10/></wsp:Policy></sp:X509Token></wsp:Policy></sp:ProtectionToken>` +
    `<sp:AlgorithmSuite><wsp:Policy><sp:Basic256/></wsp:Policy></sp:AlgorithmSuite>` +
    `<sp:Layout><wsp:Policy><sp:Strict/></wsp:Policy></sp:Layout><sp:IncludeTimestamp/>` +
    `<sp:EncryptSignature/><sp:OnlySignEntireHeadersAndBody/></wsp:Policy></sp:SymmetricBinding>`
  );
}

/** The policy assertions of one endpoint (inside `wsp:All`). */
function assertions(e: Endpoint): string {
  const sp = e.version === "13" ? "sp" : "sp2005";
  const trust =
    e.version === "13" ? "<sp:Trust13><wsp:Policy><sp:MustSupportIssuedTokens/></wsp:Policy></sp:Trust13>" : "";
  switch (e.kind) {
    case "windows":
      return `<http:NegotiateAuthentication/>${transportBinding(sp)}<wsaw:UsingAddressing/>`;
    case "certificate":
      return `${transportBinding(sp)}${x509Token(sp)}${trust}<wsaw:UsingAddressing/>`;
    case "username-transport":
      return `${transportBinding(sp)}${usernameToken(sp, sp === "sp" ? "SignedEncryptedSupportingTokens" : "SignedSupportingTokens")}${trust}<wsaw:UsingAddressing/>`;
    default:
      return `${symmetricBinding()}${usernameToken(sp, "SignedEncryptedSupportingTokens")}${trust}<wsaw:UsingAddressing/>`;
  }
}

function policy(e: Endpoint): string {
  return `<wsp:Policy wsu:Id="${bindingName(e)}_policy"><wsp:ExactlyOne><wsp:All>${assertions(e)}</wsp:All></wsp:ExactlyOne></wsp:Policy>`;
}

function messagesAndPortType(v: Version): string {
  const op = operation(v);
  const pt = portType(v);
  const request = v === "13" ? "trust:RequestSecurityToken" : "t:RequestSecurityToken";
  const response = v === "13" ? "trust:RequestSecurityTokenResponseCollection" : "t:RequestSecurityTokenResponse";
  const replyAction = v === "13" ? `${NAMESPACES.trust}/RSTRC/IssueFinal` : `${NAMESPACES.t}/RSTR/Issue`;
  return (
    `<wsdl:message name="${pt}_${op}_InputMessage"><wsdl:part name="request" element="${request}"/></wsdl:message>` +
    `<wsdl:message name="${pt}_${op}_OutputMessage"><wsdl:part name="${op}Result" element="${response}"/></wsdl:message>` +
    `<wsdl:portType name="${pt}"><wsdl:operation name="${op}">` +
    `<wsdl:input wsaw:Action="${action(v)}" message="tns:${pt}_${op}_InputMessage"/>` +
    `<wsdl:output wsaw:Action="${replyAction}" message="tns:${pt}_${op}_OutputMessage"/>` +
    `</wsdl:operation></wsdl:portType>`
  );
}

function binding(e: Endpoint): string {
  return (
    `<wsdl:binding name="${bindingName(e)}" type="tns:${portType(e.version)}">` +
    `<wsp:PolicyReference URI="#${bindingName(e)}_policy"/>` +
    `<soap12:binding transport="http://schemas.xmlsoap.org/soap/http"/>` +
    `<wsdl:operation name="${operation(e.version)}"><soap12:operation soapAction="${action(e.version)}" style="document"/>` +
    `<wsdl:input><soap12:body use="literal"/></wsdl:input><wsdl:output><soap12:body use="literal"/></wsdl:output>` +
    `</wsdl:operation></wsdl:binding>`
  );
}

function port(e: Endpoint, origin: string): string {
  const address = escapeXml(`${origin}${ADFS_TRUST}/${e.path}`);
  return (
    `<wsdl:port name="${bindingName(e)}" binding="tns:${bindingName(e)}">` +
    `<soap12:address location="${address}"/>` +
    `<wsa10:EndpointReference><wsa10:Address>${address}</wsa10:Address></wsa10:EndpointReference></wsdl:port>`
  );
}

/** The MEX document for a federation server reached at `origin` (`https://host[:port]`). */
export function mexDocument(origin: string): string {
  const xmlns = Object.entries(NAMESPACES)
    .map(([prefix, uri]) => `xmlns:${prefix}="${uri}"`)
    .join(" ");
  return (
    `<?xml version="1.0" encoding="utf-8"?>` +
    `<wsdl:definitions name="SecurityTokenService" targetNamespace="${NAMESPACES.tns}" ${xmlns}>` +
    ENDPOINTS.map(policy).join("") +
    messagesAndPortType("2005") +
    messagesAndPortType("13") +
    ENDPOINTS.map(binding).join("") +
    `<wsdl:service name="SecurityTokenService">${ENDPOINTS.map((e) => port(e, origin)).join("")}</wsdl:service>` +
    `</wsdl:definitions>`
  );
}
