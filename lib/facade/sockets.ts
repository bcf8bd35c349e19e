/**
 * The BSD socket calls: `socket` … `closesocket`, `select`, options and `ioctlsocket`/`WSAIoctl`.
 *
 * @module
 */

import type { Awaitable, Recover, SelectSets } from "../backends/contract.ts";
import { FIONBIO, FIONREAD, INVALID_SOCKET, type SOCKET, SOCKET_ERROR } from "../constants.ts";
import { WinsockError, WSAEFAULT, WSAEINVAL, WSAEOPNOTSUPP } from "../errors.ts";
import { fd_set, type SOCKADDR, timeval } from "../structs.ts";
import {
  checkLength,
  checkNameLength,
  checkOutName,
  checkSocket,
  copyOut,
  fdSetSockets,
  type IntRef,
  keepReady,
  timeoutMs,
} from "./checks.ts";
import { type Waited, WinsockCore } from "./core.ts";

/**
 * The BSD socket calls: `socket` … `closesocket`, `select`, options and `ioctlsocket`/`WSAIoctl`.
 * One layer of `Winsock` (`lib/winsock.ts`), which is the class to use.
 */
export class WinsockSockets<Blocking extends boolean = false> extends WinsockCore<Blocking> {
  /** `SOCKET socket(int af, int type, int protocol)`: `INVALID_SOCKET` on failure. */
  socket(af: number, type: number, protocol: number): SOCKET {
    return this.call(INVALID_SOCKET, () => this.socketBackend.socket(af, type, protocol));
  }

  /** `int bind(SOCKET s, const sockaddr *name, int namelen)`. */
  bind(s: SOCKET, name: SOCKADDR, namelen: number): number {
    return this.call(SOCKET_ERROR, () => {
      checkNameLength(name, namelen);
      this.socketBackend.bind(checkSocket(s), name);
      return 0;
    });
  }

  /** `int listen(SOCKET s, int backlog)`. */
  listen(s: SOCKET, backlog: number): number {
    return this.call(SOCKET_ERROR, () => {
      this.socketBackend.listen(checkSocket(s), backlog);
      return 0;
    });
  }

  /**
   * `SOCKET accept(SOCKET s, sockaddr *addr, int *addrlen)`: resolves with the
   * client's socket and fills `addr` (both may be null), or `INVALID_SOCKET`.
   */
  accept(s: SOCKET, addr?: SOCKADDR | null, addrlen?: IntRef | null): Waited<Blocking, SOCKET> {
    return this.waited(INVALID_SOCKET, () => {
      checkOutName(addr, addrlen);
      const accepted = this.socketBackend.accept(checkSocket(s));
      const done = ({ socket, address }: Awaited<typeof accepted>) => {
        copyOut(address, addr, addrlen);
        return socket;
      };
      return accepted instanceof Promise ? accepted.then(done) : done(accepted);
    });
  }

  /** `int connect(SOCKET s, const sockaddr *name, int namelen)`. */
  connect(s: SOCKET, name: SOCKADDR, namelen: number): Waited<Blocking, number> {
    return this.waited(SOCKET_ERROR, () => {
      checkNameLength(name, namelen);
      const connected = this.socketBackend.connect(checkSocket(s), name);
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
    return this.#transfer("recv", s, buf, len, flags);
  }

  /** `int send(SOCKET s, const char *buf, int len, int flags)`: resolves with `len` or `SOCKET_ERROR`. */
  send(s: SOCKET, buf: Uint8Array, len: number, flags: number): Waited<Blocking, number> {
    return this.#transfer("send", s, buf, len, flags);
  }

  /** What a waited `recv`/`send` that fails resolves with: `SOCKET_ERROR`, its code handed on. */
  #recover = this.recoverer(SOCKET_ERROR);

  /**
   * `recv` or `send`: `waited`, without a closure or a Promise of its own
   * per call on the busiest path (the backend resolves a failure after a
   * wait with `#recover`).
   */
  #transfer(
    call: "recv" | "send",
    s: SOCKET,
    buf: Uint8Array,
    len: number,
    flags: number,
  ): Waited<Blocking, number> {
    if (this.blocking) {
      return this.waited(SOCKET_ERROR, () => this.#backendTransfer(call, s, buf, len, flags));
    }
    try {
      this.requireStartup();
      const result = this.#backendTransfer(call, s, buf, len, flags, this.#recover);
      return (result instanceof Promise ? result : Promise.resolve(result)) as Waited<
        Blocking,
        number
      >;
    } catch (e) {
      return this.caught(SOCKET_ERROR, e);
    }
  }

  #backendTransfer(
    call: "recv" | "send",
    s: SOCKET,
    buf: Uint8Array,
    len: number,
    flags: number,
    recover?: Recover<number>,
  ): Awaitable<number> {
    const bytes = checkLength(buf, len, call), socket = checkSocket(s);
    const backend = this.socketBackend; // two calls, not one looked up by name: no keyed lookup
    return call === "recv"
      ? backend.recv(socket, bytes, flags, recover)
      : backend.send(socket, bytes, flags, recover);
  }

  /** `int shutdown(SOCKET s, int how)`: `SD_RECEIVE`, `SD_SEND` or `SD_BOTH`. */
  shutdown(s: SOCKET, how: number): number {
    return this.call(SOCKET_ERROR, () => {
      this.socketBackend.shutdown(checkSocket(s), how);
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
   * import { AF_INET, FIONBIO, MAKEWORD, openWinsock, SOCK_STREAM, WSADATA } from "../../mod.ts";
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
    return this.call(SOCKET_ERROR, () => {
      const command = cmd >>> 0; // a C long: FIONBIO may arrive as a negative number
      if (command !== FIONBIO && command !== FIONREAD) {
        throw new WinsockError(WSAEOPNOTSUPP, `ioctlsocket: cmd 0x${command.toString(16)}`);
      }
      if (argp === null || typeof argp !== "object" || !Number.isInteger(argp.value)) {
        throw new WinsockError(WSAEFAULT, "ioctlsocket: argp is not a u_long");
      }
      const value = this.socketBackend.ioctlsocket(checkSocket(s), command, argp.value >>> 0);
      if (command === FIONREAD) argp.value = value;
      return 0;
    });
  }

  /** `int closesocket(SOCKET s)`. */
  closesocket(s: SOCKET): number {
    return this.call(SOCKET_ERROR, () => {
      this.socketBackend.closesocket(checkSocket(s));
      this.socketClosed(s);
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
   * import { FD_ISSET, FD_SET, fd_set } from "../../mod.ts";
   * import { MAKEWORD, openWinsock, timeval, WSADATA } from "../../mod.ts";
   * import { AF_INET, SOCK_STREAM } from "../../mod.ts";
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
    return this.waited(SOCKET_ERROR, () => {
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
      const ready = this.socketBackend.select(asked, ms);
      return ready instanceof Promise ? ready.then(found) : found(ready);
    });
  }

  /** `int getpeername(SOCKET s, sockaddr *name, int *namelen)`. */
  getpeername(s: SOCKET, name: SOCKADDR, namelen: IntRef): number {
    return this.call(SOCKET_ERROR, () => {
      checkOutName(name, namelen);
      copyOut(this.socketBackend.getpeername(checkSocket(s)), name, namelen);
      return 0;
    });
  }

  /** `int getsockname(SOCKET s, sockaddr *name, int *namelen)`. */
  getsockname(s: SOCKET, name: SOCKADDR, namelen: IntRef): number {
    return this.call(SOCKET_ERROR, () => {
      checkOutName(name, namelen);
      copyOut(this.socketBackend.getsockname(checkSocket(s)), name, namelen);
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
    return this.call(SOCKET_ERROR, () => {
      const value = checkLength(optval, optlen, "setsockopt");
      this.socketBackend.setsockopt(checkSocket(s), level | 0, optname | 0, value);
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
    return this.call(SOCKET_ERROR, () => {
      const target = checkLength(optval, optlen?.value, "getsockopt");
      optlen.value = this.socketBackend.getsockopt(checkSocket(s), level | 0, optname | 0, target);
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
   * import { AF_INET, IPPROTO_TCP, MAKEWORD } from "../../mod.ts";
   * import { openWinsock, SIO_KEEPALIVE_VALS, WSADATA } from "../../mod.ts";
   * import { SOCK_STREAM } from "../../mod.ts";
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
    return this.call(SOCKET_ERROR, () => {
      const input = checkLength(lpvInBuffer ?? new Uint8Array(0), cbInBuffer, "WSAIoctl");
      const output = checkLength(lpvOutBuffer ?? new Uint8Array(0), cbOutBuffer, "WSAIoctl");
      if (!lpcbBytesReturned) throw new WinsockError(WSAEFAULT, "WSAIoctl: lpcbBytesReturned");
      if (lpOverlapped !== null || lpCompletionRoutine !== null) {
        throw new WinsockError(WSAEINVAL, "WSAIoctl: overlapped I/O is not offered");
      }
      lpcbBytesReturned.value = this.socketBackend.ioctl(
        checkSocket(s),
        dwIoControlCode,
        input,
        output,
      );
      return 0;
    });
  }
}
