/**
 * Managed identity ids (docs/msal-python-compatibility.md 5.1): system-assigned, or user-assigned by client id, resource
 * id or object id; also accepted in the JSON form `{"ManagedIdentityIdType": ..., "Id": ...}`.
 */
import { ManagedIdentityError } from "../errors.js";
import { isRecord } from "../util/json.js";

export type ManagedIdentityIdType = "SystemAssigned" | "ClientId" | "ResourceId" | "ObjectId";

/** The JSON form of a managed identity id. */
export interface ManagedIdentityConfig {
  ManagedIdentityIdType: ManagedIdentityIdType;
  Id?: string | null;
}

/**
 * The system-assigned identity of the Azure resource the code runs on.
 *
 * @example
 * ```ts
 * const client = new ManagedIdentityClient(new SystemAssignedManagedIdentity());
 * ```
 */
export class SystemAssignedManagedIdentity implements ManagedIdentityConfig {
  readonly ManagedIdentityIdType = "SystemAssigned" as const;
  readonly Id = null;
}

/**
 * A user-assigned identity, named by exactly one of its ids.
 *
 * @example
 * ```ts
 * new UserAssignedManagedIdentity({ clientId: "00000000-0000-0000-0000-000000000000" });
 * ```
 */
export class UserAssignedManagedIdentity implements ManagedIdentityConfig {
  readonly ManagedIdentityIdType: "ClientId" | "ResourceId" | "ObjectId";
  readonly Id: string;

  /** @throws ManagedIdentityError unless exactly one id is given. */
  constructor(o: { clientId?: string; resourceId?: string; objectId?: string } = {}) {
    const given = (["clientId", "resourceId", "objectId"] as const).filter(
      (k) => o?.[k] !== undefined && o[k] !== null && o[k] !== "",
    );
    if (given.length !== 1)
      throw new ManagedIdentityError("You shall specify one of the three parameters: clientId, resourceId, objectId.");
    const key = given[0] as "clientId" | "resourceId" | "objectId";
    const value = o[key];
    if (typeof value !== "string") throw new ManagedIdentityError(`${key} must be a string.`);
    this.ManagedIdentityIdType = key === "clientId" ? "ClientId" : key === "resourceId" ? "ResourceId" : "ObjectId";
    this.Id = value;
  }
}

export interface NormalizedIdentity {
  type: ManagedIdentityIdType;
  /** The user-assigned id, or null. */
  id: string | null;
  /** The cache's `client_id`: the `Id` value when the `Id` key exists (even null), else SYSTEM_ASSIGNED_MANAGED_IDENTITY (5.6). */
  cacheClientId: string | null;
}

/** Validates an identity object or its JSON form. @throws ManagedIdentityError */
export function normalizeIdentity(value: unknown): NormalizedIdentity {
  if (
    !isRecord(value) &&
    !(value instanceof SystemAssignedManagedIdentity) &&
    !(value instanceof UserAssignedManagedIdentity)
  ) {
    throw new ManagedIdentityError(
      "Incorrect managed identity: pass SystemAssignedManagedIdentity, UserAssignedManagedIdentity or {ManagedIdentityIdType, Id}.",
    );
  }
  const v = value as unknown as Record<string, unknown>;
  const type = v.ManagedIdentityIdType;
  const hasId = "Id" in v;
  const id = v.Id;
  if (type === "SystemAssigned")
    return {
      type,
      id: null,
      cacheClientId: hasId ? (typeof id === "string" ? id : null) : "SYSTEM_ASSIGNED_MANAGED_IDENTITY",
    };
  if ((type === "ClientId" || type === "ResourceId" || type === "ObjectId") && typeof id === "string" && id !== "")
    return { type, id, cacheClientId: id };
  throw new ManagedIdentityError(
    'Incorrect managed identity: ManagedIdentityIdType must be "SystemAssigned", "ClientId", "ResourceId" or "ObjectId", and a user-assigned type needs a non-empty Id.',
  );
}
