/**
 * The façade on the posix backend, in process, over real loopback sockets
 * (Linux and macOS): the calls work, and fail with the WSA codes Windows
 * gives for the same causes.
 */

import assert from "node:assert/strict";
import {
  AF_INET,
  AF_INET6,
  inet_ntoa,
  INVALID_SOCKET,
  IPPROTO_TCP,
  MSG_PEEK,
  MSG_WAITALL,
  ntohs,
  resolveBackend,
  SD_SEND,
  sizeof,
  SO_ERROR,
  SO_LINGER,
  SO_REUSEADDR,
  SO_TYPE,
  SOCK_STREAM,
  sockaddr_in,
  sockaddr_in6,
  type SOCKET,
  SOCKET_ERROR,
  SOL_SOCKET,
  SOMAXCONN,
  TCP_NODELAY,
  type Winsock,
  WSAEADDRINUSE,
  WSAECONNREFUSED,
  WSAECONNRESET,
  WSAEINTR,
  WSAEINVAL,
  WSAEISCONN,
  WSAENOPROTOOPT,
  WSAENOTSOCK,
  WSAESHUTDOWN,
} from "../mod.ts";
import { LIBC_PATHS } from "../ffi/libc.ts";
import { listening, loopback, pair, started } from "./_support.ts";

const POSIX = Deno.build.os === "linux" || Deno.build.os === "darwin";

function tcp(ws: Winsock): SOCKET {
  const s = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  assert.notEqual(s, INVALID_SOCKET, `socket: ${ws.WSAGetLastError()}`);
  assert.equal(typeof s, "bigint");
  return s;
}

function localName(ws: Winsock, s: SOCKET): sockaddr_in {
  const name = new sockaddr_in();
  assert.equal(ws.getsockname(s, name, { value: sizeof(name) }), 0);
  return name;
}

function failsWith(ws: Winsock, rc: number | bigint, code: number): void {
  assert.ok(rc === SOCKET_ERROR || rc === INVALID_SOCKET, `expected a failure, got ${rc}`);
  assert.equal(ws.WSAGetLastError(), code);
}

const bytes = (text: string) => new TextEncoder().encode(text);

/** Closes `s` with SO_LINGER {1, 0}: the peer gets a RST. */
function reset(ws: Winsock, s: SOCKET): void {
  const linger = new Uint8Array([1, 0, 0, 0]); // struct linger { u_short l_onoff = 1, l_linger = 0 }
  assert.equal(ws.setsockopt(s, SOL_SOCKET, SO_LINGER, linger, 4), 0);
  assert.equal(ws.closesocket(s), 0);
}

const test = (name: string, fn: () => Promise<void> | void) =>
  Deno.test({ name: `posix backend: ${name}`, ignore: !POSIX, fn });

test("auto means posix here when FFI is allowed", () => {
  assert.equal(resolveBackend("auto"), "posix");
});

test("an echo round trip, and accept fills the client's address", async () => {
  const ws = started("posix");
  const { s: listener, port } = listening(ws);
  const client = tcp(ws);
  const si = loopback(port);
  const from = new sockaddr_in();
  const fromLen = { value: sizeof(from) };
  const [rc, server] = await Promise.all([
    ws.connect(client, si, sizeof(si)),
    ws.accept(listener, from, fromLen),
  ]);
  assert.equal(rc, 0);
  assert.equal(fromLen.value, 16);
  assert.equal(inet_ntoa(from.sin_addr), "127.0.0.1");
  assert.equal(from.sin_port, localName(ws, client).sin_port);

  assert.equal(await ws.send(client, bytes("hello"), 5, 0), 5);
  const buf = new Uint8Array(50);
  const n = await ws.recv(server, buf, 50, 0);
  assert.equal(n, 5);
  assert.equal(await ws.send(server, buf, n, 0), 5);
  assert.equal(await ws.recv(client, buf, 50, 0), 5);
  assert.equal(new TextDecoder().decode(buf.subarray(0, 5)), "hello");
  assert.equal(ws.WSACleanup(), 0);
});

test("getpeername and getsockname give the two ends", async () => {
  const ws = started("posix");
  const [client, server, listener] = await pair(ws);
  const peer = new sockaddr_in();
  const len = { value: sizeof(peer) };
  assert.equal(ws.getpeername(client, peer, len), 0);
  assert.equal(len.value, 16);
  assert.equal(peer.sin_family, AF_INET);
  assert.equal(peer.sin_port, localName(ws, listener).sin_port);
  assert.equal(ws.getpeername(server, peer, len), 0);
  assert.equal(peer.sin_port, localName(ws, client).sin_port);
  assert.equal(inet_ntoa(peer.sin_addr), "127.0.0.1");
  ws.WSACleanup();
});

test("recv takes at most len bytes, MSG_PEEK leaves them, MSG_WAITALL waits for all", async () => {
  const ws = started("posix");
  const [client, server] = await pair(ws);
  assert.equal(await ws.send(client, bytes("0123456789"), 10, 0), 10);
  const buf = new Uint8Array(50);
  assert.equal(await ws.recv(server, buf, 3, MSG_PEEK), 3);
  assert.equal(await ws.recv(server, buf, 4, 0), 4);
  assert.equal(new TextDecoder().decode(buf.subarray(0, 4)), "0123");
  assert.equal(await ws.recv(server, buf, 50, 0), 6);

  const all = ws.recv(server, buf, 8, MSG_WAITALL);
  await ws.send(client, bytes("abcd"), 4, 0);
  await new Promise((r) => setTimeout(r, 50));
  await ws.send(client, bytes("efgh"), 4, 0);
  assert.equal(await all, 8);
  assert.equal(new TextDecoder().decode(buf.subarray(0, 8)), "abcdefgh");
  ws.WSACleanup();
});

test("a large send goes out whole while the peer reads slowly", async () => {
  const ws = started("posix");
  const [client, server] = await pair(ws);
  const big = new Uint8Array(8 << 20).map((_, i) => i & 0xff);
  const sending = ws.send(client, big, big.byteLength, 0);
  const buf = new Uint8Array(1 << 16);
  let got = 0, ok = true;
  while (got < big.byteLength) {
    const n = await ws.recv(server, buf, buf.byteLength, 0);
    assert.ok(n > 0, `recv: ${n} ${ws.WSAGetLastError()}`);
    for (let i = 0; i < n; i++) ok &&= buf[i] === ((got + i) & 0xff);
    got += n;
  }
  assert.equal(await sending, big.byteLength);
  assert.ok(ok, "the bytes arrived in order");
  ws.WSACleanup();
});

test("recv gives 0 at an orderly close (closesocket or shutdown(SD_SEND))", async () => {
  const ws = started("posix");
  const [client, server] = await pair(ws);
  const buf = new Uint8Array(8);
  assert.equal(ws.shutdown(client, SD_SEND), 0);
  assert.equal(await ws.recv(server, buf, 8, 0), 0);
  failsWith(ws, await ws.send(client, buf, 1, 0), WSAESHUTDOWN);
  assert.equal(await ws.send(server, bytes("x"), 1, 0), 1, "the other half still works");
  assert.equal(await ws.recv(client, buf, 8, 0), 1);
  assert.equal(ws.closesocket(server), 0);
  assert.equal(await ws.recv(client, buf, 8, 0), 0);
  ws.WSACleanup();
});

test("bind to a port in use fails with 10048 WSAEADDRINUSE", () => {
  const ws = started("posix");
  const { port } = listening(ws);
  const s = tcp(ws);
  const si = loopback(port);
  failsWith(ws, ws.bind(s, si, sizeof(si)), WSAEADDRINUSE);
  ws.WSACleanup();
});

test("connect to a closed port fails with 10061 WSAECONNREFUSED", async () => {
  const ws = started("posix");
  const probe = tcp(ws);
  const any = loopback();
  assert.equal(ws.bind(probe, any, sizeof(any)), 0); // bound, not listening: refuses
  const si = loopback(ntohs(localName(ws, probe).sin_port));
  const s = tcp(ws);
  failsWith(ws, await ws.connect(s, si, sizeof(si)), WSAECONNREFUSED);
  ws.WSACleanup();
});

test("recv fails with 10054 WSAECONNRESET when the peer resets (SO_LINGER {1, 0})", async () => {
  const ws = started("posix");
  const [client, server] = await pair(ws);
  const buf = new Uint8Array(8);
  const waiting = ws.recv(client, buf, 8, 0);
  reset(ws, server);
  failsWith(ws, await waiting, WSAECONNRESET);
  ws.WSACleanup();
});

test("a close with unread data resets too: recv, then every send, fail with 10054", async () => {
  const ws = started("posix");
  const [client, server] = await pair(ws);
  assert.equal(await ws.send(client, bytes("unread"), 6, 0), 6);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(ws.closesocket(server), 0); // unread data: the kernel sends a RST
  await new Promise((r) => setTimeout(r, 50));
  const buf = new Uint8Array(8);
  failsWith(ws, await ws.recv(client, buf, 8, 0), WSAECONNRESET);
  failsWith(ws, await ws.recv(client, buf, 8, 0), WSAECONNRESET); // Linux alone would say 0
  for (let i = 0; i < 3; i++) {
    failsWith(ws, await ws.send(client, bytes("more"), 4, 0), WSAECONNRESET); // EPIPE on Linux
  }
  ws.WSACleanup();
});

test("no SIGPIPE even where SIGPIPE is not ignored (a child with SIG_DFL)", async () => {
  const script = `
    import * as W from ${JSON.stringify(new URL("../mod.ts", import.meta.url).href)};
    const libc = Deno.dlopen(${JSON.stringify(LIBC_PATHS[Deno.build.os as "linux"])},
      { signal: { parameters: ["i32", "pointer"], result: "pointer" } });
    libc.symbols.signal(13, null); // SIGPIPE: SIG_DFL, so a raised one kills this process
    const ws = W.openWinsock({ backend: "posix" });
    ws.WSAStartup(W.MAKEWORD(2, 2), new W.WSADATA());
    const addr = (port) => { const si = new W.sockaddr_in(); si.sin_family = W.AF_INET;
      si.sin_port = W.htons(port); si.sin_addr.S_un.S_addr = W.inet_addr("127.0.0.1"); return si; };
    const l = ws.socket(W.AF_INET, W.SOCK_STREAM, 0);
    ws.bind(l, addr(0), 16); ws.listen(l, 1);
    const name = new W.sockaddr_in(); ws.getsockname(l, name, { value: 16 });
    const c = ws.socket(W.AF_INET, W.SOCK_STREAM, 0);
    const [, s] = await Promise.all([ws.connect(c, addr(W.ntohs(name.sin_port)), 16), ws.accept(l)]);
    ws.setsockopt(s, W.SOL_SOCKET, W.SO_LINGER, new Uint8Array([1, 0, 0, 0]), 4);
    ws.closesocket(s);
    await new Promise((r) => setTimeout(r, 50));
    const codes = [];
    for (let i = 0; i < 3; i++) { await ws.send(c, new Uint8Array(4), 4, 0); codes.push(ws.WSAGetLastError()); }
    console.log(codes.join(","));
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.signal, null, `killed by ${out.signal} ${stderr}`);
  assert.equal(out.code, 0, stderr);
  assert.equal(new TextDecoder().decode(out.stdout).trim(), "10054,10054,10054");
});

test("a closed or unknown handle fails with 10038 WSAENOTSOCK", async () => {
  const ws = started("posix");
  const s = tcp(ws);
  assert.equal(ws.closesocket(s), 0);
  failsWith(ws, ws.closesocket(s), WSAENOTSOCK);
  failsWith(ws, await ws.recv(s, new Uint8Array(1), 1, 0), WSAENOTSOCK);
  failsWith(ws, ws.listen(0x7777n, 5), WSAENOTSOCK);
  failsWith(ws, ws.closesocket(0n), WSAENOTSOCK); // stdin: open, but not this backend's socket
  ws.WSACleanup();
});

test("a second connect fails with 10056 WSAEISCONN, as on Windows", async () => {
  const ws = started("posix");
  const [client, , listener] = await pair(ws);
  const si = loopback(ntohs(localName(ws, listener).sin_port));
  failsWith(ws, await ws.connect(client, si, sizeof(si)), WSAEISCONN); // Linux alone: 0 once
  ws.WSACleanup();
});

test("listen and getsockname on an unbound socket fail with 10022, as on Windows", () => {
  // Linux would auto-bind (listen) or answer 0.0.0.0:0 (getsockname); Windows says WSAEINVAL.
  const ws = started("posix");
  const s = tcp(ws);
  failsWith(ws, ws.listen(s, SOMAXCONN), WSAEINVAL);
  const name = new sockaddr_in();
  failsWith(ws, ws.getsockname(s, name, { value: sizeof(name) }), WSAEINVAL);
  ws.WSACleanup();
});

test("a pending recv or accept ends with 10004 WSAEINTR when its socket is closed", async () => {
  const ws = started("posix");
  const [client, , listener] = await pair(ws);
  const recv = ws.recv(client, new Uint8Array(8), 8, 0);
  const accept = ws.accept(listener, null, null);
  await new Promise((r) => setTimeout(r, 50));
  ws.closesocket(client);
  ws.closesocket(listener);
  const [r, a] = await Promise.all([recv, accept]);
  assert.equal(r, SOCKET_ERROR);
  assert.equal(a, INVALID_SOCKET);
  assert.equal(ws.WSAGetLastError(), WSAEINTR);
  ws.WSACleanup();
});

test("WSACleanup closes every socket: a pending recv ends", async () => {
  const ws = started("posix");
  const [client] = await pair(ws);
  const recv = ws.recv(client, new Uint8Array(8), 8, 0);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(ws.WSACleanup(), 0);
  assert.equal(await recv, SOCKET_ERROR);
});

test("socket options in Winsock values: BOOLs, SO_TYPE, SO_ERROR, SO_LINGER, unknown ones", async () => {
  const ws = started("posix");
  const [client] = await pair(ws);
  const one = new Uint8Array([1, 0, 0, 0]);
  const out = new Uint8Array(4);
  const len = { value: 4 };
  assert.equal(ws.setsockopt(client, IPPROTO_TCP, TCP_NODELAY, one, 4), 0);
  assert.equal(ws.getsockopt(client, IPPROTO_TCP, TCP_NODELAY, out, len), 0);
  assert.equal(len.value, 1); // a 1-byte BOOLEAN, as Winsock answers TCP_NODELAY
  assert.equal(out[0], 1);
  len.value = 4;
  assert.equal(ws.setsockopt(client, SOL_SOCKET, SO_REUSEADDR, new Uint8Array([1]), 1), 0);
  assert.equal(ws.getsockopt(client, SOL_SOCKET, SO_REUSEADDR, out, len), 0);
  assert.equal(new DataView(out.buffer).getInt32(0, true), 1);
  assert.equal(ws.getsockopt(client, SOL_SOCKET, SO_TYPE, out, len), 0);
  assert.equal(new DataView(out.buffer).getInt32(0, true), SOCK_STREAM);
  assert.equal(ws.getsockopt(client, SOL_SOCKET, SO_ERROR, out, len), 0);
  assert.equal(new DataView(out.buffer).getInt32(0, true), 0);
  assert.equal(ws.setsockopt(client, SOL_SOCKET, SO_LINGER, new Uint8Array([1, 0, 5, 0]), 4), 0);
  assert.equal(ws.getsockopt(client, SOL_SOCKET, SO_LINGER, out, len), 0);
  assert.deepEqual([...out], [1, 0, 5, 0]);
  failsWith(ws, ws.setsockopt(client, SOL_SOCKET, 0x7777, one, 4), WSAENOPROTOOPT); // no such option
  ws.WSACleanup();
});

test("SO_ERROR reads a WSA code, not an errno: 10054 after a reset", async () => {
  const ws = started("posix");
  const [client, server] = await pair(ws);
  reset(ws, server);
  await new Promise((r) => setTimeout(r, 50));
  const out = new Uint8Array(4);
  assert.equal(ws.getsockopt(client, SOL_SOCKET, SO_ERROR, out, { value: 4 }), 0);
  assert.equal(new DataView(out.buffer).getInt32(0, true), WSAECONNRESET);
  ws.WSACleanup();
});

test("IPv6: socket(AF_INET6) with Winsock's 23, loopback echo, sockaddr_in6 back", async () => {
  const ws = started("posix");
  const l = ws.socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP);
  assert.notEqual(l, INVALID_SOCKET, `socket(AF_INET6): ${ws.WSAGetLastError()}`);
  const any = new sockaddr_in6();
  any.sin6_family = AF_INET6;
  any.sin6_addr.s6_addr[15] = 1; // ::1
  if (ws.bind(l, any, sizeof(any)) !== 0) {
    console.log(`no IPv6 loopback here (${ws.WSAGetLastError()}): skipped`);
    ws.WSACleanup();
    return;
  }
  assert.equal(ws.listen(l, SOMAXCONN), 0);
  const name = new sockaddr_in6();
  const nameLen = { value: sizeof(name) };
  assert.equal(ws.getsockname(l, name, nameLen), 0);
  assert.equal(nameLen.value, 28);
  assert.equal(name.sin6_family, AF_INET6);
  assert.notEqual(name.sin6_port, 0);
  const c = ws.socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP);
  const from = new sockaddr_in6();
  const [rc, s] = await Promise.all([
    ws.connect(c, name, sizeof(name)),
    ws.accept(l, from, { value: sizeof(from) }),
  ]);
  assert.equal(rc, 0);
  assert.equal(from.sin6_family, AF_INET6);
  assert.equal(from.sin6_addr.s6_addr[15], 1);
  assert.equal(await ws.send(c, bytes("six"), 3, 0), 3);
  assert.equal(await ws.recv(s, new Uint8Array(8), 8, 0), 3);
  ws.WSACleanup();
});
