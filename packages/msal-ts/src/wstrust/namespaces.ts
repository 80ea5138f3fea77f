/**
 * Names of WS-Trust (OASIS WS-Trust 1.3 and the 2005 draft it replaced), WS-SecurityPolicy, WS-Policy, WSDL
 * and SOAP 1.2, as MEX documents and WS-Trust messages use them.
 */

/** XML namespaces. */
export const NS = {
  wsdl: "http://schemas.xmlsoap.org/wsdl/",
  soap12Wsdl: "http://schemas.xmlsoap.org/wsdl/soap12/",
  wsp: "http://schemas.xmlsoap.org/ws/2004/09/policy",
  /** WS-SecurityPolicy 1.2 (OASIS). */
  sp: "http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200702",
  /** WS-SecurityPolicy of 2005 (pre-OASIS). */
  sp2005: "http://schemas.xmlsoap.org/ws/2005/07/securitypolicy",
  wsu: "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd",
  wsse: "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd",
  wsa: "http://www.w3.org/2005/08/addressing",
  soap12: "http://www.w3.org/2003/05/soap-envelope",
  wst13: "http://docs.oasis-open.org/ws-sx/ws-trust/200512",
  wst2005: "http://schemas.xmlsoap.org/ws/2005/02/trust",
} as const;

/** The SOAP action of an Issue request in WS-Trust 1.3. */
export const ACTION_13 = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue";
/** The SOAP action of an Issue request in WS-Trust 2005. */
export const ACTION_2005 = "http://schemas.xmlsoap.org/ws/2005/02/trust/RST/Issue";

/** The HTTP transport of a WSDL SOAP 1.2 binding. */
export const SOAP_HTTP_TRANSPORT = "http://schemas.xmlsoap.org/soap/http";

/** OAuth grants for SAML bearer assertions (RFC 7522 for 2.0; Entra's own name for 1.1). */
export const GRANT_SAML1_1 = "urn:ietf:params:oauth:grant-type:saml1_1-bearer";
export const GRANT_SAML2 = "urn:ietf:params:oauth:grant-type:saml2-bearer";

/**
 * The token types of a RequestSecurityTokenResponse that msal-ts can redeem, and their grants: the SAML
 * assertion URNs and the WSS SAML Token Profile 1.1 names (MSAL Python's table).
 */
export const GRANT_OF_TOKEN_TYPE: ReadonlyMap<string, string> = new Map([
  ["urn:oasis:names:tc:SAML:1.0:assertion", GRANT_SAML1_1],
  ["http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV1.1", GRANT_SAML1_1],
  ["urn:oasis:names:tc:SAML:2.0:assertion", GRANT_SAML2],
  ["http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0", GRANT_SAML2],
]);
