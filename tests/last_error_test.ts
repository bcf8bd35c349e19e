/**
 * `WSAGetLastError()` belongs to the task that made the call, as in C it
 * belongs to the thread: read right after an `await` (or right after a
 * synchronous call), it is the error of that call, however many other tasks
 * fail meanwhile, with other codes, in the same wake-up.
 */

import assert from "node:assert/strict";
import {
  ADDRINFOA,
  AF_INET,
  AF_UNSPEC,
  IPPROTO_TCP,
  sizeof,
  SOCK_STREAM,
  SOCKET_ERROR,
  WSAEAFNOSUPPORT,
  WSAECONNREFUSED,
  WSAEFAULT,
  WSAEINTR,
  WSAEINVAL,
  WSAENOTSOCK,
  WSAESOCKTNOSUPPORT,
  WSAHOST_NOT_FOUND,
} from "../mod.ts";
import { deadline, freePort, loopback, pair, started, testBackends } from "./_support.ts";

for (const backend of testBackends()) {
  const test = (name: string, fn: () => Promise<void> | void) =>
    Deno.test({ name: `WSAGetLastError [${backend}]: ${name}`, fn });

  test("two tasks failing together each read their own code after await", async () => {
    const ws = started(backend);
    const [client, accepted, listener] = await pair(ws);
    const buf10 = new Uint8Array(10);
    const task = async (len: number) => {
      const rc = await ws.recv(client, buf10, len, 0);
      return [rc, ws.WSAGetLastError()];
    };
    const [fault, inval] = await Promise.all([task(9999), task(2.5)]);
    assert.deepEqual(fault, [SOCKET_ERROR, WSAEFAULT], "recv(s, buf10, 9999, 0)");
    assert.deepEqual(inval, [SOCKET_ERROR, WSAEINVAL], "recv(s, buf10, 2.5, 0)");
    for (const s of [client, accepted, listener]) ws.closesocket(s);
    ws.WSACleanup();
  });

  test("six tasks, six codes, some ending in the same wake-up, one failing synchronously between", async () => {
    const ws = started(backend);
    const [client, accepted, listener] = await pair(ws);
    const buf = new Uint8Array(10);
    const refused = loopback(freePort());
    const lonely = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    const waiting = ws.recv(accepted, buf, 10, 0); // ends with WSAEINTR when closed below
    const own = async <T>(call: () => Promise<T>) => {
      const rc = await call();
      return [rc, ws.WSAGetLastError()];
    };
    const tasks = [
      own(() => ws.recv(client, buf, 11, 0)),
      own(() => ws.recv(client, buf, 2.5, 0)),
      own(() => ws.recv(0x7ffffff0n, buf, 10, 0)),
      own(() => ws.connect(lonely, refused, sizeof(refused))),
      own(() => waiting),
      // A task that fails synchronously in its first turn after the others started.
      (async () => {
        await null;
        const rc = ws.listen(0x7ffffff1n, 5);
        return [rc, ws.WSAGetLastError()];
      })(),
    ];
    ws.closesocket(accepted);
    const got = await deadline(Promise.all(tasks), 10_000, "six failing tasks");
    assert.deepEqual(got, [
      [SOCKET_ERROR, WSAEFAULT],
      [SOCKET_ERROR, WSAEINVAL],
      [SOCKET_ERROR, WSAENOTSOCK],
      [SOCKET_ERROR, WSAECONNREFUSED],
      [SOCKET_ERROR, WSAEINTR],
      [SOCKET_ERROR, WSAENOTSOCK],
    ]);
    for (const s of [client, listener, lonely]) ws.closesocket(s);
    ws.WSACleanup();
  });

  test("getaddrinfo failures (three codes) and a failed recv together: each task reads its own", async () => {
    const ws = started(backend);
    const [client, accepted, listener] = await pair(ws);
    const hints = (family: number, socktype: number) =>
      Object.assign(new ADDRINFOA(), { ai_family: family, ai_socktype: socktype });
    const name = async (node: string, family: number, socktype: number) => {
      const rc = await ws.getaddrinfo(node, "80", hints(family, socktype), { value: null });
      return [rc, ws.WSAGetLastError()];
    };
    const read = async () => {
      const rc = await ws.recv(client, new Uint8Array(4), 5, 0);
      return [rc, ws.WSAGetLastError()];
    };
    const got = await deadline(
      Promise.all([
        name("127.0.0.1", 99, SOCK_STREAM),
        read(),
        name("no-such-host.invalid", AF_UNSPEC, SOCK_STREAM),
        name("127.0.0.1", AF_UNSPEC, 99),
      ]),
      20_000,
      "four tasks",
    );
    assert.deepEqual(got, [
      [WSAEAFNOSUPPORT, WSAEAFNOSUPPORT],
      [SOCKET_ERROR, WSAEFAULT],
      [WSAHOST_NOT_FOUND, WSAHOST_NOT_FOUND],
      [WSAESOCKTNOSUPPORT, WSAESOCKTNOSUPPORT],
    ]);
    for (const s of [client, accepted, listener]) ws.closesocket(s);
    ws.WSACleanup();
  });

  test("a synchronous failure is read at once; WSASetLastError sets the code", () => {
    const ws = started(backend);
    assert.equal(ws.listen(0x7ffffff2n, 5), SOCKET_ERROR);
    assert.equal(ws.WSAGetLastError(), WSAENOTSOCK);
    ws.WSASetLastError(0);
    assert.equal(ws.WSAGetLastError(), 0);
    ws.WSACleanup();
  });
}
