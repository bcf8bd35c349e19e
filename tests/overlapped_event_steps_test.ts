/**
 * Overlapped I/O with event notification, held to real Winsock:
 * tests/peers/overlapped_event_steps.c run under Wine prints one line per
 * step (a `WSAOVERLAPPED` whose `hEvent` is a `WSACreateEvent` event,
 * `WSAWaitForMultipleEvents` on it and on a group of
 * `WSA_MAXIMUM_WAIT_EVENTS`, `WSAGetOverlappedResult` before and after, an
 * operation that completes at once, completion routines run by an alertable
 * wait); the same steps through the façade must print the same lines on
 * every backend (winsock: Windows' own events; posix, deno: the emulated
 * event objects, set by the overlapped emulation). Under Wine the C program
 * itself is run too and must print them.
 */

import assert from "node:assert/strict";
import {
  type CompletionRoutine,
  type SOCKET,
  type Winsock,
  WSA_MAXIMUM_WAIT_EVENTS,
  WSABUF,
  type WSAEVENT,
  WSAOVERLAPPED,
} from "../mod.ts";
import { deadline, pair, started, testBackends } from "./_support.ts";

/** What overlapped_event_steps.c prints on real Winsock (Wine 8). */
const GOLDEN = [
  "recv: rc=-1 err=997",
  "result before: ok=0 err=996 bytes=0 flags=0 ",
  "wait before: 258",
  "wait: 0",
  "result: ok=1 err=0 bytes=9 flags=0 event one",
  "still set: 0",
  "recv at once: rc=0 n=7",
  "wait at once: 0",
  "result at once: ok=1 err=0 bytes=7 flags=0 at once",
  "wait 65: failed err=87",
  "send: rc=0 n=5",
  "wait group: 40",
  "wait second group: 258",
  "client got: group",
  "recv with routine: rc=0 n=7",
  "routine: err=0 bytes=7 flags=0 routine",
  "alertable: 192",
  "event untouched: 258",
  "alertable idle: 258",
  "recv with routine pending: rc=-1 err=997",
  "routine: err=0 bytes=5 flags=0 later",
  "alertable later: 192",
  "recv before close: rc=-1 err=997",
  "closesocket: 0",
  "wait after close: 0",
  "Internal after close: failed",
  "WSACloseEvent: 1",
];

/**
 * The deno backend reads a `Deno.Conn` only asynchronously, so it cannot
 * complete an operation at once: where Windows answers 0 (done, its event
 * set, its routine queued), it answers `WSA_IO_PENDING` and completes the
 * operation a moment later, with the same event, result and routine.
 */
const AT_ONCE_ON_DENO = new Map([
  ["recv at once: rc=0 n=7", "recv at once: rc=-1 n=0"],
  ["send: rc=0 n=5", "send: rc=-1 n=0"],
  ["recv with routine: rc=0 n=7", "recv with routine: rc=-1 n=0"],
]);

const text = new TextDecoder(), enc = new TextEncoder();
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Something that sends `text` on `s` after `ms`: on winsock from another
 * thread (as C's CreateThread), a Worker made and ready before the JS thread
 * is held by the alertable wait; elsewhere a timer.
 */
async function laterSender(
  ws: Winsock,
): Promise<(s: SOCKET, text: string, ms: number) => Promise<() => Promise<void>>> {
  if (ws.backend !== "winsock") {
    return (s, text, ms) => {
      const sent = new Promise<void>((resolve, reject) =>
        setTimeout(
          () => ws.send(s, enc.encode(text), text.length, 0).then(() => resolve(), reject),
          ms,
        )
      );
      return Promise.resolve(() => deadline(sent, 30_000, "the later send"));
    };
  }
  const worker = new Worker(new URL("./_iocp_worker.ts", import.meta.url).href, { type: "module" });
  let answered = (_: unknown) => {}, failed = (_: Error) => {};
  worker.onmessage = (e) => answered(e.data);
  worker.onerror = (e) => {
    e.preventDefault();
    failed(new Error(e.message));
  };
  const next = () => new Promise((resolve, reject) => [answered, failed] = [resolve, reject]);
  worker.postMessage({ sendLater: null }); // opens its façade and answers
  await deadline(next(), 60_000, "the sending Worker");
  return async (socket, text, ms) => {
    worker.postMessage({ sendLater: { socket, text, ms } });
    await deadline(next(), 60_000, "the sending Worker armed"); // before the JS thread is held
    const sent = next().finally(() => worker.terminate());
    return async () =>
      assert.deepEqual(await deadline(sent, 30_000, "the later send"), { sent: 0, error: 0 });
  };
}

/** The steps of overlapped_event_steps.c through the façade, printed the same way. */
async function steps(ws: Winsock): Promise<string[]> {
  const out: string[] = [];
  const [client, server, listener]: SOCKET[] = await pair(ws);
  const buf = new Uint8Array(64);
  const waited = async (step: string, n: number, evs: WSAEVENT[], ms: number, alert: boolean) => {
    const w = await deadline(
      Promise.resolve(ws.WSAWaitForMultipleEvents(n, evs, false, ms, alert)),
      30_000,
      step,
    );
    out.push(`${step}: ${w === 0xffffffff ? `failed err=${ws.WSAGetLastError()}` : w}`);
  };
  const result = (step: string, ov: WSAOVERLAPPED) => {
    const n = { value: 0 }, flags = { value: 0 };
    const ok = ws.WSAGetOverlappedResult(server, ov, n, false, flags);
    out.push(
      `${step}: ok=${ok ? 1 : 0} err=${ok ? 0 : ws.WSAGetLastError()} bytes=${ok ? n.value : 0} ` +
        `flags=${ok ? flags.value : 0} ${ok ? text.decode(buf.subarray(0, n.value)) : ""}`,
    );
  };
  const routine: CompletionRoutine = (err, bytes, _ov, flags) => {
    out.push(
      `routine: err=${err} bytes=${bytes} flags=${flags} ${text.decode(buf.subarray(0, bytes))}`,
    );
  };
  const recvWith = (
    ov: WSAOVERLAPPED,
    cr: CompletionRoutine | null,
    n: { value: number } | null,
  ) => {
    buf.fill(0);
    return ws.WSARecv(server, [new WSABUF(buf)], 1, n, { value: 0 }, ov, cr);
  };

  const ev = ws.WSACreateEvent();
  const ov = new WSAOVERLAPPED();
  ov.hEvent = ev;
  const n = { value: 0 };
  let rc = recvWith(ov, null, null);
  out.push(`recv: rc=${rc} err=${rc ? ws.WSAGetLastError() : 0}`);
  result("result before", ov);
  await waited("wait before", 1, [ev], 0, false);
  await ws.send(client, enc.encode("event one"), 9, 0);
  await waited("wait", 1, [ev], 10_000, false);
  result("result", ov);
  await waited("still set", 1, [ev], 0, false);

  ws.WSAResetEvent(ev);
  await ws.send(client, enc.encode("at once"), 7, 0);
  await pause(200);
  rc = recvWith(ov, null, n);
  out.push(`recv at once: rc=${rc} n=${rc ? 0 : n.value}`);
  await waited("wait at once", 1, [ev], 10_000, false);
  result("result at once", ov);

  const group: WSAEVENT[] = [];
  for (let i = 0; i <= WSA_MAXIMUM_WAIT_EVENTS; i++) group.push(ws.WSACreateEvent());
  await waited("wait 65", WSA_MAXIMUM_WAIT_EVENTS + 1, group, 0, false);
  const sendOv = new WSAOVERLAPPED();
  sendOv.hEvent = group[40];
  rc = ws.WSASend(server, [new WSABUF(enc.encode("group"))], 1, n, 0, sendOv, null);
  out.push(`send: rc=${rc} n=${rc ? 0 : n.value}`);
  await waited("wait group", WSA_MAXIMUM_WAIT_EVENTS, group, 10_000, false);
  await waited("wait second group", 1, group.slice(WSA_MAXIMUM_WAIT_EVENTS), 0, false);
  let got = 0;
  while (got < 5) got += await ws.recv(client, buf.subarray(got), buf.byteLength - got, 0);
  out.push(`client got: ${text.decode(buf.subarray(0, 5))}`);

  ws.WSAResetEvent(ev);
  await ws.send(client, enc.encode("routine"), 7, 0);
  await pause(200);
  rc = recvWith(ov, routine, n);
  out.push(`recv with routine: rc=${rc} n=${rc ? 0 : n.value}`);
  await waited("alertable", 1, [ev], 10_000, true);
  await waited("event untouched", 1, [ev], 0, false);
  await waited("alertable idle", 1, [ev], 0, true);
  const sendLater = await laterSender(ws);
  rc = recvWith(ov, routine, null);
  out.push(`recv with routine pending: rc=${rc} err=${rc ? ws.WSAGetLastError() : 0}`);
  // The data comes while this thread waits: on winsock the alertable wait holds the JS thread,
  // so a Worker sends it (sockets are process-wide there); elsewhere a timer does.
  const sent = await sendLater(client, "later", 300);
  await waited("alertable later", 1, [ev], 10_000, true);
  await sent();

  rc = recvWith(ov, null, null);
  out.push(`recv before close: rc=${rc} err=${rc ? ws.WSAGetLastError() : 0}`);
  out.push(`closesocket: ${ws.closesocket(server)}`);
  await waited("wait after close", 1, [ev], 10_000, false);
  out.push(`Internal after close: ${ov.Internal === 0n ? "0" : "failed"}`);

  for (const h of group) ws.WSACloseEvent(h);
  out.push(`WSACloseEvent: ${ws.WSACloseEvent(ev) ? 1 : 0}`);
  ws.closesocket(client);
  ws.closesocket(listener);
  return out;
}

for (const backend of testBackends()) {
  Deno.test(`overlapped events [${backend}]: the same lines as overlapped_event_steps.c`, async () => {
    const ws = started(backend);
    const expected = backend === "deno" ? GOLDEN.map((l) => AT_ONCE_ON_DENO.get(l) ?? l) : GOLDEN;
    assert.deepEqual(await steps(ws), expected);
    ws.WSACleanup();
  });
}

const peers = Deno.build.os === "windows" ? Deno.env.get("WINSOCK_TS_PEERS") : undefined;
Deno.test({
  name: "overlapped events: overlapped_event_steps.c itself prints them on this Winsock",
  ignore: peers === undefined,
  fn: async () => {
    const run = await new Deno.Command(`${peers}/overlapped_event_steps.exe`).output();
    assert.equal(run.code, 0);
    assert.deepEqual(text.decode(run.stdout).trimEnd().split(/\r?\n/), GOLDEN);
  },
});
