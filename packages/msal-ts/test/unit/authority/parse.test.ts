import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AuthorityBuilder } from "../../../src/authority/builder.ts";
import { AZURE_PUBLIC } from "../../../src/authority/constants.ts";
import { parseAuthority, tenantOfEndpoint } from "../../../src/authority/parse.ts";
import { AuthorityError, InvalidArgumentError } from "../../../src/errors.ts";

function assertAuthorityError(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof AuthorityError, `expected AuthorityError, got ${String(e)}`);
    assert.equal(e.code, "invalid_authority");
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

describe("canonicalize (§2.2)", () => {
  const vectors: [string, string, string][] = [
    ["https://example.com/tenant/subpath?foo=bar#fragment", "example.com", "tenant"],
    ["https://example.com/tenant?foo=bar#fragment", "example.com", "tenant"],
    ["https://example.com/tenant#fragment", "example.com", "tenant"],
  ];
  for (const [input, host, tenant] of vectors) {
    test(`§2.2 vector ${input} -> (${host}, ${tenant})`, () => {
      const a = parseAuthority(input, {});
      assert.equal(a.host, host);
      assert.equal(a.tenant, tenant);
    });
  }

  for (const input of [
    "http://non.https.example.com/tenant",
    "https://no.tenant.example.com",
    "https://no.tenant.example.com/",
  ]) {
    test(`§2.2 vector ${input} -> error`, () => {
      assertAuthorityError(
        () => parseAuthority(input, {}),
        /https:\/\/login\.microsoftonline\.com\/<tenant id or domain>/,
      );
    });
  }

  test("§2.2 tenant case is preserved, host is lower-cased", () => {
    const a = parseAuthority("https://LOGIN.MicrosoftOnline.com/Contoso.OnMicrosoft.com", {});
    assert.equal(a.host, "login.microsoftonline.com");
    assert.equal(a.tenant, "Contoso.OnMicrosoft.com");
    assert.equal(a.url, "https://login.microsoftonline.com/Contoso.OnMicrosoft.com");
  });

  test("§2.2 extra segments kept in url/pathSegments, query kept separately, fragment dropped", () => {
    const a = parseAuthority("https://example.com/tenant/subpath?foo=bar#fragment", {});
    assert.equal(a.url, "https://example.com/tenant/subpath");
    assert.deepEqual(a.pathSegments, ["tenant", "subpath"]);
    assert.equal(a.query, "?foo=bar");
  });

  test("§2.5 quirk advice: trailing slashes are stripped (default authority written with '/')", () => {
    const a = parseAuthority("https://login.microsoftonline.com/common/", {});
    assert.equal(a.url, "https://login.microsoftonline.com/common");
    assert.deepEqual(a.pathSegments, ["common"]);
    assert.equal(
      parseAuthority("https://login.microsoftonline.com/common///", {}).url,
      "https://login.microsoftonline.com/common",
    );
  });

  test("§2.2 CIAM exception: path-less ciamlogin.com host gets {subdomain}.onmicrosoft.com", () => {
    for (const input of ["https://contoso.ciamlogin.com", "https://contoso.ciamlogin.com/"]) {
      const a = parseAuthority(input, {});
      assert.equal(a.tenant, "contoso.onmicrosoft.com");
      assert.equal(a.url, "https://contoso.ciamlogin.com/contoso.onmicrosoft.com");
    }
    assert.equal(parseAuthority("https://contoso.ciamlogin.com/anything", {}).tenant, "anything");
  });

  test("a non-default port is part of host; 443 is not", () => {
    assert.equal(parseAuthority("https://localhost:8443/t", {}).host, "localhost:8443");
    assert.equal(parseAuthority("https://login.microsoftonline.com:443/t", {}).host, "login.microsoftonline.com");
  });

  test("an AuthorityBuilder is accepted", () => {
    const a = parseAuthority(new AuthorityBuilder(AZURE_PUBLIC, "contoso.onmicrosoft.com"), {});
    assert.equal(a.url, "https://login.microsoftonline.com/contoso.onmicrosoft.com");
    assert.equal(a.tenant, "contoso.onmicrosoft.com");
  });

  test("the result is frozen", () => {
    const a = parseAuthority("https://login.microsoftonline.com/common", {});
    assert.ok(Object.isFrozen(a));
    assert.ok(Object.isFrozen(a.pathSegments));
  });

  const garbage: [string, string, RegExp][] = [
    ["empty", "", /it is empty/],
    ["spaces", "https://login.microsoftonline.com/con toso", /spaces/],
    ["backslash", "https:\\\\login.microsoftonline.com\\common", /backslashes/],
    ["relative", "login.microsoftonline.com/common", /not an absolute URL/],
    ["ftp scheme", "ftp://login.microsoftonline.com/common", /uses "ftp:"/],
    ["no host", "https:///common", /no host/],
    ["bad port", "https://login.microsoftonline.com:99999/common", /not a valid URL/],
    ["empty segment", "https://login.microsoftonline.com//common", /empty segment/],
  ];
  for (const [name, input, why] of garbage) {
    test(`rejects ${name} with an AuthorityError that says what and how to fix`, () => {
      assertAuthorityError(() => parseAuthority(input, {}), why, /Use https:\/\/login\.microsoftonline\.com\//);
    });
  }

  test("rejects user info without echoing the password", () => {
    assert.throws(
      () => parseAuthority("https://alice:s3cr3t@login.microsoftonline.com/common", {}),
      (e: unknown) =>
        e instanceof AuthorityError &&
        /user name or password/.test(e.message) &&
        !e.message.includes("s3cr3t") &&
        !e.message.includes("alice"),
    );
  });

  test("a value that is neither string nor AuthorityBuilder -> InvalidArgumentError", () => {
    assert.throws(() => parseAuthority(42 as unknown as string, {}), InvalidArgumentError);
  });
});

describe("classification (§2.3)", () => {
  const rows: [
    string,
    Partial<Record<"isAdfs" | "isB2c" | "isCiam" | "knownToMicrosoft" | "knownToDeveloper", boolean>>,
  ][] = [
    [
      "https://login.microsoftonline.com/common",
      { knownToMicrosoft: true, knownToDeveloper: false, isAdfs: false, isB2c: false },
    ],
    ["https://login.chinacloudapi.cn/tid", { knownToMicrosoft: true }],
    ["https://login-us.microsoftonline.com/tid", { knownToMicrosoft: true }],
    ["https://login.microsoftonline.us/tid", { knownToMicrosoft: true }],
    ["https://login.windows.net/tid", { knownToMicrosoft: false, knownToDeveloper: false }],
    ["https://login.microsoft.com/tid", { knownToMicrosoft: false, knownToDeveloper: false }],
    ["https://sts.windows.net/tid", { knownToMicrosoft: false, knownToDeveloper: false }],
    ["https://login.partner.microsoftonline.cn/tid", { knownToMicrosoft: false, knownToDeveloper: false }],
    ["https://fs.contoso.com/adfs", { isAdfs: true, knownToDeveloper: true, isB2c: false }],
    ["https://fs.contoso.com/ADFS/", { isAdfs: true, knownToDeveloper: true }],
    ["https://contoso.ciamlogin.com/adfs", { isAdfs: false, isCiam: true, isB2c: true }],
    ["https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_signin", { isB2c: true, knownToDeveloper: true }],
    ["https://contoso.b2clogin.cn/t/p", { isB2c: true }],
    ["https://contoso.b2clogin.us/t/p", { isB2c: true }],
    ["https://contoso.b2clogin.de/t/p", { isB2c: true }],
    ["https://b2clogin.com/t/p", { isB2c: false }],
    ["https://login.b2clogin.com/contoso/b2c_policy", { isB2c: true, knownToDeveloper: true }],
    ["https://custom.example.com/contoso/B2C_1_policy", { isB2c: true }],
    ["https://custom.example.com/contoso/B2C_1_policy/extra", { isB2c: false }],
    ["https://contoso.ciamlogin.com", { isCiam: true, isB2c: true, knownToDeveloper: true }],
    [
      "https://login.microsoftonline.com/tfp/contoso.onmicrosoft.com/B2C_1_signin",
      { isB2c: true, knownToDeveloper: true },
    ],
  ];
  for (const [input, expected] of rows) {
    test(`§2.3 ${input} -> ${JSON.stringify(expected)}`, () => {
      const a = parseAuthority(input, {});
      for (const [k, v] of Object.entries(expected)) assert.equal(a[k as keyof typeof expected], v, k);
      assert.equal(a.isOidc, false);
    });
  }

  test("§2.3 validateAuthority: false makes any authority known to the developer", () => {
    assert.equal(parseAuthority("https://contoso.com/common", { validateAuthority: false }).knownToDeveloper, true);
    assert.equal(parseAuthority("https://contoso.com/common", { validateAuthority: true }).knownToDeveloper, false);
  });

  test("§2.3 oidcAuthority: OIDC, B2C, known to the developer, never known to Microsoft; ADFS when tenant is adfs", () => {
    const a = parseAuthority("https://contoso.com/tenant", { oidc: true });
    assert.deepEqual(
      [a.isOidc, a.isB2c, a.knownToDeveloper, a.knownToMicrosoft, a.isAdfs, a.tenant],
      [true, true, true, false, false, "tenant"],
    );
    assert.equal(parseAuthority("https://contoso.com/adfs", { oidc: true }).isAdfs, true);
    assert.equal(parseAuthority("https://login.microsoftonline.com/tid/v2.0", { oidc: true }).knownToMicrosoft, false);
  });

  test("§2.3 oidcAuthority errors speak of oidcAuthority", () => {
    assertAuthorityError(
      () => parseAuthority("http://contoso.com/tenant", { oidc: true }),
      /Invalid oidcAuthority/,
      /https:\/\/contoso\.com\/tenant/,
    );
  });
});

describe("tenantOfEndpoint (§2.5)", () => {
  test("first path segment of a token endpoint", () => {
    assert.equal(tenantOfEndpoint("https://login.microsoftonline.com/common/oauth2/v2.0/token"), "common");
    assert.equal(tenantOfEndpoint("https://fs.contoso.com/adfs/oauth2/token"), "adfs");
    assert.equal(tenantOfEndpoint("https://fs.contoso.com/"), undefined);
  });
});
