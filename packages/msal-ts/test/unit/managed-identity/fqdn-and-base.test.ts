/**
 * The managed-identity cache environment is the host's fully qualified name, as MSAL Python's
 * `socket.getfqdn()` gives it (host name -> address -> name; the host name when that fails), resolved once,
 * in bounded time (issue 20 item e); and the spec's `ManagedIdentity` base class (item c).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { hostname } from "node:os";
import { describe, it } from "node:test";
import {
  ManagedIdentity,
  ManagedIdentityClient,
  SerializableTokenCache,
  SystemAssignedManagedIdentity,
  UserAssignedManagedIdentity,
} from "../../../src/index.ts";
import { fullyQualifiedName, type NameResolver } from "../../../src/managed-identity/fqdn.ts";
import { FakeClock, RecordingHttpClient, response } from "../../helpers/fakes.ts";
import { expectToken } from "../../helpers/results.ts";

/** A resolver answering from tables, counting its calls; `null` rejects, `"hang"` never answers. */
function resolver(addresses: Record<string, string | null>, names: Record<string, string | null | "hang">) {
  const calls: string[] = [];
  const r: NameResolver = {
    async lookup(host) {
      calls.push(`lookup ${host}`);
      const a = addresses[host];
      if (!a) throw Object.assign(new Error("ENOTFOUND"), { code: "ENOTFOUND" });
      return { address: a };
    },
    lookupService(address) {
      calls.push(`lookupService ${address}`);
      const n = names[address];
      if (n === "hang") return new Promise(() => undefined);
      if (!n) return Promise.reject(Object.assign(new Error("ENOTFOUND"), { code: "ENOTFOUND" }));
      return Promise.resolve({ hostname: n });
    },
  };
  return { r, calls };
}

/** Python's `socket.getfqdn()` on this machine. */
function pythonGetfqdn(): string {
  const out = spawnSync("python3", ["-c", "import socket; print(socket.getfqdn())"], { encoding: "utf8" });
  assert.equal(out.status, 0, `python3 is required for this parity check: ${out.stderr}`);
  return out.stdout.trim();
}

describe("fullyQualifiedName (socket.getfqdn)", () => {
  it("the name the host name's address resolves back to", async () => {
    const { r, calls } = resolver({ myvm: "10.0.0.4" }, { "10.0.0.4": "myvm.internal.cloudapp.net" });
    assert.equal(await fullyQualifiedName("myvm", { resolver: r, memo: new Map() }), "myvm.internal.cloudapp.net");
    assert.deepEqual(calls, ["lookup myvm", "lookupService 10.0.0.4"]);
  });

  it("a reverse name without a dot is still the answer (getfqdn gives localhost where the hosts file says so)", async () => {
    const { r } = resolver({ vm: "127.0.0.1" }, { "127.0.0.1": "localhost" });
    assert.equal(await fullyQualifiedName("vm", { resolver: r, memo: new Map() }), "localhost");
  });

  it("falls back to the host name when either lookup fails, or the name is not a host name", async () => {
    const failing = resolver({}, {});
    assert.equal(await fullyQualifiedName("vm", { resolver: failing.r, memo: new Map() }), "vm");
    const noName = resolver({ vm: "10.0.0.4" }, { "10.0.0.4": null });
    assert.equal(await fullyQualifiedName("vm", { resolver: noName.r, memo: new Map() }), "vm");
    for (const hostile of ["evil host", "a/b", "x".repeat(300), "", "name\r\nX: 1"]) {
      const bad = resolver({ vm: "10.0.0.4" }, { "10.0.0.4": hostile });
      assert.equal(await fullyQualifiedName("vm", { resolver: bad.r, memo: new Map() }), "vm", JSON.stringify(hostile));
    }
  });

  it("a resolver that never answers: the host name after the time limit, and the answer is kept", async () => {
    const { r, calls } = resolver({ vm: "10.0.0.4" }, { "10.0.0.4": "hang" });
    const memo = new Map<string, Promise<string>>();
    assert.equal(await fullyQualifiedName("vm", { resolver: r, memo, timeoutMs: 20 }), "vm");
    assert.equal(await fullyQualifiedName("vm", { resolver: r, memo, timeoutMs: 20 }), "vm");
    assert.equal(calls.length, 2, "resolved once: one lookup and one lookupService");
  });

  it("concurrent callers share one resolution", async () => {
    const { r, calls } = resolver({ myvm: "10.0.0.4" }, { "10.0.0.4": "myvm.example.net" });
    const memo = new Map<string, Promise<string>>();
    const names = await Promise.all([1, 2, 3].map(() => fullyQualifiedName("myvm", { resolver: r, memo })));
    assert.deepEqual(names, ["myvm.example.net", "myvm.example.net", "myvm.example.net"]);
    assert.equal(calls.length, 2);
  });

  it("on this machine, the system resolver gives what Python's socket.getfqdn() gives", async () => {
    assert.equal(await fullyQualifiedName(hostname(), { memo: new Map() }), pythonGetfqdn());
  });

  it("ManagedIdentityClient writes and reads its tokens under that name, lower-cased", async () => {
    const http = new RecordingHttpClient(() =>
      response(200, { access_token: "MI-AT", expires_in: "3600", resource: "R", token_type: "Bearer" }),
    );
    const cache = new SerializableTokenCache();
    const client = new ManagedIdentityClient(new SystemAssignedManagedIdentity(), {
      httpClient: http,
      env: { IDENTITY_ENDPOINT: "http://127.0.0.1:41999/msi/token", IDENTITY_HEADER: "h" },
      tokenCache: cache,
      clock: new FakeClock(1_000_000),
      platform: "linux",
    });
    expectToken(await client.acquireTokenForClient({ resource: "R" }));
    const fqdn = pythonGetfqdn().toLowerCase();
    const [at] = cache.find("AccessToken");
    assert.equal(at?.environment, fqdn);
    assert.ok(JSON.parse(cache.serialize()).AccessToken[`-${fqdn}-accesstoken--managed_identity-r`]);
    assert.equal(expectToken(await client.acquireTokenForClient({ resource: "R" })).token_source, "cache");
    assert.equal(http.requests.length, 1);
  });
});

describe("ManagedIdentity (the spec's base class)", () => {
  it("both identity classes extend it and keep the spec's JSON form", () => {
    const system = new SystemAssignedManagedIdentity();
    const user = new UserAssignedManagedIdentity({ objectId: "oid" });
    assert.ok(system instanceof ManagedIdentity && user instanceof ManagedIdentity);
    assert.equal(JSON.stringify(system), '{"ManagedIdentityIdType":"SystemAssigned","Id":null}');
    assert.equal(JSON.stringify(user), '{"ManagedIdentityIdType":"ObjectId","Id":"oid"}');
    assert.equal(ManagedIdentity.ID_TYPE, "ManagedIdentityIdType");
    assert.equal(ManagedIdentity.ID, "Id");
    assert.deepEqual(
      [
        ManagedIdentity.CLIENT_ID,
        ManagedIdentity.RESOURCE_ID,
        ManagedIdentity.OBJECT_ID,
        ManagedIdentity.SYSTEM_ASSIGNED,
      ],
      ["ClientId", "ResourceId", "ObjectId", "SystemAssigned"],
    );
  });

  it("its checks classify objects and JSON forms", () => {
    const cases: [unknown, boolean, boolean, boolean][] = [
      [new SystemAssignedManagedIdentity(), true, true, false],
      [new UserAssignedManagedIdentity({ clientId: "c" }), true, false, true],
      [JSON.parse('{"ManagedIdentityIdType": "SystemAssigned", "Id": null}'), true, true, false],
      [JSON.parse('{"ManagedIdentityIdType": "ResourceId", "Id": "/subscriptions/x"}'), true, false, true],
      [{ ManagedIdentityIdType: "ClientId", Id: "" }, true, false, false],
      [{ ManagedIdentityIdType: "Nope", Id: "x" }, true, false, false],
      [{ Id: "x" }, false, false, false],
      ["SystemAssigned", false, false, false],
      [null, false, false, false],
    ];
    for (const [value, isMi, isSystem, isUser] of cases) {
      const label = JSON.stringify(value);
      assert.equal(ManagedIdentity.isManagedIdentity(value), isMi, `isManagedIdentity ${label}`);
      assert.equal(ManagedIdentity.isSystemAssigned(value), isSystem, `isSystemAssigned ${label}`);
      assert.equal(ManagedIdentity.isUserAssigned(value), isUser, `isUserAssigned ${label}`);
    }
  });

  it("ManagedIdentityClient accepts an instance typed as the base", async () => {
    const identity: ManagedIdentity = new UserAssignedManagedIdentity({ clientId: "cid-123" });
    const http = new RecordingHttpClient(() => response(200, { access_token: "AT", expires_in: 3600, resource: "R" }));
    const client = new ManagedIdentityClient(identity, { httpClient: http, env: {}, hostname: "h", platform: "linux" });
    expectToken(await client.acquireTokenForClient({ resource: "R" }));
    assert.equal(
      new URL(http.requests[0]!.url).searchParams.get("client_id") ?? http.requests[0]?.params?.client_id,
      "cid-123",
    );
  });
});
