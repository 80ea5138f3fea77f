/**
 * The federation server's WS-Trust username/password endpoints (`/adfs/services/trust/13/usernamemixed` and
 * `/adfs/services/trust/2005/usernamemixed`), as ADFS answers them: a SOAP 1.2 RequestSecurityToken with a
 * WS-Security UsernameToken and Timestamp over TLS gets a RequestSecurityTokenResponse holding a signed SAML
 * assertion for the user (SAML 2.0 from WS-Trust 1.3, SAML 1.1 from 2005, unless the request names a token
 * type); anything else a SOAP fault with HTTP status 500.
 */
import type { NormalizedUser } from "../config.js";
import type { Document, Element } from "@xmldom/xmldom";
import type { EmulatorContext } from "../context.js";
import type { EmuRequest, EmuResponse } from "../http.js";
import { WSTRUST_13_ACTION, WSTRUST_2005_ACTION } from "./mex.js";
import { federationIssuer, MICROSOFT_ONLINE, saml11Assertion, saml20Assertion } from "./saml.js";
import { federationSigner, signAssertion, type SamlVersion } from "./signing.js";
import {
  childElement,
  escapeXml,
  isElement,
  NS,
  parseXml,
  parseXmlTime,
  pathElement,
  textOf,
  xmlTime,
  XmlRefused,
} from "./xml.js";

export type TrustVersion = "13" | "2005";

/** Largest RequestSecurityToken read, in bytes (MSAL's are under 2 KiB). */
const RST_LIMIT = 64 * 1024;
/** Clock skew allowed on the request's Timestamp, in ms. */
const SKEW_MS = 5 * 60 * 1000;
const SOAP_CONTENT_TYPE = "application/soap+xml; charset=utf-8";
const WSA_2004 = "http://schemas.xmlsoap.org/ws/2004/08/addressing";
const PASSWORD_TEXT = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText";

interface TrustSpec {
  ns: string;
  prefix: string;
  action: string;
  replyAction: string;
  issue: string;
  keyTypes: string[];
  defaultSaml: SamlVersion;
}

const SPECS: Record<TrustVersion, TrustSpec> = {
  "13": {
    ns: NS.trust13,
    prefix: "trust",
    action: WSTRUST_13_ACTION,
    replyAction: `${NS.trust13}/RSTRC/IssueFinal`,
    issue: `${NS.trust13}/Issue`,
    keyTypes: [`${NS.trust13}/Bearer`],
    defaultSaml: "2.0",
  },
  "2005": {
    ns: NS.trust2005,
    prefix: "t",
    action: WSTRUST_2005_ACTION,
    replyAction: `${NS.trust2005}/RSTR/Issue`,
    issue: `${NS.trust2005}/Issue`,
    keyTypes: ["http://schemas.xmlsoap.org/ws/2005/05/identity/NoProofKey", `${NS.trust13}/Bearer`],
    defaultSaml: "1.1",
  },
};

/** The token types a request may ask for, and the SAML version each means. */
const TOKEN_TYPES: Record<string, SamlVersion> = {
  "urn:oasis:names:tc:SAML:1.0:assertion": "1.1",
  "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV1.1": "1.1",
  "urn:oasis:names:tc:SAML:2.0:assertion": "2.0",
  "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0": "2.0",
};

/** A SOAP fault: `s:Sender` with a subcode (namespace and local name) and a reason. */
export class WsTrustFault extends Error {
  constructor(
    readonly subcodeNs: string,
    readonly subcode: string,
    reason: string,
  ) {
    super(reason);
    this.name = "WsTrustFault";
  }
}

/** ADFS's answer to an unknown user, a wrong password or a user it does not federate. */
export const FAILED_AUTHENTICATION = "ID3242: The security token could not be authenticated or authorized.";

const invalidRequest = (reason: string): WsTrustFault => new WsTrustFault(NS.trust13, "InvalidRequest", reason);
const invalidSecurity = (reason: string): WsTrustFault => new WsTrustFault(NS.wsse, "InvalidSecurity", reason);

/** What a RequestSecurityToken asks for. */
interface ParsedRst {
  messageId?: string;
  username: string;
  password: string;
  appliesTo: string;
  tokenType?: string;
  saml: SamlVersion;
}

function soapParts(body: Buffer): { header: Element | undefined; body: Element | undefined } {
  let doc: Document;
  try {
    doc = parseXml(body.toString("utf8"), RST_LIMIT);
  } catch (e) {
    throw invalidRequest(`The request is not acceptable XML: ${(e as Error).message}.`);
  }
  const envelope = doc.documentElement as Element;
  if (!isElement(envelope, NS.soap, "Envelope")) {
    throw invalidRequest("The request is not a SOAP 1.2 envelope.");
  }
  return { header: childElement(envelope, NS.soap, "Header"), body: childElement(envelope, NS.soap, "Body") };
}

function checkAction(header: Element | undefined, spec: TrustSpec): string | undefined {
  const action = textOf(childElement(header, NS.wsa, "Action"));
  if (!action) {
    throw new WsTrustFault(
      NS.wsa,
      "MessageAddressingHeaderRequired",
      "A required header representing a Message Addressing Property is not present: Action.",
    );
  }
  if (action !== spec.action) {
    throw new WsTrustFault(
      NS.wsa,
      "ActionNotSupported",
      `The message with Action '${action}' cannot be processed at this endpoint, which takes '${spec.action}'.`,
    );
  }
  return textOf(childElement(header, NS.wsa, "MessageID"));
}

function checkTimestamp(security: Element, nowMs: number): void {
  const timestamp = childElement(security, NS.wsu, "Timestamp");
  if (!timestamp) throw invalidSecurity("The Security header has no Timestamp.");
  const created = parseXmlTime(textOf(childElement(timestamp, NS.wsu, "Created")));
  const expires = parseXmlTime(textOf(childElement(timestamp, NS.wsu, "Expires")));
  if (created === undefined || expires === undefined) {
    throw invalidSecurity("The Timestamp needs Created and Expires in UTC (xsd:dateTime ending in Z).");
  }
  if (created > nowMs + SKEW_MS || expires < nowMs - SKEW_MS || expires < created) {
    throw new WsTrustFault(NS.wsu, "MessageExpired", "The security timestamp is stale or not yet valid.");
  }
}

function credentials(security: Element): { username: string; password: string } {
  const token = childElement(security, NS.wsse, "UsernameToken");
  if (!token) throw invalidSecurity("The Security header has no UsernameToken.");
  const username = textOf(childElement(token, NS.wsse, "Username"));
  const passwordEl = childElement(token, NS.wsse, "Password");
  const type = passwordEl?.getAttribute("Type");
  if (type && type !== PASSWORD_TEXT) {
    throw new WsTrustFault(NS.wsse, "UnsupportedSecurityToken", "Only PasswordText passwords are supported.");
  }
  // The password is taken as sent (no trimming): spaces may be part of it.
  let password = "";
  for (let c = passwordEl?.firstChild; c; c = c.nextSibling) password += c.nodeType === 1 ? "" : (c.nodeValue ?? "");
  if (!username || !passwordEl) throw invalidSecurity("The UsernameToken needs a Username and a Password.");
  return { username, password };
}

function appliesToOf(rst: Element): string {
  const appliesTo = childElement(rst, NS.wsp, "AppliesTo");
  const address =
    pathElement(appliesTo, [NS.wsa, "EndpointReference"], [NS.wsa, "Address"]) ??
    pathElement(appliesTo, [WSA_2004, "EndpointReference"], [WSA_2004, "Address"]);
  const value = textOf(address);
  if (!value) throw invalidRequest("The RequestSecurityToken has no AppliesTo/EndpointReference/Address.");
  if (value !== MICROSOFT_ONLINE) {
    throw new WsTrustFault(NS.trust13, "InvalidScope", "ID3082: The request scope is not valid or is unsupported.");
  }
  return value;
}

function tokenRequest(
  body: Element | undefined,
  spec: TrustSpec,
  version: TrustVersion,
): Omit<ParsedRst, "username" | "password" | "messageId"> {
  const rst = childElement(body, spec.ns, "RequestSecurityToken");
  if (!rst)
    throw invalidRequest(`The body is not a WS-Trust ${version === "13" ? "1.3" : "2005"} RequestSecurityToken.`);
  const requestType = textOf(childElement(rst, spec.ns, "RequestType"));
  if (requestType !== spec.issue) throw invalidRequest(`RequestType must be '${spec.issue}'.`);
  const keyType = textOf(childElement(rst, spec.ns, "KeyType"));
  if (keyType !== undefined && !spec.keyTypes.includes(keyType)) {
    throw invalidRequest(`KeyType '${keyType}' is not supported: the emulator issues bearer tokens only.`);
  }
  const appliesTo = appliesToOf(rst);
  const tokenType = textOf(childElement(rst, spec.ns, "TokenType"));
  if (tokenType !== undefined && !(tokenType in TOKEN_TYPES)) {
    throw invalidRequest(`TokenType '${tokenType}' is not supported: ask for a SAML 1.1 or SAML 2.0 assertion.`);
  }
  const saml = tokenType !== undefined ? (TOKEN_TYPES[tokenType] as SamlVersion) : spec.defaultSaml;
  return { appliesTo, saml, ...(tokenType !== undefined ? { tokenType } : {}) };
}

/** Reads and checks a RequestSecurityToken; throws `WsTrustFault` for a request ADFS would refuse. */
function parseRst(ctx: EmulatorContext, req: EmuRequest, version: TrustVersion): ParsedRst {
  const spec = SPECS[version];
  const { header, body } = soapParts(req.body);
  const messageId = checkAction(header, spec);
  const security = childElement(header, NS.wsse, "Security");
  if (!security) throw invalidSecurity("The message has no WS-Security header.");
  checkTimestamp(security, ctx.clock.nowMs());
  const { username, password } = credentials(security);
  return { ...tokenRequest(body, spec, version), username, password, ...(messageId ? { messageId } : {}) };
}

/** The federated user the credentials name, or the ID3242 fault (unknown, managed, or a wrong password). */
function authenticate(ctx: EmulatorContext, rst: ParsedRst): NormalizedUser {
  const user = ctx.findUser(rst.username);
  if (!user?.federated || user.password !== rst.password) {
    throw new WsTrustFault(NS.wsse, "FailedAuthentication", FAILED_AUTHENTICATION);
  }
  return user;
}

function soapEnvelope(headers: string, body: string): string {
  return (
    `<s:Envelope xmlns:s="${NS.soap}" xmlns:a="${NS.wsa}" xmlns:u="${NS.wsu}">` +
    `<s:Header>${headers}</s:Header><s:Body>${body}</s:Body></s:Envelope>`
  );
}

const relatesTo = (messageId: string | undefined): string =>
  messageId ? `<a:RelatesTo>${escapeXml(messageId)}</a:RelatesTo>` : "";

/** A SOAP 1.2 fault as ADFS sends it: HTTP 500, `s:Sender`, a subcode in its own namespace, a reason. */
export function soapFault(fault: WsTrustFault, messageId?: string): EmuResponse {
  const body =
    `<s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode>` +
    `<s:Value xmlns:a="${fault.subcodeNs}">a:${fault.subcode}</s:Value></s:Subcode></s:Code>` +
    `<s:Reason><s:Text xml:lang="en-US">${escapeXml(fault.message)}</s:Text></s:Reason></s:Fault>`;
  const headers = `<a:Action s:mustUnderstand="1">${NS.wsa}/soap/fault</a:Action>${relatesTo(messageId)}`;
  return { status: 500, headers: { "content-type": SOAP_CONTENT_TYPE }, body: soapEnvelope(headers, body) };
}

interface Issued {
  assertion: string;
  id: string;
  saml: SamlVersion;
  nowMs: number;
  notAfterMs: number;
}

function responseBody(spec: TrustSpec, rst: ParsedRst, issued: Issued): string {
  const p = spec.prefix;
  const tokenType =
    rst.tokenType ??
    (issued.saml === "1.1" ? "urn:oasis:names:tc:SAML:1.0:assertion" : "urn:oasis:names:tc:SAML:2.0:assertion");
  const idType =
    issued.saml === "1.1"
      ? "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.0#SAMLAssertionID"
      : "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLID";
  const reference = `<o:SecurityTokenReference xmlns:o="${NS.wsse}"><o:KeyIdentifier ValueType="${idType}">${issued.id}</o:KeyIdentifier></o:SecurityTokenReference>`;
  const rstr =
    `<${p}:Lifetime><u:Created>${xmlTime(issued.nowMs)}</u:Created><u:Expires>${xmlTime(issued.notAfterMs)}</u:Expires></${p}:Lifetime>` +
    `<wsp:AppliesTo xmlns:wsp="${NS.wsp}"><a:EndpointReference><a:Address>${escapeXml(rst.appliesTo)}</a:Address></a:EndpointReference></wsp:AppliesTo>` +
    `<${p}:RequestedSecurityToken>${issued.assertion}</${p}:RequestedSecurityToken>` +
    `<${p}:RequestedAttachedReference>${reference}</${p}:RequestedAttachedReference>` +
    `<${p}:RequestedUnattachedReference>${reference}</${p}:RequestedUnattachedReference>` +
    `<${p}:TokenType>${escapeXml(tokenType)}</${p}:TokenType>` +
    `<${p}:RequestType>${spec.issue}</${p}:RequestType>` +
    `<${p}:KeyType>${spec.keyTypes[0]}</${p}:KeyType>`;
  const single = `<${p}:RequestSecurityTokenResponse xmlns:${p}="${spec.ns}">${rstr}</${p}:RequestSecurityTokenResponse>`;
  if (spec.prefix === "t") return single;
  return (
    `<${p}:RequestSecurityTokenResponseCollection xmlns:${p}="${spec.ns}">` +
    `<${p}:RequestSecurityTokenResponse>${rstr}</${p}:RequestSecurityTokenResponse></${p}:RequestSecurityTokenResponseCollection>`
  );
}

async function issue(ctx: EmulatorContext, user: NormalizedUser, rst: ParsedRst): Promise<Issued> {
  const nowMs = ctx.clock.nowMs();
  const lifetimeSeconds = ctx.config.federation.tokenLifetime;
  const input = { user, audience: rst.appliesTo, issuer: federationIssuer(ctx), nowMs, lifetimeSeconds };
  const unsigned = rst.saml === "1.1" ? saml11Assertion(input) : saml20Assertion(input);
  const assertion = signAssertion(unsigned, rst.saml, await federationSigner(ctx));
  const id = /(?:AssertionID|ID)="([^"]+)"/.exec(unsigned)?.[1] ?? "";
  return { assertion, id, saml: rst.saml, nowMs, notAfterMs: nowMs + lifetimeSeconds * 1000 };
}

/** Answers a RequestSecurityToken at the WS-Trust `version` username/password endpoint. */
export async function wsTrustIssue(ctx: EmulatorContext, req: EmuRequest, version: TrustVersion): Promise<EmuResponse> {
  const spec = SPECS[version];
  const contentType = (req.headers["content-type"] ?? "").toLowerCase();
  if (!contentType.startsWith("application/soap+xml")) {
    return {
      status: 415,
      headers: { "content-type": "text/plain; charset=utf-8" },
      body: `Cannot process the message because the content type '${contentType}' was not the expected type '${SOAP_CONTENT_TYPE}'.`,
    };
  }
  let rst: ParsedRst | undefined;
  try {
    rst = parseRst(ctx, req, version);
    const user = authenticate(ctx, rst);
    const issued = await issue(ctx, user, rst);
    const now = ctx.clock.nowMs();
    const headers =
      `<a:Action s:mustUnderstand="1">${spec.replyAction}</a:Action>${relatesTo(rst.messageId)}` +
      `<o:Security s:mustUnderstand="1" xmlns:o="${NS.wsse}"><u:Timestamp u:Id="_0">` +
      `<u:Created>${xmlTime(now)}</u:Created><u:Expires>${xmlTime(now + SKEW_MS)}</u:Expires></u:Timestamp></o:Security>`;
    const body = soapEnvelope(headers, responseBody(spec, rst, issued));
    return { status: 200, headers: { "content-type": SOAP_CONTENT_TYPE }, body };
  } catch (e) {
    if (e instanceof XmlRefused)
      return soapFault(invalidRequest(`The request is not acceptable: ${e.message}.`), rst?.messageId);
    if (e instanceof WsTrustFault) return soapFault(e, rst?.messageId);
    throw e;
  }
}

/**
 * What the request log shows of a SOAP request (the body is not a form): its action, addressing, user name,
 * password (masked by the log like a form's), AppliesTo and request and key types. Undefined when the body
 * is not a SOAP envelope the emulator reads.
 */
export function soapLogFields(req: EmuRequest): Record<string, string> | undefined {
  const contentType = (req.headers["content-type"] ?? "").toLowerCase();
  if (!/^(application\/soap\+xml|text\/xml)/.test(contentType) || req.body.length === 0) return undefined;
  try {
    const { header, body } = soapParts(req.body);
    const out: Record<string, string> = {};
    const put = (key: string, el: Element | undefined): void => {
      const value = el ? textOf(el) : undefined;
      if (value !== undefined) out[key] = value;
    };
    put("action", childElement(header, NS.wsa, "Action"));
    put("message_id", childElement(header, NS.wsa, "MessageID"));
    put("to", childElement(header, NS.wsa, "To"));
    const token = pathElement(header, [NS.wsse, "Security"], [NS.wsse, "UsernameToken"]);
    put("username", childElement(token, NS.wsse, "Username"));
    const password = childElement(token, NS.wsse, "Password");
    if (password) out.password = password.textContent ?? "";
    const rst =
      childElement(body, NS.trust13, "RequestSecurityToken") ??
      childElement(body, NS.trust2005, "RequestSecurityToken");
    const ns = rst?.namespaceURI ?? NS.trust13;
    put("applies_to", pathElement(rst, [NS.wsp, "AppliesTo"], [NS.wsa, "EndpointReference"], [NS.wsa, "Address"]));
    put("request_type", childElement(rst, ns, "RequestType"));
    put("key_type", childElement(rst, ns, "KeyType"));
    put("token_type", childElement(rst, ns, "TokenType"));
    return out;
  } catch {
    return undefined;
  }
}
