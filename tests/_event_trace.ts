/**
 * Runs `tests/peers/event_select_trace.c` as built by
 * `tools/wine/build-peers.sh`: directly under Windows Deno (Wine), through
 * `wine` on Linux. Resolves with the lines it printed.
 */

import { deadline } from "./_support.ts";

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The .exe and how to start it, or null where it is not built. */
function command(): { cmd: string; args: string[]; env: Record<string, string> } | null {
  const exe = "event_select_trace-utf-8.exe";
  if (Deno.build.os === "windows") {
    const dir = Deno.env.get("WINSOCK_TS_PEERS");
    return dir ? { cmd: `${dir}/${exe}`, args: [], env: {} } : null;
  }
  const home = Deno.env.get("HOME") ?? "";
  const cache = Deno.env.get("WINSOCK_TS_CACHE") ??
    `${Deno.env.get("XDG_CACHE_HOME") ?? `${home}/.cache`}/winsock-ts`;
  const wine = ["/usr/lib/wine/wine64", "/usr/bin/wine64", "/usr/bin/wine"].find(exists);
  if (!wine || !exists(`${cache}/peers/${exe}`)) return null;
  return {
    cmd: wine,
    args: [`${cache}/peers/${exe}`],
    env: { WINEPREFIX: `${cache}/prefix`, WINEDEBUG: "-all", WINEDLLOVERRIDES: "mscoree,mshtml=" },
  };
}

/** The trace the C prints against real Winsock. */
export async function runTracePeer(): Promise<string[]> {
  const how = command();
  if (!how) throw new Error("event_select_trace.exe is not built: run bash tools/wine/setup.sh");
  const out = await deadline(
    new Deno.Command(how.cmd, { args: how.args, env: how.env, stdout: "piped", stderr: "null" })
      .output(),
    60_000,
    "event_select_trace.exe",
  );
  return new TextDecoder().decode(out.stdout).split("\n").map((l) => l.replace(/\r$/, ""))
    .filter((l) => l !== "");
}

/** Whether the peer is there to run (in CI it must be: the test then fails instead). */
runTracePeer.available = (): boolean => command() !== null || Deno.env.get("CI") === "true";
