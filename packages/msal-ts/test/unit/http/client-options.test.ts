import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { InvalidArgumentError } from "../../../src/errors.ts";
import { proxySettings, timeoutMs, tlsSettings } from "../../../src/http/client-options.ts";
import { createDefaultHttpClient } from "../../../src/http/default-client.ts";
import { classifyFailure, describeFailure, failureCode } from "../../../src/http/network-failure.ts";

const dir = mkdtempSync(join(tmpdir(), "msal-ts-http-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("default client options: verify", () => {
  it("true or absent: Node's trust store; false: no verification", () => {
    assert.deepEqual(tlsSettings(undefined), {});
    assert.deepEqual(tlsSettings(true), {});
    assert.deepEqual(tlsSettings(false), { rejectUnauthorized: false });
  });
  it("PEM text is used as is; a path is read once", () => {
    const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    assert.deepEqual(tlsSettings(pem), { ca: pem });
    const path = join(dir, "ca.pem");
    writeFileSync(path, pem);
    assert.deepEqual(tlsSettings(path), { ca: pem });
  });
  it("a missing CA file throws InvalidArgumentError naming the option, at creation", () => {
    const missing = join(dir, "missing.pem");
    assert.throws(
      () => createDefaultHttpClient({ verify: missing }),
      (e: unknown) =>
        e instanceof InvalidArgumentError &&
        e.code === "invalid_argument" &&
        /^verify: /.test(e.message) &&
        /ENOENT/.test(e.message),
    );
  });
  it("a file without PEM throws and does not echo its content", () => {
    const path = join(dir, "secret.txt");
    writeFileSync(path, "TOP-SECRET-CONTENT");
    assert.throws(
      () => createDefaultHttpClient({ verify: path }),
      (e: unknown) =>
        e instanceof InvalidArgumentError && e.message.includes("verify") && !e.message.includes("TOP-SECRET"),
    );
  });
  it("other values are refused", () => {
    for (const bad of ["", 1, {}, null]) {
      assert.throws(() => tlsSettings(bad), InvalidArgumentError);
    }
  });
});

describe("default client options: proxies and timeout", () => {
  it("a string serves both schemes; an object each one", () => {
    assert.deepEqual(proxySettings("http://p:8080"), { http: "http://p:8080", https: "http://p:8080" });
    assert.deepEqual(proxySettings({ https: "http://p:1" }), { https: "http://p:1" });
    assert.deepEqual(proxySettings(undefined), {});
  });
  it("a bad proxy URL throws without echoing it (it may hold a password)", () => {
    for (const bad of ["not a url with:secret@", "ftp://user:secret@p:21", { http: 5 }, [], 7]) {
      assert.throws(
        () => createDefaultHttpClient({ proxies: bad as string }),
        (e: unknown) =>
          e instanceof InvalidArgumentError && e.message.includes("proxies") && !e.message.includes("secret"),
      );
    }
  });
  it("timeout: positive seconds, else InvalidArgumentError", () => {
    assert.equal(timeoutMs(undefined), undefined);
    assert.equal(timeoutMs(0.3), 300);
    assert.equal(timeoutMs(30), 30_000);
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, "5"]) {
      assert.throws(() => createDefaultHttpClient({ timeout: bad as number }), InvalidArgumentError);
    }
  });
  it("maxResponseBytes must be a positive integer", () => {
    assert.throws(() => createDefaultHttpClient({ maxResponseBytes: 0 }), InvalidArgumentError);
    assert.throws(() => createDefaultHttpClient({ maxResponseBytes: 1.5 }), InvalidArgumentError);
  });
  it("bad URLs are refused before any network use", async () => {
    const http = createDefaultHttpClient({});
    await assert.rejects(http.get("not a url"), InvalidArgumentError);
    await assert.rejects(http.post("ftp://host/x"), InvalidArgumentError);
    await http.close?.();
  });
});

describe("network failure classification", () => {
  const err = (code: string, message = "x") => Object.assign(new Error(message), { code });
  it("reads the code from the error, its cause or an AggregateError", () => {
    assert.equal(failureCode(err("ECONNRESET")), "ECONNRESET");
    assert.equal(failureCode(Object.assign(new Error("wrap"), { cause: err("ECONNREFUSED") })), "ECONNREFUSED");
    assert.equal(failureCode(new AggregateError([err("ECONNREFUSED"), err("EHOSTUNREACH")])), "ECONNREFUSED");
    assert.equal(failureCode(new Error("none")), undefined);
  });
  it("timeouts are not retried; connection errors are; others are final", () => {
    for (const code of ["UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "ETIMEDOUT"]) {
      assert.equal(classifyFailure(code), "timeout", code);
    }
    for (const code of ["ECONNRESET", "ECONNREFUSED", "UND_ERR_SOCKET", "EPIPE"]) {
      assert.equal(classifyFailure(code), "connection", code);
    }
    for (const code of ["SELF_SIGNED_CERT_IN_CHAIN", "ENOTFOUND", "UND_ERR_ABORTED", undefined]) {
      assert.equal(classifyFailure(code), "other", String(code));
    }
  });
  it("describes TLS and proxy failures with what to do", () => {
    assert.match(describeFailure("UNABLE_TO_VERIFY_LEAF_SIGNATURE", err("UNABLE_TO_VERIFY_LEAF_SIGNATURE")), /verify/);
    assert.match(
      describeFailure("UND_ERR_ABORTED", err("UND_ERR_ABORTED", "Proxy response (407) !== 200 when HTTP Tunneling")),
      /proxy answered 407/,
    );
  });
});
