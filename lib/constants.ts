/**
 * Winsock constants, with the values `winsock2.h` gives them. The façade speaks
 * these values on every backend; the posix backend translates them to the
 * platform's own where they differ.
 *
 * @module
 */

/** A Winsock socket handle: `SOCKET` is `UINT_PTR`, so a bigint here. */
export type SOCKET = bigint;

/** `INVALID_SOCKET`: `(SOCKET)(~0)`, all 64 bits set. */
export const INVALID_SOCKET: SOCKET = 0xffff_ffff_ffff_ffffn;
/** `SOCKET_ERROR`: the `-1` most Winsock calls return on failure. */
export const SOCKET_ERROR: number = -1;

/** `AF_UNSPEC`: unspecified address family. */
export const AF_UNSPEC = 0;
/** `AF_INET`: IPv4 (2). */
export const AF_INET = 2;
/** `AF_INET6`: IPv6 (23 on Windows). */
export const AF_INET6 = 23;

/** `SOCK_STREAM`: a reliable, two-way byte stream (TCP). */
export const SOCK_STREAM = 1;
/** `SOCK_DGRAM`: datagrams (UDP). */
export const SOCK_DGRAM = 2;

/** `IPPROTO_TCP` (6). */
export const IPPROTO_TCP = 6;
/** `IPPROTO_UDP` (17). */
export const IPPROTO_UDP = 17;

/** `SOMAXCONN`: let the system choose the listen backlog (`0x7fffffff` in winsock2.h). */
export const SOMAXCONN = 0x7fffffff;

/** `INADDR_ANY`: 0.0.0.0. */
export const INADDR_ANY = 0;
/** `INADDR_NONE`: what `inet_addr` returns for text that is not an address. */
export const INADDR_NONE = 0xffffffff;
/** `INADDR_LOOPBACK` in host order: 127.0.0.1. */
export const INADDR_LOOPBACK = 0x7f000001;

/** `SD_RECEIVE`: `shutdown` the receiving half. */
export const SD_RECEIVE = 0;
/** `SD_SEND`: `shutdown` the sending half (sends FIN). */
export const SD_SEND = 1;
/** `SD_BOTH`: `shutdown` both halves. */
export const SD_BOTH = 2;

/** `MSG_OOB`: out-of-band data. */
export const MSG_OOB = 0x1;
/** `MSG_PEEK`: read without removing from the queue. */
export const MSG_PEEK = 0x2;
/** `MSG_WAITALL`: wait until the buffer is full. */
export const MSG_WAITALL = 0x8;

/** `SOL_SOCKET`: socket-level options (`0xffff` on Windows). */
export const SOL_SOCKET = 0xffff;
/** `SO_REUSEADDR` (4). */
export const SO_REUSEADDR = 0x0004;
/** `SO_KEEPALIVE` (8). */
export const SO_KEEPALIVE = 0x0008;
/** `SO_LINGER` (0x80). */
export const SO_LINGER = 0x0080;
/** `SO_SNDBUF` (0x1001). */
export const SO_SNDBUF = 0x1001;
/** `SO_RCVBUF` (0x1002). */
export const SO_RCVBUF = 0x1002;
/** `SO_ERROR` (0x1007): read and clear the pending error. */
export const SO_ERROR = 0x1007;
/** `SO_TYPE` (0x1008). */
export const SO_TYPE = 0x1008;
/** `TCP_NODELAY` (1), at level `IPPROTO_TCP`. */
export const TCP_NODELAY = 0x0001;
/** `SO_BROADCAST` (0x20): a datagram socket may send to a broadcast address. */
export const SO_BROADCAST = 0x0020;
/**
 * `SO_EXCLUSIVEADDRUSE` (`~SO_REUSEADDR`, -5 as an `int`): no other socket may
 * bind this socket's address, not even one with `SO_REUSEADDR`.
 */
export const SO_EXCLUSIVEADDRUSE: number = ~SO_REUSEADDR;
/** `SO_SNDTIMEO` (0x1005): a `DWORD` of milliseconds a blocking send may wait (0: for ever). */
export const SO_SNDTIMEO = 0x1005;
/** `SO_RCVTIMEO` (0x1006): a `DWORD` of milliseconds a blocking recv may wait (0: for ever). */
export const SO_RCVTIMEO = 0x1006;
/** `TCP_KEEPALIVE` (3), at level `IPPROTO_TCP`: seconds idle before the first probe (Windows 10 1709+). */
export const TCP_KEEPALIVE = 3;
/** `TCP_KEEPCNT` (16), at level `IPPROTO_TCP`: probes before the connection is dropped (Windows 10 1703+). */
export const TCP_KEEPCNT = 16;
/** `TCP_KEEPINTVL` (17), at level `IPPROTO_TCP`: seconds between probes (Windows 10 1709+). */
export const TCP_KEEPINTVL = 17;

/** `IPPROTO_IP` (0): the level of the IPv4 options. */
export const IPPROTO_IP = 0;
/** `IP_TTL` (4): the time-to-live of unicast packets (1-255). */
export const IP_TTL = 4;
/** `IP_MULTICAST_TTL` (10): the time-to-live of multicast datagrams. */
export const IP_MULTICAST_TTL = 10;
/** `IP_MULTICAST_LOOP` (11): multicast datagrams sent come back to this host's members. */
export const IP_MULTICAST_LOOP = 11;
/** `IP_ADD_MEMBERSHIP` (12): join a group, given an 8-byte `ip_mreq`. */
export const IP_ADD_MEMBERSHIP = 12;
/** `IP_DROP_MEMBERSHIP` (13): leave a group, given an 8-byte `ip_mreq`. */
export const IP_DROP_MEMBERSHIP = 13;

/**
 * `SIO_KEEPALIVE_VALS` (`_WSAIOW(IOC_VENDOR, 4)`): `WSAIoctl` taking a 12-byte
 * `struct tcp_keepalive { u_long onoff, keepalivetime, keepaliveinterval; }` (ms).
 */
export const SIO_KEEPALIVE_VALS = 0x98000004;

/** `FIONBIO`: `ioctlsocket` command to set non-blocking mode (`_IOW('f', 126, u_long)`). */
export const FIONBIO = 0x8004667e;
/** `FIONREAD`: `ioctlsocket` command for the number of bytes waiting (`_IOR('f', 127, u_long)`). */
export const FIONREAD = 0x4004667f;

/** `WSADESCRIPTION_LEN`: `szDescription` holds this many chars plus NUL. */
export const WSADESCRIPTION_LEN = 256;
/** `WSASYS_STATUS_LEN`: `szSystemStatus` holds this many chars plus NUL. */
export const WSASYS_STATUS_LEN = 128;
/** `FD_SETSIZE` on Windows: an `fd_set` holds at most 64 sockets. */
export const FD_SETSIZE = 64;

/** `WSA_FLAG_OVERLAPPED` for `WSASocketW`: what `socket()` gives. */
export const WSA_FLAG_OVERLAPPED = 0x01;
/** `WSA_FLAG_NO_HANDLE_INHERIT` for `WSASocketW`: child processes do not inherit the socket. */
export const WSA_FLAG_NO_HANDLE_INHERIT = 0x80;
/** `POLLRDNORM` for `WSAPoll`. */
export const POLLRDNORM = 0x0100;
/** `POLLWRNORM` for `WSAPoll`. */
export const POLLWRNORM = 0x0010;
/** `POLLRDBAND` for `WSAPoll`: out-of-band data. */
export const POLLRDBAND = 0x0200;
/** `POLLERR` for `WSAPoll`. */
export const POLLERR = 0x0001;
/** `POLLHUP` for `WSAPoll`. */
export const POLLHUP = 0x0002;

/** `IPPROTO_IPV6` (41): the level of the IPv6 options. */
export const IPPROTO_IPV6 = 41;
/**
 * `IPV6_V6ONLY` (27), at level `IPPROTO_IPV6`: an `AF_INET6` socket carries
 * IPv6 only. On by default on Windows (and here on every backend); off, a
 * socket bound to `::` also takes IPv4 as `::ffff:a.b.c.d` (dual stack).
 */
export const IPV6_V6ONLY = 27;

// The event select and asynchronous select models (winsock2.h).

/** A Winsock event object (`WSAEVENT`, a `HANDLE`): its value as a bigint. */
export type WSAEVENT = bigint;
/** `WSA_INVALID_EVENT`: `(WSAEVENT)NULL`, what a failed `WSACreateEvent` returns. */
export const WSA_INVALID_EVENT: WSAEVENT = 0n;
/** `WSA_MAXIMUM_WAIT_EVENTS`: `WSAWaitForMultipleEvents` waits on at most 64 events. */
export const WSA_MAXIMUM_WAIT_EVENTS = 64;
/** `WSA_WAIT_EVENT_0`: `WSAWaitForMultipleEvents` returns this plus the signalled event's index. */
export const WSA_WAIT_EVENT_0 = 0;
/** `WSA_WAIT_IO_COMPLETION` (0xC0): an alertable wait ended by a completion routine. */
export const WSA_WAIT_IO_COMPLETION = 0xc0;
/** `WSA_WAIT_TIMEOUT` (258): no event was signalled in time. */
export const WSA_WAIT_TIMEOUT = 258;
/** `WSA_WAIT_FAILED` (`0xFFFFFFFF`): the wait failed; `WSAGetLastError()` says why. */
export const WSA_WAIT_FAILED = 0xffffffff;
/** `WSA_INFINITE` (`0xFFFFFFFF`): wait with no time limit. */
export const WSA_INFINITE = 0xffffffff;

/** `FD_READ_BIT`: index of `FD_READ` in `WSANETWORKEVENTS.iErrorCode`. */
export const FD_READ_BIT = 0;
/** `FD_WRITE_BIT`. */
export const FD_WRITE_BIT = 1;
/** `FD_OOB_BIT`. */
export const FD_OOB_BIT = 2;
/** `FD_ACCEPT_BIT`. */
export const FD_ACCEPT_BIT = 3;
/** `FD_CONNECT_BIT`. */
export const FD_CONNECT_BIT = 4;
/** `FD_CLOSE_BIT`. */
export const FD_CLOSE_BIT = 5;
/** `FD_MAX_EVENTS`: the length of `WSANETWORKEVENTS.iErrorCode`. */
export const FD_MAX_EVENTS = 10;
/** `FD_READ`: data to read (re-enabled by `recv`). */
export const FD_READ = 1 << FD_READ_BIT;
/** `FD_WRITE`: room to send, once after connect or accept, then after a send failed with `WSAEWOULDBLOCK`. */
export const FD_WRITE = 1 << FD_WRITE_BIT;
/** `FD_OOB`: out-of-band data. */
export const FD_OOB = 1 << FD_OOB_BIT;
/** `FD_ACCEPT`: a connection to accept (re-enabled by `accept`). */
export const FD_ACCEPT = 1 << FD_ACCEPT_BIT;
/** `FD_CONNECT`: a non-blocking `connect` has ended (its code in `iErrorCode[FD_CONNECT_BIT]`). */
export const FD_CONNECT = 1 << FD_CONNECT_BIT;
/** `FD_CLOSE`: the peer closed (code 0) or the connection was reset (10054) or aborted (10053). */
export const FD_CLOSE = 1 << FD_CLOSE_BIT;
/** `FD_ALL_EVENTS`: every `FD_*` event (`(1 << FD_MAX_EVENTS) - 1`). */
export const FD_ALL_EVENTS = (1 << FD_MAX_EVENTS) - 1;

/** A window handle (`HWND`): its value as a bigint. */
export type HWND = bigint;
/** `HWND_MESSAGE`: `(HWND)-3`, the parent that makes a window message-only (no display needed). */
export const HWND_MESSAGE: HWND = 0xffff_ffff_ffff_fffdn;

/** `WM_USER` (0x400): the first message number free for a program's own messages. */
export const WM_USER = 0x400;
/** `WM_QUIT` (0x12): `GetMessage` returns 0 when it takes this one (`PostQuitMessage`). */
export const WM_QUIT = 0x12;
/** `PM_NOREMOVE`: `PeekMessage` leaves the message in the queue. */
export const PM_NOREMOVE = 0;
/** `PM_REMOVE`: `PeekMessage` takes the message out of the queue. */
export const PM_REMOVE = 1;

/**
 * `WSAGETSELECTEVENT(lParam)`: the `FD_*` event of a `WSAAsyncSelect` message.
 *
 * @example
 * ```ts
 * import { WSAGETSELECTEVENT } from "@winsock/tutorial";
 * console.log(WSAGETSELECTEVENT(0x2746_0020n)); // 32 (FD_CLOSE)
 * ```
 */
export function WSAGETSELECTEVENT(lParam: number | bigint): number {
  return Number(BigInt(lParam) & 0xffffn);
}

/**
 * `WSAGETSELECTERROR(lParam)`: the error code of a `WSAAsyncSelect` message (0: none).
 *
 * @example
 * ```ts
 * import { WSAGETSELECTERROR } from "@winsock/tutorial";
 * console.log(WSAGETSELECTERROR(0x2746_0020n)); // 10054 (WSAECONNRESET)
 * ```
 */
export function WSAGETSELECTERROR(lParam: number | bigint): number {
  return Number((BigInt(lParam) >> 16n) & 0xffffn);
}

/**
 * `WSAMAKESELECTREPLY(event, error)`: the `lParam` of a `WSAAsyncSelect` message.
 *
 * @example
 * ```ts
 * import { WSAMAKESELECTREPLY } from "@winsock/tutorial";
 * console.log(WSAMAKESELECTREPLY(0x20, 10054).toString(16)); // "27460020"
 * ```
 */
export function WSAMAKESELECTREPLY(event: number, error: number): bigint {
  return (BigInt(error & 0xffff) << 16n) | BigInt(event & 0xffff);
}

// ---------------------------------------------------------------------------
// Overlapped I/O and completion ports.

/** A Windows `HANDLE` (an event, a completion port) as its pointer value. */
export type HANDLE = bigint;
/** `INVALID_HANDLE_VALUE`: `(HANDLE)-1`; `CreateIoCompletionPort` takes it to make a new port. */
export const INVALID_HANDLE_VALUE: HANDLE = 0xffffffffffffffffn;
/** `INFINITE`: a wait without a time limit. */
export const INFINITE = 0xffffffff;
/** `WAIT_TIMEOUT` (258): what `GetLastError()` says after a wait that timed out. */
export const WAIT_TIMEOUT = 258;
/** `WAIT_IO_COMPLETION`: an alertable wait ended to run completion routines. */
export const WAIT_IO_COMPLETION = 0xc0;
/** `SO_UPDATE_ACCEPT_CONTEXT`: gives a socket `AcceptEx` accepted its listener's properties. */
export const SO_UPDATE_ACCEPT_CONTEXT = 0x700b;
