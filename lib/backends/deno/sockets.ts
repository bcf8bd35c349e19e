/**
 * The **deno** backend: Winsock semantics emulated over `Deno.listen` and
 * `Deno.connect`, for machines without ws2_32.dll and programs without
 * `--allow-ffi`. Handles are numbers this backend hands out; errors are
 * translated from Deno's to the WSA codes Windows would give.
 *
 * Limits of the emulation: TCP over IPv4/IPv6 only; a socket that was bound
 * cannot then connect (Deno cannot choose the local port of a connection);
 * `listen`'s backlog is Deno's; socket options other than the few in
 * `KEPT_OPTIONS` fail with `WSAENOPROTOOPT`, and `WSAIoctl` with `WSAEOPNOTSUPP`;
 * `recv` takes `MSG_PEEK` and `MSG_WAITALL` only, `send` no flags
 * (`WSAEOPNOTSUPP`).
 *
 * `select` sees what Deno lets it see. Readable: a listener with a connection
 * waiting, a connection with bytes waiting, the peer's close or an error
 * (found by the socket's one read, or accept, in flight: its result waits in
 * the socket for the next `recv` or `accept`, so nothing is lost or
 * reordered). Writable: connected, not shut down for sending, and (for a
 * non-blocking socket) room in its send buffer. Exceptional: a non-blocking
 * `connect` that failed (out-of-band data does not exist here). A timeout of
 * 0 gives the reads in flight one turn of the event loop before answering.
 *
 * A non-blocking socket (`ioctlsocket(FIONBIO)`) never waits. Deno tells
 * nothing of send buffers, and a `conn.write` to a peer that never reads
 * stays pending for ever, so `send` emulates one: it copies what fits into
 * 64 KiB waiting for `conn.write` (and waits one turn of the event loop at
 * most for that write), then says `WSAEWOULDBLOCK`. `closesocket`
 * closes the connection once that is written (or the writing failed).
 * `FIONREAD` counts the bytes read ahead.
 *
 * @module
 */

import { emulateWSAStartup, recovering, type SocketBackend } from "../contract.ts";
import {
  AF_INET,
  AF_INET6,
  FIONBIO,
  FIONREAD,
  IPPROTO_TCP,
  IPPROTO_UDP,
  MSG_PEEK,
  MSG_WAITALL,
  SD_BOTH,
  SD_RECEIVE,
  SD_SEND,
  SOCK_DGRAM,
  SOCK_STREAM,
  type SOCKET,
} from "../../constants.ts";
import {
  WinsockError,
  WSAEACCES,
  WSAEAFNOSUPPORT,
  WSAEALREADY,
  WSAECONNRESET,
  WSAEINTR,
  WSAEINVAL,
  WSAEISCONN,
  WSAEMSGSIZE,
  WSAENOPROTOOPT,
  WSAENOTCONN,
  WSAENOTSOCK,
  WSAEOPNOTSUPP,
  WSAEPROTONOSUPPORT,
  WSAESHUTDOWN,
  WSAESOCKTNOSUPPORT,
  WSAEWOULDBLOCK,
} from "../../errors.ts";
import {
  formatWinsockValue,
  parseWinsockValue,
  type WinsockOption,
  winsockOption,
} from "../option_table.ts";
import { fromAddress, isMappedIPv4, toAddress } from "./addresses.ts";
import { createDenoDatagrams, type SelectView } from "./datagrams.ts";
import { fromDenoError } from "./errors.ts";
import { denoGetaddrinfo, denoGetnameinfo } from "./names.ts";

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
  /** The socket options set (by name; see `KEPT_OPTIONS`). */
  options?: Record<string, number>;
  /** The program made it non-blocking (`FIONBIO` 1): its calls never wait. */
  nonBlocking?: boolean;
  /** A non-blocking `connect` under way. */
  connecting?: Promise<void>;
  /** Why a non-blocking `connect` failed (`select`'s exceptional, and `SO_ERROR`). */
  connectFailure?: WinsockError;
  /** Bytes a non-blocking `send` took and `conn.write` has not yet written: the "send buffer". */
  outbox?: Uint8Array[];
  /** How many bytes `outbox` holds (at most `SEND_BUFFER`). */
  outboxBytes?: number;
  /** The writes of `outbox` under way; resolves when it is empty (or the writing failed). */
  flushing?: Promise<void>;
  /** Writing `outbox` failed: every later send fails with it. */
  sendFailure?: WinsockError;
}

/** How much one read-ahead takes from a connection; what `recv` does not ask for waits in `inbox`. */
const READ_CHUNK = 16 * 1024;

/**
 * The emulated send buffer of a non-blocking socket: `send` takes bytes
 * while fewer than this wait for `conn.write` (which takes a copy and may
 * wait for ever on a peer that never reads), then says `WSAEWOULDBLOCK`.
 */
const SEND_BUFFER = 64 * 1024;

/** Read-ahead buffers kept for reuse when their sockets close (at most). */
const MAX_SPARES = 64;

/** The longest delay `setTimeout` takes (a longer one fires at once). */
const MAX_TIMER_MS = 0x7fffffff;

/**
 * The options this backend keeps (set, they read back), and what each
 * starts as. `TCP_NODELAY` and `SO_KEEPALIVE` are also applied to the
 * connection (`setNoDelay`, `setKeepAlive`), now or when it connects (an
 * accepted one inherits its listener's, as on Windows). `SO_REUSEADDR` is
 * only kept: every bind is `Deno.listen`'s, which sets POSIX `SO_REUSEADDR`
 * itself on Linux and macOS and never on Windows. `SO_ERROR` is always 0 (a
 * failed call reports its error itself) and `SO_TYPE` is `SOCK_STREAM`.
 * Every other option of the table is `WSAENOPROTOOPT`: Deno offers no way to
 * apply it, and a value kept without effect would pretend.
 */
const KEPT_OPTIONS: Readonly<Record<string, { initial: number; readOnly?: boolean }>> = {
  TCP_NODELAY: { initial: 0 },
  SO_KEEPALIVE: { initial: 0 },
  SO_REUSEADDR: { initial: 0 },
  SO_ERROR: { initial: 0, readOnly: true },
  SO_TYPE: { initial: SOCK_STREAM, readOnly: true },
};

function notHere(opt: WinsockOption): WinsockError {
  return new WinsockError(WSAENOPROTOOPT, `${opt.name}: not available through Deno's sockets`);
}

/** Applies the kept `TCP_NODELAY` and `SO_KEEPALIVE` to a connection. */
function applyOptions(conn: Deno.TcpConn, options: Record<string, number> | undefined): void {
  if (options?.TCP_NODELAY !== undefined) conn.setNoDelay(options.TCP_NODELAY !== 0);
  if (options?.SO_KEEPALIVE !== undefined) conn.setKeepAlive(options.SO_KEEPALIVE !== 0);
}

/**
 * An accept's error: a client that reset before it was accepted is
 * `WSAECONNRESET`, as Windows documents for `accept` (Deno says
 * `NotConnected`: it asks the gone connection for its peer's address).
 */
function acceptError(e: unknown): WinsockError {
  const error = fromDenoError(e, "accept");
  if (error.code !== WSAENOTCONN) return error;
  return new WinsockError(WSAECONNRESET, "accept: the client reset before it was accepted", {
    cause: e,
  });
}

/** Until `promise` settles, or one turn of the event loop (a 0 ms timer) if that is sooner. */
async function atMostOneTurn(promise: Promise<void>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([promise, new Promise((r) => timer = setTimeout(r, 0))]);
  clearTimeout(timer);
}

/**
 * Creates the deno backend.
 *
 * @example
 * ```ts
 * import { createDenoBackend } from "./sockets.ts";
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
  const udp = createDenoDatagrams(notify);

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

  /**
   * Closes the socket's resources; a connection still writing what a
   * non-blocking send took is closed once that is written (a graceful
   * close), unless `now`.
   */
  function close(sock: EmulatedSocket, now = false): void {
    sock.closed = true;
    if (sock.flushing && !now) {
      sock.flushing.then(() => close(sock, true));
      return;
    }
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
          let conn = await sock.listener.accept();
          // IPV6_V6ONLY on (Windows' default): Deno's listener on :: is dual-stack, so an IPv4
          // client (::ffff:a.b.c.d) is closed at once and never handed out.
          while (sock.af === AF_INET6 && isMappedIPv4(conn.remoteAddr) && !sock.closed) {
            conn.close();
            conn = await sock.listener.accept();
          }
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
        if (!sock.closed) sock.failure = sock.listener ? acceptError(e) : fromDenoError(e, "recv");
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

  /**
   * `select`'s writable: connected, and room in the send buffer or shut down
   * for sending (send then fails at once, as C sees it writable).
   */
  function writable(sock: EmulatedSocket): boolean {
    return !!sock.conn && (sock.sendShut || (sock.outboxBytes ?? 0) < SEND_BUFFER);
  }

  /** Writes `outbox` out, one `conn.write` at a time, unless that is under way already. */
  function flush(sock: EmulatedSocket, conn: Deno.TcpConn): void {
    if (sock.flushing) return;
    const outbox = sock.outbox ??= [];
    sock.flushing = (async () => {
      try {
        while (outbox.length > 0) {
          const n = await conn.write(outbox[0]);
          sock.outboxBytes! -= n;
          if (n === outbox[0].byteLength) outbox.shift();
          else outbox[0] = outbox[0].subarray(n);
          notify(); // room again: select may find it writable
        }
      } catch (e) {
        sock.sendFailure = sock.closed
          ? new WinsockError(WSAEINTR, "send")
          : fromDenoError(e, "send");
        outbox.length = 0;
        sock.outboxBytes = 0;
      } finally {
        sock.flushing = undefined;
        notify();
      }
    })();
  }

  /**
   * One `recv`: what was read ahead first, else one read (straight into `buf`
   * unless `peek`, which reads ahead and leaves the bytes there).
   */
  async function receive(sock: EmulatedSocket, buf: Uint8Array, peek: boolean): Promise<number> {
    for (;;) {
      if (sock.closed) throw new WinsockError(WSAEINTR, "recv");
      if (sock.inbox?.byteLength) {
        // All that has come, as C's recv takes: past what was read ahead too, if a read finds
        // more at once (Deno reads eagerly: it ends within a few microtasks).
        let n = 0;
        for (let inbox = sock.inbox; inbox?.byteLength; inbox = sock.inbox) {
          const k = Math.min(buf.byteLength - n, inbox.byteLength);
          buf.set(inbox.subarray(0, k), n);
          n += k;
          if (peek) return n;
          sock.inbox = inbox.subarray(k);
          if (n === buf.byteLength || !canPull(sock)) break;
          pull(sock);
          for (let turn = 0; turn < 8 && sock.pulling; turn++) await null;
        }
        return n;
      }
      if (sock.failure) throw sock.failure;
      if (sock.eof) return 0;
      if (sock.nonBlocking) {
        pull(sock); // read ahead: select will find the bytes when they come
        throw new WinsockError(WSAEWOULDBLOCK, "recv");
      }
      const n = await pull(sock, peek ? undefined : buf); // nothing read ahead: read into buf itself
      if (n !== undefined && !sock.closed) return n;
    }
  }

  /** What `select` asks of a socket, TCP or UDP. */
  function view(s: SOCKET): SelectView {
    if (udp.has(s)) return udp.view(s);
    const sock = get(s);
    return {
      closed: () => !!sock.closed,
      readable: () => readable(sock),
      writable: () => writable(sock),
      pull: () => void (canPull(sock) && pull(sock)),
      failed: () => !!sock.connectFailure,
    };
  }

  function adopt(conn: Deno.TcpConn, af: number, options?: Record<string, number>): SOCKET {
    const handle = nextHandle;
    nextHandle += 4n;
    applyOptions(conn, options);
    sockets.set(handle, { af, conn, ...(options ? { options: { ...options } } : {}) });
    return handle;
  }

  /** `recv`: what was read ahead, else one read (`MSG_WAITALL`: until full); rejects on failure. */
  async function recvStream(s: SOCKET, buf: Uint8Array, flags: number): Promise<number> {
    if (udp.has(s)) {
      const got = await udp.recvfrom(s, buf, flags);
      if (got.truncated) throw new WinsockError(WSAEMSGSIZE, "recv: datagram larger than buffer");
      return got.count;
    }
    const sock = get(s);
    if ((flags & ~(MSG_PEEK | MSG_WAITALL)) !== 0) {
      throw new WinsockError(WSAEOPNOTSUPP, "recv: flags (emulation)");
    }
    connected(s);
    if (sock.recvShut) throw new WinsockError(WSAESHUTDOWN, "recv");
    if (buf.byteLength === 0) return 0;
    if (flags & MSG_PEEK) return await receive(sock, buf, true);
    // A socket made non-blocking takes what has come, as Winsock does (looping would lose it).
    if (!(flags & MSG_WAITALL) || sock.nonBlocking) return await receive(sock, buf, false);
    let got = 0; // MSG_WAITALL: until full, the peer's close, or an error, as Windows waits
    while (got < buf.byteLength) {
      const n = await receive(sock, buf.subarray(got), false);
      if (n === 0) break;
      got += n;
    }
    return got;
  }

  /** `send`: all of `buf` (non-blocking: what fits the emulated send buffer); rejects on failure. */
  async function sendStream(s: SOCKET, buf: Uint8Array, flags: number): Promise<number> {
    if (udp.has(s)) {
      if (flags !== 0) throw new WinsockError(WSAEOPNOTSUPP, "send: flags (emulation)");
      return udp.sendto(s, buf, null);
    }
    const sock = get(s);
    if (flags !== 0) throw new WinsockError(WSAEOPNOTSUPP, "send: flags (emulation)");
    const conn = connected(s);
    if (sock.sendShut) throw new WinsockError(WSAESHUTDOWN, "send");
    if (sock.sendFailure) throw sock.sendFailure;
    if (sock.nonBlocking) { // what fits in the emulated send buffer, copied: conn.write takes it later
      if (buf.byteLength === 0) return 0;
      const room = SEND_BUFFER - (sock.outboxBytes ?? 0);
      if (room <= 0) throw new WinsockError(WSAEWOULDBLOCK, "send");
      const n = Math.min(room, buf.byteLength);
      (sock.outbox ??= []).push(buf.slice(0, n));
      sock.outboxBytes = (sock.outboxBytes ?? 0) + n;
      flush(sock, conn);
      // The write, one turn of the event loop at most (the kernel takes it at once unless the
      // peer stopped reading): with every write left running behind the caller, Deno's reads and
      // writes on a few hundred connections stopped completing (a connect-and-close storm).
      if (sock.flushing) await atMostOneTurn(sock.flushing);
      return n;
    }
    while (sock.flushing) await sock.flushing; // what non-blocking sends took goes first
    if (sock.sendFailure) throw sock.sendFailure;
    let sent = 0;
    try {
      while (sent < buf.byteLength) sent += await conn.write(buf.subarray(sent));
    } catch (e) {
      throw sock.closed ? new WinsockError(WSAEINTR, "send") : fromDenoError(e, "send");
    }
    return sent;
  }

  return {
    name: "deno",
    startup: emulateWSAStartup,
    cleanup() {
      for (const sock of sockets.values()) close(sock, true);
      sockets.clear();
      udp.cleanup();
      notify();
    },
    socket(af, type, protocol) {
      if (af !== AF_INET && af !== AF_INET6) throw new WinsockError(WSAEAFNOSUPPORT, "socket");
      if (type === SOCK_DGRAM && (protocol === 0 || protocol === IPPROTO_UDP)) {
        udp.socket(nextHandle, af);
        return (nextHandle += 4n) - 4n;
      }
      if (type !== SOCK_STREAM) {
        throw new WinsockError(WSAESOCKTNOSUPPORT, "socket: only SOCK_STREAM and SOCK_DGRAM");
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
      if (udp.has(s)) return udp.bind(s, name);
      const sock = get(s);
      if (sock.listener || sock.conn) throw new WinsockError(WSAEINVAL, "bind: already bound");
      try {
        sock.listener = Deno.listen({ ...fromAddress(name, sock.af), transport: "tcp" });
      } catch (e) {
        throw fromDenoError(e, "bind");
      }
    },
    listen(s) {
      if (udp.has(s)) throw new WinsockError(WSAEOPNOTSUPP, "listen: a UDP socket");
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
        if (conn) {
          const socket = adopt(conn, sock.af, sock.options);
          get(socket).nonBlocking = sock.nonBlocking; // as Windows: the listener's mode
          return { socket, address: toAddress(conn.remoteAddr) };
        }
        if (failure) throw failure;
        if (sock.nonBlocking) {
          pull(sock); // select will find the connection when it comes
          throw new WinsockError(WSAEWOULDBLOCK, "accept");
        }
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
      if (udp.has(s)) return udp.connect(s, name);
      const sock = get(s);
      if (sock.conn) throw new WinsockError(WSAEISCONN, "connect");
      if (sock.connecting) throw new WinsockError(WSAEALREADY, "connect");
      if (sock.listening) throw new WinsockError(WSAEINVAL, "connect: a listening socket");
      if (sock.listener) {
        throw new WinsockError(WSAEOPNOTSUPP, "connect: a bound socket (emulation)");
      }
      const target = fromAddress(name, sock.af);
      if (sock.nonBlocking) { // under way: select says writable (connected) or exceptional (failed)
        sock.connectFailure = undefined;
        sock.connecting = (async () => {
          try {
            const conn = await Deno.connect({ ...target, transport: "tcp" });
            if (sock.closed) conn.close();
            else sock.conn = conn;
          } catch (e) {
            sock.connectFailure = fromDenoError(e, "connect");
          } finally {
            sock.connecting = undefined;
            notify();
          }
        })();
        throw new WinsockError(WSAEWOULDBLOCK, "connect");
      }
      try {
        const conn = await Deno.connect({ ...target, transport: "tcp" });
        if (sock.closed) conn.close();
        else {
          sock.conn = conn;
          applyOptions(conn, sock.options);
        }
      } catch (e) {
        throw fromDenoError(e, "connect");
      }
      notify();
    },
    recv(s, buf, flags, recover) {
      return recovering(recvStream(s, buf, flags), recover);
    },
    send(s, buf, flags, recover) {
      return recovering(sendStream(s, buf, flags), recover);
    },
    shutdown(s, how) {
      const sock = get(s);
      if (how !== SD_RECEIVE && how !== SD_SEND && how !== SD_BOTH) {
        throw new WinsockError(WSAEINVAL, "shutdown"); // before the state, as Winsock
      }
      const conn = connected(s);
      if (how !== SD_RECEIVE && !sock.sendShut) {
        sock.sendShut = true;
        const fin = () => void conn.closeWrite().catch(() => {});
        if (sock.flushing) sock.flushing.then(fin); // after what non-blocking sends took
        else fin();
      }
      if (how !== SD_SEND) sock.recvShut = true;
      notify();
    },
    ioctlsocket(s, cmd, arg) {
      const sock = get(s);
      if (cmd === FIONBIO) {
        sock.nonBlocking = arg !== 0;
        return 0;
      }
      if (cmd !== FIONREAD) throw new WinsockError(WSAEOPNOTSUPP, `ioctlsocket: cmd ${cmd}`);
      if (sock.conn && canPull(sock)) pull(sock); // what has come is read ahead for the next look
      return sock.inbox?.byteLength ?? 0;
    },
    closesocket(s) {
      if (udp.has(s)) return udp.closesocket(s);
      close(get(s));
      sockets.delete(s);
      notify();
    },
    async select(sets, timeoutMs) {
      const read = sets.read.map(view), write = sets.write.map(view);
      const except = sets.except.map(view);
      const all = [...read, ...write, ...except];
      let expired = false, wake = () => {};
      // Beyond setTimeout's range (2^31 - 1 ms, 24.8 days) it would fire at once: no limit instead.
      const timer = timeoutMs === null || timeoutMs > MAX_TIMER_MS ? undefined : setTimeout(() => {
        expired = true;
        wake();
      }, timeoutMs);
      try {
        for (;;) {
          if (all.some((v) => v.closed())) throw new WinsockError(WSAEINTR, "select");
          const ready = {
            read: sets.read.filter((_, i) => read[i].readable()),
            write: sets.write.filter((_, i) => write[i].writable()),
            except: sets.except.filter((_, i) => except[i].failed?.() ?? false), // no out-of-band data
          };
          const found = ready.read.length + ready.write.length + ready.except.length;
          if (found > 0 || expired) return ready;
          for (const v of read) v.pull();
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
    sendto(s, buf, flags, to) {
      if (flags !== 0) throw new WinsockError(WSAEOPNOTSUPP, "sendto: flags (emulation)");
      return udp.has(s) ? udp.sendto(s, buf, to) : this.send(s, buf, flags);
    },
    async recvfrom(s, buf, flags) {
      if (udp.has(s)) return udp.recvfrom(s, buf, flags);
      return { count: await this.recv(s, buf, flags), from: null, truncated: false };
    },
    getaddrinfo: denoGetaddrinfo,
    getnameinfo: denoGetnameinfo,
    gethostname() {
      try {
        return Deno.hostname();
      } catch (e) {
        throw new WinsockError(WSAEACCES, "gethostname (Deno: --allow-sys=hostname)", { cause: e });
      }
    },
    getpeername(s) {
      if (udp.has(s)) return udp.getpeername(s);
      return toAddress(connected(s).remoteAddr);
    },
    getsockname(s) {
      if (udp.has(s)) return udp.getsockname(s);
      const sock = get(s);
      const addr = sock.conn?.localAddr ?? sock.listener?.addr;
      if (!addr) throw new WinsockError(WSAEINVAL, "getsockname: not bound");
      return toAddress(addr);
    },
    setsockopt(s, level, optname, optval) {
      // A UDP socket (Deno.listenDatagram) takes no option: refused by name, as below.
      if (udp.has(s)) throw notHere(winsockOption(level, optname));
      const sock = get(s);
      const opt = winsockOption(level, optname);
      if (!KEPT_OPTIONS[opt.name] || KEPT_OPTIONS[opt.name].readOnly) throw notHere(opt);
      const value = parseWinsockValue(opt, optval) as number;
      (sock.options ??= {})[opt.name] = value;
      if (sock.conn) applyOptions(sock.conn, sock.options);
    },
    getsockopt(s, level, optname, optval) {
      if (udp.has(s)) {
        const opt = winsockOption(level, optname);
        if (opt.name === "SO_TYPE") return formatWinsockValue(opt, SOCK_DGRAM, optval);
        if (opt.name === "SO_ERROR") return formatWinsockValue(opt, 0, optval);
        throw notHere(opt);
      }
      const sock = get(s);
      const opt = winsockOption(level, optname);
      const kept = KEPT_OPTIONS[opt.name];
      if (!kept) throw notHere(opt);
      const value = opt.name === "SO_ERROR"
        ? sock.connectFailure?.code ?? 0 // a non-blocking connect that failed says why
        : sock.options?.[opt.name] ?? kept.initial;
      return formatWinsockValue(opt, value, optval);
    },
    ioctl(s, code) {
      get(s);
      throw new WinsockError(
        WSAEOPNOTSUPP,
        `WSAIoctl(0x${(code >>> 0).toString(16)}): Deno's sockets take no keep-alive timing`,
      );
    },
  };
}
