/**
 * Socket options as Winsock has them: the one table of the options the
 * backends know (level, number, value layout) and Winsock's value layouts
 * read and written. Shared by the posix backend, which turns each into the
 * platform's option (`posix/options.ts`), and the deno backend, which keeps
 * a few itself.
 *
 * The façade speaks Winsock's layouts on every backend: a `BOOL` or `int` of
 * 4 bytes, a `DWORD` of milliseconds for `SO_RCVTIMEO`/`SO_SNDTIMEO`, a
 * `struct linger` of two `u_short`s (4 bytes), an 8-byte `ip_mreq`. What
 * Winsock (as Wine 8 answers it) does with short values is followed too: a
 * `BOOL` may be given as 1 byte; `SO_KEEPALIVE`, `TCP_NODELAY` and
 * `IPV6_V6ONLY` read back as a 1-byte `BOOLEAN`; a too-short value is
 * `WSAEFAULT` (10014); an unknown level `WSAEINVAL` (10022), an unknown
 * option `WSAENOPROTOOPT` (10042).
 *
 * @module
 */

import {
  IP_ADD_MEMBERSHIP,
  IP_DROP_MEMBERSHIP,
  IP_MULTICAST_LOOP,
  IP_MULTICAST_TTL,
  IP_TTL,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPV6_V6ONLY,
  SO_BROADCAST,
  SO_ERROR,
  SO_EXCLUSIVEADDRUSE,
  SO_KEEPALIVE,
  SO_LINGER,
  SO_RCVBUF,
  SO_RCVTIMEO,
  SO_REUSEADDR,
  SO_SNDBUF,
  SO_SNDTIMEO,
  SO_TYPE,
  SOL_SOCKET,
  TCP_KEEPALIVE,
  TCP_KEEPCNT,
  TCP_KEEPINTVL,
  TCP_NODELAY,
} from "../constants.ts";
import { WinsockError, WSAEFAULT, WSAEINVAL, WSAENOPROTOOPT } from "../errors.ts";

/**
 * How an option's value is laid out (Winsock side → platform side):
 *
 * - `bool`: a `BOOL` given in 1-4 bytes (non-zero: on); read back as a
 *   4-byte 0 or 1 (1 byte when `optlen` < 4) → an `int` 0 or 1.
 * - `boolean`: set as `bool`; read back as a 1-byte `BOOLEAN`, as Winsock
 *   answers `SO_KEEPALIVE`, `TCP_NODELAY` and `IPV6_V6ONLY`.
 * - `byte`: an `int` given in 1-4 bytes (`IP_TTL`, `IP_MULTICAST_TTL`); read
 *   back as 4 bytes (1 when `optlen` < 4) → an `int`.
 * - `int`: exactly an `int` or `DWORD` (fewer than 4 bytes: `WSAEFAULT`) → an `int`.
 * - `buffer`: an `int` byte count (`SO_RCVBUF`, `SO_SNDBUF`); Linux stores
 *   and reports twice what was asked, so what it reports is halved.
 * - `error`: `SO_ERROR`, an `errno` translated to its WSA code.
 * - `timeout`: a `DWORD` of milliseconds → a 16-byte `struct timeval`.
 * - `linger`: `{ u_short l_onoff, l_linger }` (4 bytes) → `{ int, int }` (8).
 * - `mreq`: an 8-byte `ip_mreq`, the same bytes everywhere; set only.
 * - `exclusive`: `SO_EXCLUSIVEADDRUSE`, which has no platform option: the
 *   backend keeps it (and keeps `SO_REUSEADDR` off meanwhile).
 */
export type OptionKind =
  | "bool"
  | "boolean"
  | "byte"
  | "int"
  | "buffer"
  | "error"
  | "timeout"
  | "linger"
  | "mreq"
  | "exclusive";

/** One Winsock option. */
export interface WinsockOption {
  /** Its C name. */
  readonly name: string;
  /** Winsock's level. */
  readonly level: number;
  /** Winsock's number. */
  readonly optname: number;
  /** How its value is laid out. */
  readonly kind: OptionKind;
}

/** `struct linger` on Windows: two `u_short`s (4 bytes). */
export const LINGER_LAYOUT_WINDOWS = { size: 4, l_onoff: 0, l_linger: 2 } as const;

/** The levels Winsock knows: an option at another level is `WSAEINVAL`. */
export const WINSOCK_LEVELS: readonly number[] = [
  SOL_SOCKET,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPPROTO_IP,
  IPPROTO_IPV6,
];

/** The table: every Winsock option the backends translate. */
export const WINSOCK_OPTIONS: readonly WinsockOption[] = [
  opt("SO_REUSEADDR", SOL_SOCKET, SO_REUSEADDR, "bool"),
  opt("SO_EXCLUSIVEADDRUSE", SOL_SOCKET, SO_EXCLUSIVEADDRUSE, "exclusive"),
  opt("SO_KEEPALIVE", SOL_SOCKET, SO_KEEPALIVE, "boolean"),
  opt("SO_BROADCAST", SOL_SOCKET, SO_BROADCAST, "bool"),
  opt("SO_LINGER", SOL_SOCKET, SO_LINGER, "linger"),
  opt("SO_SNDBUF", SOL_SOCKET, SO_SNDBUF, "buffer"),
  opt("SO_RCVBUF", SOL_SOCKET, SO_RCVBUF, "buffer"),
  opt("SO_SNDTIMEO", SOL_SOCKET, SO_SNDTIMEO, "timeout"),
  opt("SO_RCVTIMEO", SOL_SOCKET, SO_RCVTIMEO, "timeout"),
  opt("SO_ERROR", SOL_SOCKET, SO_ERROR, "error"),
  opt("SO_TYPE", SOL_SOCKET, SO_TYPE, "int"),
  opt("TCP_NODELAY", IPPROTO_TCP, TCP_NODELAY, "boolean"),
  opt("TCP_KEEPALIVE", IPPROTO_TCP, TCP_KEEPALIVE, "int"),
  opt("TCP_KEEPINTVL", IPPROTO_TCP, TCP_KEEPINTVL, "int"),
  opt("TCP_KEEPCNT", IPPROTO_TCP, TCP_KEEPCNT, "int"),
  opt("IP_TTL", IPPROTO_IP, IP_TTL, "byte"),
  opt("IP_MULTICAST_TTL", IPPROTO_IP, IP_MULTICAST_TTL, "byte"),
  opt("IP_MULTICAST_LOOP", IPPROTO_IP, IP_MULTICAST_LOOP, "bool"),
  opt("IP_ADD_MEMBERSHIP", IPPROTO_IP, IP_ADD_MEMBERSHIP, "mreq"),
  opt("IP_DROP_MEMBERSHIP", IPPROTO_IP, IP_DROP_MEMBERSHIP, "mreq"),
  opt("IPV6_V6ONLY", IPPROTO_IPV6, IPV6_V6ONLY, "boolean"),
];

function opt(name: string, level: number, optname: number, kind: OptionKind): WinsockOption {
  return { name, level, optname, kind };
}

/**
 * The option at Winsock's `level` and `optname`; throws `WSAEINVAL` for a
 * level Winsock does not know, `WSAENOPROTOOPT` for an option it does not.
 *
 * @example
 * ```ts
 * import { winsockOption } from "./option_table.ts";
 * console.log(winsockOption(0xffff, 0x1006).name); // "SO_RCVTIMEO"
 * ```
 */
export function winsockOption(level: number, optname: number): WinsockOption {
  const found = WINSOCK_OPTIONS.find((o) => o.level === level && o.optname === optname);
  if (found) return found;
  if (!WINSOCK_LEVELS.includes(level)) {
    throw new WinsockError(WSAEINVAL, `socket option level ${level}`);
  }
  throw new WinsockError(WSAENOPROTOOPT, `socket option (${level}, ${optname})`);
}

/** `struct linger`, as numbers. */
export interface Linger {
  /** Linger on close (0 or 1). */
  l_onoff: number;
  /** For how many seconds. */
  l_linger: number;
}

/** An option's value: a number, a `linger`, or (`mreq`) the 8 bytes of an `ip_mreq`. */
export type OptionValue = number | Linger | Uint8Array;

/** The size of an `ip_mreq`: `imr_multiaddr`, then `imr_interface` (network order). */
export const IP_MREQ_SIZE = 8;

/** A `DataView` over exactly `bytes`. */
export function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function tooShort(opt: WinsockOption, len: number, need: number): WinsockError {
  return new WinsockError(WSAEFAULT, `${opt.name}: optlen ${len} is less than ${need}`);
}

/** A little-endian unsigned number from the first 1-3 bytes, or the `int` of 4. */
export function smallInt(bytes: Uint8Array): number {
  if (bytes.byteLength >= 4) return view(bytes).getInt32(0, true);
  return bytes.reduceRight((n, b) => n * 256 + b, 0);
}

/**
 * Reads a value given to `setsockopt` in Winsock's layout; a value too
 * short for it is `WSAEFAULT` (an `ip_mreq`: `WSAEINVAL`, as Winsock says).
 *
 * @example
 * ```ts
 * import { parseWinsockValue, winsockOption } from "./option_table.ts";
 * const linger = winsockOption(0xffff, 0x80);
 * console.log(parseWinsockValue(linger, new Uint8Array([1, 0, 7, 0]))); // { l_onoff: 1, l_linger: 7 }
 * ```
 */
export function parseWinsockValue(opt: WinsockOption, optval: Uint8Array): OptionValue {
  const len = optval.byteLength;
  switch (opt.kind) {
    case "bool":
    case "boolean":
      if (len < 1) throw tooShort(opt, len, 1);
      return optval.subarray(0, 4).some((b) => b !== 0) ? 1 : 0;
    case "byte":
      if (len < 1) throw tooShort(opt, len, 1);
      return smallInt(optval);
    case "exclusive":
      if (len < 4) throw new WinsockError(WSAEINVAL, `${opt.name}: optlen ${len}`);
      return view(optval).getInt32(0, true) !== 0 ? 1 : 0;
    case "linger":
      if (len < LINGER_LAYOUT_WINDOWS.size) throw tooShort(opt, len, LINGER_LAYOUT_WINDOWS.size);
      return {
        l_onoff: view(optval).getUint16(LINGER_LAYOUT_WINDOWS.l_onoff, true),
        l_linger: view(optval).getUint16(LINGER_LAYOUT_WINDOWS.l_linger, true),
      };
    case "mreq":
      if (len < IP_MREQ_SIZE) {
        throw new WinsockError(WSAEINVAL, `${opt.name}: optlen ${len} is not an ip_mreq`);
      }
      return optval.slice(0, IP_MREQ_SIZE);
    case "timeout":
      if (len < 4) throw tooShort(opt, len, 4);
      return view(optval).getUint32(0, true);
    default:
      if (len < 4) throw tooShort(opt, len, 4);
      return view(optval).getInt32(0, true);
  }
}

/**
 * Writes a value as Winsock's `getsockopt` does into `optval`; returns the
 * length written. A buffer too short is `WSAEFAULT`; an option that is set
 * only (`ip_mreq`) is `WSAENOPROTOOPT`.
 *
 * @example
 * ```ts
 * import { formatWinsockValue, winsockOption } from "./option_table.ts";
 * const nodelay = winsockOption(6, 1);
 * console.log(formatWinsockValue(nodelay, 1, new Uint8Array(4))); // 1 (a BOOLEAN)
 * ```
 */
export function formatWinsockValue(
  opt: WinsockOption,
  value: OptionValue,
  optval: Uint8Array,
): number {
  const len = optval.byteLength;
  if (opt.kind === "mreq") {
    throw new WinsockError(WSAENOPROTOOPT, `${opt.name} cannot be read back`);
  }
  if (opt.kind === "linger") {
    if (len < LINGER_LAYOUT_WINDOWS.size) throw tooShort(opt, len, LINGER_LAYOUT_WINDOWS.size);
    const linger = value as Linger;
    view(optval).setUint16(LINGER_LAYOUT_WINDOWS.l_onoff, linger.l_onoff, true);
    view(optval).setUint16(LINGER_LAYOUT_WINDOWS.l_linger, linger.l_linger, true);
    return LINGER_LAYOUT_WINDOWS.size;
  }
  const n = value as number;
  const oneByte = opt.kind === "boolean" ||
    ((opt.kind === "bool" || opt.kind === "byte" || opt.kind === "exclusive") && len < 4);
  if (oneByte) {
    if (len < 1) throw tooShort(opt, len, 1);
    optval[0] = n & 0xff;
    return 1;
  }
  if (len < 4) throw tooShort(opt, len, 4);
  if (opt.kind === "timeout") view(optval).setUint32(0, n, true);
  else view(optval).setInt32(0, n, true);
  return 4;
}
