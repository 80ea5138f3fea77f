#!/usr/bin/env node
// The `entra-emulator` command. This file is committed (not built) so that npm can link the command before
// the first build; the command itself is dist/cli.js.
import { existsSync } from "node:fs";

const cli = new URL("../dist/cli.js", import.meta.url);
if (!existsSync(cli)) {
  console.error("entra-emulator: the command is not built yet; run `npm run build` in the repository first.");
  process.exit(1);
}
await import(cli.href);
