/**
 * The typed façade, the TypeScript `winsock2.h`: the Winsock API with C names
 * and C semantics, each call with its C prototype, in the tutorial's chapter
 * order. Calls return what C returns (`0`, `SOCKET_ERROR`, `INVALID_SOCKET`,
 * a count) and set the code `WSAGetLastError()` reads; the calls that block
 * in C (`accept`, `connect`, `recv`, `send`, `select`) return Promises,
 * except on the raw synchronous path (`Winsock<true>`), where they return
 * what C returns, as C does. Every length handed in is checked against its
 * buffer before any backend sees it.
 *
 * Each call is carried by its family's object (`lib/facade/`), all sharing
 * one core (the backend's socket calls, the last error).
 *
 * @module
 */

import type {
  BackendName,
  CompletionEngine,
  CompletionRoutine,
  SocketBackend,
  WaitStats,
  WNDPROC,
} from "./backends/contract.ts";
import type { HANDLE, HWND, SOCKET, WSAEVENT } from "./constants.ts";
import type { OVERLAPPED_ENTRY, WSAOVERLAPPED } from "./overlapped_structs.ts";
import type {
  ADDRINFOA,
  fd_set,
  MSG,
  SOCKADDR,
  timeval,
  WSABUF,
  WSADATA,
  WSANETWORKEVENTS,
} from "./structs.ts";
import type { AddrinfoRef } from "./names.ts";
import { type BigIntRef, type IntRef, notOffered, type OverlappedRef } from "./facade/checks.ts";
import { Core, type Waited } from "./facade/core.ts";
import { Sockets } from "./facade/sockets.ts";
import { Datagrams } from "./facade/datagrams.ts";
import { Names } from "./facade/names.ts";
import { EventSelect } from "./facade/event_select.ts";
import { AsyncSelect } from "./facade/async_select.ts";
import { Overlapped } from "./facade/overlapped.ts";
import { CompletionPorts } from "./facade/completion_ports.ts";

export type { BigIntRef, IntRef, OverlappedRef } from "./facade/checks.ts";
export type { Waited } from "./facade/core.ts";

/**
 * Winsock, as a C programmer knows it, over one backend. `Blocking` says
 * whether the calls that block in C return Promises (`false`, the default)
 * or their values (`true`: `openWinsock({ blocking: true })`).
 *
 * @example
 * ```ts
 * import { MAKEWORD, openWinsock, WSADATA } from "@winsock/tutorial";
 * const ws = openWinsock({ backend: "deno" });
 * const data = new WSADATA();
 * console.log(ws.WSAStartup(MAKEWORD(2, 2), data), data.szDescription); // 0 "WinSock 2.0"
 * ws.WSACleanup();
 * ```
 */
export class Winsock<Blocking extends boolean = false> {
  #core: Core<Blocking>;
  #sockets: Sockets<Blocking>;
  #datagrams: Datagrams<Blocking>;
  #names: Names<Blocking>;
  #eventSelect: EventSelect<Blocking>;
  #asyncSelect: AsyncSelect<Blocking>;
  #overlapped: Overlapped<Blocking>;
  #completionPorts: CompletionPorts<Blocking>;

  /**
   * Over `backend`; use `openWinsock`, which picks the backend and fills in
   * each model it lacks (event select, asynchronous select, overlapped I/O
   * with completion ports) with its emulation. Here the calls of a model
   * `backend` lacks fail with `WSAEOPNOTSUPP`. `blocking` must be what the
   * backend was made with.
   */
  constructor(backend: SocketBackend, blocking: Blocking = false as Blocking) {
    const core = this.#core = new Core(backend, blocking);
    const completion = (): CompletionEngine =>
      backend.completion?.() ?? notOffered("overlapped I/O");
    this.#sockets = new Sockets(core);
    this.#datagrams = new Datagrams(core);
    this.#names = new Names(core);
    this.#eventSelect = new EventSelect(core, backend.eventSelect);
    this.#asyncSelect = new AsyncSelect(core, backend.asyncSelect);
    this.#overlapped = new Overlapped(core, completion);
    this.#completionPorts = new CompletionPorts(core, completion);
  }

  /** Which backend carries the calls. */
  get backend(): BackendName {
    return this.#core.backend.name;
  }

  /**
   * The readiness waits the backend has made: in flight now, the most at
   * once, in all (`null` for the deno backend, which waits through Deno).
   * A non-blocking FFI backend keeps one pending wait for all its sockets.
   */
  waitStats(): WaitStats | null {
    return this.#core.backend.waitStats?.() ?? null;
  }

  // Startup, cleanup and the last error.

  /**
   * `int WSAStartup(WORD wVersionRequested, LPWSADATA lpWSAData)`: returns 0
   * and fills `lpWSAData`, or returns the error code itself.
   */
  WSAStartup(wVersionRequested: number, lpWSAData: WSADATA): number {
    return this.#core.WSAStartup(wVersionRequested, lpWSAData);
  }

  /** `int WSACleanup(void)`: the last call closes every socket left open. */
  WSACleanup(): number {
    return this.#core.WSACleanup();
  }

  /**
   * `int WSAGetLastError(void)`: the code of the last call that failed, per
   * task: right after an `await`, the awaited call's code, whatever other
   * tasks failed meanwhile (as C's last error is per thread).
   */
  WSAGetLastError(): number {
    return this.#core.lastError;
  }

  /** `void WSASetLastError(int iError)`. */
  WSASetLastError(iError: number): void {
    this.#core.lastError = iError;
  }

  /** `DWORD GetLastError(void)`: on Windows the same per-thread code as `WSAGetLastError()`. */
  GetLastError(): number {
    return this.#core.lastError;
  }

  // Sockets.

  /** `SOCKET socket(int af, int type, int protocol)`: `INVALID_SOCKET` on failure. */
  socket(af: number, type: number, protocol: number): SOCKET {
    return this.#sockets.socket(af, type, protocol);
  }

  /** `int bind(SOCKET s, const sockaddr *name, int namelen)`. */
  bind(s: SOCKET, name: SOCKADDR, namelen: number): number {
    return this.#sockets.bind(s, name, namelen);
  }

  /** `int listen(SOCKET s, int backlog)`. */
  listen(s: SOCKET, backlog: number): number {
    return this.#sockets.listen(s, backlog);
  }

  /**
   * `SOCKET accept(SOCKET s, sockaddr *addr, int *addrlen)`: resolves with the
   * client's socket and fills `addr` (both may be null), or `INVALID_SOCKET`.
   */
  accept(s: SOCKET, addr?: SOCKADDR | null, addrlen?: IntRef | null): Waited<Blocking, SOCKET> {
    return this.#sockets.accept(s, addr, addrlen);
  }

  /** `int connect(SOCKET s, const sockaddr *name, int namelen)`. */
  connect(s: SOCKET, name: SOCKADDR, namelen: number): Waited<Blocking, number> {
    return this.#sockets.connect(s, name, namelen);
  }

  /**
   * `int recv(SOCKET s, char *buf, int len, int flags)`: at most `len` bytes
   * into `buf`; resolves with the count, 0 when the peer closed, or
   * `SOCKET_ERROR`. A `len` beyond `buf` fails with `WSAEFAULT` before any
   * system call.
   */
  recv(s: SOCKET, buf: Uint8Array, len: number, flags: number): Waited<Blocking, number> {
    return this.#sockets.recv(s, buf, len, flags);
  }

  /** `int send(SOCKET s, const char *buf, int len, int flags)`: resolves with `len` or `SOCKET_ERROR`. */
  send(s: SOCKET, buf: Uint8Array, len: number, flags: number): Waited<Blocking, number> {
    return this.#sockets.send(s, buf, len, flags);
  }

  /** `int shutdown(SOCKET s, int how)`: `SD_RECEIVE`, `SD_SEND` or `SD_BOTH`. */
  shutdown(s: SOCKET, how: number): number {
    return this.#sockets.shutdown(s, how);
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
   * import {
   *   AF_INET, FIONBIO, MAKEWORD, openWinsock, SOCK_STREAM, WSADATA,
   * } from "@winsock/tutorial";
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
    return this.#sockets.ioctlsocket(s, cmd, argp);
  }

  /** `int closesocket(SOCKET s)`. */
  closesocket(s: SOCKET): number {
    return this.#sockets.closesocket(s);
  }

  /** `int getpeername(SOCKET s, sockaddr *name, int *namelen)`. */
  getpeername(s: SOCKET, name: SOCKADDR, namelen: IntRef): number {
    return this.#sockets.getpeername(s, name, namelen);
  }

  /** `int getsockname(SOCKET s, sockaddr *name, int *namelen)`. */
  getsockname(s: SOCKET, name: SOCKADDR, namelen: IntRef): number {
    return this.#sockets.getsockname(s, name, namelen);
  }

  /** `int setsockopt(SOCKET s, int level, int optname, const char *optval, int optlen)`. */
  setsockopt(
    s: SOCKET,
    level: number,
    optname: number,
    optval: Uint8Array,
    optlen: number,
  ): number {
    return this.#sockets.setsockopt(s, level, optname, optval, optlen);
  }

  /** `int getsockopt(SOCKET s, int level, int optname, char *optval, int *optlen)`. */
  getsockopt(
    s: SOCKET,
    level: number,
    optname: number,
    optval: Uint8Array,
    optlen: IntRef,
  ): number {
    return this.#sockets.getsockopt(s, level, optname, optval, optlen);
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
   * import {
   *   AF_INET, IPPROTO_TCP, MAKEWORD, openWinsock, SIO_KEEPALIVE_VALS, SOCK_STREAM, WSADATA,
   * } from "@winsock/tutorial";
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
    return this.#sockets.WSAIoctl(
      s,
      dwIoControlCode,
      lpvInBuffer,
      cbInBuffer,
      lpvOutBuffer,
      cbOutBuffer,
      lpcbBytesReturned,
      lpOverlapped,
      lpCompletionRoutine,
    );
  }

  // Select.

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
   * import {
   *   AF_INET, FD_ISSET, FD_SET, fd_set, MAKEWORD, openWinsock, SOCK_STREAM, timeval, WSADATA,
   * } from "@winsock/tutorial";
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
    return this.#sockets.select(nfds, readfds, writefds, exceptfds, timeout);
  }

  // Datagrams (UDP).

  /**
   * `int sendto(SOCKET s, const char *buf, int len, int flags, const sockaddr *to,
   * int tolen)`: one datagram to `to` (on a connected UDP socket `to`
   * overrides the peer for this datagram, on TCP it is ignored; null sends
   * to the peer, as `send`); resolves with `len` or `SOCKET_ERROR`. A
   * zero-length datagram is a datagram.
   */
  sendto(
    s: SOCKET,
    buf: Uint8Array,
    len: number,
    flags: number,
    to: SOCKADDR | null,
    tolen: number,
  ): Waited<Blocking, number> {
    return this.#datagrams.sendto(s, buf, len, flags, to, tolen);
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
   * import {
   *   AF_INET, htons, inet_addr, IPPROTO_UDP, MAKEWORD, ntohs, openWinsock, sizeof, SOCK_DGRAM,
   *   sockaddr_in, WSADATA,
   * } from "@winsock/tutorial";
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
    return this.#datagrams.recvfrom(s, buf, len, flags, from, fromlen);
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
    return this.#datagrams.WSASendTo(
      s,
      lpBuffers,
      dwBufferCount,
      lpNumberOfBytesSent,
      dwFlags,
      lpTo,
      iTolen,
      lpOverlapped,
      lpCompletionRoutine,
    );
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
    return this.#datagrams.WSARecvFrom(
      s,
      lpBuffers,
      dwBufferCount,
      lpNumberOfBytesRecvd,
      lpFlags,
      lpFrom,
      lpFromlen,
      lpOverlapped,
      lpCompletionRoutine,
    );
  }

  // Names.

  /**
   * `INT getaddrinfo(PCSTR pNodeName, PCSTR pServiceName, const ADDRINFOA *pHints,
   * PADDRINFOA *ppResult)`: resolves with 0 and the answers in
   * `ppResult.value` (a list through `ai_next`), or with the error code
   * (`EAI_NONAME` = 11001 `WSAHOST_NOT_FOUND` for a name that does not
   * exist), which `WSAGetLastError()` also returns.
   *
   * @example
   * ```ts
   * import {
   *   ADDRINFOA, AF_INET, formatAddress, MAKEWORD, openWinsock, SOCK_STREAM, WSADATA,
   * } from "@winsock/tutorial";
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
    return this.#names.getaddrinfo(pNodeName, pServiceName, pHints, ppResult);
  }

  /**
   * `VOID freeaddrinfo(PADDRINFOA pAddrInfo)`: nothing to do here — the
   * native list was copied into `ADDRINFOA` objects and freed inside
   * `getaddrinfo` — but kept so code reads as the C does.
   */
  freeaddrinfo(pAddrInfo: ADDRINFOA | null): void {
    return this.#names.freeaddrinfo(pAddrInfo);
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
    return this.#names.getnameinfo(
      pSockaddr,
      SockaddrLength,
      pNodeBuffer,
      NodeBufferSize,
      pServiceBuffer,
      ServiceBufferSize,
      Flags,
    );
  }

  /**
   * `int gethostname(char *name, int namelen)`: this machine's name as a C
   * string; `SOCKET_ERROR` with `WSAEFAULT` when `namelen` has no room for
   * it and its NUL.
   */
  gethostname(name: Uint8Array, namelen: number): number {
    return this.#names.gethostname(name, namelen);
  }

  // Event select.

  /**
   * `WSAEVENT WSACreateEvent(void)`: a new manual-reset event object, not
   * signalled; `WSA_INVALID_EVENT` on failure.
   *
   * @example
   * ```ts
   * import { MAKEWORD, openWinsock, WSA_WAIT_EVENT_0, WSADATA } from "@winsock/tutorial";
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
    return this.#eventSelect.WSACreateEvent();
  }

  /** `BOOL WSACloseEvent(WSAEVENT hEvent)`: false (`WSA_INVALID_HANDLE`) for a handle that is not one. */
  WSACloseEvent(hEvent: WSAEVENT): boolean {
    return this.#eventSelect.WSACloseEvent(hEvent);
  }

  /** `BOOL WSASetEvent(WSAEVENT hEvent)`: signals it; waits on it end. */
  WSASetEvent(hEvent: WSAEVENT): boolean {
    return this.#eventSelect.WSASetEvent(hEvent);
  }

  /** `BOOL WSAResetEvent(WSAEVENT hEvent)`: not signalled any more. */
  WSAResetEvent(hEvent: WSAEVENT): boolean {
    return this.#eventSelect.WSAResetEvent(hEvent);
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
    return this.#eventSelect.WSAEventSelect(s, hEventObject, lNetworkEvents);
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
    return this.#eventSelect.WSAEnumNetworkEvents(s, hEventObject, lpNetworkEvents);
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
    return this.#eventSelect.WSAWaitForMultipleEvents(
      cEvents,
      lphEvents,
      fWaitAll,
      dwTimeout,
      fAlertable,
    );
  }

  // Asynchronous select.

  /**
   * The window `WSAAsyncSelect` posts to, as C makes it with
   * `RegisterClassEx` and `CreateWindowEx(…, HWND_MESSAGE, …)`: on Windows a
   * real message-only window, elsewhere a window of the emulated queue. Its
   * messages go to `lpfnWndProc` through `DispatchMessage`; messages it does
   * not handle go to `DefWindowProc`. 0n on failure.
   *
   * @example
   * ```ts
   * import { MSG, openWinsock, WM_USER } from "@winsock/tutorial";
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
    return this.#asyncSelect.createMessageWindow(lpfnWndProc);
  }

  /** `BOOL DestroyWindow(HWND hWnd)`. */
  DestroyWindow(hWnd: HWND): boolean {
    return this.#asyncSelect.DestroyWindow(hWnd);
  }

  /**
   * `int WSAAsyncSelect(SOCKET s, HWND hWnd, u_int wMsg, long lEvent)`: posts
   * `wMsg` to `hWnd` for each `FD_*` event of `lEvent` on `s` (`wParam`: the
   * socket; `lParam`: `WSAMAKESELECTREPLY(event, error)`), each recorded
   * once until the call that re-enables it, as `WSAEventSelect` records them;
   * `lEvent` 0 cancels. The socket becomes non-blocking. 0 or `SOCKET_ERROR`.
   */
  WSAAsyncSelect(s: SOCKET, hWnd: HWND, wMsg: number, lEvent: number): number {
    return this.#asyncSelect.WSAAsyncSelect(s, hWnd, wMsg, lEvent);
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
    return this.#asyncSelect.GetMessage(lpMsg, hWnd, wMsgFilterMin, wMsgFilterMax);
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
    return this.#asyncSelect.PeekMessage(lpMsg, hWnd, wMsgFilterMin, wMsgFilterMax, wRemoveMsg);
  }

  /** `BOOL TranslateMessage(const MSG *lpMsg)`: false, as for every message but a key's. */
  TranslateMessage(lpMsg: MSG): boolean {
    return this.#asyncSelect.TranslateMessage(lpMsg);
  }

  /**
   * `LRESULT DispatchMessage(const MSG *lpMsg)`: calls the window procedure
   * of `lpMsg.hwnd` and returns its answer; a Promise if the procedure
   * returned one (await it before the next message, as one window procedure
   * runs at a time in C).
   */
  DispatchMessage(lpMsg: MSG): bigint | Promise<bigint> {
    return this.#asyncSelect.DispatchMessage(lpMsg);
  }

  /** `BOOL PostMessage(HWND hWnd, UINT Msg, WPARAM wParam, LPARAM lParam)`. */
  PostMessage(hWnd: HWND | null, Msg: number, wParam: bigint, lParam: bigint): boolean {
    return this.#asyncSelect.PostMessage(hWnd, Msg, wParam, lParam);
  }

  /** `void PostQuitMessage(int nExitCode)`: `GetMessage` answers 0 when it takes it. */
  PostQuitMessage(nExitCode: number): void {
    return this.#asyncSelect.PostQuitMessage(nExitCode);
  }

  /** `LRESULT DefWindowProc(HWND hWnd, UINT Msg, WPARAM wParam, LPARAM lParam)`. */
  DefWindowProc(hWnd: HWND, Msg: number, wParam: bigint, lParam: bigint): bigint {
    return this.#asyncSelect.DefWindowProc(hWnd, Msg, wParam, lParam);
  }

  // Overlapped I/O.

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
    return this.#overlapped.WSASocket(af, type, protocol, lpProtocolInfo, g, dwFlags);
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
   * import {
   *   AF_INET, MAKEWORD, openWinsock, SOCK_STREAM, WSABUF, WSADATA, WSAOVERLAPPED,
   * } from "@winsock/tutorial";
   * const ws = openWinsock({ backend: "deno" });
   * ws.WSAStartup(MAKEWORD(2, 2), new WSADATA());
   * const s = ws.socket(AF_INET, SOCK_STREAM, 0);
   * const bufs = [new WSABUF(new Uint8Array(8))];
   * const rc = ws.WSARecv(s, bufs, 1, null, { value: 0 }, new WSAOVERLAPPED(), null);
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
    return this.#overlapped.WSARecv(
      s,
      lpBuffers,
      dwBufferCount,
      lpNumberOfBytesRecvd,
      lpFlags,
      lpOverlapped,
      lpCompletionRoutine,
    );
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
    return this.#overlapped.WSASend(
      s,
      lpBuffers,
      dwBufferCount,
      lpNumberOfBytesSent,
      dwFlags,
      lpOverlapped,
      lpCompletionRoutine,
    );
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
    return this.#overlapped.WSAGetOverlappedResult(s, lpOverlapped, lpcbTransfer, fWait, lpdwFlags);
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
    return this.#overlapped.AcceptEx(
      sListenSocket,
      sAcceptSocket,
      lpOutputBuffer,
      dwReceiveDataLength,
      dwLocalAddressLength,
      dwRemoteAddressLength,
      lpdwBytesReceived,
      lpOverlapped,
    );
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
    return this.#overlapped.GetAcceptExSockaddrs(
      lpOutputBuffer,
      dwReceiveDataLength,
      dwLocalAddressLength,
      dwRemoteAddressLength,
      LocalSockaddr,
      LocalSockaddrLength,
      RemoteSockaddr,
      RemoteSockaddrLength,
    );
  }

  // Completion ports.

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
   * import { INVALID_HANDLE_VALUE, MAKEWORD, openWinsock, WSADATA } from "@winsock/tutorial";
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
    return this.#completionPorts.CreateIoCompletionPort(
      FileHandle,
      ExistingCompletionPort,
      CompletionKey,
      NumberOfConcurrentThreads,
    );
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
    return this.#completionPorts.GetQueuedCompletionStatus(
      CompletionPort,
      lpNumberOfBytesTransferred,
      lpCompletionKey,
      lpOverlapped,
      dwMilliseconds,
    );
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
    return this.#completionPorts.GetQueuedCompletionStatusEx(
      CompletionPort,
      lpCompletionPortEntries,
      ulCount,
      ulNumEntriesRemoved,
      dwMilliseconds,
      fAlertable,
    );
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
    return this.#completionPorts.PostQueuedCompletionStatus(
      CompletionPort,
      dwNumberOfBytesTransferred,
      dwCompletionKey,
      lpOverlapped,
    );
  }

  /** `BOOL CloseHandle(HANDLE hObject)`: closes a completion port; its waiters fail. */
  CloseHandle(hObject: HANDLE): boolean {
    return this.#completionPorts.CloseHandle(hObject);
  }

  /**
   * `DWORD SleepEx(DWORD dwMilliseconds, BOOL bAlertable)`: the alertable
   * wait. Alertable, it runs the completion routines queued on this thread
   * and resolves `WAIT_IO_COMPLETION` (0xC0) as soon as any have run, else 0
   * after `dwMilliseconds`. On winsock it is the real `SleepEx`, holding the
   * JavaScript thread as in C (resolved when it returns); on posix and deno
   * the wait is the `await` (completions arrive through the event loop), and
   * `SleepEx(0, …)`, which gives up the rest of the time slice, gives up one
   * turn of the event loop.
   */
  SleepEx(dwMilliseconds: number, bAlertable: boolean): Promise<number> {
    return this.#completionPorts.SleepEx(dwMilliseconds, bAlertable);
  }
}
