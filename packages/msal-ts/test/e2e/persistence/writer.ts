/**
 * Child process of the persistence stress tests: adds distinct access tokens to one PersistentTokenCache
 * file, reporting "wrote <n>" on stdout after each add has returned (so the token is in the file).
 * Usage: node --import tsx writer.ts <path> <writerId> <count | "forever"> <staleLockMs> <lockTimeoutMs>
 */
import { writeSync } from "node:fs";
import { PersistentTokenCache } from "../../../src/persistence/persistent-token-cache.ts";

const [path, id, count, staleLockMs, lockTimeoutMs] = process.argv.slice(2);
if (
  path === undefined ||
  id === undefined ||
  count === undefined ||
  staleLockMs === undefined ||
  lockTimeoutMs === undefined
) {
  throw new Error("usage: writer <path> <writerId> <count|forever> <staleLockMs> <lockTimeoutMs>");
}
const cache = new PersistentTokenCache({
  protection: "plaintext",
  path,
  staleLockMs: Number(staleLockMs),
  lockTimeoutMs: Number(lockTimeoutMs),
});
const total = count === "forever" ? Number.POSITIVE_INFINITY : Number(count);
for (let i = 0; i < total; i++) {
  cache.add({
    client_id: "stress-app",
    scope: [`api://writer${id}/scope${i}`],
    token_endpoint: `https://login.microsoftonline.com/t${id}-${i}/oauth2/v2.0/token`,
    response: { access_token: `at-${id}-${i}`, expires_in: 3600 },
  });
  // Synchronous, so the parent sees the line as soon as the add has returned.
  writeSync(1, `wrote ${i + 1}\n`);
}
