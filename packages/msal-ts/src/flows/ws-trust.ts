/**
 * Username/password sign-in of a federated user, up to the SAML assertion (docs/msal-python-compatibility.md
 * 1.11): the federation server's metadata (MEX) names its WS-Trust endpoint, or the user realm's
 * `federation_active_auth_url` stands in when the realm names no metadata; the endpoint trades the user name and
 * password for a signed SAML assertion, which the token endpoint then redeems (in username-password.ts).
 *
 * Like MSAL Python: the MEX GET and the WS-Trust POST carry no client-request-id or telemetry; a MEX answer other
 * than 2xx is thrown; the WS-Trust answer is read whatever its status (ADFS faults with HTTP 500). Unlike it: the
 * password goes only to an https endpoint, also when it comes from the user realm rather than the MEX document.
 */
import { randomUUID } from "node:crypto";
import { ServerError, WsTrustError } from "../errors.js";
import { usernamePasswordEndpoint, type WsTrustEndpoint } from "../wstrust/mex.js";
import { DEFAULT_AUDIENCE, rstEnvelope, soapActionFor } from "../wstrust/request.js";
import { issuedToken, type IssuedToken } from "../wstrust/response.js";
import { parseXml } from "../wstrust/xml.js";
import { now, type FlowContext } from "./context.js";

function nonEmpty(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === "https:";
  } catch {
    return false;
  }
}

/** The WS-Trust endpoint for this user: from the MEX document when the realm names one, else the realm's own. */
async function endpointFor(ctx: FlowContext, realm: Record<string, unknown>): Promise<WsTrustEndpoint> {
  const mexUrl = nonEmpty(realm.federation_metadata_url);
  if (mexUrl === undefined) {
    const address = nonEmpty(realm.federation_active_auth_url);
    if (address === undefined) {
      throw new WsTrustError(
        "The user realm says this user is federated but names no federation_metadata_url and no " +
          "federation_active_auth_url: there is no WS-Trust endpoint to send the password to.",
      );
    }
    if (!isHttpsUrl(address)) {
      throw new WsTrustError(
        "The user realm's federation_active_auth_url is not an https URL; the password was not sent.",
      );
    }
    ctx.log.verbose("Federated user: WS-Trust endpoint from the user realm (federation_active_auth_url)");
    return { address, action: undefined };
  }
  if (!isHttpsUrl(mexUrl)) {
    throw new WsTrustError("The user realm's federation_metadata_url is not an https URL; it was not fetched.");
  }
  const response = await ctx.http.get(mexUrl);
  if (response.status_code < 200 || response.status_code >= 300) {
    throw new ServerError(`The federation server's metadata (MEX) answered HTTP ${response.status_code}.`, {
      status: response.status_code,
    });
  }
  const endpoint = usernamePasswordEndpoint(await parseXml(response.text, "The federation server's metadata (MEX)"));
  if (endpoint === undefined) {
    throw new WsTrustError(
      "The federation server's metadata (MEX) names no https WS-Trust endpoint for user name and password " +
        "(a SOAP 1.2 binding whose policy asks for a UsernameToken). This happens for accounts whose identity " +
        "provider does not offer username/password sign-in; use acquireTokenInteractive or the device code flow.",
    );
  }
  ctx.log.verbose("Federated user: WS-Trust endpoint from the federation server's metadata (MEX)");
  return endpoint;
}

/**
 * The SAML assertion the user's federation server issues for `username` and `password`, with the grant that
 * redeems it. Throws ServerError (MEX unreachable, unusable XML), WsTrustError (no endpoint, unsupported SOAP
 * action, SOAP fault, no usable token), InvalidArgumentError (a password XML cannot carry), NetworkError.
 */
export async function federatedAssertion(
  ctx: FlowContext,
  realm: Record<string, unknown>,
  username: string,
  password: string,
): Promise<IssuedToken> {
  const endpoint = await endpointFor(ctx, realm);
  const action = soapActionFor(endpoint.address, endpoint.action);
  const envelope = rstEnvelope({
    username,
    password,
    audience: nonEmpty(realm.cloud_audience_urn) ?? DEFAULT_AUDIENCE,
    address: endpoint.address,
    action,
    now: now(ctx),
    messageId: randomUUID(),
  });
  const response = await ctx.http.post(endpoint.address, {
    data: envelope,
    headers: { "Content-type": "application/soap+xml; charset=utf-8", SOAPAction: action },
  });
  const issued = await issuedToken(response.text, response.status_code, [password, username]);
  ctx.log.verbose(`Federated user: the federation server issued a token for grant ${issued.grantType}`);
  return issued;
}
