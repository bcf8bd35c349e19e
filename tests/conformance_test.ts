/**
 * Conformance with C: every scenario of `conformance/scenarios.ts` is run by
 * C (`conformance/harness.c`: built here with gcc against libc on Linux; the
 * mingw build against ws2_32.dll, from tools/wine/build-peers.sh, under Wine)
 * and through the façade on each backend; their lines must be the same, but
 * for the differences the table documents, each by the name of the rule
 * (`conformance/rules.ts`) that explains it: the rule must explain it, and a
 * documented difference that is no longer one fails too.
 */

import assert from "node:assert/strict";
import { type BackendName, describeWinsockError } from "../mod.ts";
import { type Scenario, SCENARIOS, type Target } from "./conformance/scenarios.ts";
import { runScenario } from "./conformance/run.ts";
import { explainedBy, isCall } from "./conformance/rules.ts";
import { nativeHarness, runHarness, windowsHarness } from "./conformance/c.ts";
import { deadline, testBackends, UNDER_WINE } from "./_support.ts";

const PLATFORM = Deno.build.os !== "windows" ? "linux" : UNDER_WINE ? "wine" : "windows";

/** The harness: gcc's build on Linux; on Windows the mingw build of tools/wine/build-peers.sh. */
const HARNESS = Deno.build.os === "windows" ? await windowsHarness() : await nativeHarness();
// In CI the Wine peers are always built (.ci/run runs tools/wine/setup.sh first).
const noHarness = HARNESS === null && Deno.env.get("CI") !== "true";

let cOutput: Promise<Map<string, string[]>> | undefined;

/** What C printed, per scenario: the harness runs every scenario once, for all tests. */
function cLines(): Promise<Map<string, string[]>> {
  return cOutput ??= (async () => {
    if (!HARNESS) throw new Error("no conformance harness: run bash tools/wine/build-peers.sh");
    return await deadline(runHarness(HARNESS, SCENARIOS), 180_000, "the C harness to finish");
  })();
}

/** Index of the call `step` names (`#n`: its n-th occurrence) among the scenario's calls. */
function callIndex(scenario: Scenario, step: string): number {
  const [line, nth] = step.split(" #");
  let seen = 0;
  const i = scenario.steps.filter(isCall).findIndex((s) =>
    s === line && ++seen === Number(nth ?? 1)
  );
  assert.ok(i >= 0, `documented step "${step}" is not in "${scenario.name}"`);
  return i;
}

/** `-1 10054` → `-1 10054 WSAECONNRESET`, for readable failures. */
function named(lines: string[]): string[] {
  return lines.map((l) =>
    l.replace(/ => -1 (\d+)$/, (_, code) => ` => -1 ${code} ${describeWinsockError(+code).name}`)
  );
}

// Each backend, and the FFI backends' raw synchronous path too (openWinsock({ blocking: true })).
const RUNS: { backend: BackendName; blocking: boolean }[] = testBackends().flatMap((backend) =>
  (backend === "deno" ? [false] : [false, true]).map((blocking) => ({ backend, blocking }))
);

for (const { backend, blocking } of RUNS) {
  const target = `${backend}${blocking ? "-raw" : ""}@${PLATFORM}` as Target;
  for (const scenario of SCENARIOS) {
    const unsupported = scenario.unsupported?.on.includes(target);
    Deno.test({
      name: `conformance [${backend}${blocking ? ", raw" : ""}]: ${scenario.name}` +
        (unsupported ? ` (not here: ${scenario.unsupported!.rule})` : ""),
      ignore: noHarness || unsupported,
      async fn() {
        const c = (await cLines()).get(scenario.name);
        assert.ok(c, `the harness printed nothing for "${scenario.name}"`);
        const facade = await runScenario(backend, scenario.steps, blocking);
        // Each documented difference must be one, explained by its rule; both lines then name
        // the rule, and the rest must be the same.
        const expected = [...c], got = [...facade];
        for (const d of scenario.differs ?? []) {
          if (!d.on.includes(target)) continue;
          const i = callIndex(scenario, d.step);
          assert.notEqual(c[i], facade[i], `"${d.step}": no longer differs (${d.rule})`);
          assert.ok(
            explainedBy(d.rule, target, scenario.steps, i, c, facade),
            `"${d.step}": ${d.rule} does not explain C's "${c[i]}" against "${facade[i]}"`,
          );
          expected[i] = got[i] = `${facade[i]} (${d.rule})`;
        }
        assert.deepEqual(named(got), named(expected));
      },
    });
  }
}
