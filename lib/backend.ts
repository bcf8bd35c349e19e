/**
 * The one interface every backend implements. Backends speak Winsock values
 * (families, options, error codes) and throw {@linkcode WinsockError} on
 * failure; the C-shaped façade (`Winsock` in `winsock.ts`) turns that into
 * return codes and `WSAGetLastError()`.
 *
 * @module
 */

import type { SOCKET } from "./constants.ts";
import { WinsockError, WSAVERNOTSUPPORTED } from "./errors.ts";
import { HIBYTE, LOBYTE, MAKEWORD } from "./helpers.ts";
import { type SOCKADDR, WSADATA } from "./structs.ts";

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
  /** `recv` into all of `buf`: resolves with the count, 0 at orderly close. */
  recv(s: SOCKET, buf: Uint8Array, flags: number): Awaitable<number>;
  /** `send` all of `buf` (as a blocking Winsock `send` does; non-blocking: what fits). */
  send(s: SOCKET, buf: Uint8Array, flags: number): Awaitable<number>;
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
}

/** How an FFI backend is made. */
export interface BackendOptions {
  /** Leave sockets blocking and call straight through, as C does (default false). */
  blocking?: boolean;
}

/** What Winsock 2.2 answers in `wHighVersion`. */
export const HIGHEST_VERSION: number = MAKEWORD(2, 2);

/**
 * `WSAStartup` where there is no ws2_32.dll, following the tutorial's table:
 * 1.3 → 1.1, 2.3 → 2.2, 3.x → 2.2, 0.x → `WSAVERNOTSUPPORTED` (10092).
 *
 * @example
 * ```ts
 * import { emulateWSAStartup } from "./backend.ts";
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
 * call. Without a Promise when the first send took it all.
 *
 * @example
 * ```ts
 * import { sendAll } from "./backend.ts";
 * console.log(sendAll(new Uint8Array(8), (rest) => Math.min(rest.byteLength, 5))); // 8 (5, then 3)
 * ```
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
