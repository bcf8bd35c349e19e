/**
 * Faults, as the issue lists them: a peer that resets mid-conversation
 * (10054), a half-close (`shutdown(SD_SEND)`) honoured both ways, the server
 * killed while the client waits, the client killed while the server waits.
 * Each must end with the right line and exit code within a second, and leave
 * no socket open: counted in /proc/net/tcp (and, on Linux, in the program's
 * /proc/<pid>/fd).
 *
 * Already covered elsewhere, not repeated here: server.ts against a client
 * that resets right after the greeting (server_test.ts), recv of 10054 after
 * a reset and recv of 0 after shutdown(SD_SEND) in the façade
 * (winsock_test.ts, posix_backend_test.ts).
 */

import assert from "node:assert/strict";
import {
  AF_INET,
  type BackendName,
  INVALID_SOCKET,
  IPPROTO_TCP,
  SD_SEND,
  sizeof,
  SO_LINGER,
  SOCK_STREAM,
  type SOCKET,
  SOCKET_ERROR,
  SOL_SOCKET,
  type Winsock,
} from "../mod.ts";
import {
  connectWhenListening,
  deadline,
  freePort,
  GREETING,
  listening,
  loopback,
  NATIVE_BACKEND,
  pair,
  Program,
  readEnd,
  readExactly,
  started,
  testBackends,
  UNDER_WINE,
  waitUntilBound,
  writeAll,
} from "./_support.ts";
import {
  assertHolds,
  assertNoneLeft,
  assertOpenOnPort,
  PROC_NET_TCP,
  PROC_PID_FD,
} from "./_proc.ts";

/** The bound the issue sets: from the fault to the survivor's exit. */
const WITHIN_MS = 1_000;

const RESET_LINE = "出错了: 10054 WSAECONNRESET: Connection reset by peer. 连接被对方重置。";
const ascii = (s: string) => new TextEncoder().encode(s);

// ---------------------------------------------------------------------------
// The ends

/**
 * What a killed peer looks like to the survivor. Linux and Wine (whose
 * sockets are Linux sockets, closed by the kernel or wineserver) send a FIN
 * when the killed side had read everything: an orderly close, recv gives 0,
 * exit 0. Nothing in these tests asserts what real Windows does on
 * TerminateProcess (untested here): there either ending is accepted.
 */
const KILL_IS_FIN = Deno.build.os !== "windows" || UNDER_WINE;

function assertEndedByKill(
  ended: { code: number; rest: string[]; stderr: string },
  orderlyLine: string,
): void {
  if (KILL_IS_FIN || ended.code === 0) {
    assert.deepEqual([ended.code, ended.rest, ended.stderr], [0, [orderlyLine], ""]);
  } else {
    assert.deepEqual([ended.code, ended.rest, ended.stderr], [1, [RESET_LINE], ""]);
  }
}

/** Waits for `program` to exit within WITHIN_MS of `since`; resolves with how it ended. */
async function exitsWithin(program: Program, since: number, what: string) {
  await deadline(program.child.status, WITHIN_MS, `${what} to exit within ${WITHIN_MS} ms`);
  const took = performance.now() - since;
  assert.ok(took <= WITHIN_MS, `${what} took ${took.toFixed(0)} ms to exit`);
  return await program.exit();
}

/** Kills `program` and waits until it is gone; resolves with the time of the kill. */
async function killNow(program: Program): Promise<number> {
  const at = performance.now();
  program.child.kill("SIGKILL");
  await deadline(program.child.status, 10_000, "the killed program to be gone");
  return at;
}

/** Receives exactly `n` bytes on a façade socket, with a deadline. */
async function recvExactly(ws: Winsock, s: SOCKET, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const r = await deadline(ws.recv(s, out.subarray(got), n - got, 0), 10_000, "recv");
    assert.ok(r > 0, `recv: ${r} (${ws.WSAGetLastError()}) after ${got} of ${n} bytes`);
    got += r;
  }
  return out;
}

/** closesocket with SO_LINGER {1, 0}: a RST on every stack. */
function reset(ws: Winsock, s: SOCKET): void {
  const linger = new Uint8Array([1, 0, 0, 0]); // struct linger { u_short l_onoff = 1; u_short l_linger = 0; }
  assert.equal(ws.setsockopt(s, SOL_SOCKET, SO_LINGER, linger, 4), 0, `${ws.WSAGetLastError()}`);
  assert.equal(ws.closesocket(s), 0);
}

/** server.ts and client.ts on one port, greeted, one word each way: both wait, the client in recv… */
async function conversation(backend: BackendName) {
  const port = freePort();
  const server = new Program("server.ts", ["--backend", backend, "--port", `${port}`]);
  await waitUntilBound(port);
  assertHolds(server, port, 1, "server.ts listening (before the conversation)");
  const client = new Program("client.ts", ["--backend", backend, "--port", `${port}`]);
  return { port, server, client };
}

// Deno's own sockets under Wine see a reset as an orderly close (Wine consumes
// the error; see README): the reset tests are skipped for them there only.
const resetIgnored = (backend: BackendName) => backend === "deno" && UNDER_WINE;

for (const backend of testBackends()) {
  const name = (what: string) => `faults [${backend}]: ${what}`;

  Deno.test(
    name(
      "server.ts killed while client.ts waits in recv → 链接中断、服务器下线, exit 0 within 1 s",
    ),
    async () => {
      const { port, server, client } = await conversation(backend);
      try {
        assert.equal(await client.line(), `服务器说:\t${GREETING["utf-8"].length}  服务器链接成功`);
        assert.equal(await server.line(), "客户端链接成功");
        assertHolds(server, port, 2, "server.ts (listening + accepted)");
        assertHolds(client, port, 1, "client.ts");
        await client.type("hello\n");
        assert.equal(await server.line(), "客户端说:\t5  hello");
        // The server read all there was and waits on stdin; the client waits in recv.
        assertOpenOnPort(port, ["LISTEN", "ESTABLISHED", "ESTABLISHED"], "mid-conversation");

        const killedAt = await killNow(server);
        assertEndedByKill(await exitsWithin(client, killedAt, "client.ts"), "链接中断、服务器下线");
        await assertNoneLeft(port);
      } finally {
        await client.kill();
        await server.kill();
      }
    },
  );

  Deno.test(
    name(
      "client.ts killed while server.ts waits in recv → 链接中断、客户端下线, exit 0 within 1 s",
    ),
    async () => {
      const { port, server, client } = await conversation(backend);
      try {
        assert.equal(await client.line(), `服务器说:\t${GREETING["utf-8"].length}  服务器链接成功`);
        assert.equal(await server.line(), "客户端链接成功");
        await client.type("hello\n");
        assert.equal(await server.line(), "客户端说:\t5  hello");
        await server.type("world\n");
        assert.equal(await client.line(), "服务器说:\t5  world");
        // The client read all there was and waits on stdin; the server waits in recv.
        assertHolds(server, port, 2, "server.ts (listening + accepted)");
        assertHolds(client, port, 1, "client.ts");
        assertOpenOnPort(port, ["LISTEN", "ESTABLISHED", "ESTABLISHED"], "mid-conversation");

        const killedAt = await killNow(client);
        assertEndedByKill(await exitsWithin(server, killedAt, "server.ts"), "链接中断、客户端下线");
        await assertNoneLeft(port);
      } finally {
        await client.kill();
        await server.kill();
      }
    },
  );

  Deno.test({
    name: name(
      "a server that resets mid-conversation while client.ts waits in recv → 10054, exit 1",
    ),
    ignore: resetIgnored(backend),
    async fn() {
      const ws = started(NATIVE_BACKEND);
      const { s: listener, port } = listening(ws);
      const client = new Program("client.ts", ["--backend", backend, "--port", `${port}`]);
      let accepted: SOCKET | undefined;
      try {
        accepted = await deadline(ws.accept(listener), 20_000, "accept client.ts");
        assert.notEqual(accepted, INVALID_SOCKET, `accept: ${ws.WSAGetLastError()}`);
        assert.equal(ws.closesocket(listener), 0, `closesocket: ${ws.WSAGetLastError()}`); // one connection: only the conversation is left on the port
        const greeting = new Uint8Array(GREETING["utf-8"]);
        assert.equal(
          await ws.send(accepted, greeting, greeting.byteLength, 0),
          greeting.byteLength,
        );
        assert.equal(await client.line(), `服务器说:\t${greeting.byteLength}  服务器链接成功`);
        await client.type("hi\n");
        assert.deepEqual(await recvExactly(ws, accepted, 2), ascii("hi"));
        assertHolds(client, port, 1, "client.ts");
        // client.ts, spawned after listen, holds no copy of the listener: the backends make
        // sockets that children do not inherit (WSA_FLAG_NO_HANDLE_INHERIT, FD_CLOEXEC).
        assertOpenOnPort(port, ["ESTABLISHED", "ESTABLISHED"], "mid-conversation");

        const resetAt = performance.now();
        reset(ws, accepted); // nothing unread on either side: the RST is SO_LINGER's alone
        accepted = undefined;
        const ended = await exitsWithin(client, resetAt, "client.ts");
        assert.deepEqual([ended.code, ended.rest, ended.stderr], [1, [RESET_LINE], ""]);
        await assertNoneLeft(port);
      } finally {
        if (accepted !== undefined) ws.closesocket(accepted);
        ws.closesocket(listener); // 10038 if closed above: harmless
        ws.WSACleanup();
        await client.kill();
      }
    },
  });

  Deno.test({
    name: name(
      "a client that resets mid-conversation while server.ts waits in recv → 10054, exit 1",
    ),
    ignore: resetIgnored(backend),
    async fn() {
      const port = freePort();
      const server = new Program("server.ts", ["--backend", backend, "--port", `${port}`]);
      const ws = started(NATIVE_BACKEND);
      let s: SOCKET | undefined;
      try {
        await waitUntilBound(port);
        s = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        const si = loopback(port);
        assert.equal(await deadline(ws.connect(s, si, sizeof(si)), 10_000, "connect"), 0);
        assert.deepEqual(
          [...await recvExactly(ws, s, GREETING["utf-8"].length)],
          GREETING["utf-8"],
        );
        assert.equal(await server.line(), "客户端链接成功");
        assert.equal(await ws.send(s, ascii("hello"), 5, 0), 5);
        assert.equal(await server.line(), "客户端说:\t5  hello");
        await server.type("world\n");
        assert.deepEqual(await recvExactly(ws, s, 5), ascii("world"));
        assertHolds(server, port, 2, "server.ts (listening + accepted)");
        assertOpenOnPort(port, ["LISTEN", "ESTABLISHED", "ESTABLISHED"], "mid-conversation");

        const resetAt = performance.now();
        reset(ws, s); // nothing unread on either side: the RST is SO_LINGER's alone
        s = undefined;
        const ended = await exitsWithin(server, resetAt, "server.ts");
        assert.deepEqual(
          [ended.code, ended.rest, ended.stderr],
          [1, [RESET_LINE], ""],
        );
        await assertNoneLeft(port);
      } finally {
        if (s !== undefined) ws.closesocket(s);
        ws.WSACleanup();
        await server.kill();
      }
    },
  });

  Deno.test(
    name(
      "the client leaves while server.ts waits for the user; its answer is reset → 链接中断、客户端下线, exit 0",
    ),
    async () => {
      // The tutorial's most common ending. The peer closed in order first, so C's recv gives 0
      // after the reset that answers the server's send (on Linux and under Wine alike).
      const port = freePort();
      const server = new Program("server.ts", ["--backend", backend, "--port", `${port}`]);
      let conn: Deno.TcpConn | undefined;
      try {
        conn = await connectWhenListening(port);
        await readExactly(conn, GREETING["utf-8"].length);
        assert.equal(await server.line(), "客户端链接成功");
        await writeAll(conn, ascii("bye"));
        assert.equal(await server.line(), "客户端说:\t3  bye");
        conn.close(); // everything read: an orderly close (FIN) while server.ts waits on stdin
        conn = undefined;
        await new Promise((r) => setTimeout(r, 300)); // the FIN arrives
        await server.type("anyone\n"); // sent to a closed peer, which answers with a reset
        await deadline(server.child.status, 10_000, "server.ts to exit"); // stdin left open
        const ended = await server.exit();
        assert.deepEqual([ended.code, ended.rest, ended.stderr], [0, ["链接中断、客户端下线"], ""]);
        await assertNoneLeft(port);
      } finally {
        conn?.close();
        await server.kill();
      }
    },
  );

  Deno.test(
    name(
      "a client's shutdown(SD_SEND): server.ts still answers it, then 链接中断、客户端下线, exit 0",
    ),
    async () => {
      const port = freePort();
      const server = new Program("server.ts", ["--backend", backend, "--port", `${port}`]);
      let conn: Deno.TcpConn | undefined;
      try {
        conn = await connectWhenListening(port);
        await readExactly(conn, GREETING["utf-8"].length);
        assert.equal(await server.line(), "客户端链接成功");
        assertHolds(server, port, 2, "server.ts (listening + accepted)");
        await writeAll(conn, ascii("last"));
        await conn.closeWrite(); // shutdown(SD_SEND): our last word, but we still listen
        assert.equal(await server.line(), "客户端说:\t4  last");
        const halfClosedAt = performance.now();
        await server.type("reply\n");
        // The half the client kept open still carries the server's reply…
        assert.deepEqual(await readExactly(conn, 5), ascii("reply"));
        // …then the server reads the 0 of our half-close and closes in turn.
        const ended = await exitsWithin(server, halfClosedAt, "server.ts");
        assert.deepEqual([ended.code, ended.rest, ended.stderr], [0, ["链接中断、客户端下线"], ""]);
        assert.equal(await readEnd(conn), null, "server.ts closed its end");
        conn.close();
        conn = undefined;
        await assertNoneLeft(port);
      } finally {
        conn?.close();
        await server.kill();
      }
    },
  );

  Deno.test(
    name(
      "a server's shutdown(SD_SEND): client.ts says 链接中断、服务器下线, exit 0, closes its end",
    ),
    async () => {
      const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const port = (listener.addr as Deno.NetAddr).port;
      const client = new Program("client.ts", ["--backend", backend, "--port", `${port}`]);
      let conn: Deno.TcpConn | undefined;
      try {
        conn = await deadline(listener.accept(), 20_000, "accept client.ts");
        listener.close();
        await writeAll(conn, new Uint8Array(GREETING["utf-8"]));
        assert.equal(await client.line(), `服务器说:\t${GREETING["utf-8"].length}  服务器链接成功`);
        await client.type("hi\n");
        assert.deepEqual(await readExactly(conn, 2), ascii("hi"));
        assertHolds(client, port, 1, "client.ts");
        const halfClosedAt = performance.now();
        await conn.closeWrite(); // shutdown(SD_SEND) while client.ts waits in recv
        const ended = await exitsWithin(client, halfClosedAt, "client.ts");
        assert.deepEqual([ended.code, ended.rest, ended.stderr], [0, ["链接中断、服务器下线"], ""]);
        assert.equal(await readEnd(conn), null, "client.ts closed its end, sending nothing more");
        conn.close();
        conn = undefined;
        await assertNoneLeft(port);
      } finally {
        conn?.close();
        try {
          listener.close();
        } catch { /* closed above */ }
        await client.kill();
      }
    },
  );

  // The façade: winsock_test.ts checks recv = 0 after shutdown(SD_SEND) on every backend;
  // posix_backend_test.ts the other half too, on posix only. Here: both halves, both ways, every backend.
  for (const first of ["client", "accepted"] as const) {
    Deno.test(
      name(
        `Winsock: shutdown(SD_SEND) by the ${first} side: the peer reads 0, the other half works`,
      ),
      async () => {
        const ws = started(backend);
        const [client, accepted, listener] = await pair(ws);
        const [a, b] = first === "client" ? [client, accepted] : [accepted, client];
        const buf = new Uint8Array(50);
        try {
          assert.equal(ws.shutdown(a, SD_SEND), 0);
          assert.equal(await deadline(ws.recv(b, buf, 50, 0), 5_000, "recv after shutdown"), 0);
          assert.equal(await ws.send(b, ascii("still"), 5, 0), 5, `${ws.WSAGetLastError()}`);
          assert.deepEqual(await recvExactly(ws, a, 5), ascii("still"));
          assert.equal(ws.shutdown(b, SD_SEND), 0);
          assert.equal(await deadline(ws.recv(a, buf, 50, 0), 5_000, "recv after shutdown"), 0);
          assert.equal(
            await deadline(ws.recv(b, buf, 50, 0), 5_000, "recv"),
            0,
            "still 0 for the first one",
          );
          assert.equal(await ws.send(a, ascii("x"), 1, 0), SOCKET_ERROR, "a's send half is shut");
          assert.equal(ws.WSAGetLastError(), 10058, "WSAESHUTDOWN");
        } finally {
          for (const s of [client, accepted, listener]) ws.closesocket(s);
          ws.WSACleanup();
        }
      },
    );
  }
}

if (!PROC_NET_TCP) {
  Deno.test({
    name: "faults: socket counting (needs /proc/net/tcp, which this OS does not have)",
    ignore: true,
    fn() {},
  });
} else if (!PROC_PID_FD) {
  Deno.test({
    name:
      "faults: per-process socket counts (/proc/<pid>/fd: Linux only; counted in /proc/net/tcp here)",
    ignore: true,
    fn() {},
  });
}
