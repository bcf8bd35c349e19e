/**
 * One readiness waiter for every socket of a backend, as libuv and mio have
 * it. The backends try each call synchronously on the JS thread (so the
 * error code is read on the thread that made the call); only when it would
 * block does the socket wait here. All waiting sockets share a single
 * pending `poll` / `WSAPoll` (a `nonblocking: true` FFI call on a worker
 * thread), which a wake-up socket interrupts whenever the set changes. Only
 * readiness comes back from the worker thread, never an error code.
 *
 * When nothing waits, nothing is pending, so a program that is done exits.
 *
 * @module
 */

import type { Awaitable, SelectSets, WaitStats } from "./backend.ts";
import { WinsockError, WSAEINTR } from "./errors.ts";

/** Where `fd`, `events` and `revents` sit in one `struct pollfd` / `WSAPOLLFD`. */
export interface PollfdLayout {
  /** The size of one entry. */
  readonly size: number;
  /** Offset of the descriptor. */
  readonly fd: number;
  /** Size of the descriptor: 4 (`int`) or 8 (`SOCKET`). */
  readonly fdSize: 4 | 8;
  /** Offset of `short events`. */
  readonly events: number;
  /** Offset of `short revents`. */
  readonly revents: number;
}

/** A socket that the reactor's poll watches, so that a change of the set can interrupt it. */
export interface WakeUp {
  /** The descriptor to poll for reading. */
  readonly fd: bigint;
  /** Makes `fd` readable. */
  wake(): void;
  /** Reads everything `wake` wrote. */
  drain(): void;
  /** Closes it (errors ignored). */
  close(): void;
}

/** What a backend gives its reactor. */
export interface Poller {
  /** The entry layout of the array `poll` takes. */
  readonly layout: PollfdLayout;
  /** The event that means "readable" (for the wake-up socket). */
  readonly readable: number;
  /** `poll(fds, nfds, timeout)` on a worker thread; its error code is never read. */
  poll(fds: Uint8Array, nfds: number, timeoutMs: number): Promise<number>;
  /** Makes the wake-up socket. */
  openWakeUp(): WakeUp;
}

/** One socket and the events it waits for. */
export interface Interest {
  /** The descriptor. */
  readonly fd: bigint;
  /**
   * `POLLIN`, `POLLOUT`, … as the backend's poll spells them; 0 for a socket
   * nothing can make ready (e.g. never connected): not polled, but its
   * `cancel` still ends the wait.
   */
  readonly events: number;
}

interface Waiter {
  readonly interests: readonly Interest[];
  /** `performance.now()` at which it gives up (Infinity: never). */
  readonly until: number;
  resolve(revents: number): void;
  reject(reason: unknown): void;
}

/** The longest timeout `poll` takes (`int` milliseconds). */
const MAX_TIMEOUT_MS = 0x7fffffff;

/**
 * The single waiter of one backend.
 *
 * @example
 * ```ts ignore
 * const reactor = new Reactor(poller);
 * const revents = await reactor.wait([{ fd, events: POLLIN }], null); // readable, or an error
 * ```
 */
export class Reactor {
  #poller: Poller;
  #waiters = new Set<Waiter>();
  #wakeUp: WakeUp | null = null;
  /** Wake-up sockets replaced by `close()` while a poll still watched them. */
  #retired: WakeUp[] = [];
  #polling = false;
  /** A poll is pending on the worker thread: only then does a new set need the wake-up. */
  #inFlight = false;
  #woken = false;
  #stats: WaitStats = { pending: 0, peak: 0, total: 0 };

  /** A reactor over a backend's poll. */
  constructor(poller: Poller) {
    this.#poller = poller;
  }

  /**
   * Waits until one of `interests` is ready; resolves with its `revents`
   * (which may be an error or hang-up: the caller's retried call reports
   * it), or 0 once `timeoutMs` has passed (null: no limit). Rejects with
   * `WSAEINTR` if one of the sockets is cancelled (closed) meanwhile.
   */
  wait(interests: readonly Interest[], timeoutMs: number | null): Promise<number> {
    return new Promise((resolve, reject) => {
      const until = timeoutMs === null ? Infinity : performance.now() + timeoutMs;
      this.#waiters.add({ interests, until, resolve, reject });
      this.#kick();
    });
  }

  /**
   * Runs a non-blocking call until it does not say "would block" (returns
   * `undefined`), waiting for `events` on `fd` between. The first try is
   * made at once: if it needs no wait, its answer (or error) comes back
   * without a Promise.
   */
  retry<T>(fd: bigint, events: number, attempt: () => T | undefined): Awaitable<T> {
    const result = attempt();
    if (result !== undefined) return result;
    return (async () => {
      for (;;) {
        await this.wait([{ fd, events }], null);
        const again = attempt();
        if (again !== undefined) return again;
      }
    })();
  }

  /**
   * `select` without blocking the JS thread: `look` (a zero-timeout `select`
   * on the JS thread) until it finds a socket ready or `timeoutMs` has passed
   * (null: no limit), waiting for `interests` between looks.
   */
  async select(
    interests: readonly Interest[],
    timeoutMs: number | null,
    look: () => SelectSets,
  ): Promise<SelectSets> {
    const until = timeoutMs === null ? Infinity : performance.now() + timeoutMs;
    for (;;) {
      const ready = look();
      const left = until - performance.now();
      if (ready.read.length + ready.write.length + ready.except.length > 0 || left <= 0) {
        return ready;
      }
      await this.wait(interests, left === Infinity ? null : left);
    }
  }

  /** Ends the waits on `fd` with `WSAEINTR`: it is being closed. */
  cancel(fd: bigint): void {
    for (const w of this.#waiters) {
      if (w.interests.some((i) => i.fd === fd)) this.#drop(w, "closesocket while waiting");
    }
    this.#kick();
  }

  /** Ends every wait with `WSAEINTR` and lets go of the wake-up socket (`WSACleanup`). */
  close(): void {
    for (const w of this.#waiters) this.#drop(w, "WSACleanup while waiting");
    const wakeUp = this.#wakeUp;
    this.#wakeUp = null;
    if (!wakeUp) return;
    if (this.#polling) {
      wakeUp.wake();
      this.#retired.push(wakeUp);
    } else {
      wakeUp.close();
    }
  }

  /** The waits made so far: one pending at most, however many sockets wait. */
  stats(): WaitStats {
    return { ...this.#stats };
  }

  #drop(w: Waiter, why: string): void {
    this.#waiters.delete(w);
    w.reject(new WinsockError(WSAEINTR, why));
  }

  /** Starts the loop, or interrupts its poll so that it sees the new set. */
  #kick(): void {
    if (!this.#polling) {
      if (this.#waiters.size > 0) this.#run();
    } else if (this.#inFlight && !this.#woken && this.#wakeUp) {
      this.#woken = true;
      this.#wakeUp.wake();
    }
  }

  async #run(): Promise<void> {
    this.#polling = true;
    try {
      await null; // the waits a caller starts in one go (one per socket) share the first poll
      while (this.#waiters.size > 0) await this.#once();
    } catch (e) {
      for (const w of this.#waiters) {
        this.#waiters.delete(w);
        w.reject(e);
      }
    } finally {
      this.#polling = false;
      for (const w of this.#retired.splice(0)) w.close();
    }
  }

  /** One poll over every waiting socket, then settles the waiters it answered. */
  async #once(): Promise<void> {
    const { layout: L, readable } = this.#poller;
    const wakeUp = this.#wakeUp ??= this.#poller.openWakeUp();
    const waiters = [...this.#waiters];
    const polled = (w: Waiter) => w.interests.filter((i) => i.events !== 0);
    const entries = [{ fd: wakeUp.fd, events: readable }, ...waiters.flatMap(polled)];
    const fds = new Uint8Array(entries.length * L.size);
    const view = new DataView(fds.buffer);
    entries.forEach(({ fd, events }, i) => {
      if (L.fdSize === 8) view.setBigUint64(i * L.size + L.fd, fd, true);
      else view.setInt32(i * L.size + L.fd, Number(fd), true);
      view.setInt16(i * L.size + L.events, events, true);
    });
    const until = Math.min(...waiters.map((w) => w.until));
    const timeout = until === Infinity
      ? -1
      : Math.min(MAX_TIMEOUT_MS, Math.max(0, Math.ceil(until - performance.now())));

    this.#woken = false;
    const stats = this.#stats;
    stats.total++;
    stats.peak = Math.max(stats.peak, ++stats.pending);
    let n: number;
    this.#inFlight = true;
    try {
      n = await this.#poller.poll(fds, entries.length, timeout);
    } finally {
      this.#inFlight = false;
      stats.pending--;
    }
    for (const w of this.#retired.splice(0)) w.close();

    const revents = (i: number) => view.getInt16(i * L.size + L.revents, true);
    if (revents(0) !== 0) wakeUp.drain();
    const now = performance.now();
    let i = 1;
    for (const w of waiters) {
      let fired = 0;
      for (const _ of polled(w)) fired ||= revents(i++);
      if (!this.#waiters.has(w)) continue; // cancelled meanwhile
      // A failed poll (a socket closed behind our back): every waiter retries its call,
      // which reports the error on the JS thread.
      if (n < 0) fired ||= -1;
      if (fired !== 0 || now >= w.until) {
        this.#waiters.delete(w);
        w.resolve(fired);
      }
    }
  }
}
