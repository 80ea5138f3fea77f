/**
 * XML for the federation endpoints: a guarded parser (size and depth limits, no DOCTYPE, entities or
 * processing instructions, any parse error fatal) and namespace-aware look-ups over @xmldom/xmldom's DOM.
 */
import { DOMParser, type Document, type Element } from "@xmldom/xmldom";

/** Namespaces of SOAP 1.2, WS-Addressing, WS-Security, WS-Trust 1.3 / 2005, WS-Policy, SAML and XML-DSig. */
export const NS = {
  soap: "http://www.w3.org/2003/05/soap-envelope",
  soap11: "http://schemas.xmlsoap.org/soap/envelope/",
  wsa: "http://www.w3.org/2005/08/addressing",
  wsse: "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd",
  wsu: "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd",
  trust13: "http://docs.oasis-open.org/ws-sx/ws-trust/200512",
  trust2005: "http://schemas.xmlsoap.org/ws/2005/02/trust",
  wsp: "http://schemas.xmlsoap.org/ws/2004/09/policy",
  saml1: "urn:oasis:names:tc:SAML:1.0:assertion",
  saml2: "urn:oasis:names:tc:SAML:2.0:assertion",
  ds: "http://www.w3.org/2000/09/xmldsig#",
} as const;

/** Why a document was refused: a short reason, safe to show (it never quotes the document). */
export class XmlRefused extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "XmlRefused";
  }
}

/** Deepest element nesting accepted; WS-Trust requests and SAML assertions stay well under 20. */
const MAX_DEPTH = 64;

const ELEMENT_NODE = 1;

/** A parse error's first line, without the document's text (xmldom quotes positions, not content). */
function parseFailure(e: unknown): XmlRefused {
  const first = String((e as Error)?.message ?? e).split("\n")[0] ?? "";
  return new XmlRefused(`not well-formed XML (${first.replace(/^\[xmldom [a-zA-Z]+\]\s*/, "").slice(0, 120)})`);
}

function checkDepth(root: Element): void {
  const stack: [Element, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [el, depth] = stack.pop() as [Element, number];
    if (depth > MAX_DEPTH) throw new XmlRefused(`elements nested deeper than ${MAX_DEPTH} levels`);
    for (let c = el.firstChild; c; c = c.nextSibling) {
      if (c.nodeType === ELEMENT_NODE) stack.push([c as Element, depth + 1]);
    }
  }
}

/**
 * Parses an XML document from outside: at most `limit` bytes, no DOCTYPE (so no entity declarations and no
 * external references), no processing instruction other than the XML declaration, elements nested at most
 * 64 deep. Throws `XmlRefused` for anything else, or for any parse error or warning.
 */
export function parseXml(text: string, limit: number): Document {
  if (Buffer.byteLength(text, "utf8") > limit) throw new XmlRefused(`larger than ${limit} bytes`);
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new XmlRefused("a DOCTYPE or entity declaration is not allowed");
  const body = text.replace(/^\uFEFF/, "");
  const declaration = /^<\?xml[\s?]/.test(body) ? 1 : 0;
  if ((body.match(/<\?/g) ?? []).length > declaration) throw new XmlRefused("processing instructions are not allowed");
  // Every report, warnings included, ends the parse: a document from outside is either clean or refused.
  const parser = new DOMParser({
    onError: (_level: string, message: string) => {
      throw new Error(message);
    },
  });
  let doc: Document;
  try {
    doc = parser.parseFromString(text, "text/xml");
  } catch (e) {
    throw parseFailure(e);
  }
  const root = doc?.documentElement;
  if (!root) throw new XmlRefused("no root element");
  checkDepth(root);
  return doc;
}

/** The child elements of `el` named `{ns}local`. */
export function childElements(el: Element, ns: string, local: string): Element[] {
  const out: Element[] = [];
  for (let c = el.firstChild; c; c = c.nextSibling) {
    if (c.nodeType !== ELEMENT_NODE) continue;
    const e = c as Element;
    if (e.namespaceURI === ns && e.localName === local) out.push(e);
  }
  return out;
}

/** The one child element `{ns}local` of `el`; undefined when absent, `XmlRefused` when repeated. */
export function childElement(el: Element | undefined, ns: string, local: string): Element | undefined {
  if (!el) return undefined;
  const found = childElements(el, ns, local);
  if (found.length > 1) throw new XmlRefused(`more than one ${local} element`);
  return found[0];
}

/** The element at a path of `[ns, local]` steps below `el`, each step a single child. */
export function pathElement(el: Element | undefined, ...steps: [string, string][]): Element | undefined {
  let at = el;
  for (const [ns, local] of steps) at = childElement(at, ns, local);
  return at;
}

/** The text content of an element without child elements, trimmed; undefined for an absent element. */
export function textOf(el: Element | undefined): string | undefined {
  if (!el) return undefined;
  let text = "";
  for (let c = el.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === ELEMENT_NODE) throw new XmlRefused(`${el.localName} must hold text only`);
    if (c.nodeType === 3 || c.nodeType === 4) text += c.nodeValue ?? "";
  }
  return text.trim();
}

/** Whether an element is `{ns}local`. */
export function isElement(el: Element | undefined | null, ns: string, local: string): el is Element {
  return !!el && el.namespaceURI === ns && el.localName === local;
}

/** Escapes text for XML element content and double-quoted attribute values. */
export function escapeXml(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** `2026-01-31T12:34:56.789Z` from a time in ms: the timestamps of WS-Security, WS-Trust and SAML. */
export function xmlTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** Reads an `xsd:dateTime` in UTC (`...Z`, optional fraction); undefined when it is not one. */
export function parseXmlTime(value: string | null | undefined): number | undefined {
  if (!value || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/.test(value)) return undefined;
  const ms = Date.parse(value.replace(/(\.\d{3})\d+Z$/, "$1Z"));
  return Number.isFinite(ms) ? ms : undefined;
}
