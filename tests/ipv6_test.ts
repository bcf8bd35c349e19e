/**
 * IPv6 on every backend: the tutorial exchange (server.ts and client.ts)
 * over [::1], UDP over [::1], and IPV6_V6ONLY on by default (Windows'
 * default): an AF_INET6 socket bound to :: takes no IPv4.
 */

import assert from "node:assert/strict";
import {
  AF_INET,
  AF_INET6,
  formatAddress,
  INVALID_SOCKET,
  IPPROTO_TCP,
  IPPROTO_UDP,
  SOCK_DGRAM,
  SOCK_STREAM,
  sockaddr_in6,
  SOCKET_ERROR,
  SOMAXCONN,
} from "../mod.ts";
import { ipv6Address } from "../tutorial/addresses.ts";
import {
  deadline,
  freePort,
  GREETING,
  loopback,
  Program,
  started,
  testBackends,
  waitUntilBound,
} from "./_support.ts";

for (const backend of testBackends()) {
  Deno.test(`ipv6 (${backend}): the tutorial exchange over [::1]`, async () => {
    const port = freePort();
    const flags = ["--host", "::1", "--port", String(port), "--backend", backend];
    const server = new Program("server.ts", flags);
    let client: Program | undefined;
    try {
      await waitUntilBound(port, 20_000, "::1"); // the client retries nothing
      client = new Program("client.ts", flags);
      assert.equal(await server.line(20_000), "客户端链接成功");
      assert.equal(
        await client.line(20_000),
        `服务器说:\t${GREETING["utf-8"].length}  服务器链接成功`,
      );
      await client.type("hello\n");
      assert.equal(await server.line(), "客户端说:\t5  hello");
      await server.type("world\n");
      assert.equal(await client.line(), "服务器说:\t5  world");
    } finally {
      await client?.kill();
      await server.kill();
    }
  });

  Deno.test(`ipv6 (${backend}): TCP, V6ONLY on: an IPv4 client is never accepted on ::`, async () => {
    const ws = started(backend);
    const l6 = ws.socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP);
    assert.equal(ws.bind(l6, ipv6Address("::", 0), 28), 0, `bind: ${ws.WSAGetLastError()}`);
    assert.equal(ws.listen(l6, SOMAXCONN), 0);
    const bound = new sockaddr_in6();
    assert.equal(ws.getsockname(l6, bound, { value: 28 }), 0);
    const port = (bound.sin6_port >> 8) | ((bound.sin6_port & 0xff) << 8);
    // IPv4 to the port: refused (Windows, Linux with V6ONLY), or (the deno backend, whose
    // listener Deno makes dual-stack) closed by the accept that skips it; never accepted.
    let c4: Deno.TcpConn | null = null;
    try {
      c4 = await Deno.connect({ hostname: "127.0.0.1", port });
    } catch (e) {
      assert.ok(e instanceof Deno.errors.ConnectionRefused, String(e));
    }
    const c6 = await Deno.connect({ hostname: "::1", port });
    const peer = new sockaddr_in6();
    const a = await deadline(ws.accept(l6, peer, { value: 28 }), 10_000, "accept");
    assert.notEqual(a, INVALID_SOCKET, `accept: ${ws.WSAGetLastError()}`);
    assert.equal(formatAddress(peer), `[::1]:${(c6.localAddr as Deno.NetAddr).port}`);
    if (c4) {
      assert.equal(await deadline(c4.read(new Uint8Array(1)), 10_000, "IPv4 read"), null);
      c4.close();
    }
    c6.close();
    ws.closesocket(a);
    ws.closesocket(l6);
    ws.WSACleanup();
  });

  Deno.test(`ipv6 (${backend}): UDP over [::1]; V6ONLY on: no IPv4 reaches ::`, async () => {
    const ws = started(backend);
    const s6 = ws.socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP);
    assert.equal(ws.bind(s6, ipv6Address("::", 0), 28), 0, `bind: ${ws.WSAGetLastError()}`);
    const bound = new sockaddr_in6();
    assert.equal(ws.getsockname(s6, bound, { value: 28 }), 0);
    const port = (bound.sin6_port >> 8) | ((bound.sin6_port & 0xff) << 8);
    // IPv4 to the same port: with V6ONLY on it never arrives.
    const s4 = ws.socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
    const to4 = loopback(port);
    assert.equal(await ws.sendto(s4, new Uint8Array([4]), 1, 0, to4, 16), 1);
    // IPv6 to [::1]: arrives, from [::1].
    const c6 = ws.socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP);
    assert.equal(
      await ws.sendto(c6, new Uint8Array([6, 6]), 2, 0, ipv6Address("::1", port), 28),
      2,
    );
    const buf = new Uint8Array(16), from = new sockaddr_in6();
    const n = await deadline(ws.recvfrom(s6, buf, 16, 0, from, { value: 28 }), 10_000, "recvfrom");
    assert.notEqual(n, SOCKET_ERROR, `recvfrom: ${ws.WSAGetLastError()}`);
    assert.equal(n, 2, "the IPv6 datagram, not the IPv4 one sent before it");
    assert.match(formatAddress(from), /^\[::1\]:\d+$/);
    for (const s of [s6, s4, c6]) ws.closesocket(s);
    ws.WSACleanup();
  });
}
