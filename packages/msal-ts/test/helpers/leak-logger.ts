/**
 * For the leak scan (test/leak): when MSAL_TS_LEAK_LOG names a file, every application the end-to-end tests
 * build logs every line at every level into it (PII logging off). Otherwise no logger is added.
 */
import { appendFileSync } from "node:fs";
import type { Logger } from "../../src/index.ts";

export function leakLogger(): { logger: Logger } | Record<string, never> {
  const file = process.env.MSAL_TS_LEAK_LOG;
  if (!file) return {};
  return {
    logger: {
      log: (level, message, containsPii) => appendFileSync(file, `${level}${containsPii ? " [pii]" : ""} ${message}\n`),
    },
  };
}
