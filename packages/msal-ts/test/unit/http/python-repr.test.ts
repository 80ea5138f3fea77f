import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pythonRepr, pythonStr, pythonStringRepr, reprHash } from "../../../src/http/python-repr.ts";

// Expected values were produced by CPython 3 (`repr(x)`, `sha256(repr(x).encode()).hexdigest()`).

describe("reprHash: §8.5 hash vectors", () => {
  it("§8.5 H('rt') = 3de648ff...ae88", () => {
    assert.equal(reprHash("rt"), "3de648ff626dcaa61b5a9956042ff609d4a7c6e451d1880b4ddfc37b88d9ae88");
  });
  it("§8.5 H(None) = dc937b59...9e91 (null and undefined)", () => {
    assert.equal(reprHash(null), "dc937b59892604f5a86ac96936cd7ff09e25f18ae6b758e8014a24c7fa039e91");
    assert.equal(reprHash(undefined), "dc937b59892604f5a86ac96936cd7ff09e25f18ae6b758e8014a24c7fa039e91");
  });
  it("§8.5 H('') = 6f49cdbd...dede", () => {
    assert.equal(reprHash(""), "6f49cdbd80e1b95d5e6427e1501fc217790daee87055fa5b4e71064288bddede");
  });
  it("§8.5 H('RT1') = 36d74db1...bdc0", () => {
    assert.equal(reprHash("RT1"), "36d74db1568ec0e679df3594d8dc291a60dc54eb5cb866f41b1e89dc9a57bdc0");
  });
  it("§8.5 400-rule input None{'claims': 'foo'}: repr and H = e31c4277...d334", () => {
    const input = pythonStr(undefined) + pythonStr({ claims: "foo" });
    assert.equal(input, "None{'claims': 'foo'}");
    assert.equal(pythonRepr(input), `"None{'claims': 'foo'}"`);
    assert.equal(reprHash(input), "e31c4277014f3c1253d238d17a1229d909729ca9313680f1215c6bde159ad334");
  });
  it("§8.5 MI key input {'api-version': '2018-02-01', 'resource': 'R'}None: H = 09db15b2...97ff", () => {
    const input = pythonStr({ "api-version": "2018-02-01", resource: "R" }) + pythonStr(undefined);
    assert.equal(input, "{'api-version': '2018-02-01', 'resource': 'R'}None");
    assert.equal(reprHash(input), "09db15b2774ee3f4e1ef9ef76031973012db58400bed438d08b0fad2f3a097ff");
  });
  it("hashes a dict by its repr (GET params)", () => {
    assert.equal(reprHash({ claims: "foo" }), "cbd0e4d0672a08d81dfffdc67ab5c31da2d7dffb0321473911286c9998b63427");
  });
});

describe("pythonStringRepr: CPython quoting and escaping", () => {
  const cases: [string, string, string][] = [
    ["single quote only: double quotes", "it's", `"it's"`],
    ["double quote only: single quotes", 'say "hi"', `'say "hi"'`],
    ["both quotes: single quotes, escaped single", `it's "both"`, `'it\\'s "both"'`],
    ["lone single quote", "'", `"'"`],
    ["lone double quote", '"', `'"'`],
    ["empty", "", "''"],
    ["backslash doubled", "back\\slash", "'back\\\\slash'"],
    ["newline, tab, carriage return", "a\nb\tc\rd", "'a\\nb\\tc\\rd'"],
    ["other control characters as \\xNN, DEL included", "\x00\x01\x1f\x7f", "'\\x00\\x01\\x1f\\x7f'"],
    [
      "printable non-ASCII kept (latin, CJK, emoji)",
      "caf\u00e9 \u4e2d\u6587 \u{1F600}",
      "'caf\u00e9 \u4e2d\u6587 \u{1F600}'",
    ],
    ["no-break space escaped as \\xa0", "nb\u00a0sp", "'nb\\xa0sp'"],
    ["soft hyphen (Cf) escaped", "\u00ad", "'\\xad'"],
    ["C1 control escaped", "\u0085", "'\\x85'"],
    ["zero-width space (Cf) as \\u200b", "zw\u200bsp", "'zw\\u200bsp'"],
    ["line and paragraph separators", "ls\u2028ps\u2029", "'ls\\u2028ps\\u2029'"],
    ["ideographic space (Zs)", "\u3000", "'\\u3000'"],
    ["BOM (Cf)", "\ufeff", "'\\ufeff'"],
    ["astral format character as \\U00XXXXXX", "\u{E0001}", "'\\U000e0001'"],
    ["lone surrogate", "\ud800", "'\\ud800'"],
  ];
  for (const [name, input, expected] of cases) {
    it(name, () => assert.equal(pythonStringRepr(input), expected));
  }
  it("hashes non-ASCII as UTF-8 of the repr", () => {
    assert.equal(reprHash("caf\u00e9 \u4e2d\u6587 \u{1F600}").slice(0, 16), "8a0ce05f3a99722d");
    assert.equal(reprHash("\ud800").slice(0, 16), "ba9444923ee55e5c");
    assert.equal(reprHash(`it's "both"`).slice(0, 16), "e7006f1877abfd8d");
  });
});

describe("pythonRepr and pythonStr of other values", () => {
  it("dict with ints, bools, None, lists and nested dicts in insertion order", () => {
    assert.equal(
      pythonRepr({ a: 1, b: true, c: null, d: [1, "x"], e: { f: "g" } }),
      "{'a': 1, 'b': True, 'c': None, 'd': [1, 'x'], 'e': {'f': 'g'}}",
    );
    assert.equal(pythonRepr({}), "{}");
    assert.equal(pythonRepr(false), "False");
  });
  it("dict keys are quoted like strings", () => {
    assert.equal(pythonRepr({ "it's": "v" }), `{"it's": 'v'}`);
  });
  it("integers print as Python ints, others as Python floats", () => {
    assert.equal(pythonRepr(1), "1");
    assert.equal(pythonRepr(-42), "-42");
    assert.equal(pythonRepr(2 ** 53 - 1), "9007199254740991");
    assert.equal(pythonRepr(1e21), "1e+21");
    assert.equal(pythonRepr(1.5), "1.5");
    assert.equal(pythonRepr(0.1), "0.1");
    assert.equal(pythonRepr(1e-5), "1e-05");
    assert.equal(pythonRepr(0.0001), "0.0001");
    assert.equal(pythonRepr(123.456), "123.456");
    assert.equal(pythonRepr(-2.5e-7), "-2.5e-07");
    assert.equal(pythonRepr(1.7976931348623157e308), "1.7976931348623157e+308");
    assert.equal(pythonRepr(Number.NaN), "nan");
  });
  it("str() of a string is the string itself; of anything else its repr", () => {
    assert.equal(pythonStr("a'b"), "a'b");
    assert.equal(pythonStr(null), "None");
    assert.equal(pythonStr({ claims: "foo" }), "{'claims': 'foo'}");
  });
});
