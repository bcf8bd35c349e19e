/**
 * The façade's C semantics on every backend, in process, over real loopback
 * sockets: return codes, WSAGetLastError(), bounds checks before any system
 * call, and the error codes a user meets first.
 */

import assert from "node:assert/strict";
import {
  AF_INET,
  inet_ntoa,
  INVALID_SOCKET,
  IPPROTO_TCP,
  MAKEWORD,
  openWinsock,
  SD_SEND,
  sizeof,
  SO_LINGER,
  SOCK_STREAM,
  sockaddr_in,
  SOCKET_ERROR,
  SOL_SOCKET,
  SOMAXCONN,
  WSADATA,
} from "../mod.ts";
import {
  deadline,
  listening,
  loopback,
  NATIVE_BACKEND,
  pair,
  started,
  testBackends,
  UNDER_WINE,
} from "./_support.ts";

for (const backend of testBackends()) {
  const test = (name: string, fn: () => Promise<void> | void) =>
    Deno.test({ name: `Winsock [${backend}]: ${name}`, fn });

  test("WSAStartup negotiates as the tutorial's table says and fills WSADATA", () => {
    const ws = openWinsock({ backend });
    const data = new WSADATA();
    assert.equal(ws.WSAStartup(MAKEWORD(2, 2), data), 0);
    assert.deepEqual(
      [data.wVersion, data.wHighVersion, data.szDescription, data.szSystemStatus],
      [0x0202, 0x0202, "WinSock 2.0", "Running"],
    );
    // [asked major, minor] → [got major, minor]: 1.3 → 1.1, 2.3 → 2.2, 3.1 → 2.2 (the tutorial's table)
    const table = [[[1, 3], [1, 1]], [[2, 3], [2, 2]], [[3, 1], [2, 2]], [[1, 1], [1, 1]], [
      [2, 1],
      [2, 1],
    ]];
    for (const [[major, minor], [gotMajor, gotMinor]] of table) {
      const d = new WSADATA();
      assert.equal(ws.WSAStartup(MAKEWORD(major, minor), d), 0, `WSAStartup(${major}.${minor})`);
      assert.equal(
        d.wVersion,
        MAKEWORD(gotMajor, gotMinor),
        `WSAStartup(${major}.${minor}).wVersion`,
      );
    }
    for (const minor of [0, 1, 3]) {
      assert.equal(
        ws.WSAStartup(MAKEWORD(0, minor), new WSADATA()),
        10092,
        `0.${minor}: WSAVERNOTSUPPORTED`,
      );
    }
    for (let i = 0; i < 6; i++) assert.equal(ws.WSACleanup(), 0);
    assert.equal(ws.WSACleanup(), SOCKET_ERROR);
    assert.equal(ws.WSAGetLastError(), 10093);
  });

  test("calls before WSAStartup and after WSACleanup fail with 10093 WSANOTINITIALISED", () => {
    const ws = openWinsock({ backend });
    assert.equal(ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP), INVALID_SOCKET);
    assert.equal(ws.WSAGetLastError(), 10093);
    assert.equal(ws.WSAStartup(MAKEWORD(2, 2), new WSADATA()), 0);
    const s = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    assert.notEqual(s, INVALID_SOCKET);
    assert.equal(ws.WSACleanup(), 0);
    assert.equal(ws.closesocket(s), SOCKET_ERROR);
    assert.equal(ws.WSAGetLastError(), 10093);
  });

  test("send, recv of at most len bytes, peer and local names, shutdown gives 0", async () => {
    const ws = started(backend);
    const [client, server, listener] = await pair(ws);
    const peer = new sockaddr_in();
    const len = { value: sizeof(peer) };
    assert.equal(ws.getpeername(server, peer, len), 0);
    assert.deepEqual([peer.sin_family, inet_ntoa(peer.sin_addr), len.value], [
      AF_INET,
      "127.0.0.1",
      16,
    ]);
    const local = new sockaddr_in();
    assert.equal(ws.getsockname(client, local, { value: 16 }), 0);
    assert.equal(local.sin_port, peer.sin_port, "the client's port, seen from both ends");

    const message = new TextEncoder().encode("0123456789".repeat(8));
    assert.equal(await ws.send(client, message, message.byteLength, 0), 80);
    const buf = new Uint8Array(1500);
    let got = 0;
    while (got < 80) {
      const n = await ws.recv(server, buf.subarray(got), 50, 0);
      assert.ok(n > 0 && n <= 50, `recv returned ${n}`);
      got += n;
    }
    assert.deepEqual(buf.subarray(0, 80), message);
    assert.equal(ws.shutdown(client, SD_SEND), 0);
    assert.equal(await ws.recv(server, buf, 50, 0), 0);
    for (const s of [client, server, listener]) assert.equal(ws.closesocket(s), 0);
    ws.WSACleanup();
  });

  test("a length beyond the buffer is refused with 10014 WSAEFAULT before any call", async () => {
    const ws = started(backend);
    const [client, server, listener] = await pair(ws);
    const small = new Uint8Array(10);
    assert.equal(await ws.recv(server, small, 11, 0), SOCKET_ERROR);
    assert.equal(ws.WSAGetLastError(), 10014);
    assert.equal(await ws.send(client, small, 1500, 0), SOCKET_ERROR);
    assert.equal(ws.WSAGetLastError(), 10014);
    assert.equal(await ws.send(client, small, -1, 0), SOCKET_ERROR);
    assert.equal(ws.WSAGetLastError(), 10014); // as C: Winsock's probe of the range fails
    assert.equal(await ws.recv(server, small, 2.5, 0), SOCKET_ERROR);
    assert.equal(ws.WSAGetLastError(), 10022);
    // Nothing was sent by the refused calls: the next byte the server reads is the first one sent.
    assert.equal(await ws.send(client, new Uint8Array([7]), 1, 0), 1);
    assert.equal(await ws.recv(server, small, 10, 0), 1);
    assert.equal(small[0], 7);
    // The tutorial's first accept passes `int len = 0`: too small for the address.
    const clientMsg = new sockaddr_in();
    assert.equal(await ws.accept(listener, clientMsg, { value: 0 }), INVALID_SOCKET);
    assert.equal(ws.WSAGetLastError(), 10014);
    for (const s of [client, server, listener]) ws.closesocket(s);
    ws.WSACleanup();
  });

  test("listen on an unbound socket and accept on one not listening are 10022 WSAEINVAL", async () => {
    const ws = started(backend);
    const unbound = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    assert.equal(ws.listen(unbound, SOMAXCONN), SOCKET_ERROR);
    assert.equal(ws.WSAGetLastError(), 10022);
    const bound = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    const si = loopback();
    assert.equal(ws.bind(bound, si, sizeof(si)), 0);
    assert.equal(await deadline(ws.accept(bound), 5_000, "accept"), INVALID_SOCKET);
    assert.equal(ws.WSAGetLastError(), 10022);
    ws.closesocket(unbound);
    ws.closesocket(bound);
    ws.WSACleanup();
  });

  test("a closed or unknown SOCKET is 10038 WSAENOTSOCK", async () => {
    const ws = started(backend);
    const s = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    assert.equal(ws.closesocket(s), 0);
    assert.equal(ws.closesocket(s), SOCKET_ERROR);
    assert.equal(ws.WSAGetLastError(), 10038);
    assert.equal(await ws.recv(0x7777_0000n, new Uint8Array(4), 4, 0), SOCKET_ERROR);
    assert.equal(ws.WSAGetLastError(), 10038);
    ws.WSACleanup();
  });

  test("bind on a taken port is 10048 WSAEADDRINUSE; connect to a closed port is 10061", async () => {
    const ws = started(backend);
    const { s: listener, port } = listening(ws);
    const second = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    const taken = loopback(port);
    assert.equal(ws.bind(second, taken, sizeof(taken)), SOCKET_ERROR);
    assert.equal(ws.WSAGetLastError(), 10048);
    ws.closesocket(listener); // now nobody listens there
    const client = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    assert.equal(
      await deadline(ws.connect(client, taken, sizeof(taken)), 10_000, "connect"),
      SOCKET_ERROR,
    );
    assert.equal(ws.WSAGetLastError(), 10061);
    ws.closesocket(second);
    ws.closesocket(client);
    ws.WSACleanup();
  });

  // Under Wine, Deno's own sockets see a reset as an orderly close (Wine consumes the error).
  Deno.test({
    name: `Winsock [${backend}]: a reset while in recv is 10054 WSAECONNRESET`,
    ignore: backend === "deno" && UNDER_WINE,
  }, async () => {
    const ws = started(backend);
    const { s: listener, port } = listening(ws);
    const native = started(NATIVE_BACKEND);
    const rude = native.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    const si = loopback(port);
    assert.equal(await deadline(native.connect(rude, si, sizeof(si)), 10_000, "connect"), 0);
    const server = await deadline(ws.accept(listener), 10_000, "accept");
    // Unread data in its receive buffer and SO_LINGER {1, 0}: closing sends RST on every stack.
    assert.equal(await ws.send(server, new Uint8Array([1]), 1, 0), 1);
    await new Promise((r) => setTimeout(r, 100));
    const pending = ws.recv(server, new Uint8Array(50), 50, 0);
    const linger = new Uint8Array([1, 0, 0, 0]); // struct linger { u_short l_onoff = 1; u_short l_linger = 0; }
    assert.equal(
      native.setsockopt(rude, SOL_SOCKET, SO_LINGER, linger, 4),
      0,
      `${native.WSAGetLastError()}`,
    );
    assert.equal(native.closesocket(rude), 0); // with linger 0: RST
    assert.equal(await deadline(pending, 5_000, "recv after RST"), SOCKET_ERROR);
    assert.equal(ws.WSAGetLastError(), 10054);
    ws.closesocket(server);
    ws.closesocket(listener);
    ws.WSACleanup();
    native.WSACleanup();
  });

  test("closesocket ends a pending recv within a second (10004 WSAEINTR)", async () => {
    const ws = started(backend);
    const [client, server, listener] = await pair(ws);
    const pending = ws.recv(server, new Uint8Array(50), 50, 0);
    await new Promise((r) => setTimeout(r, 50));
    ws.closesocket(server);
    assert.equal(await deadline(pending, 1_000, "recv after closesocket"), SOCKET_ERROR);
    assert.equal(ws.WSAGetLastError(), 10004);
    ws.closesocket(client);
    ws.closesocket(listener);
    ws.WSACleanup();
  });
}
