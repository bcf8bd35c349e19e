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
}

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
  let nextHandle = 0x100n;

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
    try {
      sock.listener?.close();
      sock.conn?.close();
    } catch { /* already closed by the peer's end */ }
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
      try {
        const conn = await sock.listener.accept();
        return { socket: adopt(conn, sock.af), address: toAddress(conn.remoteAddr) };
      } catch (e) {
        throw sock.closed ? new WinsockError(WSAEINTR, "accept") : fromDenoError(e, "accept");
      }
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
    },
    async recv(s, buf, flags) {
      const sock = get(s);
      if (flags !== 0) throw new WinsockError(WSAEOPNOTSUPP, "recv: flags (emulation)");
      const conn = connected(s);
      if (sock.recvShut) throw new WinsockError(WSAESHUTDOWN, "recv");
      if (buf.byteLength === 0) return 0;
      try {
        return (await conn.read(buf)) ?? 0;
      } catch (e) {
        throw sock.closed ? new WinsockError(WSAEINTR, "recv") : fromDenoError(e, "recv");
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
    },
    closesocket(s) {
      close(get(s));
      sockets.delete(s);
    },
    select() {
      return Promise.reject(new WinsockError(WSAEOPNOTSUPP, "select: not yet"));
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
