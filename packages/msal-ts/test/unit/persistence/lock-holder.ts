/**
 * Child process for the lock tests: takes the lock, says "locked", holds it for `holdMs`, writes
 * `markerPath` (so the parent can tell it released only afterwards), releases and exits.
 * Usage: node --import tsx lock-holder.ts <lockPath> <holdMs> <markerPath>
 */
import { writeFileSync } from "node:fs";
import { FileLock } from "../../../src/persistence/file-lock.ts";

const [lockPath, holdMs, markerPath] = process.argv.slice(2);
if (lockPath === undefined || holdMs === undefined || markerPath === undefined)
  throw new Error("usage: lock-holder <lockPath> <holdMs> <markerPath>");
const lock = new FileLock(lockPath);
lock.acquire();
process.stdout.write("locked\n", () => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(holdMs));
  writeFileSync(markerPath, "released");
  lock.release();
});
