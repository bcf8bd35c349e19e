/**
 * Hostile clients for the chapter servers, and what to measure of them: a
 * server as a real process (its short lines kept, its memory read), clients
 * that flood without reading, send a byte at a time, send before the
 * greeting, reset before `accept`, or connect and close in a storm. Each
 * load is bounded in count and time.
 */

import assert from "node:assert/strict";
import {
  AF_INET,
  IPPROTO_TCP,
  sizeof,
  SO_LINGER,
  SOCK_STREAM,
  SOCKET_ERROR,
  SOL_SOCKET,
} from "../mod.ts";
import {
  deadline,
  freePort,
  GREETING,
  loopback,
  NATIVE_BACKEND,
  Program,
  readExactly,
  started,
  writeAll,
} from "./_support.ts";

export const encoder = new TextEncoder();
/** The greeting every TCP chapter server sends first (UTF-8, with its NUL). */
export const HELLO = new Uint8Array(GREETING["utf-8"]);

/** A chapter server: its file, the line it starts with, what it needs. */
export interface ChapterServer {
  name: string;
  file: string;
  /** The start of its first line (`…: 127.0.0.1:port` follows). */
  started: string;
  /** It starts Workers from its modules (`--allow-read=.`). */
  read?: boolean;
  /** Clients it serves at once by design; the one beyond is told `refusal` and closed. */
  cap?: { clients: number; refusal: string };
  udp?: boolean;
}

export const CHAPTER_SERVERS: ChapterServer[] = [
  {
    name: "select",
    file: "chapters/select_server.ts",
    started: "select 服务器已启动",
    cap: { clients: 63, refusal: "服务器已满: 一个 fd_set 最多 64 个 socket\0" },
  },
  {
    name: "event_select",
    file: "chapters/event_select_server.ts",
    started: "WSAEventSelect 服务器已启动",
  },
  {
    name: "async_select",
    file: "chapters/async_select_server.ts",
    started: "WSAAsyncSelect 服务器已启动",
  },
  { name: "overlapped", file: "chapters/overlapped_server.ts", started: "重叠 I/O 服务器已启动" },
  {
    name: "completion_routine",
    file: "chapters/completion_routine_server.ts",
    started: "完成例程服务器已启动",
  },
  { name: "iocp", file: "chapters/iocp_server.ts", started: "IOCP 服务器已启动", read: true },
  { name: "udp", file: "chapters/udp_server.ts", started: "UDP 服务器已启动", udp: true },
];

export const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A chapter server running as a real process. Its output is taken as it
 * comes (a flood prints megabytes): lines up to 400 characters are kept in
 * `lines`, longer ones only counted.
 */
export class Server {
  readonly program: Program;
  readonly port: number;
  readonly lines: string[] = [];
  /** The exit code once it exited. */
  code: number | null = null;
  #timer: ReturnType<typeof setInterval>;

  private constructor(program: Program, port: number) {
    this.program = program;
    this.port = port;
    this.#timer = setInterval(() => this.collect(), 50);
    program.child.status.then((s) => this.code = s.code);
  }

  /** Starts `spec` on `backend` and waits for its first line; `nofile`: its open-file limit. */
  static async start(
    spec: ChapterServer,
    backend: string,
    options: { nofile?: number } = {},
  ): Promise<Server> {
    const port = freePort();
    const program = new Program(spec.file, ["--port", `${port}`, "--backend", backend], {
      read: spec.read,
      wrap: options.nofile ? ["prlimit", `--nofile=${options.nofile}:${options.nofile}`, "--"] : [],
    });
    const server = new Server(program, port);
    try {
      assert.equal(await program.line(30_000), `${spec.started}: 127.0.0.1:${port}`);
    } catch (e) {
      await server.stop();
      throw e;
    }
    return server;
  }

  /** The lines printed so far (short ones). */
  collect(): string[] {
    for (const line of this.program.drain()) if (line.length <= 400) this.lines.push(line);
    return this.lines;
  }

  /** Asserts the process still runs, else names its exit code and stderr. */
  async assertAlive(what: string): Promise<void> {
    await delay(0);
    if (this.code === null) return;
    const { stderr } = await this.stop();
    assert.fail(
      `the server exited (${this.code}) ${what}: ${this.lines.slice(-5).join(" | ")}\n${
        stderr.slice(0, 2000)
      }`,
    );
  }

  /** Kills it (if it still runs); resolves with its stderr. */
  async stop(): Promise<{ stderr: string }> {
    clearInterval(this.#timer);
    try {
      this.program.child.kill("SIGKILL");
    } catch { /* exited */ }
    const { rest, stderr } = await this.program.exit();
    this.lines.push(...rest.filter((l) => l.length <= 400));
    return { stderr };
  }
}

/** Connects to 127.0.0.1:`port`. */
export function connect(port: number, ms = 10_000): Promise<Deno.TcpConn> {
  return deadline(Deno.connect({ hostname: "127.0.0.1", port }), ms, "connect");
}

/** Connects and reads the greeting. */
export async function greeted(port: number, ms = 10_000): Promise<Deno.TcpConn> {
  const conn = await connect(port, ms);
  try {
    assert.deepEqual(await readExactly(conn, HELLO.byteLength, ms), HELLO, "the greeting");
  } catch (e) {
    conn.close();
    throw e;
  }
  return conn;
}

/** Sends `text` and reads exactly its bytes back within `ms`; resolves with the time taken. */
export async function roundTrip(conn: Deno.Conn, text: string, ms = 10_000): Promise<number> {
  const bytes = encoder.encode(text);
  const t0 = Date.now();
  await writeAll(conn, bytes);
  assert.deepEqual(await readExactly(conn, bytes.byteLength, ms), bytes, `the echo of ${text}`);
  return Date.now() - t0;
}

/** A new client: greeted, its `text` echoed, closed; all within `ms`. */
export async function served(port: number, text: string, ms = 10_000): Promise<void> {
  const conn = await greeted(port, ms);
  try {
    await roundTrip(conn, text, ms);
  } finally {
    conn.close();
  }
}

/** Sends `text` one byte each `gapMs`. */
export async function slowly(conn: Deno.Conn, text: string, gapMs: number): Promise<void> {
  for (const byte of encoder.encode(text)) {
    await writeAll(conn, new Uint8Array([byte]));
    await delay(gapMs);
  }
}

/** Closes, ignoring a connection closed already. */
export function closeAll(conns: (Deno.Conn | undefined)[]): void {
  for (const conn of conns) {
    try {
      conn?.close();
    } catch { /* closed */ }
  }
}

/** `n` at once; resolves with the indexes of those that failed, and why (the first few). */
export async function failures(
  n: number,
  each: (i: number) => Promise<unknown>,
): Promise<string[]> {
  const settled = await Promise.allSettled(Array.from({ length: n }, (_, i) => each(i)));
  return settled.flatMap((r, i) => r.status === "rejected" ? [`#${i}: ${r.reason?.message}`] : []);
}

/** Asserts nothing failed, naming how many did and the first few. */
export function assertNone(failed: string[], what: string): void {
  assert.equal(failed.length, 0, `${failed.length} ${what}: ${failed.slice(0, 5).join("; ")}`);
}

/** A client that writes as fast as the server takes it and never reads. */
export class Flooder {
  sent = 0;
  #conn: Deno.TcpConn;
  #done: Promise<void>;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    const chunk = new Uint8Array(64 * 1024).fill(0x61);
    this.#done = (async () => {
      for (;;) this.sent += await conn.write(chunk);
    })().catch(() => {}); // until closed
  }

  static async start(port: number): Promise<Flooder> {
    return new Flooder(await connect(port));
  }

  /** Leaves (unread bytes pending: the close resets). */
  async stop(): Promise<void> {
    closeAll([this.#conn]);
    await this.#done;
  }
}

/**
 * `n` clients, one after another, that connect and reset at once
 * (SO_LINGER {1, 0}), before the server can accept them. Stops at the first
 * connect that fails (the server is gone: the caller's check says so).
 */
export async function resetsBeforeAccept(port: number, n: number): Promise<void> {
  const ws = started(NATIVE_BACKEND);
  const si = loopback(port);
  try {
    for (let i = 0; i < n; i++) {
      const s = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
      if (await ws.connect(s, si, sizeof(si)) !== 0) {
        ws.closesocket(s);
        return;
      }
      const linger = new Uint8Array([1, 0, 0, 0]); // { l_onoff = 1, l_linger = 0 }: close resets
      assert.notEqual(ws.setsockopt(s, SOL_SOCKET, SO_LINGER, linger, 4), SOCKET_ERROR);
      ws.closesocket(s);
    }
  } finally {
    ws.WSACleanup();
  }
}

/** `n` connect-and-close, `parallel` at a time; resolves with how many connects failed. */
export async function connectCloseStorm(port: number, n: number, parallel = 16): Promise<number> {
  let left = n, failed = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (left-- > 0) {
      try {
        (await connect(port, 5_000)).close();
      } catch {
        failed++;
      }
    }
  }));
  return failed;
}

/** A UDP socket of our own on 127.0.0.1. */
export function udpSocket(): Deno.DatagramConn {
  return Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
}

/**
 * Sends `text` to the UDP server and waits for its echo, sending again each
 * 250 ms (a datagram may be dropped under load) until `ms`; resolves with the
 * echo and the address it was sent from.
 */
export async function udpEcho(
  port: number,
  text: string,
  ms = 5_000,
): Promise<{ echo: Uint8Array; from: string }> {
  const udp = udpSocket();
  const to = { hostname: "127.0.0.1", port, transport: "udp" as const };
  const bytes = encoder.encode(text);
  let resend: ReturnType<typeof setInterval> | undefined;
  try {
    await udp.send(bytes, to);
    resend = setInterval(() => udp.send(bytes, to).catch(() => {}), 250);
    const [echo] = await deadline(udp.receive(), ms, `the echo of ${JSON.stringify(text)}`);
    return { echo, from: `127.0.0.1:${(udp.addr as Deno.NetAddr).port}` };
  } finally {
    clearInterval(resend);
    udp.close();
  }
}

/** A UDP client that sends 1,400-byte datagrams as fast as it can and never reads. */
export class UdpFlooder {
  sent = 0;
  #udp = udpSocket();
  #done: Promise<void>;

  constructor(port: number) {
    const datagram = new Uint8Array(1400).fill(0x61);
    const to = { hostname: "127.0.0.1", port, transport: "udp" as const };
    this.#done = (async () => {
      for (;;) this.sent += await this.#udp.send(datagram, to);
    })().catch(() => {}); // until closed
  }

  async stop(): Promise<void> {
    this.#udp.close();
    await this.#done;
  }
}
