/**
 * The checks every family of the façade makes before a backend sees a call:
 * lengths against their buffers, `SOCKET`s, addresses, `fd_set`s, timeouts.
 *
 * @module
 */

import { FD_SETSIZE, INVALID_SOCKET, type SOCKET } from "../constants.ts";
import {
  WinsockError,
  WSA_INVALID_PARAMETER,
  WSAEFAULT,
  WSAEINVAL,
  WSAENOTSOCK,
  WSAEOPNOTSUPP,
} from "../errors.ts";
import type { CompletionRoutine } from "../backends/contract.ts";
import { WSAOVERLAPPED } from "../overlapped_structs.ts";
import {
  fd_set,
  sizeof,
  type SOCKADDR,
  sockaddr_in6,
  SOCKADDR_IN_LAYOUT,
  timeval,
} from "../structs.ts";

/** An `int *` out-parameter, such as `accept`'s `addrlen`. */
export interface IntRef {
  /** The `int` it points to. */
  value: number;
}

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

/**
 * `buf` cut to `len` bytes; `WSAEFAULT` for a length it does not hold (beyond
 * it, or negative: as Winsock, whose probe of the range fails), `WSAEINVAL`
 * for one that is no integer.
 */
export function checkLength(buf: Uint8Array, len: number, what: string): Uint8Array {
  if (!(buf instanceof Uint8Array)) {
    throw new WinsockError(WSAEFAULT, `${what}: buf is not a Uint8Array`);
  }
  if (typeof len !== "number" || !Number.isInteger(len)) {
    throw new WinsockError(WSAEINVAL, `${what}: len ${String(len)} is not a length`);
  }
  if (len < 0 || len > buf.byteLength) {
    throw new WinsockError(
      WSAEFAULT,
      `${what}: len ${len} exceeds the ${buf.byteLength}-byte buffer`,
    );
  }
  return len === buf.byteLength ? buf : buf.subarray(0, len);
}

/** Throws `WSAEOPNOTSUPP`: the backend lacks `model` (`openWinsock` fills in its emulation). */
export function notOffered(model: string): never {
  throw new WinsockError(WSAEOPNOTSUPP, `${model} is not offered by this backend`);
}

/** `s` if it can be a `SOCKET`; else `WSAENOTSOCK`. */
export function checkSocket(s: SOCKET): SOCKET {
  if (typeof s !== "bigint" || s === INVALID_SOCKET || s < 0n) {
    throw new WinsockError(WSAENOTSOCK, `not a SOCKET: ${String(s)}`);
  }
  return s;
}

/** A `DWORD`/`ULONG_PTR` argument, else `ERROR_INVALID_PARAMETER` (87). */
export function checkUnsigned(v: number | bigint, bits: 32 | 64, what: string): void {
  const ok = bits === 64
    ? typeof v === "bigint" && v >= 0n && v < 1n << 64n
    : typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
  if (!ok) throw new WinsockError(WSA_INVALID_PARAMETER, `${what}: ${String(v)}`);
}

/** `AcceptEx`'s smallest address length: `sizeof(sockaddr_in)` + 16. */
export const ACCEPTEX_MIN_ADDRESS = 32;

/** `WSAEFAULT`/`WSAEINVAL` unless `ov` is a `WSAOVERLAPPED` and `routine` a function or null. */
export function checkOverlapped(ov: WSAOVERLAPPED, routine: CompletionRoutine | null): void {
  if (!(ov instanceof WSAOVERLAPPED)) {
    throw new WinsockError(
      WSAEINVAL,
      "lpOverlapped: a WSAOVERLAPPED is required (else use recv/send)",
    );
  }
  if (routine !== null && typeof routine !== "function") {
    throw new WinsockError(WSAEFAULT, "lpCompletionRoutine is not a function");
  }
}

/** `WSAEFAULT` unless `name` is an address and `namelen` at least its size. */
export function checkNameLength(name: SOCKADDR, namelen: number): void {
  if (name === null || typeof name !== "object") {
    throw new WinsockError(WSAEFAULT, "name is not a sockaddr");
  }
  if (!Number.isInteger(namelen) || namelen < sizeof(name)) {
    throw new WinsockError(
      WSAEFAULT,
      `namelen ${namelen} is less than sizeof the address (${sizeof(name)})`,
    );
  }
}

/** Copies `address` into the caller's `name` (if any), and its size into `namelen`. */
export function copyOut(
  address: SOCKADDR,
  name: SOCKADDR | null | undefined,
  namelen: IntRef | null | undefined,
) {
  if (!name) return;
  Object.assign(name, address);
  if (namelen) namelen.value = sizeof(address);
}

/** With an out-address `name`, `WSAEFAULT` unless `namelen` has room for it. */
export function checkOutName(
  name: SOCKADDR | null | undefined,
  namelen: IntRef | null | undefined,
): void {
  if (!name) return;
  if (!namelen || !Number.isInteger(namelen.value) || namelen.value < SOCKADDR_IN_LAYOUT.size) {
    throw new WinsockError(WSAEFAULT, `namelen ${namelen?.value} is too small for a sockaddr`);
  }
  if (name instanceof sockaddr_in6 && namelen.value < sizeof(name)) {
    throw new WinsockError(WSAEFAULT, `namelen ${namelen.value} is too small for a sockaddr_in6`);
  }
}

/** The sockets of an `fd_set` (none for `null`), after checking it is one. */
export function fdSetSockets(set: fd_set | null | undefined, what: string): SOCKET[] {
  if (set === null || set === undefined) return [];
  if (!(set instanceof fd_set)) {
    throw new WinsockError(WSAEFAULT, `select: ${what} is not an fd_set`);
  }
  const count = set.fd_count;
  if (!Number.isInteger(count) || count < 0 || count > FD_SETSIZE) {
    throw new WinsockError(WSAEINVAL, `select: ${what}.fd_count ${count} is not 0-${FD_SETSIZE}`);
  }
  return [...set.fd_array.subarray(0, count)].map(checkSocket);
}

/** A `timeval` as milliseconds (null waits for ever), refusing negative or broken values. */
export function timeoutMs(timeout: timeval | null | undefined): number | null {
  if (timeout === null || timeout === undefined) return null;
  if (!(timeout instanceof timeval)) throw new WinsockError(WSAEFAULT, "select: not a timeval");
  const { tv_sec, tv_usec } = timeout;
  if (![tv_sec, tv_usec].every((v) => Number.isInteger(v) && v >= 0 && v <= 0x7fffffff)) {
    throw new WinsockError(WSAEINVAL, `select: timeval { ${tv_sec}, ${tv_usec} } is not a timeout`);
  }
  return tv_sec * 1000 + Math.ceil(tv_usec / 1000);
}

/** Leaves in `set` only the sockets in `ready`, as `select` does; returns how many. */
export function keepReady(set: fd_set | null | undefined, ready: SOCKET[]): number {
  if (!set) return 0;
  set.fd_array.set(ready);
  set.fd_count = ready.length;
  return ready.length;
}
