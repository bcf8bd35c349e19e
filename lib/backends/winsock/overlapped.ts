/**
 * Overlapped I/O and completion ports on real Winsock: `WSARecv`/`WSASend`
 * with the caller's `WSAOVERLAPPED` (its own unmoving memory) and buffers
 * (pinned by reference until reaped), `CreateIoCompletionPort`,
 * `GetQueuedCompletionStatusEx` awaited off the JS thread,
 * `PostQueuedCompletionStatus`, and completion routines run by a real
 * alertable `SleepEx` (or `WSAWaitForMultipleEvents`) on the JS thread.
 *
 * An operation whose `WSAOVERLAPPED` lives in a `SharedArrayBuffer` is not
 * pinned here (its memory and buffers are the caller's to keep): any
 * thread's engine may dequeue it, and hands back that thread's own
 * `WSAOVERLAPPED` over the same address (its error then read from the
 * NTSTATUS in `Internal`, the socket being unknown there).
 *
 * A failed operation's code is the Winsock one (`WSAGetOverlappedResult`,
 * asked on the JS thread), e.g. 10054 for a reset where C's
 * `GetQueuedCompletionStatus` leaves 64 (`ERROR_NETNAME_DELETED`) in
 * `GetLastError()`.
 *
 * @module
 */

import { INFINITE, INVALID_HANDLE_VALUE, type SOCKET, SOCKET_ERROR } from "../../constants.ts";
import {
  WinsockError,
  WSA_IO_INCOMPLETE,
  WSA_IO_PENDING,
  WSA_OPERATION_ABORTED,
  WSAEFAULT,
  WSAENOTSOCK,
} from "../../errors.ts";
import {
  OVERLAPPED_ENTRY_LAYOUT,
  overlappedBytes,
  sharedOverlappeds,
  WSABUF_LAYOUT,
  type WSAOVERLAPPED,
} from "../../overlapped_structs.ts";
import type { Completion, CompletionEngine, CompletionRoutine, Outcome } from "../contract.ts";
import { openKernel32 } from "../../../ffi/kernel32.ts";
import { type Mswsock, openMswsock } from "../../../ffi/mswsock.ts";
import { decodeSockaddr } from "../../structs.ts";
import { openWs2_32Overlapped } from "../../../ffi/ws2_32.ts";

/** `WAIT_TIMEOUT`, as `GetLastError()` says it. */
const WAIT_TIMEOUT = 258;

/**
 * The Winsock code of an operation whose socket is gone (closed meanwhile,
 * so `WSAGetOverlappedResult` can no longer be asked), from the NTSTATUS in
 * `Internal`: the cancelled ones are 995 `WSA_OPERATION_ABORTED`, as
 * Windows reports them (`STATUS_CANCELLED`; Wine leaves
 * `STATUS_HANDLES_CLOSED` for the same event).
 */
function closedSocketError(status: bigint): number {
  switch (status) {
    case 0xc0000120n: // STATUS_CANCELLED
    case 0x8000000an: // STATUS_HANDLES_CLOSED
      return WSA_OPERATION_ABORTED;
    case 0xc000020dn: // STATUS_CONNECTION_RESET
      return 10054;
    case 0xc0000241n: // STATUS_CONNECTION_ABORTED
      return 10053;
    default:
      return WSAENOTSOCK;
  }
}

/** What keeps a started operation's memory referenced until it is reaped. */
interface Pinned {
  ov: WSAOVERLAPPED;
  /** The socket, for the operation's Winsock code; null for a posted packet. */
  s: SOCKET | null;
  bufs: Uint8Array[];
  wsabufs: Uint8Array;
  routine: CompletionRoutine | null;
  /** Posted packets still queued with this `WSAOVERLAPPED`. */
  posted: number;
}

function address(bytes: Uint8Array): bigint {
  return Deno.UnsafePointer.value(Deno.UnsafePointer.of(bytes));
}

function stable(size: number): Uint8Array {
  return new Uint8Array(new ArrayBuffer(size)); // an ArrayBuffer's store never moves
}

/** Whether `ov` lives in a `SharedArrayBuffer` (the caller keeps that memory; any thread may reap it). */
function isShared(ov: WSAOVERLAPPED): boolean {
  return overlappedBytes(ov).buffer instanceof SharedArrayBuffer;
}

/** The native engine (Windows, `--allow-ffi`). */
export function createNativeEngine(): CompletionEngine {
  const ws = openWs2_32Overlapped();
  const k = openKernel32();
  const pinned = new Map<bigint, Pinned>();
  /** This thread's `WSAOVERLAPPED`s over shared memory, by address (filled when one is looked up). */
  const shared = new Map<bigint, WeakRef<WSAOVERLAPPED>>();

  /** The `WSAOVERLAPPED` at `at` that this thread made over shared memory, if any. */
  function sharedAt(at: bigint): WSAOVERLAPPED | null {
    let ov = shared.get(at)?.deref();
    if (!ov) {
      for (const o of sharedOverlappeds()) shared.set(address(overlappedBytes(o)), new WeakRef(o));
      ov = shared.get(at)?.deref();
    }
    return ov ?? null;
  }
  let mswsock: Mswsock | null = null;
  let routineCallback: Deno.UnsafeCallback<typeof ROUTINE> | null = null;

  function lastError(what: string): never {
    throw new WinsockError(k.GetLastError(), what);
  }

  function reap(at: bigint): Pinned | undefined {
    const p = pinned.get(at);
    if (p && p.posted === 0) pinned.delete(at);
    return p;
  }

  /** The Winsock outcome of a completed operation, asked on the JS thread. */
  function outcomeOf(s: SOCKET, ov: WSAOVERLAPPED): Outcome | null {
    const out = new Uint32Array(2);
    const bytes = new Uint8Array(out.buffer, 0, 4), flags = new Uint8Array(out.buffer, 4, 4);
    const ok = ws.WSAGetOverlappedResult(
      s,
      Deno.UnsafePointer.of(overlappedBytes(ov)),
      bytes,
      0,
      flags,
    );
    if (ok) return { bytes: out[0], flags: out[1], error: 0 };
    const error = ws.WSAGetLastError();
    return error === WSA_IO_INCOMPLETE ? null : { bytes: out[0], flags: out[1], error };
  }

  const ROUTINE = { parameters: ["u32", "u32", "pointer", "u32"], result: "void" } as const;
  function routinePointer(): Deno.PointerValue {
    routineCallback ??= new Deno.UnsafeCallback(ROUTINE, (dwError, cb, lpOverlapped, dwFlags) => {
      const p = reap(Deno.UnsafePointer.value(lpOverlapped));
      if (!p) return;
      // Aborted by closesocket: 995 as on Windows (Wine 8 hands the routine 10022 here).
      const cancelled = closedSocketError(p.ov.Internal) === WSA_OPERATION_ABORTED;
      p.routine?.(cancelled ? WSA_OPERATION_ABORTED : dwError, cb, p.ov, dwFlags);
    });
    return routineCallback.pointer;
  }

  return {
    start(send, s, bufs, flags, ov, routine) {
      const wsabufs = stable(WSABUF_LAYOUT.size * bufs.length);
      const view = new DataView(wsabufs.buffer);
      bufs.forEach((b, i) => {
        void b.buffer; // a small typed array moves its bytes off the heap, for good
        view.setUint32(i * WSABUF_LAYOUT.size + WSABUF_LAYOUT.len, b.byteLength, true);
        const at = b.byteLength === 0 ? 0n : address(b);
        view.setBigUint64(i * WSABUF_LAYOUT.size + WSABUF_LAYOUT.buf, at, true);
      });
      const ovBytes = overlappedBytes(ov);
      const at = address(ovBytes);
      // In shared memory the caller keeps ov and its buffers (another thread may reap it);
      // Winsock copies the WSABUF array itself before WSARecv/WSASend return.
      if (!isShared(ov) || routine) pinned.set(at, { ov, s, bufs, wsabufs, routine, posted: 0 });
      const count = new Uint32Array(2); // [0]: bytes, [1]: flags
      count[1] = flags;
      const bytesOut = new Uint8Array(count.buffer, 0, 4);
      const cr = routine ? routinePointer() : null;
      const wsabufPtr = Deno.UnsafePointer.of(wsabufs);
      const ovPtr = Deno.UnsafePointer.of(ovBytes);
      const rc = send
        ? ws.WSASend(s, wsabufPtr, bufs.length, bytesOut, flags, ovPtr, cr)
        : ws.WSARecv(
          s,
          wsabufPtr,
          bufs.length,
          bytesOut,
          new Uint8Array(count.buffer, 4, 4),
          ovPtr,
          cr,
        );
      if (rc !== SOCKET_ERROR) return count[0];
      const error = ws.WSAGetLastError();
      if (error === WSA_IO_PENDING) return null;
      pinned.delete(at);
      throw new WinsockError(error, send ? "WSASend" : "WSARecv");
    },
    acceptEx(listener, into, out, recvLength, localLength, remoteLength, ov) {
      mswsock ??= openMswsock();
      void out.buffer; // off the heap for good, as the WSABUFs' buffers
      const ovBytes = overlappedBytes(ov);
      const at = address(ovBytes);
      pinned.set(at, { ov, s: listener, bufs: [out], wsabufs: ovBytes, routine: null, posted: 0 });
      const received = new Uint32Array(1);
      const ok = mswsock.AcceptEx(
        listener,
        into,
        Deno.UnsafePointer.of(out),
        recvLength,
        localLength,
        remoteLength,
        new Uint8Array(received.buffer),
        Deno.UnsafePointer.of(ovBytes),
      );
      if (ok) return received[0];
      const error = ws.WSAGetLastError();
      if (error === WSA_IO_PENDING) return null;
      pinned.delete(at);
      throw new WinsockError(error, "AcceptEx");
    },
    acceptExSockaddrs(out, recvLength, localLength, remoteLength) {
      mswsock ??= openMswsock();
      const pointers = new BigUint64Array(2), lengths = new Int32Array(2);
      const base = address(out);
      mswsock.GetAcceptExSockaddrs(
        Deno.UnsafePointer.of(out),
        recvLength,
        localLength,
        remoteLength,
        new Uint8Array(pointers.buffer, 0, 8),
        new Uint8Array(lengths.buffer, 0, 4),
        new Uint8Array(pointers.buffer, 8, 8),
        new Uint8Array(lengths.buffer, 4, 4),
      );
      const at = (i: number) => {
        const offset = Number(pointers[i] - base);
        if (offset < 0 || offset + lengths[i] > out.byteLength) {
          throw new WinsockError(WSAEFAULT, "GetAcceptExSockaddrs: no address in the buffer");
        }
        return decodeSockaddr(out.subarray(offset, offset + lengths[i]));
      };
      return { local: at(0), remote: at(1) };
    },
    result(s, ov) {
      const outcome = outcomeOf(s, ov);
      if (outcome) reap(address(overlappedBytes(ov)));
      return outcome;
    },
    async done(ov) {
      // The socket's own handle is no signal to wait on with several operations in flight
      // (each new one resets it), so: the operation's event when it has one, else a look
      // every few milliseconds.
      const p = pinned.get(address(overlappedBytes(ov)));
      if ((!p && !isShared(ov)) || p?.s === null) return;
      if (ov.hEvent !== 0n) {
        await k.WaitForSingleObject_wait(ov.hEvent, INFINITE);
        return;
      }
      if (!p) return; // shared, without an event: no socket here to ask
      for (let ms = 1; outcomeOf(p.s!, ov) === null; ms = Math.min(ms * 2, 16)) {
        await new Promise((r) => setTimeout(r, ms));
      }
    },
    createPort(s, port, key, threads) {
      const h = k.CreateIoCompletionPort(s ?? INVALID_HANDLE_VALUE, port ?? 0n, key, threads);
      if (BigInt(h) === 0n) lastError("CreateIoCompletionPort");
      return BigInt(h);
    },
    async dequeue(port, max, ms) {
      const entries = stable(OVERLAPPED_ENTRY_LAYOUT.size * max);
      const removed = new Uint32Array(1);
      const removedOut = new Uint8Array(removed.buffer);
      let ok = await k.GetQueuedCompletionStatusEx_wait(port, entries, max, removedOut, ms, 0);
      if (!ok) {
        // Timed out, closed, or not a port: the error of that call is lost on its thread,
        // so look again here, without waiting (it may also find a packet just queued).
        ok = k.GetQueuedCompletionStatusEx(port, entries, max, removedOut, 0, 0);
        if (!ok) {
          const error = k.GetLastError();
          if (error === WAIT_TIMEOUT) return [];
          throw new WinsockError(error, "GetQueuedCompletionStatusEx");
        }
      }
      const view = new DataView(entries.buffer);
      const got: Completion[] = [];
      for (let i = 0; i < removed[0]; i++) {
        const at = i * OVERLAPPED_ENTRY_LAYOUT.size;
        const ovAt = view.getBigUint64(at + OVERLAPPED_ENTRY_LAYOUT.lpOverlapped, true);
        const status = view.getBigUint64(at + OVERLAPPED_ENTRY_LAYOUT.Internal, true);
        const p = pinned.get(ovAt);
        let error = 0;
        if (p && p.posted > 0) p.posted--;
        else if (p && p.s !== null && status !== 0n) {
          error = outcomeOf(p.s, p.ov)?.error ?? 0;
          if (error === WSAENOTSOCK) error = closedSocketError(status);
        } else if (!p && status !== 0n) error = closedSocketError(status); // started elsewhere
        if (p) reap(ovAt);
        got.push({
          key: view.getBigUint64(at + OVERLAPPED_ENTRY_LAYOUT.lpCompletionKey, true),
          ov: p?.ov ?? (ovAt === 0n ? null : sharedAt(ovAt)),
          bytes: view.getUint32(at + OVERLAPPED_ENTRY_LAYOUT.dwNumberOfBytesTransferred, true),
          error,
        });
      }
      return got;
    },
    post(port, bytes, key, ov) {
      let at = 0n;
      if (ov) {
        const ovBytes = overlappedBytes(ov);
        at = address(ovBytes);
        const p = pinned.get(at) ??
          { ov, s: null, bufs: [], wsabufs: ovBytes, routine: null, posted: 0 };
        p.posted++;
        pinned.set(at, p);
      }
      if (!k.PostQueuedCompletionStatus(port, bytes, key, at)) {
        if (ov) pinned.get(at)!.posted--;
        lastError("PostQueuedCompletionStatus");
      }
    },
    closeHandle(h) {
      if (!k.CloseHandle(h)) lastError("CloseHandle");
    },
    sleepEx(ms, alertable) {
      return Promise.resolve(k.SleepEx(ms, alertable ? 1 : 0));
    },
  };
}
