import type { NormalizedUser } from "./config.js";
import type { EmulatorContext } from "./context.js";
import { entraError, EntraError } from "./errors.js";

/** Microsoft accounts' tenant: `consumers` authorities sign in only its users. */
export const MSA_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad";

/** What the tenant segment of an authority URL names. */
export interface TenantPath {
  /** The segment as written (`common`, `contoso.onmicrosoft.com`, a GUID). */
  path: string;
  kind: "tenant" | "common" | "organizations" | "consumers";
  /** The tenant GUID for `kind: "tenant"`. */
  tenantId?: string;
}

export function resolveTenantPath(ctx: EmulatorContext, segment: string): TenantPath {
  const lower = segment.toLowerCase();
  if (lower === "common" || lower === "organizations" || lower === "consumers") {
    return { path: segment, kind: lower };
  }
  const tenantId = ctx.tenantIdOf(segment) ?? (lower === MSA_TENANT ? MSA_TENANT : undefined);
  if (!tenantId) {
    throw entraError(
      90002,
      `Tenant '${segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
    );
  }
  return { path: segment, kind: "tenant", tenantId };
}

/** Whether a user may sign in through an authority with this tenant segment. */
export function userAllowed(tenant: TenantPath, user: NormalizedUser): boolean {
  switch (tenant.kind) {
    case "common":
      return true;
    case "organizations":
      return user.tenantId !== MSA_TENANT;
    case "consumers":
      return user.tenantId === MSA_TENANT;
    default:
      return user.tenantId === tenant.tenantId;
  }
}

export function userNotInTenant(tenant: TenantPath, clientId: string): EntraError {
  return entraError(
    50020,
    `User account from identity provider does not exist in tenant '${tenant.path}' and cannot access the application '${clientId}' in that tenant. The account needs to be added as an external user in the tenant first.`,
  );
}
