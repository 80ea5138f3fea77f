/**
 * The NO_PROXY matcher against curl's documented behaviour (CURLOPT_NOPROXY, `--noproxy`, "everything curl":
 * proxy environment variables) and the cases of curl's own unit test of it, then the documented extensions.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bypassesProxy, parseNoProxy } from "../../../src/http/no-proxy.ts";

/** [target URL, NO_PROXY value, bypassed?] */
type Case = readonly [string, string, boolean];

function check(cases: readonly Case[]): void {
  for (const [url, list, expected] of cases) {
    assert.equal(
      bypassesProxy(parseNoProxy(list), new URL(url)),
      expected,
      `${url} with NO_PROXY=${JSON.stringify(list)}`,
    );
  }
}

describe("NO_PROXY: curl's documented rules", () => {
  it("host names: the name itself and names below it on a dot boundary, with or without a leading dot", () => {
    check([
      ["https://ample.com/", "ample.com", true],
      ["https://ample.com:80/", "ample.com", true],
      ["https://www.ample.com/", "ample.com", true],
      ["https://www.example.com/", "ample.com", false],
      ["https://ample.com.org/", "ample.com", false],
      ["https://www.example.com/", ".example.com", true],
      ["https://home.example.com/", ".example.com", true],
      ["https://example.com/", ".example.com", true],
      ["https://nonexample.com/", ".example.com", false],
      ["https://www.example.com/", "localhost,.example.com,.example.de", true],
      ["https://www.example.com./", "localhost,.example.com,.example.de", true],
      ["https://example.com./", "localhost,example.com,.example.de", true],
      ["https://www.example.com/", "localhost,.example.com.,.example.de", true],
      ["https://www.example.com/", "localhost,www.example.com.,.example.de", true],
      ["https://www.example.com/", "www2.example.com, .example.net", false],
      ["https://a.b.login.example/", "login.example", true],
    ]);
  });
  it("case-insensitive; commas with blanks and empty entries around them", () => {
    check([
      ["https://bar/", "foo, bar, ::1/64", true],
      ["https://BAr/", "foo, bar, ::1/64", true],
      ["https://bar/", "foo,,,,,              bar, ::1/64", true],
      ["https://LOGIN.Example.COM/", "login.example.com", true],
      ["https://login.example.com/", "LOGIN.EXAMPLE.COM", true],
      ["https://foobar/", "barfoo", false],
      ["https://foobar/", "foobar", true],
      ["https://foobar/", "", false],
      ["https://foobar/", " , ,", false],
    ]);
  });
  it("* alone bypasses every host", () => {
    check([
      ["https://login.microsoftonline.com/", "*", true],
      ["http://169.254.169.254/metadata", "*", true],
      ["https://[::1]:8443/", "*", true],
    ]);
  });
  it("IP literal hosts match IP entries only, exactly or by CIDR prefix (curl 7.86+)", () => {
    check([
      ["https://127.0.0.1/", "127.0.0.1,localhost", true],
      ["https://127.0.0.1/", "localhost,127.0.0.1", true],
      ["https://127.0.0.1/", "127.0.0.1,localhost,", true],
      ["https://127.0.0.1/", "localhost", false],
      ["https://localhost/", "127.0.0.1", false],
      ["https://localhost/", "127.0.0.1,localhost", true],
      ["https://127.0.0.1/", "127.0.0.1/8,localhost,", true],
      ["https://127.0.0.1/", "127.0.0.1/28", true],
      ["https://127.0.0.1/", "127.0.0.1/31", true],
      ["https://192.168.0.1/", "foobar", false],
      ["https://192.168.0.1/", "192.168.0.0/16", true],
      ["https://192.168.0.1/", "192.168.0.0/24", true],
      ["https://192.168.0.1/", "192.168.0.0/32", false],
      ["https://192.168.0.1/", "192.168.0.0", false],
      ["https://192.168.1.1/", "192.168.0.0/24", false],
      ["https://192.168.1.1/", "foo, bar, 192.168.0.0/24", false],
      ["https://192.168.1.1/", "foo, bar, 192.168.0.0/16", true],
      ["https://10.10.20.1/", ".domain1,127.0.0.1,10.0.0.0/8,172.16.0.0/12", true],
      ["https://172.32.0.1/", "172.16.0.0/12", false],
      ["http://169.254.169.254/metadata/identity/oauth2/token", "169.254.169.254", true],
      ["https://192.168.0.1/", "192.168.0.0/33", false],
      ["https://192.168.0.1/", "192.168.0.0/x", false],
    ]);
  });
  it("IPv6: entries without brackets, exact or by prefix", () => {
    check([
      ["https://[::1]/", "foo, bar, 192.168.0.0/16", false],
      ["https://[::1]/", "foo, bar, ::1/64", true],
      ["https://[::1]/", "example.com,::1,localhost", true],
      ["https://[::1]/", "0:0::1", true],
      ["https://[fe80::ab47:4396:55c9:8474]/", "fe80::ab47:4396:55c9:8474/64", true],
      ["https://[fe80::1]/", "fe80::/10", true],
      ["https://[fd00::1]/", "fe80::/10", false],
      ["https://[::ffff:10.1.2.3]/", "::ffff:10.0.0.0/104", true],
      ["https://[::1]/", "::1/129", false],
      ["https://127.0.0.1/", "::1", false],
    ]);
  });
});

describe("NO_PROXY: read more widely than curl (every host curl bypasses stays bypassed)", () => {
  it("spaces and tabs separate entries too", () => {
    check([
      ["https://b.example/", "a.example b.example", true],
      ["https://c.example/", "a.example\tb.example  c.example", true],
    ]);
  });
  it("a * entry in a list, and *.domain as .domain", () => {
    check([
      ["https://anything.example/", "localhost,*", true],
      ["https://www.corp.example/", "*.corp.example", true],
      ["https://corp.example/", "*.corp.example", true],
      ["https://notcorp.example/", "*.corp.example", false],
    ]);
  });
  it("host:port entries match that port only (the default port of the scheme counts)", () => {
    check([
      ["https://login.example:8443/", "login.example:8443", true],
      ["https://login.example/", "login.example:8443", false],
      ["https://login.example/", "login.example:443", true],
      ["http://login.example/", "login.example:80", true],
      ["https://127.0.0.1:5000/", "127.0.0.1:5000", true],
      ["https://127.0.0.1:5001/", "127.0.0.1:5000", false],
      ["https://[::1]:5000/", "[::1]:5000", true],
      ["https://[::1]:5001/", "[::1]:5000", false],
      ["https://[::1]:5001/", "[::1]", true],
    ]);
  });
  it("a /0 prefix covers its whole family", () => {
    check([
      ["https://8.8.8.8/", "0.0.0.0/0", true],
      ["https://[2001:db8::1]/", "0.0.0.0/0", false],
      ["https://[2001:db8::1]/", "::/0", true],
    ]);
  });
  it("international names compare in punycode, as URL host names are", () => {
    check([["https://www.bücher.example/", "bücher.example", true]]);
  });
  it("entries that cannot match are dropped, never a crash", () => {
    for (const hostile of ["[", "[::1", "[::1]x", "a:b:c", "host:99999", "host:0", "/", "1.2.3.4/", "\u0000", "%%%"]) {
      assert.deepEqual(parseNoProxy(hostile).all, false, hostile);
      assert.equal(bypassesProxy(parseNoProxy(hostile), new URL("https://login.example/")), false, hostile);
    }
  });
});
