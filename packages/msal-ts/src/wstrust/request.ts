/**
 * The WS-Trust Issue request (RST) for a username and password: a SOAP 1.2 envelope with WS-Addressing
 * headers, a WS-Security header holding a timestamp and a UsernameToken, and a RequestSecurityToken for a
 * bearer token that applies to Entra (docs/msal-python-compatibility.md 1.11; the same elements, attributes
 * and namespaces as MSAL Python's `wstrust_request.py`, so that a federation server sees the same request).
 */
import { InvalidArgumentError, WsTrustError } from "../errors.js";
import { ACTION_13, ACTION_2005, NS } from "./namespaces.js";

/** The audience Entra's user realm names for itself when it names none. */
export const DEFAULT_AUDIENCE = "urn:federation:MicrosoftOnline";

/** How long the request's timestamp says it is valid, in seconds (WS-Security `wsu:Expires`). */
export const TIMESTAMP_LIFETIME_SECONDS = 600;

/** What differs between the two WS-Trust versions in a request. */
const VERSIONS = {
  [ACTION_13]: {
    wst: NS.wst13,
    keyType: "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer",
    requestType: "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue",
  },
  [ACTION_2005]: {
    wst: NS.wst2005,
    keyType: "http://schemas.xmlsoap.org/ws/2005/05/identity/NoProofKey",
    requestType: "http://schemas.xmlsoap.org/ws/2005/02/trust/Issue",
  },
} as const;

export type WsTrustAction = keyof typeof VERSIONS;

/**
 * The SOAP action to use at `address`: the MEX document's when it gave one, otherwise inferred from the
 * path ADFS gives each version (`/trust/13/usernamemixed`, `/trust/2005/usernamemixed`). Throws a
 * WsTrustError for any action that is not a WS-Trust 1.3 or 2005 Issue.
 */
export function soapActionFor(address: string, action: string | undefined): WsTrustAction {
  let chosen = action;
  if (chosen === undefined) {
    if (address.includes("/trust/2005/usernamemixed")) chosen = ACTION_2005;
    else if (address.includes("/trust/13/usernamemixed")) chosen = ACTION_13;
  }
  if (chosen === ACTION_13 || chosen === ACTION_2005) return chosen;
  throw new WsTrustError(
    chosen === undefined
      ? "The federation server's WS-Trust endpoint has no SOAP action, and its address names no WS-Trust version. " +
          "Ask its administrator to check the server's metadata (MEX)."
      : "The federation server's WS-Trust endpoint uses a SOAP action that is neither WS-Trust 1.3 nor 2005 Issue. " +
          "Ask its administrator to check the server's metadata (MEX).",
  );
}

/** Characters XML 1.0 cannot carry at all, escaped or not (§2.2 Char): C0 controls but tab, LF, CR; U+FFFE/F. */
// eslint-disable-next-line no-control-regex
const NOT_XML_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

/** `value` as XML character data or attribute value: `& < > " '` escaped. */
export function escapeXml(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** Throws when a value of the request holds a character XML cannot carry: the caller's or the server's fault. */
function checkXmlChars(o: RstOptions): void {
  for (const [what, value] of [
    ["user name", o.username],
    ["password", o.password],
  ] as const) {
    if (NOT_XML_CHAR.test(value)) {
      throw new InvalidArgumentError(`The ${what} holds a control character, which a WS-Trust request cannot carry.`);
    }
  }
  for (const [what, value] of [
    ["endpoint address", o.address],
    ["audience (cloud_audience_urn)", o.audience],
  ] as const) {
    if (NOT_XML_CHAR.test(value)) {
      throw new WsTrustError(`The federation server's ${what} holds a control character; no request was sent.`);
    }
  }
}

/** Epoch seconds as WS-Security timestamps are written in practice: `YYYY-MM-DDTHH:MM:SSZ` (UTC, no fraction). */
export function wsuTime(epochSeconds: number): string {
  return `${new Date(epochSeconds * 1000).toISOString().slice(0, 19)}Z`;
}

/** The inputs of {@link rstEnvelope}. */
export interface RstOptions {
  username: string;
  password: string;
  /** The token's audience (`AppliesTo`): the user realm's `cloud_audience_urn`. */
  audience: string;
  /** The endpoint the request is sent to (`wsa:To`). */
  address: string;
  action: WsTrustAction;
  /** Now, in epoch seconds (the application's clock). */
  now: number;
  /** A fresh UUID for `wsa:MessageID`. */
  messageId: string;
}

/**
 * The RST envelope. Every value is escaped (MSAL Python escapes only the password; for ordinary user names
 * and addresses the text is the same).
 *
 * @example
 * ```ts
 * rstEnvelope({ username: "fred@contoso.com", password, audience: DEFAULT_AUDIENCE,
 *   address: "https://sts.contoso.com/adfs/services/trust/13/usernamemixed", action: ACTION_13, now, messageId: randomUUID() });
 * ```
 */
export function rstEnvelope(o: RstOptions): string {
  checkXmlChars(o);
  const v = VERSIONS[o.action];
  const text = escapeXml;
  return [
    `<s:Envelope xmlns:s="${NS.soap12}" xmlns:wsa="${NS.wsa}" xmlns:wsu="${NS.wsu}">`,
    "<s:Header>",
    `<wsa:Action s:mustUnderstand="1">${o.action}</wsa:Action>`,
    `<wsa:MessageID>urn:uuid:${text(o.messageId)}</wsa:MessageID>`,
    "<wsa:ReplyTo><wsa:Address>http://www.w3.org/2005/08/addressing/anonymous</wsa:Address></wsa:ReplyTo>",
    `<wsa:To s:mustUnderstand="1">${text(o.address)}</wsa:To>`,
    `<wsse:Security s:mustUnderstand="1" xmlns:wsse="${NS.wsse}">`,
    `<wsu:Timestamp wsu:Id="_0"><wsu:Created>${wsuTime(o.now)}</wsu:Created>`,
    `<wsu:Expires>${wsuTime(o.now + TIMESTAMP_LIFETIME_SECONDS)}</wsu:Expires></wsu:Timestamp>`,
    `<wsse:UsernameToken wsu:Id="ADALUsernameToken">`,
    `<wsse:Username>${text(o.username)}</wsse:Username>`,
    `<wsse:Password>${text(o.password)}</wsse:Password>`,
    "</wsse:UsernameToken>",
    "</wsse:Security>",
    "</s:Header>",
    "<s:Body>",
    `<wst:RequestSecurityToken xmlns:wst="${v.wst}">`,
    `<wsp:AppliesTo xmlns:wsp="${NS.wsp}"><wsa:EndpointReference>`,
    `<wsa:Address>${text(o.audience)}</wsa:Address>`,
    "</wsa:EndpointReference></wsp:AppliesTo>",
    `<wst:KeyType>${v.keyType}</wst:KeyType>`,
    `<wst:RequestType>${v.requestType}</wst:RequestType>`,
    "</wst:RequestSecurityToken>",
    "</s:Body>",
    "</s:Envelope>",
  ].join("\n");
}
