/**
 * Completion ports from Workers. On winsock: an operation whose
 * `WSAOVERLAPPED` and buffer live in a `SharedArrayBuffer`, started on the
 * main thread, is dequeued by a Worker's own façade (`GetQueuedCompletionStatus`
 * on the port handle passed as a bigint), matched to the Worker's own
 * `WSAOVERLAPPED` over the same memory, its bytes in the shared buffer; and
 * one the Worker starts is dequeued on the main thread. On posix and deno
 * (whose port is one thread's emulation): the `SharedCompletionQueue`
 * Workers wait on, each packet taken by exactly one of them.
 */

import assert from "node:assert/strict";
import { INVALID_HANDLE_VALUE, isWinsockError, WSABUF, WSAEFAULT, WSAOVERLAPPED } from "../mod.ts";
import { SharedCompletionQueue } from "../chapters/shared_port.ts";
import { deadline, pair, started, testBackends } from "./_support.ts";

const WORKER = new URL("./_iocp_worker.ts", import.meta.url).href;

/** The first message `worker` answers. */
function answer<T>(worker: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    worker.onmessage = (e) => resolve(e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      reject(new Error(e.message));
    };
  });
}

Deno.test({
  name: "iocp workers [winsock]: a Worker dequeues the main thread's operation, and the other way",
  ignore: !testBackends().includes("winsock"),
  fn: async () => {
    const ws = started("winsock");
    const [client, server, listener] = await pair(ws);
    const port = ws.CreateIoCompletionPort(INVALID_HANDLE_VALUE, null, 0n, 0)!;
    assert.equal(ws.CreateIoCompletionPort(server, port, 5n, 0), port);
    const memory = new SharedArrayBuffer(96);
    const ov = new WSAOVERLAPPED(new Uint8Array(memory, 0, 32));
    const buf = new Uint8Array(memory, 32, 64);
    assert.equal(ws.WSARecv(server, [new WSABUF(buf)], 1, null, { value: 0 }, ov, null), -1);
    assert.equal(ws.WSAGetLastError(), 997);

    const worker = new Worker(WORKER, { type: "module" });
    try {
      const answered = answer<Record<string, unknown>>(worker);
      worker.postMessage({ port, memory, socket: server });
      await ws.send(client, new TextEncoder().encode("from main"), 9, 0);
      assert.deepEqual(await deadline(answered, 60_000, "the Worker's dequeue"), {
        ok: true,
        error: 0,
        bytes: 9,
        key: 5n,
        own: true,
        text: "from main",
        recv: 997,
      });
      // The Worker's WSARecv, dequeued here: the main thread's view of the same WSAOVERLAPPED.
      await ws.send(client, new TextEncoder().encode("to main"), 7, 0);
      const bytes = { value: 0 },
        key = { value: 0n },
        got = { value: null as WSAOVERLAPPED | null };
      const ok = await deadline(
        ws.GetQueuedCompletionStatus(port, bytes, key, got, 30_000),
        60_000,
        "the main thread's dequeue",
      );
      assert.deepEqual([ok, bytes.value, key.value, got.value === ov], [true, 7, 5n, true]);
      assert.equal(new TextDecoder().decode(buf.subarray(0, 7)), "to main");
    } finally {
      worker.terminate();
      for (const s of [client, server, listener]) ws.closesocket(s);
      ws.CloseHandle(port);
      ws.WSACleanup();
    }
  },
});

Deno.test("iocp workers: a WSAOVERLAPPED over memory must be 32 bytes, 8-aligned (WSAEFAULT)", () => {
  const memory = new SharedArrayBuffer(64);
  for (const bad of [new Uint8Array(memory, 0, 16), new Uint8Array(memory, 4, 32)]) {
    assert.throws(() => new WSAOVERLAPPED(bad), (e) => isWinsockError(e, WSAEFAULT));
  }
  const ov = new WSAOVERLAPPED(new Uint8Array(memory, 8, 32));
  ov.hEvent = 7n;
  assert.equal(new WSAOVERLAPPED(new Uint8Array(memory, 8, 32)).hEvent, 7n, "the same memory");
});

Deno.test("iocp workers: SharedCompletionQueue: Workers blocked in take get each packet once", async () => {
  const q = SharedCompletionQueue.create(64);
  assert.equal(q.take(0), null, "empty: null at once");
  const workers = [0, 1, 2].map(() => new Worker(WORKER, { type: "module" }));
  try {
    const answers = workers.map((w) => answer<{ took: number[] }>(w));
    for (const w of workers) w.postMessage({ queue: q.buffer });
    await new Promise((r) => setTimeout(r, 200)); // let them block in take
    for (let i = 0; i < 300;) {
      if (q.post({ key: BigInt(i), index: i, bytes: i, error: 0 })) i++;
      else await new Promise((r) => setTimeout(r, 1)); // full: the Workers drain it
    }
    while (q.pending > 0) await new Promise((r) => setTimeout(r, 5)); // close once drained
    q.close();
    const took = (await deadline(Promise.all(answers), 60_000, "the Workers")).flatMap((a) =>
      a.took
    );
    assert.deepEqual(took.sort((a, b) => a - b), Array.from({ length: 300 }, (_, i) => i));
    assert.equal(q.post({ key: 0n, index: 0, bytes: 0, error: 0 }), false, "closed");
  } finally {
    for (const w of workers) w.terminate();
  }
});

Deno.test("iocp workers: a full SharedCompletionQueue refuses a packet; first in, first out", () => {
  const q = SharedCompletionQueue.create(2);
  assert.equal(q.post({ key: 1n, index: 1, bytes: 1, error: 0 }), true);
  assert.equal(q.post({ key: 2n, index: 2, bytes: 2, error: 10054 }), true);
  assert.equal(q.post({ key: 3n, index: 3, bytes: 3, error: 0 }), false);
  assert.deepEqual(q.take(0), { key: 1n, index: 1, bytes: 1, error: 0 });
  assert.deepEqual(q.take(0), { key: 2n, index: 2, bytes: 2, error: 10054 });
  assert.equal(q.take(10), null, "empty: null after the timeout");
});
