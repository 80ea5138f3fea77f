import { InvalidArgumentError } from "../errors.js";
import { redact } from "./redact.js";

/**
 * Builds an authority URL from a cloud instance and a tenant (docs/msal-python-compatibility.md §2.1; docs/api.md "Other
 * classes and constants"). It renders `https://{instance}/{tenant}` and is accepted wherever an `authority`
 * string is.
 *
 * The instance may be given with or without `https://` and with trailing slashes; the tenant without
 * its surrounding slashes. Unlike MSAL Python (which renders `https://https://...` for an instance given
 * with a scheme), a scheme is tolerated, and obviously wrong values throw at once.
 *
 * @example
 * ```ts
 * import { AuthorityBuilder, AZURE_PUBLIC } from "msal-ts";
 * const authority = new AuthorityBuilder(AZURE_PUBLIC, "contoso.onmicrosoft.com");
 * String(authority); // "https://login.microsoftonline.com/contoso.onmicrosoft.com"
 * new PublicClientApplication("my-client-id", { authority });
 * ```
 */
export class AuthorityBuilder {
  /** The host (and port, if any), without scheme or slashes, e.g. `login.microsoftonline.com`. */
  readonly instance: string;
  /** The tenant (a GUID, a domain, `common`, ...; for B2C it may continue with `/{policy}`). */
  readonly tenant: string;

  /**
   * @param instance A host such as `AZURE_PUBLIC`, or `https://login.microsoftonline.com/`.
   * @param tenant A tenant id or domain, `common`, `organizations` or `consumers`.
   * @throws InvalidArgumentError when either part is empty, not a string, or not usable in a URL.
   */
  constructor(instance: string, tenant: string) {
    this.instance = normalizeInstance(instance);
    this.tenant = normalizeTenant(tenant);
    Object.freeze(this);
  }

  /** The authority URL, `https://{instance}/{tenant}`. */
  toString(): string {
    return `https://${this.instance}/${this.tenant}`;
  }

  /** So that `JSON.stringify` of a configuration shows the URL. */
  toJSON(): string {
    return this.toString();
  }
}

const FIX = 'e.g. new AuthorityBuilder(AZURE_PUBLIC, "contoso.onmicrosoft.com")';

// Every message quotes its input through redact(): an instance given as https://user:password@host must
// not put the password in an error message (SECURITY.md, finding I1).
function normalizeInstance(instance: unknown): string {
  if (typeof instance !== "string") {
    throw new InvalidArgumentError(`AuthorityBuilder: the instance must be a host name string, ${FIX}.`);
  }
  let host = instance.trim();
  if (/^http:\/\//i.test(host)) {
    throw new InvalidArgumentError(
      `AuthorityBuilder: the instance "${redact(host)}" uses http; authorities must use https. Pass the host only, ${FIX}.`,
    );
  }
  host = host.replace(/^https:\/\//i, "").replace(/\/+$/, "");
  // One URL parse checks the host syntax (and the port) without hand-written rules.
  let url: URL | undefined;
  if (host !== "" && !/[\s/\\?#@]/.test(host)) {
    try {
      url = new URL(`https://${host}/`);
    } catch {
      url = undefined;
    }
  }
  if (url === undefined || url.pathname !== "/") {
    throw new InvalidArgumentError(
      `AuthorityBuilder: the instance "${redact(instance)}" is not a host name. Pass a host such as ` +
        `"login.microsoftonline.com" (or AZURE_PUBLIC, AZURE_US_GOVERNMENT, AZURE_CHINA), ${FIX}.`,
    );
  }
  return url.host;
}

function normalizeTenant(tenant: unknown): string {
  if (typeof tenant !== "string") {
    throw new InvalidArgumentError(`AuthorityBuilder: the tenant must be a string (a tenant id or domain), ${FIX}.`);
  }
  const trimmed = tenant.trim().replace(/^\/+|\/+$/g, "");
  // Control characters and percent-escapes (e.g. an encoded "..") are never part of a tenant or a B2C policy.
  if (
    trimmed === "" ||
    // eslint-disable-next-line no-control-regex
    /[\s\\?#%\u0000-\u001f\u007f]/.test(trimmed) ||
    trimmed.split("/").some((s) => s === "" || s === "." || s === "..")
  ) {
    throw new InvalidArgumentError(
      `AuthorityBuilder: the tenant "${redact(tenant)}" is not a tenant id or domain. Pass e.g. "contoso.onmicrosoft.com", ` +
        `a tenant GUID, "common", "organizations" or "consumers".`,
    );
  }
  return trimmed;
}
