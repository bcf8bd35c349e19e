/**
 * The event select and asynchronous select servers (real processes) against
 * clients that misbehave, on each backend: one that sends and never reads,
 * clients that send before the greeting, clients that reset before they are
 * accepted, more clients than the server has descriptors for, and (posix)
 * more than 1,023 descriptors. What is checked is what users see: bytes
 * echoed to the well-behaved clients, the lines printed, the server alive.
 */

import assert from "node:assert/strict";
import {
  connectAndReset,
  deadline,
  freePort,
  GREETING,
  listening,
  Program,
  readExactly,
  started,
  testBackends,
  UNDER_WINE,
  writeAll,
} from "./_support.ts";
import { FIONBIO, INVALID_SOCKET, WSAECONNRESET, WSAEWOULDBLOCK } from "../mod.ts";
import { servesManyClients } from "./_chapter_servers.ts";

const encoder = new TextEncoder();
const HELLO = new Uint8Array(GREETING["utf-8"]);

const SERVERS = [
  { file: "chapters/event_select_server.ts", start: "WSAEventSelect 服务器已启动" },
  { file: "chapters/async_select_server.ts", start: "WSAAsyncSelect 服务器已启动" },
] as const;

/** Connects, then gets the greeting and `text` echoed back (sent before the greeting is read). */
async function echoes(port: number, text: string): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const bytes = encoder.encode(text);
  await writeAll(conn, bytes);
  const got = await readExactly(conn, HELLO.byteLength + bytes.byteLength, 15_000);
  assert.deepEqual(got.subarray(0, HELLO.byteLength), HELLO, "the greeting");
  assert.equal(new TextDecoder().decode(got.subarray(HELLO.byteLength)), text, "the echo");
  return conn;
}

/** Lines the program prints until `until` matches one, or `ms` pass; all of them. */
async function linesUntil(server: Program, until: RegExp, ms: number): Promise<string[]> {
  const lines: string[] = [];
  const end = Date.now() + ms;
  while (!lines.some((l) => until.test(l))) lines.push(await server.line(end - Date.now()));
  return lines;
}

/** A server as a real process, started. */
async function startServer(
  server: typeof SERVERS[number],
  backend: string,
  port: number,
): Promise<Program> {
  const program = new Program(server.file, ["--port", `${port}`, "--backend", backend]);
  assert.equal(await program.line(30_000), `${server.start}: 127.0.0.1:${port}`);
  return program;
}

for (const server of SERVERS) {
  const name = server.file.replace(/^chapters\/|\.ts$/g, "");
  // Past descriptor 1023, where a POSIX fd_set ends.
  Deno.test({
    name: `${name} [posix]: 1,100 clients at once each get their own bytes back`,
    ignore: Deno.build.os === "windows",
    fn: () => servesManyClients(server.file, server.start, "posix", 1100),
  });
  for (const backend of testBackends()) {
    Deno.test(`${name} [${backend}]: a client that sends and never reads holds up nobody`, async () => {
      const port = freePort();
      const program = await startServer(server, backend, port);
      const flooder = await Deno.connect({ hostname: "127.0.0.1", port });
      const others: Deno.TcpConn[] = [];
      try {
        // 8 MiB of messages, never reading the echoes: the server's sends to it fill up.
        const message = new Uint8Array(1500).fill(0x61);
        const flooding = (async () => {
          for (let i = 0; i < 8 * 1024 * 1024 / message.byteLength; i++) {
            await flooder.write(message);
          }
        })().catch(() => {}); // ends when the server drops it, or at close
        await new Promise((r) => setTimeout(r, 1000)); // its buffers fill
        for (let i = 0; i < 3; i++) others.push(await echoes(port, `客户端${i}还在`));
        flooder.close();
        await flooding;
        others.push(await echoes(port, "走了以后"));
      } finally {
        try {
          flooder.close();
        } catch { /* closed above */ }
        for (const c of others) c.close();
        await program.kill();
      }
    });

    Deno.test(`${name} [${backend}]: 70 clients that send before the greeting each get it echoed`, async () => {
      const port = freePort();
      const program = await startServer(server, backend, port);
      const conns: Deno.TcpConn[] = [];
      try {
        // One at a time: the 65th starts the event select server's second group of 64.
        for (let i = 0; i < 70; i++) conns.push(await echoes(port, `第${i}个先说话`));
      } finally {
        for (const c of conns) c.close();
        await program.kill();
      }
    });

    Deno.test(`${name} [${backend}]: clients that reset at once stop nothing; each is named by its address`, async () => {
      const port = freePort();
      const program = await startServer(server, backend, port);
      try {
        // Together, so that some reset before the server has accepted them.
        await Promise.all(Array.from({ length: 20 }, () => connectAndReset(port, 0)));
        const conn = await echoes(port, "重置以后");
        conn.close();
        const lines = await linesUntil(program, /说:\t12 {2}重置以后$/, 15_000);
        const odd = lines.filter((l) =>
          !/^客户端链接成功: 127\.0\.0\.1:\d+$/.test(l) &&
          !/^客户端 127\.0\.0\.1:\d+ (说:|下线$|出错了: 1005[34] )/.test(l) &&
          // Refused at accept: a reset before accept is 10054 (Deno's sockets), 10053 (Linux),
          // 10057 (Wine's ws2_32).
          !/^客户端链接失败: 100(5[34]|57) /.test(l)
        );
        assert.deepEqual(odd, [], "every line names the client by its address");
      } finally {
        await program.kill();
      }
    });

    // Under Wine a lower open-file limit does not reach the Windows process.
    Deno.test({
      name:
        `${name} [${backend}]: out of descriptors, it says 10024 once, serves those connected, then newcomers`,
      ignore: Deno.build.os === "windows" || UNDER_WINE,
      fn: async () => {
        const port = freePort();
        const program = new Program(server.file, ["--port", `${port}`, "--backend", backend], {
          wrap: ["prlimit", "--nofile=48:48", "--"],
        });
        const conns: Deno.TcpConn[] = [];
        try {
          assert.equal(await program.line(30_000), `${server.start}: 127.0.0.1:${port}`);
          // More clients than descriptors, at once (before Deno's own signal set-up, ~0.5 s in).
          const connecting = [];
          for (let i = 0; i < 60; i++) {
            connecting.push(Deno.connect({ hostname: "127.0.0.1", port }));
          }
          conns.push(...await Promise.all(connecting));
          const first = conns[0];
          await writeAll(first, encoder.encode("满了吗"));
          const got = await readExactly(first, HELLO.byteLength + 9, 15_000);
          assert.equal(new TextDecoder().decode(got.subarray(HELLO.byteLength)), "满了吗");
          await new Promise((r) => setTimeout(r, 1500)); // a retry after the back-off, short again
          for (const c of conns.splice(0)) c.close();
          // Descriptors free again: the clients that waited in the backlog are gone; a newcomer.
          const conn = await deadline(echoes(port, "空出来了"), 20_000, "a newcomer served");
          conns.push(conn);
          const lines = await linesUntil(program, /说:\t12 {2}空出来了$/, 15_000);
          const failures = lines.filter((l) => l.startsWith("客户端链接失败"));
          assert.deepEqual(failures, [
            "客户端链接失败: 10024 WSAEMFILE: Too many open files. 打开的文件（套接字）过多。 (稍后重试)",
          ]);
        } finally {
          for (const c of conns) c.close();
          await program.kill();
        }
      },
    });
  }
}

// Linux: Deno's accept there fails for a client gone before it (under Wine the wait never ended).
Deno.test({
  name:
    "deno backend: accept of a client that reset before it was accepted says 10054, then accepts the next",
  ignore: Deno.build.os === "windows",
}, async () => {
  const ws = started("deno");
  try {
    const { s: listener, port } = listening(ws);
    assert.equal(ws.ioctlsocket(listener, FIONBIO, { value: 1 }), 0); // no accept in flight yet
    await connectAndReset(port, 0);
    await new Promise((r) => setTimeout(r, 100)); // the reset has arrived
    let socket = await ws.accept(listener, null, null);
    for (let i = 0; socket === INVALID_SOCKET && ws.WSAGetLastError() === WSAEWOULDBLOCK; i++) {
      assert.ok(i < 100, "accept answered");
      await new Promise((r) => setTimeout(r, 20));
      socket = await ws.accept(listener, null, null);
    }
    assert.equal(socket, INVALID_SOCKET);
    assert.equal(
      ws.WSAGetLastError(),
      WSAECONNRESET,
      "Windows' accept for a client gone before it",
    );
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    for (let i = 0; (socket = await ws.accept(listener, null, null)) === INVALID_SOCKET; i++) {
      assert.equal(ws.WSAGetLastError(), WSAEWOULDBLOCK);
      assert.ok(i < 100, "the next client accepted");
      await new Promise((r) => setTimeout(r, 20));
    }
    conn.close();
    ws.closesocket(socket);
    ws.closesocket(listener);
  } finally {
    ws.WSACleanup();
  }
});
