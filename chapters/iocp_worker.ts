/**
 * A "worker thread" of chapters/iocp_server.ts, run as a Worker: it loops
 * taking completions and serving them (prints each message, echoes it,
 * then receives again; a client that left or failed is dropped).
 *
 * - winsock: the Worker has its own `openWinsock()` façade over the same
 *   process-wide Winsock; it waits in `GetQueuedCompletionStatus` on the
 *   server's port (its handle a bigint), and starts the next `WSARecv` or
 *   `WSASend` itself, with the client's `WSAOVERLAPPED` and buffer in the
 *   shared slot table (`_iocp_slots.ts`).
 * - posix, deno: the port is the main thread's (its reactor does the I/O);
 *   the Worker waits on the `SharedCompletionQueue` the main thread fills
 *   from the port, and asks the main thread (`postMessage`) to start the
 *   next operation.
 *
 * Messages to the main thread: `{ free }` (a slot is free again, its socket
 * closed) on winsock; `{ recv }`, `{ send, bytes }`, `{ close }` on posix
 * and deno; `{ fatal }` when the wait itself fails.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import {
  INFINITE,
  MAKEWORD,
  openWinsock,
  SOCKET_ERROR,
  WSA_IO_PENDING,
  WSABUF,
  WSADATA,
  type WSAOVERLAPPED,
} from "../mod.ts";
import { printLine } from "../tutorial/console.ts";
import { SharedCompletionQueue } from "./shared_port.ts";
import { ChunkDecoder, type WireEncoding } from "../tutorial/text.ts";
import { failureLine } from "../tutorial/program.ts";
import { RECV, SEND, Slots } from "./_iocp_slots.ts";

/** What the main thread hands a Worker. */
export interface WorkerInit {
  encoding: WireEncoding;
  slots: SharedArrayBuffer;
  count: number;
  /** winsock: the completion port. */
  port?: bigint;
  /** posix, deno: the queue the main thread fills from its port. */
  queue?: SharedArrayBuffer;
}

/** What to do next for a client. */
type Next = { recv: true } | { send: number } | { close: true };

let slots: Slots;
let encoding: WireEncoding;

/** Serves slot `i`'s completion: prints, and says what comes next. */
function serve(i: number, bytes: number, error: number): Next {
  const name = slots.name(i);
  if (error) {
    printLine(`客户端 ${name} ${failureLine("出错了", error)}`); // 强制下线 (10054) and the like
    return { close: true };
  }
  if (slots.kind(i) === SEND) return { recv: true }; // 发送完成: receive the next message
  if (bytes === 0) {
    printLine(`客户端 ${name} 下线`); // 客户端下线
    return { close: true };
  }
  const got = slots.data(i).slice(0, bytes);
  printLine(`客户端 ${name} 说:\t${bytes}  ${new ChunkDecoder(encoding).decode(got)}`);
  return { send: bytes }; // 回声: from the same buffer
}

/** winsock: this Worker's own façade, waiting in the port and starting the next operation. */
async function nativeLoop(port: bigint): Promise<void> {
  const ws = openWinsock({ backend: "winsock" });
  ws.WSAStartup(MAKEWORD(2, 2), new WSADATA());
  const close = (i: number) => {
    ws.closesocket(slots.socket(i));
    self.postMessage({ free: i });
  };
  for (;;) {
    const bytes = { value: 0 }, key = { value: 0n }, ov = { value: null as WSAOVERLAPPED | null };
    const ok = await ws.GetQueuedCompletionStatus(port, bytes, key, ov, INFINITE);
    if (!ok && ov.value === null) {
      self.postMessage({
        fatal: failureLine("GetQueuedCompletionStatus 出错了", ws.GetLastError()),
      });
      return;
    }
    const i = slots.indexOf(ov.value);
    if (i < 0 || BigInt(i) !== key.value) continue; // not one of ours
    const next = serve(i, bytes.value, ok ? 0 : ws.GetLastError());
    if ("close" in next) {
      close(i);
      continue;
    }
    const s = slots.socket(i);
    let rc: number;
    if ("recv" in next) {
      slots.setKind(i, RECV); // 投递 WSARecv
      rc = ws.WSARecv(s, [new WSABUF(slots.data(i))], 1, null, { value: 0 }, slots.ov[i], null);
    } else {
      slots.setKind(i, SEND); // 投递 WSASend
      const echo = slots.data(i).subarray(0, next.send);
      rc = ws.WSASend(s, [new WSABUF(echo)], 1, null, 0, slots.ov[i], null);
    }
    const err = rc === SOCKET_ERROR ? ws.WSAGetLastError() : 0; // read only after a failure
    if (err !== 0 && err !== WSA_IO_PENDING) {
      printLine(`客户端 ${slots.name(i)} ${failureLine("出错了", err)}`);
      close(i);
    }
  }
}

/** posix, deno: waiting (blocked) on the shared queue; the main thread starts the operations. */
function queueLoop(queue: SharedCompletionQueue): void {
  for (let p = queue.take(null); p !== null; p = queue.take(null)) {
    const i = p.index;
    if (i < 0 || i >= slots.count) continue;
    const next = serve(i, p.bytes, p.error);
    if ("close" in next) self.postMessage({ close: i });
    else if ("recv" in next) self.postMessage({ recv: i });
    else self.postMessage({ send: i, bytes: next.send });
  }
}

self.onmessage = (e: MessageEvent<WorkerInit>) => {
  const init = e.data;
  slots = new Slots(init.count, init.slots);
  encoding = init.encoding;
  if (init.port !== undefined) nativeLoop(init.port);
  else queueLoop(new SharedCompletionQueue(init.queue!));
};
