/**
 * The BSD socket calls of the façade: `socket` … `closesocket`, `select`,
 * options and `ioctlsocket`/`WSAIoctl`, each checked before the backend sees it.
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
import { type Core, type Waited } from "./core.ts";

/** The BSD socket calls of one `Winsock` (`lib/winsock.ts`). */
export class Sockets<Blocking extends boolean = false> {
  #core: Core<Blocking>;
  /** What a waited `recv`/`send` that fails resolves with: `SOCKET_ERROR`, its code handed on. */
  #recover: Recover<number>;

  constructor(core: Core<Blocking>) {
    this.#core = core;
    this.#recover = core.recoverer(SOCKET_ERROR);
  }

  socket(af: number, type: number, protocol: number): SOCKET {
    return this.#core.call(INVALID_SOCKET, () => this.#core.backend.socket(af, type, protocol));
  }

  bind(s: SOCKET, name: SOCKADDR, namelen: number): number {
    return this.#core.call(SOCKET_ERROR, () => {
      checkNameLength(name, namelen);
      this.#core.backend.bind(checkSocket(s), name);
      return 0;
    });
  }

  listen(s: SOCKET, backlog: number): number {
    return this.#core.call(SOCKET_ERROR, () => {
      this.#core.backend.listen(checkSocket(s), backlog);
      return 0;
    });
  }

  accept(s: SOCKET, addr?: SOCKADDR | null, addrlen?: IntRef | null): Waited<Blocking, SOCKET> {
    return this.#core.waited(INVALID_SOCKET, () => {
      checkOutName(addr, addrlen);
      const accepted = this.#core.backend.accept(checkSocket(s));
      const done = ({ socket, address }: Awaited<typeof accepted>) => {
        copyOut(address, addr, addrlen);
        return socket;
      };
      return accepted instanceof Promise ? accepted.then(done) : done(accepted);
    });
  }

  connect(s: SOCKET, name: SOCKADDR, namelen: number): Waited<Blocking, number> {
    return this.#core.waited(SOCKET_ERROR, () => {
      checkNameLength(name, namelen);
      const connected = this.#core.backend.connect(checkSocket(s), name);
      return connected instanceof Promise ? connected.then(() => 0) : 0;
    });
  }

  recv(s: SOCKET, buf: Uint8Array, len: number, flags: number): Waited<Blocking, number> {
    return this.#transfer("recv", s, buf, len, flags);
  }

  send(s: SOCKET, buf: Uint8Array, len: number, flags: number): Waited<Blocking, number> {
    return this.#transfer("send", s, buf, len, flags);
  }

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
    if (this.#core.blocking) {
      return this.#core.waited(SOCKET_ERROR, () => this.#backendTransfer(call, s, buf, len, flags));
    }
    try {
      this.#core.requireStartup();
      const result = this.#backendTransfer(call, s, buf, len, flags, this.#recover);
      return (result instanceof Promise ? result : Promise.resolve(result)) as Waited<
        Blocking,
        number
      >;
    } catch (e) {
      return this.#core.caught(SOCKET_ERROR, e);
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
    const backend = this.#core.backend; // two calls, not one looked up by name: no keyed lookup
    return call === "recv"
      ? backend.recv(socket, bytes, flags, recover)
      : backend.send(socket, bytes, flags, recover);
  }

  shutdown(s: SOCKET, how: number): number {
    return this.#core.call(SOCKET_ERROR, () => {
      this.#core.backend.shutdown(checkSocket(s), how);
      return 0;
    });
  }

  ioctlsocket(s: SOCKET, cmd: number, argp: IntRef): number {
    return this.#core.call(SOCKET_ERROR, () => {
      const command = cmd >>> 0; // a C long: FIONBIO may arrive as a negative number
      if (command !== FIONBIO && command !== FIONREAD) {
        throw new WinsockError(WSAEOPNOTSUPP, `ioctlsocket: cmd 0x${command.toString(16)}`);
      }
      if (argp === null || typeof argp !== "object" || !Number.isInteger(argp.value)) {
        throw new WinsockError(WSAEFAULT, "ioctlsocket: argp is not a u_long");
      }
      const value = this.#core.backend.ioctlsocket(checkSocket(s), command, argp.value >>> 0);
      if (command === FIONREAD) argp.value = value;
      return 0;
    });
  }

  closesocket(s: SOCKET): number {
    return this.#core.call(SOCKET_ERROR, () => {
      this.#core.backend.closesocket(checkSocket(s));
      return 0;
    });
  }

  select(
    nfds: number,
    readfds: fd_set | null,
    writefds: fd_set | null,
    exceptfds: fd_set | null,
    timeout: timeval | null,
  ): Waited<Blocking, number> {
    void nfds;
    return this.#core.waited(SOCKET_ERROR, () => {
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
      const ready = this.#core.backend.select(asked, ms);
      return ready instanceof Promise ? ready.then(found) : found(ready);
    });
  }

  getpeername(s: SOCKET, name: SOCKADDR, namelen: IntRef): number {
    return this.#core.call(SOCKET_ERROR, () => {
      checkOutName(name, namelen);
      copyOut(this.#core.backend.getpeername(checkSocket(s)), name, namelen);
      return 0;
    });
  }

  getsockname(s: SOCKET, name: SOCKADDR, namelen: IntRef): number {
    return this.#core.call(SOCKET_ERROR, () => {
      checkOutName(name, namelen);
      copyOut(this.#core.backend.getsockname(checkSocket(s)), name, namelen);
      return 0;
    });
  }

  setsockopt(
    s: SOCKET,
    level: number,
    optname: number,
    optval: Uint8Array,
    optlen: number,
  ): number {
    return this.#core.call(SOCKET_ERROR, () => {
      const value = checkLength(optval, optlen, "setsockopt");
      this.#core.backend.setsockopt(checkSocket(s), level | 0, optname | 0, value);
      return 0;
    });
  }

  getsockopt(
    s: SOCKET,
    level: number,
    optname: number,
    optval: Uint8Array,
    optlen: IntRef,
  ): number {
    return this.#core.call(SOCKET_ERROR, () => {
      const target = checkLength(optval, optlen?.value, "getsockopt");
      optlen.value = this.#core.backend.getsockopt(checkSocket(s), level | 0, optname | 0, target);
      return 0;
    });
  }

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
    return this.#core.call(SOCKET_ERROR, () => {
      const input = checkLength(lpvInBuffer ?? new Uint8Array(0), cbInBuffer, "WSAIoctl");
      const output = checkLength(lpvOutBuffer ?? new Uint8Array(0), cbOutBuffer, "WSAIoctl");
      if (!lpcbBytesReturned) throw new WinsockError(WSAEFAULT, "WSAIoctl: lpcbBytesReturned");
      if (lpOverlapped !== null || lpCompletionRoutine !== null) {
        throw new WinsockError(WSAEINVAL, "WSAIoctl: overlapped I/O is not offered");
      }
      lpcbBytesReturned.value = this.#core.backend.ioctl(
        checkSocket(s),
        dwIoControlCode,
        input,
        output,
      );
      return 0;
    });
  }
}
