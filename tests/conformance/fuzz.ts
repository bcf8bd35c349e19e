/**
 * Differential fuzzing of call sequences: seeded random scripts in
 * `harness.c`'s language, run by C on Winsock (the reference), by C on Linux
 * (on Linux), and through the façade on each backend; every difference must
 * be explained by a named rule (`rules.ts`). A failing script is shrunk to a
 * minimal one and printed with its seed, ready to paste into `scenarios.ts`.
 *
 *   deno task fuzz [--seed S] [--count N] [--from I] [--backend posix,deno]
 *   bash tools/wine/deno.sh run -A tests/conformance/fuzz.ts --backend winsock,deno
 *
 * --only I,J,… runs those scripts of the seed; --no-shrink lists every
 * difference instead of shrinking each side's first; --parallel P (4) runs P
 * scripts at once; --batch B (200) scripts go through one C run; --show I
 * prints script I's lines side by side: C on Winsock, C on Linux, each backend.
 */

import type { BackendName } from "../../mod.ts";
import { type Harness, nativeHarness, runHarness, windowsHarness } from "./c.ts";
import {
  compare,
  FACADE_RULES,
  isCall,
  LINUX_RULES,
  type Unexplained,
  type Verdict,
} from "./rules.ts";
import { runScenario } from "./run.ts";
import { prng } from "../_support.ts";
import type { Scenario, Target } from "./scenarios.ts";

/** The settling time after a close or a shutdown, before anyone looks (ms). */
const SETTLE = "sleep 50";
const TCP = ["l", "c", "a", "b"], UDP = ["u", "v"], NAMES = [...TCP, ...UDP, "x"];
/** Lengths: the usual ones, 64 KiB, negative, and beyond the buffer (10 into a 5-byte one). */
const SIZES = ["0", "1", "50", "50", "3", "65536", "-1", "10/5"];
/** MSG_PEEK, MSG_WAITALL, MSG_OOB, both of the first two, and a bit no one knows. */
const RECV_FLAGS = ["", "", "", "", "2", "8", "1", "10", "1048576"];
const SEND_FLAGS = ["", "", "", "", "", "1", "8", "1048576"];
const OPTIONS = [
  "linger",
  "nodelay",
  "sndbuf",
  "rcvbuf",
  "reuseaddr",
  "keepalive",
  "error",
  "type",
];
const BAD_OPTIONS = ["badname", "badlevel"];

/** The script of seed `seed`: 5 to 40 calls on TCP and UDP sockets. */
export function generate(seed: number): string[] {
  const random = prng(seed);
  const pick = <T>(a: T[]): T => a[Math.floor(random() * a.length)];
  const chance = (p: number) => random() < p;
  const steps: string[] = ["guard"]; // a call that would wait for ever is not made
  const calls = 5 + Math.floor(random() * 36);
  const start = random();
  if (start < 0.55) {
    steps.push("socket l", "bind l", "listen l", "socket c", "connect c l", "accept a l");
  } else if (start < 0.75) {
    steps.push("udp u", "bind u", "udp v", "bind v");
  } else if (start < 0.85) {
    steps.push("socket l", "bind l", "listen l", "udp u", "bind u");
  }
  const made = new Set(
    steps.filter((s) => /^(socket|udp|accept) /.test(s)).map((s) => s[s.indexOf(" ") + 1]),
  );
  // Mostly a socket already made; sometimes any name (never opened, or closed).
  const name = () => made.size > 0 && chance(0.9) ? pick([...made]) : pick(NAMES);
  let big = 0; // 64 KiB sends: one at most, so a send never waits for a reader
  const size = (sending: boolean) => {
    const s = pick(SIZES);
    if (s === "65536" && sending && big++ > 0) return "50";
    return s;
  };
  const flags = (list: string[]) => {
    const f = pick(list);
    return f ? ` ${f}` : "";
  };
  const count = () => steps.filter(isCall).length;
  while (count() < calls) {
    const x = name(), y = name();
    const r = random() * 100;
    if (r < 4) {
      const n = pick(TCP);
      steps.push(`socket ${n}`);
      made.add(n);
    } else if (r < 6) {
      const n = pick(UDP);
      steps.push(`udp ${n}`);
      made.add(n);
    } else if (r < 11) {
      steps.push(
        pick([`bind ${x}`, `bind ${x}`, `bindto ${x} ${y}`, `bindany ${x}`, `bind6 ${x}`]),
      );
    } else if (r < 14) steps.push(`listen ${x}`);
    else if (r < 18) steps.push(`connect ${x} ${y}`);
    else if (r < 22) {
      const n = pick(["a", "b"]);
      steps.push(`accept ${n} ${y}`);
      made.add(n);
    } else if (r < 34) steps.push(`send ${x} ${size(true)}${flags(SEND_FLAGS)}`);
    else if (r < 46) steps.push(`recv ${x} ${size(false)}${flags(RECV_FLAGS)}`);
    else if (r < 52) steps.push(`sendto ${x} ${size(true)} ${y}${flags(SEND_FLAGS)}`);
    else if (r < 58) steps.push(`recvfrom ${x} ${size(false)}${flags(RECV_FLAGS)}`);
    else if (r < 63) steps.push(`shutdown ${x} ${pick(["0", "1", "1", "2", "7"])}`, SETTLE);
    else if (r < 68) steps.push(`close ${x}`, SETTLE);
    else if (r < 71) steps.push(`linger ${x} 1 0`);
    else if (r < 76) {
      const opt = chance(0.85) ? pick(OPTIONS) : pick(BAD_OPTIONS);
      const len = chance(0.8) ? "" : ` ${pick(["0", "1", "2", "8"])}`;
      steps.push(`setopt ${x} ${opt} ${pick(["0", "1", "1", "4096"])}${len}`);
    } else if (r < 81) {
      const opt = chance(0.85) ? pick(OPTIONS) : pick(BAD_OPTIONS);
      const len = chance(0.8) ? "" : ` ${pick(["0", "1", "2", "8"])}`;
      steps.push(`getopt ${x} ${opt}${len}`);
    } else if (r < 86) {
      steps.push(
        pick([
          `ioctl ${x} fionread`,
          `ioctl ${x} fionread`,
          `ioctl ${x} bad`,
          `ioctl ${x} fionbio 1`,
          `ioctl ${x} fionbio 0`,
        ]),
      );
    } else if (r < 91) steps.push(`select ${x}`);
    else if (r < 96) steps.push(pick([`sockname ${x}`, `peername ${x}`]));
    else steps.push(SETTLE);
  }
  return steps;
}

/** Where a run happens: the backends here, and this platform's name in targets. */
const PLATFORM = Deno.build.os !== "windows"
  ? "linux"
  : Deno.env.get("WINSOCK_TS_UNDER_WINE")
  ? "wine"
  : "windows";

/** Script `i` of the run seeded `seed`: its own seed, derived. */
export function scriptSeed(seed: number, i: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(i + 1, 0xc2b2ae35)) >>> 0;
}

/** A failure: the script, where it first differed, and on which side. */
export interface Failure {
  seed: number;
  index: number;
  /** The backend, or "linux-c" for C on Linux against C on Winsock. */
  side: BackendName | "linux-c";
  steps: string[];
  unexplained: Unexplained;
}

/** The C harnesses of this platform: Winsock's (the reference) and, on Linux, Linux's. */
export interface Harnesses {
  reference: Harness;
  linux?: Harness;
  /** Scripts run at once: each harness in as many processes, the façade as many at a time. */
  parallel?: number;
}

/** The harnesses here, or null when there is no Winsock C to compare with. */
export async function harnesses(): Promise<Harnesses | null> {
  const reference = await windowsHarness();
  if (!reference) return null;
  return { reference, linux: Deno.build.os === "windows" ? undefined : await nativeHarness() };
}

/** Runs `scripts` on one side; resolves with each one's verdict, by index. */
async function check(
  c: Harnesses,
  side: BackendName | "linux-c",
  scripts: Scenario[],
  reference: Map<string, string[]>,
  linux?: Map<string, string[]>,
): Promise<Verdict[]> {
  const verdicts: Verdict[] = [];
  let next = 0;
  const worker = async () => {
    for (let k = next++; k < scripts.length; k = next++) {
      const s = scripts[k], ref = reference.get(s.name) ?? [];
      const got = side === "linux-c" ? linux?.get(s.name) ?? [] : await runScenario(side, s.steps);
      verdicts[k] = side === "linux-c"
        ? compare("linux-c", s.steps, ref, got, LINUX_RULES, true)
        : compare(`${side}@${PLATFORM}` as Target, s.steps, ref, got, FACADE_RULES);
    }
  };
  // The winsock backend's waits are FFI calls on a few threads: its scripts run one at a time,
  // so that one script's waits do not delay another's past their deadline.
  const workers = side === "winsock" ? 1 : c.parallel ?? 1;
  await Promise.all(Array.from({ length: workers }, worker));
  return verdicts;
}

/** The scripts and C's lines for them (reference, and Linux's if any). */
async function runC(c: Harnesses, scripts: Scenario[]) {
  const n = Math.max(1, Math.min(c.parallel ?? 1, scripts.length));
  const chunks = Array.from({ length: n }, (_, i) => scripts.filter((_, k) => k % n === i));
  const run = async (harness: Harness) =>
    new Map(
      (await Promise.all(chunks.map((chunk) => runHarness(harness, chunk)))).flatMap((m) => [...m]),
    );
  const [reference, linux] = await Promise.all([
    run(c.reference),
    c.linux ? run(c.linux) : undefined,
  ]);
  return { reference, linux };
}

/**
 * Shrinks a failing script: removes chunks of steps (halves, then smaller)
 * while the result still fails on the same side at the same call; each round's
 * candidates run in one C batch.
 */
export async function shrink(c: Harnesses, failure: Failure): Promise<Failure> {
  let best = failure;
  const sameOp = (u: Unexplained | undefined) =>
    u !== undefined && u.step.split(" ")[0] === failure.unexplained.step.split(" ")[0];
  for (let chunk = Math.ceil(best.steps.length / 2); chunk >= 1;) {
    const candidates: Scenario[] = [];
    for (let from = 0; from < best.steps.length; from += chunk) {
      const steps = [...best.steps.slice(0, from), ...best.steps.slice(from + chunk)];
      if (steps[0] !== "guard") continue; // the guard stays: it decides what is called
      if (steps.some(isCall)) {
        candidates.push({ name: `shrink ${candidates.length}`, steps });
      }
    }
    const { reference, linux } = await runC(
      failure.side === "linux-c" ? c : { ...c, linux: undefined },
      candidates,
    );
    let found: Failure | undefined;
    for (const cand of candidates) {
      const [{ unexplained: u }] = await check(c, failure.side, [cand], reference, linux);
      if (sameOp(u)) {
        found = { ...best, steps: cand.steps, unexplained: u! };
        break;
      }
    }
    if (found) best = found;
    else if (chunk === 1) break;
    else chunk = Math.ceil(chunk / 2);
    if (chunk > best.steps.length) chunk = Math.ceil(best.steps.length / 2);
  }
  return best;
}

/** Script `index` of `seed`, one line per call: what each side printed, `*` where they differ. */
export async function show(c: Harnesses, seed: number, index: number, backends: BackendName[]) {
  const steps = generate(scriptSeed(seed, index));
  const script = [{ name: "show", steps }];
  const sides: [string, string[]][] = [[
    "winsock-c",
    (await runHarness(c.reference, script)).get("show")!,
  ]];
  if (c.linux) sides.push(["linux-c", (await runHarness(c.linux, script)).get("show")!]);
  for (const b of backends) sides.push([b, await runScenario(b, steps)]);
  const result = (l: string | undefined) => {
    const r = l === undefined ? "(none)" : l.slice(l.indexOf(" => ") + 4);
    return r.length < 60 ? r : `${r.slice(0, 40)}… (${r.length} characters)`;
  };
  const calls = steps.filter(isCall);
  return calls.map((step, i) => {
    const got = sides.map(([side, lines]) => `${side}: ${result(lines[i])}`);
    const same = sides.every(([, lines]) => lines[i] === sides[0][1][i]);
    return `${same ? " " : "*"} ${step.padEnd(24)} ${got.join(" | ")}`;
  }).join("\n");
}

/** A failure, ready to paste into scenarios.ts as a named scenario. */
export function describe(f: Failure): string {
  const u = f.unexplained;
  return [
    `fuzz: seed ${f.seed}, script ${f.index}, ${f.side}: "${u.step}": ` +
    `C on Winsock says ${u.reference}, ${
      f.side === "linux-c" ? "C on Linux" : f.side
    } says ${u.got}`,
    `  replay: deno task fuzz --seed ${f.seed} --from ${f.index} --count 1 --backend ${
      f.side === "linux-c" ? "posix" : f.side
    }`,
    "  {",
    `    name: "${u.step.split(" ")[0]}: <what it shows> (fuzz seed ${f.seed} #${f.index})",`,
    `    steps: ${JSON.stringify(f.steps)},`,
    "  },",
  ].join("\n");
}

export interface FuzzOptions {
  seed: number;
  count: number;
  from?: number;
  backends: BackendName[];
  /** Scripts per C batch. */
  batch?: number;
  /** Stop at the first failure (after shrinking it). */
  stopAtFirst?: boolean;
  /** Do not shrink failures: list them (a survey). */
  noShrink?: boolean;
  /** Only these scripts (indices), instead of `count` from `from`. */
  only?: number[];
  log?: (line: string) => void;
}

/** What a run found. */
export interface FuzzResult {
  /** Scripts run clean (every difference explained by a rule), per side. */
  clean: Record<string, number>;
  /** How often each rule explained a difference. */
  rules: Record<string, number>;
  /** The façade's unexplained differences (shrunk unless `noShrink`). */
  failures: Failure[];
  /**
   * C on Linux against C on Winsock: first differences no Linux rule
   * documents, by call and answers (a note, not a failure: the façade is held
   * to Winsock's C, not Linux's).
   */
  linux: Record<string, number>;
}

/** Runs `count` scripts of `seed` on each backend (and C on Linux against C on Winsock). */
export async function fuzz(c: Harnesses, options: FuzzOptions): Promise<FuzzResult> {
  const { seed, count, backends, batch = 200, log = () => {} } = options;
  const from = options.from ?? 0;
  const sides: (BackendName | "linux-c")[] = [
    ...backends,
    ...(c.linux ? ["linux-c" as const] : []),
  ];
  const result: FuzzResult = {
    clean: Object.fromEntries(sides.map((s) => [s, 0])),
    rules: {},
    failures: [],
    linux: {},
  };
  // The scripts' indices: `only`, else `count` from `from`.
  const indices = options.only ?? Array.from({ length: count }, (_, i) => from + i);
  for (let start = 0; start < indices.length; start += batch) {
    const chosen = indices.slice(start, start + batch);
    const scripts: Scenario[] = chosen.map((i) => ({
      name: `fuzz ${seed} #${i}`,
      steps: generate(scriptSeed(seed, i)),
    }));
    const { reference, linux } = await runC(c, scripts);
    for (const side of sides) {
      const verdicts = await check(c, side, scripts, reference, linux);
      for (const [k, { rules, unexplained: u }] of verdicts.entries()) {
        for (const rule of rules) result.rules[rule] = (result.rules[rule] ?? 0) + 1;
        if (!u) {
          result.clean[side]++;
          continue;
        }
        if (side === "linux-c") {
          const key = `${u.step.split(" ")[0]}: Winsock ${u.reference}, Linux ${u.got}`;
          result.linux[key] = (result.linux[key] ?? 0) + 1;
          continue;
        }
        const index = chosen[k];
        const failure = { seed, index, side, steps: scripts[k].steps, unexplained: u };
        // Shrinking takes a C run per round: the first failure of a side is shrunk (unless a
        // survey), the others are listed as they are.
        if (options.noShrink || result.failures.some((f) => f.side === side)) {
          result.failures.push(failure);
          log(
            `fuzz: seed ${seed}, script ${index}, ${side}: "${u.step}": C ${u.reference}, got ${u.got}`,
          );
          continue;
        }
        log(`fuzz: seed ${seed}, script ${index}, ${side}: differs at "${u.step}"; shrinking`);
        const shrunk = await shrink(c, failure);
        result.failures.push(shrunk);
        log(describe(shrunk));
        if (options.stopAtFirst) return result;
      }
    }
    log(
      `fuzz: seed ${seed}: ${start + chosen.length} of ${indices.length} scripts; ` +
        `clean ${JSON.stringify(result.clean)}`,
    );
  }
  return result;
}

if (import.meta.main) {
  const args = Deno.args;
  const arg = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const seed = Number(arg("seed") ?? Math.floor(Math.random() * 2 ** 31));
  const count = Number(arg("count") ?? 1000);
  const from = Number(arg("from") ?? 0);
  const backends = (arg("backend") ?? (Deno.build.os === "windows" ? "winsock,deno" : "posix,deno"))
    .split(",") as BackendName[];
  const found = await harnesses();
  const c = found && { ...found, parallel: Number(arg("parallel") ?? 4) };
  if (!c) {
    console.error("fuzz: no C harness on Winsock: run bash tools/wine/setup.sh (Wine, mingw)");
    Deno.exit(2);
  }
  if (arg("show")) {
    console.log(await show(c, seed, Number(arg("show")), backends));
    Deno.exit(0);
  }
  console.log(
    `fuzz: seed ${seed}, ${
      arg("only") ? `scripts ${arg("only")}` : `${count} scripts from ${from}`
    }` +
      `, backends ${backends.join(", ")}`,
  );
  const noShrink = args.includes("--no-shrink");
  const result = await fuzz(c, {
    seed,
    count,
    from,
    backends,
    noShrink,
    only: arg("only")?.split(",").map(Number),
    batch: Number(arg("batch") ?? 200),
    log: (l) => console.log(l),
  });
  console.log(
    `fuzz: seed ${seed}: clean ${
      JSON.stringify(result.clean)
    }, ${result.failures.length} unexplained`,
  );
  console.log(`fuzz: rules used: ${JSON.stringify(result.rules)}`);
  console.log(
    `fuzz: C on Linux, first differences no Linux rule documents: ${JSON.stringify(result.linux)}`,
  );
  Deno.exit(result.failures.length === 0 ? 0 : 1);
}
