/**
 * The C structs Winsock passes around, as TypeScript classes with the C field
 * names, plus their memory layouts as data (offsets and sizes) and one encoder
 * and one decoder each. Encoders write the bytes the C compiler would; decoders
 * check every length first and throw a {@linkcode WinsockError} (`WSAEFAULT`)
 * rather than read past a buffer.
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
  WSASYS_STATUS_LEN,
} from "./constants.ts";
import { WinsockError, WSAEAFNOSUPPORT, WSAEFAULT, WSAEINVAL } from "./errors.ts";

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

/** `WSADATA` on 32-bit Windows: the `#else` branch, strings first (400 bytes). */
export const WSADATA_LAYOUT_WIN32 = {
  size: 400,
  wVersion: 0,
  wHighVersion: 2,
  szDescription: 4,
  szSystemStatus: 4 + WSADESCRIPTION_LEN + 1,
  iMaxSockets: 390,
  iMaxUdpDg: 392,
  lpVendorInfo: 396,
  pointerSize: 4,
} as const;

/** The shape both `WSADATA` layouts share. */
export type WsadataLayout = typeof WSADATA_LAYOUT_WIN64 | typeof WSADATA_LAYOUT_WIN32;

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

/** `WSAPOLLFD` on Windows x64: `SOCKET fd; SHORT events; SHORT revents;` (16 bytes). */
export const WSAPOLLFD_LAYOUT = { size: 16, fd: 0, fdSize: 8, events: 8, revents: 10 } as const;

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
 * import { WSABUF } from "./structs.ts";
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
 * import { WSABUF, wsabufPieces } from "./structs.ts";
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
 * import { FD_ZERO, fd_set } from "./structs.ts";
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
 * import { FD_ISSET, FD_SET, fd_set } from "./structs.ts";
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
 * import { FD_CLR, FD_SET, fd_set } from "./structs.ts";
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
 * import { FD_ISSET, fd_set } from "./structs.ts";
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
 * import { sizeof, sockaddr_in } from "./structs.ts";
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
// Checks shared by the encoders and decoders.

function need(bytes: Uint8Array, size: number, what: string): DataView {
  if (!(bytes instanceof Uint8Array)) {
    throw new WinsockError(WSAEFAULT, `${what}: not a Uint8Array`);
  }
  if (bytes.byteLength < size) {
    throw new WinsockError(
      WSAEFAULT,
      `${what}: buffer of ${bytes.byteLength} bytes, needs ${size}`,
    );
  }
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function uint(value: unknown, bits: 8 | 16 | 32, what: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value >= 2 ** bits) {
    throw new WinsockError(
      WSAEINVAL,
      `${what}: ${String(value)} is not a ${bits}-bit unsigned integer`,
    );
  }
  return value;
}

function cString(bytes: Uint8Array, offset: number, capacity: number): string {
  const field = bytes.subarray(offset, offset + capacity);
  const end = field.indexOf(0);
  let text = "";
  for (const b of end < 0 ? field : field.subarray(0, end)) text += String.fromCharCode(b);
  return text;
}

function putCString(
  bytes: Uint8Array,
  offset: number,
  capacity: number,
  text: string,
  what: string,
): void {
  // A `char[capacity]` holds capacity - 1 single-byte chars and the NUL.
  if (
    typeof text !== "string" || text.length > capacity - 1 ||
    text.split("").some((c) => c.charCodeAt(0) > 0xff)
  ) {
    throw new WinsockError(
      WSAEINVAL,
      `${what}: not a string of at most ${capacity - 1} single-byte chars`,
    );
  }
  const field = bytes.subarray(offset, offset + capacity);
  field.fill(0);
  for (let i = 0; i < text.length; i++) field[i] = text.charCodeAt(i);
}

/** A C `long`, as `timeval` has it on Windows: 0 to 2^31 - 1 (negative is refused). */
function long(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 0x7fff_ffff) {
    throw new WinsockError(WSAEINVAL, `${what}: ${String(value)} is not in 0..2147483647`);
  }
  return value;
}

// ---------------------------------------------------------------------------
// WSADATA

/**
 * Decodes a `WSADATA` as `WSAStartup` filled it.
 *
 * @example
 * ```ts
 * import { decodeWSADATA, encodeWSADATA, WSADATA } from "./structs.ts";
 * const d = new WSADATA();
 * d.wVersion = 0x0202;
 * d.szDescription = "WinSock 2.0";
 * console.log(decodeWSADATA(encodeWSADATA(d)).szDescription); // "WinSock 2.0"
 * ```
 */
export function decodeWSADATA(
  bytes: Uint8Array,
  layout: WsadataLayout = WSADATA_LAYOUT_WIN64,
): WSADATA {
  const view = need(bytes, layout.size, "WSADATA");
  const d = new WSADATA();
  d.wVersion = view.getUint16(layout.wVersion, true);
  d.wHighVersion = view.getUint16(layout.wHighVersion, true);
  d.iMaxSockets = view.getUint16(layout.iMaxSockets, true);
  d.iMaxUdpDg = view.getUint16(layout.iMaxUdpDg, true);
  d.lpVendorInfo = layout.pointerSize === 8
    ? view.getBigUint64(layout.lpVendorInfo, true)
    : BigInt(view.getUint32(layout.lpVendorInfo, true));
  d.szDescription = cString(bytes, layout.szDescription, WSADESCRIPTION_LEN + 1);
  d.szSystemStatus = cString(bytes, layout.szSystemStatus, WSASYS_STATUS_LEN + 1);
  return d;
}

/**
 * Encodes a `WSADATA` (the emulated backends fill one as `WSAStartup` would).
 *
 * @example
 * ```ts
 * import { encodeWSADATA, WSADATA } from "./structs.ts";
 * console.log(encodeWSADATA(new WSADATA()).byteLength); // 408
 * ```
 */
export function encodeWSADATA(
  d: WSADATA,
  layout: WsadataLayout = WSADATA_LAYOUT_WIN64,
  bytes: Uint8Array = new Uint8Array(layout.size),
): Uint8Array {
  const view = need(bytes, layout.size, "WSADATA");
  view.setUint16(layout.wVersion, uint(d.wVersion, 16, "wVersion"), true);
  view.setUint16(layout.wHighVersion, uint(d.wHighVersion, 16, "wHighVersion"), true);
  view.setUint16(layout.iMaxSockets, uint(d.iMaxSockets, 16, "iMaxSockets"), true);
  view.setUint16(layout.iMaxUdpDg, uint(d.iMaxUdpDg, 16, "iMaxUdpDg"), true);
  const vendor = d.lpVendorInfo;
  if (typeof vendor !== "bigint" || vendor < 0n || vendor >= 1n << BigInt(8 * layout.pointerSize)) {
    throw new WinsockError(WSAEINVAL, `lpVendorInfo: ${String(vendor)} is not a pointer`);
  }
  if (layout.pointerSize === 8) view.setBigUint64(layout.lpVendorInfo, vendor, true);
  else view.setUint32(layout.lpVendorInfo, Number(vendor), true);
  putCString(bytes, layout.szDescription, WSADESCRIPTION_LEN + 1, d.szDescription, "szDescription");
  putCString(
    bytes,
    layout.szSystemStatus,
    WSASYS_STATUS_LEN + 1,
    d.szSystemStatus,
    "szSystemStatus",
  );
  return bytes;
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
 * import { encodeSockaddr, sockaddr_in } from "./structs.ts";
 * import { htons, inet_addr } from "./helpers.ts";
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
 * import { decodeSockaddr, sockaddr_in } from "./structs.ts";
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
// timeval and fd_set (Windows layouts)

/**
 * Encodes a Windows `timeval` (two 32-bit `long`s).
 *
 * @example
 * ```ts
 * import { encodeTimeval, timeval } from "./structs.ts";
 * const t = new timeval();
 * t.tv_usec = 500_000;
 * console.log(encodeTimeval(t).byteLength); // 8
 * ```
 */
export function encodeTimeval(t: timeval): Uint8Array {
  const L = TIMEVAL_LAYOUT_WINDOWS;
  const bytes = new Uint8Array(L.size);
  const view = new DataView(bytes.buffer);
  view.setInt32(L.tv_sec, long(t.tv_sec, "tv_sec"), true);
  view.setInt32(L.tv_usec, long(t.tv_usec, "tv_usec"), true);
  return bytes;
}

/**
 * Decodes a Windows `timeval`.
 *
 * @example
 * ```ts
 * import { decodeTimeval } from "./structs.ts";
 * console.log(decodeTimeval(new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0])).tv_sec); // 1
 * ```
 */
export function decodeTimeval(bytes: Uint8Array): timeval {
  const L = TIMEVAL_LAYOUT_WINDOWS;
  const view = need(bytes, L.size, "timeval");
  const t = new timeval();
  t.tv_sec = view.getInt32(L.tv_sec, true);
  t.tv_usec = view.getInt32(L.tv_usec, true);
  return t;
}

/**
 * Encodes a Windows `fd_set` (520 bytes on x64).
 *
 * @example
 * ```ts
 * import { encodeFdSet, fd_set } from "./structs.ts";
 * const set = new fd_set();
 * set.fd_array[0] = 0x1a4n;
 * set.fd_count = 1;
 * console.log(encodeFdSet(set).byteLength); // 520
 * ```
 */
export function encodeFdSet(set: fd_set): Uint8Array {
  const L = FD_SET_LAYOUT_WIN64;
  const count = uint(set.fd_count, 32, "fd_count");
  if (count > FD_SETSIZE || set.fd_array.length < count) {
    throw new WinsockError(WSAEINVAL, `fd_set: fd_count ${count} exceeds FD_SETSIZE ${FD_SETSIZE}`);
  }
  const bytes = new Uint8Array(L.size);
  const view = new DataView(bytes.buffer);
  view.setUint32(L.fd_count, count, true);
  for (let i = 0; i < count; i++) {
    view.setBigUint64(L.fd_array + i * L.socketSize, set.fd_array[i] as SOCKET, true);
  }
  return bytes;
}

/**
 * Decodes a Windows `fd_set` as `select` left it.
 *
 * @example
 * ```ts
 * import { decodeFdSet, encodeFdSet, fd_set } from "./structs.ts";
 * console.log(decodeFdSet(encodeFdSet(new fd_set())).fd_count); // 0
 * ```
 */
export function decodeFdSet(bytes: Uint8Array): fd_set {
  const L = FD_SET_LAYOUT_WIN64;
  const view = need(bytes, L.size, "fd_set");
  const set = new fd_set();
  set.fd_count = view.getUint32(L.fd_count, true);
  if (set.fd_count > FD_SETSIZE) {
    throw new WinsockError(WSAEFAULT, `fd_set: fd_count ${set.fd_count} exceeds FD_SETSIZE`);
  }
  for (let i = 0; i < set.fd_count; i++) {
    set.fd_array[i] = view.getBigUint64(L.fd_array + i * L.socketSize, true);
  }
  return set;
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
 * import { ADDRINFOA_LAYOUT_WIN64, encodeAddrinfoHints } from "./structs.ts";
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
 * import { ADDRINFOA_LAYOUT_WIN64, decodeAddrinfoNode } from "./structs.ts";
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
// WSABUF arrays

/**
 * Encodes an array of `WSABUF`s for a synchronous call: each `buf` as the
 * address of the caller's bytes (kept alive by the caller for the call),
 * `len` checked against them.
 *
 * @example
 * ```ts
 * import { encodeWSABUFs } from "./structs.ts";
 * console.log(encodeWSABUFs([new Uint8Array(5), new Uint8Array(3)]).byteLength); // 32
 * ```
 */
export function encodeWSABUFs(pieces: readonly Uint8Array[]): Uint8Array {
  const L = WSABUF_LAYOUT_WIN64;
  const bytes = new Uint8Array(Math.max(1, pieces.length) * L.size);
  const view = new DataView(bytes.buffer);
  pieces.forEach((piece, i) => {
    if (!(piece instanceof Uint8Array)) throw new WinsockError(WSAEFAULT, `WSABUF ${i}: not bytes`);
    view.setUint32(i * L.size + L.len, piece.byteLength, true);
    const at = piece.byteLength === 0 ? 0n : Deno.UnsafePointer.value(Deno.UnsafePointer.of(piece));
    view.setBigUint64(i * L.size + L.buf, BigInt(at), true);
  });
  return bytes;
}

// The event select and asynchronous select models.

/** `WSANETWORKEVENTS` (x64 and x86 alike): `long lNetworkEvents; int iErrorCode[FD_MAX_EVENTS]`. */
export const WSANETWORKEVENTS_LAYOUT = { size: 44, lNetworkEvents: 0, iErrorCode: 4 } as const;

/** `WSANETWORKEVENTS`: what `WSAEnumNetworkEvents` reports of one socket. */
export class WSANETWORKEVENTS {
  /** The `FD_*` events recorded since the last look. */
  lNetworkEvents = 0;
  /** Each event's error code, indexed by its `FD_*_BIT` (0: none). */
  iErrorCode: Int32Array = new Int32Array(FD_MAX_EVENTS);
}

/**
 * Encodes a `WSANETWORKEVENTS` as C lays it out.
 *
 * @example
 * ```ts
 * import { encodeWSANETWORKEVENTS, WSANETWORKEVENTS } from "./structs.ts";
 * console.log(encodeWSANETWORKEVENTS(new WSANETWORKEVENTS()).byteLength); // 44
 * ```
 */
export function encodeWSANETWORKEVENTS(ne: WSANETWORKEVENTS): Uint8Array {
  const L = WSANETWORKEVENTS_LAYOUT;
  if (!(ne.iErrorCode instanceof Int32Array) || ne.iErrorCode.length !== FD_MAX_EVENTS) {
    throw new WinsockError(
      WSAEFAULT,
      `WSANETWORKEVENTS: iErrorCode is not an int[${FD_MAX_EVENTS}]`,
    );
  }
  const bytes = new Uint8Array(L.size);
  const view = new DataView(bytes.buffer);
  view.setInt32(L.lNetworkEvents, ne.lNetworkEvents | 0, true);
  ne.iErrorCode.forEach((code, i) => view.setInt32(L.iErrorCode + 4 * i, code, true));
  return bytes;
}

/**
 * Decodes a `WSANETWORKEVENTS` as `WSAEnumNetworkEvents` filled it.
 *
 * @example
 * ```ts
 * import { decodeWSANETWORKEVENTS } from "./structs.ts";
 * const bytes = new Uint8Array(44);
 * bytes[0] = 0x21; // FD_READ | FD_CLOSE
 * console.log(decodeWSANETWORKEVENTS(bytes).lNetworkEvents); // 33
 * ```
 */
export function decodeWSANETWORKEVENTS(bytes: Uint8Array): WSANETWORKEVENTS {
  const L = WSANETWORKEVENTS_LAYOUT;
  const view = need(bytes, L.size, "WSANETWORKEVENTS");
  const ne = new WSANETWORKEVENTS();
  ne.lNetworkEvents = view.getInt32(L.lNetworkEvents, true);
  for (let i = 0; i < FD_MAX_EVENTS; i++) {
    ne.iErrorCode[i] = view.getInt32(L.iErrorCode + 4 * i, true);
  }
  return ne;
}

/** `MSG` on 64-bit Windows: `HWND hwnd; UINT message; WPARAM wParam; LPARAM lParam; DWORD time; POINT pt; DWORD lPrivate`. */
export const MSG_LAYOUT_WIN64 = {
  size: 48,
  hwnd: 0,
  message: 8,
  wParam: 16,
  lParam: 24,
  time: 32,
  pt_x: 36,
  pt_y: 40,
} as const;

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

/**
 * Encodes a `MSG` as 64-bit Windows lays it out.
 *
 * @example
 * ```ts
 * import { encodeMSG, MSG } from "./structs.ts";
 * console.log(encodeMSG(new MSG()).byteLength); // 48
 * ```
 */
export function encodeMSG(msg: MSG): Uint8Array {
  const L = MSG_LAYOUT_WIN64;
  const bytes = new Uint8Array(L.size);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(L.hwnd, BigInt.asUintN(64, msg.hwnd), true);
  view.setUint32(L.message, uint(msg.message, 32, "MSG.message"), true);
  view.setBigUint64(L.wParam, BigInt.asUintN(64, msg.wParam), true);
  view.setBigInt64(L.lParam, BigInt.asIntN(64, msg.lParam), true);
  view.setUint32(L.time, msg.time >>> 0, true);
  view.setInt32(L.pt_x, msg.pt.x | 0, true);
  view.setInt32(L.pt_y, msg.pt.y | 0, true);
  return bytes;
}

/**
 * Decodes a `MSG` as `GetMessage` filled it.
 *
 * @example
 * ```ts
 * import { decodeMSG } from "./structs.ts";
 * console.log(decodeMSG(new Uint8Array(48)).message); // 0
 * ```
 */
export function decodeMSG(bytes: Uint8Array): MSG {
  const L = MSG_LAYOUT_WIN64;
  const view = need(bytes, L.size, "MSG");
  const msg = new MSG();
  msg.hwnd = view.getBigUint64(L.hwnd, true);
  msg.message = view.getUint32(L.message, true);
  msg.wParam = view.getBigUint64(L.wParam, true);
  msg.lParam = view.getBigInt64(L.lParam, true);
  msg.time = view.getUint32(L.time, true);
  msg.pt = { x: view.getInt32(L.pt_x, true), y: view.getInt32(L.pt_y, true) };
  return msg;
}
