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

import type { Awaitable, BackendName, SelectSets, SocketBackend, WaitStats } from "./backend.ts";
import {
  FD_SETSIZE,
  FIONBIO,
  FIONREAD,
  INVALID_SOCKET,
  type SOCKET,
  SOCKET_ERROR,
} from "./constants.ts";
import {
  isWinsockError,
  WinsockError,
  WSAEFAULT,
  WSAEINVAL,
  WSAENOTSOCK,
  WSAEOPNOTSUPP,
  WSANOTINITIALISED,
} from "./errors.ts";
import {
  fd_set,
  sizeof,
  type SOCKADDR,
  sockaddr_in6,
  SOCKADDR_IN_LAYOUT,
  timeval,
  WSADATA,
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
    const caught = (e: unknown) => {
      this.#fail(e);
      return failed;
    };
    let answer: Promise<T>;
    try {
      if (this.#startups === 0) throw new WinsockError(WSANOTINITIALISED);
      const result = call();
      answer = result instanceof Promise ? result.catch(caught) : Promise.resolve(result);
    } catch (e) {
      answer = Promise.resolve().then(() => caught(e));
    }
    return answer as Waited<Blocking, T>;
  }

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

  /** `int WSAGetLastError(void)`: the code of the last call that failed. */
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
      this.#backend.setsockopt(checkSocket(s), level, optname, value);
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
      optlen.value = this.#backend.getsockopt(checkSocket(s), level, optname, target);
      return 0;
    });
  }
}
