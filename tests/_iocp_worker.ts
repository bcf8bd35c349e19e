/**
 * The Worker of tests/iocp_workers_test.ts: on `{ port, memory }` (winsock)
 * it opens its own façade, waits in `GetQueuedCompletionStatus` on the port
 * and says what it dequeued (and whether the `WSAOVERLAPPED` is its own view
 * of the shared one), then starts a `WSARecv` itself for the main thread to
 * dequeue; on `{ queue }` it takes packets off a `SharedCompletionQueue`
 * until it is closed and answers the indices it took; on `{ sendLater }`
 * (winsock) it sends on a socket of the main thread's after a while.
 */

/// <reference lib="deno.worker" />

import { MAKEWORD, openWinsock, type Winsock, WSABUF, WSADATA, WSAOVERLAPPED } from "../mod.ts";
import { SharedCompletionQueue } from "../chapters/shared_port.ts";

let sender: Winsock | null = null;

self.onmessage = async (e: MessageEvent) => {
  const m = e.data;
  if ("sendLater" in m) { // overlapped_event_steps_test: data that comes during an alertable wait
    if (m.sendLater === null) {
      sender = openWinsock({ backend: "winsock" });
      sender.WSAStartup(MAKEWORD(2, 2), new WSADATA());
      self.postMessage({ ready: true });
      return;
    }
    const { socket, text, ms } = m.sendLater;
    self.postMessage({ armed: true }); // the main thread may block now
    await new Promise((r) => setTimeout(r, ms));
    // An overlapped WSASend: this façade's plain send knows only its own sockets (10038).
    const ov = new WSAOVERLAPPED(), n = { value: 0 };
    const bytes = new TextEncoder().encode(text);
    let sent = sender!.WSASend(socket, [new WSABUF(bytes)], 1, n, 0, ov, null);
    if (sent === -1 && sender!.WSAGetLastError() === 997) {
      sent = await sender!.WSAGetOverlappedResult(socket, ov, n, true, { value: 0 }) ? 0 : -1;
    }
    const error = sent === 0 ? 0 : sender!.WSAGetLastError();
    sender!.WSACleanup();
    self.postMessage({ sent, error });
    return;
  }
  if (m.queue) {
    const q = new SharedCompletionQueue(m.queue);
    const took: number[] = [];
    for (let p = q.take(null); p !== null; p = q.take(null)) took.push(p.index);
    self.postMessage({ took });
    return;
  }
  const ws = openWinsock({ backend: "winsock" });
  ws.WSAStartup(MAKEWORD(2, 2), new WSADATA());
  const ov = new WSAOVERLAPPED(new Uint8Array(m.memory, 0, 32));
  const buf = new Uint8Array(m.memory, 32, 64);
  const bytes = { value: 0 }, key = { value: 0n }, got = { value: null as WSAOVERLAPPED | null };
  const ok = await ws.GetQueuedCompletionStatus(m.port, bytes, key, got, 30_000);
  const text = new TextDecoder().decode(buf.subarray(0, bytes.value));
  const rc = ws.WSARecv(m.socket, [new WSABUF(buf)], 1, null, { value: 0 }, ov, null);
  self.postMessage({
    ok,
    error: ok ? 0 : ws.GetLastError(),
    bytes: bytes.value,
    key: key.value,
    own: got.value === ov,
    text,
    recv: rc === 0 ? 0 : ws.WSAGetLastError(),
  });
  ws.WSACleanup();
};
