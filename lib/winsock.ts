/**
 * The typed façade: the Winsock API with C names and C semantics. Calls
 * return what C returns (`0`, `SOCKET_ERROR`, `INVALID_SOCKET`, a count) and
 * set the code `WSAGetLastError()` reads; the calls that block in C
 * (`accept`, `connect`, `recv`, `send`, `select`) return Promises, except on
 * the raw synchronous path (`Winsock<true>`), where they return what C
 * returns, as C does. Every length handed in is checked against its buffer
 * before any backend sees it.
 *
 * @module
 */

import { setImmediate } from "node:timers";
import type {
  AsyncSelectBackend,
  Awaitable,
  BackendName,
  Datagram,
  EventSelectBackend,
  SelectSets,
  SocketBackend,
  WaitStats,
  WNDPROC,
} from "./backend.ts";
import {
  asyncSelectFor,
  checkMessage,
  checkUint,
  checkWindow,
  copyMessage,
} from "./async_select.ts";
import {
  checkEvent,
  checkNetworkEvents,
  copyNetworkEvents,
  eventSelectFor,
  waitForMultipleEvents,
} from "./events.ts";
import {
  FD_SETSIZE,
  FIONBIO,
  FIONREAD,
  type HANDLE,
  type HWND,
  INVALID_SOCKET,
  PM_REMOVE,
  type SOCKET,
  SOCKET_ERROR,
  WAIT_TIMEOUT,
  WM_QUIT,
  WSA_INVALID_EVENT,
  WSA_WAIT_FAILED,
  type WSAEVENT,
} from "./constants.ts";
import {
  isWinsockError,
  WinsockError,
  WSA_INVALID_PARAMETER,
  WSA_IO_INCOMPLETE,
  WSA_IO_PENDING,
  WSAEFAULT,
  WSAEINVAL,
  WSAEMSGSIZE,
  WSAENOTSOCK,
  WSAEOPNOTSUPP,
  WSANOTINITIALISED,
} from "./errors.ts";
import {
  type BigIntRef,
  checkHandle,
  checkMilliseconds,
  checkUnsigned,
  fillEntries,
  type OverlappedRef,
  portFile,
} from "./iocp.ts";
import {
  type Completion,
  type CompletionEngine,
  type CompletionRoutine,
  openCompletionEngine,
} from "./overlapped.ts";
import {
  checkedBuffers,
  OVERLAPPED_ENTRY,
  overlappedBytes,
  WSAOVERLAPPED,
} from "./overlapped_structs.ts";
import { gather, noOverlapped, scatter } from "./datagrams.ts";
import { type AddrinfoRef, callGetaddrinfo, callGethostname, callGetnameinfo } from "./names.ts";
import {
  type ADDRINFOA,
  fd_set,
  MSG,
  sizeof,
  type SOCKADDR,
  sockaddr_in6,
  SOCKADDR_IN_LAYOUT,
  timeval,
  type WSABUF,
  wsabufPieces,
  WSADATA,
  WSANETWORKEVENTS,
} from "./structs.ts";

/** An `int *` out-parameter, such as `accept`'s `addrlen`. */
export interface IntRef {
  /** The `int` it points to. */
  value: number;
}

function checkLength(buf: Uint8Array, len: number, what: string): Uint8Array {
  if (!(buf instanceof Uint8Array)) {
    throw new WinsockError(WSAEFAULT, `${what}: buf is not a Uint8Array`);
  }
  if (typeof len !== "number" || !Number.isInteger(len) || len < 0) {
    throw new WinsockError(WSAEINVAL, `${what}: len ${String(len)} is not a length`);
  }
  if (len > buf.byteLength) {
    throw new WinsockError(
      WSAEFAULT,
      `${what}: len ${len} exceeds the ${buf.byteLength}-byte buffer`,
    );
  }
  return len === buf.byteLength ? buf : buf.subarray(0, len);
}

function checkSocket(s: SOCKET): SOCKET {
  if (typeof s !== "bigint" || s === INVALID_SOCKET || s < 0n) {
    throw new WinsockError(WSAENOTSOCK, `not a SOCKET: ${String(s)}`);
  }
  return s;
}

/** `AcceptEx`'s smallest address length: `sizeof(sockaddr_in)` + 16. */
const ACCEPTEX_MIN_ADDRESS = 32;

function checkOverlapped(ov: WSAOVERLAPPED, routine: CompletionRoutine | null): void {
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

function checkNameLength(name: SOCKADDR, namelen: number): void {
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

function copyOut(
  address: SOCKADDR,
  name: SOCKADDR | null | undefined,
  namelen: IntRef | null | undefined,
) {
  if (!name) return;
  Object.assign(name, address);
  if (namelen) namelen.value = sizeof(address);
}

function checkOutName(name: SOCKADDR | null | undefined, namelen: IntRef | null | undefined): void {
  if (!name) return;
  if (!namelen || !Number.isInteger(namelen.value) || namelen.value < SOCKADDR_IN_LAYOUT.size) {
    throw new WinsockError(WSAEFAULT, `namelen ${namelen?.value} is too small for a sockaddr`);
  }
  if (name instanceof sockaddr_in6 && namelen.value < sizeof(name)) {
    throw new WinsockError(WSAEFAULT, `namelen ${namelen.value} is too small for a sockaddr_in6`);
  }
}

/** The sockets of an `fd_set` (none for `null`), after checking it is one. */
function fdSetSockets(set: fd_set | null | undefined, what: string): SOCKET[] {
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
function timeoutMs(timeout: timeval | null | undefined): number | null {
  if (timeout === null || timeout === undefined) return null;
  if (!(timeout instanceof timeval)) throw new WinsockError(WSAEFAULT, "select: not a timeval");
  const { tv_sec, tv_usec } = timeout;
  if (![tv_sec, tv_usec].every((v) => Number.isInteger(v) && v >= 0 && v <= 0x7fffffff)) {
    throw new WinsockError(WSAEINVAL, `select: timeval { ${tv_sec}, ${tv_usec} } is not a timeout`);
  }
  return tv_sec * 1000 + Math.ceil(tv_usec / 1000);
}

/** Leaves in `set` only the sockets in `ready`, as `select` does; returns how many. */
function keepReady(set: fd_set | null | undefined, ready: SOCKET[]): number {
  if (!set) return 0;
  set.fd_array.set(ready);
  set.fd_count = ready.length;
  return ready.length;
}

/**
 * What a call that blocks in C gives back: a Promise on the default,
 * non-blocking path; the value itself on the raw synchronous path
 * (`Blocking` true), where the JS thread waits inside the call, as in C.
 */
export type Waited<Blocking extends boolean, T> = Blocking extends true ? T : Promise<T>;

/**
 * Winsock, as a C programmer knows it, over one backend. `Blocking` says
 * whether the calls that block in C return Promises (`false`, the default)
 * or their values (`true`: `openWinsock({ blocking: true })`).
 *
 * @example
 * ```ts
 * import { MAKEWORD, openWinsock, WSADATA } from "../mod.ts";
 * const ws = openWinsock({ backend: "deno" });
 * const data = new WSADATA();
 * console.log(ws.WSAStartup(MAKEWORD(2, 2), data), data.szDescription); // 0 "WinSock 2.0"
 * ws.WSACleanup();
 * ```
 */
export class Winsock<Blocking extends boolean = false> {
  #backend: SocketBackend;
  #blocking: Blocking;
  #lastError = 0;
  /** Failures of waited calls not yet handed to their tasks (`#deliver`). */
  #undelivered: (() => void)[] = [];
  #startups = 0;

  /**
   * Wraps a backend; use `openWinsock` to pick one. `blocking` must be what
   * the backend was made with.
   */
  constructor(backend: SocketBackend, blocking: Blocking = false as Blocking) {
    this.#backend = backend;
    this.#blocking = blocking;
  }

  /** Which backend carries the calls. */
  get backend(): BackendName {
    return this.#backend.name;
  }

  /**
   * The readiness waits the backend has made: in flight now, the most at
   * once, in all (`null` for the deno backend, which waits through Deno).
   * A non-blocking FFI backend keeps one pending wait for all its sockets.
   */
  waitStats(): WaitStats | null {
    return this.#backend.waitStats?.() ?? null;
  }

  #fail(e: unknown): void {
    if (!isWinsockError(e)) throw e;
    this.#lastError = e.code;
  }

  #call<T>(failed: T, call: () => T): T {
    try {
      if (this.#startups === 0) throw new WinsockError(WSANOTINITIALISED);
      return call();
    } catch (e) {
      this.#fail(e);
      return failed;
    }
  }

  /**
   * `#call` for the calls that may wait: a backend's answer at once costs no
   * extra turn, and on the raw synchronous path it is returned as it is.
   */
  #wait<T>(failed: T, call: () => Awaitable<T>): Waited<Blocking, T> {
    if (this.#blocking) {
      const result = this.#call<Awaitable<T>>(failed, call);
      if (result instanceof Promise) throw new Error("a blocking backend returned a Promise");
      return result as Waited<Blocking, T>;
    }
    const caught = this.#catcher(failed);
    let answer: Promise<T>;
    try {
      if (this.#startups === 0) throw new WinsockError(WSANOTINITIALISED);
      const result = call();
      answer = result instanceof Promise ? result.then(undefined, caught) : Promise.resolve(result);
    } catch (e) {
      answer = caught(e);
    }
    return answer as Waited<Blocking, T>;
  }

  /** One rejection handler per failure value (`SOCKET_ERROR`, `INVALID_SOCKET`, …), made once. */
  #catchers = new Map<unknown, (e: unknown) => Promise<unknown>>();
  #catcher<T>(failed: T): (e: unknown) => Promise<T> {
    let caught = this.#catchers.get(failed);
    if (!caught) {
      caught = (e: unknown) => {
        if (!isWinsockError(e)) throw e;
        return this.#deliver(e.code, failed);
      };
      this.#catchers.set(failed, caught);
    }
    return caught as (e: unknown) => Promise<T>;
  }

  /**
   * A waited call's failure, handed to the task that awaits it: in a
   * macrotask of its own (`setImmediate`, one failure each), the code is set
   * and the task's Promise resolved, so the task's continuation is the next
   * JavaScript to run and `WSAGetLastError()` there reads this call's code,
   * however many other tasks failed meanwhile. Successes never come here: it
   * costs nothing unless a call fails.
   */
  #deliver<T>(code: number, failed: T): Promise<T> {
    return new Promise((resolve) => {
      this.#undelivered.push(() => {
        this.#lastError = code;
        resolve(failed);
      });
      if (this.#undelivered.length === 1) setImmediate(this.#deliverNext);
    });
  }

  #deliverNext = (): void => {
    this.#undelivered.shift()?.();
    if (this.#undelivered.length > 0) setImmediate(this.#deliverNext);
  };

  /**
   * `int WSAStartup(WORD wVersionRequested, LPWSADATA lpWSAData)`: returns 0
   * and fills `lpWSAData`, or returns the error code itself.
   */
  WSAStartup(wVersionRequested: number, lpWSAData: WSADATA): number {
    if (!(lpWSAData instanceof WSADATA)) return WSAEFAULT;
    try {
      Object.assign(lpWSAData, this.#backend.startup(wVersionRequested & 0xffff));
      this.#startups++;
      return 0;
    } catch (e) {
      if (!isWinsockError(e)) throw e;
      return e.code;
    }
  }

  /** `int WSACleanup(void)`: the last call closes every socket left open. */
  WSACleanup(): number {
    return this.#call(SOCKET_ERROR, () => {
      if (--this.#startups === 0) this.#backend.cleanup();
      return 0;
    });
  }

  /**
   * `int WSAGetLastError(void)`: the code of the last call that failed, per
   * task: right after an `await`, the awaited call's code, whatever other
   * tasks failed meanwhile (as C's last error is per thread).
   */
  WSAGetLastError(): number {
    return this.#lastError;
  }

  /** `void WSASetLastError(int iError)`. */
  WSASetLastError(iError: number): void {
    this.#lastError = iError;
  }

  /** `SOCKET socket(int af, int type, int protocol)`: `INVALID_SOCKET` on failure. */
  socket(af: number, type: number, protocol: number): SOCKET {
    return this.#call(INVALID_SOCKET, () => this.#backend.socket(af, type, protocol));
  }

  /** `int bind(SOCKET s, const sockaddr *name, int namelen)`. */
  bind(s: SOCKET, name: SOCKADDR, namelen: number): number {
    return this.#call(SOCKET_ERROR, () => {
      checkNameLength(name, namelen);
      this.#backend.bind(checkSocket(s), name);
      return 0;
    });
  }

  /** `int listen(SOCKET s, int backlog)`. */
  listen(s: SOCKET, backlog: number): number {
    return this.#call(SOCKET_ERROR, () => {
      this.#backend.listen(checkSocket(s), backlog);
      return 0;
    });
  }

  /**
   * `SOCKET accept(SOCKET s, sockaddr *addr, int *addrlen)`: resolves with the
   * client's socket and fills `addr` (both may be null), or `INVALID_SOCKET`.
   */
  accept(s: SOCKET, addr?: SOCKADDR | null, addrlen?: IntRef | null): Waited<Blocking, SOCKET> {
    return this.#wait(INVALID_SOCKET, () => {
      checkOutName(addr, addrlen);
      const accepted = this.#backend.accept(checkSocket(s));
      const done = ({ socket, address }: Awaited<typeof accepted>) => {
        copyOut(address, addr, addrlen);
        return socket;
      };
      return accepted instanceof Promise ? accepted.then(done) : done(accepted);
    });
  }

  /** `int connect(SOCKET s, const sockaddr *name, int namelen)`. */
  connect(s: SOCKET, name: SOCKADDR, namelen: number): Waited<Blocking, number> {
    return this.#wait(SOCKET_ERROR, () => {
      checkNameLength(name, namelen);
      const connected = this.#backend.connect(checkSocket(s), name);
      return connected instanceof Promise ? connected.then(() => 0) : 0;
    });
  }

  /**
   * `int recv(SOCKET s, char *buf, int len, int flags)`: at most `len` bytes
   * into `buf`; resolves with the count, 0 when the peer closed, or
   * `SOCKET_ERROR`. A `len` beyond `buf` fails with `WSAEFAULT` before any
   * system call.
   */
  recv(s: SOCKET, buf: Uint8Array, len: number, flags: number): Waited<Blocking, number> {
    return this.#wait(SOCKET_ERROR, () => {
      const target = checkLength(buf, len, "recv");
      return this.#backend.recv(checkSocket(s), target, flags);
    });
  }

  /** `int send(SOCKET s, const char *buf, int len, int flags)`: resolves with `len` or `SOCKET_ERROR`. */
  send(s: SOCKET, buf: Uint8Array, len: number, flags: number): Waited<Blocking, number> {
    return this.#wait(SOCKET_ERROR, () => {
      const source = checkLength(buf, len, "send");
      return this.#backend.send(checkSocket(s), source, flags);
    });
  }

  /** `int shutdown(SOCKET s, int how)`: `SD_RECEIVE`, `SD_SEND` or `SD_BOTH`. */
  shutdown(s: SOCKET, how: number): number {
    return this.#call(SOCKET_ERROR, () => {
      this.#backend.shutdown(checkSocket(s), how);
      return 0;
    });
  }

  /**
   * `int ioctlsocket(SOCKET s, long cmd, u_long *argp)`: `FIONBIO` with
   * `argp.value` non-zero makes the socket non-blocking (0: blocking again);
   * `FIONREAD` sets `argp.value` to the bytes one `recv` would take now.
   * Other commands fail with `WSAEOPNOTSUPP`. On a non-blocking socket the
   * calls that wait in C answer at once: `accept` and `recv` with nothing to
   * take, and `send` with no room, fail with `WSAEWOULDBLOCK` (10035); `send`
   * takes what fits and returns that count; `connect` fails with
   * `WSAEWOULDBLOCK` and completes in `select` (`writefds` when connected,
   * `exceptfds` when it failed, `SO_ERROR` saying why). `accept` gives the
   * listener's mode to the socket it returns.
   *
   * @example
   * ```ts
   * import { AF_INET, FIONBIO, MAKEWORD, openWinsock, SOCK_STREAM, WSADATA } from "../mod.ts";
   * const ws = openWinsock({ backend: "deno" });
   * ws.WSAStartup(MAKEWORD(2, 2), new WSADATA());
   * const s = ws.socket(AF_INET, SOCK_STREAM, 0);
   * const iMode = { value: 1 }; // u_long iMode = 1;
   * console.log(ws.ioctlsocket(s, FIONBIO, iMode)); // 0
   * ws.closesocket(s);
   * ws.WSACleanup();
   * ```
   */
  ioctlsocket(s: SOCKET, cmd: number, argp: IntRef): number {
    return this.#call(SOCKET_ERROR, () => {
      const command = cmd >>> 0; // a C long: FIONBIO may arrive as a negative number
      if (command !== FIONBIO && command !== FIONREAD) {
        throw new WinsockError(WSAEOPNOTSUPP, `ioctlsocket: cmd 0x${command.toString(16)}`);
      }
      if (argp === null || typeof argp !== "object" || !Number.isInteger(argp.value)) {
        throw new WinsockError(WSAEFAULT, "ioctlsocket: argp is not a u_long");
      }
      const value = this.#backend.ioctlsocket(checkSocket(s), command, argp.value >>> 0);
      if (command === FIONREAD) argp.value = value;
      return 0;
    });
  }

  /** `int closesocket(SOCKET s)`. */
  closesocket(s: SOCKET): number {
    return this.#call(SOCKET_ERROR, () => {
      this.#backend.closesocket(checkSocket(s));
      this.#engine?.closed(s);
      return 0;
    });
  }

  /**
   * `int select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
   * const timeval *timeout)`: resolves when a socket in the sets is ready
   * (readable: data, a connection to accept, the peer's close or a reset;
   * writable: room to send; except: a failed connect or out-of-band data),
   * or when `timeout` has passed (null: no limit). Each set is left holding
   * only its ready sockets; resolves with how many there are in all, 0 on
   * timeout, or `SOCKET_ERROR`. `nfds` is ignored, as on Windows; no sets at
   * all is `WSAEINVAL`.
   *
   * @example
   * ```ts
   * import { FD_ISSET, FD_SET, fd_set, MAKEWORD, openWinsock, timeval, WSADATA } from "../mod.ts";
   * import { AF_INET, SOCK_STREAM } from "../mod.ts";
   * const ws = openWinsock({ backend: "deno" });
   * ws.WSAStartup(MAKEWORD(2, 2), new WSADATA());
   * const s = ws.socket(AF_INET, SOCK_STREAM, 0);
   * const reads = new fd_set();
   * FD_SET(s, reads);
   * const none = new timeval(); // { 0, 0 }: just look
   * console.log(await ws.select(0, reads, null, null, none), FD_ISSET(s, reads)); // 0 false
   * ws.closesocket(s);
   * ws.WSACleanup();
   * ```
   */
  select(
    nfds: number,
    readfds: fd_set | null,
    writefds: fd_set | null,
    exceptfds: fd_set | null,
    timeout: timeval | null,
  ): Waited<Blocking, number> {
    void nfds;
    return this.#wait(SOCKET_ERROR, () => {
      const asked: SelectSets = {
        read: fdSetSockets(readfds, "readfds"),
        write: fdSetSockets(writefds, "writefds"),
        except: fdSetSockets(exceptfds, "exceptfds"),
      };
      const ms = timeoutMs(timeout);
      if (asked.read.length + asked.write.length + asked.except.length === 0) {
        throw new WinsockError(WSAEINVAL, "select: no sockets in any set");
      }
      const found = (ready: SelectSets) =>
        keepReady(readfds, ready.read) + keepReady(writefds, ready.write) +
        keepReady(exceptfds, ready.except);
      const ready = this.#backend.select(asked, ms);
      return ready instanceof Promise ? ready.then(found) : found(ready);
    });
  }

  /** `int getpeername(SOCKET s, sockaddr *name, int *namelen)`. */
  getpeername(s: SOCKET, name: SOCKADDR, namelen: IntRef): number {
    return this.#call(SOCKET_ERROR, () => {
      checkOutName(name, namelen);
      copyOut(this.#backend.getpeername(checkSocket(s)), name, namelen);
      return 0;
    });
  }

  /** `int getsockname(SOCKET s, sockaddr *name, int *namelen)`. */
  getsockname(s: SOCKET, name: SOCKADDR, namelen: IntRef): number {
    return this.#call(SOCKET_ERROR, () => {
      checkOutName(name, namelen);
      copyOut(this.#backend.getsockname(checkSocket(s)), name, namelen);
      return 0;
    });
  }

  /** `int setsockopt(SOCKET s, int level, int optname, const char *optval, int optlen)`. */
  setsockopt(
    s: SOCKET,
    level: number,
    optname: number,
    optval: Uint8Array,
    optlen: number,
  ): number {
    return this.#call(SOCKET_ERROR, () => {
      const value = checkLength(optval, optlen, "setsockopt");
      this.#backend.setsockopt(checkSocket(s), level | 0, optname | 0, value);
      return 0;
    });
  }

  /** `int getsockopt(SOCKET s, int level, int optname, char *optval, int *optlen)`. */
  getsockopt(
    s: SOCKET,
    level: number,
    optname: number,
    optval: Uint8Array,
    optlen: IntRef,
  ): number {
    return this.#call(SOCKET_ERROR, () => {
      const target = checkLength(optval, optlen?.value, "getsockopt");
      optlen.value = this.#backend.getsockopt(checkSocket(s), level | 0, optname | 0, target);
      return 0;
    });
  }

  /**
   * `int WSAIoctl(SOCKET s, DWORD dwIoControlCode, LPVOID lpvInBuffer, DWORD
   * cbInBuffer, LPVOID lpvOutBuffer, DWORD cbOutBuffer, LPDWORD
   * lpcbBytesReturned, LPWSAOVERLAPPED lpOverlapped,
   * LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine)`, without
   * overlapped I/O (both last arguments null). Real Winsock takes any code;
   * the posix backend translates `SIO_KEEPALIVE_VALS` (a 12-byte
   * `tcp_keepalive`, ms) to `SO_KEEPALIVE`, `TCP_KEEPIDLE` and
   * `TCP_KEEPINTVL` (whole seconds, rounded up) and refuses the rest with
   * `WSAEOPNOTSUPP`, as the deno backend refuses them all. No
   * `lpcbBytesReturned` is `WSAEFAULT`, as in Winsock.
   *
   * @example
   * ```ts
   * import { AF_INET, IPPROTO_TCP, MAKEWORD, openWinsock, SIO_KEEPALIVE_VALS } from "../mod.ts";
   * import { SOCK_STREAM, WSADATA } from "../mod.ts";
   * const ws = openWinsock({ backend: "deno" });
   * ws.WSAStartup(MAKEWORD(2, 2), new WSADATA());
   * const s = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
   * const ka = new Uint8Array(new Uint32Array([1, 7000, 3000]).buffer); // { onoff, time, interval }
   * const returned = { value: 0 };
   * const rc = ws.WSAIoctl(s, SIO_KEEPALIVE_VALS, ka, 12, null, 0, returned, null, null);
   * console.log(rc, ws.WSAGetLastError()); // -1 10045 (the deno backend cannot time keep-alives)
   * ws.closesocket(s);
   * ws.WSACleanup();
   * ```
   */
  WSAIoctl(
    s: SOCKET,
    dwIoControlCode: number,
    lpvInBuffer: Uint8Array | null,
    cbInBuffer: number,
    lpvOutBuffer: Uint8Array | null,
    cbOutBuffer: number,
    lpcbBytesReturned: IntRef | null,
    lpOverlapped: null,
    lpCompletionRoutine: null,
  ): number {
    return this.#call(SOCKET_ERROR, () => {
      const input = checkLength(lpvInBuffer ?? new Uint8Array(0), cbInBuffer, "WSAIoctl");
      const output = checkLength(lpvOutBuffer ?? new Uint8Array(0), cbOutBuffer, "WSAIoctl");
      if (!lpcbBytesReturned) throw new WinsockError(WSAEFAULT, "WSAIoctl: lpcbBytesReturned");
      if (lpOverlapped !== null || lpCompletionRoutine !== null) {
        throw new WinsockError(WSAEINVAL, "WSAIoctl: overlapped I/O is not offered");
      }
      lpcbBytesReturned.value = this.#backend.ioctl(checkSocket(s), dwIoControlCode, input, output);
      return 0;
    });
  }

  // -------------------------------------------------------------------------
  // Datagrams (UDP)

  /**
   * `int sendto(SOCKET s, const char *buf, int len, int flags, const sockaddr *to,
   * int tolen)`: one datagram to `to` (on a connected socket `to` is
   * ignored; null sends to the peer, as `send`); resolves with `len` or
   * `SOCKET_ERROR`. A zero-length datagram is a datagram.
   */
  sendto(
    s: SOCKET,
    buf: Uint8Array,
    len: number,
    flags: number,
    to: SOCKADDR | null,
    tolen: number,
  ): Waited<Blocking, number> {
    return this.#wait(SOCKET_ERROR, () => {
      const source = checkLength(buf, len, "sendto");
      if (to !== null && to !== undefined) checkNameLength(to, tolen);
      return this.#backend.sendto(checkSocket(s), source, flags, to ?? null);
    });
  }

  /**
   * `int recvfrom(SOCKET s, char *buf, int len, int flags, sockaddr *from,
   * int *fromlen)`: one datagram into `buf`, its sender into `from` (both may
   * be null); resolves with its length (0 for an empty datagram). A datagram
   * longer than `len` fills `buf`, the rest is lost, and the call returns
   * `SOCKET_ERROR` with 10040 `WSAEMSGSIZE`, as on Windows.
   *
   * @example
   * ```ts
   * import { AF_INET, MAKEWORD, openWinsock, SOCK_DGRAM, sockaddr_in, WSADATA } from "../mod.ts";
   * import { htons, inet_addr, IPPROTO_UDP, ntohs, sizeof } from "../mod.ts";
   * const ws = openWinsock({ backend: "deno" }); // UDP there: deno.json's "unstable": ["net"]
   * ws.WSAStartup(MAKEWORD(2, 2), new WSADATA());
   * const s = ws.socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
   * const si = new sockaddr_in();
   * si.sin_family = AF_INET;
   * si.sin_addr.S_un.S_addr = inet_addr("127.0.0.1");
   * ws.bind(s, si, sizeof(si));
   * ws.getsockname(s, si, { value: sizeof(si) }); // the port bind chose
   * await ws.sendto(s, new Uint8Array([1, 2, 3]), 3, 0, si, sizeof(si)); // to itself
   * const from = new sockaddr_in();
   * const n = await ws.recvfrom(s, new Uint8Array(1500), 1500, 0, from, { value: sizeof(from) });
   * console.log(n, ntohs(from.sin_port) === ntohs(si.sin_port)); // 3 true
   * ws.closesocket(s);
   * ws.WSACleanup();
   * ```
   */
  recvfrom(
    s: SOCKET,
    buf: Uint8Array,
    len: number,
    flags: number,
    from: SOCKADDR | null,
    fromlen: IntRef | null,
  ): Waited<Blocking, number> {
    return this.#wait(SOCKET_ERROR, () => {
      const target = checkLength(buf, len, "recvfrom");
      checkOutName(from, fromlen);
      const got = this.#backend.recvfrom(checkSocket(s), target, flags);
      const done = ({ count, from: sender, truncated }: Awaited<typeof got>) => {
        if (sender) copyOut(sender, from, fromlen);
        if (truncated) throw new WinsockError(WSAEMSGSIZE, "recvfrom: datagram larger than len");
        return count;
      };
      return got instanceof Promise ? got.then(done) : done(got);
    });
  }

  /**
   * `int WSASendTo(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount, LPDWORD
   * lpNumberOfBytesSent, DWORD dwFlags, const sockaddr *lpTo, int iTolen,
   * LPWSAOVERLAPPED lpOverlapped, LPWSAOVERLAPPED_COMPLETION_ROUTINE
   * lpCompletionRoutine)`: the buffers gathered into one datagram; resolves
   * with 0 (the count in `lpNumberOfBytesSent`) or `SOCKET_ERROR`. Overlapped
   * I/O is not offered: `lpOverlapped` and `lpCompletionRoutine` must be null
   * (else 10045 `WSAEOPNOTSUPP`). winsock calls ws2_32's; the others gather
   * for `sendto`.
   */
  WSASendTo(
    s: SOCKET,
    lpBuffers: WSABUF[],
    dwBufferCount: number,
    lpNumberOfBytesSent: IntRef | null,
    dwFlags: number,
    lpTo: SOCKADDR | null,
    iTolen: number,
    lpOverlapped: null,
    lpCompletionRoutine: null,
  ): Waited<Blocking, number> {
    return this.#wait(SOCKET_ERROR, () => {
      const pieces = wsabufPieces(lpBuffers, dwBufferCount, "WSASendTo");
      noOverlapped(lpOverlapped, lpCompletionRoutine, "WSASendTo");
      if (lpTo !== null && lpTo !== undefined) checkNameLength(lpTo, iTolen);
      const socket = checkSocket(s), to = lpTo ?? null;
      const sent = this.#backend.wsaSendTo?.(socket, pieces, dwFlags, to) ??
        this.#backend.sendto(socket, gather(pieces), dwFlags, to);
      const done = (n: number) => {
        if (lpNumberOfBytesSent) lpNumberOfBytesSent.value = n;
        return 0;
      };
      return sent instanceof Promise ? sent.then(done) : done(sent);
    });
  }

  /**
   * `int WSARecvFrom(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
   * LPDWORD lpNumberOfBytesRecvd, LPDWORD lpFlags, sockaddr *lpFrom, LPINT
   * lpFromlen, LPWSAOVERLAPPED lpOverlapped, LPWSAOVERLAPPED_COMPLETION_ROUTINE
   * lpCompletionRoutine)`: one datagram scattered over the buffers in order;
   * resolves with 0 (the count in `lpNumberOfBytesRecvd`, `lpFlags` 0) or
   * `SOCKET_ERROR`. A datagram longer than all the buffers fills them and is
   * 10040 `WSAEMSGSIZE` (the count then untouched), as ws2_32 answers.
   * Overlapped I/O is not offered (10045 when asked for).
   */
  WSARecvFrom(
    s: SOCKET,
    lpBuffers: WSABUF[],
    dwBufferCount: number,
    lpNumberOfBytesRecvd: IntRef | null,
    lpFlags: IntRef,
    lpFrom: SOCKADDR | null,
    lpFromlen: IntRef | null,
    lpOverlapped: null,
    lpCompletionRoutine: null,
  ): Waited<Blocking, number> {
    return this.#wait(SOCKET_ERROR, () => {
      const pieces = wsabufPieces(lpBuffers, dwBufferCount, "WSARecvFrom");
      noOverlapped(lpOverlapped, lpCompletionRoutine, "WSARecvFrom");
      if (!lpFlags || !Number.isInteger(lpFlags.value)) {
        throw new WinsockError(WSAEFAULT, "WSARecvFrom: lpFlags");
      }
      checkOutName(lpFrom, lpFromlen);
      const socket = checkSocket(s), flags = lpFlags.value;
      let got: Awaitable<Datagram>;
      if (this.#backend.wsaRecvFrom) {
        got = this.#backend.wsaRecvFrom(socket, pieces, flags);
      } else {
        const whole = new Uint8Array(pieces.reduce((n, p) => n + p.byteLength, 0));
        const spread = (d: Datagram) => (scatter(whole.subarray(0, d.count), pieces), d);
        const one = this.#backend.recvfrom(socket, whole, flags);
        got = one instanceof Promise ? one.then(spread) : spread(one);
      }
      const done = ({ count, from, truncated }: Datagram) => {
        if (from) copyOut(from, lpFrom, lpFromlen);
        lpFlags.value = 0;
        if (truncated) {
          throw new WinsockError(WSAEMSGSIZE, "WSARecvFrom: datagram larger than the buffers");
        }
        if (lpNumberOfBytesRecvd) lpNumberOfBytesRecvd.value = count;
        return 0;
      };
      return got instanceof Promise ? got.then(done) : done(got);
    });
  }

  // -------------------------------------------------------------------------
  // Names (lib/names.ts)

  /** Runs a name call: 0, or its error code (also left for `WSAGetLastError`). */
  #answer(call: () => Awaitable<void>): Waited<Blocking, number> {
    const FAILED = -1; // then the code itself is the answer, as C returns it
    if (this.#blocking) {
      const rc = this.#call(FAILED, () => {
        const done = call();
        if (done instanceof Promise) throw new Error("a blocking backend returned a Promise");
        return 0;
      });
      return (rc === FAILED ? this.#lastError : 0) as Waited<Blocking, number>;
    }
    // A failure reaches its task as `#wait`'s do (per task), resolving with the code itself.
    return (this.#wait(FAILED, () => {
      const done = call();
      return done instanceof Promise ? done.then(() => 0) : 0;
    }) as Promise<number>).then((rc) => rc === FAILED ? this.#lastError : 0) as Waited<
      Blocking,
      number
    >;
  }

  /**
   * `INT getaddrinfo(PCSTR pNodeName, PCSTR pServiceName, const ADDRINFOA *pHints,
   * PADDRINFOA *ppResult)`: resolves with 0 and the answers in
   * `ppResult.value` (a list through `ai_next`), or with the error code
   * (`EAI_NONAME` = 11001 `WSAHOST_NOT_FOUND` for a name that does not
   * exist), which `WSAGetLastError()` also returns.
   *
   * @example
   * ```ts
   * import { ADDRINFOA, AF_INET, MAKEWORD, openWinsock, SOCK_STREAM, WSADATA } from "../mod.ts";
   * import { formatAddress } from "../mod.ts";
   * const ws = openWinsock({ backend: "deno" });
   * ws.WSAStartup(MAKEWORD(2, 2), new WSADATA());
   * const hints = new ADDRINFOA();
   * hints.ai_family = AF_INET;
   * hints.ai_socktype = SOCK_STREAM;
   * const result = { value: null as ADDRINFOA | null };
   * console.log(await ws.getaddrinfo("127.0.0.1", "12345", hints, result)); // 0
   * console.log(formatAddress(result.value!.ai_addr!)); // "127.0.0.1:12345"
   * ws.freeaddrinfo(result.value);
   * ws.WSACleanup();
   * ```
   */
  getaddrinfo(
    pNodeName: string | null,
    pServiceName: string | null,
    pHints: ADDRINFOA | null,
    ppResult: AddrinfoRef,
  ): Waited<Blocking, number> {
    return this.#answer(() =>
      callGetaddrinfo(this.#backend, pNodeName, pServiceName, pHints, ppResult)
    );
  }

  /**
   * `VOID freeaddrinfo(PADDRINFOA pAddrInfo)`: nothing to do here — the
   * native list was copied into `ADDRINFOA` objects and freed inside
   * `getaddrinfo` — but kept so code reads as the C does.
   */
  freeaddrinfo(pAddrInfo: ADDRINFOA | null): void {
    void pAddrInfo;
  }

  /**
   * `INT getnameinfo(const SOCKADDR *pSockaddr, socklen_t SockaddrLength,
   * PCHAR pNodeBuffer, DWORD NodeBufferSize, PCHAR pServiceBuffer,
   * DWORD ServiceBufferSize, INT Flags)`: the host and service as C strings
   * (`NI_NUMERICHOST`, `NI_NUMERICSERV`, `NI_NAMEREQD`, …); resolves with 0
   * or the error code (a buffer too small: `WSAEFAULT`).
   */
  getnameinfo(
    pSockaddr: SOCKADDR,
    SockaddrLength: number,
    pNodeBuffer: Uint8Array | null,
    NodeBufferSize: number,
    pServiceBuffer: Uint8Array | null,
    ServiceBufferSize: number,
    Flags: number,
  ): Waited<Blocking, number> {
    return this.#answer(() =>
      callGetnameinfo(
        this.#backend,
        pSockaddr,
        SockaddrLength,
        pNodeBuffer,
        NodeBufferSize,
        pServiceBuffer,
        ServiceBufferSize,
        Flags,
      )
    );
  }

  /**
   * `int gethostname(char *name, int namelen)`: this machine's name as a C
   * string; `SOCKET_ERROR` with `WSAEFAULT` when `namelen` has no room for
   * it and its NUL.
   */
  gethostname(name: Uint8Array, namelen: number): number {
    return this.#call(SOCKET_ERROR, () => {
      callGethostname(this.#backend, name, namelen);
      return 0;
    });
  }

  // -------------------------------------------------------------------------
  // The event select model (lib/events.ts): WSACreateEvent … WSAEnumNetworkEvents.

  #eventApi?: EventSelectBackend;

  /** The backend's event select calls; an emulation wraps the backend on first use. */
  #events(): EventSelectBackend {
    if (!this.#eventApi) {
      const { api, backend } = eventSelectFor(this.#backend, this.#blocking);
      this.#eventApi = api;
      this.#backend = backend;
    }
    return this.#eventApi;
  }

  /** An event-object call: needs no `WSAStartup` (as in C, where it is `CreateEvent`). */
  #eventCall<T>(failed: T, call: (api: EventSelectBackend) => T): T {
    try {
      return call(this.#events());
    } catch (e) {
      this.#fail(e);
      return failed;
    }
  }

  /**
   * `WSAEVENT WSACreateEvent(void)`: a new manual-reset event object, not
   * signalled; `WSA_INVALID_EVENT` on failure.
   *
   * @example
   * ```ts
   * import { MAKEWORD, openWinsock, WSA_WAIT_EVENT_0, WSADATA } from "../mod.ts";
   * const ws = openWinsock({ backend: "deno" });
   * ws.WSAStartup(MAKEWORD(2, 2), new WSADATA());
   * const ev = ws.WSACreateEvent();
   * ws.WSASetEvent(ev);
   * console.log(await ws.WSAWaitForMultipleEvents(1, [ev], false, 0, false) === WSA_WAIT_EVENT_0); // true
   * ws.WSACloseEvent(ev);
   * ws.WSACleanup();
   * ```
   */
  WSACreateEvent(): WSAEVENT {
    return this.#eventCall(WSA_INVALID_EVENT, (api) => api.WSACreateEvent());
  }

  /** `BOOL WSACloseEvent(WSAEVENT hEvent)`: false (`WSA_INVALID_HANDLE`) for a handle that is not one. */
  WSACloseEvent(hEvent: WSAEVENT): boolean {
    return this.#eventCall(false, (api) => (api.WSACloseEvent(checkEvent(hEvent)), true));
  }

  /** `BOOL WSASetEvent(WSAEVENT hEvent)`: signals it; waits on it end. */
  WSASetEvent(hEvent: WSAEVENT): boolean {
    return this.#eventCall(false, (api) => (api.WSASetEvent(checkEvent(hEvent)), true));
  }

  /** `BOOL WSAResetEvent(WSAEVENT hEvent)`: not signalled any more. */
  WSAResetEvent(hEvent: WSAEVENT): boolean {
    return this.#eventCall(false, (api) => (api.WSAResetEvent(checkEvent(hEvent)), true));
  }

  /**
   * `int WSAEventSelect(SOCKET s, WSAEVENT hEventObject, long lNetworkEvents)`:
   * records the `FD_*` events of `lNetworkEvents` on `s` and signals
   * `hEventObject` for them (see `WSAEnumNetworkEvents`); `hEventObject` 0n
   * with 0 cancels. The socket becomes non-blocking (`WSAEWOULDBLOCK`
   * instead of a wait), and a socket `accept`ed from it inherits the
   * selection. 0 or `SOCKET_ERROR`.
   */
  WSAEventSelect(s: SOCKET, hEventObject: WSAEVENT, lNetworkEvents: number): number {
    return this.#call(SOCKET_ERROR, () => {
      const h = hEventObject === WSA_INVALID_EVENT ? hEventObject : checkEvent(hEventObject);
      this.#events().WSAEventSelect(checkSocket(s), h, checkNetworkEvents(lNetworkEvents));
      return 0;
    });
  }

  /**
   * `int WSAEnumNetworkEvents(SOCKET s, WSAEVENT hEventObject,
   * LPWSANETWORKEVENTS lpNetworkEvents)`: fills `lpNetworkEvents` with the
   * events recorded on `s` since the last call (and each one's error code,
   * at its `FD_*_BIT`), clears the record, and resets `hEventObject` (unless
   * 0n). 0 or `SOCKET_ERROR`.
   */
  WSAEnumNetworkEvents(
    s: SOCKET,
    hEventObject: WSAEVENT,
    lpNetworkEvents: WSANETWORKEVENTS,
  ): number {
    return this.#call(SOCKET_ERROR, () => {
      const h = hEventObject === WSA_INVALID_EVENT ? hEventObject : checkEvent(hEventObject);
      copyNetworkEvents(new WSANETWORKEVENTS(), lpNetworkEvents); // check it before
      copyNetworkEvents(this.#events().WSAEnumNetworkEvents(checkSocket(s), h), lpNetworkEvents);
      return 0;
    });
  }

  /**
   * `DWORD WSAWaitForMultipleEvents(DWORD cEvents, const WSAEVENT *lphEvents,
   * BOOL fWaitAll, DWORD dwTimeout, BOOL fAlertable)`: resolves with
   * `WSA_WAIT_EVENT_0` + the index of a signalled event (with `fWaitAll`,
   * once all are), `WSA_WAIT_TIMEOUT` after `dwTimeout` ms (`WSA_INFINITE`:
   * none), or `WSA_WAIT_FAILED` (more than `WSA_MAXIMUM_WAIT_EVENTS`:
   * `WSA_INVALID_PARAMETER`; a bad handle: `WSA_INVALID_HANDLE`). With
   * `fAlertable`, when no event is signalled it also ends by running the
   * completion routines queued for this thread: `WSA_WAIT_IO_COMPLETION`
   * (0xC0), as `SleepEx(…, TRUE)`; on winsock that wait holds the JS thread.
   * An overlapped operation's `hEvent` is one of these events.
   */
  WSAWaitForMultipleEvents(
    cEvents: number,
    lphEvents: readonly WSAEVENT[],
    fWaitAll: boolean,
    dwTimeout: number,
    fAlertable: boolean,
  ): Waited<Blocking, number> {
    return this.#wait(WSA_WAIT_FAILED, () => {
      return waitForMultipleEvents(
        this.#events(),
        cEvents,
        lphEvents,
        fWaitAll,
        dwTimeout,
        fAlertable,
      );
    });
  }

  // -------------------------------------------------------------------------
  // The asynchronous select model (lib/async_select.ts): WSAAsyncSelect, a window, its messages.

  #asyncApi?: AsyncSelectBackend;

  #async(): AsyncSelectBackend {
    const events = this.#events(); // installs the socket emulation where there is one
    return this.#asyncApi ??= asyncSelectFor(this.#backend, events);
  }

  /** A window or message call: needs no `WSAStartup` (it is user32's). */
  #windowCall<T>(failed: T, call: (api: AsyncSelectBackend) => T): T {
    try {
      return call(this.#async());
    } catch (e) {
      this.#fail(e);
      return failed;
    }
  }

  /**
   * The window `WSAAsyncSelect` posts to, as C makes it with
   * `RegisterClassEx` and `CreateWindowEx(…, HWND_MESSAGE, …)`: on Windows a
   * real message-only window, elsewhere a window of the emulated queue. Its
   * messages go to `lpfnWndProc` through `DispatchMessage`; messages it does
   * not handle go to `DefWindowProc`. 0n on failure.
   *
   * @example
   * ```ts
   * import { MSG, openWinsock, WM_USER } from "../mod.ts";
   * const ws = openWinsock({ backend: "deno" });
   * const hWnd = ws.createMessageWindow((hWnd, uMsg, wParam, lParam) => {
   *   if (uMsg === WM_USER) console.log("got", wParam); // got 7n
   *   return uMsg === WM_USER ? 0n : ws.DefWindowProc(hWnd, uMsg, wParam, lParam);
   * });
   * ws.PostMessage(hWnd, WM_USER, 7n, 0n);
   * const msg = new MSG();
   * if (await ws.GetMessage(msg, null, 0, 0) > 0) await ws.DispatchMessage(msg);
   * ws.DestroyWindow(hWnd);
   * ```
   */
  createMessageWindow(lpfnWndProc: WNDPROC): HWND {
    return this.#windowCall(0n, (api) => {
      if (typeof lpfnWndProc !== "function") throw new WinsockError(WSAEINVAL, "not a WNDPROC");
      return api.createWindow(lpfnWndProc);
    });
  }

  /** `BOOL DestroyWindow(HWND hWnd)`. */
  DestroyWindow(hWnd: HWND): boolean {
    return this.#windowCall(false, (api) => (api.DestroyWindow(checkWindow(hWnd, false)), true));
  }

  /**
   * `int WSAAsyncSelect(SOCKET s, HWND hWnd, u_int wMsg, long lEvent)`: posts
   * `wMsg` to `hWnd` for each `FD_*` event of `lEvent` on `s` (`wParam`: the
   * socket; `lParam`: `WSAMAKESELECTREPLY(event, error)`), each recorded
   * once until the call that re-enables it, as `WSAEventSelect` records them;
   * `lEvent` 0 cancels. The socket becomes non-blocking. 0 or `SOCKET_ERROR`.
   */
  WSAAsyncSelect(s: SOCKET, hWnd: HWND, wMsg: number, lEvent: number): number {
    return this.#call(SOCKET_ERROR, () => {
      this.#async().WSAAsyncSelect(
        checkSocket(s),
        checkWindow(hWnd, false),
        checkUint(wMsg, "wMsg"),
        checkNetworkEvents(lEvent),
      );
      return 0;
    });
  }

  /**
   * `BOOL GetMessage(LPMSG lpMsg, HWND hWnd, UINT wMsgFilterMin, UINT
   * wMsgFilterMax)`: resolves when a message for `hWnd` (null: any) in the
   * range (0, 0: all) is there, with 1 and the message in `lpMsg`; 0 for
   * `WM_QUIT`; -1 on failure.
   */
  GetMessage(
    lpMsg: MSG,
    hWnd: HWND | null,
    wMsgFilterMin: number,
    wMsgFilterMax: number,
  ): Waited<Blocking, number> {
    const failed = (e: unknown): Waited<Blocking, number> => {
      if (this.#blocking || !isWinsockError(e)) {
        this.#fail(e);
        return -1 as Waited<Blocking, number>;
      }
      return this.#deliver(e.code, -1) as Waited<Blocking, number>; // per task, as `#wait`
    };
    try {
      checkMessage(lpMsg);
      const got = this.#async().GetMessage(
        checkWindow(hWnd, true),
        checkUint(wMsgFilterMin, "wMsgFilterMin"),
        checkUint(wMsgFilterMax, "wMsgFilterMax"),
      );
      const done = (msg: MSG) => {
        copyMessage(msg, lpMsg);
        return msg.message === WM_QUIT ? 0 : 1;
      };
      if (!(got instanceof Promise)) {
        const n = done(got);
        return (this.#blocking ? n : Promise.resolve(n)) as Waited<Blocking, number>;
      }
      if (this.#blocking) throw new Error("a blocking backend returned a Promise");
      return got.then(done, (e) => failed(e)) as Waited<Blocking, number>;
    } catch (e) {
      return failed(e);
    }
  }

  /**
   * `BOOL PeekMessage(LPMSG lpMsg, HWND hWnd, UINT wMsgFilterMin, UINT
   * wMsgFilterMax, UINT wRemoveMsg)`: true with the message in `lpMsg`
   * (taken out of the queue with `PM_REMOVE`), false when there is none.
   */
  PeekMessage(
    lpMsg: MSG,
    hWnd: HWND | null,
    wMsgFilterMin: number,
    wMsgFilterMax: number,
    wRemoveMsg: number,
  ): boolean {
    return this.#windowCall(false, (api) => {
      checkMessage(lpMsg);
      const msg = api.PeekMessage(
        checkWindow(hWnd, true),
        checkUint(wMsgFilterMin, "wMsgFilterMin"),
        checkUint(wMsgFilterMax, "wMsgFilterMax"),
        (wRemoveMsg & PM_REMOVE) !== 0,
      );
      if (msg) copyMessage(msg, lpMsg);
      return msg !== null;
    });
  }

  /** `BOOL TranslateMessage(const MSG *lpMsg)`: false, as for every message but a key's. */
  TranslateMessage(lpMsg: MSG): boolean {
    return this.#windowCall(false, () => (checkMessage(lpMsg), false));
  }

  /**
   * `LRESULT DispatchMessage(const MSG *lpMsg)`: calls the window procedure
   * of `lpMsg.hwnd` and returns its answer; a Promise if the procedure
   * returned one (await it before the next message, as one window procedure
   * runs at a time in C).
   */
  DispatchMessage(lpMsg: MSG): bigint | Promise<bigint> {
    return this.#windowCall<bigint | Promise<bigint>>(
      0n,
      (api) => api.DispatchMessage(checkMessage(lpMsg)),
    );
  }

  /** `BOOL PostMessage(HWND hWnd, UINT Msg, WPARAM wParam, LPARAM lParam)`. */
  PostMessage(hWnd: HWND | null, Msg: number, wParam: bigint, lParam: bigint): boolean {
    return this.#windowCall(false, (api) => {
      api.PostMessage(
        checkWindow(hWnd, true),
        checkUint(Msg, "Msg"),
        BigInt(wParam),
        BigInt(lParam),
      );
      return true;
    });
  }

  /** `void PostQuitMessage(int nExitCode)`: `GetMessage` answers 0 when it takes it. */
  PostQuitMessage(nExitCode: number): void {
    this.#windowCall(undefined, (api) => api.PostQuitMessage(nExitCode | 0));
  }

  /** `LRESULT DefWindowProc(HWND hWnd, UINT Msg, WPARAM wParam, LPARAM lParam)`. */
  DefWindowProc(hWnd: HWND, Msg: number, wParam: bigint, lParam: bigint): bigint {
    return this.#windowCall(0n, (api) => api.DefWindowProc(hWnd, Msg, wParam, lParam));
  }

  // -------------------------------------------------------------------------
  // Overlapped I/O and completion ports: lib/overlapped.ts, lib/iocp.ts.

  #engine: CompletionEngine | null = null;

  /**
   * The engine, made on first use after the event select implementation
   * (which may wrap the backend): one set of event objects per façade, the
   * ones an operation's `hEvent` names and `WSAWaitForMultipleEvents` waits on.
   */
  get #completion(): CompletionEngine {
    if (!this.#engine) {
      const events = this.#events();
      this.#engine = openCompletionEngine(this.#backend, events);
    }
    return this.#engine;
  }

  /**
   * `SOCKET WSASocketW(int af, int type, int protocol, LPWSAPROTOCOL_INFOW
   * lpProtocolInfo, GROUP g, DWORD dwFlags)`: every socket here is
   * overlapped-capable (`WSA_FLAG_OVERLAPPED`), so this is `socket`;
   * `lpProtocolInfo` must be null and `g` 0.
   */
  WSASocket(
    af: number,
    type: number,
    protocol: number,
    lpProtocolInfo: null,
    g: number,
    dwFlags: number,
  ): SOCKET {
    return this.#call(INVALID_SOCKET, () => {
      if (lpProtocolInfo !== null || g !== 0 || !Number.isInteger(dwFlags)) {
        throw new WinsockError(WSAEINVAL, "WSASocket: lpProtocolInfo must be null, g 0");
      }
      return this.#backend.socket(af, type, protocol);
    });
  }

  /**
   * `int WSARecv(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount, LPDWORD
   * lpNumberOfBytesRecvd, LPDWORD lpFlags, LPWSAOVERLAPPED lpOverlapped,
   * LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine)`, overlapped:
   * 0 when it completed at once (`lpNumberOfBytesRecvd` set; its completion
   * is still queued, its routine still run), else `SOCKET_ERROR` with
   * `WSA_IO_PENDING` (997): the completion comes later (port, event, or
   * routine). `lpOverlapped` is required (without it, use `recv`).
   *
   * @example
   * ```ts
   * import { MAKEWORD, openWinsock, WSABUF, WSADATA, WSAOVERLAPPED } from "../mod.ts";
   * import { AF_INET, SOCK_STREAM } from "../mod.ts";
   * const ws = openWinsock({ backend: "deno" });
   * ws.WSAStartup(MAKEWORD(2, 2), new WSADATA());
   * const s = ws.socket(AF_INET, SOCK_STREAM, 0);
   * const rc = ws.WSARecv(s, [new WSABUF(new Uint8Array(8))], 1, null, { value: 0 }, new WSAOVERLAPPED(), null);
   * console.log(rc, ws.WSAGetLastError()); // -1 10057 (not connected)
   * ws.closesocket(s);
   * ws.WSACleanup();
   * ```
   */
  WSARecv(
    s: SOCKET,
    lpBuffers: WSABUF[],
    dwBufferCount: number,
    lpNumberOfBytesRecvd: IntRef | null,
    lpFlags: IntRef,
    lpOverlapped: WSAOVERLAPPED,
    lpCompletionRoutine: CompletionRoutine | null,
  ): number {
    return this.#call(SOCKET_ERROR, () => {
      const bufs = checkedBuffers(lpBuffers, dwBufferCount);
      if (!lpFlags || !Number.isInteger(lpFlags.value)) {
        throw new WinsockError(WSAEFAULT, "WSARecv: lpFlags");
      }
      checkOverlapped(lpOverlapped, lpCompletionRoutine);
      const n = this.#completion.start(
        false,
        checkSocket(s),
        bufs,
        lpFlags.value,
        lpOverlapped,
        lpCompletionRoutine,
      );
      if (n === null) throw new WinsockError(WSA_IO_PENDING, "WSARecv");
      if (lpNumberOfBytesRecvd) lpNumberOfBytesRecvd.value = n;
      lpFlags.value = 0;
      return 0;
    });
  }

  /**
   * `int WSASend(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount, LPDWORD
   * lpNumberOfBytesSent, DWORD dwFlags, LPWSAOVERLAPPED lpOverlapped,
   * LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine)`, overlapped: as
   * `WSARecv`; the buffers are sent whole, in order.
   */
  WSASend(
    s: SOCKET,
    lpBuffers: WSABUF[],
    dwBufferCount: number,
    lpNumberOfBytesSent: IntRef | null,
    dwFlags: number,
    lpOverlapped: WSAOVERLAPPED,
    lpCompletionRoutine: CompletionRoutine | null,
  ): number {
    return this.#call(SOCKET_ERROR, () => {
      const bufs = checkedBuffers(lpBuffers, dwBufferCount);
      checkOverlapped(lpOverlapped, lpCompletionRoutine);
      const n = this.#completion.start(
        true,
        checkSocket(s),
        bufs,
        dwFlags,
        lpOverlapped,
        lpCompletionRoutine,
      );
      if (n === null) throw new WinsockError(WSA_IO_PENDING, "WSASend");
      if (lpNumberOfBytesSent) lpNumberOfBytesSent.value = n;
      return 0;
    });
  }

  /**
   * `BOOL WSAGetOverlappedResult(SOCKET s, LPWSAOVERLAPPED lpOverlapped,
   * LPDWORD lpcbTransfer, BOOL fWait, LPDWORD lpdwFlags)`: true with the
   * byte count when the operation is done; false with `WSA_IO_INCOMPLETE`
   * (996) while it is not (`fWait` false), or with its error (995 when its
   * socket was closed). With `fWait` true it resolves once the operation is
   * done (a Promise: the wait is the caller's `await`).
   */
  WSAGetOverlappedResult(
    s: SOCKET,
    lpOverlapped: WSAOVERLAPPED,
    lpcbTransfer: IntRef,
    fWait: false,
    lpdwFlags: IntRef,
  ): boolean;
  /** Waiting (`fWait` true): resolves once the operation is done. */
  WSAGetOverlappedResult(
    s: SOCKET,
    lpOverlapped: WSAOVERLAPPED,
    lpcbTransfer: IntRef,
    fWait: true,
    lpdwFlags: IntRef,
  ): Promise<boolean>;
  WSAGetOverlappedResult(
    s: SOCKET,
    lpOverlapped: WSAOVERLAPPED,
    lpcbTransfer: IntRef,
    fWait: boolean,
    lpdwFlags: IntRef,
  ): boolean | Promise<boolean> {
    const now = () =>
      this.#call(false, () => {
        overlappedBytes(lpOverlapped);
        const outcome = this.#completion.result(checkSocket(s), lpOverlapped);
        if (!outcome) throw new WinsockError(WSA_IO_INCOMPLETE, "WSAGetOverlappedResult");
        lpcbTransfer.value = outcome.bytes;
        lpdwFlags.value = outcome.flags;
        if (outcome.error) throw new WinsockError(outcome.error, "overlapped operation");
        return true;
      });
    if (!fWait) return now();
    return (async () => {
      try {
        await this.#completion.done(overlappedBytes(lpOverlapped) && lpOverlapped);
      } catch (e) {
        this.#fail(e);
      }
      const ok = now();
      return ok ? true : this.#deliver(this.#lastError, false);
    })();
  }

  /**
   * `BOOL AcceptEx(SOCKET sListenSocket, SOCKET sAcceptSocket, PVOID
   * lpOutputBuffer, DWORD dwReceiveDataLength, DWORD dwLocalAddressLength,
   * DWORD dwRemoteAddressLength, LPDWORD lpdwBytesReceived, LPOVERLAPPED
   * lpOverlapped)`: accepts the next connection on `sListenSocket` into
   * `sAcceptSocket` (made with `socket`, never bound or connected), with the
   * client's first `dwReceiveDataLength` bytes (0: none) and then the two
   * addresses in `lpOutputBuffer` (read them with `GetAcceptExSockaddrs`).
   * Each address length must be at least 16 more than `sizeof` the address
   * (32 for IPv4). True when done at once, else false with 997; the
   * completion is the listening socket's (its port, or `hEvent`).
   */
  AcceptEx(
    sListenSocket: SOCKET,
    sAcceptSocket: SOCKET,
    lpOutputBuffer: Uint8Array,
    dwReceiveDataLength: number,
    dwLocalAddressLength: number,
    dwRemoteAddressLength: number,
    lpdwBytesReceived: IntRef | null,
    lpOverlapped: WSAOVERLAPPED,
  ): boolean {
    return this.#call(false, () => {
      const lengths = [dwReceiveDataLength, dwLocalAddressLength, dwRemoteAddressLength];
      lengths.forEach((n) => checkUnsigned(n, 32, "AcceptEx: a length"));
      checkLength(lpOutputBuffer, lengths.reduce((a, b) => a + b), "AcceptEx");
      if (
        dwLocalAddressLength < ACCEPTEX_MIN_ADDRESS || dwRemoteAddressLength < ACCEPTEX_MIN_ADDRESS
      ) {
        throw new WinsockError(
          WSAEINVAL,
          `AcceptEx: address lengths below ${ACCEPTEX_MIN_ADDRESS}`,
        );
      }
      checkOverlapped(lpOverlapped, null);
      const n = this.#completion.acceptEx(
        checkSocket(sListenSocket),
        checkSocket(sAcceptSocket),
        lpOutputBuffer,
        dwReceiveDataLength,
        dwLocalAddressLength,
        dwRemoteAddressLength,
        lpOverlapped,
      );
      if (n === null) throw new WinsockError(WSA_IO_PENDING, "AcceptEx");
      if (lpdwBytesReceived) lpdwBytesReceived.value = n;
      return true;
    });
  }

  /**
   * `void GetAcceptExSockaddrs(PVOID lpOutputBuffer, DWORD
   * dwReceiveDataLength, DWORD dwLocalAddressLength, DWORD
   * dwRemoteAddressLength, sockaddr **LocalSockaddr, LPINT
   * LocalSockaddrLength, sockaddr **RemoteSockaddr, LPINT
   * RemoteSockaddrLength)`: the addresses a completed `AcceptEx` left in its
   * buffer (given the same lengths). A buffer that holds none leaves them
   * null and 0.
   */
  GetAcceptExSockaddrs(
    lpOutputBuffer: Uint8Array,
    dwReceiveDataLength: number,
    dwLocalAddressLength: number,
    dwRemoteAddressLength: number,
    LocalSockaddr: { value: SOCKADDR | null },
    LocalSockaddrLength: IntRef,
    RemoteSockaddr: { value: SOCKADDR | null },
    RemoteSockaddrLength: IntRef,
  ): void {
    LocalSockaddr.value = RemoteSockaddr.value = null;
    LocalSockaddrLength.value = RemoteSockaddrLength.value = 0;
    try {
      const lengths = [dwReceiveDataLength, dwLocalAddressLength, dwRemoteAddressLength];
      lengths.forEach((n) => checkUnsigned(n, 32, "GetAcceptExSockaddrs: a length"));
      checkLength(lpOutputBuffer, lengths.reduce((a, b) => a + b), "GetAcceptExSockaddrs");
      const { local, remote } = this.#completion.acceptExSockaddrs(
        lpOutputBuffer,
        dwReceiveDataLength,
        dwLocalAddressLength,
        dwRemoteAddressLength,
      );
      [LocalSockaddr.value, LocalSockaddrLength.value] = [local, sizeof(local)];
      [RemoteSockaddr.value, RemoteSockaddrLength.value] = [remote, sizeof(remote)];
    } catch (e) {
      if (!isWinsockError(e)) throw e;
    }
  }

  /**
   * `HANDLE CreateIoCompletionPort(HANDLE FileHandle, HANDLE
   * ExistingCompletionPort, ULONG_PTR CompletionKey, DWORD
   * NumberOfConcurrentThreads)`: with `FileHandle` `INVALID_HANDLE_VALUE`
   * and no port, a new port; with a socket, associates it with the port
   * (a new one when `ExistingCompletionPort` is null) under `CompletionKey`.
   * Returns the port, or null (`GetLastError()`: 6 for a bad handle, 87 for
   * a socket already associated).
   *
   * @example
   * ```ts
   * import { INVALID_HANDLE_VALUE, MAKEWORD, openWinsock, WSADATA } from "../mod.ts";
   * const ws = openWinsock({ backend: "deno" });
   * ws.WSAStartup(MAKEWORD(2, 2), new WSADATA());
   * const port = ws.CreateIoCompletionPort(INVALID_HANDLE_VALUE, null, 0n, 0);
   * console.log(port !== null, ws.CloseHandle(port!)); // true true
   * ws.WSACleanup();
   * ```
   */
  CreateIoCompletionPort(
    FileHandle: SOCKET | HANDLE,
    ExistingCompletionPort: HANDLE | null,
    CompletionKey: bigint,
    NumberOfConcurrentThreads: number,
  ): HANDLE | null {
    return this.#call(null, () => {
      const file = portFile(FileHandle);
      if (ExistingCompletionPort !== null) checkHandle(ExistingCompletionPort);
      checkUnsigned(CompletionKey, 64, "CompletionKey");
      checkUnsigned(NumberOfConcurrentThreads, 32, "NumberOfConcurrentThreads");
      if (file === null && ExistingCompletionPort !== null) {
        throw new WinsockError(WSA_INVALID_PARAMETER, "a port with no file to associate");
      }
      return this.#completion.createPort(
        file,
        ExistingCompletionPort,
        CompletionKey,
        NumberOfConcurrentThreads,
      );
    });
  }

  /**
   * `BOOL GetQueuedCompletionStatus(HANDLE CompletionPort, LPDWORD
   * lpNumberOfBytesTransferred, PULONG_PTR lpCompletionKey, LPOVERLAPPED
   * *lpOverlapped, DWORD dwMilliseconds)`, awaited: resolves true with a
   * completion's bytes, key and `WSAOVERLAPPED` (null for a posted packet
   * without one); false with `*lpOverlapped` set when that operation failed
   * (`GetLastError()`: its Winsock code, e.g. 10054 or 995); false with
   * `*lpOverlapped` null on timeout (258 `WAIT_TIMEOUT`) or a bad or closed
   * port.
   */
  GetQueuedCompletionStatus(
    CompletionPort: HANDLE,
    lpNumberOfBytesTransferred: IntRef,
    lpCompletionKey: BigIntRef,
    lpOverlapped: OverlappedRef,
    dwMilliseconds: number,
  ): Promise<boolean> {
    lpOverlapped.value = null;
    return this.#dequeue(CompletionPort, 1, dwMilliseconds, ([c]) => {
      lpNumberOfBytesTransferred.value = c.bytes;
      lpCompletionKey.value = c.key;
      lpOverlapped.value = c.ov;
      return c.error;
    });
  }

  /**
   * `BOOL GetQueuedCompletionStatusEx(HANDLE CompletionPort,
   * LPOVERLAPPED_ENTRY lpCompletionPortEntries, ULONG ulCount, PULONG
   * ulNumEntriesRemoved, DWORD dwMilliseconds, BOOL fAlertable)`, awaited:
   * up to `ulCount` completions at once (each entry's `Internal` tells a
   * failed one); false on timeout (258). `fAlertable` must be false.
   */
  GetQueuedCompletionStatusEx(
    CompletionPort: HANDLE,
    lpCompletionPortEntries: OVERLAPPED_ENTRY[],
    ulCount: number,
    ulNumEntriesRemoved: IntRef,
    dwMilliseconds: number,
    fAlertable: boolean,
  ): Promise<boolean> {
    return this.#dequeue(CompletionPort, ulCount, dwMilliseconds, (got) => {
      if (!Array.isArray(lpCompletionPortEntries) || fAlertable) {
        throw new WinsockError(WSA_INVALID_PARAMETER, "GetQueuedCompletionStatusEx");
      }
      fillEntries(lpCompletionPortEntries, got);
      ulNumEntriesRemoved.value = got.length;
      return 0;
    });
  }

  #dequeue(
    port: HANDLE,
    max: number,
    ms: number,
    fill: (got: Completion[]) => number,
  ): Promise<boolean> {
    let dequeued: Promise<Completion[]>;
    try {
      if (this.#startups === 0) throw new WinsockError(WSANOTINITIALISED);
      checkUnsigned(max, 32, "ulCount");
      if (max < 1) throw new WinsockError(WSA_INVALID_PARAMETER, "ulCount 0");
      dequeued = this.#completion.dequeue(checkHandle(port), max, checkMilliseconds(ms));
    } catch (e) {
      if (!isWinsockError(e)) throw e;
      return this.#deliver(e.code, false);
    }
    return dequeued.then((got) => {
      if (got.length === 0) return this.#deliver(WAIT_TIMEOUT, false);
      const error = fill(got);
      return error ? this.#deliver(error, false) : true;
    }, (e) => {
      if (!isWinsockError(e)) throw e;
      return this.#deliver(e.code, false);
    });
  }

  /**
   * `BOOL PostQueuedCompletionStatus(HANDLE CompletionPort, DWORD
   * dwNumberOfBytesTransferred, ULONG_PTR dwCompletionKey, LPOVERLAPPED
   * lpOverlapped)`: queues a packet of one's own (e.g. "stop" for a worker).
   */
  PostQueuedCompletionStatus(
    CompletionPort: HANDLE,
    dwNumberOfBytesTransferred: number,
    dwCompletionKey: bigint,
    lpOverlapped: WSAOVERLAPPED | null,
  ): boolean {
    return this.#call(false, () => {
      checkUnsigned(dwNumberOfBytesTransferred, 32, "dwNumberOfBytesTransferred");
      checkUnsigned(dwCompletionKey, 64, "dwCompletionKey");
      if (lpOverlapped !== null) overlappedBytes(lpOverlapped);
      this.#completion.post(
        checkHandle(CompletionPort),
        dwNumberOfBytesTransferred,
        dwCompletionKey,
        lpOverlapped,
      );
      return true;
    });
  }

  /** `BOOL CloseHandle(HANDLE hObject)`: closes a completion port; its waiters fail. */
  CloseHandle(hObject: HANDLE): boolean {
    return this.#call(false, () => {
      this.#completion.closeHandle(checkHandle(hObject));
      return true;
    });
  }

  /**
   * `DWORD SleepEx(DWORD dwMilliseconds, BOOL bAlertable)`: the alertable
   * wait. Alertable, it runs the completion routines queued on this thread
   * and resolves `WAIT_IO_COMPLETION` (0xC0) as soon as any have run, else 0
   * after `dwMilliseconds`. On winsock it is the real `SleepEx`, holding the
   * JavaScript thread as in C (resolved when it returns); on posix and deno
   * the wait is the `await` (completions arrive through the event loop).
   */
  SleepEx(dwMilliseconds: number, bAlertable: boolean): Promise<number> {
    try {
      return this.#completion.sleepEx(checkMilliseconds(dwMilliseconds), bAlertable === true);
    } catch (e) {
      if (!isWinsockError(e)) throw e;
      return this.#deliver(e.code, 0);
    }
  }

  /** `DWORD GetLastError(void)`: on Windows the same per-thread code as `WSAGetLastError()`. */
  GetLastError(): number {
    return this.#lastError;
  }
}
