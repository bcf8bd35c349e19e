/**
 * The structs of overlapped I/O and completion ports (`WSABUF` is in
 * `structs.ts`): `WSAOVERLAPPED` and `OVERLAPPED_ENTRY` (x64 layouts as data, checked under
 * Wine against mingw's `sizeof`/`offsetof`).
 *
 * A `WSAOVERLAPPED` lives in memory of its own that never moves (an
 * `ArrayBuffer`'s backing store, outside the JavaScript heap): the system
 * writes its `Internal` (status) and `InternalHigh` (bytes) there when the
 * operation completes, and the object is the one `GetQueuedCompletionStatus`
 * hands back.
 *
 * @module
 */

import type { HANDLE } from "./constants.ts";
import { WinsockError, WSAEFAULT, WSAEINVAL } from "./errors.ts";
import { type WSABUF, WSABUF_LAYOUT_WIN64, wsabufPieces } from "./structs.ts";

/** `WSABUF` on x64 (`lib/structs.ts`, where the class is): 16 bytes, the pointer at 8. */
export const WSABUF_LAYOUT: typeof WSABUF_LAYOUT_WIN64 = WSABUF_LAYOUT_WIN64;

/**
 * `WSAOVERLAPPED` on x64: `ULONG_PTR Internal, InternalHigh; DWORD Offset,
 * OffsetHigh; HANDLE hEvent;` (32 bytes, `hEvent` at 24).
 */
export const WSAOVERLAPPED_LAYOUT = {
  size: 32,
  Internal: 0,
  InternalHigh: 8,
  Offset: 16,
  OffsetHigh: 20,
  hEvent: 24,
} as const;

/**
 * `OVERLAPPED_ENTRY` on x64: `ULONG_PTR lpCompletionKey; LPOVERLAPPED
 * lpOverlapped; ULONG_PTR Internal; DWORD dwNumberOfBytesTransferred;`
 * (32 bytes with padding).
 */
export const OVERLAPPED_ENTRY_LAYOUT = {
  size: 32,
  lpCompletionKey: 0,
  lpOverlapped: 8,
  Internal: 16,
  dwNumberOfBytesTransferred: 24,
} as const;

/** `STATUS_PENDING`: `Internal` of an operation still in progress. */
export const STATUS_PENDING = 0x103n;

/**
 * `WSAOVERLAPPED`: the state of one overlapped operation, in memory that
 * stays put until the operation's completion has been reaped.
 *
 * @example
 * ```ts
 * import { WSAOVERLAPPED } from "@winsock/tutorial";
 * const ov = new WSAOVERLAPPED();
 * console.log(ov.Internal, ov.hEvent); // 0n 0n
 * ```
 */
export class WSAOVERLAPPED {
  #view: DataView;

  /**
   * A zeroed `WSAOVERLAPPED` (as `ZeroMemory` leaves it); or, given
   * `memory` (32 bytes, 8-aligned, not cleared), one that lives there: in a
   * `SharedArrayBuffer`, every thread's `WSAOVERLAPPED` over the same bytes
   * is the same operation, so a completion dequeued on any thread (a
   * Worker's `GetQueuedCompletionStatus`) is matched to it. Such memory is
   * the caller's to keep until the operation is done.
   */
  constructor(memory?: Uint8Array) {
    if (memory === undefined) {
      this.#view = new DataView(new ArrayBuffer(WSAOVERLAPPED_LAYOUT.size));
      overlappedMemory.set(this, new Uint8Array(this.#view.buffer));
      return;
    }
    if (
      !(memory instanceof Uint8Array) || memory.byteLength !== WSAOVERLAPPED_LAYOUT.size ||
      memory.byteOffset % 8 !== 0
    ) {
      throw new WinsockError(WSAEFAULT, "WSAOVERLAPPED: memory must be 32 bytes, 8-aligned");
    }
    this.#view = new DataView(memory.buffer, memory.byteOffset, memory.byteLength);
    overlappedMemory.set(this, memory);
    if (memory.buffer instanceof SharedArrayBuffer) sharedOverlapped.add(new WeakRef(this));
  }

  /** `Internal`: the operation's status (`STATUS_PENDING` 0x103 while in progress, 0 when done well). */
  get Internal(): bigint {
    return this.#view.getBigUint64(WSAOVERLAPPED_LAYOUT.Internal, true);
  }
  set Internal(v: bigint) {
    this.#view.setBigUint64(WSAOVERLAPPED_LAYOUT.Internal, v, true);
  }
  /** `InternalHigh`: the bytes transferred, once done. */
  get InternalHigh(): bigint {
    return this.#view.getBigUint64(WSAOVERLAPPED_LAYOUT.InternalHigh, true);
  }
  set InternalHigh(v: bigint) {
    this.#view.setBigUint64(WSAOVERLAPPED_LAYOUT.InternalHigh, v, true);
  }
  /** `Offset` (files only; 0 for sockets). */
  get Offset(): number {
    return this.#view.getUint32(WSAOVERLAPPED_LAYOUT.Offset, true);
  }
  set Offset(v: number) {
    this.#view.setUint32(WSAOVERLAPPED_LAYOUT.Offset, v, true);
  }
  /** `OffsetHigh` (files only). */
  get OffsetHigh(): number {
    return this.#view.getUint32(WSAOVERLAPPED_LAYOUT.OffsetHigh, true);
  }
  set OffsetHigh(v: number) {
    this.#view.setUint32(WSAOVERLAPPED_LAYOUT.OffsetHigh, v, true);
  }
  /** `hEvent`: the event the completion sets (0 for none); free for the caller's use with completion routines. */
  get hEvent(): HANDLE {
    return this.#view.getBigUint64(WSAOVERLAPPED_LAYOUT.hEvent, true);
  }
  set hEvent(v: HANDLE) {
    this.#view.setBigUint64(WSAOVERLAPPED_LAYOUT.hEvent, v, true);
  }
}

const overlappedMemory = new WeakMap<WSAOVERLAPPED, Uint8Array>();
/** This thread's `WSAOVERLAPPED`s over shared memory. */
const sharedOverlapped = new Set<WeakRef<WSAOVERLAPPED>>();

/** This thread's `WSAOVERLAPPED`s living in a `SharedArrayBuffer` (those still referenced). */
export function* sharedOverlappeds(): Generator<WSAOVERLAPPED> {
  for (const ref of sharedOverlapped) {
    const ov = ref.deref();
    if (ov) yield ov;
    else sharedOverlapped.delete(ref);
  }
}

/** The 32 bytes a `WSAOVERLAPPED` lives in (for the native calls); `WSAEFAULT` for anything else. */
export function overlappedBytes(ov: WSAOVERLAPPED): Uint8Array {
  const bytes = ov instanceof WSAOVERLAPPED ? overlappedMemory.get(ov) : undefined;
  if (!bytes) throw new WinsockError(WSAEFAULT, "lpOverlapped is not a WSAOVERLAPPED");
  return bytes;
}

/**
 * `OVERLAPPED_ENTRY`: one completion `GetQueuedCompletionStatusEx` removed.
 *
 * @example
 * ```ts
 * import { OVERLAPPED_ENTRY } from "@winsock/tutorial";
 * console.log(new OVERLAPPED_ENTRY().lpOverlapped); // null
 * ```
 */
export class OVERLAPPED_ENTRY {
  /** `lpCompletionKey`: the key the socket was associated with (or the posted one). */
  lpCompletionKey = 0n;
  /** `lpOverlapped`: the operation's `WSAOVERLAPPED`, or null for a posted packet without one. */
  lpOverlapped: WSAOVERLAPPED | null = null;
  /** `Internal`: the operation's status (0: success). */
  Internal = 0n;
  /** `dwNumberOfBytesTransferred`. */
  dwNumberOfBytesTransferred = 0;
}

/**
 * The buffers of a `WSABUF` array, each cut to its `len`: `WSAEFAULT` when
 * `lpBuffers` is not an array of `dwBufferCount` `WSABUF`s or a `len` passes
 * its buffer, `WSAEINVAL` for a bad count or length.
 */
export function checkedBuffers(lpBuffers: WSABUF[], dwBufferCount: number): Uint8Array[] {
  if (Number.isInteger(dwBufferCount) && dwBufferCount < 1) {
    throw new WinsockError(WSAEINVAL, `dwBufferCount ${dwBufferCount}`);
  }
  return wsabufPieces(lpBuffers, dwBufferCount, "lpBuffers");
}
