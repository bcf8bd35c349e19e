/**
 * The one interface every backend implements. Backends speak Winsock values
 * (families, options, error codes) and throw {@linkcode WinsockError} on
 * failure; the C-shaped façade (`Winsock` in `winsock.ts`) turns that into
 * return codes and `WSAGetLastError()`.
 *
 * @module
 */

import type { HANDLE, HWND, SOCKET, WSAEVENT } from "../constants.ts";
import { WinsockError, WSAVERNOTSUPPORTED } from "../errors.ts";
import { HIBYTE, LOBYTE, MAKEWORD } from "../helpers.ts";
import {
  type ADDRINFOA,
  type MSG,
  type SOCKADDR,
  WSADATA,
  type WSANETWORKEVENTS,
} from "../structs.ts";
import type { WSAOVERLAPPED } from "../overlapped_structs.ts";
import type { SpinSetting } from "./reactor/policy.ts";

/** The backends: real Winsock, libc's BSD sockets, or Deno's own sockets. */
export type BackendName = "winsock" | "posix" | "deno";

/** The sockets `select` asks about, or (its answer) the ones found ready. */
export interface SelectSets {
  /** Readable: data, a pending connection, the peer's close, or a reset. */
  read: SOCKET[];
  /** Writable: connected, with room to send. */
  write: SOCKET[];
  /** Exceptional: out-of-band data, or a failed connect. */
  except: SOCKET[];
}

/** The readiness waits (pending `poll`/`WSAPoll` calls) a backend has made. */
export interface WaitStats {
  /** Waits in flight now. */
  pending: number;
  /** The most ever in flight at once. */
  peak: number;
  /** Waits made in all. */
  total: number;
}

/**
 * A result now, or later: a backend answers at once (no Promise, no
 * microtask) when the call did not have to wait.
 */
export type Awaitable<T> = T | Promise<T>;

/**
 * What a waited call's Promise resolves with when the call fails after a
 * wait, instead of rejecting (the façade's handler: it hands the code to the
 * task). It may throw, to reject after all.
 */
export type Recover<T> = (error: unknown) => Awaitable<T>;

/** `answer`, its rejection (if a Promise) handed to `recover` (if any). */
export function recovering<T>(answer: Awaitable<T>, recover?: Recover<T>): Awaitable<T> {
  return recover && answer instanceof Promise ? answer.then(undefined, recover) : answer;
}

/** What a backend provides. Every failing call throws a `WinsockError`. */
export interface SocketBackend {
  /** Which backend this is. */
  readonly name: BackendName;
  /** `WSAStartup`: negotiates the version; throws with the code WSAStartup returns. */
  startup(wVersionRequested: number): WSADATA;
  /** `WSACleanup`: the last one closes every socket still open. */
  cleanup(): void;
  /** `socket`. */
  socket(af: number, type: number, protocol: number): SOCKET;
  /** `bind`. */
  bind(s: SOCKET, name: SOCKADDR): void;
  /** `listen`. */
  listen(s: SOCKET, backlog: number): void;
  /** `accept`: resolves when a client has connected. */
  accept(s: SOCKET): Awaitable<{ socket: SOCKET; address: SOCKADDR }>;
  /** `connect`: resolves when connected. */
  connect(s: SOCKET, name: SOCKADDR): Awaitable<void>;
  /**
   * `recv` into all of `buf`: resolves with the count, 0 at orderly close.
   * With `recover`, a failure after a wait resolves with `recover(error)`.
   */
  recv(s: SOCKET, buf: Uint8Array, flags: number, recover?: Recover<number>): Awaitable<number>;
  /**
   * `send` all of `buf` (as a blocking Winsock `send` does; non-blocking: what
   * fits). With `recover`, a failure after a wait resolves with `recover(error)`.
   */
  send(s: SOCKET, buf: Uint8Array, flags: number, recover?: Recover<number>): Awaitable<number>;
  /**
   * `sendto`: one datagram to `to` (null: the connected peer, as `send`);
   * resolves with its length.
   */
  sendto(s: SOCKET, buf: Uint8Array, flags: number, to: SOCKADDR | null): Awaitable<number>;
  /**
   * `recvfrom` (and `recv` on a datagram socket): one datagram into `buf`;
   * resolves with its length and sender. A datagram longer than `buf` fills
   * it and says `truncated` (the rest is lost; Winsock's `WSAEMSGSIZE`).
   */
  recvfrom(s: SOCKET, buf: Uint8Array, flags: number): Awaitable<Datagram>;
  /**
   * `WSASendTo` without overlapped I/O: the pieces gathered into one
   * datagram. Where a backend has none, the façade gathers them for `sendto`.
   */
  wsaSendTo?(
    s: SOCKET,
    pieces: Uint8Array[],
    flags: number,
    to: SOCKADDR | null,
  ): Awaitable<number>;
  /**
   * `WSARecvFrom` without overlapped I/O: one datagram scattered over the
   * pieces. Where a backend has none, the façade scatters `recvfrom`'s.
   */
  wsaRecvFrom?(s: SOCKET, pieces: Uint8Array[], flags: number): Awaitable<Datagram>;
  /** `getaddrinfo`: the answers, or throws with the `EAI_*` (= WSA) code. */
  getaddrinfo(
    node: string | null,
    service: string | null,
    hints: ADDRINFOA | null,
  ): Awaitable<ADDRINFOA | null>;
  /** `getnameinfo`: host and service text, or throws with the WSA code. */
  getnameinfo(addr: SOCKADDR, flags: number): Awaitable<{ host: string; serv: string }>;
  /** `gethostname`: this machine's name. */
  gethostname(): string;
  /** `shutdown`. */
  shutdown(s: SOCKET, how: number): void;
  /**
   * `ioctlsocket`: `FIONBIO` (`arg` non-zero: the program wants the socket
   * non-blocking; returns 0) or `FIONREAD` (returns the bytes one `recv`
   * would take now). A non-blocking socket never waits: `accept`, `recv` and
   * `send` with nothing to do throw `WSAEWOULDBLOCK` at once, `send` takes
   * what fits (a partial count), `connect` throws `WSAEWOULDBLOCK` and
   * completes in `select` (writable, or exceptional with `SO_ERROR` on
   * failure). A socket `accept` returns inherits the listener's mode.
   */
  ioctlsocket(s: SOCKET, cmd: number, arg: number): number;
  /** `closesocket`: a call waiting on the socket ends with `WSAEINTR`. */
  closesocket(s: SOCKET): void;
  /**
   * `select`: resolves with the ready subset of `sets` (order kept) as soon
   * as one socket is ready, or empty sets after `timeoutMs` (null: no limit;
   * 0: just look). A socket it does not know throws `WSAENOTSOCK`.
   */
  select(sets: SelectSets, timeoutMs: number | null): Awaitable<SelectSets>;
  /** The readiness waits so far (FFI backends; the deno backend has none). */
  waitStats?(): WaitStats;
  /** `getpeername`. */
  getpeername(s: SOCKET): SOCKADDR;
  /** `getsockname`. */
  getsockname(s: SOCKET): SOCKADDR;
  /** `setsockopt` with Winsock level and option numbers. */
  setsockopt(s: SOCKET, level: number, optname: number, optval: Uint8Array): void;
  /** `getsockopt`: fills `optval`, returns the length written. */
  getsockopt(s: SOCKET, level: number, optname: number, optval: Uint8Array): number;
  /**
   * `WSAIoctl` without overlapped I/O: reads `input`, fills `output`,
   * returns the length written. Only `SIO_KEEPALIVE_VALS` is translated by
   * the posix backend; others are `WSAEOPNOTSUPP`.
   */
  ioctl(s: SOCKET, code: number, input: Uint8Array, output: Uint8Array): number;
  /**
   * For `AcceptEx`'s emulation (posix, deno): accepts the next connection on
   * the listening `s` into `into`, a socket made by `socket` and never bound
   * or connected, which is the connected socket from then on; resolves with
   * the peer's address. winsock has the real `AcceptEx` and leaves it out.
   */
  acceptInto?(s: SOCKET, into: SOCKET): Awaitable<SOCKADDR>;
  /**
   * The event select model, where the backend has it natively (winsock);
   * else `openWinsock` fills in its emulation.
   */
  eventSelect?: EventSelectBackend;
  /**
   * The asynchronous select model, where the backend has it natively
   * (winsock); else `openWinsock` fills in its emulation.
   */
  asyncSelect?: AsyncSelectBackend;
  /**
   * Overlapped I/O and completion ports, where the backend has them natively
   * (winsock): its engine, made on the first call (it loads more of the
   * system's libraries), the same one after; else `openWinsock` fills in
   * its emulation.
   */
  completion?(): CompletionEngine;
}

/**
 * A window procedure, `LRESULT CALLBACK WndProc(HWND, UINT, WPARAM, LPARAM)`.
 * It may return a Promise (to `await` a `recv`): `DispatchMessage` then
 * returns it, and the message loop awaits it before taking the next message.
 */
export type WNDPROC = (
  hWnd: HWND,
  uMsg: number,
  wParam: bigint,
  lParam: bigint,
) => bigint | Promise<bigint>;

/**
 * The asynchronous select model's calls, as a backend makes them: a
 * message-only window, its queue, and `WSAAsyncSelect` posting to it.
 */
export interface AsyncSelectBackend {
  /** A message-only window whose messages `DispatchMessage` hands to `wndProc`. */
  createWindow(wndProc: WNDPROC): HWND;
  /** `DestroyWindow`. */
  DestroyWindow(hWnd: HWND): void;
  /** `WSAAsyncSelect`: posts `wMsg` to `hWnd` for each `FD_*` event of `lEvent` (0: cancels). */
  WSAAsyncSelect(s: SOCKET, hWnd: HWND, wMsg: number, lEvent: number): void;
  /** `PeekMessage`: the next message for `hWnd` (0n: any) in the range, or null. */
  PeekMessage(hWnd: HWND, min: number, max: number, remove: boolean): MSG | null;
  /** `GetMessage`: the next message for `hWnd` (0n: any) in the range, when there is one. */
  GetMessage(hWnd: HWND, min: number, max: number): Awaitable<MSG>;
  /** `DispatchMessage`: what the window procedure returns. */
  DispatchMessage(msg: MSG): Awaitable<bigint>;
  /** `PostMessage`. */
  PostMessage(hWnd: HWND, msg: number, wParam: bigint, lParam: bigint): void;
  /** `PostQuitMessage`: `WM_QUIT` with `nExitCode`. */
  PostQuitMessage(nExitCode: number): void;
  /** `DefWindowProc`. */
  DefWindowProc(hWnd: HWND, msg: number, wParam: bigint, lParam: bigint): bigint;
}

/**
 * The event select model's calls, as a backend makes them: values checked by
 * the façade, failures thrown as `WinsockError`s.
 */
export interface EventSelectBackend {
  /** `WSACreateEvent`: a manual-reset event object, not signalled. */
  WSACreateEvent(): WSAEVENT;
  /** `WSACloseEvent`. */
  WSACloseEvent(hEvent: WSAEVENT): void;
  /** `WSASetEvent`. */
  WSASetEvent(hEvent: WSAEVENT): void;
  /** `WSAResetEvent`. */
  WSAResetEvent(hEvent: WSAEVENT): void;
  /** `WSAEventSelect`: records `lNetworkEvents` of `s` and signals `hEvent` (0n with 0: cancel). */
  WSAEventSelect(s: SOCKET, hEvent: WSAEVENT, lNetworkEvents: number): void;
  /** `WSAEnumNetworkEvents`: the record of `s`, then cleared; resets `hEvent` unless 0n. */
  WSAEnumNetworkEvents(s: SOCKET, hEvent: WSAEVENT): WSANETWORKEVENTS;
  /**
   * `WSAWaitForMultipleEvents`: `WSA_WAIT_EVENT_0` + the index of a
   * signalled event (of the first, when all are), or `WSA_WAIT_TIMEOUT`
   * after `timeoutMs` (null: no limit).
   */
  WSAWaitForMultipleEvents(
    events: readonly WSAEVENT[],
    waitAll: boolean,
    timeoutMs: number | null,
    alertable: boolean,
  ): Awaitable<number>;
}

/** What `recvfrom` received. */
export interface Datagram {
  /** Bytes put in the buffer (at most its length). */
  count: number;
  /** The sender (null where the platform gives none). */
  from: SOCKADDR | null;
  /** The datagram was longer than the buffer: the rest is lost (`WSAEMSGSIZE`). */
  truncated: boolean;
}

/** How an FFI backend is made. */
export interface BackendOptions {
  /** Leave sockets blocking and call straight through, as C does (default false). */
  blocking?: boolean;
  /** How long the reactor polls on the JS thread before it parks a wait (`lib/backends/reactor/policy.ts`). */
  spin?: SpinSetting;
}

/** What Winsock 2.2 answers in `wHighVersion`. */
export const HIGHEST_VERSION: number = MAKEWORD(2, 2);

/**
 * `WSAStartup` where there is no ws2_32.dll, following the tutorial's table:
 * 1.3 → 1.1, 2.3 → 2.2, 3.x → 2.2, 0.x → `WSAVERNOTSUPPORTED` (10092).
 *
 * @example
 * ```ts
 * import { emulateWSAStartup } from "@winsock/tutorial";
 * console.log(emulateWSAStartup(0x0301).wVersion.toString(16)); // "202"
 * ```
 */
export function emulateWSAStartup(wVersionRequested: number): WSADATA {
  const major = LOBYTE(wVersionRequested), minor = HIBYTE(wVersionRequested);
  if (major === 0) throw new WinsockError(WSAVERNOTSUPPORTED, "WSAStartup");
  const data = new WSADATA();
  data.wVersion = major >= 3
    ? HIGHEST_VERSION
    : MAKEWORD(major, Math.min(minor, major === 1 ? 1 : 2));
  data.wHighVersion = HIGHEST_VERSION;
  data.szDescription = "WinSock 2.0";
  data.szSystemStatus = "Running";
  return data;
}

/**
 * `send` as a blocking Winsock `send` does it: all of `buf`, in as many
 * partial sends (`sendSome`, which may wait) as it takes; 0 bytes is one
 * call. Without a Promise when the first send took it all: 8 bytes through
 * a `sendSome` that takes at most 5 are sent as 5, then 3.
 */
export function sendAll(
  buf: Uint8Array,
  sendSome: (rest: Uint8Array) => Awaitable<number>,
): Awaitable<number> {
  let sent = 0;
  while (sent < buf.byteLength || buf.byteLength === 0) {
    const n = sendSome(sent === 0 ? buf : buf.subarray(sent));
    if (n instanceof Promise) {
      return (async () => {
        sent += await n;
        while (sent < buf.byteLength) sent += await sendSome(buf.subarray(sent));
        return sent;
      })();
    }
    sent += n;
    if (buf.byteLength === 0) break;
  }
  return sent;
}

/**
 * `LPWSAOVERLAPPED_COMPLETION_ROUTINE`: `void CALLBACK (DWORD dwError, DWORD
 * cbTransferred, LPWSAOVERLAPPED lpOverlapped, DWORD dwFlags)`, run on the
 * JavaScript thread inside an alertable wait (`SleepEx(ms, true)`,
 * `WSAWaitForMultipleEvents(…, true)`).
 */
export type CompletionRoutine = (
  dwError: number,
  cbTransferred: number,
  lpOverlapped: WSAOVERLAPPED,
  dwFlags: number,
) => void;

/** One completion dequeued from a port. */
export interface Completion {
  /** The socket's completion key, or the posted one. */
  key: bigint;
  /** The operation, or null for a packet posted without one. */
  ov: WSAOVERLAPPED | null;
  /** Bytes transferred. */
  bytes: number;
  /** 0, or the Winsock code the operation failed with. */
  error: number;
}

/** An operation's outcome, as `WSAGetOverlappedResult` reports it. */
export interface Outcome {
  /** Bytes transferred. */
  bytes: number;
  /** The flags `WSARecv` reports (`lpdwFlags`). */
  flags: number;
  /** 0, or the Winsock code it failed with. */
  error: number;
}

/**
 * What carries overlapped operations and completion ports for one façade
 * (native on winsock, emulated over the backend's own waits on posix and
 * deno). Every failure at once throws a `WinsockError`.
 *
 * Memory: an operation's `WSAOVERLAPPED` and buffers stay referenced (and,
 * natively, at the addresses the system was given) until its completion is
 * reaped: dequeued from a port, read by `WSAGetOverlappedResult`, or handed
 * to its completion routine. A socket closed with operations pending
 * completes them with 995 `WSA_OPERATION_ABORTED` and frees nothing early.
 */
export interface CompletionEngine {
  /**
   * Starts an overlapped receive (`send` false) or send into/from `bufs`:
   * the byte count when it completed at once (its completion is still
   * queued, its event still set, its routine still queued), or null when
   * pending (`WSA_IO_PENDING`).
   */
  start(
    send: boolean,
    s: SOCKET,
    bufs: Uint8Array[],
    flags: number,
    ov: WSAOVERLAPPED,
    routine: CompletionRoutine | null,
  ): number | null;
  /**
   * `AcceptEx`: accepts the next connection on `listener` into `into`, then
   * (with `recvLength` > 0) its first bytes into `out`, then the local and
   * remote addresses after them; the byte count when done at once, else null.
   */
  acceptEx(
    listener: SOCKET,
    into: SOCKET,
    out: Uint8Array,
    recvLength: number,
    localLength: number,
    remoteLength: number,
    ov: WSAOVERLAPPED,
  ): number | null;
  /** `GetAcceptExSockaddrs`: the addresses `acceptEx` left in `out`. */
  acceptExSockaddrs(
    out: Uint8Array,
    recvLength: number,
    localLength: number,
    remoteLength: number,
  ): { local: SOCKADDR; remote: SOCKADDR };
  /** The outcome of `ov` on `s` if it is done (reaping it), else null. */
  result(s: SOCKET, ov: WSAOVERLAPPED): Outcome | null;
  /** Resolves once `ov` is done. */
  done(ov: WSAOVERLAPPED): Promise<void>;
  /** `CreateIoCompletionPort`: a new port (`port` null) or `port`, with `s` (if any) associated under `key`. */
  createPort(s: SOCKET | null, port: HANDLE | null, key: bigint, threads: number): HANDLE;
  /** Up to `max` completions from `port`, waiting up to `ms` (`INFINITE`: no limit); [] on timeout. */
  dequeue(port: HANDLE, max: number, ms: number): Promise<Completion[]>;
  /** `PostQueuedCompletionStatus`. */
  post(port: HANDLE, bytes: number, key: bigint, ov: WSAOVERLAPPED | null): void;
  /** `CloseHandle` of a port. */
  closeHandle(h: HANDLE): void;
  /**
   * `SleepEx(ms, alertable)`: with `alertable`, runs the completion routines
   * queued for this thread and resolves `WAIT_IO_COMPLETION` (0xC0) as soon
   * as one has run, else 0 after `ms`.
   */
  sleepEx(ms: number, alertable: boolean): Promise<number>;
}

/**
 * Where `AcceptEx` leaves an address in its output buffer, as Wine lays it
 * out (Windows' own layout is undocumented; read it only through
 * `GetAcceptExSockaddrs`): at `at`, an `int` length, then the `sockaddr`.
 */
export const ACCEPTEX_ADDRESS = { length: 0, sockaddr: 4 } as const;
