/**
 * The **deno** backend: Winsock semantics emulated over `Deno.listen` and
 * `Deno.connect`, for machines without ws2_32.dll and programs without
 * `--allow-ffi`. Handles are numbers this backend hands out; errors are
 * translated from Deno's to the WSA codes Windows would give.
 *
 * Limits of the emulation: TCP over IPv4/IPv6 only; a socket that was bound
 * cannot then connect (Deno cannot choose the local port of a connection);
 * `listen`'s backlog is Deno's; socket options other than the few listed in
 * `setsockopt` fail with `WSAENOPROTOOPT`.
 *
 * `select` sees what Deno lets it see. Readable: a listener with a connection
 * waiting, a connection with bytes waiting, the peer's close or an error
 * (found by the socket's one read, or accept, in flight: its result waits in
 * the socket for the next `recv` or `accept`, so nothing is lost or
 * reordered). Writable: connected and not shut down for sending (Deno tells
 * nothing of send buffers). Exceptional: never (out-of-band data and a failed
 * non-blocking `connect` do not exist here). A timeout of 0 gives the reads in
 * flight one turn of the event loop before answering.
 *
 * @module
 */

import { emulateWSAStartup, type SocketBackend } from "../backend.ts";
import {
  AF_INET,
  AF_INET6,
  IPPROTO_TCP,
  SD_BOTH,
  SD_RECEIVE,
  SD_SEND,
  SO_ERROR,
  SO_KEEPALIVE,
  SO_REUSEADDR,
  SO_TYPE,
  SOCK_STREAM,
  type SOCKET,
  SOL_SOCKET,
  TCP_NODELAY,
} from "../constants.ts";
import {
  WinsockError,
  WSAEACCES,
  WSAEADDRINUSE,
  WSAEADDRNOTAVAIL,
  WSAEAFNOSUPPORT,
  WSAECONNABORTED,
  WSAECONNREFUSED,
  WSAECONNRESET,
  WSAEFAULT,
  WSAEHOSTUNREACH,
  WSAEINTR,
  WSAEINVAL,
  WSAEISCONN,
  WSAENETUNREACH,
  WSAENOPROTOOPT,
  WSAENOTCONN,
  WSAENOTSOCK,
  WSAEOPNOTSUPP,
  WSAEPROTONOSUPPORT,
  WSAESHUTDOWN,
  WSAESOCKTNOSUPPORT,
  WSAETIMEDOUT,
} from "../errors.ts";
import { htons, inet_ntoa, inet_ntop, inet_pton, ntohs } from "../helpers.ts";
import { type SOCKADDR, sockaddr_in, sockaddr_in6 } from "../structs.ts";

interface EmulatedSocket {
  af: number;
  listener?: Deno.TcpListener;
  listening?: boolean;
  conn?: Deno.TcpConn;
  sendShut?: boolean;
  recvShut?: boolean;
  closed?: boolean;
  /** The one `conn.read` or `listener.accept` in flight; it never rejects. */
  pulling?: Promise<void>;
  /** Bytes read and not yet received (a view of `readAhead`). */
  inbox?: Uint8Array;
  /** The buffer a read-ahead fills, reused: it starts only once `inbox` is empty. */
  readAhead?: Uint8Array;
  /** A connection accepted and not yet handed out by `accept`. */
  incoming?: Deno.TcpConn;
  /** The peer closed (recv returns 0 from then on). */
  eof?: boolean;
  /** A read's error (kept: every later recv fails with it) or an accept's (handed out once). */
  failure?: WinsockError;
}

/** How much one read-ahead takes from a connection; what `recv` does not ask for waits in `inbox`. */
const READ_CHUNK = 16 * 1024;

/** Read-ahead buffers kept for reuse when their sockets close (at most). */
const MAX_SPARES = 64;

/** The longest delay `setTimeout` takes (a longer one fires at once). */
const MAX_TIMER_MS = 0x7fffffff;

/** Deno's error classes, by name, to the WSA code Windows gives for the same cause. */
const DENO_ERROR_CODES: Record<string, number> = {
  AddrInUse: WSAEADDRINUSE,
  AddrNotAvailable: WSAEADDRNOTAVAIL,
  ConnectionRefused: WSAECONNREFUSED,
  ConnectionReset: WSAECONNRESET,
  ConnectionAborted: WSAECONNABORTED,
  BrokenPipe: WSAECONNRESET,
  NotConnected: WSAENOTCONN,
  TimedOut: WSAETIMEDOUT,
  Interrupted: WSAEINTR,
  BadResource: WSAEINTR,
  PermissionDenied: WSAEACCES,
  NotCapable: WSAEACCES,
  NetworkUnreachable: WSAENETUNREACH,
  HostUnreachable: WSAEHOSTUNREACH,
};

/** Translates an error thrown by Deno's sockets into a `WinsockError`. */
export function fromDenoError(e: unknown, context: string): WinsockError {
  if (e instanceof WinsockError) return e;
  const name = e instanceof Error ? e.name : "";
  let code = DENO_ERROR_CODES[name];
  if (code === undefined) {
    const os = /os error (\d+)/.exec(e instanceof Error ? e.message : "")?.[1];
    code = os === "104" || os === "10054" ? WSAECONNRESET : WSAEINVAL;
  }
  return new WinsockError(code, context, { cause: e });
}

function toAddress(addr: Deno.NetAddr): SOCKADDR {
  const v6 = addr.hostname.includes(":");
  if (!v6) {
    const a = new sockaddr_in();
    a.sin_family = AF_INET;
    a.sin_port = htons(addr.port);
    const bytes = new Uint8Array(4);
    inet_pton(AF_INET, addr.hostname, bytes);
    a.sin_addr.S_un.S_addr = new DataView(bytes.buffer).getUint32(0, true);
    return a;
  }
  const a = new sockaddr_in6();
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(addr.port);
  inet_pton(AF_INET6, addr.hostname.replace(/^\[|\]$/g, "").split("%")[0], a.sin6_addr.s6_addr);
  return a;
}

function fromAddress(name: SOCKADDR, af: number): { hostname: string; port: number } {
  if (name instanceof sockaddr_in && af === AF_INET && name.sin_family === AF_INET) {
    return { hostname: inet_ntoa(name.sin_addr), port: ntohs(name.sin_port) };
  }
  if (name instanceof sockaddr_in6 && af === AF_INET6 && name.sin6_family === AF_INET6) {
    return {
      hostname: inet_ntop(AF_INET6, name.sin6_addr.s6_addr) as string,
      port: ntohs(name.sin6_port),
    };
  }
  throw new WinsockError(WSAEAFNOSUPPORT, "address family does not match the socket");
}

/**
 * Creates the deno backend.
 *
 * @example
 * ```ts
 * import { createDenoBackend } from "./deno.ts";
 * console.log(createDenoBackend().name); // "deno"
 * ```
 */
export function createDenoBackend(): SocketBackend {
  const sockets = new Map<SOCKET, EmulatedSocket>();
  /** Read-ahead buffers of closed sockets, for the next ones (fewer allocations, flat memory). */
  const spares: Uint8Array[] = [];
  let nextHandle = 0x100n;
  /** The `select`s waiting: each is woken to look again when anything may have changed. */
  const waiting = new Set<() => void>();

  function notify(): void {
    for (const wake of waiting) wake();
  }

  function get(s: SOCKET): EmulatedSocket {
    const sock = sockets.get(s);
    if (!sock) throw new WinsockError(WSAENOTSOCK, `SOCKET ${s}`);
    return sock;
  }

  function connected(s: SOCKET): Deno.TcpConn {
    const conn = get(s).conn;
    if (!conn) throw new WinsockError(WSAENOTCONN, `SOCKET ${s}`);
    return conn;
  }

  function close(sock: EmulatedSocket): void {
    sock.closed = true;
    for (const resource of [sock.listener, sock.conn, sock.incoming]) {
      try {
        resource?.close();
      } catch { /* already closed by the peer's end */ }
    }
    // Its read-ahead buffer serves the next socket (no read into it is in flight).
    if (sock.readAhead && !sock.pulling && spares.length < MAX_SPARES) spares.push(sock.readAhead);
  }

  /** Whether a read or accept could find something new (nothing found waits unconsumed). */
  function canPull(sock: EmulatedSocket): boolean {
    if (sock.closed || sock.failure) return false;
    if (sock.listener) return !!sock.listening && !sock.incoming;
    return !!sock.conn && !sock.eof && !sock.inbox?.byteLength;
  }

  /**
   * Starts the socket's one read (or accept) unless one is in flight; the
   * promise resolves when it has ended, its result stored in the socket, and
   * waiting `select`s have been told. A `recv` with nothing read ahead reads
   * `into` its own buffer instead (no copy): the promise then resolves with
   * the count.
   */
  function pull(sock: EmulatedSocket, into?: Uint8Array): Promise<number | undefined> {
    if (sock.pulling) return sock.pulling.then(() => undefined);
    const pulled = (async () => {
      try {
        if (sock.listener) {
          const conn = await sock.listener.accept();
          if (sock.closed) conn.close();
          else sock.incoming = conn;
          return undefined;
        }
        const target = into ?? (sock.readAhead ??= spares.pop() ?? new Uint8Array(READ_CHUNK));
        const n = await (sock.conn as Deno.TcpConn).read(target);
        if (n === null) sock.eof = true;
        else if (into) return n; // straight into the caller's buffer
        else sock.inbox = target.subarray(0, n);
      } catch (e) {
        if (!sock.closed) sock.failure = fromDenoError(e, sock.listener ? "accept" : "recv");
      } finally {
        sock.pulling = undefined;
        notify();
      }
      return undefined;
    })();
    sock.pulling = pulled.then(() => {});
    return pulled;
  }

  /** `select`'s readable: recv or accept would not wait. */
  function readable(sock: EmulatedSocket): boolean {
    if (sock.listener) return !!sock.listening && !!(sock.incoming || sock.failure);
    return !!sock.conn &&
      !!(sock.recvShut || sock.inbox?.byteLength || sock.eof || sock.failure);
  }

  /** `select`'s writable: connected and not shut down for sending. */
  function writable(sock: EmulatedSocket): boolean {
    return !!sock.conn && !sock.sendShut;
  }

  function adopt(conn: Deno.TcpConn, af: number): SOCKET {
    const handle = nextHandle;
    nextHandle += 4n;
    sockets.set(handle, { af, conn });
    return handle;
  }

  return {
    name: "deno",
    startup: emulateWSAStartup,
    cleanup() {
      for (const sock of sockets.values()) close(sock);
      sockets.clear();
      notify();
    },
    socket(af, type, protocol) {
      if (af !== AF_INET && af !== AF_INET6) throw new WinsockError(WSAEAFNOSUPPORT, "socket");
      if (type !== SOCK_STREAM) {
        throw new WinsockError(WSAESOCKTNOSUPPORT, "socket: only SOCK_STREAM");
      }
      if (protocol !== 0 && protocol !== IPPROTO_TCP) {
        throw new WinsockError(WSAEPROTONOSUPPORT, "socket");
      }
      const handle = nextHandle;
      nextHandle += 4n;
      sockets.set(handle, { af });
      return handle;
    },
    bind(s, name) {
      const sock = get(s);
      if (sock.listener || sock.conn) throw new WinsockError(WSAEINVAL, "bind: already bound");
      try {
        sock.listener = Deno.listen({ ...fromAddress(name, sock.af), transport: "tcp" });
      } catch (e) {
        throw fromDenoError(e, "bind");
      }
    },
    listen(s) {
      const sock = get(s);
      if (!sock.listener) throw new WinsockError(WSAEINVAL, "listen: socket not bound");
      sock.listening = true;
    },
    async accept(s) {
      const sock = get(s);
      if (!sock.listener || !sock.listening) {
        throw new WinsockError(WSAEINVAL, "accept: not listening");
      }
      for (;;) {
        if (sock.closed) throw new WinsockError(WSAEINTR, "accept");
        const conn = sock.incoming, failure = sock.failure;
        sock.incoming = sock.failure = undefined;
        if (conn) return { socket: adopt(conn, sock.af), address: toAddress(conn.remoteAddr) };
        if (failure) throw failure;
        await pull(sock);
      }
    },
    async acceptInto(s, into) {
      const target = get(into);
      if (target.conn || target.listener) {
        throw new WinsockError(WSAEINVAL, "AcceptEx: sAcceptSocket is in use");
      }
      const { socket, address } = await this.accept(s);
      const accepted = get(socket);
      sockets.delete(socket);
      if (target.closed) {
        close(accepted);
        throw new WinsockError(WSAEINTR, "AcceptEx: sAcceptSocket closed");
      }
      sockets.set(into, accepted); // the connection, under the target's SOCKET
      return address;
    },
    async connect(s, name) {
      const sock = get(s);
      if (sock.conn) throw new WinsockError(WSAEISCONN, "connect");
      if (sock.listener) {
        throw new WinsockError(WSAEOPNOTSUPP, "connect: a bound socket (emulation)");
      }
      const target = fromAddress(name, sock.af);
      try {
        const conn = await Deno.connect({ ...target, transport: "tcp" });
        if (sock.closed) conn.close();
        else sock.conn = conn;
      } catch (e) {
        throw fromDenoError(e, "connect");
      }
      notify();
    },
    async recv(s, buf, flags) {
      const sock = get(s);
      if (flags !== 0) throw new WinsockError(WSAEOPNOTSUPP, "recv: flags (emulation)");
      connected(s);
      if (sock.recvShut) throw new WinsockError(WSAESHUTDOWN, "recv");
      if (buf.byteLength === 0) return 0;
      for (;;) {
        if (sock.closed) throw new WinsockError(WSAEINTR, "recv");
        const inbox = sock.inbox;
        if (inbox?.byteLength) {
          const n = Math.min(buf.byteLength, inbox.byteLength);
          buf.set(inbox.subarray(0, n));
          sock.inbox = inbox.subarray(n);
          return n;
        }
        if (sock.failure) throw sock.failure;
        if (sock.eof) return 0;
        const n = await pull(sock, buf); // nothing read ahead: read into buf itself
        if (n !== undefined && !sock.closed) return n;
      }
    },
    async send(s, buf, flags) {
      const sock = get(s);
      if (flags !== 0) throw new WinsockError(WSAEOPNOTSUPP, "send: flags (emulation)");
      const conn = connected(s);
      if (sock.sendShut) throw new WinsockError(WSAESHUTDOWN, "send");
      let sent = 0;
      try {
        while (sent < buf.byteLength) sent += await conn.write(buf.subarray(sent));
      } catch (e) {
        throw sock.closed ? new WinsockError(WSAEINTR, "send") : fromDenoError(e, "send");
      }
      return sent;
    },
    shutdown(s, how) {
      const sock = get(s);
      const conn = connected(s);
      if (how !== SD_RECEIVE && how !== SD_SEND && how !== SD_BOTH) {
        throw new WinsockError(WSAEINVAL, "shutdown");
      }
      if (how !== SD_RECEIVE && !sock.sendShut) {
        sock.sendShut = true;
        conn.closeWrite().catch(() => {});
      }
      if (how !== SD_SEND) sock.recvShut = true;
      notify();
    },
    closesocket(s) {
      close(get(s));
      sockets.delete(s);
      notify();
    },
    async select(sets, timeoutMs) {
      const read = sets.read.map(get), write = sets.write.map(get), except = sets.except.map(get);
      const all = [...read, ...write, ...except];
      let expired = false, wake = () => {};
      // Beyond setTimeout's range (2^31 - 1 ms, 24.8 days) it would fire at once: no limit instead.
      const timer = timeoutMs === null || timeoutMs > MAX_TIMER_MS ? undefined : setTimeout(() => {
        expired = true;
        wake();
      }, timeoutMs);
      try {
        for (;;) {
          if (all.some((sock) => sock.closed)) throw new WinsockError(WSAEINTR, "select");
          const ready = {
            read: sets.read.filter((_, i) => readable(read[i])),
            write: sets.write.filter((_, i) => writable(write[i])),
            except: [], // nothing exceptional is visible through Deno's sockets
          };
          if (ready.read.length + ready.write.length > 0 || expired) return ready;
          for (const sock of read.filter(canPull)) pull(sock);
          await new Promise<void>((resolve) => {
            wake = resolve;
            waiting.add(wake);
          });
          waiting.delete(wake);
        }
      } finally {
        clearTimeout(timer);
        waiting.delete(wake);
      }
    },
    getpeername(s) {
      return toAddress(connected(s).remoteAddr);
    },
    getsockname(s) {
      const sock = get(s);
      const addr = sock.conn?.localAddr ?? sock.listener?.addr;
      if (!addr) throw new WinsockError(WSAEINVAL, "getsockname: not bound");
      return toAddress(addr);
    },
    setsockopt(s, level, optname, optval) {
      const sock = get(s);
      const on = optval.some((b) => b !== 0);
      if (level === SOL_SOCKET && optname === SO_REUSEADDR) return; // Deno always sets it on listeners
      if (level === IPPROTO_TCP && optname === TCP_NODELAY && sock.conn) {
        sock.conn.setNoDelay(on);
        return;
      }
      if (level === SOL_SOCKET && optname === SO_KEEPALIVE && sock.conn) {
        sock.conn.setKeepAlive(on);
        return;
      }
      throw new WinsockError(WSAENOPROTOOPT, `setsockopt(${level}, ${optname}) (emulation)`);
    },
    getsockopt(s, level, optname, optval) {
      get(s);
      if (level !== SOL_SOCKET || (optname !== SO_ERROR && optname !== SO_TYPE)) {
        throw new WinsockError(WSAENOPROTOOPT, `getsockopt(${level}, ${optname}) (emulation)`);
      }
      if (optval.byteLength < 4) throw new WinsockError(WSAEFAULT, "getsockopt: optlen < 4");
      new DataView(optval.buffer, optval.byteOffset).setInt32(
        0,
        optname === SO_TYPE ? SOCK_STREAM : 0,
        true,
      );
      return 4;
    },
  };
}
