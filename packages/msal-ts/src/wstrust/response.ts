/**
 * The answer to a WS-Trust Issue request (docs/msal-python-compatibility.md 1.11): a RequestSecurityTokenResponse
 * (RSTR) whose `TokenType` names a SAML version and whose `RequestedSecurityToken` holds the signed assertion,
 * or a SOAP 1.2 fault. Federation servers (ADFS) answer faults with HTTP 500 even for a wrong password, so the
 * body is read whatever the status.
 */
import type { Element } from "@xmldom/xmldom";
import { WsTrustError } from "../errors.js";
import { serverSnippet } from "../http/server-text.js";
import { GRANT_OF_TOKEN_TYPE, NS } from "./namespaces.js";
import { childPath, descendants, parseXml, rawContent, textOf, type ParsedXml } from "./xml.js";

/** A token the federation server issued, ready for the token endpoint. */
export interface IssuedToken {
  /** The SAML assertion, exactly as received (its signature covers these bytes). */
  assertion: string;
  /** The OAuth grant that redeems it (`saml1_1-bearer` or `saml2-bearer`). */
  grantType: string;
}

const TRUST = [NS.wst13, NS.wst2005] as const;
const ELEMENT_NODE = 1;

/** Longest part of a fault quoted in a message. */
const MAX_FAULT_TEXT = 200;

/**
 * Server text for a message: one bounded line, with each of `secrets` (the password, the user name) replaced,
 * in case the server repeats them.
 */
function quoted(text: string, secrets: readonly string[]): string {
  let line = text;
  for (const secret of secrets) if (secret !== "") line = line.split(secret).join("***");
  return serverSnippet(line, MAX_FAULT_TEXT);
}

/** The first RSTR with both a token type and a requested token, as MSAL Python picks it. */
function firstCompleteRstr(xml: ParsedXml): { tokenType: Element; token: Element } | undefined {
  for (const rstr of descendants(xml.document, TRUST, "RequestSecurityTokenResponse")) {
    const tokenType = descendants(rstr, TRUST, "TokenType")[0];
    const token = descendants(rstr, TRUST, "RequestedSecurityToken")[0];
    if (tokenType && token) return { tokenType, token };
  }
  return undefined;
}

/** A SOAP 1.2 fault's subcode value and reason text, when the body is one. */
function faultOf(xml: ParsedXml): { code: string | undefined; reason: string | undefined } | undefined {
  const root = xml.document.documentElement;
  if (!root || root.namespaceURI !== NS.soap12 || root.localName !== "Envelope") return undefined;
  const fault = childPath(root, [
    [NS.soap12, "Body"],
    [NS.soap12, "Fault"],
  ])[0];
  if (!fault) return undefined;
  const reason = childPath(fault, [
    [NS.soap12, "Reason"],
    [NS.soap12, "Text"],
  ])[0];
  const code = childPath(fault, [
    [NS.soap12, "Code"],
    [NS.soap12, "Subcode"],
    [NS.soap12, "Value"],
  ])[0];
  // The top-level code (s:Sender, s:Receiver) when there is no subcode.
  const top = childPath(fault, [
    [NS.soap12, "Code"],
    [NS.soap12, "Value"],
  ])[0];
  const pick = code ?? top;
  return {
    code: pick ? textOf(pick) || undefined : undefined,
    reason: reason ? textOf(reason) || undefined : undefined,
  };
}

/**
 * The token in a WS-Trust response body (received with HTTP `status`), or a thrown error: ServerError
 * (`invalid_response`, `response_too_large`) for a body that is not usable XML, WsTrustError for a SOAP fault
 * (with its code and reason), a response without a token, or a token type msal-ts cannot redeem. `secrets`
 * never appear in a message.
 *
 * @example
 * ```ts
 * const { assertion, grantType } = await issuedToken(response.text, response.status_code, [password, username]);
 * ```
 */
export async function issuedToken(body: string, status: number, secrets: readonly string[]): Promise<IssuedToken> {
  const xml = await parseXml(body, `The WS-Trust response (HTTP ${status})`);
  const found = firstCompleteRstr(xml);
  if (!found) {
    const fault = faultOf(xml);
    if (fault) {
      const faultCode = fault.code === undefined ? undefined : quoted(fault.code, secrets);
      const faultReason = fault.reason === undefined ? undefined : quoted(fault.reason, secrets);
      throw new WsTrustError(
        `The federation server refused the sign-in (HTTP ${status}, SOAP fault ${faultCode ?? "without a code"}: ` +
          `${faultReason ?? "no reason given"}). Check the user name and password.`,
        { ...(faultCode !== undefined ? { faultCode } : {}), ...(faultReason !== undefined ? { faultReason } : {}) },
      );
    }
    throw new WsTrustError(
      `The WS-Trust response (HTTP ${status}) has no RequestSecurityTokenResponse with both a TokenType and a ` +
        "RequestedSecurityToken.",
    );
  }
  const tokenType = textOf(found.tokenType);
  const grantType = GRANT_OF_TOKEN_TYPE.get(tokenType);
  if (grantType === undefined) {
    throw new WsTrustError(
      `The WS-Trust response has a token of type "${quoted(tokenType, secrets)}", which msal-ts cannot redeem ` +
        "(it redeems SAML 1.1 and SAML 2.0 assertions).",
    );
  }
  const assertion = hasElementChild(found.token) ? rawContent(xml, found.token) : undefined;
  if (assertion === undefined) {
    throw new WsTrustError("The WS-Trust response's RequestedSecurityToken holds no token.");
  }
  return { assertion, grantType };
}

function hasElementChild(element: Element): boolean {
  for (let n = element.firstChild; n !== null; n = n.nextSibling) if (n.nodeType === ELEMENT_NODE) return true;
  return false;
}
