import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { EmulatorClock } from "../src/clock.js";

/** Lets pending promise callbacks run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("EmulatorClock", () => {
  test("advance moves now() and nowMs() forward and refuses non-finite amounts", () => {
    const clock = new EmulatorClock();
    const before = clock.nowMs();
    clock.advance(3600);
    assert.ok(clock.nowMs() - before >= 3_600_000);
    assert.throws(() => clock.advance(Number.NaN), RangeError);
  });

  test("sleep ends as soon as advance moves the clock past its end, not before", async () => {
    const clock = new EmulatorClock();
    let done = false;
    const slept = clock.sleep(600_000).then(() => {
      done = true;
    });
    clock.advance(590);
    await settle();
    assert.equal(done, false, "ten seconds are still to go");
    clock.advance(10);
    await slept;
    assert.equal(done, true);
  });

  test("sleep runs out on a real timer when nobody moves the clock", async () => {
    const clock = new EmulatorClock();
    await clock.sleep(1);
  });
});
