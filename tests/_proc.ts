/**
 * Test support: counting a program's sockets, descriptors and memory through
 * /proc. Linux has it; under Wine the Windows Deno reads the host's
 * /proc/net/tcp through Z: (a child's pid there is a Windows pid, so the
 * per-process counts are Linux only); Windows proper has none, and callers
 * skip the counting.
 */

import assert from "node:assert/strict";
import type { Program } from "./_support.ts";
import { readProc, runText } from "../tutorial/loopback.ts";

/** /proc/net/tcp's `st` column. */
const TCP_STATES: Record<string, string> = {
  "01": "ESTABLISHED",
  "02": "SYN_SENT",
  "03": "SYN_RECV",
  "04": "FIN_WAIT1",
  "05": "FIN_WAIT2",
  "06": "TIME_WAIT",
  "07": "CLOSE",
  "08": "CLOSE_WAIT",
  "09": "LAST_ACK",
  "0A": "LISTEN",
  "0B": "CLOSING",
};

/** The targets of the links in a /proc directory (`/proc/<pid>/fd`), the same way. */
export function readProcLinks(dir: string): string[] {
  try {
    const links: string[] = [];
    for (const entry of Deno.readDirSync(dir)) {
      try {
        links.push(Deno.readLinkSync(`${dir}/${entry.name}`));
      } catch { /* closed meanwhile */ }
    }
    return links;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotCapable)) throw e;
    return (runText("find", [dir, "-mindepth", "1", "-printf", "%l\\n"]) ?? "").split("\n");
  }
}

/**
 * The host's TCP table. On Linux it is /proc/net/tcp; under Wine the Windows
 * Deno reads the very same file through Z: (tried: it works). On Windows
 * proper there is none, and the counting is skipped.
 */
export const PROC_NET_TCP: boolean = readProc("/proc/net/tcp") !== null;
/** Per-process fds: Linux only (under Wine a child's pid is a Windows pid, and wineserver holds the sockets too). */
export const PROC_PID_FD: boolean = Deno.build.os === "linux" &&
  readProcLinks("/proc/self/fd").length > 0;

export interface TcpEntry {
  state: string;
  inode: string;
  local: number;
  remote: number;
  line: string;
}

/** Every TCP socket in /proc/net/tcp and /proc/net/tcp6 with `port` at either end. */
export function tcpOnPort(port: number): TcpEntry[] {
  const out: TcpEntry[] = [];
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const text = readProc(file) ?? ""; // no tcp6 without IPv6
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const local = parseInt(f[1].split(":")[1], 16);
      const remote = parseInt(f[2].split(":")[1], 16);
      if (local !== port && remote !== port) continue;
      out.push({ state: TCP_STATES[f[3]] ?? f[3], inode: f[9], local, remote, line: line.trim() });
    }
  }
  return out;
}

/** The states of the sockets on `port` that are still open: all but TIME_WAIT (no descriptor, kernel only). */
export function openOnPort(port: number): string[] {
  return tcpOnPort(port).filter((e) => e.state !== "TIME_WAIT").map((e) => e.state).sort();
}

/** Asserts the sockets open on `port` are exactly `states` (when the TCP table can be read). */
export function assertOpenOnPort(port: number, states: string[], what: string): void {
  if (!PROC_NET_TCP) return;
  assert.deepEqual(
    openOnPort(port),
    [...states].sort(),
    `sockets on port ${port} ${what}: ${JSON.stringify(tcpOnPort(port))}`,
  );
}

/**
 * After the survivor exited: no socket on `port` is left open (TIME_WAIT
 * aside). Polls briefly, as the last ACK of a close may still be on its way.
 */
export async function assertNoneLeft(port: number, ms = 1_000): Promise<void> {
  if (!PROC_NET_TCP) return;
  const until = Date.now() + ms;
  while (openOnPort(port).length > 0 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.deepEqual(openOnPort(port), [], `sockets left open on port ${port}`);
}

/** How many TCP sockets on `port` process `pid` holds (its /proc/<pid>/fd against the TCP table). */
export function tcpSocketsOf(pid: number, port: number): number {
  const inodes = new Set(tcpOnPort(port).map((e) => e.inode));
  let n = 0;
  for (const link of readProcLinks(`/proc/${pid}/fd`)) {
    const m = /^socket:\[(\d+)\]$/.exec(link);
    if (m && inodes.has(m[1])) n++;
  }
  return n;
}

/** Asserts `program` holds `n` TCP sockets on `port` (Linux only). */
export function assertHolds(program: Program, port: number, n: number, what: string): void {
  if (!PROC_PID_FD) return;
  assert.equal(tcpSocketsOf(program.child.pid, port), n, `TCP sockets of ${what}`);
}

/** A process's resident memory in KiB (`VmRSS` in /proc/<pid>/status), or null. */
export function rssKiB(pid: number): number | null {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readProc(`/proc/${pid}/status`) ?? "");
  return m ? Number(m[1]) : null;
}

/**
 * How many sockets a process holds, of any kind (/proc/<pid>/fd). Its other
 * descriptors come and go with Deno's own caches.
 */
export function socketCount(pid: number): number {
  return readProcLinks(`/proc/${pid}/fd`).filter((l) => l.startsWith("socket:")).length;
}
