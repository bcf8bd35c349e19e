/**
 * Test support: the backends to test here, real processes of the tutorial
 * programs, and a few socket chores with deadlines so a broken program fails
 * a test instead of hanging it.
 */

import {
  AF_INET,
  type BackendName,
  htons,
  inet_addr,
  INVALID_SOCKET,
  IPPROTO_TCP,
  MAKEWORD,
  ntohs,
  openWinsock,
  sizeof,
  SO_LINGER,
  SOCK_STREAM,
  sockaddr_in,
  type SOCKET,
  SOL_SOCKET,
  SOMAXCONN,
  type Winsock,
  WSADATA,
} from "../mod.ts";
import assert from "node:assert/strict";
export { freePort, waitUntilBound } from "../tutorial/loopback.ts";

const ROOT = new URL("../", import.meta.url);

/**
 * The backends this run tests: `WINSOCK_TS_BACKENDS` (comma-separated) when
 * set, else winsock and deno on Windows, posix and deno elsewhere.
 */
export function testBackends(): BackendName[] {
  const chosen = Deno.env.get("WINSOCK_TS_BACKENDS");
  if (chosen) return chosen.split(",").map((b) => b.trim()) as BackendName[];
  return Deno.build.os === "windows" ? ["winsock", "deno"] : ["posix", "deno"];
}

/** The façade over `backend` (options as `openWinsock`'s), after a `WSAStartup(2.2)` that succeeded. */
export function started(backend: BackendName, options: { blocking: true }): Winsock<true>;
export function started(backend: BackendName): Winsock;
export function started(
  backend: BackendName,
  options: { blocking?: boolean } = {},
): Winsock<boolean> {
  const ws = openWinsock({ backend, ...options });
  assert.equal(ws.backend, backend);
  assert.equal(ws.WSAStartup(MAKEWORD(2, 2), new WSADATA()), 0);
  return ws;
}

/** Rejects with `what` if `promise` has not settled within `ms`. */
export async function deadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Connects to 127.0.0.1:`port`, retrying while the program starts up. */
export async function connectWhenListening(port: number, ms = 20_000): Promise<Deno.TcpConn> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return await Deno.connect({ hostname: "127.0.0.1", port });
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Reads exactly `n` bytes (fails on EOF or after the deadline). */
export async function readExactly(conn: Deno.Conn, n: number, ms = 10_000): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const r = await deadline(conn.read(out.subarray(got)), ms, `reading ${n} bytes (got ${got})`);
    if (r === null) throw new Error(`EOF after ${got} of ${n} bytes`);
    got += r;
  }
  return out;
}

/** Resolves with null when the peer closes, or the bytes if it sends any. */
export async function readEnd(conn: Deno.Conn, ms = 10_000): Promise<Uint8Array | null> {
  const buf = new Uint8Array(64);
  const r = await deadline(conn.read(buf), ms, "waiting for the peer to close");
  return r === null ? null : buf.subarray(0, r);
}

/** Writes all of `bytes`. */
export async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let sent = 0;
  while (sent < bytes.byteLength) sent += await conn.write(bytes.subarray(sent));
}

/** A running tutorial program: stdin to write, stdout read line by line. */
export class Program {
  readonly child: Deno.ChildProcess;
  #stdin: WritableStreamDefaultWriter<Uint8Array>;
  #lines: string[] = [];
  #partial = "";
  #waiters: (() => void)[] = [];
  #stdoutDone: Promise<void>;
  #stderr: Promise<string>;

  /**
   * `options.read`: may read the checkout (a program that starts Workers from its modules);
   * `options.wrap`: a command that runs Deno (`["prlimit", "--nofile=64:64", "--"]`).
   */
  constructor(
    file: string,
    args: string[],
    options: { ffi?: boolean; read?: boolean; wrap?: string[] } = {},
  ) {
    const permissions = [
      "--allow-net=127.0.0.1,[::1],localhost",
      ...(options.ffi === false ? [] : ["--allow-ffi"]),
      ...(options.read ? ["--allow-read=."] : []), // cwd: the checkout
    ];
    const [command, ...wrapArgs] = [...options.wrap ?? [], Deno.execPath()];
    this.child = spawn(
      new Deno.Command(command, {
        args: [...wrapArgs, "run", "--quiet", ...permissions, file, ...args],
        cwd: ROOT,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1" },
      }),
    );
    this.#stdin = this.child.stdin.getWriter();
    this.#stdoutDone = this.#pump();
    this.#stderr = new Response(this.child.stderr).text();
  }

  async #pump(): Promise<void> {
    for await (const text of this.child.stdout.pipeThrough(new TextDecoderStream())) {
      const parts = (this.#partial + text).split("\n");
      this.#partial = parts.pop() as string;
      this.#lines.push(...parts.map((l) => l.replace(/\r$/, "")));
      this.#waiters.splice(0).forEach((w) => w());
    }
    if (this.#partial) this.#lines.push(this.#partial);
    this.#partial = "";
    this.#waiters.splice(0).forEach((w) => w());
  }

  /** The next line the program prints. */
  async line(ms = 10_000): Promise<string> {
    const until = Date.now() + ms;
    while (this.#lines.length === 0) {
      const done = await Promise.race([
        new Promise<boolean>((r) => this.#waiters.push(() => r(false))),
        this.#stdoutDone.then(() => true),
      ].map((p) => deadline(p, Math.max(1, until - Date.now()), "a line from the program")));
      if (done && this.#lines.length === 0) throw new Error("the program ended without that line");
    }
    return this.#lines.shift() as string;
  }

  /** The lines printed and not read yet, taken (no waiting). */
  drain(): string[] {
    return this.#lines.splice(0);
  }

  /** Types text on the program's stdin. */
  async type(text: string): Promise<void> {
    await this.#stdin.write(new TextEncoder().encode(text));
  }

  /** Ends the program's stdin (EOF). */
  async endInput(): Promise<void> {
    await this.#stdin.close().catch(() => {});
  }

  /** Waits for the program to exit; resolves with its code, the rest of stdout and stderr. */
  async exit(ms = 15_000): Promise<{ code: number; rest: string[]; stderr: string }> {
    await this.endInput();
    const status = await deadline(this.child.status, ms, "the program to exit");
    await this.#stdoutDone;
    return { code: status.code, rest: this.#lines.splice(0), stderr: await this.#stderr };
  }

  /** Kills the program if it still runs (for test clean-up). */
  async kill(): Promise<void> {
    try {
      this.child.kill("SIGKILL");
    } catch { /* already gone */ }
    await this.exit().catch(() => {});
  }
}

/** Encodes text as the given wire encoding would (test side, independent of tutorial/text.ts). */
export const GREETING: Record<"utf-8" | "gbk", number[]> = {
  "utf-8": [...new TextEncoder().encode("服务器链接成功"), 0],
  gbk: [0xb7, 0xfe, 0xce, 0xf1, 0xc6, 0xf7, 0xc1, 0xb4, 0xbd, 0xd3, 0xb3, 0xc9, 0xb9, 0xa6, 0],
};

/** The backend that can send a real RST (SO_LINGER {1, 0}): winsock on Windows, posix elsewhere. */
export const NATIVE_BACKEND: BackendName = Deno.build.os === "windows" ? "winsock" : "posix";

/** True under Wine (set by tools/wine/deno.sh). */
export const UNDER_WINE: boolean = Deno.env.get("WINSOCK_TS_UNDER_WINE") === "1";

/**
 * Spawns `command`. Under Wine, process creation itself now and then fails
 * with 1359 (`ERROR_INTERNAL_ERROR`, seen once in a full CI run, never when
 * rerun): that is tried again, twice at most; anything else is thrown.
 */
function spawn(command: Deno.Command): Deno.ChildProcess {
  for (let attempt = 1;; attempt++) {
    try {
      return command.spawn();
    } catch (e) {
      if (!UNDER_WINE || attempt === 3 || !/os error 1359/.test(String(e))) throw e;
    }
  }
}

/**
 * Connects to 127.0.0.1:`port` as a client, lets `settleMs` pass (so what
 * the server sends arrives unread), then closes with SO_LINGER {1, 0}: a RST.
 * Deno's own `conn.close()` does not reset, so this uses the native façade.
 */
export async function connectAndReset(port: number, settleMs: number, ms = 20_000): Promise<void> {
  const ws = openWinsock({ backend: NATIVE_BACKEND });
  ws.WSAStartup(MAKEWORD(2, 2), new WSADATA());
  const si = loopback(port);
  const until = Date.now() + ms;
  let s: SOCKET;
  for (;;) {
    s = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (await ws.connect(s, si, sizeof(si)) === 0) break;
    ws.closesocket(s);
    if (Date.now() > until) throw new Error(`connect: ${ws.WSAGetLastError()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, settleMs));
  const linger = new Uint8Array([1, 0, 0, 0]); // struct linger { u_short l_onoff = 1; u_short l_linger = 0; }
  if (ws.setsockopt(s, SOL_SOCKET, SO_LINGER, linger, 4) !== 0) {
    throw new Error(`setsockopt(SO_LINGER): ${ws.WSAGetLastError()}`);
  }
  ws.closesocket(s);
  ws.WSACleanup();
}

/** `sockaddr_in` for 127.0.0.1:`port`, filled as the tutorial fills it. */
export function loopback(port = 0): sockaddr_in {
  const si = new sockaddr_in();
  si.sin_family = AF_INET;
  si.sin_port = htons(port);
  si.sin_addr.S_un.S_addr = inet_addr("127.0.0.1");
  return si;
}

/** A listening socket on an ephemeral loopback port, through the façade. */
export function listening(ws: Winsock<boolean>): { s: SOCKET; port: number } {
  const s = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  assert.notEqual(s, INVALID_SOCKET, `socket: ${ws.WSAGetLastError()}`);
  const si = loopback();
  assert.equal(ws.bind(s, si, sizeof(si)), 0, `bind: ${ws.WSAGetLastError()}`);
  assert.equal(ws.listen(s, SOMAXCONN), 0, `listen: ${ws.WSAGetLastError()}`);
  const name = new sockaddr_in();
  assert.equal(ws.getsockname(s, name, { value: sizeof(name) }), 0);
  return { s, port: ntohs(name.sin_port) };
}

/**
 * A connected pair through the façade: [client, accepted, listener]. With
 * deadlines: a broken layout must fail a test, not hang it.
 */
export async function pair(ws: Winsock): Promise<[SOCKET, SOCKET, SOCKET]> {
  const { s: listener, port } = listening(ws);
  const client = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  const si = loopback(port);
  const rc = await deadline(ws.connect(client, si, sizeof(si)), 10_000, "connect");
  assert.equal(rc, 0, `connect: ${ws.WSAGetLastError()}`);
  const accepted = await deadline(ws.accept(listener, null, null), 10_000, "accept");
  assert.notEqual(accepted, INVALID_SOCKET, `accept: ${ws.WSAGetLastError()}`);
  return [client, accepted, listener];
}

/** mulberry32: a small seeded PRNG. */
export function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
