#!/usr/bin/env node
// Bundles msal-ts for npm (run from packages/msal-ts by `npm run bundle`):
//   dist/msal-ts.js  the library, one ES module (+ source map); undici, node-forge, open and @xmldom/xmldom stay
//                    dependencies
//   dist/cli.js      the `msal-ts` command; it imports the library from ./msal-ts.js instead of carrying a
//                    second copy, so `instanceof MsalError` and friends mean the same class in both files
import { build } from "esbuild";
import { resolve } from "node:path";

const external = ["undici", "node-forge", "open", "@xmldom/xmldom"];
const common = { bundle: true, platform: "node", format: "esm", target: "node20", external, logLevel: "warning" };
const libraryEntry = resolve("src/index.ts");

/** Rewrites the CLI's imports of the library's entry module to the library bundle next to it. */
const libraryAsSibling = {
  name: "library-as-sibling",
  setup(b) {
    b.onResolve({ filter: /(^|\/)index\.js$/ }, (args) => {
      if (args.kind !== "import-statement" || !args.importer) return undefined;
      const target = resolve(args.resolveDir, args.path.replace(/\.js$/, ".ts"));
      return target === libraryEntry ? { path: "./msal-ts.js", external: true } : undefined;
    });
  },
};

await build({ ...common, entryPoints: [libraryEntry], outfile: "dist/msal-ts.js", sourcemap: true });
const cli = await build({
  ...common,
  entryPoints: ["src/cli/main.ts"],
  outfile: "dist/cli.js",
  plugins: [libraryAsSibling],
  metafile: true,
});
// The command must reach the library only through its entry module: a CLI file importing another library
// module directly would put a second copy of that module (and of its classes) into dist/cli.js. The small
// stateless helpers of src/util/ are the exception the lint layer map also allows (cli may import util/).
const copied = Object.keys(cli.metafile.inputs).filter(
  (path) => !path.startsWith("src/cli/") && !path.startsWith("src/util/"),
);
if (copied.length > 0) {
  console.error(
    `dist/cli.js would carry its own copy of ${copied.join(", ")}; import them from "../index.js" instead.`,
  );
  process.exit(1);
}
