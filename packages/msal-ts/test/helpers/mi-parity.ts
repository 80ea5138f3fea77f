/**
 * Parity with @azure/msal-node's managed identity: given the same emulator environment, both libraries get
 * a token for the same identity. msal-node remembers the source it detected for the whole process, so each
 * source runs from its own test file (node:test runs each file in its own process).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ManagedIdentityApplication } from "@azure/msal-node";
import { startEmulator, type Emulator } from "entra-emulator";
import { ManagedIdentityClient, SystemAssignedManagedIdentity } from "../../src/index.ts";

const RESOURCE = "https://management.azure.com";

function payload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as Record<string, unknown>;
}

/** Registers the parity suite for one source (call it from a file of its own). */
export function managedIdentityParity(source: "imds" | "app_service"): void {
  describe(`managed identity parity with @azure/msal-node (${source})`, () => {
    let emulator: Emulator;
    const saved = { ...process.env };
    before(async () => {
      emulator = await startEmulator();
      // msal-node reads process.env itself; msal-ts is given the same variables explicitly.
      Object.assign(process.env, emulator.managedIdentityEnv(source));
    });
    after(async () => {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      await emulator.close();
    });

    it("both get a token for the system-assigned identity, with the same subject and audience", async () => {
      const client = new ManagedIdentityClient(new SystemAssignedManagedIdentity(), {
        env: emulator.managedIdentityEnv(source),
      });
      const ours = await client.acquireTokenForClient({ resource: RESOURCE });
      assert.ok("access_token" in ours, JSON.stringify(ours));
      const theirs = await new ManagedIdentityApplication().acquireToken({ resource: RESOURCE });
      const a = payload(String(ours.access_token));
      const b = payload(theirs.accessToken);
      assert.equal(a.oid, b.oid);
      assert.equal(a.aud, b.aud);
      assert.equal(a.tid, b.tid);
      const requests = emulator.requests().filter((r) => r.route?.startsWith("mi_"));
      assert.equal(requests.length, 2);
      assert.deepEqual(
        Object.keys(requests[0]!.query).sort(),
        Object.keys(requests[1]!.query).sort(),
        "the same query parameters",
      );
    });
  });
}
