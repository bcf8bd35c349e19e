/**
 * The **posix** backend: the BSD sockets of Linux and macOS through libc,
 * with Winsock's values and error codes.
 *
 * The design is the winsock backend's: every socket is put in non-blocking
 * mode (`fcntl(O_NONBLOCK)`), and each call is made synchronously on the JS
 * thread, with `errno` read right after it. Only when a call would block
 * (`EAGAIN`) does it wait in the reactor (`../reactor.ts`: a short spin on the
 * JS thread, then `epoll_wait` on Linux or `poll` elsewhere on a worker
 * thread) for the socket to become ready, then try again. Closing the socket
 * ends its wait at once (the waiting call then fails with `WSAEINTR`), and a
 * program whose waits are over exits.
 *
 * What is translated: address families and `sockaddr` layouts, socket
 * options and their values (`options.ts`: `struct linger`, timeouts
 * in `timeval`s, Linux's doubled buffer sizes; `SIO_KEEPALIVE_VALS` as
 * `TCP_KEEPIDLE`/`TCP_KEEPINTVL`), `MSG_*` and `SD_*` values, and every
 * `errno` (also `SO_ERROR`'s) to the WSA code Windows gives for the same
 * cause (`abi.ts`). A few calls that succeed on Linux but fail on
 * Windows fail as on Windows: `listen` and `getsockname` on an unbound
 * socket (`WSAEINVAL`), `recv` after `shutdown(SD_RECEIVE)` and `send` after
 * `shutdown(SD_SEND)` (`WSAESHUTDOWN`), a second `connect` (`WSAEISCONN`),
 * and every `recv` after a reset (`WSAECONNRESET`, where Linux says 0 once it
 * has reported the reset). A send never raises `SIGPIPE`.
 *
 * @module
 */

import {
  type Awaitable,
  type BackendOptions,
  emulateWSAStartup,
  type Recover,
  recovering,
  type SelectSets,
  sendAll,
  type SocketBackend,
} from "../contract.ts";
import {
  AF_INET,
  AF_INET6,
  FIONBIO,
  FIONREAD,
  IPPROTO_TCP,
  MSG_OOB,
  MSG_PEEK,
  MSG_WAITALL,
  SD_RECEIVE,
  SD_SEND,
  SIO_KEEPALIVE_VALS,
  SO_KEEPALIVE,
  SO_REUSEADDR,
  SOCK_DGRAM,
  SOCK_STREAM,
  type SOCKET,
  SOL_SOCKET,
  TCP_KEEPALIVE,
  TCP_KEEPINTVL,
} from "../../constants.ts";
import {
  isWinsockError,
  WinsockError,
  WSAEAFNOSUPPORT,
  WSAECONNRESET,
  WSAEDESTADDRREQ,
  WSAEINTR,
  WSAEINVAL,
  WSAENOPROTOOPT,
  WSAENOTCONN,
  WSAENOTSOCK,
  WSAEOPNOTSUPP,
  WSAESHUTDOWN,
  WSAESOCKTNOSUPPORT,
  WSAETIMEDOUT,
  WSAEWOULDBLOCK,
  WSASYSCALLFAILURE,
} from "../../errors.ts";
import { type Libc, openLibc } from "../../../ffi/libc.ts";
import {
  decodeSockaddr,
  encodeSockaddr,
  type SOCKADDR,
  sockaddr_in,
  SOCKADDR_STORAGE_SIZE,
} from "../../structs.ts";
import { type Engine, epollEngine, pollEngine, Reactor, type WakeUp } from "../reactor/reactor.ts";
import { EPOLL, EPOLL_EVENT_LAYOUTS } from "../reactor/epoll.ts";
import { loopbackWakeUp } from "../reactor/wake_up.ts";
import { nativeGetaddrinfo, nativeGetnameinfo } from "../native_names.ts";
import { posixDatagrams, recvCount } from "./datagrams.ts";
import { posixNames } from "./names.ts";
import { type ErrnoName, errnoToWsa, POLLFD_LAYOUT, type PosixAbi, posixAbi } from "./abi.ts";
import {
  decodePosixValue,
  encodePosixValue,
  keepaliveSeconds,
  parseTcpKeepalive,
  posixOption,
  posixTranslation,
  posixValueSize,
} from "./options.ts";
import {
  formatWinsockValue,
  type OptionValue,
  parseWinsockValue,
  type WinsockOption,
  winsockOption,
} from "../option_table.ts";

/** Linux's `FIONREAD` (macOS's is Winsock's own, `_IOR('f', 127, int)`). */
const LINUX_FIONREAD = 0x541b;
/** Winsock's `MSG_DONTROUTE` (not in `constants.ts`). */
const WINSOCK_MSG_DONTROUTE = 0x4;

/** A socket this backend opened. */
interface PosixSocket {
  readonly fd: number;
  /** The same descriptor as the `SOCKET` handed out (and the reactor's key). */
  readonly socket: SOCKET;
  /** Set by `closesocket`: a call waiting on it ends with `WSAEINTR`. */
  closed: boolean;
  /** `shutdown(SD_SEND or SD_BOTH)` succeeded. */
  sendShut: boolean;
  /** `shutdown(SD_RECEIVE or SD_BOTH)` succeeded. */
  recvShut: boolean;
  /** A recv failed with `WSAECONNRESET`: later ones fail so too, as on Windows (Linux says 0). */
  reset: boolean;
  /** Connected or listening: `select` can find it ready (Linux calls a fresh socket readable). */
  active: boolean;
  /** `listen` succeeded. */
  listening?: boolean;
  /** `SO_EXCLUSIVEADDRUSE`, kept here (no platform has it); `SO_REUSEADDR` stays off meanwhile. */
  exclusive?: boolean;
  /** `SO_REUSEADDR` as the program set it (the platform's may be on for Windows' rebinding). */
  reuseAddr?: boolean;
  /** A `SOCK_DGRAM` socket: `recv`/`send` go through `recvfrom`/`sendto`. */
  datagram: boolean;
  /** The program made it non-blocking (`FIONBIO` 1): its calls never wait. */
  nonBlocking: boolean;
  /** A non-blocking `connect` under way (its address): `select` settles it. */
  connecting?: Uint8Array;
}

/**
 * Creates the posix backend; throws a clear `Error` where libc cannot be
 * loaded (not Linux or macOS, or no `--allow-ffi`).
 *
 * @example
 * ```ts ignore
 * import { createPosixBackend } from "./sockets.ts";
 * console.log(createPosixBackend().name); // "posix" (on Linux or macOS, with --allow-ffi)
 * ```
 */
export function createPosixBackend(
  options: BackendOptions = {},
  abi: PosixAbi = posixAbi(),
): SocketBackend {
  const c: Libc = openLibc();
  /**
   * The open sockets, by descriptor: an array (descriptors are small and
   * dense, the lowest free one is used), so a call looks its socket up
   * without hashing.
   */
  const open: (PosixSocket | undefined)[] = [];
  /** Where a send keeps quiet instead of raising SIGPIPE: a flag, or SO_NOSIGPIPE. */
  const noSignal = abi.SO_NOSIGPIPE ? 0 : abi.MSG_NOSIGNAL;
  const msgFlags: [number, number][] = [
    [MSG_OOB, abi.MSG_OOB],
    [MSG_PEEK, abi.MSG_PEEK],
    [WINSOCK_MSG_DONTROUTE, abi.MSG_DONTROUTE],
    [MSG_WAITALL, abi.MSG_WAITALL],
  ];

  /**
   * The JS thread's `errno`: read it right after the call that failed. Its
   * address is the thread's own and never changes, so it is looked up once,
   * and read through an `Int32Array` over those 4 bytes (an element load,
   * where `UnsafePointerView.getInt32` is a call into Deno: ~30 ns).
   */
  const errnoCell = new Int32Array(Deno.UnsafePointerView.getArrayBuffer(c.__errno_location()!, 4));
  function errno(): number {
    return errnoCell[0];
  }

  function error(code: number, what: string): WinsockError {
    const wsa = errnoToWsa(abi, code);
    return wsa === undefined
      ? new WinsockError(WSASYSCALLFAILURE, `${what}: errno ${code}`)
      : new WinsockError(wsa, what);
  }

  function check(rc: number, what: string): void {
    if (rc === -1) throw error(errno(), what);
  }

  /** After a failed call: `undefined` if it would block (wait, then retry), else throws. */
  function wouldBlock(what: string, sock?: PosixSocket): undefined {
    const code = errno();
    const { EAGAIN, EWOULDBLOCK, EINTR } = abi.errno;
    if (code !== EAGAIN && code !== EWOULDBLOCK && code !== EINTR) throw error(code, what);
    // A blocking socket says EAGAIN only when SO_RCVTIMEO/SO_SNDTIMEO ran out: Winsock's 10060
    // (on the raw path a socket the program made non-blocking means "would block").
    if (options.blocking && code !== EINTR && !sock?.nonBlocking) {
      throw new WinsockError(WSAETIMEDOUT, what);
    }
    return undefined;
  }

  function fcntl(fd: number, cmd: number, arg: number): number {
    const a = BigInt(arg); // in the third register and in the first stack slot: see ffi/libc.ts
    return c.fcntl(fd, cmd, a, 0n, 0n, 0n, 0n, 0n, a);
  }

  /** Non-blocking (unless asked not to), not inherited by child processes, and (macOS) no SIGPIPE. */
  function prepare(fd: number): void {
    check(fcntl(fd, abi.F_SETFD, abi.FD_CLOEXEC), "fcntl(F_SETFD)");
    if (!options.blocking) {
      const flags = fcntl(fd, abi.F_GETFL, 0);
      check(flags, "fcntl(F_GETFL)");
      check(fcntl(fd, abi.F_SETFL, flags | abi.O_NONBLOCK), "fcntl(F_SETFL, O_NONBLOCK)");
    }
    if (abi.SO_NOSIGPIPE) {
      const on = new Int32Array([1]);
      check(c.setsockopt(fd, abi.SOL_SOCKET, abi.SO_NOSIGPIPE, on, 4), "setsockopt(SO_NOSIGPIPE)");
    }
  }

  /**
   * What the program asked with `FIONBIO`. The descriptor is non-blocking
   * anyway, except on the raw synchronous path, where it becomes what was asked.
   */
  function setNonBlocking(sock: PosixSocket, on: boolean): void {
    if (options.blocking) {
      const flags = fcntl(sock.fd, abi.F_GETFL, 0);
      check(flags, "fcntl(F_GETFL)");
      const wanted = on ? flags | abi.O_NONBLOCK : flags & ~abi.O_NONBLOCK;
      check(fcntl(sock.fd, abi.F_SETFL, wanted), "fcntl(F_SETFL)");
    }
    sock.nonBlocking = on;
  }

  function adopt(fd: number, active: boolean, datagram = false): SOCKET {
    try {
      prepare(fd);
    } catch (e) {
      c.close(fd);
      throw e;
    }
    const socket = BigInt(fd);
    open[fd] = {
      fd,
      socket,
      closed: false,
      sendShut: false,
      recvShut: false,
      reset: false,
      active,
      datagram,
      nonBlocking: false,
    };
    return socket;
  }

  function known(s: SOCKET): PosixSocket {
    const sock = open[Number(s)]; // beyond 2^53 it matches no descriptor, as it should
    if (!sock) throw new WinsockError(WSAENOTSOCK, `SOCKET ${s}`);
    return sock;
  }

  const reactor = new Reactor(openEngine, options.spin, () => void c.sched_yield());

  /** The reactor's engine: epoll on Linux, poll elsewhere. */
  function openEngine(): Engine {
    const { epoll_create1, epoll_ctl, epoll_wait, epoll_wait_park } = c;
    const layout = (EPOLL_EVENT_LAYOUTS as Record<string, typeof EPOLL_EVENT_LAYOUTS.x86_64>)[
      Deno.build.arch
    ];
    if (Deno.build.os === "linux" && epoll_create1 && epoll_ctl && epoll_wait && epoll_wait_park) {
      return epollEngine({
        layout,
        create() {
          const epfd = epoll_create1(EPOLL.EPOLL_CLOEXEC);
          check(epfd, "epoll_create1");
          return epfd;
        },
        ctl: (epfd, op, fd, event) => epoll_ctl(epfd, op, fd, event) === 0 ? 0 : errno(),
        wait: epoll_wait,
        waitOnWorker: epoll_wait_park,
        close: (fd) => void c.close(fd),
        fail: (code, what) => {
          throw error(code, what);
        },
        openWakeUp,
      });
    }
    return pollEngine({
      layout: POLLFD_LAYOUT,
      readable: abi.POLLIN,
      alwaysBits: abi.POLLERR | abi.POLLHUP | abi.POLLNVAL,
      poll: (fds, nfds, timeout) => c.poll(fds, nfds, timeout),
      pollWait: (fds, nfds, timeout) => c.poll_wait(fds, nfds, timeout),
      openWakeUp,
    });
  }

  /** The reactor's wake-up, on libc's calls. */
  function openWakeUp(): WakeUp {
    return loopbackWakeUp<number>({
      socket: () => {
        const fd = c.socket(abi.sockaddr.AF_INET, abi.SOCK_DGRAM, 0);
        check(fd, "socket (wake-up)");
        return fd;
      },
      prepare,
      bind: (fd, addr) => {
        const bytes = encodeSockaddr(addr, abi.sockaddr);
        check(c.bind(fd, bytes, bytes.byteLength), "bind (wake-up)");
      },
      getsockname: (fd) => name("getsockname", fd),
      connect: (fd, addr) => {
        const bytes = encodeSockaddr(addr, abi.sockaddr);
        check(c.connect(fd, bytes, bytes.byteLength), "connect (wake-up)");
      },
      send: (fd, bytes) => void c.send(fd, bytes, BigInt(bytes.byteLength), noSignal),
      recv: (fd, buf) => c.recv(fd, buf, BigInt(buf.byteLength), 0),
      close: (fd) => void c.close(fd),
    });
  }

  /** One stream `recv` into `rest` now: the count, or `undefined` if it would block. */
  function recvNow(sock: PosixSocket, rest: Uint8Array, native: number): number | undefined {
    const n = Number(c.recv(sock.fd, rest, BigInt(rest.byteLength), native));
    if (n !== -1) return n;
    try {
      return wouldBlock("recv", sock);
    } catch (e) {
      if (isWinsockError(e, WSAECONNRESET)) sock.reset = true;
      throw e;
    }
  }

  /** One stream `send` of `rest` now: the count, or `undefined` if it would block. */
  function sendNow(sock: PosixSocket, rest: Uint8Array, native: number): number | undefined {
    const n = Number(c.send(sock.fd, rest, BigInt(rest.byteLength), native));
    return n === -1 ? wouldBlock("send", sock) : n;
  }

  /** One stream `recv` into `rest`, waiting for data if need be. */
  function recvOnce(
    sock: PosixSocket,
    rest: Uint8Array,
    native: number,
    recover?: Recover<number>,
  ): Awaitable<number> {
    if (sock.nonBlocking || options.blocking) {
      return retry(sock, abi.POLLIN, recvLater(sock, rest, native));
    }
    reactor.relaxFor(sock.socket, abi.POLLIN);
    const n = recvNow(sock, rest, native); // most answer at once: no closure for them
    if (n !== undefined) return n;
    return reactor.retryLater(sock.socket, abi.POLLIN, recvLater(sock, rest, native), recover);
  }

  /** `recvNow` as a call to make again (a closure of its own, so `recvOnce` makes none). */
  function recvLater(
    sock: PosixSocket,
    rest: Uint8Array,
    native: number,
  ): () => number | undefined {
    return () => recvNow(sock, rest, native);
  }

  /** `recv` with `MSG_WAITALL` on a non-blocking socket: until `buf` is full or the peer closed. */
  async function recvAll(sock: PosixSocket, buf: Uint8Array, native: number): Promise<number> {
    let got = 0;
    do {
      const n = await recvOnce(sock, buf.subarray(got), native);
      if (n === 0) break;
      got += n;
    } while (got < buf.byteLength);
    return got;
  }

  /** The rest of a stream `send` after `sent` bytes went at once (non-blocking: what fits). */
  function sendRest(
    sock: PosixSocket,
    buf: Uint8Array,
    native: number,
    sent: number,
  ): Awaitable<number> {
    const sendSome = (rest: Uint8Array) =>
      retry(sock, abi.POLLOUT, () => sendNow(sock, rest, native));
    if (sock.nonBlocking) return sendSome(buf);
    const rest = sendAll(buf.subarray(sent), sendSome);
    return rest instanceof Promise ? rest.then((n) => sent + n) : sent + rest;
  }

  /**
   * A non-blocking call tried until it does not return `EAGAIN` (see
   * `Reactor.retry`). On the raw synchronous path the call blocks by itself:
   * it is only made again after `EINTR`, and never returns a Promise.
   */
  function retry<T>(sock: PosixSocket, events: number, attempt: () => T | undefined): Awaitable<T> {
    if (sock.nonBlocking) { // answers at once, as in C
      const result = attempt();
      if (result === undefined) throw new WinsockError(WSAEWOULDBLOCK, "non-blocking socket");
      return result;
    }
    if (!options.blocking) return reactor.retry(sock.socket, events, attempt);
    for (;;) {
      const result = attempt();
      if (result !== undefined) return result;
    }
  }

  /**
   * One `select`, made on the JS thread with `poll` (a POSIX `fd_set` stops
   * at descriptor 1023; `poll` has no such limit); `ms` null blocks (blocking
   * mode). Ready as `select` calls it: readable on data, a connection, the
   * peer's close or an error; writable on room or an error; exceptional on
   * out-of-band data.
   */
  function selectNow(asked: { [K in keyof SelectSets]: PosixSocket[] }, ms: number | null) {
    const failed = new Set<PosixSocket>();
    for (const sock of new Set([...asked.read, ...asked.write, ...asked.except])) {
      if (settleConnect(sock) === "failed") failed.add(sock);
    }
    // A failed connect is exceptional only, as on Windows (Linux calls it readable and writable).
    // A UDP socket is writable from the start, as on Windows; a TCP one only once connected.
    const active = (list: PosixSocket[]) =>
      list.filter((sock) => (sock.active || sock.datagram) && !failed.has(sock));
    const sets = {
      read: active(asked.read),
      write: active(asked.write),
      except: active(asked.except),
    };
    const slots = new Map<number, number>(); // descriptor → its pollfd
    const wanted: number[] = [];
    const ask = (list: PosixSocket[], events: number) => {
      for (const { fd } of list) {
        const at = slots.get(fd);
        if (at === undefined) slots.set(fd, wanted.push(events) - 1);
        else wanted[at] |= events;
      }
    };
    ask(sets.read, abi.POLLIN);
    ask(sets.write, abi.POLLOUT);
    ask(sets.except, abi.POLLPRI);
    const pollfds = new Uint8Array(POLLFD_LAYOUT.size * wanted.length);
    const view = new DataView(pollfds.buffer);
    for (const [fd, at] of slots) {
      view.setInt32(at * POLLFD_LAYOUT.size + POLLFD_LAYOUT.fd, fd, true);
      view.setInt16(at * POLLFD_LAYOUT.size + POLLFD_LAYOUT.events, wanted[at], true);
    }
    const n = wanted.length === 0 && ms === null
      ? 0
      : c.poll(pollfds, wanted.length, ms === null ? -1 : Math.min(ms, 0x7fffffff));
    if (n === -1) {
      if (errno() !== abi.errno.EINTR) check(n, "select");
      return { read: [], write: [], except: [] };
    }
    const ready = (list: PosixSocket[], bits: number) =>
      list.filter((sock) => {
        const at = slots.get(sock.fd)! * POLLFD_LAYOUT.size + POLLFD_LAYOUT.revents;
        return (view.getInt16(at, true) & bits) !== 0;
      }).map((sock) => sock.socket);
    return {
      read: ready(sets.read, abi.POLLIN | abi.POLLHUP | abi.POLLERR),
      write: ready(sets.write, abi.POLLOUT | abi.POLLERR),
      except: [
        ...ready(sets.except, abi.POLLPRI),
        ...asked.except.filter((sock) => failed.has(sock)).map((sock) => sock.socket),
      ],
    };
  }

  /**
   * A non-blocking connect under way, looked at now (`poll`, no wait):
   * connected (the socket becomes active), failed (`SO_ERROR` is left for the
   * program to read), or still pending; undefined for any other socket.
   */
  function settleConnect(sock: PosixSocket): "pending" | "connected" | "failed" | undefined {
    if (!sock.connecting) return undefined;
    const pollfd = new Uint8Array(POLLFD_LAYOUT.size);
    const view = new DataView(pollfd.buffer);
    view.setInt32(POLLFD_LAYOUT.fd, sock.fd, true);
    view.setInt16(POLLFD_LAYOUT.events, abi.POLLOUT, true);
    if (c.poll(pollfd, 1, 0) !== 1) return "pending";
    const revents = view.getInt16(POLLFD_LAYOUT.revents, true);
    if (revents & (abi.POLLERR | abi.POLLHUP)) return "failed";
    // Connected: a second connect marks it so on Linux (see connect); then it is a socket like any.
    c.connect(sock.fd, sock.connecting, sock.connecting.byteLength);
    sock.connecting = undefined;
    sock.active = true;
    return "connected";
  }

  /** `opt`, unless it is SO_LINGER on a UDP socket: Windows says `WSAENOPROTOOPT` (Linux takes it). */
  function streamOnly<T extends { name: string }>(sock: PosixSocket, opt: T): T {
    if (sock.datagram && opt.name === "SO_LINGER") {
      throw new WinsockError(WSAENOPROTOOPT, "SO_LINGER: a UDP socket");
    }
    return opt;
  }

  /** `send` on a UDP socket never connected: Windows says `WSAENOTCONN` (Linux EDESTADDRREQ). */
  function notConnected(e: unknown): never {
    if (e instanceof WinsockError && e.code === WSAEDESTADDRREQ) {
      throw new WinsockError(WSAENOTCONN, "send: a UDP socket not connected");
    }
    throw e;
  }

  function translateFlags(flags: number, what: string): number {
    if (flags === 0) return 0;
    let native = 0, rest = flags;
    for (const [winsock, posix] of msgFlags) {
      if (flags & winsock) native |= posix;
      rest &= ~winsock;
    }
    if (rest !== 0) throw new WinsockError(WSAEOPNOTSUPP, `${what}: flags 0x${rest.toString(16)}`);
    return native;
  }

  function name(call: "getpeername" | "getsockname", fd: number): SOCKADDR {
    const bytes = new Uint8Array(SOCKADDR_STORAGE_SIZE);
    const len = new Uint32Array([bytes.byteLength]);
    check(c[call](fd, bytes, len), call);
    return decodeSockaddr(bytes, abi.sockaddr, len[0]);
  }

  /** Winsock's answer for an unbound socket, where Linux and macOS report port 0. */
  function boundName(sock: PosixSocket, what: string): SOCKADDR {
    const addr = name("getsockname", sock.fd);
    const port = addr instanceof sockaddr_in ? addr.sin_port : addr.sin6_port;
    if (port === 0) throw new WinsockError(WSAEINVAL, `${what}: socket not bound`);
    return addr;
  }

  const reuseAddr = winsockOption(SOL_SOCKET, SO_REUSEADDR);

  /** A TCP socket whose program left `SO_REUSEADDR` and `SO_EXCLUSIVEADDRUSE` alone. */
  function rebindsAsWindows(sock: PosixSocket): boolean {
    return !sock.datagram && !sock.reuseAddr && !sock.exclusive;
  }

  /** `setsockopt` of a translated option, its value in the platform's layout. */
  function setNative(sock: PosixSocket, opt: WinsockOption, value: OptionValue): void {
    const [level, optname] = posixOption(opt, abi)!;
    const bytes = encodePosixValue(opt, value);
    if (c.setsockopt(sock.fd, level, optname, bytes, bytes.byteLength) === 0) return;
    const code = errno();
    const special = Object.entries(posixTranslation(opt).errors ?? {}).find(([name]) =>
      abi.errno[name as ErrnoName] === code
    );
    if (special) throw new WinsockError(special[1], `setsockopt(${opt.name})`);
    throw error(code, `setsockopt(${opt.name})`);
  }

  /** `getsockopt` of a translated option, in Winsock's meaning. */
  function getNative(sock: PosixSocket, opt: WinsockOption): OptionValue {
    const [level, optname] = posixOption(opt, abi)!;
    const bytes = new Uint8Array(posixValueSize(opt));
    const len = new Uint32Array([bytes.byteLength]);
    check(c.getsockopt(sock.fd, level, optname, bytes, len), `getsockopt(${opt.name})`);
    return decodePosixValue(opt, abi, bytes, len[0]);
  }

  const dgram = posixDatagrams({
    c,
    abi,
    noSignal,
    translateFlags,
    retry: (socket, events, attempt) => retry(known(socket), events, attempt),
    wouldBlock,
    boundName: (sock, what) => boundName(known(sock.socket), what),
  });
  const names = posixNames(c, abi);

  return {
    name: "posix",
    startup: emulateWSAStartup,
    cleanup() {
      reactor.close();
      for (const sock of open) {
        if (!sock) continue;
        sock.closed = true;
        c.close(sock.fd);
      }
      open.length = 0;
    },
    socket(af, type, protocol) {
      const family = af === AF_INET
        ? abi.sockaddr.AF_INET
        : af === AF_INET6
        ? abi.sockaddr.AF_INET6
        : undefined;
      if (family === undefined) throw new WinsockError(WSAEAFNOSUPPORT, `socket: family ${af}`);
      const kind = type === SOCK_STREAM
        ? abi.SOCK_STREAM
        : type === SOCK_DGRAM
        ? abi.SOCK_DGRAM
        : undefined;
      if (kind === undefined) throw new WinsockError(WSAESOCKTNOSUPPORT, `socket: type ${type}`);
      const fd = c.socket(family, kind, protocol);
      check(fd, "socket");
      if (af === AF_INET6) {
        // Windows' default: an AF_INET6 socket is IPv6 only (Linux and macOS: dual stack).
        const on = new Int32Array([1]);
        const rc = c.setsockopt(fd, abi.IPPROTO_IPV6, abi.IPV6_V6ONLY, on, 4);
        if (rc === -1) {
          const e = error(errno(), "setsockopt(IPV6_V6ONLY)");
          c.close(fd);
          throw e;
        }
      }
      return adopt(fd, false, type === SOCK_DGRAM);
    },
    bind(s, addr) {
      const sock = known(s);
      // Windows: a TCP socket connected once stays bound (Linux unbinds it after a reset).
      if (sock.active && !sock.datagram) throw new WinsockError(WSAEINVAL, "bind: bound already");
      const bytes = encodeSockaddr(addr, abi.sockaddr);
      if (c.bind(sock.fd, bytes, bytes.byteLength) === 0) {
        if (sock.datagram) sock.active = true; // select finds its datagrams
        return;
      }
      const code = errno();
      if (code !== abi.errno.EADDRINUSE || !rebindsAsWindows(sock)) throw error(code, "bind");
      // Windows binds a port that only closed connections hold (TIME-WAIT, FIN-WAIT-2): a
      // restarted server starts at once. Linux does with SO_REUSEADDR, which our listeners
      // pass to their connections (listen, below). It stays on only for that bind: a socket
      // bound or listening here then holds the port, so a second bind fails, as on Windows.
      setNative(sock, reuseAddr, 1);
      const rc = c.bind(sock.fd, bytes, bytes.byteLength);
      const again = errno();
      setNative(sock, reuseAddr, 0);
      if (rc === -1) throw error(again, "bind");
    },
    listen(s, backlog) {
      const sock = known(s);
      boundName(sock, "listen");
      if (sock.datagram) throw new WinsockError(WSAEOPNOTSUPP, "listen: a UDP socket");
      // On while listening: its connections inherit it, so once closed they let a new listener
      // bind (above); a listening socket holds its port whatever the option says.
      if (rebindsAsWindows(sock)) setNative(sock, reuseAddr, 1);
      check(c.listen(sock.fd, backlog), "listen");
      sock.active = sock.listening = true;
      // The reactor's descriptors (epoll, its wake-up) now, while there are some: clients may
      // take every one before its first wait (WSAEMFILE from select, not from accept).
      if (!options.blocking) reactor.open();
    },
    accept(s) {
      const sock = known(s);
      const bytes = new Uint8Array(SOCKADDR_STORAGE_SIZE);
      const len = new Uint32Array(1);
      return retry(sock, abi.POLLIN, () => {
        len[0] = bytes.byteLength;
        const fd = c.accept(sock.fd, bytes, len);
        if (fd === -1) return wouldBlock("accept", sock);
        const client = adopt(fd, true); // Linux's accept does not pass O_NONBLOCK on
        if (sock.nonBlocking) setNonBlocking(known(client), true); // Windows does: the listener's mode
        return { socket: client, address: decodeSockaddr(bytes, abi.sockaddr, len[0]) };
      });
    },
    acceptInto(s, into) {
      const target = known(into);
      if (target.active) throw new WinsockError(WSAEINVAL, "AcceptEx: sAcceptSocket is in use");
      const accepted = this.accept(s);
      const move = ({ socket, address }: Awaited<typeof accepted>) => {
        const from = known(socket);
        open[from.fd] = undefined;
        // The connection takes over the target's descriptor (dup2 closes the old socket).
        const rc = target.closed ? -1 : c.dup2(from.fd, target.fd);
        c.close(from.fd);
        if (target.closed) throw new WinsockError(WSAEINTR, "AcceptEx: sAcceptSocket closed");
        check(rc, "dup2");
        check(fcntl(target.fd, abi.F_SETFD, abi.FD_CLOEXEC), "fcntl(F_SETFD)");
        target.active = true;
        return address;
      };
      return accepted instanceof Promise ? accepted.then(move) : move(accepted);
    },
    connect(s, addr) {
      const sock = known(s);
      if (sock.listening) throw new WinsockError(WSAEINVAL, "connect: a listening socket");
      const bytes = encodeSockaddr(addr, abi.sockaddr);
      if (c.connect(sock.fd, bytes, bytes.byteLength) === 0) {
        sock.active = true;
        return;
      }
      const code = errno();
      const underWay = code === abi.errno.EINPROGRESS || code === abi.errno.EINTR;
      if (underWay && sock.nonBlocking) { // completes in select, as in C
        sock.connecting = bytes;
        throw new WinsockError(WSAEWOULDBLOCK, "connect");
      }
      if (code === abi.errno.EISCONN && sock.connecting) settleConnect(sock);
      if (options.blocking || !underWay) throw error(code, "connect");
      return (async () => {
        await reactor.wait([{ fd: sock.socket, events: abi.POLLOUT }], null);
        const err = new Int32Array(1);
        const len = new Uint32Array([4]);
        check(
          c.getsockopt(sock.fd, abi.SOL_SOCKET, abi.SO_ERROR, err, len),
          "getsockopt(SO_ERROR)",
        );
        if (err[0] !== 0) throw error(err[0], "connect");
        // Linux marks the socket connected only at a second connect (else a third one would
        // succeed again, where Windows says WSAEISCONN); macOS answers it with EISCONN.
        if (c.connect(sock.fd, bytes, bytes.byteLength) !== 0) {
          const again = errno();
          if (again !== abi.errno.EISCONN) throw error(again, "connect");
        }
        sock.active = true;
      })();
    },
    recv(s, buf, flags, recover) {
      const sock = known(s);
      const native = translateFlags(flags, "recv");
      if (!sock.datagram && ((!sock.active && !sock.connecting) || sock.listening)) { // Linux: 0 after SHUT_RD
        throw new WinsockError(WSAENOTCONN, "recv: not connected");
      }
      if (sock.recvShut) throw new WinsockError(WSAESHUTDOWN, "recv");
      if (sock.reset) throw new WinsockError(WSAECONNRESET, "recv");
      if (sock.datagram) {
        const got = dgram.recvfrom(sock, buf, flags);
        return got instanceof Promise ? got.then(recvCount, recover) : recvCount(got);
      }
      // On the non-blocking path MSG_WAITALL loops until full, as Windows waits (a blocking call
      // waits by itself, and the raw path must answer without a Promise). A socket made
      // non-blocking takes what has come, as Winsock does (looping would lose it at EAGAIN).
      if (
        options.blocking || sock.nonBlocking || (flags & MSG_WAITALL) === 0 ||
        (flags & MSG_PEEK) !== 0
      ) {
        return recvOnce(sock, buf, native, recover);
      }
      return recovering(recvAll(sock, buf, native), recover);
    },
    send(s, buf, flags, recover) {
      const sock = known(s);
      const native = translateFlags(flags, "send") | noSignal;
      if (sock.sendShut) throw new WinsockError(WSAESHUTDOWN, "send");
      if (sock.datagram) {
        try {
          const sent = dgram.sendto(sock, buf, flags, null);
          return recovering(sent instanceof Promise ? sent.catch(notConnected) : sent, recover);
        } catch (e) {
          return notConnected(e);
        }
      }
      // Most sends fit at once: no closure, no loop (a non-blocking socket sends what fits).
      const first = sock.nonBlocking ? undefined : sendNow(sock, buf, native);
      if (first === buf.byteLength) return first;
      return recovering(sendRest(sock, buf, native, first ?? 0), recover);
    },
    ioctlsocket(s, cmd, arg) {
      const sock = known(s);
      if (cmd === FIONBIO) {
        setNonBlocking(sock, arg !== 0);
        return 0;
      }
      if (cmd !== FIONREAD) throw new WinsockError(WSAEOPNOTSUPP, `ioctlsocket: cmd ${cmd}`);
      if (sock.listening) return 0; // Windows: nothing to read (Linux: EINVAL)
      const count = new Int32Array(1);
      const request = BigInt(abi.os === "darwin" ? FIONREAD : LINUX_FIONREAD);
      check(c.ioctl(sock.fd, request, count, 0n, 0n, 0n, 0n, 0n, count), "ioctlsocket(FIONREAD)");
      return count[0];
    },
    shutdown(s, how) {
      const sock = known(s);
      const native = [abi.SHUT_RD, abi.SHUT_WR, abi.SHUT_RDWR][how];
      if (native === undefined) throw new WinsockError(WSAEINVAL, `shutdown: how ${how}`);
      // Windows: a listener is not connected (Linux would stop it listening); a UDP socket
      // need not be connected, nor a connection the peer has ended (Linux says ENOTCONN): the
      // directions shut down fail with 10058 from then on.
      if (sock.listening) throw new WinsockError(WSAENOTCONN, "shutdown: a listening socket");
      const rc = c.shutdown(sock.fd, native);
      const ended = rc === -1 && errno() === abi.errno.ENOTCONN && (sock.datagram || sock.active);
      if (!ended) check(rc, "shutdown");
      if (how !== SD_SEND) sock.recvShut = true;
      if (how !== SD_RECEIVE) sock.sendShut = true;
    },
    closesocket(s) {
      const sock = known(s);
      sock.closed = true;
      open[sock.fd] = undefined;
      reactor.cancel(s);
      check(c.close(sock.fd), "closesocket");
    },
    select(sets, timeoutMs) {
      const socks = {
        read: sets.read.map(known),
        write: sets.write.map(known),
        except: sets.except.map(known),
      };
      if (options.blocking) return selectNow(socks, timeoutMs);
      const interest = (events: number) => (sock: PosixSocket) => ({
        fd: sock.socket,
        // Never ready, as on Windows (only closing ends it), unless connected, listening,
        // connecting, or UDP.
        events: sock.active || sock.connecting || sock.datagram ? events : 0,
      });
      const interests = [
        ...socks.read.map(interest(abi.POLLIN)),
        ...socks.write.map(interest(abi.POLLOUT)),
        ...socks.except.map(interest(abi.POLLPRI)),
      ];
      return reactor.select(interests, timeoutMs, () => selectNow(socks, 0));
    },
    sendto(s, buf, flags, to) {
      const sock = known(s);
      if (sock.sendShut) throw new WinsockError(WSAESHUTDOWN, "sendto");
      if (!sock.datagram) return this.send(s, buf, flags); // a stream ignores the address
      return dgram.sendto(sock, buf, flags, to);
    },
    recvfrom(s, buf, flags) {
      const sock = known(s);
      if (sock.recvShut) throw new WinsockError(WSAESHUTDOWN, "recvfrom");
      if (sock.datagram) return dgram.recvfrom(sock, buf, flags);
      const got = this.recv(s, buf, flags); // a stream: Windows leaves `from` as it was
      const done = (count: number) => ({ count, from: null, truncated: false });
      return got instanceof Promise ? got.then(done) : done(got);
    },
    getaddrinfo: (node, service, hints) =>
      nativeGetaddrinfo(names, node, service, hints, !options.blocking),
    getnameinfo: (addr, flags) => nativeGetnameinfo(names, addr, flags, !options.blocking),
    gethostname() {
      const buf = new Uint8Array(256);
      check(c.gethostname(buf, BigInt(buf.byteLength)), "gethostname");
      return new TextDecoder().decode(buf.subarray(0, buf.indexOf(0)));
    },
    waitStats: () => reactor.stats(),
    getpeername: (s) => name("getpeername", known(s).fd),
    getsockname: (s) => boundName(known(s), "getsockname"),
    setsockopt(s, level, optname, optval) {
      const sock = known(s);
      const opt = streamOnly(sock, winsockOption(level, optname));
      const value = parseWinsockValue(opt, optval);
      if (opt.kind === "exclusive") {
        if (value && sock.reuseAddr) {
          throw new WinsockError(WSAEINVAL, "SO_EXCLUSIVEADDRUSE: SO_REUSEADDR is set");
        }
        sock.exclusive = value === 1;
        return;
      }
      if (opt === reuseAddr && value && sock.exclusive) {
        throw new WinsockError(WSAEINVAL, "SO_REUSEADDR: SO_EXCLUSIVEADDRUSE is set");
      }
      setNative(sock, opt, value);
      if (opt === reuseAddr) sock.reuseAddr = value !== 0;
    },
    getsockopt(s, level, optname, optval) {
      const sock = known(s);
      const opt = streamOnly(sock, winsockOption(level, optname));
      if (opt.kind === "mreq") return formatWinsockValue(opt, 0, optval); // WSAENOPROTOOPT
      let value = opt.kind === "exclusive"
        ? Number(sock.exclusive)
        : opt === reuseAddr
        ? Number(!!sock.reuseAddr)
        : getNative(sock, opt);
      if (opt.kind === "error" && value !== 0) {
        value = errnoToWsa(abi, value as number) ?? WSASYSCALLFAILURE;
      }
      return formatWinsockValue(opt, value, optval);
    },
    ioctl(s, code, input) {
      const sock = known(s);
      if (code !== SIO_KEEPALIVE_VALS) {
        throw new WinsockError(WSAEOPNOTSUPP, `WSAIoctl: code 0x${code.toString(16)}`);
      }
      const ka = parseTcpKeepalive(input);
      setNative(
        sock,
        winsockOption(IPPROTO_TCP, TCP_KEEPALIVE),
        keepaliveSeconds(ka.keepalivetime),
      );
      setNative(
        sock,
        winsockOption(IPPROTO_TCP, TCP_KEEPINTVL),
        keepaliveSeconds(ka.keepaliveinterval),
      );
      setNative(sock, winsockOption(SOL_SOCKET, SO_KEEPALIVE), ka.onoff !== 0 ? 1 : 0);
      return 0;
    },
  };
}
