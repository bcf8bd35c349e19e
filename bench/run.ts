/**
 * The benchmark runner (`deno task bench`): for every round, workload and
 * contender (interleaved, the contenders' order rotating each round), it
 * spawns the contender's server and client processes over 127.0.0.1, reads
 * the client's JSON line (and the server's, for peak memory and waits), and
 * finally prints the median with min–max of each figure and its ratio to `c`
 * and to `deno-net`. See bench/README.md.
 *
 *   deno run -A bench/run.ts [--quick] [--json FILE] [--rounds N] [--seconds S]
 *     [--workloads a,b] [--contenders a,b] [--conns N] [--big-conns N] [--c-exe PATH] [--verbose]
 *
 * @module
 */

import { cpus, release } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { freePort } from "../tutorial/loopback.ts";
import { openWinsock, Winsock } from "../mod.ts";

const WORKLOADS = [
  "pingpong",
  "pingpong-separate",
  "pingpong-one-core",
  "pingpong-c-server",
  "bulk",
  "accept",
  "concurrent",
  "concurrent-big",
  "ffi-call",
] as const;
type Workload = typeof WORKLOADS[number];
const UNITS: Record<Workload, string> = {
  pingpong: "msgs/s",
  "pingpong-separate": "msgs/s",
  "pingpong-one-core": "msgs/s",
  "pingpong-c-server": "msgs/s",
  bulk: "MB/s",
  accept: "accepts/s",
  concurrent: "msgs/s",
  "concurrent-big": "msgs/s",
  "ffi-call": "calls/s",
};
/** What the peers run for each workload: the placements of ping-pong are the runner's. */
const base = (w: Workload) =>
  w.startsWith("pingpong") ? "pingpong" : w === "concurrent-big" ? "concurrent" : w;
/** The workloads whose CPU time per 1,000 messages (both sides) is reported. */
const perMessage = (w: Workload) => w.startsWith("pingpong") || w.startsWith("concurrent");
const CPU_UNIT = "CPU s / 1,000 msgs (both sides)";

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    quick: { type: "boolean", default: false },
    json: { type: "string" },
    rounds: { type: "string" },
    seconds: { type: "string" },
    conns: { type: "string", default: "1000" },
    "big-conns": { type: "string", default: "10000" },
    spin: { type: "string" },
    workloads: { type: "string" },
    contenders: { type: "string" },
    "c-exe": { type: "string" },
    verbose: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (flags.help) {
  console.log("deno task bench [--quick] [--json FILE] [--rounds N] [--seconds S] [--conns N]");
  console.log(`  [--big-conns N] [--workloads ${WORKLOADS.join(",")}]`);
  console.log("  [--contenders c,posix,…] [--c-exe PATH (a prebuilt peer.c)] [--verbose]");
  console.log("  [--spin adaptive|off|µs (the async FFI façade's reactor; default adaptive)]");
  Deno.exit(0);
}
const rounds = Number(flags.rounds ?? (flags.quick ? 3 : 5));
const seconds = Number(flags.seconds ?? (flags.quick ? 1 : 3));
const conns = Number(flags.conns);
const bigConns = Number(flags["big-conns"]);
const windows = Deno.build.os === "windows";
const wine = windows && Deno.env.get("WINSOCK_TS_UNDER_WINE") === "1";
const native = windows ? "winsock" : "posix";
const root = fileURLToPath(new URL("..", import.meta.url));
const notes: string[] = [];
const live = new Set<Deno.ChildProcess>();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- the machine and the contenders ----------------------------------------------------------

function machine(): string {
  let os = `${Deno.build.os} ${release()}`;
  try {
    const pretty = Deno.readTextFileSync("/etc/os-release").match(/^PRETTY_NAME="?([^"\n]*)/m);
    if (pretty && !windows) os = `${pretty[1]}, Linux ${release()}`;
  } catch { /* not Linux */ }
  if (wine) os = `Windows Deno under ${Deno.env.get("BENCH_WINE_VERSION") ?? "Wine"}`;
  const cpu = cpus()[0]?.model?.replace(/[\s\0]+/g, " ").trim() || "unknown CPU";
  return `${cpu}, ${navigator.hardwareConcurrency} cores, ${os}, Deno ${Deno.version.deno}` +
    (wine ? " (Wine: figures are relative only)" : "");
}

async function run(cmd: string[]): Promise<boolean> {
  try {
    const out = await new Deno.Command(cmd[0], { args: cmd.slice(1), stdout: "null" }).output();
    return out.success;
  } catch {
    return false;
  }
}

/** The C contender: a prebuilt executable (--c-exe), else built here with gcc. */
async function buildC(): Promise<string | null> {
  if (flags["c-exe"]) return flags["c-exe"];
  if (windows) {
    notes.push("c: absent (Windows: pass --c-exe, as bench/wine.sh does)");
    return null;
  }
  const exe = join(Deno.makeTempDirSync({ prefix: "winsock-bench-" }), "peer");
  if (await run(["gcc", "-O2", "-o", exe, join(root, "bench", "peer.c")])) return exe;
  notes.push("c: absent (gcc could not build bench/peer.c)");
  return null;
}

const cExe = await buildC();
let contenders = [
  "c",
  "ffi-sync",
  "bare-sync",
  native,
  "bare-async",
  "bare-spin",
  "bare-epoll",
  "deno",
  "deno-net",
  "node-net",
];
if (!cExe) contenders = contenders.filter((c) => c !== "c");
if (windows) {
  contenders = contenders.filter((c) => !c.startsWith("bare-"));
  notes.push("bare-sync, bare-async, bare-spin, bare-epoll: absent (they are libc's)");
  contenders = contenders.filter((c) => c !== "node-net");
  notes.push("node-net: absent under Windows Deno" + (wine ? " (Wine has no Windows node)" : ""));
} else if (!await run(["node", "--version"])) {
  contenders = contenders.filter((c) => c !== "node-net");
  notes.push("node-net: absent (no `node` on PATH)");
}
if (flags.contenders) {
  contenders = contenders.filter((c) => flags.contenders!.split(",").includes(c));
}
const workloads = flags.workloads
  ? WORKLOADS.filter((w) => flags.workloads!.split(",").includes(w))
  : [...WORKLOADS];

/** Why a contender does not take part in a workload, if it does not. */
function skip(workload: Workload, contender: string): string | null {
  if (contender === "bare-epoll") {
    if (!workload.startsWith("concurrent")) return "a ceiling for concurrent only";
    if (Deno.build.os !== "linux") return "epoll is Linux's";
  } else if (
    contender.startsWith("bare-") && base(workload) !== "pingpong" && workload !== "bulk"
  ) {
    return "a ceiling for pingpong and bulk only";
  }
  if (contender === "bare-spin" && workload === "bulk") return "a ceiling for pingpong only";
  if (workload.startsWith("pingpong-") && !placement) return placementMissing;
  if (workload === "pingpong-c-server" && !cExe) return "needs the C server (peer.c)";
  if (workload === "concurrent-big" && wine) {
    return "Deno's own sockets under Wine do not reach 1,000 connections";
  }
  if (workload === "ffi-call" && !["c", "ffi-sync", native].includes(contender)) {
    return "no FFI";
  }
  if (workload.startsWith("concurrent") && contender === "ffi-sync") {
    return "blocking calls serve one socket at a time";
  }
  return null;
}

/**
 * Where ping-pong's two processes run (Linux, `taskset`): `pingpong-separate`
 * puts the server on CPU 0 and the client on CPU 1, `pingpong-one-core` both
 * on CPU 0 (context switches instead of cross-core wake-ups); `pingpong` lets
 * the scheduler choose. `pingpong-c-server` places them as `pingpong-separate`,
 * and the server is always `c`'s (blocking sockets): the contender is the client.
 */
const placement = !windows && navigator.hardwareConcurrency >= 2 &&
  await run(["taskset", "-c", "0", "true"]);
const placementMissing = windows ? "no taskset under Windows" : "needs taskset and 2 CPUs";
function pinned(workload: Workload, mode: string): string[] {
  if (workload === "pingpong-one-core") return ["taskset", "-c", "0"];
  if (workload === "pingpong-separate" || workload === "pingpong-c-server") {
    return ["taskset", "-c", mode === "server" ? "0" : "1"];
  }
  return [];
}
/** Linux: the soft descriptor limit raised to the hard one, for 10,000 connections. */
const unlimited = windows ? [] : ["sh", "-c", 'ulimit -n "$(ulimit -Hn)" && exec "$0" "$@"'];

function command(contender: string, mode: string, workload: Workload, port: number): string[] {
  const n = workload === "concurrent-big" ? bigConns : conns;
  const args = [mode, base(workload), String(port), String(seconds), String(n)];
  const pre = [...unlimited, ...pinned(workload, mode)];
  if (contender === "c" || workload === "pingpong-c-server" && mode === "server") {
    return [...pre, cExe!, ...args];
  }
  if (contender === "node-net") {
    return [...pre, "node", join(root, "bench", "peer_node.mjs"), contender, ...args];
  }
  const file = contender === "bare-epoll"
    ? "bare_epoll.ts"
    : contender.startsWith("bare-")
    ? "bare.ts"
    : "peer.ts";
  const peer = join(root, "bench", file); // -A: Deno reads /proc/self/status only so
  return [...pre, Deno.execPath(), "run", "-A", peer, contender, ...args];
}

// ---- one measurement ----------------------------------------------------------------------

/** A child process whose output is collected; killed if still running when asked. */
class Child {
  out = "";
  err = "";
  exited = false;
  readonly proc: Deno.ChildProcess;
  readonly done: Promise<unknown>;
  constructor(cmd: string[]) {
    this.proc = new Deno.Command(cmd[0], {
      args: cmd.slice(1),
      cwd: root,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { DENO_NO_UPDATE_CHECK: "1", WINSOCK_BENCH_SPIN: flags.spin ?? "adaptive" },
    }).spawn();
    live.add(this.proc);
    const read = async (s: ReadableStream<Uint8Array>, to: "out" | "err") => {
      for await (const text of s.pipeThrough(new TextDecoderStream())) this[to] += text;
    };
    this.done = Promise.all([
      read(this.proc.stdout, "out"),
      read(this.proc.stderr, "err"),
      this.proc.status,
    ]).finally(() => {
      this.exited = true;
      live.delete(this.proc);
    });
  }
  /** Waits (at most `ms`) until `test` holds or the process has ended. */
  async until(test: () => boolean, ms: number): Promise<boolean> {
    for (const end = Date.now() + ms; !test() && !this.exited;) {
      if (Date.now() > end) return false;
      await sleep(10);
    }
    return test();
  }
  async kill(): Promise<void> {
    if (!this.exited) {
      try {
        this.proc.kill("SIGKILL");
      } catch { /* gone */ }
    }
    await this.done;
  }
  json(): Record<string, number | null> | null {
    const line = this.out.trim().split("\n").findLast((l) => l.startsWith("{"));
    return line ? JSON.parse(line) : null;
  }
}

interface Sample {
  value: number;
  peakRss?: number;
  peakWaits?: number | null;
  /** CPU seconds of both processes per 1,000 messages. */
  cpuPer1k?: number;
}

async function measure(workload: Workload, contender: string): Promise<Sample> {
  const port = freePort();
  const slack = (wine ? 60 : 30) * 1000;
  let server: Child | null = null;
  let client: Child | null = null;
  try {
    if (workload !== "ffi-call") {
      server = new Child(command(contender, "server", workload, port));
      if (!await server.until(() => server!.out.includes("ready"), slack)) {
        throw new Error("server not ready" + tail(server));
      }
    }
    client = new Child(command(contender, "client", workload, port));
    if (!await client.until(() => client!.exited, seconds * 1000 + slack)) {
      throw new Error("client timed out" + tail(client));
    }
    const result = client.json();
    if (!result || !result.ops || !result.seconds) throw new Error("client failed" + tail(client));
    const sample: Sample = { value: result.ops / result.seconds };
    if (workload === "bulk") sample.value /= 1e6;
    if (server && workload !== "accept") {
      if (!await server.until(() => server!.exited, 10_000)) {
        throw new Error("server did not end" + tail(server));
      }
      const stats = server.json();
      if (!stats) throw new Error("server failed" + tail(server));
      sample.peakRss = stats.peakRss! / 1e6;
      sample.peakWaits = stats.peakWaits;
      if (perMessage(workload) && typeof result.cpu === "number" && typeof stats.cpu === "number") {
        sample.cpuPer1k = (result.cpu + stats.cpu) / (result.allOps ?? result.ops) * 1000;
      }
    }
    return sample;
  } finally {
    await Promise.all([server?.kill(), client?.kill()]);
  }
}

function tail(child: Child): string {
  const text = (child.err || child.out).trim().split("\n").slice(-3).join(" | ");
  return text ? `: ${text}` : "";
}

// ---- the rounds ---------------------------------------------------------------------------

/** A sample and the round it was measured in (its contenders run back to back). */
const samples = new Map<string, (Sample & { round: number })[]>();
const failures = new Map<string, string[]>();
const key = (w: string, c: string) => `${w}/${c}`;

try {
  Deno.addSignalListener("SIGINT", () => {
    for (const p of live) p.kill("SIGKILL");
    Deno.exit(130);
  });
} catch { /* no signals here */ }

const info = machine();
console.log(`machine: ${info}`);
console.log(
  `${rounds} rounds × ${workloads.join(", ")} × ${contenders.join(", ")}; ` +
    `${seconds} s per figure (+0.3 s warm-up), ${conns} connections in concurrent, ` +
    `${bigConns} in concurrent-big`,
);
if (flags.spin) notes.push(`${native}: openWinsock({ spin: ${flags.spin} })`);
{
  // Every façade contender runs with tracing off: is that the plain class, untouched?
  const plain = openWinsock({ backend: "deno" }).recv === Winsock.prototype.recv;
  notes.push(
    plain
      ? "trace off: openWinsock returns the plain Winsock (no wrapper, no branch per call): no cost"
      : "trace off: openWinsock WRAPS the façade even with tracing off (a cost on every call)",
  );
}
for (const note of notes) console.log(`note: ${note}`);
const started = Date.now();
for (let round = 0; round < rounds; round++) {
  const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]);
  for (const workload of workloads) {
    for (const contender of order) {
      if (skip(workload, contender)) continue;
      const k = key(workload, contender);
      try {
        const s = { ...await measure(workload, contender), round };
        samples.set(k, [...samples.get(k) ?? [], s]);
        if (flags.verbose) console.error(`  ${k}: ${fmt(s.value)} ${UNITS[workload]}`);
      } catch (e) {
        const why = (e as Error).message;
        failures.set(k, [...failures.get(k) ?? [], why]);
        console.error(`  ${k} failed: ${why}`);
      }
    }
  }
  console.error(
    `round ${round + 1}/${rounds} done (${((Date.now() - started) / 1000).toFixed(0)} s)`,
  );
}

// ---- the table ----------------------------------------------------------------------------

function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined) return "n/a";
  return v >= 100 ? Math.round(v).toLocaleString("en-US") : v.toPrecision(3);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

interface Row {
  workload: string;
  contender: string;
  value: number | null;
  unit: string;
  min: number | null;
  max: number | null;
  rounds: number;
  /** The figure of each round (null: none), for the ratios. */
  byRound: (number | null)[];
  failed?: number;
  note?: string;
}

const rows: Row[] = [];
const figures: [string, (s: Sample) => number | null | undefined, (w: Workload) => string][] = [
  ["value", (s) => s.value, (w) => UNITS[w]],
  ["cpuPer1k", (s) => s.cpuPer1k, () => CPU_UNIT],
  ["peakRss", (s) => s.peakRss, () => "MB peak RSS (server)"],
  ["peakWaits", (s) => s.peakWaits, () => "peak pending waits (server)"],
];
for (const workload of workloads) {
  for (const [figure, pick, unit] of figures) {
    if (
      figure === "cpuPer1k"
        ? !perMessage(workload)
        : figure !== "value" && base(workload) !== "concurrent"
    ) continue;
    for (const contender of contenders) {
      const why = skip(workload, contender);
      if (why) {
        if (figure === "value") notes.push(`${workload}: ${contender} skipped (${why})`);
        continue;
      }
      if (figure === "peakWaits" && contender !== native) continue;
      const got = samples.get(key(workload, contender)) ?? [];
      const byRound: (number | null)[] = Array(rounds).fill(null);
      for (const g of got) {
        const x = pick(g);
        if (typeof x === "number") byRound[g.round] = x;
      }
      const xs = byRound.filter((x): x is number => x !== null);
      const failed = failures.get(key(workload, contender))?.length ?? 0;
      const row: Row = {
        workload,
        contender,
        value: xs.length ? median(xs) : null,
        unit: unit(workload),
        min: xs.length ? Math.min(...xs) : null,
        max: xs.length ? Math.max(...xs) : null,
        rounds: xs.length,
        byRound,
      };
      if (failed) row.failed = failed;
      if (figure === "peakWaits" && got.length && !xs.length) {
        row.note = "ws.waitStats() is null: the backend does not count its waits yet";
      }
      rows.push(row);
    }
  }
}

/**
 * `row` against `base`: the median of the rounds' ratios, each from the two
 * figures one round measured seconds apart, so that the machine's drift from
 * round to round (minutes apart) cancels out; null without a common round.
 */
function pairedRatio(row: Row | undefined, base: Row | undefined): number | null {
  if (!row || !base) return null;
  const rs = row.byRound.flatMap((x, i) => {
    const b = base.byRound[i];
    return x !== null && b ? [x / b] : [];
  });
  return rs.length ? median(rs) : null;
}

const rowOf = (workload: string, contender: string, unit: string) =>
  rows.find((r) => r.workload === workload && r.contender === contender && r.unit === unit);

/** `contender` against `against` in `workload` (the figure in `unit`), paired by round. */
const ratioOf = (workload: Workload, contender: string, against: string, unit = UNITS[workload]) =>
  pairedRatio(rowOf(workload, contender, unit), rowOf(workload, against, unit));

function ratio(row: Row, to: string): string {
  const r = pairedRatio(row, rowOf(row.workload, to, row.unit));
  return r === null ? "" : `${r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}×`;
}

const table = [["workload", "contender", "median", "unit", "min–max", "× c", "× deno-net"]];
for (const r of rows) {
  table.push([
    r.workload,
    r.contender,
    fmt(r.value) + (r.failed ? ` (${r.failed} failed)` : ""),
    r.unit,
    r.value === null ? "" : `${fmt(r.min)}–${fmt(r.max)}`,
    ratio(r, "c"),
    ratio(r, "deno-net"),
  ]);
}
const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
const line = (cells: string[]) =>
  `| ${
    cells.map((c, i) => i >= 2 && i !== 3 ? c.padStart(widths[i]) : c.padEnd(widths[i])).join(" | ")
  } |`;
console.log();
console.log(`machine: ${info}`);
console.log(
  `${rounds} rounds, median (min–max); ratios: the median of the rounds' ratios` +
    (wine ? "; under Wine: read the ratios only" : ""),
);
console.log();
console.log(line(table[0]));
console.log(
  `|${
    widths.map((w, i) => (i >= 2 && i !== 3 ? "-".repeat(w + 1) + ":" : "-".repeat(w + 2))).join(
      "|",
    )
  }|`,
);
for (const row of table.slice(1)) console.log(line(row));

// ---- the issue's targets ------------------------------------------------------------------

const value = (w: Workload, c: string, unit = UNITS[w]) => rowOf(w, c, unit)?.value ?? null;
/** The issue's targets: [workload, contender, against, at least (or, with "≤", at most), unit]. */
const targets: [Workload, string, string, string, string?][] = [
  ["pingpong-separate", native, "deno-net", "≥ 1.2"],
  ["pingpong-separate", native, "c", "≥ 1.2"],
  ["pingpong", native, "deno-net", "≥ 1.2"],
  ["pingpong", native, "c", "≥ 1.0"],
  ["pingpong-separate", native, "bare-spin", "≥ 0.85"],
  ["pingpong-one-core", native, "deno-net", "≥ 0.95"],
  ["pingpong-one-core", native, "deno-net", "≤ 1.0", CPU_UNIT],
  ["pingpong-c-server", native, "bare-spin", "≥ 0.85"],
  ["pingpong-c-server", native, "deno-net", "≥ 1.2"],
  ["bulk", native, "deno-net", "≥ 1.0"],
  ["accept", native, "deno-net", "≥ 1.0"],
  ["concurrent", native, "deno-net", "≥ 1.2"],
  ["concurrent", native, "deno-net", "≤ 1.0", "MB peak RSS (server)"],
  ["pingpong-separate", "ffi-sync", "bare-sync", "≥ 0.95"],
  ["pingpong", "ffi-sync", "bare-sync", "≥ 0.95"],
  ["bulk", "ffi-sync", "bare-sync", "≥ 0.95"],
];
console.log();
console.log("targets:");
for (const [workload, contender, against, goal, unit] of targets) {
  const r = ratioOf(workload, contender, against, unit);
  const limit = Number(goal.slice(2));
  const met = r !== null && (goal.startsWith("≥") ? r >= limit : r <= limit);
  // At the limit to two places, a third says which side it is on (1.003× is not ≤ 1.0×).
  const shown = r === null ? "" : r.toFixed(r.toFixed(2) === limit.toFixed(2) ? 3 : 2);
  const verdict = r === null ? "n/a" : `${shown}× ${met ? "met" : "MISSED"}`;
  const figure = !unit ? "" : unit === CPU_UNIT ? " CPU" : " RSS";
  const what = `${contender} ${workload}${figure} ${goal}× ${against}`;
  console.log(`  ${what.padEnd(44)} ${verdict}`);
}
for (const [workload, n] of [["concurrent", conns], ["concurrent-big", bigConns]] as const) {
  const waits = value(workload, native, "peak pending waits (server)");
  console.log(
    `  ${`${native} ${workload} (${n}): 1 pending wait`.padEnd(44)} ` +
      (waits === null ? "n/a" : `${waits} ${waits === 1 ? "met" : "MISSED"}`),
  );
}
console.log("ceilings (libc through FFI, no façade):");
for (
  const [workload, contender, against] of [
    ["pingpong-separate", "bare-spin", "deno-net"],
    ["pingpong", "bare-spin", "deno-net"],
    ["pingpong-one-core", "bare-spin", "deno-net"],
    ["pingpong-c-server", "bare-spin", "deno-net"],
    ["pingpong", "bare-async", "deno-net"],
    ["pingpong", "bare-sync", "c"],
    ["concurrent", "bare-epoll", "deno-net"],
    ["concurrent-big", "bare-epoll", "deno-net"],
  ] as const
) {
  const paired = ratioOf(workload, contender, against);
  const r = paired === null ? "n/a" : `${paired.toFixed(2)}×`;
  console.log(`  ${`${contender} ${workload} vs ${against}`.padEnd(44)} ${r}`);
}
for (const note of notes) console.log(`note: ${note}`);

if (flags.json) {
  const result = {
    machine: info,
    wine,
    quick: flags.quick,
    rounds,
    seconds,
    conns,
    notes,
    results: rows,
  };
  Deno.writeTextFileSync(flags.json, JSON.stringify(result, null, 2) + "\n");
  console.log(`wrote ${flags.json}`);
}
if (cExe && !flags["c-exe"]) Deno.removeSync(join(cExe, ".."), { recursive: true });
