/**
 * Cache partitions: the slice of the cache one call works on, so that a distributed cache (Redis) loads
 * and saves only that slice: per tenant for an app's client-credential tokens, per home account for a
 * user's tokens, per incoming-assertion hash for on-behalf-of results.
 */
import type { CacheEntry } from "./schema.js";

export type CachePartition =
  | { kind: "app"; clientId: string; tenant: string }
  | { kind: "user"; homeAccountId: string }
  | { kind: "obo"; assertionHash: string; homeAccountId: string | null };

/** A stable storage key for a partition (lower-cased where the cache compares case-insensitively). */
export function partitionKey(p: CachePartition): string {
  switch (p.kind) {
    case "app":
      return `app:${p.clientId}:${p.tenant.toLowerCase()}`;
    case "user":
      return `user:${p.homeAccountId.toLowerCase()}`;
    case "obo":
      return `obo:${p.assertionHash}`;
  }
}

/** Whether an entry of `type` belongs to the partition (AppMetadata belongs to every partition). */
export function inPartition(p: CachePartition, type: string, e: CacheEntry): boolean {
  if (type === "AppMetadata") return true;
  const home = typeof e.home_account_id === "string" ? e.home_account_id : "";
  switch (p.kind) {
    case "app":
      return (
        type === "AccessToken" &&
        home === "" &&
        e.client_id === p.clientId &&
        String(e.realm).toLowerCase() === p.tenant.toLowerCase()
      );
    case "user":
      return home.toLowerCase() === p.homeAccountId.toLowerCase();
    case "obo":
      return p.homeAccountId !== null && home.toLowerCase() === p.homeAccountId.toLowerCase();
  }
}
