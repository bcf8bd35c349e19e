/**
 * The **winsock** backend: real `ws2_32.dll` through the raw binding.
 *
 * Every socket is put in non-blocking mode (`ioctlsocket(FIONBIO)`), and each
 * call is made synchronously on the JS thread, so `WSAGetLastError()` is read
 * on the thread that made the call. Only when a call would block
 * (`WSAEWOULDBLOCK`) does the socket wait for readiness in the backend's
 * reactor (`../reactor.ts`: a short spin of zero-timeout `WSAPoll`s on the JS
 * thread, then one `WSAPoll` on a worker thread), then the call is tried again.
 * Closing a socket ends its waits at once with `WSAEINTR`.
 *
 * With `{ blocking: true }` sockets stay blocking and every call is one
 * synchronous call into ws2_32, exactly as in C.
 *
 * A socket the program makes non-blocking (`ioctlsocket(FIONBIO)`) is never
 * waited for: each call is tried once and `WSAEWOULDBLOCK` comes back as it
 * is, `send` takes what fits, and a `connect` under way completes in
 * `select`, as in C.
 *
 * @module
 */

import {
  type Awaitable,
  type BackendOptions,
  type CompletionEngine,
  type Recover,
  recovering,
  type SelectSets,
  sendAll,
  type SocketBackend,
} from "../contract.ts";
import {
  AF_INET,
  FIONBIO,
  FIONREAD,
  INVALID_SOCKET,
  IPPROTO_UDP,
  POLLERR,
  POLLHUP,
  POLLRDBAND,
  POLLRDNORM,
  POLLWRNORM,
  SO_ERROR,
  SOCK_DGRAM,
  type SOCKET,
  SOCKET_ERROR,
  SOL_SOCKET,
  WSA_FLAG_NO_HANDLE_INHERIT,
  WSA_FLAG_OVERLAPPED,
} from "../../constants.ts";
import {
  WinsockError,
  WSAECONNREFUSED,
  WSAECONNRESET,
  WSAEINVAL,
  WSAEMSGSIZE,
  WSAENOTSOCK,
  WSAEWOULDBLOCK,
} from "../../errors.ts";
import {
  eaiToWsa,
  LINUX_EAI,
  nameCalls,
  nativeGetaddrinfo,
  nativeGetnameinfo,
  type NativeNames,
} from "../native_names.ts";
import { pollEngine, Reactor, type WakeUp } from "../reactor/reactor.ts";
import { loopbackWakeUp } from "../reactor/wake_up.ts";
import { openWs2_32, type Ws2_32 } from "../../../ffi/ws2_32.ts";
import { type Kernel32, openKernel32 } from "../../../ffi/kernel32.ts";
import { createNativeEventSelect } from "./event_select.ts";
import { createNativeAsyncSelect } from "./async_select.ts";
import { createNativeEngine } from "./overlapped.ts";
import {
  ADDRINFOA_LAYOUT_WIN64,
  decodeSockaddr,
  encodeSockaddr,
  fd_set,
  SOCKADDR_STORAGE_SIZE,
  timeval,
  WINDOWS_SOCKADDR_ABI,
  WSADATA_LAYOUT_WIN64,
} from "../../structs.ts";
import {
  decodeFdSet,
  decodeWSADATA,
  encodeFdSet,
  encodeTimeval,
  encodeWSABUFs,
  WSAPOLLFD_LAYOUT,
} from "./layouts.ts";

/** `POLLNVAL` for `WSAPoll` (not in `constants.ts`). */
const POLLNVAL = 0x0004;
/** How often a connect in progress is looked at, whatever WSAPoll says (ms). */
const CONNECT_LOOK_MS = 500;

/**
 * Creates the winsock backend; throws a clear `Error` where ws2_32.dll
 * cannot be loaded.
 *
 * @example
 * ```ts ignore
 * import { createWinsockBackend } from "./sockets.ts";
 * console.log(createWinsockBackend().name); // "winsock" (on Windows, with --allow-ffi)
 * ```
 */
export function createWinsockBackend(options: BackendOptions = {}): SocketBackend {
  const ws: Ws2_32 = openWs2_32();
  const open = new Set<SOCKET>();
  /**
   * Sockets the program made non-blocking (`FIONBIO` 1, `WSAEventSelect`,
   * `WSAAsyncSelect`): their calls never wait.
   */
  const nonBlocking = new Set<SOCKET>();
  /** Overlapped I/O and completion ports, made on first use (`completion`). */
  let engine: CompletionEngine | undefined;

  /** Throws the thread's last error, read right after the failed call. */
  function fail(what: string): never {
    throw new WinsockError(ws.WSAGetLastError(), what);
  }

  function check(rc: number, what: string): void {
    if (rc === SOCKET_ERROR) fail(what);
  }

  /**
   * `socket()`, but not inherited by child processes (as the posix backend's
   * `FD_CLOEXEC`): `WSASocketW` with `socket()`'s own flag plus
   * `WSA_FLAG_NO_HANDLE_INHERIT`.
   */
  function newSocket(af: number, type: number, protocol: number): SOCKET {
    const flags = WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT;
    return BigInt(ws.WSASocketW(af, type, protocol, null, 0, flags));
  }

  function setNonBlocking(s: SOCKET): void {
    if (options.blocking) return;
    check(ws.ioctlsocket(s, FIONBIO, new Uint32Array([1])), "ioctlsocket(FIONBIO)");
  }

  let kernel32: Kernel32 | null = null;
  const reactor = new Reactor(
    () =>
      pollEngine({
        layout: WSAPOLLFD_LAYOUT,
        readable: POLLRDNORM,
        alwaysBits: POLLERR | POLLHUP | POLLNVAL,
        poll: (fds, nfds, timeout) => ws.WSAPoll(fds, nfds, timeout),
        pollWait: (fds, nfds, timeout) => ws.WSAPoll_wait(fds, nfds, timeout),
        openWakeUp,
      }),
    options.spin,
    relax,
  );

  /** Between two looks of a spin: lets a thread ready on this core run (`SwitchToThread`). */
  function relax(): void {
    (kernel32 ??= openKernel32()).SwitchToThread();
  }

  /** The reactor's wake-up, on ws2_32's calls. */
  function openWakeUp(): WakeUp {
    return loopbackWakeUp<SOCKET>({
      socket: () => {
        const s = newSocket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
        if (s === INVALID_SOCKET) fail("socket (wake-up)");
        return s;
      },
      prepare: (s) =>
        check(ws.ioctlsocket(s, FIONBIO, new Uint32Array([1])), "ioctlsocket (wake-up)"),
      bind: (s, addr) => {
        const bytes = encodeSockaddr(addr);
        check(ws.bind(s, bytes, bytes.byteLength), "bind (wake-up)");
      },
      getsockname: (s) => name("getsockname", s),
      connect: (s, addr) => {
        const bytes = encodeSockaddr(addr);
        check(ws.connect(s, bytes, bytes.byteLength), "connect (wake-up)");
      },
      send: (s, bytes) => void ws.send(s, bytes, bytes.byteLength, 0),
      recv: (s, buf) => ws.recv(s, buf, buf.byteLength, 0),
      close: (s) => void ws.closesocket(s),
    });
  }

  /**
   * A non-blocking call tried until it does not return `WSAEWOULDBLOCK` (see
   * `Reactor.retry`). On the raw synchronous path the call blocks by itself
   * and its one answer comes back as it is.
   */
  function retry<T>(
    s: SOCKET,
    events: number,
    attempt: () => T | undefined,
    recover?: Recover<T>,
  ): Awaitable<T> {
    if (!options.blocking && !nonBlocking.has(s)) return reactor.retry(s, events, attempt, recover);
    const result = attempt();
    // Only a socket the program made non-blocking says "would block": its call answers at once.
    if (result === undefined) throw new WinsockError(WSAEWOULDBLOCK, "non-blocking socket");
    return result;
  }

  /**
   * Sockets whose last call was a `send` that succeeded, with no wait on
   * them since. Wine's `recv` returns 0 for a reset once a poll has seen it
   * (and wineserver polls every socket), where Windows returns
   * `WSAECONNRESET`; `WSAPoll` still tells the two apart (`POLLERR | POLLHUP`
   * after a reset, `POLLHUP` after an orderly close), so a `recv` of 0 asks it
   * (`resetSeen`). But the reset that answers our send to a peer that had
   * already closed in order (the tutorial's common ending: the client leaves
   * while the server waits for the user to type) leaves the same `POLLERR |
   * POLLHUP`, and there C's `recv` gives 0, on Wine and on Linux. Telling the
   * two apart exactly would take a `WSAPoll` before every send (measured: it
   * halves a ping-pong under Wine), so a reset that came between our send and
   * the next `recv`, with no wait in between, is taken as that answer: the
   * `recv` says 0, as C under Wine does for it.
   */
  const sentLast = new Set<SOCKET>();
  /** Sockets whose `recv` has said 0 (the peer's close): it says so from then on, as C does. */
  const ended = new Set<SOCKET>();

  /** Whether `WSAPoll` (asked now, on the JS thread, zero timeout) reports an error on `s`. */
  function resetSeen(s: SOCKET): boolean {
    const pollfd = new Uint8Array(WSAPOLLFD_LAYOUT.size);
    const view = new DataView(pollfd.buffer);
    view.setBigUint64(WSAPOLLFD_LAYOUT.fd, s, true);
    view.setInt16(WSAPOLLFD_LAYOUT.events, POLLRDNORM, true);
    return ws.WSAPoll(pollfd, 1, 0) === 1 &&
      (view.getInt16(WSAPOLLFD_LAYOUT.revents, true) & POLLERR) !== 0;
  }

  /** One `select` with Windows `fd_set`s, made on the JS thread; `ms` null blocks (blocking mode). */
  function selectNow(sets: SelectSets, ms: number | null): SelectSets {
    const encode = (list: SOCKET[]) => {
      const set = new fd_set();
      set.fd_array.set(list);
      set.fd_count = list.length;
      return encodeFdSet(set);
    };
    const read = encode(sets.read), write = encode(sets.write), except = encode(sets.except);
    let timeout = null;
    if (ms !== null) {
      const t = new timeval();
      t.tv_sec = Math.floor(ms / 1000);
      t.tv_usec = Math.round((ms % 1000) * 1000);
      timeout = encodeTimeval(t);
    }
    check(ws.select(0, read, write, except, timeout), "select");
    const ready = (bytes: Uint8Array) => {
      const set = decodeFdSet(bytes);
      return [...set.fd_array.subarray(0, set.fd_count)];
    };
    return { read: ready(read), write: ready(write), except: ready(except) };
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

  /** The sender `recvfrom` wrote, or null where it wrote none (a stream socket). */
  function sender(bytes: Uint8Array, len: number) {
    if (len < 2 || (bytes[0] | bytes[1]) === 0) return null;
    return decodeSockaddr(bytes, undefined, len);
  }

  /**
   * After a receive would block: Windows fails at once with `WSAEINVAL` on a
   * socket never bound, where Wine would wait for ever; `undefined` (wait) if bound.
   */
  function unbound(s: SOCKET, what: string): undefined {
    const probe = new Uint8Array(SOCKADDR_STORAGE_SIZE);
    if (ws.getsockname(s, probe, new Int32Array([probe.byteLength])) === SOCKET_ERROR) {
      throw new WinsockError(WSAEINVAL, `${what}: socket not bound`);
    }
    return undefined;
  }

  const names: NativeNames = {
    layout: ADDRINFOA_LAYOUT_WIN64,
    sockaddr: WINDOWS_SOCKADDR_ABI,
    socktypes: { 1: 1, 2: 2, 3: 3, 4: 4, 5: 5 },
    aiFlags: (flags) => flags,
    niFlags: (flags) => flags,
    // Wine passes a few of the host's EAI_* through untranslated (negative): mapped as posix does.
    code: (rc) => rc > 0 ? rc : eaiToWsa({ eai: LINUX_EAI }, rc),
    nodePerSocktype: false,
    ...nameCalls(ws),
  };

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
      reactor.close();
      open.clear();
      sentLast.clear();
      ended.clear();
      nonBlocking.clear();
      check(ws.WSACleanup(), "WSACleanup");
    },
    socket(af, type, protocol) {
      const s = newSocket(af, type, protocol);
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
      return retry(s, POLLRDNORM, () => {
        len[0] = bytes.byteLength;
        const client = BigInt(ws.accept(known(s), bytes, len));
        if (client === INVALID_SOCKET) return wouldBlock("accept");
        open.add(client);
        setNonBlocking(client);
        if (nonBlocking.has(s)) nonBlocking.add(client); // as Windows: the listener's mode

        return { socket: client, address: decodeSockaddr(bytes, undefined, len[0]) };
      });
    },
    connect(s, addr) {
      const bytes = encodeSockaddr(addr);
      if (ws.connect(known(s), bytes, bytes.byteLength) === 0) return;
      wouldBlock("connect");
      // Under way: a non-blocking socket says so at once and completes in select (writable,
      // or exceptional with SO_ERROR), as in C.
      if (options.blocking || nonBlocking.has(s)) throw new WinsockError(WSAEWOULDBLOCK, "connect");
      return (async () => {
        // Done when select says writable (connected) or exceptional (failed). Windows before
        // 10 2004 never signals a failed connect to WSAPoll, hence the look every 500 ms.
        for (;;) {
          await reactor.wait([{ fd: s, events: POLLWRNORM }], CONNECT_LOOK_MS);
          const done = selectNow({ read: [], write: [s], except: [s] }, 0);
          if (done.write.length > 0) return;
          if (done.except.length > 0) break;
        }
        const err = new Int32Array(1);
        const len = new Int32Array([4]);
        check(ws.getsockopt(s, SOL_SOCKET, SO_ERROR, err, len), "getsockopt(SO_ERROR)");
        throw new WinsockError(err[0] || WSAECONNREFUSED, "connect");
      })();
    },
    recv(s, buf, flags, recover) {
      // Right after our own send, with no wait: a reset here answers that send (see `sentLast`).
      let answersSend = sentLast.delete(s);
      return retry(s, POLLRDNORM, () => {
        const n = ws.recv(known(s), buf, buf.byteLength, flags);
        if (n === SOCKET_ERROR) {
          answersSend = false; // it waits now: what comes next is news
          return wouldBlock("recv");
        }
        // The raw synchronous path makes the one call, as C does.
        if (n === 0 && buf.byteLength > 0 && !options.blocking) {
          if (!answersSend && !ended.has(s) && resetSeen(s)) {
            throw new WinsockError(WSAECONNRESET, "recv (a reset, as WSAPoll reports it)");
          }
          ended.add(s);
        }
        return n;
      }, recover);
    },
    send(s, buf, flags, recover) {
      sentLast.delete(s);
      if (nonBlocking.has(known(s))) { // what fits now: a partial count, or WSAEWOULDBLOCK
        const n = ws.send(s, buf, buf.byteLength, flags);
        if (n === SOCKET_ERROR) fail("send");
        return n; // not `sentLast`: this program waits where this backend cannot see
      }
      return recovering(
        sendAll(buf, (rest) =>
          retry(s, POLLWRNORM, () => {
            const n = ws.send(known(s), rest, rest.byteLength, flags);
            if (n === SOCKET_ERROR) return wouldBlock("send");
            sentLast.add(s);
            return n;
          })),
        recover,
      );
    },
    sendto(s, buf, flags, to) {
      const address = to ? encodeSockaddr(to) : null;
      return retry(s, POLLWRNORM, () => {
        const n = ws.sendto(
          known(s),
          buf,
          buf.byteLength,
          flags,
          address,
          address?.byteLength ?? 0,
        );
        return n === SOCKET_ERROR ? wouldBlock("sendto") : n;
      });
    },
    recvfrom(s, buf, flags) {
      const from = new Uint8Array(SOCKADDR_STORAGE_SIZE);
      const len = new Int32Array(1);
      return retry(s, POLLRDNORM, () => {
        len[0] = from.byteLength;
        const n = ws.recvfrom(known(s), buf, buf.byteLength, flags, from, len);
        if (n !== SOCKET_ERROR) return { count: n, from: sender(from, len[0]), truncated: false };
        const code = ws.WSAGetLastError();
        if (code === WSAEMSGSIZE) {
          return { count: buf.byteLength, from: sender(from, len[0]), truncated: true };
        }
        if (code !== WSAEWOULDBLOCK) throw new WinsockError(code, "recvfrom");
        return unbound(s, "recvfrom");
      });
    },
    wsaSendTo(s, pieces, flags, to) {
      const address = to ? encodeSockaddr(to) : null;
      const buffers = encodeWSABUFs(pieces), sent = new Uint32Array(1);
      return retry(s, POLLWRNORM, () => {
        const rc = ws.WSASendTo(
          known(s),
          buffers,
          pieces.length,
          sent,
          flags,
          address,
          address?.byteLength ?? 0,
          null,
          null,
        );
        void pieces; // the bytes the WSABUFs point to, alive through the call
        return rc === SOCKET_ERROR ? wouldBlock("WSASendTo") : sent[0];
      });
    },
    wsaRecvFrom(s, pieces, flags) {
      const buffers = encodeWSABUFs(pieces);
      const got = new Uint32Array(1), inOut = new Uint32Array(1);
      const from = new Uint8Array(SOCKADDR_STORAGE_SIZE), len = new Int32Array(1);
      const total = pieces.reduce((n, p) => n + p.byteLength, 0);
      return retry(s, POLLRDNORM, () => {
        inOut[0] = flags;
        len[0] = from.byteLength;
        const rc = ws.WSARecvFrom(
          known(s),
          buffers,
          pieces.length,
          got,
          inOut,
          from,
          len,
          null,
          null,
        );
        void pieces;
        if (rc !== SOCKET_ERROR) {
          return { count: got[0], from: sender(from, len[0]), truncated: false };
        }
        const code = ws.WSAGetLastError();
        if (code === WSAEMSGSIZE) {
          return { count: total, from: sender(from, len[0]), truncated: true };
        }
        if (code !== WSAEWOULDBLOCK) throw new WinsockError(code, "WSARecvFrom");
        return unbound(s, "WSARecvFrom");
      });
    },
    getaddrinfo: (node, service, hints) =>
      nativeGetaddrinfo(names, node, service, hints, !options.blocking),
    getnameinfo: (addr, flags) => nativeGetnameinfo(names, addr, flags, !options.blocking),
    gethostname() {
      const buf = new Uint8Array(256);
      check(ws.gethostname(buf, buf.byteLength), "gethostname");
      return new TextDecoder().decode(buf.subarray(0, buf.indexOf(0)));
    },
    shutdown(s, how) {
      check(ws.shutdown(s, how), "shutdown");
    },
    ioctlsocket(s, cmd, arg) {
      known(s);
      if (cmd === FIONBIO) {
        // The OS socket stays non-blocking (the reactor waits for the program's blocking
        // calls), except on the raw synchronous path, where it is what the program asked.
        if (options.blocking) {
          check(ws.ioctlsocket(s, FIONBIO, new Uint32Array([arg])), "ioctlsocket");
        }
        if (arg !== 0) nonBlocking.add(s);
        else nonBlocking.delete(s);
        return 0;
      }
      const argp = new Uint32Array([arg]);
      check(ws.ioctlsocket(s, cmd, argp), "ioctlsocket");
      return cmd === FIONREAD ? argp[0] : 0;
    },
    closesocket(s) {
      reactor.cancel(s);
      check(ws.closesocket(s), "closesocket");
      open.delete(s);
      sentLast.delete(s);
      ended.delete(s);
      nonBlocking.delete(s);
    },
    select(sets, timeoutMs) {
      for (const s of [...sets.read, ...sets.write, ...sets.except]) known(s);
      for (const s of sets.read) sentLast.delete(s); // a wait: what it finds is news (see `sentLast`)
      if (options.blocking) return selectNow(sets, timeoutMs);
      const interests = [
        ...sets.read.map((fd) => ({ fd, events: POLLRDNORM })),
        ...sets.write.map((fd) => ({ fd, events: POLLWRNORM })),
        ...sets.except.map((fd) => ({ fd, events: POLLRDBAND })),
      ];
      return reactor.select(interests, timeoutMs, () => selectNow(sets, 0));
    },
    waitStats: () => reactor.stats(),
    eventSelect: createNativeEventSelect(ws, nonBlocking, !!options.blocking),
    asyncSelect: createNativeAsyncSelect(ws, nonBlocking, !!options.blocking),
    completion: () => engine ??= createNativeEngine(),
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
    ioctl(s, code, input, output) {
      const returned = new Uint32Array(1);
      check(
        ws.WSAIoctl(
          s,
          code >>> 0,
          input.byteLength ? input : null,
          input.byteLength,
          output.byteLength ? output : null,
          output.byteLength,
          returned,
          null,
          null,
        ),
        "WSAIoctl",
      );
      return returned[0];
    },
  };
}
