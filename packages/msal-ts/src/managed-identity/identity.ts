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
 * The base of managed identity ids (the spec's `ManagedIdentity`): {@link SystemAssignedManagedIdentity} and
 * {@link UserAssignedManagedIdentity} extend it, and its static checks tell what an object read from a JSON
 * configuration is. Instances serialize (`JSON.stringify`) to the spec's JSON form.
 *
 * @example
 * ```ts
 * const config: unknown = JSON.parse(process.env.MY_MANAGED_IDENTITY_CONFIG ?? "null");
 * if (!ManagedIdentity.isManagedIdentity(config)) throw new Error("MY_MANAGED_IDENTITY_CONFIG is not a managed identity");
 * const client = new ManagedIdentityClient(config);
 * ```
 */
export abstract class ManagedIdentity implements ManagedIdentityConfig {
  /** The key of the id type in the JSON form. */
  static readonly ID_TYPE = "ManagedIdentityIdType";
  /** The key of the id in the JSON form. */
  static readonly ID = "Id";
  static readonly CLIENT_ID = "ClientId";
  static readonly RESOURCE_ID = "ResourceId";
  static readonly OBJECT_ID = "ObjectId";
  static readonly SYSTEM_ASSIGNED = "SystemAssigned";

  abstract readonly ManagedIdentityIdType: ManagedIdentityIdType;
  abstract readonly Id: string | null;

  /** Whether `value` is a managed identity object, or a JSON form with a `ManagedIdentityIdType`. */
  static isManagedIdentity(value: unknown): value is ManagedIdentityConfig {
    return value instanceof ManagedIdentity || (isRecord(value) && ManagedIdentity.ID_TYPE in value);
  }

  /** Whether `value` names the system-assigned identity. */
  static isSystemAssigned(value: unknown): boolean {
    return (
      value instanceof SystemAssignedManagedIdentity ||
      (isRecord(value) && value[ManagedIdentity.ID_TYPE] === ManagedIdentity.SYSTEM_ASSIGNED)
    );
  }

  /** Whether `value` names a user-assigned identity (a known id type with a non-empty id). */
  static isUserAssigned(value: unknown): boolean {
    if (value instanceof UserAssignedManagedIdentity) return true;
    if (!isRecord(value)) return false;
    const type = value[ManagedIdentity.ID_TYPE];
    return (
      (type === ManagedIdentity.CLIENT_ID ||
        type === ManagedIdentity.RESOURCE_ID ||
        type === ManagedIdentity.OBJECT_ID) &&
      typeof value[ManagedIdentity.ID] === "string" &&
      value[ManagedIdentity.ID] !== ""
    );
  }
}

/**
 * The system-assigned identity of the Azure resource the code runs on.
 *
 * @example
 * ```ts
 * const client = new ManagedIdentityClient(new SystemAssignedManagedIdentity());
 * ```
 */
export class SystemAssignedManagedIdentity extends ManagedIdentity {
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
export class UserAssignedManagedIdentity extends ManagedIdentity {
  readonly ManagedIdentityIdType: "ClientId" | "ResourceId" | "ObjectId";
  readonly Id: string;

  /** @throws ManagedIdentityError unless exactly one id is given. */
  constructor(o: { clientId?: string; resourceId?: string; objectId?: string } = {}) {
    super();
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
  if (!isRecord(value) && !(value instanceof ManagedIdentity)) {
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
