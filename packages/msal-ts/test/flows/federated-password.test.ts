/**
 * Username/password sign-in of a federated user (docs/msal-python-compatibility.md 1.11) through a scripted
 * Entra and federation server: the exact requests (user realm GET, MEX GET, the SOAP POST's headers and
 * envelope compared structurally, the SAML bearer token POST), both WS-Trust versions and SAML versions, the
 * fallback to the realm's own endpoint, faults, hostile XML, and that no secret reaches an error or a log line.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  isMsalError,
  PublicClientApplication,
  ServerError,
  TokenCache,
  WsTrustError,
  type Logger,
} from "../../src/index.ts";
import { FakeClock, response, type RecordedRequest } from "../helpers/fakes.ts";
import { FakeEntra } from "../helpers/entra-fake.ts";
import { clientInfo, unsignedJwt } from "../helpers/tokens.ts";
import { expectToken } from "../helpers/results.ts";
import {
  ACTION_13,
  ACTION_2005,
  mexDocument,
  NS,
  rstrResponse,
  SAML11,
  SAML20,
  samlAssertion,
  soapFault,
  textAt,
  xmlTree,
  type MexPort,
} from "../helpers/wstrust.ts";

const AUTHORITY = "https://login.microsoftonline.com/organizations";
const USER = "fred@contoso.com";
const PASSWORD = "Fr3d-p@ss";
const MEX_URL = "https://sts.contoso.com/adfs/services/trust/mex";
const URL_13 = "https://sts.contoso.com/adfs/services/trust/13/usernamemixed";
const URL_2005 = "https://sts.contoso.com/adfs/services/trust/2005/usernamemixed";
const BOTH_PORTS: MexPort[] = [
  { kind: "windows", address: "https://sts.contoso.com/adfs/services/trust/13/windowstransport" },
  { kind: "2005", address: URL_2005 },
  { kind: "13", address: URL_13 },
];

interface Setup {
  realm?: Record<string, unknown>;
  mex?: () => ReturnType<typeof response>;
  wsTrust?: (r: RecordedRequest) => ReturnType<typeof response>;
  idTokenClaims?: Record<string, unknown>;
  logger?: Logger;
  enablePiiLog?: boolean;
}

function federatedRealm(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ver: "1.0",
    account_type: "Federated",
    domain_name: "contoso.com",
    federation_protocol: "WSTrust",
    federation_metadata_url: MEX_URL,
    federation_active_auth_url: URL_2005,
    cloud_audience_urn: "urn:federation:MicrosoftOnline",
    cloud_instance_name: "microsoftonline.com",
    ...extra,
  };
}

const xml = (text: string, status = 200) =>
  response(status, text, { "content-type": "application/soap+xml; charset=utf-8" });

function setup(s: Setup = {}) {
  const http = new FakeEntra();
  const clock = new FakeClock();
  http.userRealm = () => response(200, s.realm ?? federatedRealm());
  http.token = () =>
    response(200, {
      access_token: "AT-fed",
      token_type: "Bearer",
      expires_in: 3600,
      refresh_token: "RT-fed",
      client_info: clientInfo("fred-oid", "contoso-tid"),
      id_token: unsignedJwt({
        aud: "cid",
        iss: "https://login.microsoftonline.com/contoso-tid/v2.0",
        tid: "contoso-tid",
        sub: "s",
        oid: "fred-oid",
        ...s.idTokenClaims,
      }),
      scope: "User.Read",
    });
  const entra = http.responder;
  http.responder = (r) => {
    if (!r.url.startsWith("https://sts.contoso.com/")) return entra(r);
    if (r.method === "GET") return s.mex ? s.mex() : xml(mexDocument(BOTH_PORTS));
    return s.wsTrust ? s.wsTrust(r) : xml(rstrResponse({ version: "13", tokenType: SAML11, token: samlAssertion() }));
  };
  const cache = new TokenCache();
  const app = new PublicClientApplication("cid", {
    authority: AUTHORITY,
    httpClient: http,
    clock,
    tokenCache: cache,
    ...(s.logger ? { logger: s.logger } : {}),
    ...(s.enablePiiLog ? { enablePiiLog: true } : {}),
  });
  return { http, clock, app, cache };
}

/** The envelope MSAL Python sends, with other prefixes and layout: compared as trees, they must be equal. */
function expectedEnvelope(o: {
  action: string;
  to: string;
  created: string;
  expires: string;
  username: string;
  password: string;
  messageId: string;
}): string {
  const v13 = o.action === ACTION_13;
  const wst = v13 ? NS.wst13 : NS.wst2005;
  const keyType = v13
    ? "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer"
    : "http://schemas.xmlsoap.org/ws/2005/05/identity/NoProofKey";
  const requestType = v13
    ? "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue"
    : "http://schemas.xmlsoap.org/ws/2005/02/trust/Issue";
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return `<env:Envelope xmlns:env="${NS.soap12}" xmlns:addr="${NS.wsa}" xmlns:util="${NS.wsu}">
    <env:Header>
      <addr:Action env:mustUnderstand="1">${o.action}</addr:Action>
      <addr:MessageID>${o.messageId}</addr:MessageID>
      <addr:ReplyTo><addr:Address>http://www.w3.org/2005/08/addressing/anonymous</addr:Address></addr:ReplyTo>
      <addr:To env:mustUnderstand="1">${esc(o.to)}</addr:To>
      <sec:Security env:mustUnderstand="1" xmlns:sec="${NS.wsse}">
        <util:Timestamp util:Id="_0"><util:Created>${o.created}</util:Created><util:Expires>${o.expires}</util:Expires></util:Timestamp>
        <sec:UsernameToken util:Id="ADALUsernameToken"><sec:Username>${esc(o.username)}</sec:Username><sec:Password>${esc(o.password)}</sec:Password></sec:UsernameToken>
      </sec:Security>
    </env:Header>
    <env:Body>
      <trust:RequestSecurityToken xmlns:trust="${wst}">
        <pol:AppliesTo xmlns:pol="${NS.wsp}"><addr:EndpointReference><addr:Address>urn:federation:MicrosoftOnline</addr:Address></addr:EndpointReference></pol:AppliesTo>
        <trust:KeyType>${keyType}</trust:KeyType>
        <trust:RequestType>${requestType}</trust:RequestType>
      </trust:RequestSecurityToken>
    </env:Body>
  </env:Envelope>`;
}

function assertEnvelope(
  request: RecordedRequest,
  o: { action: string; to: string; username?: string; password?: string; created?: string; expires?: string },
): void {
  assert.equal(typeof request.data, "string");
  const actual = xmlTree(request.data as string);
  const messageId = textAt(actual, NS.wsa, "MessageID") ?? "";
  assert.match(messageId, /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const expected = expectedEnvelope({
    action: o.action,
    to: o.to,
    username: o.username ?? USER,
    password: o.password ?? PASSWORD,
    // FakeClock starts at 1_795_565_806 s: 2026-11-25T00:16:46Z.
    created: o.created ?? "2026-11-25T00:16:46Z",
    expires: o.expires ?? "2026-11-25T00:26:46Z",
    messageId,
  });
  assert.deepEqual(actual, xmlTree(expected));
}

const decodeAssertion = (form: unknown) =>
  Buffer.from(String((form as Record<string, string>).assertion), "base64url").toString("utf8");

describe("federated username/password: WS-Trust 1.3 from MEX, SAML 1.1", () => {
  it("sends the user realm GET, the MEX GET, the RST and the saml1_1-bearer grant, and caches the account", async () => {
    const { http, app, cache } = setup();
    const result = expectToken(await app.acquireTokenByUsernamePassword(USER, PASSWORD, ["User.Read"]));
    assert.equal(result.access_token, "AT-fed");
    assert.equal(result.token_source, "identity_provider");

    const [discovery, realmGet, mexGet, rst, token, ...rest] = http.requests;
    assert.equal(rest.length, 0);
    assert.equal(realmGet?.url, `https://login.microsoftonline.com/common/userrealm/${USER}?api-version=1.0`);
    assert.equal(discovery?.url, `${AUTHORITY}/v2.0/.well-known/openid-configuration`);
    // MEX GET: no headers at all (MSAL Python passes none), no query.
    assert.deepEqual(
      { ...mexGet, headers: mexGet?.headers },
      { method: "GET", url: MEX_URL, params: undefined, headers: {}, data: undefined },
    );
    // The RST goes to the WS-Trust 1.3 endpoint (preferred over the 2005 port listed first).
    assert.equal(rst?.method, "POST");
    assert.equal(rst?.url, URL_13);
    assert.deepEqual(rst?.headers, { "Content-type": "application/soap+xml; charset=utf-8", SOAPAction: ACTION_13 });
    assertEnvelope(rst!, { action: ACTION_13, to: URL_13 });

    // The token POST: the SAML assertion, byte for byte, base64url without padding.
    assert.equal(token?.url, `${AUTHORITY}/oauth2/v2.0/token`);
    const form = token?.data as Record<string, string>;
    assert.deepEqual(Object.keys(form), ["client_id", "grant_type", "client_info", "scope", "assertion"]);
    assert.deepEqual(
      { ...form, assertion: "-" },
      {
        client_id: "cid",
        grant_type: "urn:ietf:params:oauth:grant-type:saml1_1-bearer",
        client_info: "1",
        scope: "User.Read offline_access openid profile",
        assertion: "-",
      },
    );
    assert.doesNotMatch(form.assertion ?? "", /[=+/]/);
    assert.equal(decodeAssertion(form), samlAssertion());
    assert.equal(token?.headers["client-request-id"], realmGet?.headers["client-request-id"]);

    const accounts = await app.getAccounts();
    assert.equal(accounts.length, 1);
    assert.equal(accounts[0]?.username, USER, "the ROPC user name stands in for the ID token's");
    assert.equal(accounts[0]?.home_account_id, "fred-oid.contoso-tid");
    assert.equal(accounts[0]?.account_source, undefined);
    assert.equal([...cache.search(TokenCache.CredentialType.REFRESH_TOKEN)].length, 1);
    const silent = await app.acquireTokenSilent(["User.Read"], accounts[0]!);
    assert.equal(expectToken(silent).token_source, "cache");
  });

  it("headers and form of the token POST are the managed password grant's, minus X-AnchorMailbox and the password", async () => {
    const fed = setup();
    await fed.app.acquireTokenByUsernamePassword(USER, PASSWORD, ["User.Read"]);
    const managed = setup({ realm: { account_type: "Managed", domain_name: "contoso.com" } });
    await managed.app.acquireTokenByUsernamePassword(USER, PASSWORD, ["User.Read"]);
    const fedPost = fed.http.tokenRequests[0]!;
    const managedPost = managed.http.tokenRequests[0]!;
    assert.equal(managedPost.headers["X-AnchorMailbox"], `upn:${USER}`);
    const withoutVolatile = (h: Record<string, string>) =>
      Object.fromEntries(
        Object.entries(h).filter(([k]) => k !== "client-request-id" && k.toLowerCase() !== "x-anchormailbox"),
      );
    assert.deepEqual(withoutVolatile(fedPost.headers), withoutVolatile(managedPost.headers));
    assert.ok(!Object.keys(fedPost.headers).some((k) => k.toLowerCase() === "x-anchormailbox"));
    const { username: _u, password: _p, ...managedRest } = managedPost.data as Record<string, string>;
    void _u;
    void _p;
    const { assertion: _a, ...fedRest } = fedPost.data as Record<string, string>;
    void _a;
    assert.deepEqual(fedRest, { ...managedRest, grant_type: "urn:ietf:params:oauth:grant-type:saml1_1-bearer" });
  });

  it("the Timestamp follows the application's clock; claims and capabilities go into the form", async () => {
    const http = new FakeEntra();
    const clock = new FakeClock(Date.UTC(2030, 0, 2, 3, 4, 5, 678));
    http.userRealm = () => response(200, federatedRealm());
    http.token = () => response(200, { access_token: "AT", expires_in: 3600 });
    const entra = http.responder;
    http.responder = (r) =>
      !r.url.startsWith("https://sts.contoso.com/")
        ? entra(r)
        : r.method === "GET"
          ? xml(mexDocument(BOTH_PORTS))
          : xml(rstrResponse({ version: "13", tokenType: SAML11, token: samlAssertion() }));
    const app = new PublicClientApplication("cid", {
      authority: AUTHORITY,
      httpClient: http,
      clock,
      clientCapabilities: ["CP1"],
    });
    await app.acquireTokenByUsernamePassword(USER, PASSWORD, ["User.Read"]);
    const rst = http.requests.find((r) => r.url === URL_13)!;
    assertEnvelope(rst, {
      action: ACTION_13,
      to: URL_13,
      created: "2030-01-02T03:04:05Z",
      expires: "2030-01-02T03:14:05Z",
    });
    assert.equal(
      (http.tokenRequests[0]?.data as Record<string, string>).claims,
      `{"access_token": {"xms_cc": {"values": ["CP1"]}}}`,
    );
  });
});

describe("federated username/password: WS-Trust 2005, SAML 2.0, fallback", () => {
  it("a MEX with only a 2005 username endpoint: the 2005 envelope; a SAML 2.0 token redeems with saml2-bearer", async () => {
    const { http, app } = setup({
      mex: () =>
        xml(
          mexDocument([
            { kind: "windows", address: "https://sts.contoso.com/windows" },
            { kind: "2005", address: URL_2005 },
          ]),
        ),
      wsTrust: () =>
        xml(rstrResponse({ version: "2005", tokenType: SAML20, token: samlAssertion({ version: "2.0" }) })),
      idTokenClaims: { preferred_username: "fred@contoso.onmicrosoft.com" },
    });
    expectToken(await app.acquireTokenByUsernamePassword(USER, PASSWORD, ["User.Read"]));
    const rst = http.requests.find((r) => r.method === "POST" && r.url === URL_2005)!;
    assert.deepEqual(rst.headers, { "Content-type": "application/soap+xml; charset=utf-8", SOAPAction: ACTION_2005 });
    assertEnvelope(rst, { action: ACTION_2005, to: URL_2005 });
    const form = http.tokenRequests[0]?.data as Record<string, string>;
    assert.equal(form.grant_type, "urn:ietf:params:oauth:grant-type:saml2-bearer");
    assert.equal(decodeAssertion(form), samlAssertion({ version: "2.0" }));
    assert.equal((await app.getAccounts())[0]?.username, "fred@contoso.onmicrosoft.com", "the ID token's name wins");
  });

  for (const [tokenType, grant] of [
    ["http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV1.1", "saml1_1-bearer"],
    ["http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0", "saml2-bearer"],
    [`  ${SAML20}\n`, "saml2-bearer"],
  ] as const) {
    it(`token type ${JSON.stringify(tokenType)} -> ${grant}`, async () => {
      const { http, app } = setup({
        wsTrust: () => xml(rstrResponse({ version: "13", tokenType, token: samlAssertion() })),
      });
      expectToken(await app.acquireTokenByUsernamePassword(USER, PASSWORD, ["User.Read"]));
      assert.equal(
        (http.tokenRequests[0]?.data as Record<string, string>).grant_type,
        `urn:ietf:params:oauth:grant-type:${grant}`,
      );
    });
  }

  it("no federation_metadata_url: the realm's federation_active_auth_url, its version from the path", async () => {
    for (const [address, action] of [
      [URL_2005, ACTION_2005],
      [URL_13, ACTION_13],
    ] as const) {
      const { http, app } = setup({
        realm: federatedRealm({ federation_metadata_url: undefined, federation_active_auth_url: address }),
      });
      expectToken(await app.acquireTokenByUsernamePassword(USER, PASSWORD, ["User.Read"]));
      assert.ok(
        !http.requests.some((r) => r.method === "GET" && r.url.startsWith("https://sts.contoso.com/")),
        "no MEX GET",
      );
      const rst = http.requests.find((r) => r.url === address)!;
      assert.equal(rst.headers.SOAPAction, action);
      assertEnvelope(rst, { action, to: address });
    }
  });

  it("the realm's cloud_audience_urn is the AppliesTo address; ADFS authorities skip the user realm", async () => {
    const { http, app } = setup({
      realm: federatedRealm({ cloud_audience_urn: "urn:federation:MicrosoftOnline:usgov" }),
    });
    await app.acquireTokenByUsernamePassword(USER, PASSWORD, ["User.Read"]);
    const tree = xmlTree(http.requests.find((r) => r.url === URL_13)!.data as string);
    assert.equal(textAt(tree.children[1]!, NS.wsa, "Address"), "urn:federation:MicrosoftOnline:usgov");

    const adfs = new FakeEntra();
    adfs.token = () => response(200, { access_token: "AT", expires_in: 3600 });
    adfs.responder = ((base) => (r: RecordedRequest) =>
      r.url.endsWith("/adfs/.well-known/openid-configuration")
        ? response(200, {
            authorization_endpoint: "https://adfs.contoso.com/adfs/oauth2/authorize",
            token_endpoint: "https://adfs.contoso.com/adfs/oauth2/token",
          })
        : base(r))(adfs.responder);
    const app2 = new PublicClientApplication("cid", {
      authority: "https://adfs.contoso.com/adfs",
      httpClient: adfs,
      clock: new FakeClock(),
    });
    await app2.acquireTokenByUsernamePassword(USER, PASSWORD, ["User.Read"]);
    assert.ok(!adfs.requests.some((r) => r.url.includes("userrealm")));
    assert.equal((adfs.tokenRequests[0]?.data as Record<string, string>).grant_type, "password");
  });

  it("a password and user name with XML special characters arrive intact", async () => {
    const password = `a&b<c>d"e'f]]>g&amp;`;
    const username = "o'brien&co@contoso.com";
    const { http, app } = setup();
    expectToken(await app.acquireTokenByUsernamePassword(username, password, ["User.Read"]));
    const rst = http.requests.find((r) => r.url === URL_13)!;
    assertEnvelope(rst, { action: ACTION_13, to: URL_13, username, password });
    assert.ok(!(rst.data as string).includes(password), "escaped, not raw");
  });
});

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  assert.fail("expected a rejection");
}

describe("federated username/password: failures", () => {
  it("a SOAP fault throws a WsTrustError with its code and reason; the password never appears", async () => {
    const { http, app } = setup({
      wsTrust: () => xml(soapFault({ reason: `MSIS7068: Access denied for ${USER} with password ${PASSWORD}.` }), 500),
    });
    const e = await rejection(app.acquireTokenByUsernamePassword(USER, PASSWORD, ["User.Read"]));
    assert.ok(e instanceof WsTrustError && isMsalError(e, "wstrust_error"), String(e));
    assert.equal(e.faultCode, "a:FailedAuthentication");
    assert.equal(e.faultReason, "MSIS7068: Access denied for *** with password ***.");
    assert.match(e.message, /HTTP 500.*a:FailedAuthentication.*MSIS7068/);
    assert.ok(!`${e.message} ${e.faultReason}`.includes(PASSWORD) && !e.message.includes(USER));
    assert.equal(http.tokenRequests.length, 0);
  });

  it("MEX answered non-2xx: ServerError with the status, no RST sent", async () => {
    const { http, app } = setup({ mex: () => xml("<html>not found</html>", 404) });
    const e = await rejection(app.acquireTokenByUsernamePassword(USER, PASSWORD, ["User.Read"]));
    assert.ok(e instanceof ServerError && e.status === 404 && e.code === "server_error", String(e));
    assert.ok(!http.requests.some((r) => r.method === "POST" && r.url.startsWith("https://sts.")));
  });

  const noEndpoint: [string, MexPort[]][] = [
    ["only Windows integrated auth", [{ kind: "windows", address: "https://sts.contoso.com/windows" }]],
    ["http addresses only", [{ kind: "13", address: "http://sts.contoso.com/adfs/services/trust/13/usernamemixed" }]],
    [
      "a binding over another transport",
      [{ kind: "13", address: URL_13, transport: "http://schemas.xmlsoap.org/soap/smtp" }],
    ],
    ["no ports", []],
  ];
  for (const [name, ports] of noEndpoint) {
    it(`MEX without a usable username endpoint (${name}): WsTrustError, no RST (as MSAL Python raises)`, async () => {
      const { http, app } = setup({ mex: () => xml(mexDocument(ports)) });
      const e = await rejection(app.acquireTokenByUsernamePassword(USER, PASSWORD, ["User.Read"]));
      assert.ok(e instanceof WsTrustError && /names no https WS-Trust endpoint/.test(e.message), String(e));
      assert.ok(!http.requests.some((r) => r.method === "POST"));
    });
  }

  it("a MEX endpoint without a SOAP action: inferred from the path, else refused; an unknown action is refused", async () => {
    let { http, app } = setup({ mex: () => xml(mexDocument([{ kind: "13", address: URL_13, action: null }])) });
    expectToken(await app.acquireTokenByUsernamePassword(USER, PASSWORD, ["User.Read"]));
    assert.equal(http.requests.find((r) => r.url === URL_13)?.headers.SOAPAction, ACTION_13);
    for (const port of [
      { kind: "13", address: "https://sts.contoso.com/trust/custom", action: null },
      { kind: "13", address: URL_13, action: "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Validate" },
    ] as const) {
      ({ http, app } = setup({ mex: () => xml(mexDocument([port])) }));
      const e = await rejection(app.acquireTokenByUsernamePassword(USER, PASSWORD, ["User.Read"]));
      assert.ok(e instanceof WsTrustError && /SOAP action/.test(e.message), String(e));
      assert.ok(!http.requests.some((r) => r.method === "POST"));
    }
  });

  it("a realm with no endpoint, or a plain-http one: WsTrustError, the password is not sent", async () => {
    for (const realm of [
      federatedRealm({ federation_metadata_url: undefined, federation_active_auth_url: undefined }),
      federatedRealm({ federation_metadata_url: 42, federation_active_auth_url: "" }),
      federatedRealm({
        federation_metadata_url: undefined,
        federation_active_auth_url: "http://sts.contoso.com/adfs/services/trust/2005/usernamemixed",
      }),
      federatedRealm({ federation_metadata_url: "http://sts.contoso.com/adfs/services/trust/mex" }),
    ]) {
      const { http, app } = setup({ realm });
      const e = await rejection(app.acquireTokenByUsernamePassword(USER, PASSWORD, ["User.Read"]));
      assert.ok(e instanceof WsTrustError, String(e));
      assert.equal(http.requests.filter((r) => r.url.includes("sts.contoso.com")).length, 0);
    }
  });

  const unusable: [string, string, RegExp][] = [
    ["no RSTR", `<s:Envelope xmlns:s="${NS.soap12}"><s:Body/></s:Envelope>`, /no RequestSecurityTokenResponse/],
    [
      "an RSTR without a TokenType",
      rstrResponse({ version: "13", tokenType: SAML11, token: samlAssertion() }).replace(
        /<t:TokenType>.*<\/t:TokenType>/,
        "",
      ),
      /no RequestSecurityTokenResponse/,
    ],
    [
      "an empty RequestedSecurityToken",
      rstrResponse({ version: "13", tokenType: SAML11, token: "" }),
      /holds no token/,
    ],
    [
      "text instead of an assertion",
      rstrResponse({ version: "13", tokenType: SAML11, token: "just text" }),
      /holds no token/,
    ],
    [
      "an unknown token type",
      rstrResponse({ version: "13", tokenType: "urn:ietf:params:oauth:token-type:jwt", token: samlAssertion() }),
      /type "urn:ietf:params:oauth:token-type:jwt".*cannot redeem/,
    ],
  ];
  for (const [name, body, message] of unusable) {
    it(`a WS-Trust response with ${name}: WsTrustError, no token POST`, async () => {
      const { http, app } = setup({ wsTrust: () => xml(body) });
      const e = await rejection(app.acquireTokenByUsernamePassword(USER, PASSWORD, ["User.Read"]));
      assert.ok(e instanceof WsTrustError && message.test(e.message), String(e));
      assert.equal(http.tokenRequests.length, 0);
    });
  }
});

const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;">]>
<wsdl:definitions xmlns:wsdl="${NS.wsdl}">&lol9;</wsdl:definitions>`;
const EXTERNAL_ENTITY = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><r>&xxe;</r>`;
const HOSTILE: [string, string, string][] = [
  ["billion laughs", BILLION_LAUGHS, "invalid_response"],
  ["an external entity", EXTERNAL_ENTITY, "invalid_response"],
  ["a lowercase doctype", `<!doctype r><r/>`, "invalid_response"],
  ["more than 1 MiB", `<r>${"x".repeat(1024 * 1024)}</r>`, "response_too_large"],
  ["1 MiB of multi-byte text", `<r>${"\u00e9".repeat(600 * 1024)}</r>`, "response_too_large"],
  ["garbage", "\u0000\u0001garbage{]", "invalid_response"],
  ["JSON", '{"error":"nope"}', "invalid_response"],
  ["an empty body", "", "invalid_response"],
  ["unclosed tags", `<s:Envelope xmlns:s="${NS.soap12}"><s:Body>`, "invalid_response"],
  ["an undeclared prefix", "<t:RequestSecurityTokenResponse/>", "invalid_response"],
  ["an undefined entity", "<r>&nope;</r>", "invalid_response"],
];

describe("federated username/password: hostile XML", () => {
  for (const [name, body, code] of HOSTILE) {
    it(`MEX with ${name}: ServerError ${code}, no RST`, async () => {
      const { http, app } = setup({ mex: () => xml(body) });
      const e = await rejection(app.acquireTokenByUsernamePassword(USER, PASSWORD, ["User.Read"]));
      assert.ok(e instanceof ServerError && e.code === code, String(e));
      assert.match(e.message, /metadata \(MEX\)/);
      assert.ok(!http.requests.some((r) => r.method === "POST"));
    });
    it(`WS-Trust response with ${name}: ServerError ${code}, no token POST`, async () => {
      const { http, app } = setup({ wsTrust: () => xml(body, 500) });
      const e = await rejection(app.acquireTokenByUsernamePassword(USER, PASSWORD, ["User.Read"]));
      assert.ok(e instanceof ServerError && e.code === code, String(e));
      assert.match(e.message, /WS-Trust response \(HTTP 500\)/);
      assert.equal(http.tokenRequests.length, 0);
    });
  }

  it("a deeply nested document is read without exhausting the stack", async () => {
    const deep = `<wsdl:definitions xmlns:wsdl="${NS.wsdl}">${"<a>".repeat(50_000)}${"</a>".repeat(50_000)}</wsdl:definitions>`;
    const { app } = setup({ mex: () => xml(deep) });
    const e = await rejection(app.acquireTokenByUsernamePassword(USER, PASSWORD, ["User.Read"]));
    assert.ok(e instanceof WsTrustError && /names no https WS-Trust endpoint/.test(e.message), String(e));
    const deepRstr = `<s:Envelope xmlns:s="${NS.soap12}"><s:Body>${"<a>".repeat(50_000)}${"</a>".repeat(50_000)}</s:Body></s:Envelope>`;
    const second = setup({ wsTrust: () => xml(deepRstr) });
    const e2 = await rejection(second.app.acquireTokenByUsernamePassword(USER, PASSWORD, ["User.Read"]));
    assert.ok(e2 instanceof WsTrustError && /no RequestSecurityTokenResponse/.test(e2.message), String(e2));
  });
});

describe("federated username/password: no secret in errors or logs", () => {
  it("neither the password, the user name, nor the assertion reaches a log line (PII off) or an error", async () => {
    const lines: string[] = [];
    const logger: Logger = { log: (level, message) => lines.push(`${level} ${message}`) };
    const ok = setup({ logger });
    expectToken(await ok.app.acquireTokenByUsernamePassword(USER, PASSWORD, ["User.Read"]));
    const assertion = Buffer.from(samlAssertion(), "utf8").toString("base64url");
    const errors: Error[] = [];
    for (const wsTrust of [
      () => xml(soapFault({ reason: `bad ${PASSWORD}` }), 500),
      () => xml(BILLION_LAUGHS),
      () => xml("garbage"),
    ]) {
      const failing = setup({ logger, wsTrust });
      errors.push(await rejection(failing.app.acquireTokenByUsernamePassword(USER, PASSWORD, ["User.Read"])));
    }
    const text = [...lines, ...errors.map((e) => `${e.message} ${JSON.stringify(e)} ${String(e.cause ?? "")}`)].join(
      "\n",
    );
    assert.ok(
      lines.some((l) => /WS-Trust endpoint from the federation server's metadata/.test(l)),
      "the flow logs its steps",
    );
    for (const secret of [PASSWORD, USER, assertion, "saml:Assertion", "sts.contoso.com"]) {
      assert.ok(!text.includes(secret), `${secret} leaked`);
    }
  });
});
