/**
 * The event select model through the façade, on every backend, over real
 * loopback sockets: event objects and `WSAWaitForMultipleEvents`' answers
 * and error codes; what `WSAEnumNetworkEvents` reports, step by step, held
 * to what real Winsock reports for the same steps (`tests/peers/
 * event_select_trace.c`, run under Wine, prints the same trace); the
 * non-blocking calls on a selected socket; `FD_WRITE` after a send that
 * would block; a non-blocking connect.
 */

import assert from "node:assert/strict";
import {
  AF_INET,
  decodeWSANETWORKEVENTS,
  encodeWSANETWORKEVENTS,
  FD_ACCEPT,
  FD_CLOSE,
  FD_CONNECT,
  FD_CONNECT_BIT,
  FD_READ,
  FD_WRITE,
  INVALID_SOCKET,
  IPPROTO_TCP,
  sizeof,
  SO_LINGER,
  SOCK_STREAM,
  type SOCKET,
  SOCKET_ERROR,
  SOL_SOCKET,
  type Winsock,
  WSA_INVALID_HANDLE,
  WSA_INVALID_PARAMETER,
  WSA_MAXIMUM_WAIT_EVENTS,
  WSA_WAIT_EVENT_0,
  WSA_WAIT_FAILED,
  WSA_WAIT_TIMEOUT,
  WSAECONNREFUSED,
  type WSAEVENT,
  WSAEWOULDBLOCK,
  WSANETWORKEVENTS,
} from "../mod.ts";
import {
  deadline,
  freePort,
  listening,
  loopback,
  NATIVE_BACKEND,
  started,
  testBackends,
  UNDER_WINE,
} from "./_support.ts";
import { runTracePeer } from "./_event_trace.ts";

/** Waits on one event (`ms` 0: just looks), with a test deadline. */
function waitOne(ws: Winsock, ev: WSAEVENT, ms: number): Promise<number> {
  return deadline(ws.WSAWaitForMultipleEvents(1, [ev], false, ms, false), ms + 20_000, "wait");
}

/** `WSAEnumNetworkEvents` as a line: the events in hex, then the non-zero error codes by bit. */
function enumLine(ws: Winsock, s: SOCKET, ev: WSAEVENT): string {
  const ne = new WSANETWORKEVENTS();
  assert.equal(
    ws.WSAEnumNetworkEvents(s, ev, ne),
    0,
    `WSAEnumNetworkEvents: ${ws.WSAGetLastError()}`,
  );
  // Only the recorded events' codes mean anything (Wine leaves the others as they were).
  const errors = [...ne.iErrorCode]
    .map((code, bit) => (ne.lNetworkEvents & (1 << bit)) && code ? ` err[${bit}]=${code}` : "")
    .join("");
  return `events=0x${ne.lNetworkEvents.toString(16)}${errors}`;
}

/** A blocking client (not selected) connected to 127.0.0.1:`port`. */
async function client(ws: Winsock, port: number): Promise<SOCKET> {
  const c = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  const si = loopback(port);
  assert.equal(await deadline(ws.connect(c, si, sizeof(si)), 20_000, "connect"), 0);
  return c;
}

/**
 * The steps of `tests/peers/event_select_trace.c`, through the façade `ws`
 * (its clients through `peer`, which can reset): one line per observation,
 * the same lines the C prints.
 */
export async function eventSelectTrace(ws: Winsock, peer: Winsock): Promise<string[]> {
  const out: string[] = [];
  const { s: listener, port } = listening(ws);
  const ev = ws.WSACreateEvent();
  assert.equal(ws.WSAEventSelect(listener, ev, FD_ACCEPT | FD_CLOSE), 0);
  out.push(`idle wait: ${await waitOne(ws, ev, 0)}`);
  const c = await client(peer, port);
  out.push(`wait after connect: ${await waitOne(ws, ev, 5000)}`);
  out.push(`listener: ${enumLine(ws, listener, ev)}`);
  out.push(`wait after enum: ${await waitOne(ws, ev, 0)}`);
  const a = await ws.accept(listener, null, null);
  out.push(`accept: ${a === INVALID_SOCKET ? ws.WSAGetLastError() : "ok"}`);
  const none = await ws.accept(listener, null, null);
  out.push(`accept again: ${none === INVALID_SOCKET ? ws.WSAGetLastError() : "ok"}`);
  const ev2 = ws.WSACreateEvent();
  assert.equal(ws.WSAEventSelect(a, ev2, FD_READ | FD_WRITE | FD_CLOSE), 0);
  out.push(`accepted wait: ${await waitOne(ws, ev2, 5000)}`);
  out.push(`accepted: ${enumLine(ws, a, ev2)}`);
  const buf = new Uint8Array(16);
  const early = await ws.recv(a, buf, buf.byteLength, 0);
  out.push(`recv before data: ${early} ${early === SOCKET_ERROR ? ws.WSAGetLastError() : ""}`);
  await peer.send(c, new TextEncoder().encode("hello"), 5, 0);
  out.push(`wait for data: ${await waitOne(ws, ev2, 5000)}`);
  out.push(`data: ${enumLine(ws, a, ev2)}`);
  const two = await ws.recv(a, buf, 2, 0);
  out.push(`recv 2: ${two} ${new TextDecoder().decode(buf.subarray(0, two))}`);
  out.push(`wait for the rest: ${await waitOne(ws, ev2, 5000)}`);
  out.push(`rest: ${enumLine(ws, a, ev2)}`);
  const rest = await ws.recv(a, buf, buf.byteLength, 0);
  out.push(`recv rest: ${rest} ${new TextDecoder().decode(buf.subarray(0, rest))}`);
  out.push(`wait when drained: ${await waitOne(ws, ev2, 0)}`);
  peer.closesocket(c);
  out.push(`wait for close: ${await waitOne(ws, ev2, 5000)}`);
  out.push(`close: ${enumLine(ws, a, ev2)}`);
  out.push(`recv after close: ${await ws.recv(a, buf, buf.byteLength, 0)}`);
  // A second client, accepted with the listener's selection inherited, then reset.
  const c2 = await client(peer, port);
  out.push(`wait for client 2: ${await waitOne(ws, ev, 5000)}`);
  out.push(`listener: ${enumLine(ws, listener, ev)}`);
  const a2 = await ws.accept(listener, null, null);
  out.push(`accept 2: ${a2 === INVALID_SOCKET ? ws.WSAGetLastError() : "ok"}`);
  out.push(`inherited, idle: ${await waitOne(ws, ev, 0)}`);
  const linger = new Uint8Array([1, 0, 0, 0]); // { l_onoff = 1, l_linger = 0 }: a reset
  assert.equal(peer.setsockopt(c2, SOL_SOCKET, SO_LINGER, linger, 4), 0);
  peer.closesocket(c2);
  out.push(`inherited, reset: ${await waitOne(ws, ev, 5000)}`);
  out.push(`reset: ${enumLine(ws, a2, ev)}`);
  out.push(`listener after reset: ${enumLine(ws, listener, ev)}`);
  for (const s of [a, a2, listener]) ws.closesocket(s);
  ws.WSACloseEvent(ev);
  ws.WSACloseEvent(ev2);
  return out;
}

/**
 * What Winsock gives for the trace's steps (`event_select_trace.c` prints
 * it under Wine 8). One difference: for a reset, Windows records `FD_CLOSE`
 * with `WSAECONNRESET` (10054), as the emulation does, where Wine records 0.
 */
export function expectedTrace(wine: boolean): string[] {
  return [
    "idle wait: 258",
    "wait after connect: 0",
    "listener: events=0x8",
    "wait after enum: 258",
    "accept: ok",
    `accept again: ${WSAEWOULDBLOCK}`,
    "accepted wait: 0",
    "accepted: events=0x2",
    `recv before data: -1 ${WSAEWOULDBLOCK}`,
    "wait for data: 0",
    "data: events=0x1",
    "recv 2: 2 he",
    "wait for the rest: 0",
    "rest: events=0x1",
    "recv rest: 3 llo",
    "wait when drained: 258",
    "wait for close: 0",
    "close: events=0x20",
    "recv after close: 0",
    "wait for client 2: 0",
    "listener: events=0x8",
    "accept 2: ok",
    "inherited, idle: 258",
    "inherited, reset: 0",
    wine ? "reset: events=0x20" : "reset: events=0x20 err[5]=10054",
    "listener after reset: events=0x0",
  ];
}

Deno.test("event_select_trace.c under Wine (real Winsock) prints the expected trace", {
  ignore: !runTracePeer.available(),
}, async () => {
  assert.deepEqual(await runTracePeer(), expectedTrace(true));
});

for (const backend of testBackends()) {
  Deno.test(`WSAEventSelect [${backend}]: the trace real Winsock gives`, async () => {
    const ws = started(backend), peer = started(NATIVE_BACKEND);
    try {
      // Under Wine, Deno's own sockets see a reset as an orderly close, as Wine's FD_CLOSE does.
      assert.deepEqual(await eventSelectTrace(ws, peer), expectedTrace(UNDER_WINE));
    } finally {
      ws.WSACleanup();
      peer.WSACleanup();
    }
  });

  Deno.test(`event objects [${backend}]: set, reset, wait, close, and C's error codes`, async () => {
    const ws = started(backend);
    try {
      const a = ws.WSACreateEvent(), b = ws.WSACreateEvent();
      assert.ok(a > 0n && b > 0n && a !== b);
      assert.equal(await ws.WSAWaitForMultipleEvents(2, [a, b], false, 0, false), WSA_WAIT_TIMEOUT);
      assert.equal(ws.WSASetEvent(b), true);
      assert.equal(
        await ws.WSAWaitForMultipleEvents(2, [a, b], false, 0, false),
        WSA_WAIT_EVENT_0 + 1,
      );
      // Manual reset: still signalled after a wait; not all are.
      assert.equal(await ws.WSAWaitForMultipleEvents(2, [a, b], true, 0, false), WSA_WAIT_TIMEOUT);
      assert.equal(ws.WSASetEvent(a), true);
      assert.equal(await ws.WSAWaitForMultipleEvents(2, [a, b], true, 0, false), WSA_WAIT_EVENT_0);
      assert.equal(ws.WSAResetEvent(a), true);
      assert.equal(ws.WSAResetEvent(b), true);
      // A wait in progress ends when another task sets the event.
      const waiting = ws.WSAWaitForMultipleEvents(2, [a, b], false, 20_000, false);
      setTimeout(() => ws.WSASetEvent(a), 50);
      assert.equal(await deadline(waiting, 30_000, "wait"), WSA_WAIT_EVENT_0);
      // A timeout that passes.
      ws.WSAResetEvent(a);
      assert.equal(await ws.WSAWaitForMultipleEvents(1, [b], false, 30, false), WSA_WAIT_TIMEOUT);
      // Too many, too few: WSA_INVALID_PARAMETER.
      const many = Array.from({ length: WSA_MAXIMUM_WAIT_EVENTS + 1 }, () => a);
      for (const n of [0, WSA_MAXIMUM_WAIT_EVENTS + 1]) {
        assert.equal(await ws.WSAWaitForMultipleEvents(n, many, false, 0, false), WSA_WAIT_FAILED);
        assert.equal(ws.WSAGetLastError(), WSA_INVALID_PARAMETER, `cEvents ${n}`);
      }
      assert.equal(
        await ws.WSAWaitForMultipleEvents(WSA_MAXIMUM_WAIT_EVENTS, many, false, 0, false),
        WSA_WAIT_TIMEOUT,
      );
      assert.equal(ws.WSACloseEvent(a), true);
      assert.equal(ws.WSACloseEvent(b), true);
      // Not a handle (any more): WSA_INVALID_HANDLE.
      assert.equal(ws.WSASetEvent(0n), false);
      assert.equal(ws.WSAGetLastError(), WSA_INVALID_HANDLE);
      assert.equal(ws.WSACloseEvent(-1n as WSAEVENT), false);
      assert.equal(ws.WSAGetLastError(), WSA_INVALID_HANDLE);
    } finally {
      ws.WSACleanup();
    }
  });

  Deno.test(`WSAEventSelect [${backend}]: bad arguments fail with C's codes`, () => {
    const ws = started(backend);
    try {
      const { s } = listening(ws);
      const ev = ws.WSACreateEvent();
      assert.equal(ws.WSAEventSelect(s, ev, 1 << 12), SOCKET_ERROR);
      assert.equal(ws.WSAGetLastError(), 10022); // WSAEINVAL
      assert.equal(ws.WSAEventSelect(INVALID_SOCKET, ev, FD_ACCEPT), SOCKET_ERROR);
      assert.equal(ws.WSAGetLastError(), 10038); // WSAENOTSOCK
      const bad = { lNetworkEvents: 0, iErrorCode: new Int32Array(3) } as WSANETWORKEVENTS;
      assert.equal(ws.WSAEnumNetworkEvents(s, ev, bad), SOCKET_ERROR);
      assert.equal(ws.WSAGetLastError(), 10014); // WSAEFAULT
      ws.closesocket(s);
      ws.WSACloseEvent(ev);
    } finally {
      ws.WSACleanup();
    }
  });

  Deno.test(`WSAEventSelect [${backend}]: a non-blocking connect records FD_CONNECT then FD_WRITE; a refused one its code`, async () => {
    const ws = started(backend);
    try {
      const { s: listener, port } = listening(ws);
      const c = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
      const ev = ws.WSACreateEvent();
      assert.equal(ws.WSAEventSelect(c, ev, FD_CONNECT | FD_WRITE), 0);
      const si = loopback(port);
      assert.equal(await ws.connect(c, si, sizeof(si)), SOCKET_ERROR);
      assert.equal(ws.WSAGetLastError(), WSAEWOULDBLOCK);
      const seen = new WSANETWORKEVENTS();
      let events = 0;
      while (events !== (FD_CONNECT | FD_WRITE)) {
        assert.equal(await waitOne(ws, ev, 5000), WSA_WAIT_EVENT_0);
        assert.equal(ws.WSAEnumNetworkEvents(c, ev, seen), 0);
        events |= seen.lNetworkEvents;
        assert.equal(seen.iErrorCode[FD_CONNECT_BIT], 0);
      }
      // Refused: FD_CONNECT with WSAECONNREFUSED.
      const r = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
      const ev2 = ws.WSACreateEvent();
      assert.equal(ws.WSAEventSelect(r, ev2, FD_CONNECT), 0);
      const nobody = loopback(await freePort());
      assert.equal(await ws.connect(r, nobody, sizeof(nobody)), SOCKET_ERROR);
      assert.equal(ws.WSAGetLastError(), WSAEWOULDBLOCK);
      assert.equal(await waitOne(ws, ev2, 10_000), WSA_WAIT_EVENT_0);
      assert.equal(ws.WSAEnumNetworkEvents(r, ev2, seen), 0);
      assert.equal(seen.lNetworkEvents, FD_CONNECT);
      assert.equal(seen.iErrorCode[FD_CONNECT_BIT], WSAECONNREFUSED);
      for (const s of [c, r, listener]) ws.closesocket(s);
    } finally {
      ws.WSACleanup();
    }
  });

  Deno.test({
    name: `WSAEventSelect [${backend}]: FD_WRITE again only after a send would have blocked`,
    fn: async () => {
      const ws = started(backend);
      try {
        const { s: listener, port } = listening(ws);
        const c = await client(ws, port);
        const a = await ws.accept(listener, null, null);
        const ev = ws.WSACreateEvent();
        assert.equal(ws.WSAEventSelect(a, ev, FD_WRITE | FD_CLOSE), 0);
        assert.equal(await waitOne(ws, ev, 5000), WSA_WAIT_EVENT_0);
        const ne = new WSANETWORKEVENTS();
        ws.WSAEnumNetworkEvents(a, ev, ne);
        assert.equal(ne.lNetworkEvents, FD_WRITE);
        // Send until it would block; no FD_WRITE meanwhile.
        const chunk = new Uint8Array(64 * 1024);
        let sent = 0, rc = 0;
        while ((rc = await ws.send(a, chunk, chunk.byteLength, 0)) !== SOCKET_ERROR) sent += rc;
        assert.equal(ws.WSAGetLastError(), WSAEWOULDBLOCK);
        assert.ok(sent > 0);
        assert.equal(await waitOne(ws, ev, 0), WSA_WAIT_TIMEOUT);
        // The client reads it all: room again, FD_WRITE once.
        const sink = new Uint8Array(256 * 1024);
        let got = 0;
        const reading = (async () => {
          while (got < sent) {
            const n = await ws.recv(c, sink, sink.byteLength, 0);
            assert.ok(n > 0, `client recv: ${ws.WSAGetLastError()}`);
            got += n;
          }
        })();
        assert.equal(await waitOne(ws, ev, 20_000), WSA_WAIT_EVENT_0);
        ws.WSAEnumNetworkEvents(a, ev, ne);
        assert.equal(ne.lNetworkEvents, FD_WRITE);
        await deadline(reading, 20_000, "the client reading");
        assert.equal(got, sent);
        for (const s of [a, c, listener]) ws.closesocket(s);
      } finally {
        ws.WSACleanup();
      }
    },
  });
}

Deno.test(`WSAEventSelect on the raw synchronous path [${NATIVE_BACKEND}]: ws2_32's own calls, values not Promises; the emulation refuses (10045)`, () => {
  const ws = started(NATIVE_BACKEND, { blocking: true });
  try {
    const { s } = listening(ws);
    const ev = ws.WSACreateEvent();
    const rc = ws.WSAEventSelect(s, ev, FD_ACCEPT);
    if (NATIVE_BACKEND === "posix") {
      assert.equal(rc, SOCKET_ERROR);
      assert.equal(ws.WSAGetLastError(), 10045); // WSAEOPNOTSUPP: nothing could wait for the events
    } else {
      assert.equal(rc, 0);
      assert.equal(ws.WSAWaitForMultipleEvents(1, [ev], false, 10, false), WSA_WAIT_TIMEOUT);
    }
    ws.closesocket(s);
    ws.WSACloseEvent(ev);
  } finally {
    ws.WSACleanup();
  }
});

Deno.test("WSANETWORKEVENTS: 44 bytes, lNetworkEvents then int iErrorCode[10]; short buffers are WSAEFAULT", () => {
  const ne = new WSANETWORKEVENTS();
  ne.lNetworkEvents = FD_READ | FD_CLOSE;
  ne.iErrorCode[5] = 10054;
  const bytes = encodeWSANETWORKEVENTS(ne);
  assert.equal(bytes.byteLength, 44);
  const view = new DataView(bytes.buffer);
  assert.equal(view.getInt32(0, true), 0x21);
  assert.equal(view.getInt32(4 + 4 * 5, true), 10054);
  assert.deepEqual(decodeWSANETWORKEVENTS(bytes), ne);
  assert.throws(() => decodeWSANETWORKEVENTS(bytes.subarray(0, 43)), { code: 10014 });
});
