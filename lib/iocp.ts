/**
 * Completion ports, the façade's side: the checks made on each argument
 * before the engine (native on winsock, emulated on posix and deno) sees a
 * call, and the out-parameters of `GetQueuedCompletionStatus` filled as C
 * fills them.
 *
 * @module
 */

import { type HANDLE, INFINITE, INVALID_HANDLE_VALUE, type SOCKET } from "./constants.ts";
import { WinsockError, WSA_INVALID_HANDLE, WSA_INVALID_PARAMETER } from "./errors.ts";
import type { Completion } from "./overlapped.ts";
import { OVERLAPPED_ENTRY, type WSAOVERLAPPED } from "./overlapped_structs.ts";

/** An out-parameter holding a `ULONG_PTR`, such as `GetQueuedCompletionStatus`'s `lpCompletionKey`. */
export interface BigIntRef {
  /** The `ULONG_PTR` it points to. */
  value: bigint;
}

/** An out-parameter holding an `LPOVERLAPPED`. */
export interface OverlappedRef {
  /** The `WSAOVERLAPPED` (or null) it points to. */
  value: WSAOVERLAPPED | null;
}

/** A port handle, else `ERROR_INVALID_HANDLE` (6). */
export function checkHandle(h: HANDLE): HANDLE {
  if (typeof h !== "bigint" || h <= 0n || h === INVALID_HANDLE_VALUE) {
    throw new WinsockError(WSA_INVALID_HANDLE, `not a handle: ${String(h)}`);
  }
  return h;
}

/** A `DWORD`/`ULONG_PTR` argument, else `ERROR_INVALID_PARAMETER` (87). */
export function checkUnsigned(v: number | bigint, bits: 32 | 64, what: string): void {
  const ok = bits === 64
    ? typeof v === "bigint" && v >= 0n && v < 1n << 64n
    : typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
  if (!ok) throw new WinsockError(WSA_INVALID_PARAMETER, `${what}: ${String(v)}`);
}

/** `CreateIoCompletionPort`'s `FileHandle`: a socket, or `INVALID_HANDLE_VALUE` for none. */
export function portFile(FileHandle: SOCKET): SOCKET | null {
  if (FileHandle === INVALID_HANDLE_VALUE) return null;
  if (typeof FileHandle !== "bigint" || FileHandle <= 0n) {
    throw new WinsockError(WSA_INVALID_HANDLE, `FileHandle ${String(FileHandle)}`);
  }
  return FileHandle;
}

/** A wait's `dwMilliseconds` (`INFINITE` allowed). */
export function checkMilliseconds(ms: number): number {
  checkUnsigned(ms, 32, "dwMilliseconds");
  return ms === INFINITE ? INFINITE : ms;
}

/** Fills `OVERLAPPED_ENTRY`s from completions (as `GetQueuedCompletionStatusEx` does). */
export function fillEntries(entries: OVERLAPPED_ENTRY[], got: Completion[]): void {
  got.forEach((c, i) => {
    const e = entries[i] ?? (entries[i] = new OVERLAPPED_ENTRY());
    e.lpCompletionKey = c.key;
    e.lpOverlapped = c.ov;
    e.Internal = c.ov?.Internal ?? 0n;
    e.dwNumberOfBytesTransferred = c.bytes;
  });
}
