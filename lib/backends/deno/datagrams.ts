/**
 * The deno backend's UDP sockets, over `Deno.listenDatagram`. That API is
 * still unstable: it exists only when Deno runs with `--unstable-net` (this
 * project's `deno.json` turns it on with `"unstable": ["net"]`). Without it,
 * `socket(…, SOCK_DGRAM, …)` fails with `WSAESOCKTNOSUPPORT` and says so:
 * `node:dgram` is stable but binds asynchronously, and Winsock's `bind` must
 * answer at once (a port of 0 is read back with `getsockname` right after).
 *
 * Emulated as Windows behaves: a datagram longer than the buffer fills it
 * and fails with `WSAEMSGSIZE`; `recvfrom` on a socket never bound fails with
 * `WSAEINVAL`; the first `sendto` (or `connect`) binds an unbound socket to
 * an ephemeral port (the wildcard address, or loopback when Deno's
 * `--allow-net` does not allow the wildcard); a connected socket receives
 * from its peer only (`sendto` with an address still sends there);
 * `recvfrom` takes `MSG_PEEK` only; an `AF_INET6` socket is IPv6 only
 * (`IPV6_V6ONLY` on, Windows' default): IPv4 datagrams that reach it as
 * `::ffff:a.b.c.d` are dropped; a broadcast `sendto` (255.255.255.255) fails
 * with `WSAEACCES`, as on Windows without `SO_BROADCAST` (which this backend
 * cannot set).
 *
 * @module
 */

import type { Datagram } from "../contract.ts";
import { AF_INET6, MSG_PEEK, type SOCKET } from "../../constants.ts";
import {
  WinsockError,
  WSAEACCES,
  WSAEINTR,
  WSAEINVAL,
  WSAEMSGSIZE,
  WSAENOTCONN,
  WSAEOPNOTSUPP,
  WSAESOCKTNOSUPPORT,
} from "../../errors.ts";
import type { SOCKADDR } from "../../structs.ts";
import { fromAddress, isMappedIPv4, toAddress } from "./addresses.ts";
import { fromDenoError } from "./errors.ts";

/** What the deno backend's `select` asks of one socket. */
export interface SelectView {
  /** Closed since `select` began (it then fails with `WSAEINTR`). */
  closed(): boolean;
  /** `recv`/`recvfrom` (or `accept`) would not wait. */
  readable(): boolean;
  /** `send` would not wait. */
  writable(): boolean;
  /** Starts the one read that can make it readable, unless one is under way. */
  pull(): void;
  /** Exceptional: a non-blocking `connect` failed (TCP only). */
  failed?(): boolean;
}

interface UdpSocket {
  af: number;
  conn?: Deno.DatagramConn;
  /** The connected peer. */
  peer?: { hostname: string; port: number };
  closed?: boolean;
  /** The one `receive` in flight. */
  pulling?: Promise<void>;
  /** A datagram received and not yet handed out. */
  inbox?: [Uint8Array, Deno.NetAddr];
  /** The last receive's error, handed out once. */
  failure?: WinsockError;
}

/** Whether this Deno offers `Deno.listenDatagram` (`--unstable-net`). */
function listenDatagram(): typeof Deno.listenDatagram | undefined {
  return (Deno as { listenDatagram?: typeof Deno.listenDatagram }).listenDatagram;
}

function same(a: { hostname: string; port: number }, b: Deno.NetAddr): boolean {
  const host = (h: string) => h.replace(/^::ffff:(?=\d+\.)/, "");
  return a.port === b.port && host(a.hostname) === host(b.hostname);
}

/** The UDP half of the deno backend; `notify` wakes its `select`s. */
export function createDenoDatagrams(notify: () => void) {
  const sockets = new Map<SOCKET, UdpSocket>();

  function get(s: SOCKET): UdpSocket {
    const sock = sockets.get(s) as UdpSocket;
    if (sock.closed) throw new WinsockError(WSAEINTR, "closed");
    return sock;
  }

  function open(sock: UdpSocket, hostname: string, port: number, what: string): Deno.DatagramConn {
    try {
      return sock.conn = (listenDatagram() as typeof Deno.listenDatagram)({
        transport: "udp",
        hostname,
        port,
      });
    } catch (e) {
      throw fromDenoError(e, what);
    }
  }

  /** Binds an unbound socket as Windows does before its first send. */
  function autobind(sock: UdpSocket, to: { hostname: string }): Deno.DatagramConn {
    if (sock.conn) return sock.conn;
    const v6 = sock.af === AF_INET6;
    try {
      return open(sock, v6 ? "::" : "0.0.0.0", 0, "sendto");
    } catch (e) {
      const loopback = v6 ? "::1" : "127.0.0.1";
      if (!(e instanceof WinsockError) || to.hostname !== loopback) throw e;
      return open(sock, loopback, 0, "sendto"); // --allow-net allows the loopback only
    }
  }

  /** Starts the socket's one receive unless one is in flight or a datagram waits. */
  function pull(sock: UdpSocket): Promise<void> {
    if (sock.pulling) return sock.pulling;
    const conn = sock.conn as Deno.DatagramConn;
    sock.pulling = (async () => {
      try {
        for (;;) {
          const [data, from] = await conn.receive();
          const addr = from as Deno.NetAddr;
          const mapped = sock.af === AF_INET6 && isMappedIPv4(addr);
          if (mapped || (sock.peer && !same(sock.peer, addr))) continue; // not for this socket
          sock.inbox = [data.slice(), addr];
          break;
        }
      } catch (e) {
        if (!sock.closed) sock.failure = fromDenoError(e, "recvfrom");
      } finally {
        sock.pulling = undefined;
        notify();
      }
    })();
    return sock.pulling;
  }

  return {
    /** Whether `s` is one of these sockets. */
    has: (s: SOCKET) => sockets.has(s),
    /** `socket(af, SOCK_DGRAM, …)` under handle `s`. */
    socket(s: SOCKET, af: number): void {
      if (!listenDatagram()) {
        throw new WinsockError(
          WSAESOCKTNOSUPPORT,
          "socket: SOCK_DGRAM on the deno backend needs Deno.listenDatagram: run with --unstable-net",
        );
      }
      sockets.set(s, { af });
    },
    bind(s: SOCKET, name: SOCKADDR): void {
      const sock = get(s);
      if (sock.conn) throw new WinsockError(WSAEINVAL, "bind: already bound");
      const { hostname, port } = fromAddress(name, sock.af);
      open(sock, hostname, port, "bind");
    },
    connect(s: SOCKET, name: SOCKADDR): void {
      const sock = get(s);
      const peer = fromAddress(name, sock.af);
      autobind(sock, peer);
      sock.peer = peer;
      sock.inbox = undefined; // a datagram from elsewhere, received before: no longer for it
    },
    async sendto(s: SOCKET, buf: Uint8Array, to: SOCKADDR | null): Promise<number> {
      const sock = get(s);
      const target = to ? fromAddress(to, sock.af) : sock.peer; // `to` overrides the peer
      if (!target) throw new WinsockError(WSAENOTCONN, "sendto: no address and not connected");
      if (target.hostname === "255.255.255.255") {
        // Windows refuses a broadcast without SO_BROADCAST, which this backend cannot set.
        throw new WinsockError(WSAEACCES, "sendto: broadcast needs SO_BROADCAST (emulation)");
      }
      const conn = autobind(sock, target);
      try {
        return await conn.send(buf, { transport: "udp", ...target });
      } catch (e) {
        const os = /os error (\d+)/.exec(e instanceof Error ? e.message : "")?.[1];
        if (os === "90" || os === "10040" || os === "40") {
          throw new WinsockError(WSAEMSGSIZE, "sendto", { cause: e });
        }
        throw sock.closed ? new WinsockError(WSAEINTR, "sendto") : fromDenoError(e, "sendto");
      }
    },
    async recvfrom(s: SOCKET, buf: Uint8Array, flags: number): Promise<Datagram> {
      const sock = get(s);
      if ((flags & ~MSG_PEEK) !== 0) {
        throw new WinsockError(WSAEOPNOTSUPP, "recvfrom: flags other than MSG_PEEK (emulation)");
      }
      if (!sock.conn) throw new WinsockError(WSAEINVAL, "recvfrom: socket not bound");
      for (;;) {
        if (sock.closed) throw new WinsockError(WSAEINTR, "recvfrom");
        const got = sock.inbox, failure = sock.failure;
        if (!(got && flags & MSG_PEEK)) sock.inbox = sock.failure = undefined; // a peek keeps it
        if (got) {
          const [data, from] = got;
          const count = Math.min(data.byteLength, buf.byteLength);
          buf.set(data.subarray(0, count));
          return { count, from: toAddress(from), truncated: data.byteLength > buf.byteLength };
        }
        if (failure) throw failure;
        await pull(sock);
      }
    },
    /**
     * What `select` sees: readable when a datagram (or an error) waits,
     * always writable (nothing tells of the send buffer), never exceptional.
     */
    view(s: SOCKET): SelectView {
      const sock = sockets.get(s) as UdpSocket;
      return {
        closed: () => !!sock.closed,
        readable: () => !!(sock.inbox || sock.failure),
        writable: () => true,
        pull: () => void (sock.conn && !sock.closed && !sock.inbox && !sock.failure && pull(sock)),
      };
    },
    getsockname(s: SOCKET): SOCKADDR {
      const sock = get(s);
      if (!sock.conn) throw new WinsockError(WSAEINVAL, "getsockname: not bound");
      return toAddress(sock.conn.addr as Deno.NetAddr);
    },
    getpeername(s: SOCKET): SOCKADDR {
      const peer = get(s).peer;
      if (!peer) throw new WinsockError(WSAENOTCONN, "getpeername");
      return toAddress({ transport: "udp", ...peer });
    },
    closesocket(s: SOCKET): void {
      const sock = sockets.get(s) as UdpSocket;
      sock.closed = true;
      try {
        sock.conn?.close();
      } catch { /* already closed */ }
      sockets.delete(s);
      notify();
    },
    /** `WSACleanup`: closes them all. */
    cleanup(): void {
      for (const s of [...sockets.keys()]) this.closesocket(s);
    },
  };
}
