/**
 * The SAML bearer grants (`urn:ietf:params:oauth:grant-type:saml1_1-bearer` and `...:saml2-bearer`, RFC 7522):
 * a federated user's assertion from the emulator's federation server, base64url (or base64) in `assertion`,
 * redeemed for the same tokens the password grant gives a managed user.
 */
import type { AuthenticatedClient } from "../client-auth.js";
import type { NormalizedUser } from "../config.js";
import type { EmulatorContext } from "../context.js";
import { entraError, missingParameter } from "../errors.js";
import {
  federationIssuer,
  immutableIdOf,
  MICROSOFT_ONLINE,
  readAssertion,
  type AssertionClaims,
} from "../federation/saml.js";
import {
  ASSERTION_LIMIT,
  federationSigner,
  SignatureRefused,
  verifyAssertion,
  type SamlVersion,
} from "../federation/signing.js";
import { XmlRefused } from "../federation/xml.js";
import type { EmuRequest } from "../http.js";
import type { TenantPath } from "../tenants.js";
import { issueUserTokens } from "./user-tokens.js";

export const SAML11_BEARER = "urn:ietf:params:oauth:grant-type:saml1_1-bearer";
export const SAML2_BEARER = "urn:ietf:params:oauth:grant-type:saml2-bearer";

/** Clock skew allowed on an assertion's conditions, in ms. */
const SKEW_MS = 5 * 60 * 1000;

const invalidToken = (reason: string) =>
  entraError(50008, `SAML token is invalid. ${reason} Contact your federation provider.`);

/** The assertion's XML from `assertion`: base64url or base64, padding optional, UTF-8. */
function decodeAssertion(encoded: string): string {
  const maxChars = Math.ceil(ASSERTION_LIMIT / 3) * 4;
  if (encoded.length > maxChars) throw invalidToken(`The assertion is larger than ${ASSERTION_LIMIT} bytes.`);
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded) || encoded.replace(/=+$/, "").length % 4 === 1) {
    throw invalidToken("The assertion is not base64url or base64.");
  }
  const bytes = Buffer.from(encoded.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw invalidToken("The assertion is not UTF-8 text.");
  }
}

/** The assertion's claims, read from what its signature covers; AADSTS50008 / 50006 when it is not acceptable. */
async function verifiedClaims(ctx: EmulatorContext, xml: string, version: SamlVersion): Promise<AssertionClaims> {
  try {
    readAssertion(xml, version);
    const signed = verifyAssertion(xml, version, (await federationSigner(ctx)).certPem);
    return readAssertion(signed, version);
  } catch (e) {
    if (e instanceof SignatureRefused) throw entraError(50006, `Signature verification failed: ${e.message}.`);
    if (e instanceof XmlRefused) throw invalidToken(`The SAML ${version} assertion is not acceptable: ${e.message}.`);
    throw e;
  }
}

function checkConditions(ctx: EmulatorContext, claims: AssertionClaims): void {
  const issuer = federationIssuer(ctx);
  if (claims.issuer !== issuer) {
    throw entraError(50107, `The requested federation realm object '${claims.issuer}' does not exist.`);
  }
  if (claims.notOnOrAfter === undefined) throw invalidToken("The assertion has no NotOnOrAfter condition.");
  const now = ctx.clock.nowMs();
  if (now + SKEW_MS < (claims.notBefore ?? 0) || now - SKEW_MS >= claims.notOnOrAfter) {
    const iso = (ms: number | undefined) => (ms === undefined ? "none" : new Date(ms).toISOString());
    throw entraError(
      500133,
      `Assertion is not within its valid time range. Current time: ${iso(now)}, NotBefore: ${iso(claims.notBefore)}, NotOnOrAfter: ${iso(claims.notOnOrAfter)}.`,
    );
  }
  if (!claims.audiences.includes(MICROSOFT_ONLINE)) {
    const named = claims.audiences.length > 0 ? claims.audiences.map((a) => `'${a}'`).join(", ") : "none";
    throw invalidToken(`The assertion's audience (${named}) is not '${MICROSOFT_ONLINE}'.`);
  }
}

/** The federated user an assertion names (NameID = UPN; the UPN and ImmutableID claims, when present, agree). */
function subjectOf(ctx: EmulatorContext, claims: AssertionClaims): NormalizedUser {
  const user = ctx.findUser(claims.nameId);
  if (!user?.federated) {
    throw entraError(50034, "The user account {EUII Hidden} does not exist in the directory as a federated user.");
  }
  if (claims.upn !== undefined && claims.upn.toLowerCase() !== user.username.toLowerCase()) {
    throw invalidToken("The assertion's UPN claim does not match its subject.");
  }
  if (claims.immutableId !== undefined && claims.immutableId !== immutableIdOf(user)) {
    throw invalidToken("The assertion's ImmutableID does not match the user's.");
  }
  return user;
}

/** Redeems a federated user's SAML assertion for tokens, as the password grant does for a managed user. */
export async function samlBearerGrant(
  ctx: EmulatorContext,
  req: EmuRequest,
  client: AuthenticatedClient,
  tenant: TenantPath,
): Promise<Record<string, unknown>> {
  const version: SamlVersion = req.form.grant_type === SAML11_BEARER ? "1.1" : "2.0";
  const encoded = req.form.assertion;
  if (!encoded) throw missingParameter("assertion");
  const scope = req.form.scope;
  if (!scope) throw missingParameter("scope");
  const claims = await verifiedClaims(ctx, decodeAssertion(encoded), version);
  checkConditions(ctx, claims);
  const user = subjectOf(ctx, claims);
  return issueUserTokens({ ctx, req, client, user, tenant, scope, authTime: ctx.clock.now(), amr: ["fed"] });
}
