import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { appendQuery, encodeForm, quotePlus } from "../../../src/http/form-encoding.ts";

// Expected values from CPython's urllib.parse.urlencode / quote_plus.

describe("form encoding like Python's urlencode", () => {
  it("spaces as +, UTF-8 percent-encoding, ~ kept and * escaped", () => {
    assert.equal(
      encodeForm({ a: "x y", b: "ü&=~*", "c d": "+/?#%'!()" }),
      "a=x+y&b=%C3%BC%26%3D~%2A&c+d=%2B%2F%3F%23%25%27%21%28%29",
    );
  });
  it("keeps insertion order and unreserved characters", () => {
    assert.equal(encodeForm({ z: "A-Z_a.z~0", a: "" }), "z=A-Z_a.z~0&a=");
    assert.equal(encodeForm({}), "");
  });
  it("quotePlus of astral characters and newlines", () => {
    assert.equal(quotePlus("\u{1F600}\n"), "%F0%9F%98%80%0A");
  });
});

describe("appendQuery", () => {
  it("adds a query", () => {
    assert.equal(appendQuery("https://h/p", { a: "1", b: "x y" }), "https://h/p?a=1&b=x+y");
  });
  it("keeps an existing query", () => {
    assert.equal(appendQuery("https://h/p?x=1", { y: "2" }), "https://h/p?x=1&y=2");
    assert.equal(appendQuery("https://h/p?", { y: "2" }), "https://h/p?y=2");
    assert.equal(appendQuery("https://h/p?x=1&", { y: "2" }), "https://h/p?x=1&y=2");
  });
  it("leaves the URL alone without params, and drops a fragment", () => {
    assert.equal(appendQuery("https://h/p?x=1"), "https://h/p?x=1");
    assert.equal(appendQuery("https://h/p?x=1", {}), "https://h/p?x=1");
    assert.equal(appendQuery("https://h/p#frag", { a: "b" }), "https://h/p?a=b");
  });
});
