import js from "@eslint/js";
import tseslint from "typescript-eslint";

/*
 * The library's import direction. A module may import its own folder and any layer below its own; an import
 * of a layer above, or of a sibling in its own layer, is a lint error (no-restricted-imports below).
 *
 *   src/index.ts                     the package root: may import anything
 *   cli/  azure/                     on top: cli imports the package root (../index.js) and util/
 *                                    only (it uses the library as users do); azure imports application and below
 *   application/                     the public client classes
 *   flows/                           one module per grant, silent and broker plumbing
 *   managed-identity/  persistence/  loopback/    (siblings: none imports another)
 *   cache/                           the unified token cache and its access-token read
 *   oauth2/  authority/  wstrust/    protocol pieces (pure) and authority discovery
 *   http/  crypto/                   transport, keys, PoP scheme
 *   util/  runtime/                  helpers, single-flight, clock, logger
 *   errors.ts
 *   types.ts  version.ts             leaves: import nothing from src
 *
 * Tests, bench and examples may import any module.
 */
const LIBRARY = "packages/msal-ts/src";
const LAYERS = [
  ["types.ts", "version.ts"],
  ["errors.ts"],
  ["util", "runtime"],
  ["http", "crypto"],
  ["oauth2", "authority", "wstrust"],
  ["cache"],
  ["managed-identity", "persistence", "loopback"],
  ["flows"],
  ["application"],
  ["azure", "cli"],
];
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const isFile = (name) => name.endsWith(".ts");
/** A regex for a specifier that reaches `target` from a file in a folder (`../`) or at the root (`./`). */
const reach = (prefix, target) =>
  isFile(target) ? `${prefix}${escape(target.replace(/\.ts$/, ""))}\\.(js|ts)$` : `${prefix}${escape(target)}(/|$)`;

function layerRules(layer, index) {
  const above = LAYERS.slice(index).flat().concat("index.ts");
  return layer.map((name) => {
    const prefix = isFile(name) ? "^\\./" : "^(\\.\\./)+";
    const forbidden = above.filter((t) => t !== name && !(name === "cli" && t === "index.ts"));
    const patterns = forbidden.map((t) => ({
      regex: reach(prefix, t),
      message: `Upward import: ${name} may not import ${t} (see the layer map in eslint.config.js).`,
    }));
    if (name === "cli")
      patterns.push({
        regex: "^(\\.\\./)+(?!index\\.js$|util/)",
        message: "cli/ imports the package root (../index.js) and util/ only.",
      });
    return {
      files: [isFile(name) ? `${LIBRARY}/${name}` : `${LIBRARY}/${name}/**/*.ts`],
      rules: { "no-restricted-imports": ["error", { patterns }] },
    };
  });
}
const importLayers = LAYERS.flatMap(layerRules);

export default tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**", "bench/.work/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        Buffer: "readonly",
        URL: "readonly",
        fetch: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        AbortController: "readonly",
        AbortSignal: "readonly",
        URLSearchParams: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": "off",
    },
  },
  ...importLayers,
);
