/**
 * The C side, as programs to run: `harness.c` built natively with gcc (Linux)
 * and with mingw against ws2_32.dll (tools/wine/build-peers.sh), run under
 * Wine; each reads many scripts on stdin in one run (a batch), since a Wine
 * process takes about a second to start.
 */

import { END, harnessLines, harnessScript } from "./run.ts";
import type { Scenario } from "./scenarios.ts";

const SOURCE = new URL("./harness.c", import.meta.url);
const ROOT = new URL("../../", import.meta.url);

/** A way to run the harness: the command and its arguments. */
export type Harness = string[];

/** The first 16 hex digits of the SHA-256 of harness.c: the builds' names carry it. */
async function sourceHash(): Promise<string> {
  const source = await Deno.readFile(SOURCE);
  return [...new Uint8Array(await crypto.subtle.digest("SHA-256", source))]
    .slice(0, 8).map((b) => b.toString(16).padStart(2, "0")).join("");
}

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

const path = (url: URL) => decodeURIComponent(url.pathname).replace(/^\/([A-Za-z]:)/, "$1");

/**
 * The native harness on Linux (and macOS): built with gcc into the OS temp
 * dir, keyed by the hash of its source. Throws when gcc is missing or fails.
 */
export async function nativeHarness(): Promise<Harness> {
  const exe = `${Deno.env.get("TMPDIR") ?? "/tmp"}/winsock-ts-conformance-${await sourceHash()}`;
  if (exists(exe)) return [exe];
  const built = await new Deno.Command("gcc", {
    args: ["-O2", "-Wall", "-o", `${exe}.${Deno.pid}`, path(SOURCE)],
    stdout: "null",
    stderr: "piped",
  }).output().catch((e) => {
    throw new Error(`the conformance harness needs gcc: ${e}`);
  });
  if (!built.success) {
    throw new Error(`gcc failed on harness.c:\n${new TextDecoder().decode(built.stderr)}`);
  }
  await Deno.rename(`${exe}.${Deno.pid}`, exe);
  return [exe];
}

/**
 * The mingw harness, run on Winsock: on Windows (and Windows Deno under Wine)
 * straight from `WINSOCK_TS_PEERS`; on Linux under Wine (tools/wine/exe.sh),
 * after tools/wine/build-peers.sh has built it. Null when there is none.
 */
export async function windowsHarness(): Promise<Harness | null> {
  const name = `conformance_harness-${await sourceHash()}.exe`;
  if (Deno.build.os === "windows") {
    const dir = Deno.env.get("WINSOCK_TS_PEERS");
    return dir && exists(`${dir}/${name}`) ? [`${dir}/${name}`] : null;
  }
  const peers = await new Deno.Command("bash", {
    args: [path(new URL("tools/wine/build-peers.sh", ROOT))],
    stdout: "piped",
    stderr: "null",
  }).output().catch(() => null);
  const dir = peers?.success && new TextDecoder().decode(peers.stdout).trim();
  if (!dir || !exists(`${dir}/${name}`)) return null;
  return ["bash", path(new URL("tools/wine/exe.sh", ROOT)), `${dir}/${name}`];
}

/**
 * Reads `stream` while the process runs; the function returned gives what was
 * read, once the process has ended: at the end of the stream, or once `whole`
 * says what was read is all, or `grace` ms after (a Wine process that starts
 * wineserver's services leaves them holding its stdout open; on a loaded
 * machine its last lines can come later than its end).
 */
function readAll(
  stream: ReadableStream<Uint8Array>,
  grace: number,
  whole: (read: Uint8Array[]) => boolean = () => false,
): () => Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  let more: () => void = () => {};
  const reading = (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      chunks.push(value!);
      more();
    }
  })();
  return async () => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const complete = new Promise<void>((r) => (more = () => whole(chunks) && r())());
    await Promise.race([reading, complete, new Promise((r) => timer = setTimeout(r, grace))]);
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
    const all = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
    chunks.reduce((at, c) => (all.set(c, at), at + c.byteLength), 0);
    return all;
  };
}

/**
 * Runs `scenarios` through the harness in one process (a new one from the
 * next scenario on if it ends early: its watchdog ends a call that blocks for
 * ever); resolves with each scenario's lines, by name.
 */
export async function runHarness(
  harness: Harness,
  scenarios: Scenario[],
): Promise<Map<string, string[]>> {
  const all = new Map<string, string[]>();
  let rest = scenarios;
  while (rest.length > 0) {
    const child = new Deno.Command(harness[0], {
      args: harness.slice(1),
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // The harness's output ends with END once every script was read: then nothing is to come.
    const ended = (chunks: Uint8Array[]) =>
      chunks.slice(-2).map((c) => new TextDecoder().decode(c)).join("").trimEnd().endsWith(END);
    const [stdout, stderr] = [readAll(child.stdout, 3000, ended), readAll(child.stderr, 500)];
    const writer = child.stdin.getWriter();
    // The harness may end before reading it all: a write error then is expected.
    await writer.write(new TextEncoder().encode(harnessScript(rest))).catch(() => {});
    await writer.close().catch(() => {});
    const { code } = await child.status;
    const out = { code, stdout: await stdout(), stderr: await stderr() };
    const lines = harnessLines(new TextDecoder().decode(out.stdout));
    for (const [name, got] of lines) all.set(name, got);
    const done = rest.findIndex((s) => !lines.has(s.name));
    if (out.code !== 0 && lines.size === 0) {
      throw new Error(
        `the C harness failed (${out.code}): ${new TextDecoder().decode(out.stderr).trim()}`,
      );
    }
    if (done < 0) break;
    if (out.code === 0) throw new Error(`the C harness printed nothing for "${rest[done].name}"`);
    // It ended during the last scenario it named: that one is cut short; go on after it.
    rest = rest.slice(Math.max(done, 1));
  }
  return all;
}
