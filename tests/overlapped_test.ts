/**
 * Overlapped I/O through the façade, on every backend (winsock: Windows'
 * own; posix, deno: the emulation), over real loopback sockets:
 * `WSAGetOverlappedResult` before and after completion, completion routines
 * run only inside an alertable `SleepEx` (which then returns
 * `WAIT_IO_COMPLETION`), and an operation aborted by `closesocket`.
 */

import assert from "node:assert/strict";
import {
  AF_INET,
  IPPROTO_TCP,
  ntohs,
  sizeof,
  SO_UPDATE_ACCEPT_CONTEXT,
  SOCK_STREAM,
  type SOCKADDR,
  sockaddr_in,
  SOL_SOCKET,
  WAIT_IO_COMPLETION,
  WSABUF,
  WSAOVERLAPPED,
} from "../mod.ts";
import { deadline, listening, loopback, pair, started, testBackends } from "./_support.ts";

const encoder = new TextEncoder();
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const backend of testBackends()) {
  const test = (name: string, fn: () => Promise<void> | void) =>
    Deno.test({ name: `overlapped [${backend}]: ${name}`, fn });

  test("WSAGetOverlappedResult: 996 while pending, then the bytes (waiting or not)", async () => {
    const ws = started(backend);
    const [client, server, listener] = await pair(ws);
    const buf = new Uint8Array(32);
    const ov = new WSAOVERLAPPED();
    assert.equal(ws.WSARecv(server, [new WSABUF(buf)], 1, null, { value: 0 }, ov, null), -1);
    assert.equal(ws.WSAGetLastError(), 997);
    const n = { value: -1 }, flags = { value: -1 };
    assert.equal(ws.WSAGetOverlappedResult(server, ov, n, false, flags), false);
    assert.equal(ws.WSAGetLastError(), 996, "WSA_IO_INCOMPLETE");
    assert.equal(ov.Internal, 0x103n, "STATUS_PENDING in Internal");
    const waiting = ws.WSAGetOverlappedResult(server, ov, n, true, flags);
    await pause(50);
    await ws.send(client, encoder.encode("hello"), 5, 0);
    assert.equal(await deadline(waiting, 10_000, "fWait"), true);
    assert.deepEqual([n.value, flags.value], [5, 0]);
    assert.equal(new TextDecoder().decode(buf.subarray(0, 5)), "hello");
    assert.equal(ws.WSAGetOverlappedResult(server, ov, n, false, flags), true, "asked again");
    assert.equal(n.value, 5);
    for (const s of [client, server, listener]) ws.closesocket(s);
    ws.WSACleanup();
  });

  test("a completion routine runs only in an alertable SleepEx, which returns 0xC0", async () => {
    const ws = started(backend);
    const [client, server, listener] = await pair(ws);
    const buf = new Uint8Array(32);
    const ov = new WSAOVERLAPPED();
    const calls: [number, number, boolean, number][] = [];
    const rc = ws.WSARecv(server, [new WSABUF(buf)], 1, null, { value: 0 }, ov, (e, n, o, f) => {
      calls.push([e, n, o === ov, f]);
    });
    assert.deepEqual([rc, ws.WSAGetLastError()], [-1, 997]);
    await ws.send(client, encoder.encode("routine"), 7, 0);
    await pause(300); // the data is in; the routine waits for an alertable wait
    assert.deepEqual(calls, [], "not run from the event loop");
    assert.equal(await ws.SleepEx(50, false), 0, "not alertable: nothing runs");
    assert.deepEqual(calls, []);
    assert.equal(await deadline(ws.SleepEx(10_000, true), 20_000, "SleepEx"), WAIT_IO_COMPLETION);
    assert.deepEqual(calls, [[0, 7, true, 0]]);
    assert.equal(new TextDecoder().decode(buf.subarray(0, 7)), "routine");
    assert.equal(await ws.SleepEx(20, true), 0, "nothing queued: the time passes");
    for (const s of [client, server, listener]) ws.closesocket(s);
    ws.WSACleanup();
  });

  test("closesocket with a routine pending: the routine gets 995 in the next alertable wait", async () => {
    const ws = started(backend);
    const [client, server, listener] = await pair(ws);
    const ov = new WSAOVERLAPPED();
    const calls: [number, number][] = [];
    ws.WSARecv(server, [new WSABUF(new Uint8Array(8))], 1, null, { value: 0 }, ov, (e, n) => {
      calls.push([e, n]);
    });
    assert.equal(ws.closesocket(server), 0);
    assert.equal(await deadline(ws.SleepEx(10_000, true), 20_000, "SleepEx"), WAIT_IO_COMPLETION);
    assert.deepEqual(calls, [[995, 0]]);
    for (const s of [client, listener]) ws.closesocket(s);
    ws.WSACleanup();
  });

  test("AcceptEx: the connection lands in the socket given, with its first bytes and both addresses", async () => {
    const ws = started(backend);
    const { s: listener, port } = listening(ws);
    const into = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    const iocp = ws.CreateIoCompletionPort(listener, null, 0x11n, 0)!;
    const out = new Uint8Array(16 + 32 + 32);
    const ov = new WSAOVERLAPPED();
    const got = { value: -1 };
    assert.equal(ws.AcceptEx(listener, into, out, 16, 32, 32, got, ov), false);
    assert.equal(ws.WSAGetLastError(), 997);
    const client = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    const si = loopback(port);
    assert.equal(await deadline(ws.connect(client, si, sizeof(si)), 10_000, "connect"), 0);
    await pause(100);
    assert.equal(ws.WSAGetOverlappedResult(listener, ov, got, false, { value: 0 }), false);
    assert.equal(ws.WSAGetLastError(), 996, "connected, but no data yet: still pending");
    await ws.send(client, encoder.encode("first"), 5, 0);
    const n = { value: 0 }, key = { value: 0n }, done = { value: null as WSAOVERLAPPED | null };
    const ok = await deadline(
      ws.GetQueuedCompletionStatus(iocp, n, key, done, 10_000),
      20_000,
      "GQCS",
    );
    assert.deepEqual([ok, n.value, key.value, done.value === ov], [true, 5, 0x11n, true]);
    assert.equal(new TextDecoder().decode(out.subarray(0, 5)), "first");
    const listenerBytes = new Uint8Array(new BigUint64Array([listener]).buffer);
    ws.setsockopt(into, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT, listenerBytes, 8); // as C does
    const local = { value: null as SOCKADDR | null }, remote = { value: null as SOCKADDR | null };
    const localLen = { value: 0 }, remoteLen = { value: 0 };
    ws.GetAcceptExSockaddrs(out, 16, 32, 32, local, localLen, remote, remoteLen);
    const mine = new sockaddr_in();
    ws.getsockname(client, mine, { value: sizeof(mine) });
    assert.ok(local.value instanceof sockaddr_in && remote.value instanceof sockaddr_in);
    assert.deepEqual([ntohs(local.value.sin_port), localLen.value], [port, 16]);
    assert.deepEqual([ntohs(remote.value.sin_port), remoteLen.value], [ntohs(mine.sin_port), 16]);
    assert.equal(await ws.send(into, encoder.encode("back"), 4, 0), 4, "into is the connection");
    const back = new Uint8Array(4);
    assert.equal(await ws.recv(client, back, 4, 0), 4);
    assert.equal(new TextDecoder().decode(back), "back");
    for (const s of [client, into, listener]) ws.closesocket(s);
    ws.CloseHandle(iocp);
    ws.WSACleanup();
  });

  test("AcceptEx: bad lengths fail before any call", () => {
    const ws = started(backend);
    const { s: listener } = listening(ws);
    const into = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    const ov = new WSAOVERLAPPED();
    assert.equal(ws.AcceptEx(listener, into, new Uint8Array(64), 16, 32, 32, null, ov), false);
    assert.equal(ws.WSAGetLastError(), 10014, "16 + 32 + 32 bytes do not fit in 64");
    assert.equal(ws.AcceptEx(listener, into, new Uint8Array(64), 0, 16, 32, null, ov), false);
    assert.equal(ws.WSAGetLastError(), 10022, "an address length below 32");
    for (const s of [into, listener]) ws.closesocket(s);
    ws.WSACleanup();
  });

  test("bad arguments: lengths and structs checked before any system call", async () => {
    const ws = started(backend);
    const [client, server, listener] = await pair(ws);
    const n = { value: 0 };
    assert.equal(
      ws.WSARecv(
        server,
        [new WSABUF(new Uint8Array(2), 3)],
        1,
        n,
        { value: 0 },
        new WSAOVERLAPPED(),
        null,
      ),
      -1,
    );
    assert.equal(ws.WSAGetLastError(), 10014);
    assert.equal(
      ws.WSARecv(
        server,
        [new WSABUF(new Uint8Array(2))],
        0,
        n,
        { value: 0 },
        new WSAOVERLAPPED(),
        null,
      ),
      -1,
    );
    assert.equal(ws.WSAGetLastError(), 10022, "dwBufferCount 0");
    // deno-lint-ignore no-explicit-any
    const notOv = {} as any;
    assert.equal(ws.WSASend(server, [new WSABUF(new Uint8Array(2))], 1, n, 0, notOv, null), -1);
    assert.equal(ws.WSAGetLastError(), 10022);
    assert.equal(ws.WSAGetOverlappedResult(server, notOv, n, false, { value: 0 }), false);
    assert.equal(ws.WSAGetLastError(), 10014);
    for (const s of [client, server, listener]) ws.closesocket(s);
    ws.WSACleanup();
  });
}
