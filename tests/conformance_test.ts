/**
 * Conformance with C: every scenario of `conformance/scenarios.ts` is run by
 * C (`conformance/harness.c`: built here with gcc against libc on Linux; the
 * mingw build against ws2_32.dll, from tools/wine/build-peers.sh, under Wine)
 * and through the façade on each backend; their lines must be the same, but
 * for the differences the table documents (and those must hold as written).
 */

import assert from "node:assert/strict";
import { type BackendName, describeWinsockError } from "../mod.ts";
import { type Difference, type Scenario, SCENARIOS, type Target } from "./conformance/scenarios.ts";
import { harnessLines, harnessScript, runScenario } from "./conformance/run.ts";
import { deadline, testBackends, UNDER_WINE } from "./_support.ts";

const SOURCE = new URL("./conformance/harness.c", import.meta.url);
const PLATFORM = Deno.build.os !== "windows" ? "linux" : UNDER_WINE ? "wine" : "windows";

/**
 * The harness to run: on Linux (and macOS) built with gcc into the OS temp
 * dir, keyed by a hash of its source; on Windows the mingw build of
 * tools/wine/build-peers.sh (`WINSOCK_TS_PEERS`), or null when there is none.
 */
async function harness(): Promise<string | null> {
  if (Deno.build.os === "windows") {
    const dir = Deno.env.get("WINSOCK_TS_PEERS");
    const exe = dir && `${dir}/conformance_harness.exe`;
    return exe && exists(exe) ? exe : null;
  }
  const source = await Deno.readFile(SOURCE);
  const hash = [...new Uint8Array(await crypto.subtle.digest("SHA-256", source))]
    .slice(0, 8).map((b) => b.toString(16).padStart(2, "0")).join("");
  const tmp = Deno.env.get("TMPDIR") ?? "/tmp";
  const exe = `${tmp}/winsock-ts-conformance-${hash}`;
  if (exists(exe)) return exe;
  const built = await new Deno.Command("gcc", {
    args: ["-O2", "-Wall", "-o", `${exe}.${Deno.pid}`, decodeURIComponent(SOURCE.pathname)],
    stdout: "null",
    stderr: "piped",
  }).output().catch((e) => {
    throw new Error(`the conformance harness needs gcc: ${e}`);
  });
  if (!built.success) {
    throw new Error(`gcc failed on harness.c:\n${new TextDecoder().decode(built.stderr)}`);
  }
  await Deno.rename(`${exe}.${Deno.pid}`, exe);
  return exe;
}

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

const HARNESS = await harness();
// In CI the Wine peers are always built (.ci/run runs tools/wine/setup.sh first).
const noHarness = HARNESS === null && Deno.env.get("CI") !== "true";

let cOutput: Promise<Map<string, string[]>> | undefined;

/** What C printed, per scenario: the harness runs every scenario once, for all tests. */
function cLines(): Promise<Map<string, string[]>> {
  return cOutput ??= (async () => {
    if (!HARNESS) throw new Error("no conformance harness: run bash tools/wine/build-peers.sh");
    const child = new Deno.Command(HARNESS, {
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(harnessScript(SCENARIOS)));
    await writer.close();
    const out = await deadline(child.output(), 60_000, "the C harness to finish");
    const text = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, `harness exit code; stderr: ${new TextDecoder().decode(out.stderr)}`);
    return harnessLines(text);
  })();
}

/** Index of the call `step` names (`#n`: its n-th occurrence) among the scenario's calls. */
function callIndex(scenario: Scenario, step: string): number {
  const [line, nth] = step.split(" #");
  const calls = scenario.steps.filter((s) => !s.startsWith("sleep "));
  let seen = 0;
  const i = calls.findIndex((s) => s === line && ++seen === Number(nth ?? 1));
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
        (unsupported ? ` (not here: ${scenario.unsupported?.why})` : ""),
      ignore: noHarness || unsupported,
      async fn() {
        const c = (await cLines()).get(scenario.name);
        assert.ok(c, `the harness printed nothing for "${scenario.name}"`);
        const facade = await runScenario(backend, scenario.steps, blocking);
        // What the façade must print: C's lines, with the documented differences.
        const expected = [...c];
        const here = (scenario.differs ?? []).filter((d: Difference) => d.on.includes(target));
        for (const d of here) {
          const i = callIndex(scenario, d.step);
          const [line] = d.step.split(" #");
          assert.equal(
            c[i],
            `${line} => ${d.c}`,
            `C no longer prints what the table says (${d.why})`,
          );
          expected[i] = `${line} => ${d.facade}`;
        }
        assert.deepEqual(named(facade), named(expected));
      },
    });
  }
}
