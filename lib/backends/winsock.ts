/**
 * The **winsock** backend: real `ws2_32.dll` through the raw binding.
 *
 * Every socket is put in non-blocking mode (`ioctlsocket(FIONBIO)`), and each
 * call is made synchronously on the JS thread, so `WSAGetLastError()` is read
 * on the thread that made the call. Only when a call would block
 * (`WSAEWOULDBLOCK`) does it wait, with `select` on a worker thread, for the
 * socket to become ready, then try again. A wait lasts at most 200 ms at a
 * time, so closing the socket or ending the program never hangs on it.
 *
 * @module
 */

import type { BackendOptions, SocketBackend } from "../backend.ts";
import {
  FIONBIO,
  INVALID_SOCKET,
  POLLERR,
  POLLRDNORM,
  SO_ERROR,
  type SOCKET,
  SOCKET_ERROR,
  SOL_SOCKET,
} from "../constants.ts";
import {
  WinsockError,
  WSAECONNRESET,
  WSAEINTR,
  WSAENOTSOCK,
  WSAEOPNOTSUPP,
  WSAEWOULDBLOCK,
} from "../errors.ts";
import { openWs2_32, type Ws2_32 } from "../../ffi/ws2_32.ts";
import {
  decodeSockaddr,
  decodeWSADATA,
  encodeFdSet,
  encodeSockaddr,
  encodeTimeval,
  fd_set,
  timeval,
  WSADATA_LAYOUT_WIN64,
} from "../structs.ts";

/** Room for any address `accept` or `getpeername` may write (`sockaddr_storage`). */
const SOCKADDR_STORAGE_SIZE = 128;
/** How long one readiness wait lasts before it looks again (ms). */
const WAIT_SLICE_MS = 200;

/**
 * Creates the winsock backend; throws a clear `Error` where ws2_32.dll
 * cannot be loaded.
 *
 * @example
 * ```ts ignore
 * import { createWinsockBackend } from "./winsock.ts";
 * console.log(createWinsockBackend().name); // "winsock" (on Windows, with --allow-ffi)
 * ```
 */
export function createWinsockBackend(options: BackendOptions = {}): SocketBackend {
  const ws: Ws2_32 = openWs2_32();
  const open = new Set<SOCKET>();
  const sliceTimeout = new timeval();
  sliceTimeout.tv_usec = WAIT_SLICE_MS * 1000;
  const timeoutBytes = encodeTimeval(sliceTimeout);

  /** Throws the thread's last error, read right after the failed call. */
  function fail(what: string): never {
    throw new WinsockError(ws.WSAGetLastError(), what);
  }

  function check(rc: number, what: string): void {
    if (rc === SOCKET_ERROR) fail(what);
  }

  function setNonBlocking(s: SOCKET): void {
    if (options.blocking) return;
    check(ws.ioctlsocket(s, FIONBIO, new Uint32Array([1])), "ioctlsocket(FIONBIO)");
  }

  /**
   * Waits until `s` is readable, in slices, until it is closed; resolves with
   * `WSAPoll`'s `revents` (`WSAPOLLFD` is `SOCKET fd; SHORT events; SHORT revents`).
   */
  async function readable(s: SOCKET): Promise<number> {
    const pollfd = new Uint8Array(16);
    const view = new DataView(pollfd.buffer);
    for (;;) {
      view.setBigUint64(0, s, true);
      view.setInt16(8, POLLRDNORM, true);
      view.setInt16(10, 0, true);
      const n = await ws.WSAPoll_wait(pollfd, 1, WAIT_SLICE_MS);
      if (!open.has(s)) throw new WinsockError(WSAEINTR, "closesocket while waiting");
      if (n !== 0) return view.getInt16(10, true); // ready, or an error the retried call reports
    }
  }

  /** Waits until `s` is writable (or its connect failed), in slices, until it is closed. */
  async function writable(s: SOCKET): Promise<void> {
    const one = new fd_set();
    one.fd_array[0] = s;
    one.fd_count = 1;
    for (;;) {
      const n = await ws.select_wait(0, null, encodeFdSet(one), encodeFdSet(one), timeoutBytes);
      if (!open.has(s)) throw new WinsockError(WSAEINTR, "closesocket while waiting");
      if (n !== 0) return; // ready, or an error the retried call will report
    }
  }

  /**
   * Runs a non-blocking call until it does not return `WSAEWOULDBLOCK`; the
   * call sees the `revents` of the last wait for reading (0 before any).
   */
  async function retry<T>(
    s: SOCKET,
    write: boolean,
    attempt: (revents: number) => T | undefined,
  ): Promise<T> {
    let revents = 0;
    for (;;) {
      const result = attempt(revents);
      if (result !== undefined) return result;
      if (write) await writable(s);
      else revents = await readable(s);
    }
  }

  function wouldBlock(what: string): undefined {
    const code = ws.WSAGetLastError();
    if (code !== WSAEWOULDBLOCK) throw new WinsockError(code, what);
    return undefined;
  }

  function name(call: "getpeername" | "getsockname", s: SOCKET) {
    const bytes = new Uint8Array(SOCKADDR_STORAGE_SIZE);
    const len = new Int32Array([bytes.byteLength]);
    check(ws[call](s, bytes, len), call);
    return decodeSockaddr(bytes, undefined, len[0]);
  }

  function known(s: SOCKET): SOCKET {
    if (!open.has(s)) throw new WinsockError(WSAENOTSOCK, `SOCKET ${s}`);
    return s;
  }

  return {
    name: "winsock",
    startup(wVersionRequested) {
      const bytes = new Uint8Array(WSADATA_LAYOUT_WIN64.size);
      const rc = ws.WSAStartup(wVersionRequested, bytes);
      if (rc !== 0) throw new WinsockError(rc, "WSAStartup");
      return decodeWSADATA(bytes);
    },
    cleanup() {
      open.clear();
      check(ws.WSACleanup(), "WSACleanup");
    },
    socket(af, type, protocol) {
      const s = BigInt(ws.socket(af, type, protocol));
      if (s === INVALID_SOCKET) fail("socket");
      try {
        setNonBlocking(s);
      } catch (e) {
        ws.closesocket(s);
        throw e;
      }
      open.add(s);
      return s;
    },
    bind(s, addr) {
      const bytes = encodeSockaddr(addr);
      check(ws.bind(s, bytes, bytes.byteLength), "bind");
    },
    listen(s, backlog) {
      check(ws.listen(s, backlog), "listen");
    },
    accept(s) {
      const bytes = new Uint8Array(SOCKADDR_STORAGE_SIZE);
      const len = new Int32Array(1);
      return retry(s, false, () => {
        len[0] = bytes.byteLength;
        const client = BigInt(ws.accept(known(s), bytes, len));
        if (client === INVALID_SOCKET) return wouldBlock("accept");
        open.add(client);
        setNonBlocking(client);
        return { socket: client, address: decodeSockaddr(bytes, undefined, len[0]) };
      });
    },
    async connect(s, addr) {
      const bytes = encodeSockaddr(addr);
      if (ws.connect(known(s), bytes, bytes.byteLength) === 0) return;
      wouldBlock("connect");
      await writable(s);
      const err = new Int32Array(1);
      const len = new Int32Array([4]);
      check(ws.getsockopt(s, SOL_SOCKET, SO_ERROR, err, len), "getsockopt(SO_ERROR)");
      if (err[0] !== 0) throw new WinsockError(err[0], "connect");
    },
    recv(s, buf, flags) {
      return retry(s, false, (revents) => {
        const n = ws.recv(known(s), buf, buf.byteLength, flags);
        if (n === SOCKET_ERROR) return wouldBlock("recv");
        // Wine consumes a reset while it polls: recv then says 0 though WSAPoll said POLLERR
        // without POLLRDNORM. Windows itself returns WSAECONNRESET from recv there.
        if (n === 0 && buf.byteLength > 0 && (revents & (POLLERR | POLLRDNORM)) === POLLERR) {
          throw new WinsockError(WSAECONNRESET, "recv (reset seen by WSAPoll)");
        }
        return n;
      });
    },
    async send(s, buf, flags) {
      let sent = 0;
      while (sent < buf.byteLength || buf.byteLength === 0) {
        const rest = buf.subarray(sent);
        sent += await retry(s, true, () => {
          const n = ws.send(known(s), rest, rest.byteLength, flags);
          return n === SOCKET_ERROR ? wouldBlock("send") : n;
        });
        if (buf.byteLength === 0) break;
      }
      return sent;
    },
    shutdown(s, how) {
      check(ws.shutdown(s, how), "shutdown");
    },
    closesocket(s) {
      check(ws.closesocket(s), "closesocket");
      open.delete(s);
    },
    select() {
      return Promise.reject(new WinsockError(WSAEOPNOTSUPP, "select: not yet"));
    },
    getpeername: (s) => name("getpeername", s),
    getsockname: (s) => name("getsockname", s),
    setsockopt(s, level, optname, optval) {
      check(ws.setsockopt(s, level, optname, optval, optval.byteLength), "setsockopt");
    },
    getsockopt(s, level, optname, optval) {
      const len = new Int32Array([optval.byteLength]);
      check(ws.getsockopt(s, level, optname, optval, len), "getsockopt");
      return len[0];
    },
  };
}
