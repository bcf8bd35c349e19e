/**
 * Completion ports through the façade, on every backend (winsock: Windows'
 * own ports; posix and deno: the emulation), over real loopback sockets:
 * what `CreateIoCompletionPort`, `WSARecv`/`WSASend` with a `WSAOVERLAPPED`,
 * `GetQueuedCompletionStatus(Ex)`, `PostQueuedCompletionStatus` and
 * `CloseHandle` return, the codes `GetLastError()` then reads, and the bytes
 * that arrive. Each step is what tests/peers/iocp_steps.c does against real
 * Winsock under Wine.
 */

import assert from "node:assert/strict";
import {
  type HANDLE,
  INFINITE,
  INVALID_HANDLE_VALUE,
  OVERLAPPED_ENTRY,
  SOCKET_ERROR,
  type Winsock,
  WSABUF,
  WSAOVERLAPPED,
} from "../mod.ts";
import {
  connectAndReset,
  deadline,
  listening,
  pair,
  started,
  testBackends,
  UNDER_WINE,
} from "./_support.ts";

const encoder = new TextEncoder();

/** GetQueuedCompletionStatus with out-parameters, and a deadline. */
async function dequeue(ws: Winsock, port: HANDLE, ms = 10_000) {
  const bytes = { value: -1 }, key = { value: -1n };
  const ov: { value: WSAOVERLAPPED | null } = { value: null };
  const ok = await deadline(
    ws.GetQueuedCompletionStatus(port, bytes, key, ov, ms),
    Math.min(ms, 10_000) + 20_000,
    "GetQueuedCompletionStatus",
  );
  return {
    ok,
    error: ok ? 0 : ws.GetLastError(),
    bytes: bytes.value,
    key: key.value,
    ov: ov.value,
  };
}

function newPort(ws: Winsock): HANDLE {
  const port = ws.CreateIoCompletionPort(INVALID_HANDLE_VALUE, null, 0n, 0);
  assert.notEqual(port, null, `CreateIoCompletionPort: ${ws.GetLastError()}`);
  return port!;
}

for (const backend of testBackends()) {
  const test = (name: string, fn: () => Promise<void>) =>
    Deno.test({ name: `iocp [${backend}]: ${name}`, fn });

  test("a pending WSARecv completes through the port: key, WSAOVERLAPPED, bytes", async () => {
    const ws = started(backend);
    const [client, server, listener] = await pair(ws);
    const port = newPort(ws);
    assert.equal(ws.CreateIoCompletionPort(server, port, 0x1234n, 0), port);
    const buf = new Uint8Array(64);
    const ov = new WSAOVERLAPPED();
    const flags = { value: 0 };
    assert.equal(ws.WSARecv(server, [new WSABUF(buf)], 1, null, flags, ov, null), SOCKET_ERROR);
    assert.equal(ws.WSAGetLastError(), 997, "WSA_IO_PENDING");
    const idle = await dequeue(ws, port, 50);
    assert.deepEqual([idle.ok, idle.error, idle.ov], [false, 258, null], "WAIT_TIMEOUT");
    assert.equal(await ws.send(client, encoder.encode("iocp one"), 8, 0), 8);
    const got = await dequeue(ws, port);
    assert.deepEqual([got.ok, got.bytes, got.key], [true, 8, 0x1234n]);
    assert.equal(got.ov, ov, "the same WSAOVERLAPPED back");
    assert.equal(ov.Internal, 0n);
    assert.equal(ov.InternalHigh, 8n);
    assert.equal(new TextDecoder().decode(buf.subarray(0, 8)), "iocp one");
    for (const s of [client, server, listener]) ws.closesocket(s);
    assert.equal(ws.CloseHandle(port), true);
    ws.WSACleanup();
  });

  test("a WSASend returns 0 when done at once (else 997), and posts its completion either way", async () => {
    const ws = started(backend);
    const [client, server, listener] = await pair(ws);
    const port = newPort(ws);
    assert.equal(ws.CreateIoCompletionPort(server, port, 7n, 0), port);
    const ov = new WSAOVERLAPPED();
    const sent = { value: -1 };
    const parts = [new WSABUF(encoder.encode("gather ")), new WSABUF(encoder.encode("me"))];
    const rc = ws.WSASend(server, parts, 2, sent, 0, ov, null);
    if (backend === "deno") { // Deno's writes always settle later
      assert.deepEqual([rc, ws.WSAGetLastError(), sent.value], [SOCKET_ERROR, 997, -1]);
    } else { // room in the send buffer: done at once, as Windows does
      assert.deepEqual([rc, sent.value], [0, 9], `WSASend: ${ws.WSAGetLastError()}`);
    }
    const got = await dequeue(ws, port);
    assert.deepEqual([got.ok, got.bytes, got.key, got.ov === ov], [true, 9, 7n, true]);
    const back = new Uint8Array(16);
    let n = 0;
    while (n < 9) n += await ws.recv(client, back.subarray(n), 16 - n, 0);
    assert.equal(new TextDecoder().decode(back.subarray(0, n)), "gather me");
    for (const s of [client, server, listener]) ws.closesocket(s);
    ws.CloseHandle(port);
    ws.WSACleanup();
  });

  test("WSARecv scatters into several WSABUFs; the peer's close completes with 0 bytes", async () => {
    const ws = started(backend);
    const [client, server, listener] = await pair(ws);
    const port = newPort(ws);
    ws.CreateIoCompletionPort(server, port, 1n, 0);
    assert.equal(await ws.send(client, encoder.encode("abcdefg"), 7, 0), 7);
    await new Promise((r) => setTimeout(r, 200)); // let it arrive: one completion for all 7
    const a = new Uint8Array(3), b = new Uint8Array(10);
    const ov = new WSAOVERLAPPED();
    const rc = ws.WSARecv(server, [new WSABUF(a), new WSABUF(b)], 2, null, { value: 0 }, ov, null);
    assert.ok(rc === 0 || ws.WSAGetLastError() === 997, `WSARecv: ${ws.WSAGetLastError()}`);
    const got = await dequeue(ws, port);
    assert.deepEqual([got.ok, got.bytes], [true, 7]);
    assert.equal(
      new TextDecoder().decode(a) + new TextDecoder().decode(b.subarray(0, 4)),
      "abcdefg",
    );
    ws.closesocket(client);
    ws.WSARecv(server, [new WSABUF(b)], 1, null, { value: 0 }, ov, null);
    const end = await dequeue(ws, port);
    assert.deepEqual([end.ok, end.bytes, end.ov === ov], [true, 0, true], "orderly close: 0 bytes");
    for (const s of [server, listener]) ws.closesocket(s);
    ws.CloseHandle(port);
    ws.WSACleanup();
  });

  test("closesocket with a WSARecv pending completes it as aborted (995), not early", async () => {
    const ws = started(backend);
    const [client, server, listener] = await pair(ws);
    const port = newPort(ws);
    ws.CreateIoCompletionPort(server, port, 5n, 0);
    const ov = new WSAOVERLAPPED();
    const buf = new Uint8Array(32);
    assert.equal(ws.WSARecv(server, [new WSABUF(buf)], 1, null, { value: 0 }, ov, null), -1);
    assert.equal(ws.closesocket(server), 0);
    const got = await dequeue(ws, port);
    assert.equal(got.ok, false);
    assert.equal(got.ov, ov, "the failed operation comes back");
    assert.equal(got.key, 5n);
    assert.equal(got.error, 995, "WSA_OPERATION_ABORTED");
    const idle = await dequeue(ws, port, 0);
    assert.deepEqual([idle.ok, idle.error], [false, 258], "nothing else queued");
    for (const s of [client, listener]) ws.closesocket(s);
    ws.CloseHandle(port);
    ws.WSACleanup();
  });

  test("a reset by the peer fails the pending WSARecv with 10054", async () => {
    const ws = started(backend);
    const { s: listener, port: tcpPort } = listening(ws);
    const resetting = connectAndReset(tcpPort, 300);
    const server = await deadline(ws.accept(listener, null, null), 10_000, "accept");
    const port = newPort(ws);
    ws.CreateIoCompletionPort(server, port, 9n, 0);
    const ov = new WSAOVERLAPPED();
    const rc = ws.WSARecv(server, [new WSABUF(new Uint8Array(8))], 1, null, { value: 0 }, ov, null);
    await resetting;
    if (rc === SOCKET_ERROR && ws.WSAGetLastError() !== 997) {
      assert.equal(ws.WSAGetLastError(), 10054); // already reset when asked
    } else {
      const got = await dequeue(ws, port);
      if (UNDER_WINE && backend === "deno") { // Wine's recv says 0 for a reset that poll saw
        assert.deepEqual([got.ok, got.bytes, got.ov === ov], [true, 0, true]);
      } else {
        assert.deepEqual([got.ok, got.error, got.ov === ov], [false, 10054, true]);
      }
    }
    for (const s of [server, listener]) ws.closesocket(s);
    ws.CloseHandle(port);
    ws.WSACleanup();
  });

  test("PostQueuedCompletionStatus wakes a waiter; Ex takes several at once", async () => {
    const ws = started(backend);
    const port = newPort(ws);
    const waiting = dequeue(ws, port, INFINITE);
    await new Promise((r) => setTimeout(r, 50));
    const mine = new WSAOVERLAPPED();
    assert.equal(ws.PostQueuedCompletionStatus(port, 42, 0xdeadn, mine), true);
    const got = await waiting;
    assert.deepEqual([got.ok, got.bytes, got.key, got.ov === mine], [true, 42, 0xdeadn, true]);
    for (let i = 1; i <= 3; i++) ws.PostQueuedCompletionStatus(port, i, BigInt(i), null);
    const entries = [new OVERLAPPED_ENTRY(), new OVERLAPPED_ENTRY()];
    const removed = { value: 0 };
    assert.equal(
      await ws.GetQueuedCompletionStatusEx(port, entries, 2, removed, 1000, false),
      true,
    );
    assert.equal(removed.value, 2);
    assert.deepEqual(entries.map((e) => [e.lpCompletionKey, e.dwNumberOfBytesTransferred]), [
      [1n, 1],
      [2n, 2],
    ]);
    const last = await dequeue(ws, port, 0);
    assert.deepEqual([last.ok, last.key, last.ov], [true, 3n, null]);
    ws.CloseHandle(port);
    ws.WSACleanup();
  });

  test("bad handles and arguments: codes, no stack traces", async () => {
    const ws = started(backend);
    const [client, server, listener] = await pair(ws);
    const port = newPort(ws);
    assert.equal(ws.CreateIoCompletionPort(server, port, 1n, 0), port);
    assert.equal(ws.CreateIoCompletionPort(server, port, 2n, 0), null, "associated twice");
    assert.equal(ws.GetLastError(), 87, "ERROR_INVALID_PARAMETER");
    const big = { value: 0 };
    const tooLong = new WSABUF(new Uint8Array(4), 5);
    assert.equal(
      ws.WSARecv(server, [tooLong], 1, big, { value: 0 }, new WSAOVERLAPPED(), null),
      -1,
    );
    assert.equal(ws.WSAGetLastError(), 10014, "WSAEFAULT: len beyond its buffer");
    assert.equal(ws.WSASend(server, [], 1, big, 0, new WSAOVERLAPPED(), null), -1);
    assert.equal(ws.WSAGetLastError(), 10014, "WSAEFAULT: fewer WSABUFs than dwBufferCount");
    assert.equal(ws.CloseHandle(port), true);
    assert.equal(ws.CloseHandle(port), false);
    assert.equal(ws.GetLastError(), 6, "ERROR_INVALID_HANDLE");
    assert.equal(ws.PostQueuedCompletionStatus(port, 0, 0n, null), false);
    assert.equal(ws.GetLastError(), 6);
    const got = await dequeue(ws, port, 0);
    assert.deepEqual([got.ok, got.error], [false, 6]);
    for (const s of [client, server, listener]) ws.closesocket(s);
    ws.WSACleanup();
  });
}
