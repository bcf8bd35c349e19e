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
