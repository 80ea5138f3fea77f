/**
 * Property tests of authority URLs: `parseAuthority` (Entra and OIDC authorities, with and without
 * validation), `AuthorityBuilder`, and the documents authority discovery reads from the network (instance
 * discovery, OpenID Connect discovery, instance metadata aliases).
 *
 * A string either parses into a frozen, canonical authority (re-parsing its URL gives the same authority)
 * or fails with AuthorityError; a non-string with InvalidArgumentError; error messages never carry the
 * password of a URL. Discovery ends with an Authority whose endpoints are https URLs, or an
 * AuthorityError / ServerError.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { AuthorityError, AuthorityBuilder, InvalidArgumentError, ServerError } from "../../src/index.ts";
import { parseAliasGroups } from "../../src/authority/aliases.ts";
import { resolveAuthority } from "../../src/authority/authority.ts";
import { WELL_KNOWN_AUTHORITY_HOSTS } from "../../src/authority/constants.ts";
import { parseAuthority, type ParseAuthorityOptions, type ParsedAuthority } from "../../src/authority/parse.ts";
import type { HttpResponse } from "../../src/http/types.ts";
import { RecordingHttpClient } from "../helpers/fakes.ts";
import {
  PARAMS,
  httpResponse,
  junkBody,
  nearValid,
  settle,
  settleSync,
  statusCode,
  toJsonText,
  weirdValue,
} from "./support.ts";

// ---------------------------------------------------------------------------------------------------------
// Near-valid authority URLs
// ---------------------------------------------------------------------------------------------------------

const SECRET = "Pa55w0rdXyz";

const scheme = fc.oneof(
  { weight: 10, arbitrary: fc.constant("https://") },
  fc.constantFrom(
    "HTTPS://",
    "http://",
    "ftp://",
    "",
    "//",
    "https:/",
    "https:///",
    "https:",
    "https:\\\\",
    "javascript:",
    "file:///",
  ),
);
const userinfo = fc.oneof(
  { weight: 12, arbitrary: fc.constant("") },
  fc.constantFrom("user@", `user:${SECRET}@`, `:${SECRET}@`, "@", `a@b:${SECRET}@`),
);
const host = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      "login.microsoftonline.com",
      "login.microsoftonline.us",
      "login.chinacloudapi.cn",
      "login-us.microsoftonline.com",
      "login.windows.net",
      "login.microsoft.com",
    ),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "contoso.b2clogin.com",
      "contoso.ciamlogin.com",
      "fs.contoso.com",
      "contoso.com",
      "localhost",
      "127.0.0.1",
      "[::1]",
      "LOGIN.MicrosoftOnline.COM",
      "xn--bcher-kva.example",
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "",
      "bücher.example",
      "a..b",
      "-a.com",
      "a_b.com",
      "%41.com",
      "a.com.",
      "ciamlogin.com",
      ".ciamlogin.com",
      "b2clogin.com",
      "[::1",
      "1.2.3.4.5",
      "0x7f.1",
      "a%2Fb.com",
      "é",
    ),
  },
  { weight: 1, arbitrary: fc.domain() },
);
const port = fc.oneof(
  { weight: 10, arbitrary: fc.constant("") },
  fc.constantFrom(":443", ":8443", ":0", ":65535", ":65536", ":99999", ":abc", ":", ":-1"),
);
const segment = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      "common",
      "organizations",
      "consumers",
      "contoso.onmicrosoft.com",
      "Contoso.OnMicrosoft.com",
      "72f988bf-86f1-41af-91ab-2d7cd011db47",
    ),
  },
  { weight: 3, arbitrary: fc.constantFrom("adfs", "ADFS", "tfp", "b2c_1_signin", "B2C_1_SignUp", "v2.0", "oauth2") },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "",
      ".",
      "..",
      "%2e%2e",
      "%2F",
      "a b",
      "a\\b",
      "é",
      "a%00",
      "a\u0001b",
      "~",
      "@",
      ":",
      ";x=1",
      "a?b",
      "a#b",
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);
const query = fc.oneof(
  { weight: 6, arbitrary: fc.constant("") },
  fc.constantFrom("?x=1", "?", "?dc=ESTS-PUB-WUS2-AZ1-FD000-TEST1", "?a=%zz", "?é"),
);
const fragment = fc.oneof({ weight: 8, arbitrary: fc.constant("") }, fc.constantFrom("#", "#x", "#/a/b"));
const around = fc.oneof(
  { weight: 8, arbitrary: fc.constant("") },
  fc.constantFrom(" ", "\t", "\n", "\u00a0", "\ufeff"),
);

const nearValidAuthority: fc.Arbitrary<string> = fc
  .record({
    lead: around,
    scheme,
    userinfo,
    host,
    port,
    segments: fc.array(segment, { maxLength: 4 }),
    trailing: fc.constantFrom("", "", "", "/", "//"),
    query,
    fragment,
    tail: around,
  })
  .map(
    (p) =>
      `${p.lead}${p.scheme}${p.userinfo}${p.host}${p.port}${p.segments.map((s) => `/${s}`).join("")}${p.trailing}${p.query}${p.fragment}${p.tail}`,
  );

const anyAuthority: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: nearValidAuthority },
  { weight: 1, arbitrary: fc.webUrl({ withQueryParameters: true, withFragments: true }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  {
    weight: 1,
    arbitrary: fc.string({ unit: "binary", maxLength: 30 }).map((s) => `https://login.microsoftonline.com/${s}`),
  },
);

/** Options with each member absent, true or false. */
const parseOptions: fc.Arbitrary<ParseAuthorityOptions> = fc.record(
  { validateAuthority: fc.boolean(), oidc: fc.boolean() },
  { requiredKeys: [] },
);

function hasScheme(input: string): boolean {
  return /^\s*[a-z][a-z0-9+.-]*:/i.test(input);
}

// eslint-disable-next-line no-control-regex
const CONTROL_OR_SPACE = /[\s\\\u0000-\u001f\u007f]/;

/** Invariants of a parsed authority, stated independently of the parser. */
function checkParsed(a: ParsedAuthority, o: ParseAuthorityOptions): void {
  assert.ok(Object.isFrozen(a) && Object.isFrozen(a.pathSegments), "frozen");
  assert.equal(a.url, `https://${a.host}/${a.pathSegments.join("/")}`);
  assert.equal(a.host, a.host.toLowerCase());
  assert.ok(a.host !== "" && !a.host.includes("/") && !a.host.includes("@"), `host ${a.host}`);
  assert.ok(!CONTROL_OR_SPACE.test(a.url), "no spaces, controls or backslashes in the URL");
  assert.ok(a.pathSegments.length > 0 && a.pathSegments.every((s) => s !== ""), "a tenant and no empty segment");
  assert.equal(a.tenant, a.pathSegments[0]);
  assert.ok(a.query === "" || a.query.startsWith("?"));
  assert.ok(!a.url.includes("?") && !a.url.includes("#"), "no query or fragment in url");
  assert.equal(a.isOidc, o.oidc === true);
  if (a.isAdfs) assert.ok(a.tenant.toLowerCase() === "adfs" && !a.isCiam);
  if (a.knownToMicrosoft) assert.ok(!a.isOidc && WELL_KNOWN_AUTHORITY_HOSTS.includes(a.host.replace(/:\d+$/, "")));
  if (o.validateAuthority === false || a.isOidc || a.isAdfs || a.isB2c) assert.ok(a.knownToDeveloper);
  if (a.isCiam) assert.ok(a.host.replace(/:\d+$/, "").endsWith(".ciamlogin.com"));
}

function sameAuthority(a: ParsedAuthority, b: ParsedAuthority): void {
  assert.deepEqual({ ...b, pathSegments: [...b.pathSegments] }, { ...a, pathSegments: [...a.pathSegments] });
}

describe("property: authority URLs (parseAuthority)", () => {
  it("parses into a canonical, frozen authority that re-parses to itself, or throws AuthorityError", () => {
    fc.assert(
      fc.property(anyAuthority, parseOptions, (input, o) => {
        const out = settleSync(() => parseAuthority(input, o), AuthorityError);
        if (!out.ok) {
          // Inputs without a scheme have their own property below (KNOWN BUG).
          if (input.includes(`:${SECRET}@`) && hasScheme(input))
            assert.ok(!out.error.message.includes(SECRET), "the password is not in the message");
          return;
        }
        const a = out.value;
        checkParsed(a, o);
        assert.ok(!input.includes(`:${SECRET}@`) || !a.url.includes(SECRET), "a URL with a password is refused");
        sameAuthority(a, parseAuthority(a.url + a.query, o));
      }),
      PARAMS,
    );
  });

  // KNOWN BUG (reported, not fixed here): redact() only hides user info after a scheme ("https://u:p@"), so
  // a scheme-relative or scheme-less authority echoes its password in the AuthorityError message, against
  // the rule that messages never contain a secret. Minimal case: parseAuthority("//user:Pa55w0rd@login.microsoftonline.com/common")
  // throws 'Invalid authority "//user:Pa55w0rd@login.microsoftonline.com/common": it is not an absolute URL. ...'.
  // This property fails until that is fixed.
  it("no error message carries the password of the URL, with or without a scheme", () => {
    const withPassword = fc
      .record({
        lead: fc.constantFrom("", "//", "///", "https://", "https:", "https:/", "HTTPS://", "ftp://", "http://", " //"),
        user: fc.constantFrom("", "user", "a@b"),
        host: host,
        rest: fc.constantFrom("/common", "", "/t?x=1", "#f"),
      })
      .map((p) => `${p.lead}${p.user}:${SECRET}@${p.host}${p.rest}`);
    fc.assert(
      fc.property(withPassword, parseOptions, (input, o) => {
        const out = settleSync(() => parseAuthority(input, o), AuthorityError);
        assert.ok(!out.ok, "a URL with a password is refused");
        assert.ok(!out.error.message.includes(SECRET), `the password is not in the message: ${out.error.message}`);
      }),
      PARAMS,
    );
  });

  it("anything that is neither a string nor an AuthorityBuilder is an InvalidArgumentError", () => {
    fc.assert(
      fc.property(
        fc.anything().filter((v) => typeof v !== "string"),
        parseOptions,
        (input, o) => {
          assert.throws(() => parseAuthority(input as string, o), InvalidArgumentError);
        },
      ),
      PARAMS,
    );
  });
});

describe("property: AuthorityBuilder", () => {
  const instance = fc.oneof(
    { weight: 4, arbitrary: host.map((h) => h) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom("", "https://", "HTTPS://", "http://", " "),
          host,
          port,
          fc.constantFrom("", "/", "//", " ", "/x"),
        )
        .map((p) => p.join("")),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
    { weight: 1, arbitrary: weirdValue },
  );
  const tenant = fc.oneof(
    { weight: 4, arbitrary: segment },
    { weight: 2, arbitrary: fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join("/")) },
    { weight: 1, arbitrary: fc.constantFrom("/common/", " common ", "//", "a//b", "../x", "x/..") },
    { weight: 1, arbitrary: weirdValue },
  );
  it("builds https://{instance}/{tenant} or throws InvalidArgumentError; the parser reads what it builds or throws AuthorityError", () => {
    fc.assert(
      fc.property(instance, tenant, parseOptions, (i, t, o) => {
        const out = settleSync(() => new AuthorityBuilder(i as string, t as string), InvalidArgumentError);
        if (!out.ok) return;
        const b = out.value;
        assert.ok(Object.isFrozen(b));
        assert.equal(String(b), `https://${b.instance}/${b.tenant}`);
        assert.equal(JSON.stringify(b), JSON.stringify(String(b)));
        const parsed = settleSync(() => parseAuthority(b, o), AuthorityError);
        if (parsed.ok) checkParsed(parsed.value, o);
      }),
      PARAMS,
    );
  });

  // KNOWN BUG (reported, not fixed here): the builder promises that "obviously wrong values throw at once",
  // but it accepts tenants that no application can use: control characters (its check is /\s/, and
  // U+0001 is not whitespace) and percent-encoded dot segments ("%2e%2e", which URL parsing resolves away).
  // Minimal cases: new AuthorityBuilder("login.microsoftonline.com", "a\u0001b") and (..., "%2e%2e") build
  // authorities that parseAuthority refuses. This property fails until the builder refuses them.
  it("what the builder accepts, the parser accepts too", () => {
    fc.assert(
      fc.property(instance, tenant, parseOptions, (i, t, o) => {
        const out = settleSync(() => new AuthorityBuilder(i as string, t as string), InvalidArgumentError);
        if (!out.ok) return;
        const parsed = settleSync(() => parseAuthority(out.value, o), AuthorityError);
        assert.ok(
          parsed.ok,
          `new AuthorityBuilder(${JSON.stringify(i)}, ${JSON.stringify(t)}) built ${String(out.value)}, which the parser refuses: ${parsed.ok ? "" : parsed.error.message}`,
        );
      }),
      PARAMS,
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// Discovery documents
// ---------------------------------------------------------------------------------------------------------

const httpsUrl = fc.constantFrom(
  "https://login.microsoftonline.com/tid/oauth2/v2.0/token",
  "https://login.microsoftonline.com/tid/oauth2/v2.0/authorize",
  "https://login.microsoftonline.com/tid/oauth2/v2.0/devicecode",
  "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration",
);
const badUrl = fc.constantFrom(
  "http://login.microsoftonline.com/tid/oauth2/v2.0/token",
  "https://",
  "https://host",
  "https://host/",
  "https://u:p@host/t/token",
  "not a url",
  "",
  "HTTPS://HOST/T/TOKEN",
  "https://[::1]/t",
  "https://host:99999/t",
);
const endpoint = fc.oneof(
  { weight: 6, arbitrary: httpsUrl },
  { weight: 2, arbitrary: badUrl },
  { weight: 1, arbitrary: weirdValue },
);

const oidcDocument = nearValid(
  fc.record(
    {
      authorization_endpoint: endpoint,
      token_endpoint: endpoint,
      device_authorization_endpoint: endpoint,
      issuer: fc.constantFrom("https://login.microsoftonline.com/tid/v2.0", ""),
    },
    { requiredKeys: [] },
  ),
  ["authorization_endpoint", "token_endpoint", "device_authorization_endpoint", "issuer", "error", "error_description"],
);
const instanceDocument = nearValid(
  fc.record(
    { tenant_discovery_endpoint: endpoint, "api-version": fc.constant("1.1"), metadata: fc.constant([]) },
    { requiredKeys: [] },
  ),
  ["tenant_discovery_endpoint", "error", "error_description", "error_codes"],
  fc.oneof(weirdValue, fc.constantFrom("invalid_instance", "invalid_request")),
);

/** Discovery answers for one authority: what the instance discovery and OIDC discovery GETs get. */
const discoveryAnswers = fc.record({
  instance: httpResponse(
    instanceDocument,
    fc.oneof({ weight: 6, arbitrary: fc.constant(200) }, { weight: 1, arbitrary: statusCode }),
  ),
  oidc: httpResponse(
    oidcDocument,
    fc.oneof({ weight: 6, arbitrary: fc.constant(200) }, { weight: 1, arbitrary: statusCode }),
  ),
});

function isHttps(url: unknown): boolean {
  if (typeof url !== "string") return false;
  try {
    const u = new URL(url);
    return u.protocol === "https:" && u.hostname !== "" && u.username === "" && u.password === "";
  } catch {
    return false;
  }
}

describe("property: discovery documents", () => {
  it("instance and OIDC discovery answers give an Authority with https endpoints, or an AuthorityError / ServerError", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          "https://login.microsoftonline.com/contoso.com",
          "https://login.windows.net/contoso.com",
          "https://fs.contoso.com/adfs",
          "https://contoso.b2clogin.com/contoso.onmicrosoft.com/b2c_1_signin",
        ),
        fc.boolean(),
        discoveryAnswers,
        async (authority, instanceDiscovery, answers) => {
          const http = new RecordingHttpClient((r): HttpResponse =>
            r.url.includes("/discovery/instance") ? answers.instance : answers.oidc,
          );
          const out = await settle(
            () => resolveAuthority(authority, { http, instanceDiscovery }),
            AuthorityError,
            ServerError,
          );
          if (!out.ok) return;
          const a = out.value;
          assert.ok(Object.isFrozen(a));
          for (const e of [a.authorizationEndpoint, a.tokenEndpoint, a.deviceAuthorizationEndpoint])
            if (e !== undefined) assert.ok(isHttps(e), `https endpoint: ${e}`);
          assert.equal(a.tenant, new URL(a.tokenEndpoint).pathname.split("/")[1]);
          assert.ok(a.tenant !== "");
        },
      ),
      PARAMS,
    );
  });

  it("instance metadata (alias groups) parses to lower-case, de-duplicated, non-empty groups, or undefined for non-JSON", () => {
    const aliasEntry = nearValid(
      fc.record({
        preferred_network: fc.constant("login.microsoftonline.com"),
        preferred_cache: fc.constant("login.windows.net"),
        aliases: fc.array(
          fc.oneof(
            {
              weight: 4,
              arbitrary: fc.constantFrom(
                "login.microsoftonline.com",
                "login.windows.net",
                "LOGIN.Microsoft.com",
                "sts.windows.net",
                "",
              ),
            },
            weirdValue,
          ),
          { maxLength: 5 },
        ),
      }),
      ["aliases", "preferred_network", "preferred_cache"],
    );
    const metadataBody = nearValid(
      fc.record({
        "api-version": fc.constant("1.1"),
        metadata: fc.array(fc.oneof({ weight: 4, arbitrary: aliasEntry.map((e) => e as unknown) }, weirdValue), {
          maxLength: 4,
        }),
      }),
      ["metadata", "tenant_discovery_endpoint"],
    );
    fc.assert(
      fc.property(
        fc.oneof({ weight: 4, arbitrary: metadataBody.map(toJsonText) }, { weight: 1, arbitrary: junkBody }),
        (text) => {
          const groups = parseAliasGroups(text);
          if (groups === undefined) return;
          assert.ok(Array.isArray(groups));
          for (const g of groups) {
            assert.ok(Array.isArray(g) && g.length > 0);
            assert.equal(new Set(g).size, g.length, "no duplicates");
            for (const h of g) assert.ok(typeof h === "string" && h !== "" && h === h.toLowerCase());
          }
        },
      ),
      PARAMS,
    );
  });
});
