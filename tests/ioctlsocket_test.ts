/**
 * ioctlsocket: FIONBIO and FIONREAD on every backend, as C sees them: a
 * non-blocking socket's accept, recv, send and connect answer at once
 * (WSAEWOULDBLOCK when they would wait, a partial count from send), and
 * select says when to try again. Checked against real Winsock under Wine and
 * libc on Linux with the same steps in C (see the README's select chapter).
 */

import assert from "node:assert/strict";
import {
  AF_INET,
  FD_ISSET,
  FD_SET,
  fd_set,
  FIONBIO,
  FIONREAD,
  INVALID_SOCKET,
  IPPROTO_TCP,
  sizeof,
  SO_ERROR,
  SOCK_STREAM,
  type SOCKET,
  SOCKET_ERROR,
  SOL_SOCKET,
  timeval,
  type Winsock,
} from "../mod.ts";
import {
  deadline,
  freePort,
  listening,
  loopback,
  NATIVE_BACKEND,
  pair,
  started,
  testBackends,
} from "./_support.ts";

const WSAEWOULDBLOCK = 10035;

/** `select` on one socket for one set, with a generous timeout: whether it is ready. */
async function ready(
  ws: Winsock,
  s: SOCKET,
  which: "read" | "write" | "except",
  sec = 10,
): Promise<boolean> {
  const set = new fd_set();
  FD_SET(s, set);
  const t = new timeval();
  t.tv_sec = sec;
  const n = await deadline(
    ws.select(
      0,
      which === "read" ? set : null,
      which === "write" ? set : null,
      which === "except" ? set : null,
      t,
    ),
    sec * 1000 + 20_000,
    `select (${which})`,
  );
  assert.notEqual(n, SOCKET_ERROR, `select: ${ws.WSAGetLastError()}`);
  return n === 1 && FD_ISSET(s, set);
}

/** A non-blocking call's answer: it must come at once (a wait that ends only later fails). */
function answered<T>(call: Promise<T>): Promise<T> {
  return deadline(call, 2000, "a non-blocking call to answer at once");
}

function nonBlocking(ws: Winsock<boolean>, s: SOCKET, on = true): void {
  assert.equal(ws.ioctlsocket(s, FIONBIO, { value: on ? 1 : 0 }), 0, `${ws.WSAGetLastError()}`);
}

for (const backend of testBackends()) {
  Deno.test(`ioctlsocket [${backend}]: a non-blocking recv says WSAEWOULDBLOCK, select says when; FIONREAD counts`, async () => {
    const ws = started(backend);
    try {
      const [client, accepted] = await pair(ws);
      nonBlocking(ws, accepted);
      const buf = new Uint8Array(64);
      assert.equal(await answered(ws.recv(accepted, buf, buf.byteLength, 0)), SOCKET_ERROR);
      assert.equal(ws.WSAGetLastError(), WSAEWOULDBLOCK);
      const nread = { value: 99 };
      assert.equal(ws.ioctlsocket(accepted, FIONREAD, nread), 0);
      assert.equal(nread.value, 0);

      const hello = new TextEncoder().encode("hello");
      assert.equal(await ws.send(client, hello, hello.byteLength, 0), hello.byteLength);
      assert.ok(await ready(ws, accepted, "read"));
      assert.equal(ws.ioctlsocket(accepted, FIONREAD, nread), 0);
      assert.equal(nread.value, hello.byteLength);
      assert.equal(await ws.recv(accepted, buf, buf.byteLength, 0), hello.byteLength);
      assert.deepEqual(buf.subarray(0, hello.byteLength), hello);

      // FIONBIO 0: blocking again, recv waits for the bytes.
      nonBlocking(ws, accepted, false);
      const waiting = ws.recv(accepted, buf, buf.byteLength, 0);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(await ws.send(client, hello, 2, 0), 2);
      assert.equal(await deadline(waiting, 10_000, "blocking recv"), 2);
    } finally {
      ws.WSACleanup();
    }
  });

  Deno.test(`ioctlsocket [${backend}]: a non-blocking accept says WSAEWOULDBLOCK; the accepted socket is non-blocking too`, async () => {
    const ws = started(backend);
    try {
      const { s: listener, port } = listening(ws);
      nonBlocking(ws, listener);
      assert.equal(await answered(ws.accept(listener, null, null)), INVALID_SOCKET);
      assert.equal(ws.WSAGetLastError(), WSAEWOULDBLOCK);

      const client = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
      const si = loopback(port);
      assert.equal(await deadline(ws.connect(client, si, sizeof(si)), 10_000, "connect"), 0);
      assert.ok(await ready(ws, listener, "read"));
      const accepted = await ws.accept(listener, null, null);
      assert.notEqual(accepted, INVALID_SOCKET, `accept: ${ws.WSAGetLastError()}`);
      const buf = new Uint8Array(8);
      assert.equal(await answered(ws.recv(accepted, buf, buf.byteLength, 0)), SOCKET_ERROR);
      assert.equal(ws.WSAGetLastError(), WSAEWOULDBLOCK, "inherited from the listener, as Windows");
    } finally {
      ws.WSACleanup();
    }
  });

  Deno.test(`ioctlsocket [${backend}]: a non-blocking send takes what fits, then says WSAEWOULDBLOCK; every byte taken arrives`, async () => {
    const ws = started(backend);
    try {
      const [client, accepted] = await pair(ws);
      nonBlocking(ws, client);
      const chunk = new Uint8Array(1 << 20).map((_, i) => i % 251);
      const takes: number[] = [];
      for (;;) {
        const n = await answered(ws.send(client, chunk, chunk.byteLength, 0));
        if (n === SOCKET_ERROR) break;
        takes.push(n);
        assert.ok(takes.length < 1000, "the peer reads nothing: the send buffer must fill");
      }
      assert.equal(ws.WSAGetLastError(), WSAEWOULDBLOCK);
      const taken = takes.reduce((a, b) => a + b, 0);
      assert.ok(takes.some((n) => n < chunk.byteLength), `one partial send: ${takes}`);
      assert.equal(await ready(ws, client, "write", 0), false, "full: not writable");

      // The peer reads: every byte taken arrives, in order (each send from the chunk's
      // start), and the sender is writable again.
      const buf = new Uint8Array(64 * 1024);
      let got = 0, k = 0, at = 0;
      while (got < taken) {
        const n = await deadline(ws.recv(accepted, buf, buf.byteLength, 0), 10_000, "recv");
        assert.ok(n > 0, `recv: ${n} ${ws.WSAGetLastError()}`);
        for (let i = 0; i < n; i++) {
          if (at === takes[k]) [k, at] = [k + 1, 0];
          if (buf[i] !== chunk[at++]) assert.fail(`byte ${got + i}: send ${k}, offset ${at - 1}`);
        }
        got += n;
      }
      assert.equal(got, taken);
      assert.ok(await ready(ws, client, "write"));
    } finally {
      ws.WSACleanup();
    }
  });

  Deno.test(`ioctlsocket [${backend}]: a non-blocking connect says WSAEWOULDBLOCK and completes in select: writefds, or exceptfds and SO_ERROR`, async () => {
    const ws = started(backend);
    try {
      const { s: listener, port } = listening(ws);
      const client = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
      nonBlocking(ws, client);
      const si = loopback(port);
      const rc = await answered(ws.connect(client, si, sizeof(si)));
      if (rc === SOCKET_ERROR) { // loopback may connect at once; C allows both
        assert.equal(ws.WSAGetLastError(), WSAEWOULDBLOCK);
        assert.ok(await ready(ws, client, "write"), "connected: writable");
      }
      const accepted = await deadline(ws.accept(listener, null, null), 10_000, "accept");
      assert.notEqual(accepted, INVALID_SOCKET);
      const hi = new Uint8Array([1, 2, 3]);
      assert.equal(await ws.send(client, hi, 3, 0), 3);
      const buf = new Uint8Array(8);
      assert.equal(await deadline(ws.recv(accepted, buf, 8, 0), 10_000, "recv"), 3);

      // Nobody listens there: refused, told by exceptfds and SO_ERROR.
      const closedPort = await freePort();
      const refused = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
      nonBlocking(ws, refused);
      const to = loopback(closedPort);
      assert.equal(await answered(ws.connect(refused, to, sizeof(to))), SOCKET_ERROR);
      assert.equal(ws.WSAGetLastError(), WSAEWOULDBLOCK);
      assert.ok(await ready(ws, refused, "except", 30), "failed: exceptional");
      const err = new Uint8Array(4);
      assert.equal(ws.getsockopt(refused, SOL_SOCKET, SO_ERROR, err, { value: 4 }), 0);
      assert.equal(new DataView(err.buffer).getInt32(0, true), 10061, "WSAECONNREFUSED");
    } finally {
      ws.WSACleanup();
    }
  });

  Deno.test(`ioctlsocket [${backend}]: bad input: an unknown command, no argp, not a socket`, () => {
    const ws = started(backend);
    try {
      const s = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
      assert.equal(ws.ioctlsocket(s, 12345, { value: 0 }), SOCKET_ERROR);
      assert.equal(ws.WSAGetLastError(), 10045, "WSAEOPNOTSUPP, as Winsock says");
      assert.equal(ws.ioctlsocket(s, FIONBIO, null as unknown as { value: number }), SOCKET_ERROR);
      assert.equal(ws.WSAGetLastError(), 10014, "WSAEFAULT");
      assert.equal(ws.ioctlsocket(9999n, FIONBIO, { value: 1 }), SOCKET_ERROR);
      assert.equal(ws.WSAGetLastError(), 10038, "WSAENOTSOCK");
      assert.equal(ws.ioctlsocket(s, FIONBIO | 0, { value: 1 }), 0, "FIONBIO as a signed long");
    } finally {
      ws.WSACleanup();
    }
  });
}

Deno.test(`ioctlsocket [${NATIVE_BACKEND}, raw synchronous path]: FIONBIO really switches the OS socket`, () => {
  const ws = started(NATIVE_BACKEND, { blocking: true });
  try {
    const { s: listener, port } = listening(ws);
    nonBlocking(ws, listener);
    assert.equal(ws.accept(listener, null, null), INVALID_SOCKET, "answers, does not block");
    assert.equal(ws.WSAGetLastError(), WSAEWOULDBLOCK);
    const client = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    nonBlocking(ws, client);
    const si = loopback(port);
    if (ws.connect(client, si, sizeof(si)) === SOCKET_ERROR) {
      assert.equal(ws.WSAGetLastError(), WSAEWOULDBLOCK);
    }
    const w = new fd_set();
    FD_SET(client, w);
    const t = new timeval();
    t.tv_sec = 10;
    assert.equal(ws.select(0, null, w, null, t), 1, "connected");
    const r = new fd_set();
    FD_SET(listener, r);
    assert.equal(ws.select(0, r, null, null, t), 1, "a connection to accept");
    const accepted = ws.accept(listener, null, null);
    assert.notEqual(accepted, INVALID_SOCKET);
    const buf = new Uint8Array(8);
    assert.equal(ws.recv(accepted, buf, 8, 0), SOCKET_ERROR, "inherited: answers, does not block");
    assert.equal(ws.WSAGetLastError(), WSAEWOULDBLOCK);
    const chunk = new Uint8Array(1 << 20);
    let n: number, calls = 0;
    while ((n = ws.send(client, chunk, chunk.byteLength, 0)) !== SOCKET_ERROR) {
      assert.ok(n > 0 && ++calls < 1000);
    }
    assert.equal(ws.WSAGetLastError(), WSAEWOULDBLOCK);
    nonBlocking(ws, accepted, false);
    assert.equal(ws.recv(accepted, buf, 8, 0), 8, "blocking again: the bytes are there");
  } finally {
    ws.WSACleanup();
  }
});
