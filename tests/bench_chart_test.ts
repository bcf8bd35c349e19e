/**
 * `bench/chart.ts` (`deno task bench:chart`): the committed chart is the one
 * the committed results draw; ratios are paired by round as `run.ts` pairs
 * them; a file that is not the bench's JSON is refused, naming the file and
 * the fault, with exit code 1 and no stack trace.
 */

import assert from "node:assert/strict";
import { markdownTable, parseRun, ratios, renderChart, type Run } from "../bench/chart.ts";

const ROOT = new URL("../", import.meta.url);
const read = (file: string) => Deno.readTextFileSync(new URL(file, ROOT));
const RESULTS = [["Linux", "bench/results-linux.json"], ["Wine", "bench/results-wine.json"]];
const committed = () => RESULTS.map(([label, file]) => parseRun(read(file), file, label));

Deno.test("bench chart: bench/chart.svg is what the committed results draw", () => {
  const svg = renderChart(committed());
  assert.equal(svg, read("bench/chart.svg"), "bench/chart.svg is stale: run deno task bench:chart");
});

Deno.test("bench chart: every workload, contender and machine of each run is drawn", () => {
  const runs = committed();
  const svg = renderChart(runs);
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*>/);
  assert.ok(svg.trimEnd().endsWith("</svg>"));
  for (const run of runs) {
    assert.ok(svg.includes(run.machine.replace(/&/g, "&amp;")), run.machine);
    for (const r of ratios(run)) {
      assert.ok(svg.includes(`>${r.workload} (`), r.workload);
      assert.ok(
        svg.includes(`<title>${r.contender} ${r.workload}: `),
        `${r.contender} ${r.workload}`,
      );
    }
  }
});

Deno.test("bench chart: a ratio is the median of the rounds' ratios", () => {
  const row = (contender: string, byRound: (number | null)[]) => ({
    workload: "pingpong",
    contender,
    unit: "msgs/s",
    value: byRound[0],
    byRound,
  });
  const run: Run = {
    label: "Test",
    machine: "a machine",
    rounds: 3,
    quick: true,
    results: [
      row("c", [4, 4, 4, 4]),
      row("deno-net", [1, 2, 3, 5]),
      // Rounds' ratios to deno-net 2, 3, 2 (median 2, where the medians' ratio is 6 / 2 = 3);
      // to c 0.5, 1.5, 1.5; the failed round (null) is left out of both.
      row("posix", [2, 6, 6, null]),
      { ...row("posix", [3, 3, 3]), unit: "CPU s / 1,000 msgs (both sides)" },
    ],
  };
  const posix = ratios(run).filter((r) => r.contender === "posix");
  assert.deepEqual(posix, [
    { workload: "pingpong", unit: "msgs/s", contender: "posix", denoNet: 2, c: 1.5 },
  ]);
  assert.match(markdownTable([run]), /\| pingpong \| 2\.00× \| 1\.50× \|/);
});

Deno.test("bench chart: a file that is not the bench's JSON is refused by name", async (t) => {
  const cases: [string, string, RegExp][] = [
    ["not JSON", "{ machine: ", /bad\.json: not JSON/],
    ["no results", `{"machine": "m", "results": []}`, /bad\.json: "results" is empty or missing/],
    [
      "a row without byRound",
      `{"machine": "m", "results": [{"workload": "w", "contender": "c", "unit": "msgs/s",` +
      ` "value": 1}]}`,
      /bad\.json: results\[0\]\.byRound is not a list of numbers/,
    ],
  ];
  for (const [name, text, expected] of cases) {
    await t.step(name, () => assert.throws(() => parseRun(text, "bad.json", "x"), expected));
  }
  await t.step("the task: exit 1, one line naming the file, no stack trace", async () => {
    const dir = Deno.makeTempDirSync();
    try {
      Deno.writeTextFileSync(`${dir}/bad.json`, "{ machine: ");
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "bench/chart.ts", "--out", `${dir}/chart.svg`, `Linux=${dir}/bad.json`],
        cwd: ROOT,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 1, stderr);
      assert.match(stderr, /^bench:chart: .*bad\.json: not JSON/);
      assert.doesNotMatch(stderr, /\n\s+at /);
      assert.throws(() => Deno.statSync(`${dir}/chart.svg`));
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  });
});
