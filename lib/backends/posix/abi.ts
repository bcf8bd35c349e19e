/**
 * The platform data of the **posix** backend, for Linux and macOS: the
 * `sockaddr` layout, the constants whose values differ from Winsock's
 * (socket options among them: `options.ts` says which Winsock option each
 * one carries), and which WSA code each `errno` means. Data only; the values
 * are those of the system headers (glibc's `<bits/socket.h>`,
 * `<asm-generic/errno.h>`; xnu's `<sys/socket.h>`, `<sys/errno.h>`), checked
 * by `tests/posix_abi_test.ts`.
 *
 * @module
 */

import {
  WinsockError,
  WSAEACCES,
  WSAEADDRINUSE,
  WSAEADDRNOTAVAIL,
  WSAEAFNOSUPPORT,
  WSAEALREADY,
  WSAECONNABORTED,
  WSAECONNREFUSED,
  WSAECONNRESET,
  WSAEDESTADDRREQ,
  WSAEFAULT,
  WSAEHOSTDOWN,
  WSAEHOSTUNREACH,
  WSAEINTR,
  WSAEINVAL,
  WSAEISCONN,
  WSAEMFILE,
  WSAEMSGSIZE,
  WSAENETDOWN,
  WSAENETRESET,
  WSAENETUNREACH,
  WSAENOBUFS,
  WSAENOPROTOOPT,
  WSAENOTCONN,
  WSAENOTSOCK,
  WSAEOPNOTSUPP,
  WSAEPFNOSUPPORT,
  WSAEPROTONOSUPPORT,
  WSAEPROTOTYPE,
  WSAESHUTDOWN,
  WSAESOCKTNOSUPPORT,
  WSAETIMEDOUT,
  WSAETOOMANYREFS,
  WSAEWOULDBLOCK,
} from "../../errors.ts";
import type { AddrinfoLayout, SockaddrAbi } from "../../structs.ts";
import { type EaiName, LINUX_EAI } from "../native_names.ts";

/** Linux: 16-bit family, as on Windows; `AF_INET6` = 10. */
export const LINUX_SOCKADDR_ABI: SockaddrAbi = {
  os: "linux",
  hasSinLen: false,
  AF_INET: 2,
  AF_INET6: 10,
};

/** macOS: a `uint8_t sin_len`, then a `uint8_t` family; `AF_INET6` = 30. */
export const DARWIN_SOCKADDR_ABI: SockaddrAbi = {
  os: "darwin",
  hasSinLen: true,
  AF_INET: 2,
  AF_INET6: 30,
};

/** `struct pollfd`: `int fd; short events; short revents;` (8 bytes on both). */
export const POLLFD_LAYOUT = { size: 8, fd: 0, fdSize: 4, events: 4, revents: 6 } as const;

/**
 * `fd_set` on Linux and macOS: a bit set of `FD_SETSIZE` (1024) descriptors,
 * bit `fd % 8` of byte `fd / 8` on these little-endian machines (Linux packs
 * the bits in `long`s, macOS in `int32_t`s: the same bytes).
 */
export const FD_SET_LAYOUT_POSIX = { size: 128, FD_SETSIZE: 1024 } as const;

/**
 * `struct timeval` on 64-bit Linux and macOS: `time_t tv_sec` (8 bytes), then
 * `tv_usec` (a `long` on Linux, an `int32_t` and 4 bytes of padding on macOS:
 * an `int32` at offset 8 with zeroed padding is right for both).
 */
export const TIMEVAL_LAYOUT_POSIX = { size: 16, tv_sec: 0, tv_usec: 8 } as const;

/**
 * Encodes a POSIX `fd_set` holding `fds`; a descriptor outside
 * 0–`FD_SETSIZE - 1` is refused (`FD_SET` would write past the set).
 *
 * @example
 * ```ts
 * import { encodePosixFdSet } from "./abi.ts";
 * console.log(encodePosixFdSet([3, 9])[0], encodePosixFdSet([3, 9])[1]); // 8 2
 * ```
 */
export function encodePosixFdSet(fds: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(FD_SET_LAYOUT_POSIX.size);
  for (const fd of fds) {
    if (!Number.isInteger(fd) || fd < 0 || fd >= FD_SET_LAYOUT_POSIX.FD_SETSIZE) {
      throw new WinsockError(
        WSAEINVAL,
        `select: descriptor ${fd} is beyond FD_SETSIZE (${FD_SET_LAYOUT_POSIX.FD_SETSIZE})`,
      );
    }
    bytes[fd >> 3] |= 1 << (fd & 7);
  }
  return bytes;
}

/**
 * `FD_ISSET(fd, set)` on an encoded POSIX `fd_set` (false beyond its end).
 *
 * @example
 * ```ts
 * import { encodePosixFdSet, posixFdIsSet } from "./abi.ts";
 * console.log(posixFdIsSet(encodePosixFdSet([9]), 9)); // true
 * ```
 */
export function posixFdIsSet(bytes: Uint8Array, fd: number): boolean {
  if (fd < 0 || fd >= Math.min(bytes.byteLength * 8, FD_SET_LAYOUT_POSIX.FD_SETSIZE)) return false;
  return (bytes[fd >> 3] & (1 << (fd & 7))) !== 0;
}

/**
 * Encodes a POSIX `struct timeval` of `ms` milliseconds.
 *
 * @example
 * ```ts
 * import { encodePosixTimeval } from "./abi.ts";
 * console.log(encodePosixTimeval(1500).byteLength); // 16
 * ```
 */
export function encodePosixTimeval(ms: number): Uint8Array {
  const L = TIMEVAL_LAYOUT_POSIX;
  const bytes = new Uint8Array(L.size);
  const view = new DataView(bytes.buffer);
  view.setBigInt64(L.tv_sec, BigInt(Math.floor(ms / 1000)), true);
  view.setInt32(L.tv_usec, Math.round((ms % 1000) * 1000), true);
  return bytes;
}

/**
 * Decodes a POSIX `struct timeval` to milliseconds (microseconds rounded).
 *
 * @example
 * ```ts
 * import { decodePosixTimeval, encodePosixTimeval } from "./abi.ts";
 * console.log(decodePosixTimeval(encodePosixTimeval(1500))); // 1500
 * ```
 */
export function decodePosixTimeval(bytes: Uint8Array): number {
  const L = TIMEVAL_LAYOUT_POSIX;
  if (bytes.byteLength < L.size) {
    throw new WinsockError(WSAEFAULT, `timeval: ${bytes.byteLength} bytes, not ${L.size}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, L.size);
  const sec = Number(view.getBigInt64(L.tv_sec, true));
  return sec * 1000 + Math.round(view.getInt32(L.tv_usec, true) / 1000);
}

/** `struct linger` on Linux and macOS: `int l_onoff; int l_linger;` (8 bytes). */
export const LINGER_LAYOUT_POSIX = { size: 8, l_onoff: 0, l_linger: 4 } as const;

/** The `errno` names the backend translates. */
export type ErrnoName =
  | "EPERM"
  | "EINTR"
  | "EBADF"
  | "ENOMEM"
  | "EACCES"
  | "EFAULT"
  | "EINVAL"
  | "ENFILE"
  | "EMFILE"
  | "EPIPE"
  | "EAGAIN"
  | "EWOULDBLOCK"
  | "EINPROGRESS"
  | "EALREADY"
  | "ENOTSOCK"
  | "EDESTADDRREQ"
  | "EMSGSIZE"
  | "EPROTOTYPE"
  | "ENOPROTOOPT"
  | "EPROTONOSUPPORT"
  | "ESOCKTNOSUPPORT"
  | "EOPNOTSUPP"
  | "ENOTSUP"
  | "EPFNOSUPPORT"
  | "EAFNOSUPPORT"
  | "EADDRINUSE"
  | "EADDRNOTAVAIL"
  | "ENETDOWN"
  | "ENETUNREACH"
  | "ENETRESET"
  | "ECONNABORTED"
  | "ECONNRESET"
  | "ENOBUFS"
  | "EISCONN"
  | "ENOTCONN"
  | "ESHUTDOWN"
  | "ETOOMANYREFS"
  | "ETIMEDOUT"
  | "ECONNREFUSED"
  | "EHOSTDOWN"
  | "EHOSTUNREACH";

/**
 * What each `errno` means in Winsock: the code Windows gives for the same
 * cause. Mostly the same name with `WSA` in front; the exceptions:
 *
 * - `EBADF` → `WSAENOTSOCK`: a descriptor that is not open is, to Winsock,
 *   a `SOCKET` that is not a socket.
 * - `EPIPE` → `WSAECONNRESET`: Linux and macOS say `EPIPE` for a send on a
 *   connection the peer has reset, Windows `WSAECONNRESET`. (A send after
 *   one's own `shutdown(SD_SEND)` never gets here: the backend answers
 *   `WSAESHUTDOWN` itself, as Windows does.)
 * - `EINPROGRESS` → `WSAEWOULDBLOCK`: a non-blocking `connect` under way is
 *   `WSAEWOULDBLOCK` on Windows; `WSAEINPROGRESS` means a blocking
 *   Winsock 1.1 call is in progress, which never happens here.
 * - `EPERM` → `WSAEACCES`, `ENFILE` → `WSAEMFILE`, `ENOMEM` → `WSAENOBUFS`.
 */
export const ERRNO_MEANINGS: Readonly<Record<ErrnoName, number>> = {
  EPERM: WSAEACCES,
  EINTR: WSAEINTR,
  EBADF: WSAENOTSOCK,
  ENOMEM: WSAENOBUFS,
  EACCES: WSAEACCES,
  EFAULT: WSAEFAULT,
  EINVAL: WSAEINVAL,
  ENFILE: WSAEMFILE,
  EMFILE: WSAEMFILE,
  EPIPE: WSAECONNRESET,
  EAGAIN: WSAEWOULDBLOCK,
  EWOULDBLOCK: WSAEWOULDBLOCK,
  EINPROGRESS: WSAEWOULDBLOCK,
  EALREADY: WSAEALREADY,
  ENOTSOCK: WSAENOTSOCK,
  EDESTADDRREQ: WSAEDESTADDRREQ,
  EMSGSIZE: WSAEMSGSIZE,
  EPROTOTYPE: WSAEPROTOTYPE,
  ENOPROTOOPT: WSAENOPROTOOPT,
  EPROTONOSUPPORT: WSAEPROTONOSUPPORT,
  ESOCKTNOSUPPORT: WSAESOCKTNOSUPPORT,
  EOPNOTSUPP: WSAEOPNOTSUPP,
  ENOTSUP: WSAEOPNOTSUPP,
  EPFNOSUPPORT: WSAEPFNOSUPPORT,
  EAFNOSUPPORT: WSAEAFNOSUPPORT,
  EADDRINUSE: WSAEADDRINUSE,
  EADDRNOTAVAIL: WSAEADDRNOTAVAIL,
  ENETDOWN: WSAENETDOWN,
  ENETUNREACH: WSAENETUNREACH,
  ENETRESET: WSAENETRESET,
  ECONNABORTED: WSAECONNABORTED,
  ECONNRESET: WSAECONNRESET,
  ENOBUFS: WSAENOBUFS,
  EISCONN: WSAEISCONN,
  ENOTCONN: WSAENOTCONN,
  ESHUTDOWN: WSAESHUTDOWN,
  ETOOMANYREFS: WSAETOOMANYREFS,
  ETIMEDOUT: WSAETIMEDOUT,
  ECONNREFUSED: WSAECONNREFUSED,
  EHOSTDOWN: WSAEHOSTDOWN,
  EHOSTUNREACH: WSAEHOSTUNREACH,
};

/** `struct addrinfo` on Linux: `ai_addr` (24) before `ai_canonname` (32); `socklen_t ai_addrlen`. */
export const ADDRINFO_LAYOUT_LINUX: AddrinfoLayout = {
  size: 48,
  ai_flags: 0,
  ai_family: 4,
  ai_socktype: 8,
  ai_protocol: 12,
  ai_addrlen: 16,
  addrlenSize: 4,
  ai_addr: 24,
  ai_canonname: 32,
  ai_next: 40,
};

/** `struct addrinfo` on macOS: `ai_canonname` (24) before `ai_addr` (32), as on Windows. */
export const ADDRINFO_LAYOUT_DARWIN: AddrinfoLayout = {
  size: 48,
  ai_flags: 0,
  ai_family: 4,
  ai_socktype: 8,
  ai_protocol: 12,
  ai_addrlen: 16,
  addrlenSize: 4,
  ai_canonname: 24,
  ai_addr: 32,
  ai_next: 40,
};

/**
 * The `AI_*` flags by their Winsock values, and `NI_*` likewise: the
 * platform's bit for each (Linux numbers most of them differently).
 */
export interface NameFlags {
  /** Winsock `AI_*` bit → the platform's bit. */
  readonly ai: Readonly<Record<number, number>>;
  /** Winsock `NI_*` bit → the platform's bit. */
  readonly ni: Readonly<Record<number, number>>;
}

/** One platform's numbers. */
export interface PosixAbi {
  /** Which platform. */
  readonly os: "linux" | "darwin";
  /** The `sockaddr` layout and family numbers. */
  readonly sockaddr: SockaddrAbi;
  /** `SOCK_STREAM`. */
  readonly SOCK_STREAM: number;
  /** `SOCK_DGRAM`. */
  readonly SOCK_DGRAM: number;
  /** `SOL_SOCKET`. */
  readonly SOL_SOCKET: number;
  /** `SO_REUSEADDR`. */
  readonly SO_REUSEADDR: number;
  /** `SO_KEEPALIVE`. */
  readonly SO_KEEPALIVE: number;
  /** `SO_LINGER` (on macOS its `l_linger` counts clock ticks). */
  readonly SO_LINGER: number;
  /** `SO_SNDBUF`. */
  readonly SO_SNDBUF: number;
  /** `SO_RCVBUF`. */
  readonly SO_RCVBUF: number;
  /** `SO_ERROR`: the pending error, as an `errno`. */
  readonly SO_ERROR: number;
  /** `SO_TYPE`. */
  readonly SO_TYPE: number;
  /** `SO_NOSIGPIPE` (macOS), set on every socket; 0 where there is none. */
  readonly SO_NOSIGPIPE: number;
  /** `TCP_NODELAY` at level `IPPROTO_TCP` (6 on both). */
  readonly TCP_NODELAY: number;
  /** `SO_BROADCAST`. */
  readonly SO_BROADCAST: number;
  /** `SO_LINGER` whose `l_linger` counts seconds (macOS: `SO_LINGER_SEC`; Linux: `SO_LINGER`). */
  readonly SO_LINGER_SEC: number;
  /** `SO_SNDTIMEO` (a `struct timeval`). */
  readonly SO_SNDTIMEO: number;
  /** `SO_RCVTIMEO` (a `struct timeval`). */
  readonly SO_RCVTIMEO: number;
  /** Linux stores twice the `SO_RCVBUF`/`SO_SNDBUF` asked for, and reports that (macOS does not). */
  readonly SOCKBUF_DOUBLED: boolean;
  /** `IPPROTO_TCP` (6). */
  readonly IPPROTO_TCP: number;
  /** `TCP_KEEPIDLE` (macOS: `TCP_KEEPALIVE`): seconds idle before the first keep-alive probe. */
  readonly TCP_KEEPIDLE: number;
  /** `TCP_KEEPINTVL`: seconds between keep-alive probes. */
  readonly TCP_KEEPINTVL: number;
  /** `TCP_KEEPCNT`: probes before the connection is dropped. */
  readonly TCP_KEEPCNT: number;
  /** `IPPROTO_IP` (0). */
  readonly IPPROTO_IP: number;
  /** `IP_TTL`. */
  readonly IP_TTL: number;
  /** `IP_MULTICAST_TTL`. */
  readonly IP_MULTICAST_TTL: number;
  /** `IP_MULTICAST_LOOP`. */
  readonly IP_MULTICAST_LOOP: number;
  /** `IP_ADD_MEMBERSHIP` (`struct ip_mreq`: 8 bytes, as on Windows). */
  readonly IP_ADD_MEMBERSHIP: number;
  /** `IP_DROP_MEMBERSHIP`. */
  readonly IP_DROP_MEMBERSHIP: number;
  /** `IPPROTO_IPV6` (41). */
  readonly IPPROTO_IPV6: number;
  /** `IPV6_V6ONLY` (set on every `AF_INET6` socket at creation: Windows' default). */
  readonly IPV6_V6ONLY: number;
  /** `MSG_OOB`. */
  readonly MSG_OOB: number;
  /** `MSG_PEEK`. */
  readonly MSG_PEEK: number;
  /** `MSG_DONTROUTE`. */
  readonly MSG_DONTROUTE: number;
  /** `MSG_WAITALL`. */
  readonly MSG_WAITALL: number;
  /**
   * `MSG_NOSIGNAL`: a send to a reset peer fails with `EPIPE` instead of
   * raising `SIGPIPE`. Used only where there is no `SO_NOSIGPIPE` (Linux).
   */
  readonly MSG_NOSIGNAL: number;
  /** `F_SETFD` for `fcntl`. */
  readonly F_SETFD: number;
  /** `FD_CLOEXEC`: the descriptor is not inherited by programs this one starts. */
  readonly FD_CLOEXEC: number;
  /** `F_GETFL` for `fcntl`. */
  readonly F_GETFL: number;
  /** `F_SETFL` for `fcntl`. */
  readonly F_SETFL: number;
  /** `O_NONBLOCK`. */
  readonly O_NONBLOCK: number;
  /** `POLLIN`. */
  readonly POLLIN: number;
  /** `POLLOUT`. */
  readonly POLLOUT: number;
  /** `POLLPRI` (out-of-band data). */
  readonly POLLPRI: number;
  /** `POLLERR`. */
  readonly POLLERR: number;
  /** `POLLHUP`. */
  readonly POLLHUP: number;
  /** `POLLNVAL`. */
  readonly POLLNVAL: number;
  /** `SHUT_RD`. */
  readonly SHUT_RD: number;
  /** `SHUT_WR`. */
  readonly SHUT_WR: number;
  /** `SHUT_RDWR`. */
  readonly SHUT_RDWR: number;
  /** `SOMAXCONN` (Winsock's `0x7fffffff` is clamped by the kernel anyway). */
  readonly SOMAXCONN: number;
  /** `struct addrinfo`. */
  readonly addrinfo: AddrinfoLayout;
  /** The `EAI_*` numbers. */
  readonly eai: Readonly<Record<EaiName, number>>;
  /** The `AI_*` and `NI_*` bits. */
  readonly nameFlags: NameFlags;
  /** The numbers of the `errno` names. */
  readonly errno: Readonly<Record<ErrnoName, number>>;
}

/** Linux (x86-64 and arm64: the generic numbers). */
export const LINUX_ABI: PosixAbi = {
  os: "linux",
  sockaddr: LINUX_SOCKADDR_ABI,
  SOCK_STREAM: 1,
  SOCK_DGRAM: 2,
  SOL_SOCKET: 1,
  SO_REUSEADDR: 2,
  SO_KEEPALIVE: 9,
  SO_LINGER: 13,
  SO_SNDBUF: 7,
  SO_RCVBUF: 8,
  SO_ERROR: 4,
  SO_TYPE: 3,
  SO_NOSIGPIPE: 0,
  TCP_NODELAY: 1,
  SO_BROADCAST: 6,
  SO_LINGER_SEC: 13,
  SO_SNDTIMEO: 21,
  SO_RCVTIMEO: 20,
  SOCKBUF_DOUBLED: true,
  IPPROTO_TCP: 6,
  TCP_KEEPIDLE: 4,
  TCP_KEEPINTVL: 5,
  TCP_KEEPCNT: 6,
  IPPROTO_IP: 0,
  IP_TTL: 2,
  IP_MULTICAST_TTL: 33,
  IP_MULTICAST_LOOP: 34,
  IP_ADD_MEMBERSHIP: 35,
  IP_DROP_MEMBERSHIP: 36,
  IPPROTO_IPV6: 41,
  IPV6_V6ONLY: 26,
  MSG_OOB: 0x1,
  MSG_PEEK: 0x2,
  MSG_DONTROUTE: 0x4,
  MSG_WAITALL: 0x100,
  MSG_NOSIGNAL: 0x4000,
  F_SETFD: 2,
  FD_CLOEXEC: 1,
  F_GETFL: 3,
  F_SETFL: 4,
  O_NONBLOCK: 0o4000,
  POLLIN: 0x1,
  POLLOUT: 0x4,
  POLLPRI: 0x2,
  POLLERR: 0x8,
  POLLHUP: 0x10,
  POLLNVAL: 0x20,
  SHUT_RD: 0,
  SHUT_WR: 1,
  SHUT_RDWR: 2,
  SOMAXCONN: 4096,
  addrinfo: ADDRINFO_LAYOUT_LINUX,
  eai: LINUX_EAI,

  nameFlags: {
    // PASSIVE, CANONNAME, NUMERICHOST, NUMERICSERV, ALL, ADDRCONFIG, V4MAPPED
    ai: { 0x1: 0x1, 0x2: 0x2, 0x4: 0x4, 0x8: 0x400, 0x100: 0x10, 0x400: 0x20, 0x800: 0x8 },
    // NOFQDN, NUMERICHOST, NAMEREQD, NUMERICSERV, DGRAM
    ni: { 0x1: 0x4, 0x2: 0x1, 0x4: 0x8, 0x8: 0x2, 0x10: 0x10 },
  },
  errno: {
    EPERM: 1,
    EINTR: 4,
    EBADF: 9,
    ENOMEM: 12,
    EACCES: 13,
    EFAULT: 14,
    EINVAL: 22,
    ENFILE: 23,
    EMFILE: 24,
    EPIPE: 32,
    EAGAIN: 11,
    EWOULDBLOCK: 11,
    EINPROGRESS: 115,
    EALREADY: 114,
    ENOTSOCK: 88,
    EDESTADDRREQ: 89,
    EMSGSIZE: 90,
    EPROTOTYPE: 91,
    ENOPROTOOPT: 92,
    EPROTONOSUPPORT: 93,
    ESOCKTNOSUPPORT: 94,
    EOPNOTSUPP: 95,
    ENOTSUP: 95,
    EPFNOSUPPORT: 96,
    EAFNOSUPPORT: 97,
    EADDRINUSE: 98,
    EADDRNOTAVAIL: 99,
    ENETDOWN: 100,
    ENETUNREACH: 101,
    ENETRESET: 102,
    ECONNABORTED: 103,
    ECONNRESET: 104,
    ENOBUFS: 105,
    EISCONN: 106,
    ENOTCONN: 107,
    ESHUTDOWN: 108,
    ETOOMANYREFS: 109,
    ETIMEDOUT: 110,
    ECONNREFUSED: 111,
    EHOSTDOWN: 112,
    EHOSTUNREACH: 113,
  },
};

/**
 * macOS (x86-64 and arm64). Its socket options keep the BSD numbers Winsock
 * copied; its `errno`s from 35 on are the BSD ones Winsock added 10000 to.
 */
export const DARWIN_ABI: PosixAbi = {
  os: "darwin",
  sockaddr: DARWIN_SOCKADDR_ABI,
  SOCK_STREAM: 1,
  SOCK_DGRAM: 2,
  SOL_SOCKET: 0xffff,
  SO_REUSEADDR: 0x0004,
  SO_KEEPALIVE: 0x0008,
  SO_LINGER: 0x0080,
  SO_SNDBUF: 0x1001,
  SO_RCVBUF: 0x1002,
  SO_ERROR: 0x1007,
  SO_TYPE: 0x1008,
  SO_NOSIGPIPE: 0x1022,
  TCP_NODELAY: 1,
  SO_BROADCAST: 0x0020,
  SO_LINGER_SEC: 0x1080,
  SO_SNDTIMEO: 0x1005,
  SO_RCVTIMEO: 0x1006,
  SOCKBUF_DOUBLED: false,
  IPPROTO_TCP: 6,
  TCP_KEEPIDLE: 0x10,
  TCP_KEEPINTVL: 0x101,
  TCP_KEEPCNT: 0x102,
  IPPROTO_IP: 0,
  IP_TTL: 4,
  IP_MULTICAST_TTL: 10,
  IP_MULTICAST_LOOP: 11,
  IP_ADD_MEMBERSHIP: 12,
  IP_DROP_MEMBERSHIP: 13,
  IPPROTO_IPV6: 41,
  IPV6_V6ONLY: 27,
  MSG_OOB: 0x1,
  MSG_PEEK: 0x2,
  MSG_DONTROUTE: 0x4,
  MSG_WAITALL: 0x40,
  MSG_NOSIGNAL: 0x80000,
  F_SETFD: 2,
  FD_CLOEXEC: 1,
  F_GETFL: 3,
  F_SETFL: 4,
  O_NONBLOCK: 0x4,
  POLLIN: 0x1,
  POLLOUT: 0x4,
  POLLPRI: 0x2,
  POLLERR: 0x8,
  POLLHUP: 0x10,
  POLLNVAL: 0x20,
  SHUT_RD: 0,
  SHUT_WR: 1,
  SHUT_RDWR: 2,
  SOMAXCONN: 128,
  addrinfo: ADDRINFO_LAYOUT_DARWIN,
  eai: {
    EAI_ADDRFAMILY: 1,
    EAI_AGAIN: 2,
    EAI_BADFLAGS: 3,
    EAI_FAIL: 4,
    EAI_FAMILY: 5,
    EAI_MEMORY: 6,
    EAI_NODATA: 7,
    EAI_NONAME: 8,
    EAI_SERVICE: 9,
    EAI_SOCKTYPE: 10,
    EAI_SYSTEM: 11,
    EAI_OVERFLOW: 14,
  },
  nameFlags: {
    // The BSD numbers Winsock copied, but for AI_NUMERICSERV.
    ai: { 0x1: 0x1, 0x2: 0x2, 0x4: 0x4, 0x8: 0x1000, 0x100: 0x100, 0x400: 0x400, 0x800: 0x800 },
    ni: { 0x1: 0x1, 0x2: 0x2, 0x4: 0x4, 0x8: 0x8, 0x10: 0x10 },
  },
  errno: {
    EPERM: 1,
    EINTR: 4,
    EBADF: 9,
    ENOMEM: 12,
    EACCES: 13,
    EFAULT: 14,
    EINVAL: 22,
    ENFILE: 23,
    EMFILE: 24,
    EPIPE: 32,
    EAGAIN: 35,
    EWOULDBLOCK: 35,
    EINPROGRESS: 36,
    EALREADY: 37,
    ENOTSOCK: 38,
    EDESTADDRREQ: 39,
    EMSGSIZE: 40,
    EPROTOTYPE: 41,
    ENOPROTOOPT: 42,
    EPROTONOSUPPORT: 43,
    ESOCKTNOSUPPORT: 44,
    EOPNOTSUPP: 102,
    ENOTSUP: 45,
    EPFNOSUPPORT: 46,
    EAFNOSUPPORT: 47,
    EADDRINUSE: 48,
    EADDRNOTAVAIL: 49,
    ENETDOWN: 50,
    ENETUNREACH: 51,
    ENETRESET: 52,
    ECONNABORTED: 53,
    ECONNRESET: 54,
    ENOBUFS: 55,
    EISCONN: 56,
    ENOTCONN: 57,
    ESHUTDOWN: 58,
    ETOOMANYREFS: 59,
    ETIMEDOUT: 60,
    ECONNREFUSED: 61,
    EHOSTDOWN: 64,
    EHOSTUNREACH: 65,
  },
};

/**
 * The data for a platform; throws for one that is neither Linux nor macOS.
 *
 * @example
 * ```ts
 * import { posixAbi } from "./abi.ts";
 * console.log(posixAbi("darwin").sockaddr.AF_INET6); // 30
 * ```
 */
export function posixAbi(os: string = Deno.build.os): PosixAbi {
  if (os === "linux") return LINUX_ABI;
  if (os === "darwin") return DARWIN_ABI;
  throw new Error(`the posix backend runs on Linux and macOS, not ${os}`);
}

/**
 * The WSA code an `errno` means on a platform, or `undefined` for one the
 * table does not know.
 *
 * @example
 * ```ts
 * import { errnoToWsa, LINUX_ABI } from "./abi.ts";
 * console.log(errnoToWsa(LINUX_ABI, 98)); // 10048 (EADDRINUSE → WSAEADDRINUSE)
 * ```
 */
export function errnoToWsa(abi: PosixAbi, errno: number): number | undefined {
  for (const [name, value] of Object.entries(abi.errno)) {
    if (value === errno) return ERRNO_MEANINGS[name as ErrnoName];
  }
  return undefined;
}

/**
 * Translates Winsock `AI_*` or `NI_*` bits to the platform's; `undefined`
 * if a bit has no translation (the caller answers `WSAEINVAL`, as
 * `EAI_BADFLAGS`).
 *
 * @example
 * ```ts
 * import { LINUX_ABI, translateNameFlags } from "./abi.ts";
 * console.log(translateNameFlags(LINUX_ABI.nameFlags.ni, 0x2 | 0x8)); // 3 (NI_NUMERICHOST | NI_NUMERICSERV)
 * ```
 */
export function translateNameFlags(
  table: Readonly<Record<number, number>>,
  flags: number,
): number | undefined {
  let native = 0;
  for (let bit = 1; bit <= flags && bit !== 0; bit <<= 1) {
    if ((flags & bit) === 0) continue;
    const to = table[bit];
    if (to === undefined) return undefined;
    native |= to;
  }
  return native;
}
