/**
 * XML from a federation server (MEX documents, WS-Trust responses), read with `@xmldom/xmldom`, a
 * namespace-aware DOM parser that loads no external entity. The parser is imported only when a federated
 * user signs in: no other flow pays for it.
 *
 * What this module adds around the parser, because the documents come from a server named by another server:
 * a size limit checked before parsing, DOCTYPE and entity declarations refused outright (no billion-laughs
 * expansion, no external entity, whatever the parser would do with them), every parser error fatal, and a
 * way to cut an element's content out of the source exactly as it was sent (a SAML assertion is signed over
 * its own bytes, so it must be forwarded as received, never re-serialized).
 */
import type { Document, Element, Node } from "@xmldom/xmldom";
import { ServerError } from "../errors.js";

/** Largest XML document read, in UTF-8 bytes (MEX documents of ADFS are ~30 KiB, WS-Trust responses ~10 KiB). */
export const MAX_XML_BYTES = 1024 * 1024;

/** A parsed document together with its source, for {@link rawContent}. */
export interface ParsedXml {
  readonly document: Document;
  readonly source: string;
  /** Offset in `source` of the first character of each line, as the parser counts lines. */
  readonly lineStarts: readonly number[];
}

/** The DOM node type of elements (DOM Level 2 Core). */
const ELEMENT_NODE = 1;

/**
 * Parses `source` as XML, or throws a ServerError naming `what` (e.g. "The MEX document"): `response_too_large`
 * above {@link MAX_XML_BYTES}, `invalid_response` for a DOCTYPE or entity declaration and for anything that is
 * not one well-formed XML document.
 */
export async function parseXml(source: string, what: string): Promise<ParsedXml> {
  // Cheap bound first: a UTF-16 unit is at least one UTF-8 byte.
  if (source.length > MAX_XML_BYTES || Buffer.byteLength(source, "utf8") > MAX_XML_BYTES) {
    throw new ServerError(`${what} is larger than ${MAX_XML_BYTES} bytes; it was not parsed.`, {
      code: "response_too_large",
    });
  }
  if (/<!(DOCTYPE|ENTITY)/i.test(source)) {
    throw new ServerError(`${what} has a DOCTYPE or entity declaration, which msal-ts refuses to read.`, {
      code: "invalid_response",
    });
  }
  const { DOMParser } = await import("@xmldom/xmldom");
  const parser = new DOMParser({
    // Offsets must stay those of the source (see rawContent): line ends are left as they are.
    normalizeLineEndings: (s: string) => s,
    onError: (level: string, message: string) => {
      if (level !== "warning") throw new Error(message);
    },
  });
  let document: Document;
  try {
    document = parser.parseFromString(source, "text/xml");
  } catch (e) {
    throw new ServerError(`${what} is not well-formed XML.`, { code: "invalid_response", cause: e });
  }
  return { document, source, lineStarts: lineStartsOf(source) };
}

/** Line starts as the parser counts lines: after each CR LF, CR or LF. */
function lineStartsOf(source: string): number[] {
  const starts = [0];
  const breaks = /\r\n?|\n/g;
  for (let m = breaks.exec(source); m !== null; m = breaks.exec(source)) starts.push(m.index + m[0].length);
  return starts;
}

/** The element children of `parent` with namespace `ns` (one or several) and local name `local`. */
export function childElements(parent: Node, ns: string | readonly string[], local: string): Element[] {
  const spaces = typeof ns === "string" ? [ns] : ns;
  const found: Element[] = [];
  for (let n = parent.firstChild; n !== null; n = n.nextSibling) {
    if (n.nodeType !== ELEMENT_NODE) continue;
    const e = n as Element;
    if (e.localName === local && spaces.includes(e.namespaceURI ?? "")) found.push(e);
  }
  return found;
}

/** The elements reached from `parent` by following `path` (pairs of namespace and local name), child by child. */
export function childPath(parent: Node, path: ReadonlyArray<readonly [string | readonly string[], string]>): Element[] {
  let level: Node[] = [parent];
  for (const [ns, local] of path) level = level.flatMap((p) => childElements(p, ns, local));
  return level as Element[];
}

/** Every element below `root` (not `root` itself) with namespace `ns` and local name `local`, in document order. */
export function descendants(root: Node, ns: string | readonly string[], local: string): Element[] {
  const spaces = typeof ns === "string" ? [ns] : ns;
  const found: Element[] = [];
  // Iterative: a hostile document may nest deeper than the call stack.
  const stack: Node[] = [];
  for (let n = root.lastChild; n !== null; n = n.previousSibling) stack.push(n);
  for (let n = stack.pop(); n !== undefined; n = stack.pop()) {
    if (n.nodeType !== ELEMENT_NODE) continue;
    const e = n as Element;
    if (e.localName === local && spaces.includes(e.namespaceURI ?? "")) found.push(e);
    for (let c = e.lastChild; c !== null; c = c.previousSibling) stack.push(c);
  }
  return found;
}

/** The text of `element` (its text and CDATA descendants), trimmed. */
export function textOf(element: Element): string {
  return (element.textContent ?? "").trim();
}

/** Offset of `node`'s first character in the source, from the position the parser recorded. */
function offsetOf(xml: ParsedXml, node: Node): number | undefined {
  const { lineNumber, columnNumber } = node as Node & { lineNumber?: number; columnNumber?: number };
  if (lineNumber === undefined || columnNumber === undefined) return undefined;
  const lineStart = xml.lineStarts[lineNumber - 1];
  return lineStart === undefined ? undefined : lineStart + columnNumber - 1;
}

/**
 * The source text between `element`'s start tag and its end tag, byte for byte as received (what MSAL
 * Python's regular expression extracts), or undefined when the element is empty.
 *
 * The content starts where the element's first child starts. It ends at the element's end tag: only end tags
 * (the element's own, then one per ancestor that has no next sibling) stand between the element's last
 * descendant and the next node in document order, so the end tag is found by stepping back over that many
 * `</` from where the next node starts (or from the end of the source).
 */
export function rawContent(xml: ParsedXml, element: Element): string | undefined {
  const first = element.firstChild;
  if (first === null) return undefined;
  const start = offsetOf(xml, first);
  let node: Node = element;
  let endTags = 1;
  while (node.nextSibling === null && node.parentNode !== null && node.parentNode.nodeType === ELEMENT_NODE) {
    node = node.parentNode;
    endTags++;
  }
  const next = node.nextSibling === null ? xml.source.length : offsetOf(xml, node.nextSibling);
  if (start === undefined || next === undefined) return undefined;
  let end = next;
  for (let i = 0; i < endTags && end > start; i++) end = xml.source.lastIndexOf("</", end - 1);
  return end > start ? xml.source.slice(start, end) : undefined;
}
