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
  type HWND,
  INVALID_SOCKET,
  PM_REMOVE,
  type SOCKET,
  SOCKET_ERROR,
  WM_QUIT,
  WSA_INVALID_EVENT,
  WSA_WAIT_FAILED,
  type WSAEVENT,
} from "./constants.ts";
import {
  isWinsockError,
  WinsockError,
  WSAEFAULT,
  WSAEINVAL,
  WSAEMSGSIZE,
  WSAENOTSOCK,
  WSANOTINITIALISED,
} from "./errors.ts";
import { gather, noOverlapped, scatter, wsabufPieces } from "./datagrams.ts";
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
    const caught = (e: unknown) => {
      if (!isWinsockError(e)) throw e;
      return this.#deliver(e.code, failed);
    };
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
    const failed = (e: unknown) => {
      this.#fail(e);
      return (e as WinsockError).code;
    };
    let result: Awaitable<number>;
    try {
      if (this.#startups === 0) throw new WinsockError(WSANOTINITIALISED);
      const done = call();
      result = done instanceof Promise ? done.then(() => 0, failed) : 0;
    } catch (e) {
      result = failed(e);
    }
    if (this.#blocking && result instanceof Promise) {
      throw new Error("a blocking backend returned a Promise");
    }
    return (this.#blocking ? result : Promise.resolve(result)) as Waited<Blocking, number>;
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
   * `WSA_INVALID_PARAMETER`; a bad handle: `WSA_INVALID_HANDLE`).
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
      this.#fail(e);
      return (this.#blocking ? -1 : Promise.resolve(-1)) as Waited<Blocking, number>;
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
}
