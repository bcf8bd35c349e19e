/**
 * `select` through the façade, on every backend, over real loopback sockets:
 * the count it returns, the sockets left in each fd_set, and the exact bytes
 * `recv` gets afterwards. Written for Windows' semantics (readable: a
 * connection to accept, data, the peer's close, a reset; writable: connected).
 */

import assert from "node:assert/strict";
import {
  AF_INET,
  FD_ISSET,
  FD_SET,
  fd_set,
  INVALID_SOCKET,
  IPPROTO_TCP,
  SD_SEND,
  sizeof,
  SOCK_STREAM,
  type SOCKET,
  SOCKET_ERROR,
  timeval,
  type Winsock,
} from "../mod.ts";
import {
  connectAndReset,
  deadline,
  listening,
  loopback,
  pair,
  started,
  testBackends,
  UNDER_WINE,
} from "./_support.ts";

/** An fd_set holding `sockets`, in that order. */
function fds(...sockets: SOCKET[]): fd_set {
  const set = new fd_set();
  for (const s of sockets) FD_SET(s, set);
  return set;
}

/** A timeval of `ms` milliseconds. */
function tv(ms: number): timeval {
  const t = new timeval();
  t.tv_sec = Math.floor(ms / 1000);
  t.tv_usec = (ms % 1000) * 1000;
  return t;
}

/** The sockets an fd_set holds, in order. */
function members(set: fd_set): SOCKET[] {
  return [...set.fd_array.subarray(0, set.fd_count)];
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Bytes that do not repeat with any short period, so a lost or doubled byte shows. */
function pattern(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 7 + (i >> 8) * 13) % 251);
}

/** `select` on `s` for reading, with a deadline; asserts it reports `s` readable. */
async function waitReadable(ws: Winsock, s: SOCKET, what: string): Promise<void> {
  const reads = fds(s);
  const rc = await deadline(ws.select(0, reads, null, null, tv(10_000)), 15_000, what);
  assert.equal(rc, 1, `${what}: select returned ${rc} (${ws.WSAGetLastError()})`);
  assert.ok(FD_ISSET(s, reads), `${what}: FD_ISSET`);
}

for (const backend of testBackends()) {
  const test = (name: string, fn: () => Promise<void> | void) =>
    Deno.test({ name: `select [${backend}]: ${name}`, fn });

  test("a listening socket becomes readable when a client connects; accept then works", async () => {
    const ws = started(backend);
    const { s: listener, port } = listening(ws);
    const idle = fds(listener);
    assert.equal(await ws.select(0, idle, null, null, tv(0)), 0, "nobody has connected yet");
    assert.equal(idle.fd_count, 0);

    const client = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    const si = loopback(port);
    const connecting = ws.connect(client, si, sizeof(si));
    await waitReadable(ws, listener, "the listener");
    const server = await deadline(ws.accept(listener, null, null), 5_000, "accept");
    assert.notEqual(server, INVALID_SOCKET, `accept: ${ws.WSAGetLastError()}`);
    assert.equal(await deadline(connecting, 5_000, "connect"), 0);

    const after = fds(listener);
    assert.equal(await ws.select(0, after, null, null, tv(0)), 0, "the one connection was taken");
    assert.equal(after.fd_count, 0);
    for (const s of [client, server, listener]) assert.equal(ws.closesocket(s), 0);
    ws.WSACleanup();
  });

  test("a connected socket is not readable with {0, 0}, then readable when data arrives", async () => {
    const ws = started(backend);
    const [client, server, listener] = await pair(ws);
    const reads = fds(server);
    const started_ = performance.now();
    assert.equal(await ws.select(0, reads, null, null, tv(0)), 0);
    assert.ok(performance.now() - started_ < 1_000, "{0, 0} only looks");
    assert.equal(reads.fd_count, 0, "the set is emptied");
    assert.equal(FD_ISSET(server, reads), false);

    const waiting = fds(server);
    let settled = false;
    const pending = ws.select(0, waiting, null, null, null).finally(() => settled = true);
    await delay(100);
    assert.equal(settled, false, "no data, no limit: select still waits");
    const hello = new TextEncoder().encode("hello");
    assert.equal(await ws.send(client, hello, 5, 0), 5);
    assert.equal(await deadline(pending, 10_000, "select after send"), 1);
    assert.deepEqual(members(waiting), [server]);

    // Asking again before recv: still readable, nothing consumed by looking.
    await waitReadable(ws, server, "again, before recv");
    const buf = new Uint8Array(1500);
    assert.equal(await ws.recv(server, buf, 1500, 0), 5);
    assert.deepEqual(buf.subarray(0, 5), hello);
    const drained = fds(server);
    assert.equal(await ws.select(0, drained, null, null, tv(0)), 0, "all read: not readable");
    for (const s of [client, server, listener]) ws.closesocket(s);
    ws.WSACleanup();
  });

  test("data that arrived before a {0, 0} look is seen by it", async () => {
    const ws = started(backend);
    const [client, server, listener] = await pair(ws);
    assert.equal(await ws.send(client, new Uint8Array([1, 2, 3]), 3, 0), 3);
    await delay(100); // in the receive buffer by now
    const reads = fds(server);
    assert.equal(await ws.select(0, reads, null, null, tv(0)), 1);
    assert.deepEqual(members(reads), [server]);
    const buf = new Uint8Array(8);
    assert.equal(await ws.recv(server, buf, 8, 0), 3);
    assert.deepEqual(buf.subarray(0, 3), new Uint8Array([1, 2, 3]));
    for (const s of [client, server, listener]) ws.closesocket(s);
    ws.WSACleanup();
  });

  test("recv after select: a 50-byte recv from 1400 waiting bytes gets 50, the rest follows", async () => {
    const ws = started(backend);
    const [client, server, listener] = await pair(ws);
    const message = pattern(1400);
    assert.equal(await ws.send(client, message, 1400, 0), 1400);
    await waitReadable(ws, server, "1400 bytes sent");
    await delay(100); // all 1400 in the receive buffer
    const buf = new Uint8Array(1500);
    assert.equal(await ws.recv(server, buf, 50, 0), 50);
    assert.deepEqual(buf.subarray(0, 50), message.subarray(0, 50));
    let got = 50;
    while (got < 1400) {
      await waitReadable(ws, server, `after ${got} bytes`);
      const n = await ws.recv(server, buf.subarray(got), 1500 - got, 0);
      assert.ok(n > 0, `recv returned ${n} after ${got} bytes (${ws.WSAGetLastError()})`);
      got += n;
    }
    assert.equal(got, 1400, "not one byte more");
    assert.deepEqual(buf.subarray(0, 1400), message);
    for (const s of [client, server, listener]) ws.closesocket(s);
    ws.WSACleanup();
  });

  test("64 KiB read in 50-byte steps, each driven by select: every byte, in order", async () => {
    const ws = started(backend);
    const [client, server, listener] = await pair(ws);
    const size = 64 * 1024;
    const message = pattern(size);
    const sending = ws.send(client, message, size, 0);
    const out = new Uint8Array(size);
    const buf = new Uint8Array(50);
    let got = 0, steps = 0;
    while (got < size) {
      await waitReadable(ws, server, `after ${got} bytes`);
      const n = await ws.recv(server, buf, 50, 0);
      assert.ok(n > 0 && n <= 50, `recv returned ${n} after ${got} bytes`);
      out.set(buf.subarray(0, n), got);
      got += n;
      steps++;
    }
    assert.equal(await deadline(sending, 10_000, "send"), size);
    assert.equal(got, size);
    assert.ok(steps >= size / 50, `${steps} steps`);
    assert.deepEqual(out, message);
    const rest = fds(server);
    assert.equal(await ws.select(0, rest, null, null, tv(0)), 0, "no byte left over");
    // And the end of the stream is seen after the last byte, not before.
    assert.equal(ws.shutdown(client, SD_SEND), 0);
    await waitReadable(ws, server, "the client's shutdown");
    assert.equal(await ws.recv(server, buf, 50, 0), 0);
    for (const s of [client, server, listener]) ws.closesocket(s);
    ws.WSACleanup();
  });

  test("the peer's close makes the socket readable: its last bytes, then recv returns 0", async () => {
    const ws = started(backend);
    const [client, server, listener] = await pair(ws);
    const bye = new TextEncoder().encode("bye");
    assert.equal(await ws.send(client, bye, 3, 0), 3);
    assert.equal(ws.closesocket(client), 0);
    await waitReadable(ws, server, "data and close");
    await delay(100); // the FIN too
    const buf = new Uint8Array(50);
    assert.equal(await ws.recv(server, buf, 50, 0), 3);
    assert.deepEqual(buf.subarray(0, 3), bye);
    await waitReadable(ws, server, "the close alone");
    assert.equal(await ws.recv(server, buf, 50, 0), 0);
    await waitReadable(ws, server, "still closed");
    assert.equal(await ws.recv(server, buf, 50, 0), 0);
    ws.closesocket(server);
    ws.closesocket(listener);
    ws.WSACleanup();
  });

  // Under Wine, Deno's own sockets see a reset as an orderly close (Wine consumes the error).
  Deno.test({
    name: `select [${backend}]: a reset peer makes the socket readable; recv then fails with 10054`,
    ignore: backend === "deno" && UNDER_WINE,
  }, async () => {
    const ws = started(backend);
    const { s: listener, port } = listening(ws);
    const resetting = connectAndReset(port, 200);
    const server = await deadline(ws.accept(listener, null, null), 10_000, "accept");
    assert.notEqual(server, INVALID_SOCKET);
    // Unread at the client when it closes with SO_LINGER {1, 0}: a RST on every stack.
    assert.equal(await ws.send(server, new Uint8Array([1]), 1, 0), 1);
    await deadline(resetting, 10_000, "the reset");
    await waitReadable(ws, server, "the reset");
    assert.equal(
      await deadline(ws.recv(server, new Uint8Array(50), 50, 0), 5_000, "recv"),
      SOCKET_ERROR,
    );
    assert.equal(ws.WSAGetLastError(), 10054);
    ws.closesocket(server);
    ws.closesocket(listener);
    ws.WSACleanup();
  });

  test("a connected socket is writable at once; a new one is not readable", async () => {
    const ws = started(backend);
    const [client, server, listener] = await pair(ws);
    const writes = fds(client, server);
    assert.equal(await ws.select(0, null, writes, null, tv(0)), 2);
    assert.deepEqual(members(writes), [client, server]);
    const fresh = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    const none = fds(fresh);
    assert.equal(await ws.select(0, none, null, null, tv(0)), 0, "a new socket is not readable");
    assert.equal(none.fd_count, 0);
    for (const s of [client, server, listener, fresh]) ws.closesocket(s);
    ws.WSACleanup();
  });

  test("nothing ready: resolves 0 after the timeout, every set emptied", async () => {
    const ws = started(backend);
    const [client, server, listener] = await pair(ws);
    const reads = fds(server, client, listener);
    const excepts = fds(server);
    const t0 = performance.now();
    const rc = await deadline(ws.select(0, reads, null, excepts, tv(300)), 10_000, "select");
    const elapsed = performance.now() - t0;
    assert.equal(rc, 0);
    assert.ok(elapsed >= 300 - 20, `returned after ${elapsed.toFixed(0)} ms, not 300`);
    assert.deepEqual([reads.fd_count, excepts.fd_count], [0, 0]);
    for (const s of [client, server, listener]) ws.closesocket(s);
    ws.WSACleanup();
  });

  test("the longest timeout (tv_sec 2^31 - 1) waits; it does not expire at once", async () => {
    const ws = started(backend);
    const [client, server, listener] = await pair(ws);
    const longest = new timeval();
    longest.tv_sec = 0x7fffffff;
    longest.tv_usec = 999_999;
    const reads = fds(server);
    let settled = false;
    const pending = ws.select(0, reads, null, null, longest).finally(() => settled = true);
    await delay(200);
    assert.equal(settled, false, "still waiting after 200 ms");
    assert.equal(await ws.send(client, new Uint8Array([9]), 1, 0), 1);
    assert.equal(await deadline(pending, 10_000, "select after send"), 1);
    assert.deepEqual(members(reads), [server]);
    for (const s of [client, server, listener]) ws.closesocket(s);
    ws.WSACleanup();
  });

  test("no sockets in any set is SOCKET_ERROR with 10022 WSAEINVAL", async () => {
    const ws = started(backend);
    assert.equal(await ws.select(0, null, null, null, tv(0)), SOCKET_ERROR);
    assert.equal(ws.WSAGetLastError(), 10022);
    ws.WSASetLastError(0);
    assert.equal(await ws.select(0, new fd_set(), new fd_set(), null, tv(100)), SOCKET_ERROR);
    assert.equal(ws.WSAGetLastError(), 10022);
    ws.WSACleanup();
  });

  test("a closed or unknown socket in a set is SOCKET_ERROR with 10038 WSAENOTSOCK", async () => {
    const ws = started(backend);
    const [client, server, listener] = await pair(ws);
    const gone = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    assert.equal(ws.closesocket(gone), 0);
    assert.equal(await ws.select(0, fds(server, gone), null, null, tv(0)), SOCKET_ERROR);
    assert.equal(ws.WSAGetLastError(), 10038);
    ws.WSASetLastError(0);
    assert.equal(await ws.select(0, null, fds(0x7777_0000n), null, tv(0)), SOCKET_ERROR);
    assert.equal(ws.WSAGetLastError(), 10038);
    for (const s of [client, server, listener]) ws.closesocket(s);
    ws.WSACleanup();
  });

  test("a socket both readable and writable is counted once per set", async () => {
    const ws = started(backend);
    const [client, server, listener] = await pair(ws);
    assert.equal(await ws.send(client, new Uint8Array([42]), 1, 0), 1);
    await waitReadable(ws, server, "one byte");
    const reads = fds(server), writes = fds(server);
    assert.equal(await ws.select(0, reads, writes, null, tv(0)), 2);
    assert.ok(FD_ISSET(server, reads) && FD_ISSET(server, writes));
    const buf = new Uint8Array(4);
    assert.equal(await ws.recv(server, buf, 4, 0), 1);
    assert.equal(buf[0], 42);
    for (const s of [client, server, listener]) ws.closesocket(s);
    ws.WSACleanup();
  });

  test("60 connected sockets, data on four: exactly those four are reported", async () => {
    const ws = started(backend);
    const { s: listener, port } = listening(ws);
    const si = loopback(port);
    const clients: SOCKET[] = [], servers: SOCKET[] = [];
    for (let i = 0; i < 60; i++) {
      const c = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
      assert.equal(await deadline(ws.connect(c, si, sizeof(si)), 10_000, "connect"), 0);
      const s = await deadline(ws.accept(listener, null, null), 10_000, "accept");
      assert.notEqual(s, INVALID_SOCKET);
      clients.push(c);
      servers.push(s);
    }
    const chosen = [59, 3, 42, 17];
    for (const i of chosen) {
      assert.equal(await ws.send(clients[i], new Uint8Array([i]), 1, 0), 1);
    }
    // Until all four are seen: each select reports only chosen ones, in fd_set order.
    const seen = new Set<number>();
    const buf = new Uint8Array(8);
    while (seen.size < chosen.length) {
      const reads = fds(...servers);
      const rc = await deadline(ws.select(0, reads, null, null, tv(10_000)), 15_000, "select");
      assert.ok(rc > 0, `select returned ${rc} with ${seen.size} seen`);
      const ready = members(reads);
      assert.equal(ready.length, rc);
      const indexes = ready.map((s) => servers.indexOf(s));
      assert.deepEqual(indexes, [...indexes].sort((a, b) => a - b), "in fd_set order");
      for (const i of indexes) {
        assert.ok(chosen.includes(i) && !seen.has(i), `server ${i} reported`);
        assert.equal(await ws.recv(servers[i], buf, 8, 0), 1);
        assert.equal(buf[0], i, "its own byte");
        seen.add(i);
      }
    }
    const quiet = fds(...servers);
    assert.equal(await ws.select(0, quiet, null, null, tv(0)), 0);
    for (const s of [...clients, ...servers, listener]) assert.equal(ws.closesocket(s), 0);
    ws.WSACleanup();
  });

  test("closesocket while select waits ends it with SOCKET_ERROR, 10004 WSAEINTR", async () => {
    const ws = started(backend);
    const [client, server, listener] = await pair(ws);
    const pending = ws.select(0, fds(server), null, null, null);
    await delay(50);
    assert.equal(ws.closesocket(server), 0);
    assert.equal(await deadline(pending, 1_000, "select after closesocket"), SOCKET_ERROR);
    assert.equal(ws.WSAGetLastError(), 10004);

    // A socket nothing could ever make ready: closing it still ends the wait.
    const fresh = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    ws.WSASetLastError(0);
    const waiting = ws.select(0, fds(fresh), null, null, tv(30_000));
    await delay(50);
    assert.equal(ws.closesocket(fresh), 0);
    assert.equal(await deadline(waiting, 1_000, "select after closesocket"), SOCKET_ERROR);
    assert.equal(ws.WSAGetLastError(), 10004);
    ws.closesocket(client);
    ws.closesocket(listener);
    ws.WSACleanup();
  });
}
