/**
 * UDP through the façade on every backend, over real loopback sockets:
 * datagrams echoed with their boundaries kept (many clients, sizes up to
 * 1400 bytes), a zero-length datagram, a datagram longer than the buffer
 * (10040 WSAEMSGSIZE, the buffer filled), recvfrom on an unbound socket
 * (10022), connected UDP; and the chapter's programs, udp_server.ts and
 * udp_client.ts, talking to each other.
 */

import assert from "node:assert/strict";
import {
  AF_INET,
  FD_ISSET,
  FD_SET,
  fd_set,
  formatAddress,
  INVALID_SOCKET,
  IPPROTO_UDP,
  ntohs,
  sizeof,
  SOCK_DGRAM,
  sockaddr_in,
  type SOCKET,
  SOCKET_ERROR,
  timeval,
  type Winsock,
  WSABUF,
} from "../mod.ts";
import { deadline, freePort, loopback, Program, started, testBackends } from "./_support.ts";

/** A UDP socket bound to 127.0.0.1 on an ephemeral port, and its address. */
function udpSocket(ws: Winsock): { s: SOCKET; addr: sockaddr_in } {
  const s = ws.socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
  assert.notEqual(s, INVALID_SOCKET, `socket: ${ws.WSAGetLastError()}`);
  const si = loopback(0);
  assert.equal(ws.bind(s, si, sizeof(si)), 0, `bind: ${ws.WSAGetLastError()}`);
  const addr = new sockaddr_in();
  assert.equal(ws.getsockname(s, addr, { value: sizeof(addr) }), 0);
  return { s, addr };
}

/** Bytes that tell datagrams and positions apart. */
function payload(client: number, size: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (client * 31 + i * 7) % 251);
}

for (const backend of testBackends()) {
  Deno.test(`udp (${backend}): echo for 8 clients, sizes 1-1400, every boundary kept`, async () => {
    const ws = started(backend);
    const server = udpSocket(ws);
    const serving = (async () => {
      const buf = new Uint8Array(1500);
      for (let i = 0; i < 8 * 6; i++) {
        const from = new sockaddr_in();
        const fromlen = { value: sizeof(from) };
        const n = await ws.recvfrom(server.s, buf, 1500, 0, from, fromlen);
        assert.notEqual(n, SOCKET_ERROR, `recvfrom: ${ws.WSAGetLastError()}`);
        assert.equal(await ws.sendto(server.s, buf, n, 0, from, fromlen.value), n);
      }
    })();
    const sizes = [1, 2, 100, 576, 1399, 1400];
    await deadline(
      Promise.all(Array.from({ length: 8 }, async (_, c) => {
        const { s, addr } = udpSocket(ws);
        for (const size of sizes) {
          const out = payload(c, size);
          assert.equal(await ws.sendto(s, out, size, 0, server.addr, 16), size);
          const back = new Uint8Array(1500), from = new sockaddr_in();
          const n = await ws.recvfrom(s, back, 1500, 0, from, { value: 16 });
          assert.equal(n, size, "one datagram back, whole");
          assert.deepEqual(back.subarray(0, n), out);
          assert.equal(formatAddress(from), formatAddress(server.addr));
        }
        assert.ok(ntohs(addr.sin_port) > 0);
        ws.closesocket(s);
      })),
      60_000,
      "8 clients' echoes",
    );
    await deadline(serving, 10_000, "the server loop");
    ws.closesocket(server.s);
    ws.WSACleanup();
  });

  Deno.test(`udp (${backend}): boundaries, an empty datagram, 10040 with the buffer filled`, async () => {
    const ws = started(backend);
    const a = udpSocket(ws), b = udpSocket(ws);
    const send = (bytes: Uint8Array) => ws.sendto(a.s, bytes, bytes.byteLength, 0, b.addr, 16);
    assert.equal(await send(payload(1, 10)), 10);
    assert.equal(await send(new Uint8Array(0)), 0);
    assert.equal(await send(payload(2, 20)), 20);
    assert.equal(await send(payload(3, 300)), 300);
    const buf = new Uint8Array(1500);
    const recv = () =>
      deadline(ws.recvfrom(b.s, buf, 1500, 0, null, null), 10_000, "a datagram") as Promise<number>;
    assert.equal(await recv(), 10, "two sends are two datagrams, never merged");
    assert.equal(await recv(), 0, "an empty datagram is a datagram");
    assert.equal(await deadline(ws.recv(b.s, buf, 1500, 0), 10_000, "recv"), 20);
    // 300 bytes into a 100-byte buffer: the first 100, then SOCKET_ERROR 10040.
    buf.fill(0xee);
    const from = new sockaddr_in();
    assert.equal(await ws.recvfrom(b.s, buf, 100, 0, from, { value: 16 }), SOCKET_ERROR);
    assert.equal(ws.WSAGetLastError(), 10040);
    assert.deepEqual(buf.subarray(0, 100), payload(3, 300).subarray(0, 100));
    assert.equal(buf[100], 0xee, "nothing past len");
    assert.equal(formatAddress(from), formatAddress(a.addr), "the sender, even so");
    // The rest of that datagram is gone: the next one is the next datagram.
    assert.equal(await send(payload(4, 5)), 5);
    assert.equal(await recv(), 5);
    assert.deepEqual(buf.subarray(0, 5), payload(4, 5));
    ws.closesocket(a.s);
    ws.closesocket(b.s);
    ws.WSACleanup();
  });

  Deno.test(`udp (${backend}): recvfrom unbound is 10022; connected UDP sends to its peer`, async () => {
    const ws = started(backend);
    const u = ws.socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
    const buf = new Uint8Array(64);
    assert.equal(
      await deadline(ws.recvfrom(u, buf, 64, 0, null, null), 10_000, "recvfrom"),
      SOCKET_ERROR,
    );
    assert.equal(ws.WSAGetLastError(), 10022);
    const peer = udpSocket(ws);
    assert.equal(await ws.connect(u, peer.addr, 16), 0);
    assert.equal(await ws.send(u, payload(5, 7), 7, 0), 7);
    assert.equal(await deadline(ws.recv(peer.s, buf, 64, 0), 10_000, "recv"), 7);
    assert.deepEqual(buf.subarray(0, 7), payload(5, 7));
    const mine = new sockaddr_in();
    assert.equal(ws.getsockname(u, mine, { value: 16 }), 0);
    assert.equal(await ws.sendto(peer.s, payload(6, 3), 3, 0, mine, 16), 3);
    assert.equal(await deadline(ws.recv(u, buf, 64, 0), 10_000, "recv"), 3);
    ws.closesocket(u);
    ws.closesocket(peer.s);
    ws.WSACleanup();
  });

  Deno.test(`udp (${backend}): a broadcast sendto without SO_BROADCAST is 10013`, async () => {
    const ws = started(backend);
    const { s } = udpSocket(ws);
    const to = loopback(9);
    to.sin_addr.S_un.S_addr = 0xffffffff; // 255.255.255.255
    assert.equal(await ws.sendto(s, new Uint8Array([1]), 1, 0, to, 16), SOCKET_ERROR);
    assert.equal(ws.WSAGetLastError(), 10013);
    ws.closesocket(s);
    ws.WSACleanup();
  });

  Deno.test(`udp (${backend}): WSASendTo gathers, WSARecvFrom scatters, as ws2_32 does`, async () => {
    const ws = started(backend);
    const a = udpSocket(ws), b = udpSocket(ws);
    const wsabuf = (buf: Uint8Array, len = buf.byteLength) =>
      Object.assign(new WSABUF(), { len, buf });
    const text = (t: string) => new TextEncoder().encode(t);
    const sent = { value: -1 };
    const out = [wsabuf(text("hello")), wsabuf(text("world!"), 5)];
    assert.equal(await ws.WSASendTo(a.s, out, 2, sent, 0, b.addr, 16, null, null), 0);
    assert.equal(sent.value, 10, "one datagram of both buffers");
    // 10 bytes over 4 + 4: both filled in order, 10040, the count untouched (Wine's ws2_32).
    const x = new Uint8Array(4), y = new Uint8Array(4), got = { value: 99 }, flags = { value: 0 };
    const from = new sockaddr_in();
    const rc = await deadline(
      ws.WSARecvFrom(b.s, [wsabuf(x), wsabuf(y)], 2, got, flags, from, { value: 16 }, null, null),
      10_000,
      "WSARecvFrom",
    );
    assert.deepEqual([rc, ws.WSAGetLastError(), got.value, flags.value], [
      SOCKET_ERROR,
      10040,
      99,
      0,
    ]);
    assert.deepEqual([new TextDecoder().decode(x), new TextDecoder().decode(y)], ["hell", "owor"]);
    assert.equal(formatAddress(from), formatAddress(a.addr));
    // 6 bytes over 3 + 16: "abc", then "def".
    assert.equal(await ws.sendto(a.s, text("abcdef"), 6, 0, b.addr, 16), 6);
    const p = new Uint8Array(3), q = new Uint8Array(16);
    const rc2 = await deadline(
      ws.WSARecvFrom(b.s, [wsabuf(p), wsabuf(q)], 2, got, flags, null, null, null, null),
      10_000,
      "WSARecvFrom",
    );
    assert.deepEqual([rc2, got.value], [0, 6]);
    assert.equal(
      new TextDecoder().decode(p) + new TextDecoder().decode(q.subarray(0, 3)),
      "abcdef",
    );
    // Bad input: a len beyond its buffer (10014), overlapped I/O asked for (10045).
    const long = [wsabuf(new Uint8Array(2), 3)];
    assert.equal(await ws.WSASendTo(a.s, long, 1, sent, 0, b.addr, 16, null, null), SOCKET_ERROR);
    assert.equal(ws.WSAGetLastError(), 10014);
    const overlapped = {} as unknown as null;
    assert.equal(
      await ws.WSASendTo(a.s, out, 2, sent, 0, b.addr, 16, overlapped, null),
      SOCKET_ERROR,
    );
    assert.equal(ws.WSAGetLastError(), 10045);
    ws.closesocket(a.s);
    ws.closesocket(b.s);
    ws.WSACleanup();
  });

  Deno.test(`udp (${backend}): select finds a bound UDP socket readable when a datagram waits`, async () => {
    const ws = started(backend);
    const a = udpSocket(ws), b = udpSocket(ws);
    const reads = () => {
      const set = new fd_set();
      FD_SET(b.s, set);
      return set;
    };
    const now = new timeval(); // { 0, 0 }: just look
    const empty = reads();
    assert.equal(await ws.select(0, empty, null, null, now), 0);
    assert.equal(FD_ISSET(b.s, empty), false);
    assert.equal(await ws.sendto(a.s, payload(7, 9), 9, 0, b.addr, 16), 9);
    const ready = reads();
    assert.equal(await deadline(ws.select(0, ready, null, null, null), 10_000, "select"), 1);
    assert.equal(FD_ISSET(b.s, ready), true);
    const buf = new Uint8Array(64);
    assert.equal(await ws.recvfrom(b.s, buf, 64, 0, null, null), 9);
    assert.deepEqual(buf.subarray(0, 9), payload(7, 9));
    ws.closesocket(a.s);
    ws.closesocket(b.s);
    ws.WSACleanup();
  });

  Deno.test(`udp (${backend}): udp_server.ts echoes udp_client.ts's words, each a datagram`, async () => {
    const port = await freePort();
    const flags = ["--port", String(port), "--backend", backend];
    const server = new Program("chapters/udp_server.ts", flags);
    const client = new Program("chapters/udp_client.ts", flags);
    try {
      assert.equal(await server.line(20_000), `UDP 服务器已启动: 127.0.0.1:${port}`);
      await client.type("hello 你好\n");
      assert.match(await server.line(), /^客户端 127\.0\.0\.1:\d+ 说:\t5 {2}hello$/);
      assert.match(await server.line(), /^客户端 127\.0\.0\.1:\d+ 说:\t6 {2}你好$/);
      assert.equal(await client.line(), `服务器 127.0.0.1:${port} 说:\t5  hello`);
      assert.equal(await client.line(), `服务器 127.0.0.1:${port} 说:\t6  你好`);
      const { code } = await client.exit();
      assert.equal(code, 0);
    } finally {
      await client.kill();
      await server.kill();
    }
  });

  Deno.test(`udp (${backend}): udp_client.ts with a server that never answers says so within 5 s`, async () => {
    const silent = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
    const port = (silent.addr as Deno.NetAddr).port;
    const client = new Program("chapters/udp_client.ts", [
      "--port",
      String(port),
      "--backend",
      backend,
    ]);
    try {
      await client.type("hello\n");
      const [got] = await silent.receive();
      assert.equal(new TextDecoder().decode(got), "hello", "the word went out");
      assert.equal(
        await client.line(15_000),
        `5 秒内没有回答: 127.0.0.1:${port} 上有 UDP 服务器吗? ` +
          "(no reply within 5 s: is udp_server.ts running there?)",
      );
      const { code, rest, stderr } = await client.exit();
      assert.deepEqual([code, rest, stderr], [0, [], ""]);
    } finally {
      silent.close();
      await client.kill();
    }
  });
}
