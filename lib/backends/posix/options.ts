/**
 * Socket options on Linux and macOS: the platform option each Winsock
 * option of the table (`../option_table.ts`) becomes, and the conversions of
 * their values between Winsock's layouts and the platform's. The numbers of
 * each platform are in `abi.ts`; this table names them.
 *
 * @module
 */

import { WinsockError, WSAEFAULT, WSAEINVAL } from "../../errors.ts";
import {
  IP_MREQ_SIZE,
  type Linger,
  type OptionValue,
  smallInt,
  view,
  type WinsockOption,
} from "../option_table.ts";
import {
  decodePosixTimeval,
  encodePosixTimeval,
  type ErrnoName,
  LINGER_LAYOUT_POSIX,
  type PosixAbi,
  TIMEVAL_LAYOUT_POSIX,
} from "./abi.ts";

/** The names of the `PosixAbi` fields that hold option levels and numbers. */
export type PosixOptionName = {
  [K in keyof PosixAbi]: PosixAbi[K] extends number ? K : never;
}[keyof PosixAbi];

/** The platform option a Winsock option becomes. */
export interface PosixTranslation {
  /** The platform's level and option, as `PosixAbi` field names; null: the backend emulates it. */
  readonly option: readonly [PosixOptionName, PosixOptionName] | null;
  /** Where Windows answers a failure of this option with another code than the `errno`'s usual one. */
  readonly errors?: Readonly<Partial<Record<ErrnoName, number>>>;
}

/** Each option of `WINSOCK_OPTIONS`, by name, as the platform has it. */
const POSIX_OPTIONS: Readonly<Record<string, PosixTranslation>> = {
  SO_REUSEADDR: { option: ["SOL_SOCKET", "SO_REUSEADDR"] },
  SO_EXCLUSIVEADDRUSE: { option: null },
  SO_KEEPALIVE: { option: ["SOL_SOCKET", "SO_KEEPALIVE"] },
  SO_BROADCAST: { option: ["SOL_SOCKET", "SO_BROADCAST"] },
  SO_LINGER: { option: ["SOL_SOCKET", "SO_LINGER_SEC"] },
  SO_SNDBUF: { option: ["SOL_SOCKET", "SO_SNDBUF"] },
  SO_RCVBUF: { option: ["SOL_SOCKET", "SO_RCVBUF"] },
  SO_SNDTIMEO: { option: ["SOL_SOCKET", "SO_SNDTIMEO"] },
  SO_RCVTIMEO: { option: ["SOL_SOCKET", "SO_RCVTIMEO"] },
  SO_ERROR: { option: ["SOL_SOCKET", "SO_ERROR"] },
  SO_TYPE: { option: ["SOL_SOCKET", "SO_TYPE"] },
  TCP_NODELAY: { option: ["IPPROTO_TCP", "TCP_NODELAY"] },
  TCP_KEEPALIVE: { option: ["IPPROTO_TCP", "TCP_KEEPIDLE"] },
  TCP_KEEPINTVL: { option: ["IPPROTO_TCP", "TCP_KEEPINTVL"] },
  TCP_KEEPCNT: { option: ["IPPROTO_TCP", "TCP_KEEPCNT"] },
  IP_TTL: { option: ["IPPROTO_IP", "IP_TTL"] },
  IP_MULTICAST_TTL: { option: ["IPPROTO_IP", "IP_MULTICAST_TTL"] },
  IP_MULTICAST_LOOP: { option: ["IPPROTO_IP", "IP_MULTICAST_LOOP"] },
  IP_ADD_MEMBERSHIP: { option: ["IPPROTO_IP", "IP_ADD_MEMBERSHIP"] },
  // Leaving a group not joined: Linux says EADDRNOTAVAIL, Winsock WSAEINVAL.
  IP_DROP_MEMBERSHIP: {
    option: ["IPPROTO_IP", "IP_DROP_MEMBERSHIP"],
    errors: { EADDRNOTAVAIL: WSAEINVAL },
  },
  IPV6_V6ONLY: { option: ["IPPROTO_IPV6", "IPV6_V6ONLY"] },
};

/** How the platform has `opt`. */
export function posixTranslation(opt: WinsockOption): PosixTranslation {
  return POSIX_OPTIONS[opt.name];
}

/** The platform's level and option number for `opt` (null: emulated). */
export function posixOption(opt: WinsockOption, abi: PosixAbi): [number, number] | null {
  const option = posixTranslation(opt).option;
  return option && [abi[option[0]], abi[option[1]]];
}

/** How many bytes the platform's value of `opt` takes. */
export function posixValueSize(opt: WinsockOption): number {
  if (opt.kind === "timeout") return TIMEVAL_LAYOUT_POSIX.size;
  if (opt.kind === "linger") return LINGER_LAYOUT_POSIX.size;
  if (opt.kind === "mreq") return IP_MREQ_SIZE;
  return 4;
}

/**
 * Encodes a value for the platform's `setsockopt` (the layouts are the same
 * on Linux and macOS).
 *
 * @example
 * ```ts
 * import { encodePosixValue } from "./options.ts";
 * import { winsockOption } from "../option_table.ts";
 * const rcvtimeo = winsockOption(0xffff, 0x1006);
 * console.log(encodePosixValue(rcvtimeo, 1500).byteLength); // 16 (a timeval, on Linux and macOS)
 * ```
 */
export function encodePosixValue(opt: WinsockOption, value: OptionValue): Uint8Array {
  if (opt.kind === "timeout") return encodePosixTimeval(value as number);
  if (opt.kind === "mreq") return value as Uint8Array;
  const bytes = new Uint8Array(posixValueSize(opt));
  if (opt.kind === "linger") {
    const linger = value as Linger;
    view(bytes).setInt32(LINGER_LAYOUT_POSIX.l_onoff, linger.l_onoff, true);
    view(bytes).setInt32(LINGER_LAYOUT_POSIX.l_linger, linger.l_linger, true);
  } else {
    view(bytes).setInt32(0, value as number, true);
  }
  return bytes;
}

/**
 * Decodes the platform's `getsockopt` value (`len` bytes of `bytes`) into
 * Winsock's meaning: a `BOOL` as 0 or 1, a buffer size as asked for (Linux's
 * doubled figure halved), a timeout in milliseconds. An `errno` (`SO_ERROR`)
 * is left for the caller to translate.
 *
 * @example
 * ```ts
 * import { decodePosixValue } from "./options.ts";
 * import { winsockOption } from "../option_table.ts";
 * import { LINUX_ABI } from "./abi.ts";
 * const rcvbuf = winsockOption(0xffff, 0x1002);
 * console.log(decodePosixValue(rcvbuf, LINUX_ABI, new Uint8Array([0x40, 0x0d, 3, 0]), 4)); // 100000
 * ```
 */
export function decodePosixValue(
  opt: WinsockOption,
  abi: PosixAbi,
  bytes: Uint8Array,
  len: number,
): OptionValue {
  const size = posixValueSize(opt);
  if (len < size && !(len >= 1 && (opt.kind === "byte" || opt.kind === "bool"))) {
    throw new WinsockError(WSAEFAULT, `${opt.name}: the system answered ${len} bytes`);
  }
  if (opt.kind === "timeout") return decodePosixTimeval(bytes);
  if (opt.kind === "linger") {
    return {
      l_onoff: view(bytes).getInt32(LINGER_LAYOUT_POSIX.l_onoff, true) !== 0 ? 1 : 0,
      l_linger: view(bytes).getInt32(LINGER_LAYOUT_POSIX.l_linger, true),
    };
  }
  const n = smallInt(bytes.subarray(0, Math.min(len, 4)));
  if (opt.kind === "bool" || opt.kind === "boolean") return n !== 0 ? 1 : 0;
  if (opt.kind === "buffer" && abi.SOCKBUF_DOUBLED) return Math.floor(n / 2);
  return n;
}

/** `struct tcp_keepalive { u_long onoff, keepalivetime, keepaliveinterval; }`: 12 bytes, times in ms. */
export interface TcpKeepalive {
  /** Keep-alive on (non-zero) or off. */
  onoff: number;
  /** Milliseconds idle before the first probe. */
  keepalivetime: number;
  /** Milliseconds between probes. */
  keepaliveinterval: number;
}

/** The size of `struct tcp_keepalive`. */
export const TCP_KEEPALIVE_SIZE = 12;

/**
 * Reads the `struct tcp_keepalive` given to `WSAIoctl(SIO_KEEPALIVE_VALS)`;
 * fewer than 12 bytes is `WSAEFAULT`, as Winsock says.
 *
 * @example
 * ```ts
 * import { parseTcpKeepalive } from "./options.ts";
 * const bytes = new Uint8Array(new Uint32Array([1, 7000, 3000]).buffer);
 * console.log(parseTcpKeepalive(bytes).keepalivetime); // 7000
 * ```
 */
export function parseTcpKeepalive(input: Uint8Array): TcpKeepalive {
  if (input.byteLength < TCP_KEEPALIVE_SIZE) {
    throw new WinsockError(
      WSAEFAULT,
      `SIO_KEEPALIVE_VALS: ${input.byteLength} bytes, not a tcp_keepalive (12)`,
    );
  }
  const v = view(input);
  return {
    onoff: v.getUint32(0, true),
    keepalivetime: v.getUint32(4, true),
    keepaliveinterval: v.getUint32(8, true),
  };
}

/**
 * Milliseconds as the whole seconds `TCP_KEEPIDLE`/`TCP_KEEPINTVL` take:
 * rounded up, at least 1 (0 is refused by Linux).
 *
 * @example
 * ```ts
 * import { keepaliveSeconds } from "./options.ts";
 * console.log(keepaliveSeconds(7000), keepaliveSeconds(1500), keepaliveSeconds(0)); // 7 2 1
 * ```
 */
export function keepaliveSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
