/**
 * The bench's latest figures as a picture: reads the JSON that
 * `deno task bench --json FILE` writes (one file per platform) and draws, for
 * every workload and contender, its throughput against `deno-net` and
 * against `c` (the median of the rounds' ratios, as `run.ts` prints them) on
 * a log scale, one panel per platform; then prints the same ratios as a
 * Markdown table. Hand-written SVG, no dependency.
 *
 *   deno task bench:chart [--out bench/chart.svg] [LABEL=FILE …]
 *
 * Without files: `Linux=bench/results-linux.json Wine=bench/results-wine.json`.
 * A file that is not the bench's JSON is refused, naming the file and what is
 * wrong, with exit code 1.
 *
 * @module
 */

import { parseArgs } from "node:util";

/** One row of `run.ts`'s `--json` output. */
export interface ResultRow {
  workload: string;
  contender: string;
  unit: string;
  value: number | null;
  /** The figure of each round, in round order (null: that round failed). */
  byRound: (number | null)[];
}

/** One platform's run: `run.ts`'s `--json` output, labelled. */
export interface Run {
  label: string;
  machine: string;
  rounds: number;
  quick: boolean;
  results: ResultRow[];
}

/** A contender's ratios in one workload; null where the baseline did not run. */
export interface Ratios {
  workload: string;
  unit: string;
  contender: string;
  denoNet: number | null;
  c: number | null;
}

/** The baselines every contender is measured against. */
const BASELINES = ["deno-net", "c"] as const;

/** Reads one `--json` file's text; throws an `Error` naming `file` and what is wrong with it. */
export function parseRun(text: string, file: string, label: string): Run {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not JSON (${(e as Error).message})`);
  }
  const fail = (what: string): never => {
    throw new Error(`${file}: ${what} (is it the output of deno task bench --json?)`);
  };
  if (typeof data !== "object" || data === null || Array.isArray(data)) fail("not an object");
  const run = data as Record<string, unknown>;
  if (typeof run.machine !== "string") fail(`"machine" is not a string`);
  if (!Array.isArray(run.results) || run.results.length === 0) {
    fail(`"results" is empty or missing`);
  }
  const results = (run.results as unknown[]).map((row, i) => {
    const r = row as Record<string, unknown>;
    const where = `results[${i}]`;
    if (typeof r !== "object" || r === null) fail(`${where} is not an object`);
    for (const key of ["workload", "contender", "unit"]) {
      if (typeof r[key] !== "string") fail(`${where}.${key} is not a string`);
    }
    if (r.value !== null && typeof r.value !== "number") fail(`${where}.value is not a number`);
    const byRound = r.byRound;
    if (!Array.isArray(byRound) || byRound.some((x) => x !== null && typeof x !== "number")) {
      fail(`${where}.byRound is not a list of numbers`);
    }
    return r as unknown as ResultRow;
  });
  return {
    label,
    machine: run.machine as string,
    rounds: typeof run.rounds === "number" ? run.rounds : 0,
    quick: run.quick === true,
    results,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** `row` against `base`: the median of the ratios of the figures each round measured. */
function pairedRatio(row: ResultRow, base: ResultRow | undefined): number | null {
  if (!base) return null;
  const rs = row.byRound.flatMap((x, i) => {
    const b = base.byRound[i];
    return x !== null && b ? [x / b] : [];
  });
  return rs.length ? median(rs) : null;
}

/** Each workload's throughput (its unit per second) per contender, against each baseline. */
export function ratios(run: Run): Ratios[] {
  const rates = run.results.filter((r) => r.unit.endsWith("/s") && r.value !== null);
  const find = (workload: string, contender: string) =>
    rates.find((r) => r.workload === workload && r.contender === contender);
  return rates.map((r) => ({
    workload: r.workload,
    unit: r.unit,
    contender: r.contender,
    denoNet: pairedRatio(r, find(r.workload, BASELINES[0])),
    c: pairedRatio(r, find(r.workload, BASELINES[1])),
  }));
}

/** A ratio as the bench prints it: two decimals, or two significant digits below 0.1. */
export function formatRatio(r: number | null): string {
  return r === null ? "" : `${r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}×`;
}

const escape = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const COLORS = { denoNet: "#2b6cb0", c: "#dd6b20" };
/** The log scale: 1/8× to 8×, 1× in the middle; a ratio beyond is drawn to the edge, its number shown. */
const LIMIT = 3; // log2 of 8

/** The SVG: one panel per run, side by side. */
export function renderChart(runs: Run[]): string {
  const panelWidth = 470, label = 130, axis = panelWidth - label - 60, rowHeight = 22;
  const top = 80 + 14 * runs.length, headerHeight = 20;
  const x = (r: number) =>
    label + axis / 2 + (Math.max(-LIMIT, Math.min(LIMIT, Math.log2(r))) / LIMIT) * (axis / 2);
  const panels: string[] = [];
  let height = 0;
  runs.forEach((run, p) => {
    const left = 10 + p * (panelWidth + 10);
    const out: string[] = [];
    let y = top;
    const rows = ratios(run);
    const workloads = [...new Set(rows.map((r) => r.workload))];
    out.push(
      `<text x="${left}" y="${y - 22}" class="panel">${escape(run.label)}</text>`,
    );
    const y0 = y;
    for (const workload of workloads) {
      const group = rows.filter((r) => r.workload === workload);
      out.push(
        `<text x="${left}" y="${y + 14}" class="workload">${escape(workload)} (${
          escape(group[0].unit)
        })</text>`,
      );
      y += headerHeight;
      for (const r of group) {
        out.push(
          `<text x="${left + label - 6}" y="${y + 13}" class="contender">${
            escape(r.contender)
          }</text>`,
        );
        (["denoNet", "c"] as const).forEach((key, k) => {
          const value = r[key];
          if (value === null) return;
          const from = x(1), to = x(value);
          const barY = y + 3 + k * 9;
          out.push(
            `<rect x="${(left + Math.min(from, to)).toFixed(1)}" y="${barY}" width="${
              Math.max(Math.abs(to - from), 1).toFixed(1)
            }" height="7" fill="${COLORS[key]}"><title>${escape(r.contender)} ${
              escape(workload)
            }: ${formatRatio(value)} ${key === "c" ? "c" : "deno-net"}</title></rect>`,
          );
          // The number beside the bar's end; a bar cut at the left edge has it right of 1×.
          const beyond = Math.abs(Math.log2(value)) > LIMIT;
          const right = value >= 1 || beyond;
          const textX = left + (right ? Math.max(to, from) + 3 : Math.min(to, from) - 3);
          out.push(
            `<text x="${textX.toFixed(1)}" y="${barY + 7}" class="value" text-anchor="${
              right ? "start" : "end"
            }">${formatRatio(value)}${beyond ? " (beyond the scale)" : ""}</text>`,
          );
        });
        y += rowHeight;
      }
    }
    // The scale: a line at every power of two, labelled at the top.
    for (let e = -LIMIT; e <= LIMIT; e++) {
      const gx = (left + x(2 ** e)).toFixed(1);
      out.unshift(
        `<line x1="${gx}" y1="${y0}" x2="${gx}" y2="${y}" class="${e ? "grid" : "one"}"/>`,
        `<text x="${gx}" y="${y0 - 4}" class="tick">${e < 0 ? `1/${2 ** -e}` : 2 ** e}×</text>`,
      );
    }
    panels.push(...out);
    height = Math.max(height, y + 10);
  });
  const width = 10 + runs.length * (panelWidth + 10);
  const legend = `<rect x="10" y="30" width="10" height="6" fill="${COLORS.denoNet}"/>` +
    `<text x="24" y="36" class="legend">× deno-net</text>` +
    `<rect x="110" y="30" width="10" height="6" fill="${COLORS.c}"/>` +
    `<text x="124" y="36" class="legend">× c (throughput ratio, median of the rounds' ratios; log scale, ` +
    `beyond 1/8× and 8× drawn to the edge)</text>`;
  const machines = runs.map((run, i) =>
    `<text x="10" y="${54 + 14 * i}" class="machine">${escape(run.label)}: ${escape(run.machine)}${
      run.quick ? ", --quick" : ""
    }${run.rounds ? `, ${run.rounds} rounds` : ""}</text>`
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<style>text{font-size:10px;fill:#222}.title{font-size:15px;font-weight:bold}` +
    `.panel{font-size:13px;font-weight:bold}.workload{font-weight:bold}` +
    `.contender{text-anchor:end}.tick{text-anchor:middle;fill:#666}.value{font-size:9px;fill:#444}` +
    `.machine{fill:#555}.grid{stroke:#ddd}.one{stroke:#888}</style>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" class="title">winsock-ts bench: throughput against deno-net and c</text>`,
    legend,
    ...machines,
    ...panels,
    `</svg>`,
    "",
  ].join("\n");
}

/**
 * The async façade on each run's FFI backend (`posix`, `winsock`) as one Markdown table: a row per
 * workload, against `deno-net` and `c` on each run.
 */
export function markdownTable(runs: Run[]): string {
  const columns = runs.map((run) => {
    const rows = ratios(run);
    const contender = rows.some((r) => r.contender === "posix") ? "posix" : "winsock";
    return { run, contender, rows: rows.filter((r) => r.contender === contender) };
  });
  const workloads = [...new Set(columns.flatMap((c) => c.rows.map((r) => r.workload)))];
  const head = columns.flatMap((c) => [`${c.run.label}, ${c.contender}: × deno-net`, "× c"]);
  const lines = [
    `| workload | ${head.join(" | ")} |`,
    `| --- | ${head.map(() => "---:").join(" | ")} |`,
  ];
  for (const workload of workloads) {
    const cells = columns.flatMap((c) => {
      const r = c.rows.find((r) => r.workload === workload);
      return r ? [formatRatio(r.denoNet), formatRatio(r.c)] : ["", ""];
    });
    lines.push(`| ${workload} | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: { out: { type: "string", default: "bench/chart.svg" }, help: { type: "boolean" } },
    allowPositionals: true,
  });
  if (values.help) {
    console.log("deno task bench:chart [--out bench/chart.svg] [LABEL=FILE …]");
    console.log("  default: Linux=bench/results-linux.json Wine=bench/results-wine.json");
    Deno.exit(0);
  }
  const inputs = positionals.length
    ? positionals
    : ["Linux=bench/results-linux.json", "Wine=bench/results-wine.json"];
  try {
    const runs = inputs.map((input) => {
      const at = input.indexOf("=");
      const [label, file] = at > 0 ? [input.slice(0, at), input.slice(at + 1)] : [input, input];
      return parseRun(Deno.readTextFileSync(file), file, label);
    });
    Deno.writeTextFileSync(values.out!, renderChart(runs));
    console.log(markdownTable(runs));
    console.log(`wrote ${values.out}`);
  } catch (e) {
    console.error(`bench:chart: ${(e as Error).message}`);
    Deno.exit(1);
  }
}
