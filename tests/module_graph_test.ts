/**
 * The layout, as the module graph shows it (`deno info --json mod.ts`, code
 * and type imports alike):
 *
 * - no import cycle among the modules under `lib/`;
 * - `lib/` is what `mod.ts` publishes: every file under it is reached from
 *   `mod.ts`, and none imports `tutorial/`, `chapters/`, `tests/` or a program;
 * - each backend folder is whole: no `lib/backends/<a>/` file imports one of
 *   `lib/backends/<b>/` (what two backends share sits in `lib/backends/`).
 *
 * The graph is the same on every platform, so it is read once, on Linux.
 */

import assert from "node:assert/strict";
import { relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** A repository-relative path with `/`, or null for a module outside it (`node:`, `npm:`). */
function local(specifier: string): string | null {
  if (!specifier.startsWith("file:")) return null;
  return relative(ROOT, fileURLToPath(specifier)).split(sep).join("/");
}

interface InfoModule {
  specifier: string;
  dependencies?: { code?: { specifier: string }; type?: { specifier: string } }[];
}

/** Each local module reached from `mod.ts` and the local modules it imports. */
async function moduleGraph(): Promise<Map<string, string[]>> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "mod.ts"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const td = new TextDecoder();
  assert.equal(code, 0, `deno info --json mod.ts failed:\n${td.decode(stderr)}`);
  const info = JSON.parse(td.decode(stdout)) as { modules: InfoModule[] };
  const graph = new Map<string, string[]>();
  for (const m of info.modules) {
    const from = local(m.specifier);
    if (from === null) continue;
    const to = new Set<string>();
    for (const d of m.dependencies ?? []) {
      for (const target of [d.code?.specifier, d.type?.specifier]) {
        const path = target === undefined ? null : local(target);
        if (path !== null) to.add(path);
      }
    }
    graph.set(from, [...to].sort());
  }
  return graph;
}

/**
 * The cycles of a graph, one per strongly connected component of more than
 * one module (or a module importing itself), each as a path that returns to
 * its start: `a.ts → b.ts → a.ts`.
 */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  // Tarjan's strongly connected components, iterative over the sorted modules.
  const index = new Map<string, number>(), low = new Map<string, number>();
  const stack: string[] = [], onStack = new Set<string>(), found: string[][] = [];
  let next = 0;
  const visit = (start: string) => {
    const work: [string, number][] = [[start, 0]];
    index.set(start, next), low.set(start, next++), stack.push(start), onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const [node, i] = frame;
      const edges = graph.get(node) ?? [];
      if (i < edges.length) {
        frame[1]++;
        const to = edges[i];
        if (!graph.has(to)) continue;
        if (!index.has(to)) {
          index.set(to, next), low.set(to, next++), stack.push(to), onStack.add(to);
          work.push([to, 0]);
        } else if (onStack.has(to)) {
          low.set(node, Math.min(low.get(node)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent)!, low.get(node)!));
      }
      if (low.get(node) !== index.get(node)) continue;
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) {
        found.push(cycleThrough(graph, new Set(component)));
      }
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return found;
}

/** The shortest cycle from a component's first module back to it. */
function cycleThrough(graph: ReadonlyMap<string, readonly string[]>, members: Set<string>) {
  const start = [...members].sort()[0];
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0 && !previous.has(start)) {
    const node = queue.shift()!;
    for (const to of graph.get(node) ?? []) {
      if (!members.has(to) || previous.has(to)) continue;
      previous.set(to, node);
      queue.push(to);
    }
  }
  const path = [start];
  for (let node = previous.get(start)!; node !== start; node = previous.get(node)!) {
    path.unshift(node);
  }
  return [start, ...path];
}

const windows = Deno.build.os === "windows";
const underLib = (path: string) => path.startsWith("lib/");
/** The backend a path belongs to; `lib/backends/reactor/` is shared by the FFI backends, no backend. */
const backendOf = (path: string) => /^lib\/backends\/(winsock|posix|deno)\//.exec(path)?.[1];

Deno.test({
  name: "module graph: no import cycle among the modules under lib/",
  ignore: windows,
  async fn() {
    const graph = await moduleGraph();
    const lib = new Map(
      [...graph].filter(([from]) => underLib(from)).map((
        [from, to],
      ) => [from, to.filter(underLib)]),
    );
    const found = cycles(lib).map((cycle) => cycle.join(" → "));
    assert.deepEqual(found, [], `import cycles under lib/:\n  ${found.join("\n  ")}`);
  },
});

Deno.test({
  name: "module graph: lib/ is what mod.ts publishes, and imports no program support",
  ignore: windows,
  async fn() {
    const graph = await moduleGraph();
    const outside = [...graph].flatMap(([from, to]) =>
      underLib(from)
        ? to.filter((path) => !underLib(path) && !/^(ffi\/|lib\/)/.test(path))
          .map((path) => `${from} imports ${path}`)
        : []
    );
    assert.deepEqual(outside, [], `lib/ reaches outside lib/ and ffi/:\n  ${outside.join("\n  ")}`);
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of Deno.readDirSync(`${ROOT}${dir}`)) {
        const path = `${dir}/${entry.name}`;
        if (entry.isDirectory) walk(path);
        else if (path.endsWith(".ts")) files.push(path);
      }
    };
    walk("lib");
    const unreached = files.filter((path) => !graph.has(path)).sort();
    assert.deepEqual(unreached, [], `files under lib/ that mod.ts never reaches`);
  },
});

Deno.test({
  name: "module graph: no lib/backends/<a>/ file imports one of lib/backends/<b>/",
  ignore: windows,
  async fn() {
    const graph = await moduleGraph();
    const crossings = [...graph].flatMap(([from, to]) => {
      const mine = backendOf(from);
      if (mine === undefined) return [];
      return to.filter((path) => backendOf(path) !== undefined && backendOf(path) !== mine)
        .map((path) => `${from} imports ${path}`);
    });
    assert.deepEqual(
      crossings,
      [],
      `backend folders reach into each other:\n  ${crossings.join("\n  ")}`,
    );
  },
});

Deno.test("module graph: cycles() finds a cycle and names its path", () => {
  const graph = new Map([
    ["a.ts", ["b.ts"]],
    ["b.ts", ["c.ts"]],
    ["c.ts", ["a.ts", "d.ts"]],
    ["d.ts", []],
    ["e.ts", ["e.ts"]],
  ]);
  assert.deepEqual(cycles(graph), [["a.ts", "b.ts", "c.ts", "a.ts"], ["e.ts", "e.ts"]]);
  assert.deepEqual(cycles(new Map([["a.ts", ["b.ts"]], ["b.ts", []]])), []);
});
