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
import type { Awaitable, BackendName, SelectSets, SocketBackend, WaitStats } from "./backend.ts";
import {
  FD_SETSIZE,
  type HANDLE,
  INVALID_SOCKET,
  type SOCKET,
  SOCKET_ERROR,
  WAIT_TIMEOUT,
} from "./constants.ts";
import {
  isWinsockError,
  WinsockError,
  WSA_INVALID_PARAMETER,
  WSA_IO_INCOMPLETE,
  WSA_IO_PENDING,
  WSAEFAULT,
  WSAEINVAL,
  WSAENOTSOCK,
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
  WSABUF,
  WSAOVERLAPPED,
} from "./overlapped_structs.ts";
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

  // -------------------------------------------------------------------------
  // Overlapped I/O and completion ports: lib/overlapped.ts, lib/iocp.ts.

  #engine: CompletionEngine | null = null;

  get #completion(): CompletionEngine {
    return this.#engine ??= openCompletionEngine(this.#backend);
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
