/**
 * The event select model where there is no ws2_32.dll (the posix and deno
 * backends), built on any `SocketBackend`'s `select`, with the semantics
 * Windows documents and Wine shows:
 *
 * - `WSACreateEvent` makes a manual-reset event object, not signalled;
 *   `WSAWaitForMultipleEvents` resolves when one (or all) of up to 64 is
 *   signalled, or at its timeout; alertable, also when completion routines
 *   are queued (`apc`, filled by the overlapped emulation), which it runs.
 *   The overlapped emulation sets these same event objects (`hEvent`).
 * - `WSAEventSelect` makes the socket non-blocking (the base socket too,
 *   `FIONBIO`), and `ioctlsocket(FIONBIO, 0)` fails with `WSAEINVAL` while
 *   it is selected: `accept`, `recv` and `send` answer `WSAEWOULDBLOCK`
 *   instead of waiting (`send` takes what fits), and `connect` starts the
 *   connection and answers `WSAEWOULDBLOCK`. It clears the socket's record
 *   and records at once what has already happened.
 * - Each network event is recorded once, then not again until the call that
 *   re-enables it, even one that fails: `FD_ACCEPT` by `accept`, `FD_READ`
 *   by `recv` (recorded again at once while data is left), `FD_WRITE` once
 *   after connect or accept and then only after a send failed with
 *   `WSAEWOULDBLOCK`, `FD_CONNECT` when a connect ends (its code in
 *   `iErrorCode`), `FD_CLOSE` once, with 0 for an orderly close, 10054 for
 *   a reset, 10053 for an abort.
 * - A socket accepted from a selected listener inherits its selection.
 *
 * To tell data from the peer's close without consuming either, the
 * emulation reads ahead (one chunk per socket, only when nothing read ahead
 * is left) and `recv` serves what it read. Where Windows records `FD_CLOSE`
 * as soon as the close arrives, here it comes once the data before it has
 * been read.
 *
 * The records go to a sink: an event object (`WSAEventSelect`) or, for the
 * asynchronous select model, a message queue (`post`).
 *
 * @module
 */

import {
  type Awaitable,
  type EventSelectBackend,
  type Recover,
  recovering,
  type SelectSets,
  type SocketBackend,
} from "../backends/contract.ts";
import {
  FD_ACCEPT,
  FD_ACCEPT_BIT,
  FD_ALL_EVENTS,
  FD_CLOSE,
  FD_CLOSE_BIT,
  FD_CONNECT_BIT,
  FD_MAX_EVENTS,
  FD_READ,
  FD_READ_BIT,
  FD_WRITE,
  FD_WRITE_BIT,
  FIONBIO,
  FIONREAD,
  MSG_PEEK,
  SO_ERROR,
  type SOCKET,
  SOL_SOCKET,
  WSA_WAIT_EVENT_0,
  WSA_WAIT_IO_COMPLETION,
  WSA_WAIT_TIMEOUT,
  type WSAEVENT,
} from "../constants.ts";
import {
  isWinsockError,
  WinsockError,
  WSA_INVALID_HANDLE,
  WSAEALREADY,
  WSAECONNREFUSED,
  WSAEINVAL,
  WSAEISCONN,
  WSAENOTCONN,
  WSAEOPNOTSUPP,
  WSAEWOULDBLOCK,
} from "../errors.ts";
import { WSANETWORKEVENTS } from "../structs.ts";
import { ApcQueue } from "./apc.ts";

/** How much one read ahead takes at most. */
const CHUNK = 16 * 1024;

/** A manual-reset event object. */
interface EventObject {
  signalled: boolean;
  closed: boolean;
  /** Waits to wake when it is set or closed. */
  readonly waiters: Set<() => void>;
}

/** Where a socket's network events go: an event object, or messages. */
export type Sink =
  | { readonly kind: "event"; readonly handle: WSAEVENT }
  | {
    readonly kind: "message";
    /** Posts one event (a single `FD_*` bit) with its error code. */
    readonly post: (s: SOCKET, event: number, error: number) => void;
  };

interface Selection {
  readonly sink: Sink;
  readonly mask: number;
  /** The events that may be recorded now. */
  enabled: number;
  /** Recorded since the last `WSAEnumNetworkEvents` (event sinks). */
  recorded: number;
  readonly errors: Int32Array;
}

interface SocketState {
  readonly s: SOCKET;
  /** Set for good by the first `WSAEventSelect`/`WSAAsyncSelect`. */
  nonBlocking: boolean;
  connected: boolean;
  connecting: boolean;
  sel: Selection | null;
  /** Read ahead, not yet handed to `recv`. */
  inbox: Uint8Array;
  chunk?: Uint8Array;
  eof: boolean;
  failure?: WinsockError;
  filling?: Promise<void>;
  readWatch: boolean;
  writeWatch: boolean;
}

const READ_SETS = (s: SOCKET): SelectSets => ({ read: [s], write: [], except: [] });
const WRITE_SETS = (s: SOCKET): SelectSets => ({ read: [], write: [s], except: [] });

/**
 * The emulation over `base`: `backend` is `base` with the non-blocking
 * behaviour of selected sockets (the façade's socket calls go through it);
 * the object itself is the `EventSelectBackend`. Until a socket is selected,
 * `backend`'s calls go straight to `base`'s. On the raw synchronous path
 * (`blocking`) nothing could wait for the events, so selecting fails with
 * `WSAEOPNOTSUPP`.
 */
export class EmulatedEventSelect implements EventSelectBackend {
  /** `base`, with selected sockets non-blocking. */
  readonly backend: SocketBackend;
  /** The completion routines an alertable wait runs (the overlapped engine queues them). */
  readonly apc: ApcQueue = new ApcQueue();
  #base: SocketBackend;
  #blocking: boolean;
  #events = new Map<WSAEVENT, EventObject>();
  #nextEvent = 0x1000n;
  /** The sockets this emulation has a state for; none until the first is selected. */
  #sockets = new Map<SOCKET, SocketState>();
  #closeWatchers: ((s: SOCKET) => void)[] = [];

  /** Wraps `base`. */
  constructor(base: SocketBackend, blocking: boolean) {
    this.#base = base;
    this.#blocking = blocking;
    const sockets = this.#sockets;
    this.backend = {
      ...base,
      accept: (s) => sockets.size === 0 ? base.accept(s) : this.#accept(s),
      connect: (s, name) => sockets.size === 0 ? base.connect(s, name) : this.#connect(s, name),
      recv: (s, buf, flags, recover) =>
        sockets.size === 0 ? base.recv(s, buf, flags, recover) : this.#recv(s, buf, flags, recover),
      send: (s, buf, flags, recover) =>
        sockets.size === 0 ? base.send(s, buf, flags, recover) : this.#send(s, buf, flags, recover),
      ioctlsocket: (s, cmd, arg) => this.#ioctlsocket(s, cmd, arg),
      closesocket: (s) => {
        sockets.delete(s);
        base.closesocket(s);
        for (const watch of this.#closeWatchers) watch(s);
      },
      cleanup: () => {
        sockets.clear();
        for (const e of this.#events.values()) this.#close(e);
        this.#events.clear();
        base.cleanup();
      },
    };
  }

  /** Calls `watch` with each socket closed through `backend` (the overlapped emulation's ports). */
  watchClose(watch: (s: SOCKET) => void): void {
    this.#closeWatchers.push(watch);
  }

  // Event objects.

  #event(h: WSAEVENT): EventObject {
    const e = this.#events.get(h);
    if (!e) throw new WinsockError(WSA_INVALID_HANDLE, `event ${h}`);
    return e;
  }

  #close(e: EventObject): void {
    e.closed = true;
    for (const wake of e.waiters) wake();
  }

  /** `WSACreateEvent`. */
  WSACreateEvent(): WSAEVENT {
    const h = this.#nextEvent;
    this.#nextEvent += 4n;
    this.#events.set(h, { signalled: false, closed: false, waiters: new Set() });
    return h;
  }

  /** `WSACloseEvent`. */
  WSACloseEvent(h: WSAEVENT): void {
    this.#close(this.#event(h));
    this.#events.delete(h);
  }

  /** `WSASetEvent`. */
  WSASetEvent(h: WSAEVENT): void {
    const e = this.#event(h);
    e.signalled = true;
    for (const wake of e.waiters) wake();
  }

  /** `WSAResetEvent`. */
  WSAResetEvent(h: WSAEVENT): void {
    this.#event(h).signalled = false;
  }

  /**
   * `WSAWaitForMultipleEvents`: at once when it need not wait. Alertable, it
   * also ends by running the queued completion routines (`apc`), answering
   * `WSA_WAIT_IO_COMPLETION`, when no event is signalled.
   */
  WSAWaitForMultipleEvents(
    handles: readonly WSAEVENT[],
    waitAll: boolean,
    timeoutMs: number | null,
    alertable = false,
  ): number | Promise<number> {
    const events = handles.map((h) => this.#event(h));
    // An event closed while waited on is never signalled again (the wait goes on, as on Windows).
    const look = () => {
      if (waitAll) return events.every((e) => e.signalled) ? WSA_WAIT_EVENT_0 : -1;
      const i = events.findIndex((e) => e.signalled);
      return i < 0 ? -1 : WSA_WAIT_EVENT_0 + i;
    };
    const alerted = () => {
      if (!alertable || !this.apc.pending) return -1;
      this.apc.runAll();
      return WSA_WAIT_IO_COMPLETION;
    };
    const now = look();
    if (now >= 0) return now;
    const ran = alerted();
    if (ran >= 0) return ran;
    if (timeoutMs === 0) return WSA_WAIT_TIMEOUT;
    if (this.#blocking) throw new WinsockError(WSAEOPNOTSUPP, "a wait on the synchronous path");
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (answer: number) => {
        clearTimeout(timer);
        for (const e of events) e.waiters.delete(wake);
        unwatch?.();
        resolve(answer);
      };
      const wake = () => {
        const i = look();
        if (i >= 0) done(i);
      };
      for (const e of events) e.waiters.add(wake);
      // Not watching once the routines run: those they queue wait for the next alertable wait
      // (else a routine whose call completes at once would run the next inside itself, without end).
      const unwatch = alertable
        ? this.apc.watch(() => {
          if (!this.apc.pending) return;
          unwatch?.();
          done(alerted());
        })
        : undefined;
      if (timeoutMs !== null) timer = setTimeout(() => done(WSA_WAIT_TIMEOUT), timeoutMs);
    });
  }

  // Selecting.

  /** The socket's state, made on first use (connected if it has a peer). */
  #state(s: SOCKET): SocketState {
    let st = this.#sockets.get(s);
    if (st) return st;
    let connected = true;
    try {
      this.#base.getpeername(s);
    } catch (e) {
      if (!isWinsockError(e, WSAENOTCONN)) throw e; // WSAENOTSOCK and the like
      connected = false;
    }
    st = {
      s,
      nonBlocking: false,
      connected,
      connecting: false,
      sel: null,
      inbox: new Uint8Array(0),
      eof: false,
      readWatch: false,
      writeWatch: false,
    };
    this.#sockets.set(s, st);
    return st;
  }

  /** Selects `lNetworkEvents` of `s` into `sink` (null: cancels); the socket stays non-blocking. */
  select(s: SOCKET, sink: Sink | null, lNetworkEvents: number): void {
    if (this.#blocking) {
      throw new WinsockError(WSAEOPNOTSUPP, "emulated select models on the synchronous path");
    }
    if ((lNetworkEvents & ~FD_ALL_EVENTS) !== 0) {
      throw new WinsockError(WSAEINVAL, `lNetworkEvents 0x${lNetworkEvents.toString(16)}`);
    }
    const st = this.#state(s);
    if (!st.nonBlocking) this.#base.ioctlsocket(s, FIONBIO, 1);
    st.nonBlocking = true;
    st.sel = sink && lNetworkEvents !== 0
      ? {
        sink,
        mask: lNetworkEvents,
        enabled: FD_ALL_EVENTS,
        recorded: 0,
        errors: new Int32Array(FD_MAX_EVENTS),
      }
      : null;
    this.#evaluate(st);
  }

  /** `WSAEventSelect`. */
  WSAEventSelect(s: SOCKET, h: WSAEVENT, lNetworkEvents: number): void {
    if (h !== 0n) this.#event(h);
    else if (lNetworkEvents !== 0) throw new WinsockError(WSAEINVAL, "WSAEventSelect: no event");
    this.select(s, h === 0n ? null : { kind: "event", handle: h }, lNetworkEvents);
  }

  /** `WSAEnumNetworkEvents`. */
  WSAEnumNetworkEvents(s: SOCKET, h: WSAEVENT): WSANETWORKEVENTS {
    const event = h === 0n ? null : this.#event(h);
    const st = this.#state(s);
    const out = new WSANETWORKEVENTS();
    const sel = st.sel;
    if (sel) {
      out.lNetworkEvents = sel.recorded;
      out.iErrorCode.set(sel.errors);
      sel.recorded = 0;
      sel.errors.fill(0);
    }
    if (event) event.signalled = false;
    return out;
  }

  /** Records `bit` (with its error code) if selected and enabled; it is then disabled. */
  #record(st: SocketState, bit: number, error = 0): void {
    const sel = st.sel, event = 1 << bit;
    if (!sel || !(sel.mask & event) || !(sel.enabled & event)) return;
    sel.enabled &= ~event;
    if (sel.sink.kind === "message") {
      sel.sink.post(st.s, event, error);
      return;
    }
    sel.recorded |= event;
    sel.errors[bit] = error;
    const e = this.#events.get(sel.sink.handle);
    if (e && !e.closed) {
      e.signalled = true;
      for (const wake of e.waiters) wake();
    }
  }

  /** Records what is known to have happened, and watches for the rest. */
  #evaluate(st: SocketState): void {
    const sel = st.sel;
    if (!sel || this.#sockets.get(st.s) !== st) return;
    const wants = (event: number) => (sel.mask & sel.enabled & event) !== 0;
    if (st.connected) {
      if (st.inbox.byteLength > 0) this.#record(st, FD_READ_BIT);
      else if (st.failure) this.#record(st, FD_CLOSE_BIT, st.failure.code);
      else if (st.eof) this.#record(st, FD_CLOSE_BIT, 0);
      else if (wants(FD_READ | FD_CLOSE)) this.#watchRead(st);
      if (wants(FD_WRITE)) this.#watchWrite(st);
    } else if (!st.connecting && wants(FD_ACCEPT)) {
      this.#watchRead(st);
    }
  }

  /** Waits until `s` is readable, then records `FD_ACCEPT`, or reads ahead for `FD_READ`/`FD_CLOSE`. */
  async #watchRead(st: SocketState): Promise<void> {
    if (st.readWatch) return;
    st.readWatch = true;
    try {
      await this.#base.select(READ_SETS(st.s), null);
      if (this.#sockets.get(st.s) !== st) return;
      if (st.connected) await this.#fill(st);
      else this.#record(st, FD_ACCEPT_BIT);
    } catch {
      return; // closed meanwhile
    } finally {
      st.readWatch = false;
    }
    this.#evaluate(st);
  }

  /** Waits until `s` is writable, then records `FD_WRITE`. */
  async #watchWrite(st: SocketState): Promise<void> {
    if (st.writeWatch) return;
    st.writeWatch = true;
    try {
      await this.#base.select(WRITE_SETS(st.s), null);
    } catch {
      return;
    } finally {
      st.writeWatch = false;
    }
    this.#record(st, FD_WRITE_BIT);
  }

  /**
   * One read ahead, without waiting (the base socket is non-blocking): data,
   * the close, or the failure. A Promise (shared by whoever asks meanwhile)
   * only where the base answers with one.
   */
  #fill(st: SocketState): void | Promise<void> {
    if (st.filling) return st.filling;
    const chunk = st.chunk ??= new Uint8Array(CHUNK);
    let n: Awaitable<number>;
    try {
      n = this.#base.recv(st.s, chunk, 0);
    } catch (e) {
      return this.#fillFailed(st, e);
    }
    if (!(n instanceof Promise)) return this.#filled(st, chunk, n);
    return st.filling = n.then((got) => {
      st.filling = undefined;
      this.#filled(st, chunk, got);
    }, (e) => {
      st.filling = undefined;
      this.#fillFailed(st, e);
    });
  }

  #filled(st: SocketState, chunk: Uint8Array, n: number): void {
    if (n === 0) st.eof = true;
    else st.inbox = chunk.subarray(0, n);
  }

  #fillFailed(st: SocketState, e: unknown): void {
    if (!isWinsockError(e)) throw e;
    if (e.code !== WSAEWOULDBLOCK) st.failure = e; // would block: nothing came after all
  }

  #nonBlocking(s: SOCKET): SocketState | undefined {
    const st = this.#sockets.get(s);
    return st?.nonBlocking ? st : undefined;
  }

  #enable(st: SocketState, event: number): void {
    if (st.sel) st.sel.enabled |= event;
  }

  // The socket calls, for selected (non-blocking) sockets: the base socket is non-blocking too.

  #accept(s: SOCKET): ReturnType<SocketBackend["accept"]> {
    const st = this.#nonBlocking(s);
    if (!st) return this.#base.accept(s);
    return (async () => {
      try {
        const accepted = await this.#base.accept(s);
        const child = this.#state(accepted.socket);
        child.connected = true;
        // It inherits the listener's selection (and is non-blocking: it has a state).
        if (st.sel) this.select(accepted.socket, st.sel.sink, st.sel.mask);
        return accepted;
      } finally {
        // Any accept re-enables FD_ACCEPT, one that failed too (Windows documents it so).
        this.#enable(st, FD_ACCEPT);
        this.#evaluate(st);
      }
    })();
  }

  #connect(s: SOCKET, name: Parameters<SocketBackend["connect"]>[1]): Promise<void> | void {
    const st = this.#nonBlocking(s);
    if (!st) return this.#base.connect(s, name);
    if (st.connecting) throw new WinsockError(WSAEALREADY, "connect");
    if (st.connected) throw new WinsockError(WSAEISCONN, "connect");
    st.connecting = true;
    (async () => {
      let code = 0;
      try {
        await this.#base.connect(s, name);
      } catch (e) {
        code = isWinsockError(e) ? e.code : WSAEINVAL;
      }
      if (code === WSAEWOULDBLOCK) code = await this.#connected(s); // under way: select ends it
      st.connecting = false;
      if (code === 0) st.connected = true;
      this.#record(st, FD_CONNECT_BIT, code);
      this.#evaluate(st);
    })();
    throw new WinsockError(WSAEWOULDBLOCK, "connect");
  }

  /** A non-blocking connect's end: 0 once connected (writable), else its `SO_ERROR`. */
  async #connected(s: SOCKET): Promise<number> {
    try {
      const ready = await this.#base.select({ read: [], write: [s], except: [s] }, null);
      if (ready.except.length === 0) return 0;
      const error = new Int32Array(1);
      this.#base.getsockopt(s, SOL_SOCKET, SO_ERROR, new Uint8Array(error.buffer));
      return error[0] || WSAECONNREFUSED;
    } catch (e) {
      return isWinsockError(e) ? e.code : WSAEINVAL; // closed meanwhile
    }
  }

  #recv(
    s: SOCKET,
    buf: Uint8Array,
    flags: number,
    recover?: Recover<number>,
  ): ReturnType<SocketBackend["recv"]> {
    const st = this.#sockets.get(s);
    // What was read ahead comes first, also once the socket is blocking again.
    if (!st?.nonBlocking && !st?.inbox.byteLength) return this.#base.recv(s, buf, flags, recover);
    if ((flags & ~MSG_PEEK) !== 0) throw new WinsockError(WSAEOPNOTSUPP, "recv: flags");
    if (!st.connected) throw new WinsockError(WSAENOTCONN, "recv");
    return recovering(this.#served(st, buf, flags), recover);
  }

  /** `recv` on a selected socket: what was read ahead, else one read ahead now. */
  async #served(st: SocketState, buf: Uint8Array, flags: number): Promise<number> {
    if (st.inbox.byteLength === 0 && !st.eof && !st.failure) await this.#fill(st);
    this.#enable(st, FD_READ);
    const n = Math.min(buf.byteLength, st.inbox.byteLength);
    if (n > 0) {
      buf.set(st.inbox.subarray(0, n));
      if (!(flags & MSG_PEEK)) st.inbox = st.inbox.subarray(n);
    }
    this.#evaluate(st);
    if (n > 0 || buf.byteLength === 0) return n;
    if (st.failure) throw st.failure;
    if (st.eof) return 0;
    throw new WinsockError(WSAEWOULDBLOCK, "recv");
  }

  /** What fits now (the base socket is non-blocking); `WSAEWOULDBLOCK` re-enables FD_WRITE. */
  #send(
    s: SOCKET,
    buf: Uint8Array,
    flags: number,
    recover?: Recover<number>,
  ): ReturnType<SocketBackend["send"]> {
    const st = this.#nonBlocking(s);
    if (!st || !st.connected) return this.#base.send(s, buf, flags, recover);
    try {
      const n = this.#base.send(s, buf, flags);
      return n instanceof Promise
        ? recovering(n.catch((e) => this.#sendFailed(st, e)), recover)
        : n;
    } catch (e) {
      return this.#sendFailed(st, e);
    }
  }

  #sendFailed(st: SocketState, e: unknown): never {
    if (isWinsockError(e, WSAEWOULDBLOCK)) {
      this.#enable(st, FD_WRITE);
      this.#evaluate(st);
    }
    throw e;
  }

  /**
   * `ioctlsocket`: `FIONBIO` 0 on a selected socket fails with `WSAEINVAL`,
   * as on Windows; `FIONREAD` counts what was read ahead too.
   */
  #ioctlsocket(s: SOCKET, cmd: number, arg: number): number {
    const st = this.#sockets.get(s);
    if (!st?.nonBlocking) return this.#base.ioctlsocket(s, cmd, arg);
    if (cmd === FIONBIO && arg === 0) {
      if (st.sel) {
        throw new WinsockError(WSAEINVAL, "ioctlsocket(FIONBIO, 0): the socket is selected");
      }
      this.#base.ioctlsocket(s, cmd, arg);
      st.nonBlocking = false;
      return 0;
    }
    const value = this.#base.ioctlsocket(s, cmd, arg);
    return cmd === FIONREAD ? value + st.inbox.byteLength : value;
  }
}
