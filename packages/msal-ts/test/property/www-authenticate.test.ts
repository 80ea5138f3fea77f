/**
 * Property tests of Azure Arc's `WWW-Authenticate: Basic realm=<key file>` challenge (`challengeKeyPath`):
 * whatever the header says, the result is a `.key` file directly inside the agent's token folder, or a
 * ManagedIdentityError. Nothing outside the folder is ever returned: no `..`, no sub-folder, no other
 * drive, no other separator, on Linux and on Windows path rules alike.
 */
import assert from "node:assert/strict";
import { posix, win32 } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ManagedIdentityError } from "../../src/errors.ts";
import { challengeKeyPath } from "../../src/managed-identity/azure-arc.ts";
import { PARAMS, settleSync } from "./support.ts";

interface Platform {
  name: "linux" | "win32";
  folder: string;
}

const PLATFORMS: readonly Platform[] = [
  { name: "linux", folder: "/var/opt/azcmagent/tokens" },
  { name: "linux", folder: "/tmp/a b/tokens" },
  { name: "win32", folder: "C:\\ProgramData\\AzureConnectedMachineAgent\\Tokens" },
];

/** The platform's path rules, and the characters that separate path components there. */
function rules(p: Platform): { path: typeof posix; separators: RegExp } {
  return p.name === "win32" ? { path: win32, separators: /[\\/]/ } : { path: posix, separators: /\// };
}

const scheme = fc.oneof(
  { weight: 8, arbitrary: fc.constant("Basic realm=") },
  { weight: 2, arbitrary: fc.constantFrom("basic REALM=", "  Basic   realm = ", "BASIC realm=\t", "Basic\trealm=") },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "Bearer realm=",
      "Digest realm=",
      "Basic ",
      "Basic realm",
      "realm=",
      "Basicrealm=",
      "",
      "Basic realm=Basic realm=",
      "Negotiate, Basic realm=",
    ),
  },
);

const fileName = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom("x.key", "0123456789abcdef.key", "X.KEY", "a=b.key", "a b.key", "é.key", "-.key"),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      ".key",
      "..key",
      "key",
      "a.key.txt",
      "a.txt",
      "a.key.",
      "a.key ",
      " a.key",
      "a/b.key",
      "a\\b.key",
      "../x.key",
      "..\\x.key",
      "./x.key",
      ".\\x.key",
      "%2e%2e/x.key",
      "x.key\u0000",
      "x\u0000.key",
      "x:y.key",
      "x.key:y",
      "x.key::$DATA",
      "CON.key",
      "nul.key",
      "...",
      "..",
      ".",
      "",
    ),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.string({ maxLength: 8 }), fc.constantFrom(".key", ".KEY", ".Key", ".kEy", ""))
      .map(([a, b]) => a + b),
  },
);

/** How the file is joined to the folder: the platform's separator, the other one, doubled, via `.` or `..`. */
const joiner = fc.oneof(
  { weight: 6, arbitrary: fc.constant("sep") },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "/",
      "\\",
      "//",
      "\\\\",
      "/./",
      "\\.\\",
      "/../tokens/",
      "\\..\\Tokens\\",
      "/sub/",
      "/../",
      "\\..\\",
      "/..",
      "",
    ),
  },
);

/** Where the path starts: the folder, another absolute place, a relative path, another drive, a UNC share. */
const base = fc.oneof(
  { weight: 8, arbitrary: fc.constant("folder") },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "",
      ".",
      "tokens",
      "/",
      "/etc",
      "/var/opt/azcmagent",
      "C:",
      "C:\\",
      "D:\\ProgramData\\AzureConnectedMachineAgent\\Tokens",
      "\\\\server\\share",
      "\\\\?\\C:\\ProgramData\\AzureConnectedMachineAgent\\Tokens",
      "c:\\programdata\\azureconnectedmachineagent\\tokens",
    ),
  },
);

const quoting = fc.constantFrom("", "", "", '"', "'", 'open"');

interface HeaderParts {
  scheme: string;
  base: string;
  joiner: string;
  fileName: string;
  quoting: string;
  tail: string;
}

const nearValidHeader: fc.Arbitrary<HeaderParts> = fc.record({
  scheme,
  base,
  joiner,
  fileName,
  quoting,
  tail: fc.constantFrom("", "", " ", "\t", ", charset=UTF-8", "\n", "\r\n"),
});

function header(p: Platform, h: HeaderParts): string {
  const start = h.base === "folder" ? p.folder : h.base;
  const join = h.joiner === "sep" ? rules(p).path.sep : h.joiner;
  const named = `${start}${join}${h.fileName}`;
  const quoted = h.quoting === 'open"' ? `"${named}` : `${h.quoting}${named}${h.quoting}`;
  return `${h.scheme}${quoted}${h.tail}`;
}

/** The folder rule, stated without the implementation's resolve/dirname comparison. */
function checkInside(p: Platform, file: string): void {
  const { path, separators } = rules(p);
  const folder = path.resolve(p.folder);
  assert.ok(path.isAbsolute(file), `${file} is absolute`);
  assert.ok(file.startsWith(folder + path.sep), `${file} is inside ${folder}`);
  const name = file.slice(folder.length + 1);
  assert.ok(!separators.test(name), `${file} is directly inside the folder (no sub-folder, no parent reference)`);
  assert.ok(name !== "." && name !== "..", `${file} names a file`);
  assert.ok(name.length > 4 && name.toLowerCase().endsWith(".key"), `${file} is a .key file`);
}

describe("property: WWW-Authenticate challenges of Azure Arc (challengeKeyPath)", () => {
  it("returns a .key file directly inside the token folder, or throws ManagedIdentityError", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PLATFORMS),
        fc.oneof(
          { weight: 6, arbitrary: nearValidHeader.map((h) => ({ near: h as HeaderParts | undefined, raw: "" })) },
          { weight: 1, arbitrary: fc.string({ maxLength: 60 }).map((raw) => ({ near: undefined, raw })) },
          {
            weight: 1,
            arbitrary: fc
              .string({ unit: "binary", maxLength: 40 })
              .map((raw) => ({ near: undefined, raw: `Basic realm=${raw}` })),
          },
        ),
        (p, input) => {
          const value = input.near === undefined ? input.raw : header(p, input.near);
          const out = settleSync(() => challengeKeyPath(value, p.folder, p.name), ManagedIdentityError);
          if (out.ok) checkInside(p, out.value);
        },
      ),
      PARAMS,
    );
  });

  it("a well-formed challenge for a .key file in the folder is accepted and names exactly that file", () => {
    const plainName = fc.stringMatching(/^[A-Za-z0-9_=-]{1,16}$/).map((n) => `${n}.key`);
    fc.assert(
      fc.property(
        fc.constantFrom(...PLATFORMS),
        plainName,
        fc.constantFrom("", '"'),
        fc.constantFrom("Basic realm=", "basic REALM=", " Basic  realm = "),
        (p, name, quote, prefix) => {
          const file = rules(p).path.join(p.folder, name);
          assert.equal(challengeKeyPath(`${prefix}${quote}${file}${quote}`, p.folder, p.name), file);
        },
      ),
      PARAMS,
    );
  });

  it("a missing header is a ManagedIdentityError", () => {
    for (const p of PLATFORMS) assert.throws(() => challengeKeyPath(undefined, p.folder, p.name), ManagedIdentityError);
  });
});
