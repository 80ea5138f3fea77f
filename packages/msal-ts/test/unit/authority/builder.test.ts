import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AuthorityBuilder } from "../../../src/authority/builder.ts";
import { AZURE_CHINA, AZURE_PUBLIC, AZURE_US_GOVERNMENT, DEFAULT_AUTHORITY } from "../../../src/authority/constants.ts";
import { InvalidArgumentError } from "../../../src/errors.ts";

describe("AuthorityBuilder (§2.1, §8.7, API.md)", () => {
  test("API.md vector: String(new AuthorityBuilder(AZURE_PUBLIC, 'contoso.onmicrosoft.com'))", () => {
    assert.equal(
      String(new AuthorityBuilder(AZURE_PUBLIC, "contoso.onmicrosoft.com")),
      "https://login.microsoftonline.com/contoso.onmicrosoft.com",
    );
  });

  test("§2.1 host constants", () => {
    assert.equal(AZURE_PUBLIC, "login.microsoftonline.com");
    assert.equal(AZURE_US_GOVERNMENT, "login.microsoftonline.us");
    assert.equal(AZURE_CHINA, "login.chinacloudapi.cn");
    assert.equal(DEFAULT_AUTHORITY, "https://login.microsoftonline.com/common");
    assert.equal(String(new AuthorityBuilder(AZURE_US_GOVERNMENT, "tid")), "https://login.microsoftonline.us/tid");
    assert.equal(String(new AuthorityBuilder(AZURE_CHINA, "tid")), "https://login.chinacloudapi.cn/tid");
  });

  test("§2.1 renders https://{instance without trailing '/'}/{tenant without surrounding '/'}", () => {
    assert.equal(
      String(new AuthorityBuilder("login.microsoftonline.com/", "/contoso.com/")),
      "https://login.microsoftonline.com/contoso.com",
    );
  });

  test("an instance given with https:// (any case) is accepted", () => {
    assert.equal(
      String(new AuthorityBuilder("https://login.microsoftonline.com/", "common")),
      "https://login.microsoftonline.com/common",
    );
    assert.equal(
      String(new AuthorityBuilder("HTTPS://Login.MicrosoftOnline.com", "common")),
      "https://login.microsoftonline.com/common",
    );
  });

  test("a port and a B2C tenant/policy path are kept", () => {
    assert.equal(String(new AuthorityBuilder("localhost:8443", "t")), "https://localhost:8443/t");
    assert.equal(
      String(new AuthorityBuilder("contoso.b2clogin.com", "contoso.onmicrosoft.com/B2C_1_signin")),
      "https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_signin",
    );
  });

  test("fields, toJSON and immutability", () => {
    const b = new AuthorityBuilder(AZURE_PUBLIC, "contoso.com");
    assert.equal(b.instance, "login.microsoftonline.com");
    assert.equal(b.tenant, "contoso.com");
    assert.equal(JSON.stringify({ authority: b }), '{"authority":"https://login.microsoftonline.com/contoso.com"}');
    assert.ok(Object.isFrozen(b));
  });

  const bad: [string, unknown, unknown, RegExp][] = [
    ["http instance", "http://login.microsoftonline.com", "common", /uses http; authorities must use https/],
    ["empty instance", "", "common", /is not a host name/],
    ["instance with a path", "login.microsoftonline.com/common", "x", /is not a host name/],
    ["instance with user info", "user@login.microsoftonline.com", "x", /is not a host name/],
    ["instance with a space", "login microsoftonline.com", "x", /is not a host name/],
    ["non-string instance", 42, "x", /must be a host name string/],
    ["empty tenant", AZURE_PUBLIC, "", /is not a tenant id or domain/],
    ["slash-only tenant", AZURE_PUBLIC, "///", /is not a tenant id or domain/],
    ["tenant with a query", AZURE_PUBLIC, "common?x=1", /is not a tenant id or domain/],
    ["tenant with dot segments", AZURE_PUBLIC, "../common", /is not a tenant id or domain/],
    ["non-string tenant", AZURE_PUBLIC, null, /must be a string/],
  ];
  for (const [name, instance, tenant, message] of bad) {
    test(`rejects ${name} with InvalidArgumentError`, () => {
      assert.throws(
        () => new AuthorityBuilder(instance as string, tenant as string),
        (e: unknown) => e instanceof InvalidArgumentError && message.test(e.message),
      );
    });
  }
});

describe("I1: authority errors never echo credentials given in a URL", () => {
  const PASSWORD = "Pa55-w0rd";
  const USER = "alice";
  const leaks = (message: string) => message.includes(PASSWORD) || message.includes(USER);
  for (const [name, instance, tenant] of [
    ["https instance with user:password", `https://${USER}:${PASSWORD}@login.microsoftonline.com`, "common"],
    ["http instance with user:password", `http://${USER}:${PASSWORD}@login.microsoftonline.com`, "common"],
    ["instance with user:password and no scheme", `${USER}:${PASSWORD}@login.microsoftonline.com`, "common"],
    [
      "instance with leading spaces and a path",
      `  https://${USER}:${PASSWORD}@login.microsoftonline.com/common`,
      "common",
    ],
    ["password holding a raw slash", `https://${USER}:${PASSWORD}/x@login.microsoftonline.com`, "common"],
    ["scheme without slashes", `https:${USER}:${PASSWORD}@login.microsoftonline.com`, "common"],
    ["tenant given as a URL with user info", AZURE_PUBLIC, `https://${USER}:${PASSWORD}@evil.example/common?x`],
  ] as const) {
    test(`${name}: the message keeps the host, hides the credentials`, () => {
      assert.throws(
        () => new AuthorityBuilder(instance, tenant),
        (e: unknown) => {
          assert.ok(e instanceof InvalidArgumentError);
          assert.ok(!leaks(e.message), e.message);
          assert.match(e.message, /\*\*\*@(login\.microsoftonline\.com|evil\.example)/);
          return true;
        },
      );
    });
  }

  test("the parsed-authority and discovery paths redact the same way", async () => {
    const { parseAuthority, redact } = await import("../../../src/authority/parse.ts");
    assert.equal(
      redact(`https://${USER}:${PASSWORD}@login.microsoftonline.com/common`),
      "https://***@login.microsoftonline.com/common",
    );
    assert.equal(redact(`${USER}:${PASSWORD}@login.microsoftonline.com`), "***@login.microsoftonline.com");
    assert.equal(
      redact("https://login.microsoftonline.com/common?x=a@b"),
      "https://login.microsoftonline.com/common?x=a@b",
      "no user info: unchanged",
    );
    assert.equal(
      redact("https://login.microsoftonline.com/common\r\nInjected: 1"),
      "https://login.microsoftonline.com/common Injected: 1",
      "one line",
    );
    for (const url of [
      `https://${USER}:${PASSWORD}@login.microsoftonline.com/common`,
      `https:${USER}:${PASSWORD}@login.microsoftonline.com/common`,
    ]) {
      assert.throws(
        () => parseAuthority(url, {}),
        (e: unknown) => e instanceof Error && !leaks(e.message),
      );
    }
  });
});
