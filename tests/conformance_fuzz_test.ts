/**
 * Differential fuzzing against C (`conformance/fuzz.ts`), on a fixed budget:
 * seeded random scripts run by C on Winsock (the mingw harness under Wine, or
 * on Windows), by C on Linux, and through the façade on each backend here;
 * every difference must be explained by a named rule (`conformance/rules.ts`).
 * The seed is `FUZZ_SEED` when set, else a fixed one, so that a run's verdict
 * is the code's and not the calendar's (printed: a failure replays with
 * `deno task fuzz --seed S --from I --count 1`). Other seeds: `deno task fuzz`.
 */

import assert from "node:assert/strict";
import { describe, fuzz, harnesses } from "./conformance/fuzz.ts";
import { testBackends, UNDER_WINE } from "./_support.ts";

/** The seed CI runs: every backend's scripts of it answer as C (Linux, and Wine). */
const CI_SEED = 20794;
const SEED = Number(Deno.env.get("FUZZ_SEED") ?? CI_SEED);
/** Scripts per backend: 240 on Linux (under a minute a backend); 120 under Wine, slower a call. */
const COUNT = Number(Deno.env.get("FUZZ_COUNT") ?? (UNDER_WINE ? 120 : 240));

const found = await harnesses();
// In CI the Wine harness is always built (.ci/run runs tools/wine/setup.sh first).
const noHarness = found === null && Deno.env.get("CI") !== "true";

for (const backend of testBackends()) {
  Deno.test({
    name: `conformance fuzz [${backend}]: ${COUNT} random scripts (seed ${SEED}) answer as C`,
    ignore: noHarness,
    async fn() {
      assert.ok(found, "no C harness on Winsock: run bash tools/wine/setup.sh");
      // C on Linux against C on Winsock is checked once, with the first backend.
      const c = {
        ...found,
        parallel: 4,
        linux: backend === testBackends()[0] ? found.linux : undefined,
      };
      console.log(`fuzz seed ${SEED} (FUZZ_SEED=${SEED} replays it)`);
      const result = await fuzz(c, { seed: SEED, count: COUNT, backends: [backend], batch: COUNT });
      assert.equal(result.clean[backend], COUNT, result.failures.map(describe).join("\n\n"));
    },
  });
}
