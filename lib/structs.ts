/**
 * The C structs Winsock passes around, as TypeScript classes with the C field
 * names, plus their memory layouts as data (offsets and sizes): the sizes
 * `sizeof` reports, and the `sockaddr` and `addrinfo` layouts every native
 * backend reads and writes, with one encoder and one decoder each. (The
 * Win64 layouts only the winsock backend reads and writes, with theirs, are
 * in `lib/backends/winsock/layouts.ts`.) Encoders write the bytes the C
 * compiler would; decoders check every length first and throw a
 * {@linkcode WinsockError} (`WSAEFAULT`) rather than read past a buffer.
 *
 * Integers are stored little-endian (host order on every platform Deno runs
 * on), so `sin_port` holds `htons(port)` exactly as in C.
 *
 * @module
 */

import {
  AF_INET,
  AF_INET6,
  FD_MAX_EVENTS,
  FD_SETSIZE,
  type SOCKET,
  WSADESCRIPTION_LEN,
} from "./constants.ts";
import { WinsockError, WSAEAFNOSUPPORT, WSAEFAULT, WSAEINVAL } from "./errors.ts";
import { need, uint } from "./bytes.ts";

// ---------------------------------------------------------------------------
// Layouts: data, checked by tests against the sizes the C compilers give.

/**
 * `WSADATA` on 64-bit Windows: the `#ifdef _WIN64` branch of `winsock2.h`,
 * where the `unsigned short`s and the vendor pointer come before the strings.
 */
export const WSADATA_LAYOUT_WIN64 = {
  size: 408,
  wVersion: 0,
  wHighVersion: 2,
  iMaxSockets: 4,
  iMaxUdpDg: 6,
  lpVendorInfo: 8,
  pointerSize: 8,
  szDescription: 16,
  szSystemStatus: 16 + WSADESCRIPTION_LEN + 1,
} as const;

/** `struct sockaddr_in`: 16 bytes; `sin_port` and `sin_addr` in network order. */
export const SOCKADDR_IN_LAYOUT = {
  size: 16,
  sin_family: 0,
  sin_port: 2,
  sin_addr: 4,
  sin_zero: 8,
} as const;

/** `struct sockaddr_in6`: 28 bytes. */
export const SOCKADDR_IN6_LAYOUT = {
  size: 28,
  sin6_family: 0,
  sin6_port: 2,
  sin6_flowinfo: 4,
  sin6_addr: 8,
  sin6_scope_id: 24,
} as const;

/**
 * Where an `addrinfo` node keeps its fields. Windows (`ADDRINFOA`) and macOS
 * put `ai_canonname` before `ai_addr`; Linux puts `ai_addr` first. Windows'
 * `ai_addrlen` is a `size_t` (8 bytes), the others' a `socklen_t` (4).
 */
export interface AddrinfoLayout {
  /** `sizeof` the node (48 on every 64-bit platform). */
  readonly size: number;
  /** `int ai_flags`. */
  readonly ai_flags: number;
  /** `int ai_family`. */
  readonly ai_family: number;
  /** `int ai_socktype`. */
  readonly ai_socktype: number;
  /** `int ai_protocol`. */
  readonly ai_protocol: number;
  /** `ai_addrlen`. */
  readonly ai_addrlen: number;
  /** The size of `ai_addrlen`: 8 (`size_t`) or 4 (`socklen_t`). */
  readonly addrlenSize: 4 | 8;
  /** `char *ai_canonname`. */
  readonly ai_canonname: number;
  /** `struct sockaddr *ai_addr`. */
  readonly ai_addr: number;
  /** `struct addrinfo *ai_next`. */
  readonly ai_next: number;
}

/** `ADDRINFOA` on 64-bit Windows: `ai_canonname` at 24, `ai_addr` at 32 (48 bytes). */
export const ADDRINFOA_LAYOUT_WIN64: AddrinfoLayout = {
  size: 48,
  ai_flags: 0,
  ai_family: 4,
  ai_socktype: 8,
  ai_protocol: 12,
  ai_addrlen: 16,
  addrlenSize: 8,
  ai_canonname: 24,
  ai_addr: 32,
  ai_next: 40,
};

/** `WSABUF` on 64-bit Windows: `ULONG len` at 0, `CHAR *buf` at 8 (16 bytes). */
export const WSABUF_LAYOUT_WIN64 = { size: 16, len: 0, buf: 8 } as const;

/** `struct sockaddr`: a family and 14 bytes of address data (16 bytes). */
export const SOCKADDR_LAYOUT = { size: 16, sa_family: 0, sa_data: 2 } as const;

/** `sizeof(SOCKADDR_STORAGE)`: room for any socket address (128 bytes on Windows, Linux and macOS). */
export const SOCKADDR_STORAGE_SIZE = 128;

/** `struct timeval` on Windows: two `long`s, 32-bit even on x64 (8 bytes). */
export const TIMEVAL_LAYOUT_WINDOWS = { size: 8, tv_sec: 0, tv_usec: 4, fieldSize: 4 } as const;

/** `fd_set` on Windows x64: `u_int fd_count`, padding, `SOCKET fd_array[64]`. */
export const FD_SET_LAYOUT_WIN64 = {
  size: 8 + 8 * FD_SETSIZE,
  fd_count: 0,
  fd_array: 8,
  socketSize: 8,
} as const;

/**
 * How a platform's `sockaddr` family field looks: Windows and Linux have a
 * 16-bit family; BSD and macOS a `uint8_t sin_len` then a `uint8_t` family.
 * The family numbers are the platform's own (`AF_INET6` is 23, 10 or 30).
 */
export interface SockaddrAbi {
  /** Which platform. */
  readonly os: "windows" | "linux" | "darwin";
  /** True where the family is a byte preceded by a length byte. */
  readonly hasSinLen: boolean;
  /** The platform's `AF_INET`. */
  readonly AF_INET: number;
  /** The platform's `AF_INET6`. */
  readonly AF_INET6: number;
}

/** Windows: 16-bit family, `AF_INET6` = 23. */
export const WINDOWS_SOCKADDR_ABI: SockaddrAbi = {
  os: "windows",
  hasSinLen: false,
  AF_INET: 2,
  AF_INET6: 23,
};

// ---------------------------------------------------------------------------
// The structs, with C field names.

/** `WSADATA`: what `WSAStartup` tells about the Winsock implementation. */
export class WSADATA {
  /** The version the program will use: major in the low byte. */
  wVersion = 0;
  /** The highest version the library supports. */
  wHighVersion = 0;
  /** Ignored since Winsock 2. */
  iMaxSockets = 0;
  /** Ignored since Winsock 2. */
  iMaxUdpDg = 0;
  /** Ignored since Winsock 2 (a pointer; its address). */
  lpVendorInfo = 0n;
  /** E.g. `"WinSock 2.0"`. */
  szDescription = "";
  /** E.g. `"Running"`. */
  szSystemStatus = "";
}

/** `struct in_addr`: an IPv4 address in network byte order. */
export class in_addr {
  /** `S_un.S_addr`: the address as the `u_long` C stores (network order). */
  S_un: { S_addr: number } = { S_addr: 0 };
}

/** `struct sockaddr_in` (`SOCKADDR_IN`): an IPv4 address and port. */
export class sockaddr_in {
  /** `AF_INET`. */
  sin_family = 0;
  /** The port in network order: assign `htons(port)`. */
  sin_port = 0;
  /** The address in network order: assign `inet_addr("127.0.0.1")`. */
  sin_addr: in_addr = new in_addr();
  /** Eight bytes of padding. */
  sin_zero: Uint8Array = new Uint8Array(8);
}

/** `struct in6_addr`: 16 bytes. */
export class in6_addr {
  /** The address bytes. */
  s6_addr: Uint8Array = new Uint8Array(16);
}

/** `struct sockaddr_in6`: an IPv6 address and port. */
export class sockaddr_in6 {
  /** `AF_INET6`. */
  sin6_family = 0;
  /** The port in network order. */
  sin6_port = 0;
  /** Flow information. */
  sin6_flowinfo = 0;
  /** The address. */
  sin6_addr: in6_addr = new in6_addr();
  /** Scope (interface) id. */
  sin6_scope_id = 0;
}

/** Either socket address the façade accepts where C takes a `sockaddr*`. */
export type SOCKADDR = sockaddr_in | sockaddr_in6;

/**
 * `ADDRINFOA` (`struct addrinfo`): one answer of `getaddrinfo`, or its hints.
 * The list is made of these objects (`ai_next`); the native list has already
 * been copied and freed when `getaddrinfo` returns.
 */
export class ADDRINFOA {
  /** `AI_PASSIVE`, `AI_CANONNAME`, `AI_NUMERICHOST`, … */
  ai_flags = 0;
  /** `AF_UNSPEC`, `AF_INET` or `AF_INET6`. */
  ai_family = 0;
  /** `SOCK_STREAM`, `SOCK_DGRAM` or 0 (any). */
  ai_socktype = 0;
  /** `IPPROTO_TCP`, `IPPROTO_UDP` or 0 (any). */
  ai_protocol = 0;
  /** `sizeof(*ai_addr)`: 16 or 28. */
  ai_addrlen = 0;
  /** The canonical name (first answer, with `AI_CANONNAME`), else null. */
  ai_canonname: string | null = null;
  /** The address, ready for `bind`, `connect` or `sendto`. */
  ai_addr: SOCKADDR | null = null;
  /** The next answer, or null. */
  ai_next: ADDRINFOA | null = null;
}

/**
 * `WSABUF`: one piece of a scattered or gathered buffer (`WSASendTo`,
 * `WSARecvFrom`, `WSASend`, `WSARecv`): `len` bytes of `buf`.
 *
 * @example
 * ```ts
 * import { WSABUF } from "@winsock/tutorial";
 * const b = new WSABUF(new Uint8Array(1500));
 * console.log(b.len); // 1500
 * ```
 */
export class WSABUF {
  /** `ULONG len`: how many bytes of `buf` the call may use. */
  len: number;
  /** `CHAR *buf`: the bytes. */
  buf: Uint8Array;
  /** A `WSABUF` over `buf`, `len` defaulting to all of it. */
  constructor(buf: Uint8Array = new Uint8Array(0), len: number = buf.byteLength) {
    this.buf = buf;
    this.len = len;
  }
}

/**
 * The bytes of the first `count` `WSABUF`s (each cut to its `len`):
 * `WSAEFAULT` for a missing one or a `len` beyond its `buf`, `WSAEINVAL`
 * for a `len` that is not a length.
 *
 * @example
 * ```ts
 * import { WSABUF, wsabufPieces } from "@winsock/tutorial";
 * const b = Object.assign(new WSABUF(), { len: 2, buf: new Uint8Array(8) });
 * console.log(wsabufPieces([b], 1, "WSASendTo")[0].byteLength); // 2
 * ```
 */
export function wsabufPieces(bufs: WSABUF[], count: number, what: string): Uint8Array[] {
  if (!Array.isArray(bufs) || !Number.isInteger(count) || count < 0 || count > bufs.length) {
    throw new WinsockError(WSAEFAULT, `${what}: ${String(count)} WSABUFs in lpBuffers`);
  }
  return bufs.slice(0, count).map((b, i) => {
    if (!(b instanceof WSABUF) || !(b.buf instanceof Uint8Array)) {
      throw new WinsockError(WSAEFAULT, `${what}: lpBuffers[${i}] is not a WSABUF`);
    }
    if (!Number.isInteger(b.len) || b.len < 0 || b.len > 0xffffffff) {
      throw new WinsockError(WSAEINVAL, `${what}: lpBuffers[${i}].len ${String(b.len)}`);
    }
    if (b.len > b.buf.byteLength) {
      throw new WinsockError(
        WSAEFAULT,
        `${what}: lpBuffers[${i}].len ${b.len} exceeds its ${b.buf.byteLength}-byte buf`,
      );
    }
    return b.buf.subarray(0, b.len);
  });
}

/** `struct timeval`: a timeout for `select`. */
export class timeval {
  /** Seconds. */
  tv_sec = 0;
  /** Microseconds. */
  tv_usec = 0;
}

/** `fd_set` as Windows has it: a count and up to `FD_SETSIZE` (64) sockets. */
export class fd_set {
  /** How many entries of `fd_array` are in use. */
  fd_count = 0;
  /** The sockets. */
  fd_array: BigUint64Array = new BigUint64Array(FD_SETSIZE);
}

/**
 * `FD_ZERO(set)`: empties the set.
 *
 * @example
 * ```ts
 * import { FD_ZERO, fd_set } from "@winsock/tutorial";
 * const set = new fd_set();
 * FD_ZERO(set);
 * console.log(set.fd_count); // 0
 * ```
 */
export function FD_ZERO(set: fd_set): void {
  set.fd_count = 0;
}

/**
 * `FD_SET(fd, set)`: adds a socket, as Windows' macro does: once, and only
 * while the set has room (`FD_SETSIZE`, 64); a full set silently stays as it
 * is, so check `set.fd_count < FD_SETSIZE` first.
 *
 * @example
 * ```ts
 * import { FD_ISSET, FD_SET, fd_set } from "@winsock/tutorial";
 * const set = new fd_set();
 * FD_SET(0x1a4n, set);
 * console.log(set.fd_count, FD_ISSET(0x1a4n, set)); // 1 true
 * ```
 */
export function FD_SET(fd: SOCKET, set: fd_set): void {
  if (FD_ISSET(fd, set) || set.fd_count >= FD_SETSIZE) return;
  set.fd_array[set.fd_count++] = fd;
}

/**
 * `FD_CLR(fd, set)`: removes a socket, keeping the others in order.
 *
 * @example
 * ```ts
 * import { FD_CLR, FD_SET, fd_set } from "@winsock/tutorial";
 * const set = new fd_set();
 * FD_SET(0x1a4n, set);
 * FD_CLR(0x1a4n, set);
 * console.log(set.fd_count); // 0
 * ```
 */
export function FD_CLR(fd: SOCKET, set: fd_set): void {
  const count = Math.min(set.fd_count, FD_SETSIZE);
  const at = set.fd_array.subarray(0, count).indexOf(fd);
  if (at < 0) return;
  set.fd_array.copyWithin(at, at + 1, count);
  set.fd_count = count - 1;
}

/**
 * `FD_ISSET(fd, set)`: whether the socket is in the set (after `select`:
 * whether it is ready).
 *
 * @example
 * ```ts
 * import { FD_ISSET, fd_set } from "@winsock/tutorial";
 * console.log(FD_ISSET(0x1a4n, new fd_set())); // false
 * ```
 */
export function FD_ISSET(fd: SOCKET, set: fd_set): boolean {
  return set.fd_array.subarray(0, Math.min(set.fd_count, FD_SETSIZE)).includes(fd);
}

/**
 * `sizeof(x)` for the structs the façade passes by pointer, as C's `sizeof`.
 *
 * @example
 * ```ts
 * import { sizeof, sockaddr_in } from "@winsock/tutorial";
 * console.log(sizeof(new sockaddr_in())); // 16
 * ```
 */
export function sizeof(struct: SOCKADDR | WSADATA | timeval | fd_set): number {
  if (struct instanceof sockaddr_in) return SOCKADDR_IN_LAYOUT.size;
  if (struct instanceof sockaddr_in6) return SOCKADDR_IN6_LAYOUT.size;
  if (struct instanceof WSADATA) return WSADATA_LAYOUT_WIN64.size;
  if (struct instanceof timeval) return TIMEVAL_LAYOUT_WINDOWS.size;
  return FD_SET_LAYOUT_WIN64.size;
}

// ---------------------------------------------------------------------------
// sockaddr_in / sockaddr_in6

function putFamily(view: DataView, abi: SockaddrAbi, family: number, size: number): void {
  if (abi.hasSinLen) {
    view.setUint8(0, size);
    view.setUint8(1, family);
  } else {
    view.setUint16(0, family, true);
  }
}

/**
 * Encodes a `sockaddr_in` or `sockaddr_in6` into the platform's bytes,
 * translating the Winsock family number to the platform's own.
 *
 * @example
 * ```ts
 * import { encodeSockaddr, htons, inet_addr, sockaddr_in } from "@winsock/tutorial";
 * const si = new sockaddr_in();
 * si.sin_family = 2; // AF_INET
 * si.sin_port = htons(12345);
 * si.sin_addr.S_un.S_addr = inet_addr("127.0.0.1");
 * console.log(encodeSockaddr(si)); // Uint8Array(16) [2, 0, 48, 57, 127, 0, 0, 1, 0, ...]
 * ```
 */
export function encodeSockaddr(
  addr: SOCKADDR,
  abi: SockaddrAbi = WINDOWS_SOCKADDR_ABI,
): Uint8Array {
  if (addr instanceof sockaddr_in) {
    if (addr.sin_family !== AF_INET) {
      throw new WinsockError(WSAEAFNOSUPPORT, `sockaddr_in: sin_family ${addr.sin_family}`);
    }
    const L = SOCKADDR_IN_LAYOUT;
    const bytes = new Uint8Array(L.size);
    const view = new DataView(bytes.buffer);
    putFamily(view, abi, abi.AF_INET, L.size);
    view.setUint16(L.sin_port, uint(addr.sin_port, 16, "sin_port"), true);
    view.setUint32(L.sin_addr, uint(addr.sin_addr?.S_un?.S_addr, 32, "sin_addr"), true);
    return bytes;
  }
  if (addr instanceof sockaddr_in6) {
    if (addr.sin6_family !== AF_INET6) {
      throw new WinsockError(WSAEAFNOSUPPORT, `sockaddr_in6: sin6_family ${addr.sin6_family}`);
    }
    const L = SOCKADDR_IN6_LAYOUT;
    const bytes = new Uint8Array(L.size);
    const view = new DataView(bytes.buffer);
    putFamily(view, abi, abi.AF_INET6, L.size);
    view.setUint16(L.sin6_port, uint(addr.sin6_port, 16, "sin6_port"), true);
    view.setUint32(L.sin6_flowinfo, uint(addr.sin6_flowinfo, 32, "sin6_flowinfo"), true);
    const a = addr.sin6_addr?.s6_addr;
    if (!(a instanceof Uint8Array) || a.byteLength !== 16) {
      throw new WinsockError(WSAEINVAL, "sockaddr_in6: sin6_addr must be 16 bytes");
    }
    bytes.set(a, L.sin6_addr);
    view.setUint32(L.sin6_scope_id, uint(addr.sin6_scope_id, 32, "sin6_scope_id"), true);
    return bytes;
  }
  throw new WinsockError(WSAEFAULT, "not a sockaddr_in or sockaddr_in6");
}

/**
 * Decodes the `sockaddr` bytes a call such as `accept` or `getpeername`
 * filled (`length` is what the call wrote to its `int *namelen`).
 *
 * @example
 * ```ts
 * import { decodeSockaddr, sockaddr_in } from "@winsock/tutorial";
 * const a = decodeSockaddr(new Uint8Array([2, 0, 48, 57, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]));
 * console.log(a instanceof sockaddr_in); // true
 * ```
 */
export function decodeSockaddr(
  bytes: Uint8Array,
  abi: SockaddrAbi = WINDOWS_SOCKADDR_ABI,
  length: number = bytes?.byteLength,
): SOCKADDR {
  const view = need(bytes, 2, "sockaddr");
  if (!Number.isInteger(length) || length < 2 || length > bytes.byteLength) {
    throw new WinsockError(WSAEFAULT, `sockaddr: length ${length} outside the buffer`);
  }
  const family = abi.hasSinLen ? view.getUint8(1) : view.getUint16(0, true);
  if (family === abi.AF_INET) {
    const L = SOCKADDR_IN_LAYOUT;
    if (length < L.size) {
      throw new WinsockError(WSAEFAULT, `sockaddr_in: ${length} bytes, needs 16`);
    }
    const a = new sockaddr_in();
    a.sin_family = AF_INET;
    a.sin_port = view.getUint16(L.sin_port, true);
    a.sin_addr.S_un.S_addr = view.getUint32(L.sin_addr, true);
    a.sin_zero = bytes.slice(L.sin_zero, L.size);
    return a;
  }
  if (family === abi.AF_INET6) {
    const L = SOCKADDR_IN6_LAYOUT;
    if (length < L.size) {
      throw new WinsockError(WSAEFAULT, `sockaddr_in6: ${length} bytes, needs 28`);
    }
    const a = new sockaddr_in6();
    a.sin6_family = AF_INET6;
    a.sin6_port = view.getUint16(L.sin6_port, true);
    a.sin6_flowinfo = view.getUint32(L.sin6_flowinfo, true);
    a.sin6_addr.s6_addr = bytes.slice(L.sin6_addr, L.sin6_addr + 16);
    a.sin6_scope_id = view.getUint32(L.sin6_scope_id, true);
    return a;
  }
  throw new WinsockError(WSAEAFNOSUPPORT, `sockaddr: address family ${family}`);
}

// ---------------------------------------------------------------------------
// addrinfo (one node; the backends walk the list)

/** The numbers of one native `addrinfo` node, its pointers as addresses (0n: NULL). */
export interface AddrinfoNode {
  /** `ai_flags`. */
  ai_flags: number;
  /** `ai_family`, the platform's number. */
  ai_family: number;
  /** `ai_socktype`, the platform's number. */
  ai_socktype: number;
  /** `ai_protocol`. */
  ai_protocol: number;
  /** `ai_addrlen`. */
  ai_addrlen: number;
  /** `ai_canonname`'s address. */
  ai_canonname: bigint;
  /** `ai_addr`'s address. */
  ai_addr: bigint;
  /** `ai_next`'s address. */
  ai_next: bigint;
}

/**
 * Encodes `getaddrinfo`'s hints (flags, family, socket type, protocol: the
 * platform's numbers; the pointers NULL, as the hints must have them).
 *
 * @example
 * ```ts
 * import { ADDRINFOA_LAYOUT_WIN64, encodeAddrinfoHints } from "@winsock/tutorial";
 * const h = { ai_flags: 0, ai_family: 23, ai_socktype: 1, ai_protocol: 0 };
 * console.log(encodeAddrinfoHints(h, ADDRINFOA_LAYOUT_WIN64)[4]); // 23
 * ```
 */
export function encodeAddrinfoHints(
  hints: Pick<AddrinfoNode, "ai_flags" | "ai_family" | "ai_socktype" | "ai_protocol">,
  layout: AddrinfoLayout = ADDRINFOA_LAYOUT_WIN64,
): Uint8Array {
  const bytes = new Uint8Array(layout.size);
  const view = new DataView(bytes.buffer);
  for (const field of ["ai_flags", "ai_family", "ai_socktype", "ai_protocol"] as const) {
    const value = hints[field];
    if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31) {
      throw new WinsockError(WSAEINVAL, `hints.${field}: ${String(value)} is not an int`);
    }
    view.setInt32(layout[field], value, true);
  }
  return bytes;
}

/**
 * Decodes one native `addrinfo` node (copied out of the list `getaddrinfo`
 * made) in the platform's layout.
 *
 * @example
 * ```ts
 * import { ADDRINFOA_LAYOUT_WIN64, decodeAddrinfoNode } from "@winsock/tutorial";
 * console.log(decodeAddrinfoNode(new Uint8Array(48), ADDRINFOA_LAYOUT_WIN64).ai_next); // 0n
 * ```
 */
export function decodeAddrinfoNode(
  bytes: Uint8Array,
  layout: AddrinfoLayout = ADDRINFOA_LAYOUT_WIN64,
): AddrinfoNode {
  const view = need(bytes, layout.size, "addrinfo");
  return {
    ai_flags: view.getInt32(layout.ai_flags, true),
    ai_family: view.getInt32(layout.ai_family, true),
    ai_socktype: view.getInt32(layout.ai_socktype, true),
    ai_protocol: view.getInt32(layout.ai_protocol, true),
    ai_addrlen: layout.addrlenSize === 8
      ? Number(view.getBigUint64(layout.ai_addrlen, true))
      : view.getUint32(layout.ai_addrlen, true),
    ai_canonname: view.getBigUint64(layout.ai_canonname, true),
    ai_addr: view.getBigUint64(layout.ai_addr, true),
    ai_next: view.getBigUint64(layout.ai_next, true),
  };
}

// ---------------------------------------------------------------------------
// The event select and asynchronous select models.

/** `WSANETWORKEVENTS`: what `WSAEnumNetworkEvents` reports of one socket. */
export class WSANETWORKEVENTS {
  /** The `FD_*` events recorded since the last look. */
  lNetworkEvents = 0;
  /** Each event's error code, indexed by its `FD_*_BIT` (0: none). */
  iErrorCode: Int32Array = new Int32Array(FD_MAX_EVENTS);
}

/** `MSG`: one message of a thread's queue (`GetMessage`, `DispatchMessage`). */
export class MSG {
  /** The window it is for (`HWND`, a bigint; 0n: the thread). */
  hwnd = 0n;
  /** The message number, e.g. `WM_USER + 1`. */
  message = 0;
  /** `WPARAM` (for `WSAAsyncSelect`: the socket). */
  wParam = 0n;
  /** `LPARAM` (for `WSAAsyncSelect`: `WSAMAKESELECTREPLY(event, error)`). */
  lParam = 0n;
  /** When it was posted (ms since the system started). */
  time = 0;
  /** Where the cursor was. */
  pt: { x: number; y: number } = { x: 0, y: 0 };
}
