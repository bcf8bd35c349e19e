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

import { MAKEWORD, openWinsock, WSABUF, WSADATA, WSAOVERLAPPED } from "../mod.ts";
import { SharedCompletionQueue } from "../lib/emulated/shared_port.ts";

self.onmessage = async (e: MessageEvent) => {
  const m = e.data;
  if (m.sendLater) { // overlapped_event_steps_test: the data that comes during an alertable wait
    const { socket, text, ms } = m.sendLater;
    const ws = openWinsock({ backend: "winsock" });
    ws.WSAStartup(MAKEWORD(2, 2), new WSADATA());
    await new Promise((r) => setTimeout(r, ms));
    const sent = await ws.send(socket, new TextEncoder().encode(text), text.length, 0);
    ws.WSACleanup();
    self.postMessage({ sent });
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
