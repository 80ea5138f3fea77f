/**
 * The pure parts of the command's defaults (src/cli/config.ts): tenant replacement, precedence between
 * flags, environment and config file, and config-file checking.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defaultCachePath } from "../../../src/cli/cache-path.ts";
import { UsageError } from "../../../src/cli/exit-codes.ts";
import {
  defaultConfigPath,
  effectiveAuthority,
  envDefaults,
  flagDefaults,
  mergeDefaults,
  readConfigFile,
  withTenant,
} from "../../../src/cli/config.ts";

describe("msal-ts defaults", () => {
  it("withTenant replaces the first path segment only, keeping a B2C policy; refuses ADFS and non-tenants", () => {
    assert.equal(
      withTenant("https://login.microsoftonline.com/organizations", "contoso.com"),
      "https://login.microsoftonline.com/contoso.com",
    );
    assert.equal(
      withTenant("https://localhost:8443/common/", "7f3c1e2a-5b6d-4c8e-9f01-23456789abcd"),
      "https://localhost:8443/7f3c1e2a-5b6d-4c8e-9f01-23456789abcd",
    );
    assert.equal(
      withTenant("https://x.b2clogin.com/x.onmicrosoft.com/B2C_1_signin", "y.onmicrosoft.com"),
      "https://x.b2clogin.com/y.onmicrosoft.com/B2C_1_signin",
    );
    assert.throws(
      () => withTenant("https://adfs.contoso.com/adfs", "contoso.com"),
      /does not apply to an ADFS authority/,
    );
    for (const bad of ["a/b", "", "contoso com", "../x", "x?y"])
      assert.throws(() => withTenant("https://login.microsoftonline.com/common", bad), UsageError, bad);
  });

  it("flags over env over file; a tenant applies unless the authority is set more strongly", () => {
    const file = {
      authority: { value: "https://login.microsoftonline.com/file-tenant", source: "file" as const },
      clientId: { value: "file-id", source: "file" as const },
    };
    const env = envDefaults({ MSAL_TS_TENANT: "env-tenant", MSAL_TS_CLIENT_ID: "env-id", MSAL_TS_CA: " " });
    assert.equal(env.ca, undefined, "a blank variable is unset");
    const merged = mergeDefaults(flagDefaults({ clientId: "flag-id" }), mergeDefaults(env, file));
    assert.equal(merged.clientId?.value, "flag-id");
    assert.equal(
      effectiveAuthority(merged, "https://fallback/organizations"),
      "https://login.microsoftonline.com/env-tenant",
    );
    const flagAuthority = mergeDefaults(
      flagDefaults({ authority: "https://login.microsoftonline.com/flag-tenant" }),
      env,
    );
    assert.equal(
      effectiveAuthority(flagAuthority, "https://fallback/organizations"),
      "https://login.microsoftonline.com/flag-tenant",
    );
    const both = flagDefaults({ authority: "https://login.microsoftonline.com/flag-tenant", tenant: "t2" });
    assert.equal(effectiveAuthority(both, "https://fallback/organizations"), "https://login.microsoftonline.com/t2");
    assert.equal(
      effectiveAuthority(envDefaults({ MSAL_TS_TENANT: "t3" }), "https://fallback/organizations"),
      "https://fallback/t3",
    );
    assert.throws(
      () => envDefaults({ MSAL_TS_ALLOW_PLAINTEXT_CACHE: "maybe" }),
      /MSAL_TS_ALLOW_PLAINTEXT_CACHE must be 1 or 0/,
    );
  });

  it("config files: missing is fine unless named; paths relative to the file; wrong types and keys refused without values", () => {
    const read =
      (files: Record<string, string>) =>
      (path: string): string | null =>
        files[path] ?? null;
    assert.deepEqual(readConfigFile("/h/.config/msal-ts/config.json", false, read({})), {});
    assert.throws(() => readConfigFile("/x.json", true, read({})), /cannot read the config file \/x\.json \(ENOENT\)/);
    const d = readConfigFile(
      "/etc/m/config.json",
      false,
      read({ "/etc/m/config.json": '{"ca":"ca.pem","cache":"/abs/c.json","tenant":"t","allow-plaintext-cache":true}' }),
    );
    assert.deepEqual(d, {
      ca: { value: "/etc/m/ca.pem", source: "file" },
      cache: { value: "/abs/c.json", source: "file" },
      tenant: { value: "t", source: "file" },
      allowPlaintextCache: { value: true, source: "file" },
    });
    assert.throws(
      () => readConfigFile("/c.json", true, read({ "/c.json": '{"client-id": 42}' })),
      /'client-id' must be a non-empty string/,
    );
    assert.throws(() => readConfigFile("/c.json", true, read({ "/c.json": '["a"]' })), /is not a JSON object/);
    assert.throws(
      () => readConfigFile("/c.json", true, read({ "/c.json": '{"client_secret":"hunter2"}' })),
      (e: unknown) =>
        e instanceof UsageError && /unknown key 'client_secret'/.test(e.message) && !e.message.includes("hunter2"),
    );
    assert.throws(
      () =>
        readConfigFile("/c.json", true, () => {
          throw Object.assign(new Error("denied"), { code: "EACCES" });
        }),
      /cannot read the config file \/c\.json \(EACCES\)/,
    );
  });

  it("the default config file follows XDG_CONFIG_HOME (absolute only) and APPDATA on Windows", () => {
    assert.equal(defaultConfigPath({ XDG_CONFIG_HOME: "/x" }, "linux", "/h"), "/x/msal-ts/config.json");
    assert.equal(defaultConfigPath({ XDG_CONFIG_HOME: "rel" }, "linux", "/h"), "/h/.config/msal-ts/config.json");
    assert.equal(
      defaultConfigPath({ APPDATA: "C:\\Users\\a\\AppData\\Roaming" }, "win32", "C:\\Users\\a"),
      "C:\\Users\\a\\AppData\\Roaming\\msal-ts\\config.json",
    );
    assert.equal(
      defaultConfigPath({}, "win32", "C:\\Users\\a"),
      "C:\\Users\\a\\AppData\\Roaming\\msal-ts\\config.json",
    );
  });

  it("the default cache file follows XDG_CACHE_HOME (absolute only) and LOCALAPPDATA on Windows", () => {
    assert.equal(defaultCachePath({ XDG_CACHE_HOME: "/c" }, "linux", "/h"), "/c/msal-ts/token-cache.json");
    assert.equal(defaultCachePath({ XDG_CACHE_HOME: "rel" }, "darwin", "/h"), "/h/.cache/msal-ts/token-cache.json");
    assert.equal(defaultCachePath({ XDG_CONFIG_HOME: "/x" }, "linux", "/h"), "/h/.cache/msal-ts/token-cache.json");
    assert.equal(
      defaultCachePath({ LOCALAPPDATA: "D:\\L" }, "win32", "C:\\Users\\a"),
      "D:\\L\\msal-ts\\token-cache.json",
    );
    assert.equal(
      defaultCachePath({ LOCALAPPDATA: "" }, "win32", "C:\\Users\\a"),
      "C:\\Users\\a\\AppData\\Local\\msal-ts\\token-cache.json",
    );
  });
});
