/**
 * The raw synchronous path, `openWinsock({ blocking: true })`: blocking
 * sockets and one synchronous FFI call per call, as in C: the calls return
 * their values (no Promise), with the same answers and error codes as the
 * non-blocking façade.
 */

import assert from "node:assert/strict";
import {
  AF_INET,
  FD_ISSET,
  FD_SET,
  fd_set,
  IPPROTO_TCP,
  sizeof,
  SOCK_STREAM,
  SOCKET_ERROR,
  timeval,
  WSAEADDRINUSE,
  WSAECONNREFUSED,
} from "../mod.ts";
import { listening, loopback, NATIVE_BACKEND, started, testBackends } from "./_support.ts";

const test = (name: string, fn: () => void) =>
  Deno.test({
    name: `blocking [${NATIVE_BACKEND}]: ${name}`,
    ignore: !testBackends().includes(NATIVE_BACKEND),
    fn,
  });

test("connect, accept, send and recv in lockstep, then the peer's close is 0", () => {
  const ws = started(NATIVE_BACKEND, { blocking: true });
  const { s: listener, port } = listening(ws);
  const client = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  const si = loopback(port);
  assert.equal(ws.connect(client, si, sizeof(si)), 0); // the backlog completes it (a number, as in C)
  const server = ws.accept(listener, null, null);
  assert.equal(typeof server, "bigint");
  const greeting = new TextEncoder().encode("服务器链接成功\0");
  assert.equal(ws.send(server, greeting, greeting.byteLength, 0), 22);
  const buf = new Uint8Array(1500);
  assert.equal(ws.recv(client, buf, 50, 0), 22);
  assert.deepEqual(buf.subarray(0, 22), greeting);
  ws.closesocket(server);
  assert.equal(ws.recv(client, buf, 50, 0), 0);
  for (const s of [client, listener]) ws.closesocket(s);
  ws.WSACleanup();
});

test("a taken port is 10048 and a closed one 10061, read on the calling thread", () => {
  const ws = started(NATIVE_BACKEND, { blocking: true });
  const { s: listener, port } = listening(ws);
  const second = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  const taken = loopback(port);
  assert.equal(ws.bind(second, taken, sizeof(taken)), SOCKET_ERROR);
  assert.equal(ws.WSAGetLastError(), WSAEADDRINUSE);
  ws.closesocket(listener);
  const client = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  assert.equal(ws.connect(client, taken, sizeof(taken)), SOCKET_ERROR);
  assert.equal(ws.WSAGetLastError(), WSAECONNREFUSED);
  for (const s of [second, client]) ws.closesocket(s);
  ws.WSACleanup();
});

test("select blocks for its timeout, and reports a readable socket", () => {
  const ws = started(NATIVE_BACKEND, { blocking: true });
  const { s: listener, port } = listening(ws);
  const reads = new fd_set();
  FD_SET(listener, reads);
  const tenth = new timeval();
  tenth.tv_usec = 100_000;
  const t0 = performance.now();
  assert.equal(ws.select(0, reads, null, null, tenth), 0);
  assert.ok(performance.now() - t0 >= 90, "waited its timeout");
  assert.equal(reads.fd_count, 0);
  const client = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  const si = loopback(port);
  assert.equal(ws.connect(client, si, sizeof(si)), 0);
  FD_SET(listener, reads);
  assert.equal(ws.select(0, reads, null, null, null), 1);
  assert.ok(FD_ISSET(listener, reads));
  for (const s of [client, listener]) ws.closesocket(s);
  ws.WSACleanup();
});
