/**
 * Helpers for the federation tests: WS-Trust requests written from the specifications (WS-Trust 1.3 and 2005,
 * WS-Security UsernameToken), the assertion an RSTR carries, and assertions re-signed with a configured
 * federation key (to make assertions the federation server would never issue).
 */
import { randomUUID } from "node:crypto";
import { DOMParser, type Document, type Element } from "@xmldom/xmldom";
import { SignedXml } from "xml-crypto";
import { defaultConfig, type EmulatorConfig } from "../src/index.js";
import type { Emulator } from "../src/index.js";
import { call, DEMO, type Reply } from "./helpers.js";

export const SOAP12 = "http://www.w3.org/2003/05/soap-envelope";
export const WSA = "http://www.w3.org/2005/08/addressing";
export const WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
export const WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
export const TRUST13 = "http://docs.oasis-open.org/ws-sx/ws-trust/200512";
export const TRUST2005 = "http://schemas.xmlsoap.org/ws/2005/02/trust";
export const SAML1 = "urn:oasis:names:tc:SAML:1.0:assertion";
export const SAML2 = "urn:oasis:names:tc:SAML:2.0:assertion";
export const DSIG = "http://www.w3.org/2000/09/xmldsig#";
export const MICROSOFT_ONLINE = "urn:federation:MicrosoftOnline";
export const ACTION_13 = `${TRUST13}/RST/Issue`;
export const ACTION_2005 = `${TRUST2005}/RST/Issue`;
export const SAML11_BEARER = "urn:ietf:params:oauth:grant-type:saml1_1-bearer";
export const SAML2_BEARER = "urn:ietf:params:oauth:grant-type:saml2-bearer";

/** Federated users added to the demo configuration. */
export const CAROL = { username: "carol@contoso.com", password: "carol <p&ss> 'word'" };
export const DAVE = { username: "dave@contoso.com", password: "dave-password" };

/** The demo configuration plus two federated users (Carol, Dave), optionally a fixed federation certificate. */
export function federationConfig(signing?: { certPem: string; keyPem: string }): EmulatorConfig {
  const config = defaultConfig();
  config.deviceCodeInterval = 30;
  config.users.push(
    { ...CAROL, tenant: DEMO.tenant, federated: true, oid: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d" },
    { ...DAVE, tenant: DEMO.tenant, federated: true },
  );
  if (signing) config.federation = { signingCertificate: { pem: signing.certPem, keyPem: signing.keyPem } };
  return config;
}

export type TrustVersion = "13" | "2005";

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/'/g, "&apos;");
}

export interface RstOptions {
  username: string;
  password: string;
  version: TrustVersion;
  endpoint?: string;
  action?: string;
  appliesTo?: string;
  created?: Date;
  expires?: Date;
  keyType?: string;
  tokenType?: string;
  /** Leave out the wsse:Security header. */
  noSecurity?: boolean;
  messageId?: string;
}

/** A RequestSecurityToken (SOAP 1.2, WS-Addressing, WS-Security UsernameToken with PasswordText). */
export function rst(o: RstOptions): string {
  const trust = o.version === "13" ? TRUST13 : TRUST2005;
  const created = o.created ?? new Date();
  const expires = o.expires ?? new Date(created.getTime() + 10 * 60_000);
  const keyType =
    o.keyType ??
    (o.version === "13" ? `${TRUST13}/Bearer` : "http://schemas.xmlsoap.org/ws/2005/05/identity/NoProofKey");
  const security = o.noSecurity
    ? ""
    : `<wsse:Security s:mustUnderstand='1' xmlns:wsse='${WSSE}'>` +
      `<wsu:Timestamp wsu:Id='_0'><wsu:Created>${created.toISOString()}</wsu:Created><wsu:Expires>${expires.toISOString()}</wsu:Expires></wsu:Timestamp>` +
      `<wsse:UsernameToken wsu:Id='user'><wsse:Username>${escape(o.username)}</wsse:Username>` +
      `<wsse:Password>${escape(o.password)}</wsse:Password></wsse:UsernameToken></wsse:Security>`;
  return (
    `<s:Envelope xmlns:s='${SOAP12}' xmlns:wsa='${WSA}' xmlns:wsu='${WSU}'><s:Header>` +
    `<wsa:Action s:mustUnderstand='1'>${o.action ?? (o.version === "13" ? ACTION_13 : ACTION_2005)}</wsa:Action>` +
    `<wsa:MessageID>${o.messageId ?? `urn:uuid:${randomUUID()}`}</wsa:MessageID>` +
    `<wsa:To s:mustUnderstand='1'>${o.endpoint ?? "https://localhost/"}</wsa:To>${security}</s:Header>` +
    `<s:Body><wst:RequestSecurityToken xmlns:wst='${trust}'>` +
    `<wsp:AppliesTo xmlns:wsp='http://schemas.xmlsoap.org/ws/2004/09/policy'><wsa:EndpointReference>` +
    `<wsa:Address>${o.appliesTo ?? MICROSOFT_ONLINE}</wsa:Address></wsa:EndpointReference></wsp:AppliesTo>` +
    `<wst:KeyType>${keyType}</wst:KeyType>` +
    (o.tokenType ? `<wst:TokenType>${o.tokenType}</wst:TokenType>` : "") +
    `<wst:RequestType>${trust}/Issue</wst:RequestType></wst:RequestSecurityToken></s:Body></s:Envelope>`
  );
}

export function endpointPath(version: TrustVersion): string {
  return `/adfs/services/trust/${version}/usernamemixed`;
}

/** POSTs a SOAP 1.2 body to a WS-Trust endpoint. */
export function postSoap(
  emulator: Emulator,
  version: TrustVersion,
  body: string,
  contentType?: string,
): Promise<Reply> {
  return call(emulator, "POST", endpointPath(version), {
    raw: body,
    headers: { "content-type": contentType ?? "application/soap+xml; charset=utf-8" },
  });
}

/** Sends an RST for a user and returns the reply. */
export function requestToken(emulator: Emulator, o: Omit<RstOptions, "endpoint">): Promise<Reply> {
  return postSoap(emulator, o.version, rst({ ...o, endpoint: `${emulator.url}${endpointPath(o.version)}` }));
}

export function parse(xml: string): Document {
  return new DOMParser().parseFromString(xml, "text/xml");
}

/** The elements `{ns}local` anywhere under `node`. */
export function all(node: Document | Element, ns: string, local: string): Element[] {
  return Array.from(node.getElementsByTagNameNS(ns, local));
}

export function one(node: Document | Element, ns: string, local: string): Element {
  const found = all(node, ns, local);
  if (found.length !== 1) throw new Error(`expected one ${local}, found ${found.length}`);
  return found[0] as Element;
}

export function text(node: Document | Element, ns: string, local: string): string {
  return one(node, ns, local).textContent ?? "";
}

/** The assertion an RSTR carries, exactly as sent (the bytes a client forwards to the token endpoint). */
export function assertionOf(rstr: string): string {
  const m = /<(\w+:)?RequestedSecurityToken>([\s\S]*)<\/(\w+:)?RequestedSecurityToken>/.exec(rstr);
  if (!m?.[2]) throw new Error(`no RequestedSecurityToken in ${rstr.slice(0, 500)}`);
  return m[2];
}

/** A SOAP fault's subcode (prefix resolved) and reason. */
export function faultOf(reply: Reply): { status: number; subcodeNs: string; subcode: string; reason: string } {
  const doc = parse(reply.text);
  const value = one(one(doc, SOAP12, "Subcode"), SOAP12, "Value");
  const [prefix, local] = (value.textContent ?? "").split(":");
  return {
    status: reply.status,
    subcodeNs: value.lookupNamespaceURI(prefix ?? "") ?? "",
    subcode: local ?? "",
    reason: text(doc, SOAP12, "Text"),
  };
}

/** Gets an assertion for a user from the WS-Trust endpoint of `version` (SAML 2.0 for 1.3, SAML 1.1 for 2005). */
export async function issuedAssertion(emulator: Emulator, version: TrustVersion, user = CAROL): Promise<string> {
  const reply = await requestToken(emulator, { ...user, version });
  if (reply.status !== 200) throw new Error(`WS-Trust answered ${reply.status}: ${reply.text}`);
  return assertionOf(reply.text);
}

/**
 * An assertion edited and signed again with `keyPem` (enveloped, exclusive c14n, RSA-SHA256): the way to make
 * assertions a federation server holding that key could issue but the emulator's never would.
 */
export function resign(assertion: string, keyPem: string, edit: (xml: string) => string = (x) => x): string {
  const unsigned = edit(assertion.replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, ""));
  const saml1 = unsigned.includes(`xmlns:saml="${SAML1}"`);
  const sig = new SignedXml({
    privateKey: keyPem,
    signatureAlgorithm: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    canonicalizationAlgorithm: "http://www.w3.org/2001/10/xml-exc-c14n#",
    ...(saml1 ? { idAttribute: "AssertionID" } : {}),
  });
  sig.addReference({
    xpath: "/*",
    transforms: ["http://www.w3.org/2000/09/xmldsig#enveloped-signature", "http://www.w3.org/2001/10/xml-exc-c14n#"],
    digestAlgorithm: "http://www.w3.org/2001/04/xmlenc#sha256",
  });
  sig.computeSignature(unsigned, {
    prefix: "ds",
    location: saml1
      ? { reference: "/*", action: "append" }
      : { reference: "/*/*[local-name(.)='Issuer']", action: "after" },
  });
  return sig.getSignedXml();
}

/** A token request redeeming an assertion (base64url without padding, as RFC 7522 and MSAL send it). */
export function redeem(
  emulator: Emulator,
  assertion: string,
  grantType: string,
  o: { path?: string; encoding?: "base64url" | "base64"; form?: Record<string, string> } = {},
): Promise<Reply> {
  const encoded =
    o.encoding === "base64"
      ? Buffer.from(assertion, "utf8").toString("base64")
      : Buffer.from(assertion, "utf8").toString("base64url");
  return call(emulator, "POST", o.path ?? `/${DEMO.tenantId}/oauth2/v2.0/token`, {
    form: {
      client_id: DEMO.cli,
      grant_type: grantType,
      assertion: encoded,
      scope: "https://graph.microsoft.com/User.Read offline_access openid profile",
      client_info: "1",
      ...o.form,
    },
  });
}
