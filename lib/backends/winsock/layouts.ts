/**
 * The Win64 layouts only the winsock backend reads and writes, as data
 * (offsets and sizes) with one encoder and one decoder each: `WSADATA` (and
 * its 32-bit form), `timeval`, `fd_set`, `WSABUF` arrays, `WSAPOLLFD`,
 * `WSANETWORKEVENTS` and `MSG`. The structs themselves, and the layouts
 * `sizeof` reports, are in `lib/structs.ts`.
 *
 * @module
 */

import {
  FD_MAX_EVENTS,
  FD_SETSIZE,
  type SOCKET,
  WSADESCRIPTION_LEN,
  WSASYS_STATUS_LEN,
} from "../../constants.ts";
import { WinsockError, WSAEFAULT, WSAEINVAL } from "../../errors.ts";
import { need, uint } from "../../bytes.ts";
import {
  fd_set,
  FD_SET_LAYOUT_WIN64,
  MSG,
  timeval,
  TIMEVAL_LAYOUT_WINDOWS,
  WSABUF_LAYOUT_WIN64,
  WSADATA,
  WSADATA_LAYOUT_WIN64,
  WSANETWORKEVENTS,
} from "../../structs.ts";

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

/** `WSAPOLLFD` on Windows x64: `SOCKET fd; SHORT events; SHORT revents;` (16 bytes). */
export const WSAPOLLFD_LAYOUT = { size: 16, fd: 0, fdSize: 8, events: 8, revents: 10 } as const;

/** `WSANETWORKEVENTS` (x64 and x86 alike): `long lNetworkEvents; int iErrorCode[FD_MAX_EVENTS]`. */
export const WSANETWORKEVENTS_LAYOUT = { size: 44, lNetworkEvents: 0, iErrorCode: 4 } as const;

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

// ---------------------------------------------------------------------------
// Checks of C strings and longs.

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
 * import { decodeWSADATA, encodeWSADATA, WSADATA } from "@winsock/tutorial";
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
 * import { encodeWSADATA, WSADATA } from "@winsock/tutorial";
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
// timeval and fd_set (Windows layouts)

/**
 * Encodes a Windows `timeval` (two 32-bit `long`s).
 *
 * @example
 * ```ts
 * import { encodeTimeval, timeval } from "@winsock/tutorial";
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
 * import { decodeTimeval } from "@winsock/tutorial";
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
 * import { encodeFdSet, fd_set } from "@winsock/tutorial";
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
 * import { decodeFdSet, encodeFdSet, fd_set } from "@winsock/tutorial";
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
// WSABUF arrays

/**
 * Encodes an array of `WSABUF`s for a synchronous call: each `buf` as the
 * address of the caller's bytes (kept alive by the caller for the call),
 * `len` checked against them.
 *
 * @example
 * ```ts
 * import { encodeWSABUFs } from "@winsock/tutorial";
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

// ---------------------------------------------------------------------------
// WSANETWORKEVENTS and MSG

/**
 * Encodes a `WSANETWORKEVENTS` as C lays it out.
 *
 * @example
 * ```ts
 * import { encodeWSANETWORKEVENTS, WSANETWORKEVENTS } from "@winsock/tutorial";
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
 * import { decodeWSANETWORKEVENTS } from "@winsock/tutorial";
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

/**
 * Encodes a `MSG` as 64-bit Windows lays it out.
 *
 * @example
 * ```ts
 * import { encodeMSG, MSG } from "@winsock/tutorial";
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
 * import { decodeMSG } from "@winsock/tutorial";
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
