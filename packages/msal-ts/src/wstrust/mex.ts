/**
 * The username/password endpoint of a federation server, read from its metadata exchange (MEX) document: a
 * WSDL whose bindings point at WS-Policy assertions (docs/msal-python-compatibility.md 1.11; MSAL Python's
 * `mex.py` rules).
 *
 * A port qualifies when its binding is a SOAP 1.2 binding over HTTP whose policy asks for a username token
 * (WS-SecurityPolicy 1.2 `SignedEncryptedSupportingTokens` or 2005 `SignedSupportingTokens`, each with a
 * `WssUsernameToken10` and a `TransportBinding`) and its address is https. A WS-Trust 1.3 endpoint is preferred;
 * otherwise the first qualifying port in document order.
 */
import type { Element } from "@xmldom/xmldom";
import { ACTION_13, NS, SOAP_HTTP_TRANSPORT } from "./namespaces.js";
import { childElements, childPath, descendants, textOf, type ParsedXml } from "./xml.js";

/** Where to send a WS-Trust request, and the SOAP action the MEX document gives for it (if any). */
export interface WsTrustEndpoint {
  address: string;
  action: string | undefined;
}

/** The policy shapes that ask for a username and password, one per WS-SecurityPolicy version. */
const USERNAME_POLICIES = [
  { sp: NS.sp, supportingTokens: "SignedEncryptedSupportingTokens" },
  { sp: NS.sp2005, supportingTokens: "SignedSupportingTokens" },
] as const;

function asksForUsername(policy: Element): boolean {
  return USERNAME_POLICIES.some(
    ({ sp, supportingTokens }) =>
      childPath(policy, [
        [NS.wsp, "ExactlyOne"],
        [NS.wsp, "All"],
        [sp, supportingTokens],
        [NS.wsp, "Policy"],
        [sp, "UsernameToken"],
        [NS.wsp, "Policy"],
        [sp, "WssUsernameToken10"],
      ]).length > 0 && descendants(policy, sp, "TransportBinding").length > 0,
  );
}

/** `#{wsu:Id}` of every top-level policy that asks for a username and password. */
function usernamePolicyIds(root: Element): Set<string> {
  const ids = new Set<string>();
  for (const policy of childElements(root, NS.wsp, "Policy")) {
    const id = policy.getAttributeNS(NS.wsu, "Id");
    if (id && asksForUsername(policy)) ids.add(`#${id}`);
  }
  return ids;
}

/** SOAP 1.2 over HTTP bindings by name: the policy each references, and its operation's SOAP action. */
function soapHttpBindings(root: Element): Map<string, { policyUri: string; action: string | undefined }> {
  const bindings = new Map<string, { policyUri: string; action: string | undefined }>();
  for (const binding of childElements(root, NS.wsdl, "binding")) {
    const soap = childElements(binding, NS.soap12Wsdl, "binding")[0];
    if (soap?.getAttribute("transport") !== SOAP_HTTP_TRANSPORT) continue;
    const operation = childPath(binding, [
      [NS.wsdl, "operation"],
      [NS.soap12Wsdl, "operation"],
    ])[0];
    const action = operation?.getAttribute("soapAction") || undefined;
    const name = binding.getAttribute("name");
    if (!name) continue;
    for (const reference of childElements(binding, NS.wsp, "PolicyReference")) {
      bindings.set(name, { policyUri: reference.getAttribute("URI") ?? "", action });
    }
  }
  return bindings;
}

/**
 * The endpoint for username/password sign-in that `mex` describes, or undefined when it describes none.
 *
 * @example
 * ```ts
 * usernamePasswordEndpoint(await parseXml(mexText, "The MEX document"));
 * // { address: "https://sts.contoso.com/adfs/services/trust/13/usernamemixed", action: ACTION_13 }
 * ```
 */
export function usernamePasswordEndpoint(mex: ParsedXml): WsTrustEndpoint | undefined {
  const root = mex.document.documentElement;
  if (!root) return undefined;
  const policies = usernamePolicyIds(root);
  const bindings = soapHttpBindings(root);
  const endpoints: WsTrustEndpoint[] = [];
  for (const port of childPath(root, [
    [NS.wsdl, "service"],
    [NS.wsdl, "port"],
  ])) {
    // The binding attribute is a QName ("tns:UserNameWSTrustBinding_IWSTrust13Async").
    const binding = bindings.get((port.getAttribute("binding") ?? "").split(":").pop() ?? "");
    if (!binding || !policies.has(binding.policyUri)) continue;
    const address = childPath(port, [
      [NS.wsa, "EndpointReference"],
      [NS.wsa, "Address"],
    ])[0];
    const text = address ? textOf(address) : "";
    if (text.toLowerCase().startsWith("https://")) endpoints.push({ address: text, action: binding.action });
  }
  return endpoints.find((e) => e.action === ACTION_13) ?? endpoints[0];
}
