/**
 * SAML assertions of the emulator's federation server: SAML 1.1 (what WS-Trust 2005 answers) and SAML 2.0
 * (WS-Trust 1.3), each naming a federated user by UPN with the UPN and ImmutableID claims Entra reads, and
 * the reading of an assertion back (from its signed form) for the token endpoint's SAML bearer grants.
 */
import { randomUUID } from "node:crypto";
import type { NormalizedUser } from "../config.js";
import type { Element } from "@xmldom/xmldom";
import type { EmulatorContext } from "../context.js";
import { escapeXml, NS, parseXml, pathElement, textOf, childElements, XmlRefused, xmlTime } from "./xml.js";
import { ASSERTION_LIMIT, type SamlVersion } from "./signing.js";

/** The relying party Entra ID is to a federation server (`cloud_audience_urn` of the user realm). */
export const MICROSOFT_ONLINE = "urn:federation:MicrosoftOnline";
const UNSPECIFIED = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";
const CLAIMS_NS = "http://schemas.xmlsoap.org/claims";
const LIVE_ID_NS = "http://schemas.microsoft.com/LiveID/Federation/2008/05";

/** The Issuer of the federation server's assertions: configured, else `http://{hostName}/adfs/services/trust`. */
export function federationIssuer(ctx: EmulatorContext): string {
  return ctx.config.federation.issuer ?? `http://${ctx.names.hostName}/adfs/services/trust`;
}

/**
 * A user's ImmutableID (the on-premises source anchor Entra matches): base64 of the object GUID's bytes in
 * the order Windows stores a GUID. The emulator uses the user's `oid` as that GUID.
 */
export function immutableIdOf(user: NormalizedUser): string {
  const hex = user.oid.replace(/-/g, "");
  const bytes = Buffer.from(hex, "hex");
  for (const [from, to] of [
    [0, 4],
    [4, 6],
    [6, 8],
  ] as const) {
    bytes.subarray(from, to).reverse();
  }
  return bytes.toString("base64");
}

export interface AssertionInput {
  user: NormalizedUser;
  audience: string;
  issuer: string;
  /** Issue time (ms); NotBefore. */
  nowMs: number;
  lifetimeSeconds: number;
}

/** The assertion's id: an NCName (SAML's ids are xsd:ID), unique per assertion. */
function assertionId(): string {
  return `_${randomUUID()}`;
}

/** A SAML 1.1 assertion (unsigned): conditions, attribute statement (UPN, ImmutableID), password authentication. */
export function saml11Assertion(a: AssertionInput): string {
  const now = xmlTime(a.nowMs);
  const upn = escapeXml(a.user.username);
  const subject =
    `<saml:Subject><saml:NameIdentifier Format="${UNSPECIFIED}">${upn}</saml:NameIdentifier>` +
    `<saml:SubjectConfirmation><saml:ConfirmationMethod>urn:oasis:names:tc:SAML:1.0:cm:bearer</saml:ConfirmationMethod>` +
    `</saml:SubjectConfirmation></saml:Subject>`;
  return (
    `<saml:Assertion xmlns:saml="${NS.saml1}" MajorVersion="1" MinorVersion="1" AssertionID="${assertionId()}" ` +
    `Issuer="${escapeXml(a.issuer)}" IssueInstant="${now}">` +
    `<saml:Conditions NotBefore="${now}" NotOnOrAfter="${xmlTime(a.nowMs + a.lifetimeSeconds * 1000)}">` +
    `<saml:AudienceRestrictionCondition><saml:Audience>${escapeXml(a.audience)}</saml:Audience>` +
    `</saml:AudienceRestrictionCondition></saml:Conditions>` +
    `<saml:AttributeStatement>${subject}` +
    `<saml:Attribute AttributeName="UPN" AttributeNamespace="${CLAIMS_NS}"><saml:AttributeValue>${upn}</saml:AttributeValue></saml:Attribute>` +
    `<saml:Attribute AttributeName="ImmutableID" AttributeNamespace="${LIVE_ID_NS}">` +
    `<saml:AttributeValue>${immutableIdOf(a.user)}</saml:AttributeValue></saml:Attribute>` +
    `</saml:AttributeStatement>` +
    `<saml:AuthenticationStatement AuthenticationMethod="urn:oasis:names:tc:SAML:1.0:am:password" AuthenticationInstant="${now}">` +
    `${subject}</saml:AuthenticationStatement></saml:Assertion>`
  );
}

/** A SAML 2.0 assertion (unsigned): subject, conditions, attributes (UPN, ImmutableID), password authentication. */
export function saml20Assertion(a: AssertionInput): string {
  const now = xmlTime(a.nowMs);
  const notAfter = xmlTime(a.nowMs + a.lifetimeSeconds * 1000);
  const upn = escapeXml(a.user.username);
  return (
    `<Assertion xmlns="${NS.saml2}" ID="${assertionId()}" IssueInstant="${now}" Version="2.0">` +
    `<Issuer>${escapeXml(a.issuer)}</Issuer>` +
    `<Subject><NameID Format="${UNSPECIFIED}">${upn}</NameID>` +
    `<SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">` +
    `<SubjectConfirmationData NotOnOrAfter="${notAfter}"/></SubjectConfirmation></Subject>` +
    `<Conditions NotBefore="${now}" NotOnOrAfter="${notAfter}">` +
    `<AudienceRestriction><Audience>${escapeXml(a.audience)}</Audience></AudienceRestriction></Conditions>` +
    `<AttributeStatement>` +
    `<Attribute Name="${CLAIMS_NS}/UPN"><AttributeValue>${upn}</AttributeValue></Attribute>` +
    `<Attribute Name="${LIVE_ID_NS}/ImmutableID"><AttributeValue>${immutableIdOf(a.user)}</AttributeValue></Attribute>` +
    `</AttributeStatement>` +
    `<AuthnStatement AuthnInstant="${now}"><AuthnContext>` +
    `<AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</AuthnContextClassRef>` +
    `</AuthnContext></AuthnStatement></Assertion>`
  );
}

/** What the token endpoint reads from an assertion. */
export interface AssertionClaims {
  issuer: string;
  /** ms; undefined when the assertion has no such condition. */
  notBefore?: number;
  notOnOrAfter?: number;
  /** Every Audience of every audience restriction. */
  audiences: string[];
  nameId: string;
  upn?: string;
  immutableId?: string;
}

function timeAttr(el: Element | undefined, name: string): number | undefined {
  const value = el?.getAttribute(name);
  if (!value) return undefined;
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(value) || !Number.isFinite(ms)) {
    throw new XmlRefused(`${name} is not a UTC time`);
  }
  return ms;
}

/** The value of the attribute named `name` (SAML 1.1: `AttributeName` in `AttributeNamespace`). */
function attributeValue(
  statement: Element | undefined,
  ns: string,
  match: (a: Element) => boolean,
): string | undefined {
  if (!statement) return undefined;
  const attr = childElements(statement, ns, "Attribute").find(match);
  return attr ? textOf(childElements(attr, ns, "AttributeValue")[0]) : undefined;
}

function audiencesOf(conditions: Element | undefined, ns: string, restriction: string): string[] {
  if (!conditions) return [];
  return childElements(conditions, ns, restriction).flatMap((r) =>
    childElements(r, ns, "Audience").map((a) => textOf(a) ?? ""),
  );
}

function readSaml11(root: Element): AssertionClaims {
  const ns = NS.saml1;
  const conditions = pathElement(root, [ns, "Conditions"]);
  const statement = pathElement(root, [ns, "AttributeStatement"]);
  const nameId = textOf(pathElement(statement, [ns, "Subject"], [ns, "NameIdentifier"]));
  if (!nameId) throw new XmlRefused("the assertion names no subject (AttributeStatement/Subject/NameIdentifier)");
  const named = (n: string) => (a: Element) => a.getAttribute("AttributeName") === n;
  const upn = attributeValue(statement, ns, named("UPN"));
  const immutableId = attributeValue(statement, ns, named("ImmutableID"));
  const notBefore = timeAttr(conditions, "NotBefore");
  const notOnOrAfter = timeAttr(conditions, "NotOnOrAfter");
  return {
    issuer: root.getAttribute("Issuer") ?? "",
    ...(notBefore !== undefined ? { notBefore } : {}),
    ...(notOnOrAfter !== undefined ? { notOnOrAfter } : {}),
    audiences: audiencesOf(conditions, ns, "AudienceRestrictionCondition"),
    nameId,
    ...(upn !== undefined ? { upn } : {}),
    ...(immutableId !== undefined ? { immutableId } : {}),
  };
}

function readSaml20(root: Element): AssertionClaims {
  const ns = NS.saml2;
  const conditions = pathElement(root, [ns, "Conditions"]);
  const statement = pathElement(root, [ns, "AttributeStatement"]);
  const nameId = textOf(pathElement(root, [ns, "Subject"], [ns, "NameID"]));
  if (!nameId) throw new XmlRefused("the assertion names no subject (Subject/NameID)");
  const named = (suffix: string) => (a: Element) => (a.getAttribute("Name") ?? "").endsWith(`/${suffix}`);
  const upn = attributeValue(statement, ns, named("UPN"));
  const immutableId = attributeValue(statement, ns, named("ImmutableID"));
  const notBefore = timeAttr(conditions, "NotBefore");
  const notOnOrAfter = timeAttr(conditions, "NotOnOrAfter");
  return {
    issuer: textOf(pathElement(root, [ns, "Issuer"])) ?? "",
    ...(notBefore !== undefined ? { notBefore } : {}),
    ...(notOnOrAfter !== undefined ? { notOnOrAfter } : {}),
    audiences: audiencesOf(conditions, ns, "AudienceRestriction"),
    nameId,
    ...(upn !== undefined ? { upn } : {}),
    ...(immutableId !== undefined ? { immutableId } : {}),
  };
}

/** The root of an assertion of `version`, or `XmlRefused` when the document is another thing. */
export function assertionRoot(xml: string, version: SamlVersion): Element {
  const root = parseXml(xml, ASSERTION_LIMIT).documentElement as Element;
  const ns = version === "1.1" ? NS.saml1 : NS.saml2;
  if (root.namespaceURI !== ns || root.localName !== "Assertion") {
    throw new XmlRefused(`not a SAML ${version} assertion`);
  }
  if (version === "1.1" && (root.getAttribute("MajorVersion") !== "1" || root.getAttribute("MinorVersion") !== "1")) {
    throw new XmlRefused("not a SAML 1.1 assertion (MajorVersion 1, MinorVersion 1)");
  }
  if (version === "2.0" && root.getAttribute("Version") !== "2.0") throw new XmlRefused("not a SAML 2.0 assertion");
  return root;
}

/** Reads the claims of an assertion (pass the signed form `verifyAssertion` returns). */
export function readAssertion(xml: string, version: SamlVersion): AssertionClaims {
  const root = assertionRoot(xml, version);
  return version === "1.1" ? readSaml11(root) : readSaml20(root);
}
