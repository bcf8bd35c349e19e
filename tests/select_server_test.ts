/**
 * select_server.ts, a real process: 60 clients (clients.ts, a real process)
 * at once, each getting exactly its own bytes back, while a silent client
 * and a client that resets mid-message disturb nobody; and the 64-socket
 * limit of an fd_set, told to the client beyond it.
 */

import assert from "node:assert/strict";
import {} from "../mod.ts";
import {
  connectWhenListening,
  deadline,
  freePort,
  GREETING,
  Program,
  readExactly,
  testBackends,
  UNDER_WINE,
  writeAll,
} from "./_support.ts";
import { resetMidMessage } from "./_chapter_servers.ts";

const encoder = new TextEncoder();
/** The greeting select_server.ts sends each client (UTF-8, with its NUL). */
const HELLO = new Uint8Array(GREETING["utf-8"]);

async function startServer(backend: string, port: number): Promise<Program> {
  const server = new Program("chapters/select_server.ts", [
    "--port",
    `${port}`,
    "--backend",
    backend,
  ]);
  assert.equal(await server.line(20_000), `select 服务器已启动: 127.0.0.1:${port}`);
  return server;
}

/** The server's lines until `done` says there are enough (with a deadline per line). */
async function linesUntil(server: Program, done: (lines: string[]) => boolean) {
  const lines: string[] = [];
  while (!done(lines)) lines.push(await server.line(20_000));
  return lines;
}

/** The flooder's i-th byte: the alphabet, over and over (legible in the server's lines). */
function floodByte(i: number): number {
  return 97 + (i % 26);
}

/** Writes the alphabet to `conn` as fast as it takes it, never reading, until told to stop. */
class Flood {
  #conn: Deno.TcpConn;
  #sent = 0;
  #lastProgress = Date.now();
  #stopping = false;
  #done: Promise<void>;

  constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    const chunk = new Uint8Array(26 * 2521); // whole alphabets: from any offset it goes on in order
    chunk.forEach((_, i) => chunk[i] = floodByte(i));
    this.#done = (async () => {
      while (!this.#stopping) {
        this.#sent += await conn.write(chunk.subarray(this.#sent % 26));
        this.#lastProgress = Date.now();
      }
    })().catch(() => {}); // closed at the end of a failed test
  }

  /**
   * Resolves once a write has been pending for two seconds (the peer reads no
   * more). Fails beyond 128 MiB (the socket buffers on both sides hold far
   * less: the peer reads without bound) or after `ms`.
   */
  async stalled(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() - this.#lastProgress < 2000) {
      if (Date.now() > until || this.#sent > 128 * 1024 * 1024) {
        this.#stopping = true;
        throw new Error(`the flood never stalled (${this.#sent} bytes sent)`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /**
   * Stops writing and reads everything back, after the greeting (the server can read the rest
   * only as its queue drains); resolves with the count sent and where the
   * echo first differed (-1: nowhere).
   */
  async stopAndReadBack(ms: number): Promise<{ sent: number; wrong: number }> {
    this.#stopping = true;
    assert.deepEqual(await readExactly(this.#conn, HELLO.byteLength, ms), HELLO); // greeted first
    const buf = new Uint8Array(64 * 1024);
    let got = 0, wrong = -1, sent = -1;
    this.#done.then(() => sent = this.#sent);
    while (sent === -1 || got < sent) {
      const n = await deadline(
        this.#conn.read(buf),
        ms,
        `the echo (${got} of ${this.#sent} bytes)`,
      );
      if (n === null) throw new Error(`EOF after ${got} bytes`);
      for (let i = 0; i < n && wrong === -1; i++) {
        if (buf[i] !== floodByte(got + i)) wrong = got + i;
      }
      got += n;
    }
    return { sent, wrong: got === sent ? wrong : sent };
  }
}

for (const backend of testBackends()) {
  Deno.test(`select_server [${backend}]: 60 clients at once each get their own bytes back; a silent and a resetting client disturb nobody`, async () => {
    const port = await freePort();
    const server = await startServer(backend, port);
    let silent: Deno.TcpConn | undefined;
    try {
      silent = await connectWhenListening(port);
      assert.deepEqual(await readExactly(silent, HELLO.byteLength), HELLO);

      const clients = new Program("clients.ts", [
        "--port",
        `${port}`,
        "--backend",
        backend,
        "--count",
        "60",
        "--messages",
        "3",
      ]);
      const resetPort = await resetMidMessage(port);
      const ran = await clients.exit(60_000);
      assert.equal(ran.code, 0, ran.rest.join("\n") + ran.stderr);
      assert.deepEqual(ran.rest, ["60 个客户端同时在线, 各收发 3 条消息: 每个字节都回到了发送者"]);

      // What the server printed: 62 arrivals, 60 clients left, the resetting one dropped.
      const peer = (line: string) => /127\.0\.0\.1:(\d+)/.exec(line)?.[1];
      const lines = await linesUntil(
        server,
        (ls) => ls.filter((l) => / 下线$| 出错了: /.test(l)).length === 61,
      );
      const arrivals = lines.filter((l) => l.startsWith("客户端链接成功: 127.0.0.1:"));
      assert.equal(arrivals.length, 62, "60 clients, the silent one and the resetting one");
      const said = new Map<string, string>();
      for (const line of lines) {
        const m = /^客户端 127\.0\.0\.1:(\d+) 说:\t(\d+) {2}(.*)$/.exec(line);
        if (m) said.set(m[1], (said.get(m[1]) ?? "") + m[3]);
      }
      const resetLine = lines.find((l) => peer(l) === `${resetPort}` && / 下线$| 出错了: /.test(l));
      assert.ok(resetLine, "the resetting client was dropped");
      if (UNDER_WINE && backend === "deno") assert.match(resetLine, / 下线$| 10054 /); // Deno under Wine: EOF
      else assert.match(resetLine, /出错了: 10054 WSAECONNRESET/);
      said.delete(`${resetPort}`); // its half message, if the server got it before the reset
      const seen = new Set<number>();
      for (const [port, text] of said) {
        const i = Number(/^客户端(\d+)的/.exec(text)?.[1]);
        const expected = [0, 1, 2].map((j) => `客户端${i}的第${j}条消息`).join("");
        assert.equal(text, expected, `what 127.0.0.1:${port} said`);
        seen.add(i);
      }
      assert.equal(seen.size, 60, "each of the 60 clients on its own connection");

      // The silent client is still served.
      const hello = encoder.encode("还在吗");
      await writeAll(silent, hello);
      assert.deepEqual(await readExactly(silent, hello.byteLength), hello);
    } finally {
      silent?.close();
      await server.kill();
    }
  });

  Deno.test(`select_server [${backend}]: a client that floods and never reads, and silent clients, hold up nobody; the flooder's queue stays bounded`, async () => {
    const port = await freePort();
    const server = await startServer(backend, port);
    const silent: Deno.TcpConn[] = [];
    let flooder: Deno.TcpConn | undefined;
    try {
      for (let i = 0; i < 3; i++) silent.push(await connectWhenListening(port)); // never read, never send
      flooder = await connectWhenListening(port);
      const flood = new Flood(flooder);
      // Until its sends stall: the server no longer reads it (or, before the fix, no longer reads at all).
      await flood.stalled(120_000);

      const clients = new Program("clients.ts", [
        "--port",
        `${port}`,
        "--backend",
        backend,
        "--count",
        "30",
        "--messages",
        "3",
      ]);
      const ran = await clients.exit(90_000);
      assert.equal(ran.code, 0, ran.rest.join("\n") + ran.stderr);
      assert.deepEqual(ran.rest, ["30 个客户端同时在线, 各收发 3 条消息: 每个字节都回到了发送者"]);

      // The server stopped reading the flooder at its bound.
      const early = await linesUntil(server, (ls) => ls.some((l) => l.includes("暂停接收")));

      // The flooder stops and reads: every byte it sent comes back, in order.
      const { sent, wrong } = await flood.stopAndReadBack(30_000);
      assert.equal(wrong, -1, `byte ${wrong} of ${sent} echoed to the flooder`);

      // The silent clients are still served.
      for (const conn of silent) {
        assert.deepEqual(await readExactly(conn, HELLO.byteLength), HELLO);
        const hello = encoder.encode("还在吗");
        await writeAll(conn, hello);
        assert.deepEqual(await readExactly(conn, hello.byteLength), hello);
      }

      // Never more queued for the flooder than the bound and one recv (1500 bytes); read
      // again once its queue was empty.
      server.child.kill("SIGKILL");
      const lines = [...early, ...(await server.exit()).rest];
      const paused = lines.filter((l) => l.includes("暂停接收"));
      for (const line of paused) {
        const m = /^客户端 127\.0\.0\.1:\d+ 待发 (\d+) 字节, 达到上限 65536: 暂停接收$/.exec(line);
        assert.ok(m, line);
        assert.ok(Number(m[1]) >= 65536 && Number(m[1]) < 65536 + 1500, line);
      }
      assert.ok(
        lines.some((l) => /^客户端 127\.0\.0\.1:\d+ 待发已清空: 继续接收$/.test(l)),
        "the flooder is read again once its queue is empty",
      );
    } finally {
      for (const conn of [...silent, flooder]) {
        try {
          conn?.close();
        } catch { /* closed */ }
      }
      await server.kill();
    }
  });

  Deno.test(`select_server [${backend}]: the client beyond FD_SETSIZE (64 sockets) is told so and closed`, async () => {
    const port = await freePort();
    const server = await startServer(backend, port);
    const conns: Deno.TcpConn[] = [];
    try {
      for (let i = 0; i < 63; i++) {
        const conn = await connectWhenListening(port);
        conns.push(conn);
        assert.deepEqual(await readExactly(conn, HELLO.byteLength), HELLO);
      }
      const extra = await connectWhenListening(port);
      conns.push(extra);
      const told = await new Response(extra.readable).text(); // all of it, up to the close
      assert.equal(
        told,
        "服务器已满: 一个 fd_set 最多 64 个 socket\0",
      );
      const lines = await linesUntil(server, (ls) => ls.some((l) => l.includes("被拒绝")));
      assert.match(lines.at(-1)!, /fd_set 已满 \(FD_SETSIZE = 64, 含监听socket\)。更多客户端请用/);
      const hello = encoder.encode("hello");
      await writeAll(conns[62], hello);
      assert.deepEqual(await readExactly(conns[62], hello.byteLength), hello);
    } finally {
      for (const conn of conns) {
        try {
          conn.close();
        } catch { /* read to its end, closed already */ }
      }
      await server.kill();
    }
  });
}

for (const backend of testBackends()) {
  Deno.test(`select_server.ts [${backend}]: --host ::1 serves over IPv6, naming the client [::1]:port`, async () => {
    const port = freePort();
    const server = new Program("chapters/select_server.ts", [
      "--host",
      "::1",
      "--port",
      `${port}`,
      "--backend",
      backend,
    ]);
    try {
      assert.equal(await server.line(20_000), `select 服务器已启动: ::1:${port}`);
      const conn = await deadline(Deno.connect({ hostname: "::1", port }), 20_000, "connect");
      assert.deepEqual(await readExactly(conn, HELLO.byteLength), HELLO);
      await writeAll(conn, encoder.encode("v6"));
      assert.deepEqual(await readExactly(conn, 2), encoder.encode("v6"));
      const peer = `[::1]:${(conn.localAddr as Deno.NetAddr).port}`;
      assert.equal(await server.line(20_000), `客户端链接成功: ${peer}`);
      assert.equal(await server.line(20_000), `客户端 ${peer} 说:\t2  v6`);
      conn.close();
    } finally {
      await server.kill();
    }
  });
}
