/**
 * One readiness waiter for every socket of a backend, as libuv and mio have
 * it. The backends try each call synchronously on the JS thread (so the
 * error code is read on the thread that made the call); only when it would
 * block does the socket wait here, then the call is tried again.
 *
 * **Hybrid waiting.** A wait first polls on the JS thread: zero-timeout
 * polls over every waiting socket, serving whichever is ready, for a short
 * budget (`backends/reactor/policy.ts`: adaptive by default, growing while answers
 * come within 200 µs and falling to nothing when they do not). Only when the
 * budget is spent is the wait **parked**: handed to one pending poll on a
 * worker thread (a `nonblocking: true` FFI call), which a wake-up socket
 * interrupts when needed. Only readiness comes back from the worker thread,
 * never an error code. Between two polls of a spin the backend's `relax`
 * (`sched_yield`, `SwitchToThread`) lets a process ready on the same core
 * run: when client and server share a core, the peer answers during the
 * yield instead of waiting for the spinner's time slice to end (measured:
 * one-core ping-pong 26k → 39k msgs/s, unpinned 20k → 82k). Before a spin
 * the reactor yields to the event loop (with one wait, only if the loop has
 * not had a turn for `TURN_MS`; else after a microtask), so timers and other
 * tasks wait at most that and one budget.
 *
 * **One wait** (one call on one socket, no deadline: a ping-pong's `recv`)
 * spins on its own call instead of polling: one system call per look, not
 * a poll and then the call. It relaxes only while relaxing lets another
 * task run on this core; a relax that comes back at once means the peer
 * runs elsewhere, and the spin then relaxes every `QUIET_MS` only. When a
 * relax answered the last wait on a socket (the peer shares this core),
 * the next call there relaxes before its first try (`relaxFor`), and needs
 * no wait at all: send, relax, recv, as a blocking C program's send, block,
 * recv.
 *
 * **Engines** (`reactor/`): Linux registers each socket with `epoll` once
 * (O(ready) per wake-up; a parked wait sees new sockets by itself); elsewhere
 * an array for `poll` / `WSAPoll` is rebuilt when the set changes. With
 * epoll, the usual wait (one call on one socket, no deadline) is kept in an
 * array indexed by descriptor, so a wake-up finds it without hashing.
 *
 * When nothing waits, nothing is pending, so a program that is done exits.
 *
 * @module
 */

import { setImmediate } from "node:timers";
import type { Awaitable, Recover, SelectSets, WaitStats } from "../contract.ts";
import { WinsockError, WSAEINTR } from "../../errors.ts";
import type { Engine } from "./engine.ts";
import { SpinPolicy, type SpinSetting } from "./policy.ts";

export type { Engine, WakeUp } from "./engine.ts";
export { type PollApi, pollEngine, type PollfdLayout } from "./poll.ts";
export { type EpollApi, epollEngine } from "./epoll.ts";
export { SpinPolicy, type SpinSetting } from "./policy.ts";

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

/**
 * One pending wait: one class for every wait, so that every wait has the same
 * shape. It sits in the list of each of its sockets (`Reactor.#byFd`), and in
 * `Reactor.#listed` too when it has a deadline or is not on exactly one socket.
 *
 * The wait of `Reactor.retry` has an `attempt`: once its socket is ready it
 * makes its call again, and waits again if that would block, so one wait
 * (and one Promise) serves the call however often it must wait.
 */
class Waiter {
  /** What the polls found for it so far. */
  fired = 0;
  /** Not yet answered, expired or dropped. */
  active = false;
  /** On exactly one socket: its descriptor as a number; else -1. */
  readonly key: number;
  /** On exactly one socket: it; else null. */
  readonly fd: bigint | null;
  /** On exactly one socket: the events it waits for there. */
  readonly events: number;
  #interests: readonly Interest[] | null;
  constructor(
    /** Its sockets; null: just `fd` for `events` (made into a list only if need be). */
    interests: readonly Interest[] | null,
    fd: bigint | null,
    events: number,
    /** `performance.now()` at which it gives up (Infinity: never). */
    readonly until: number,
    /** With `attempt`: the call's answer; else the `revents` found. */
    readonly resolve: (result: unknown) => void,
    readonly reject: (reason: unknown) => void,
    /** `retry`'s call, made again once the socket is ready (undefined: would block). */
    readonly attempt: (() => unknown) | null = null,
    /** Starts it again when `attempt` would block (`Reactor.#again`). */
    readonly restart: ((w: Waiter) => void) | null = null,
    /** What it resolves with instead of failing (null: it rejects). */
    readonly recover: Recover<unknown> | null = null,
  ) {
    this.#interests = interests;
    if (interests?.length === 1) ({ fd, events } = interests[0]);
    else if (interests) fd = null;
    this.fd = fd;
    this.key = fd === null ? -1 : Number(fd);
    this.events = fd === null ? 0 : events;
  }

  /** Its sockets and what it waits for on each. */
  get interests(): readonly Interest[] {
    return this.#interests ??= [{ fd: this.fd!, events: this.events }];
  }

  /**
   * The polls found it ready (`revents`), its time is up (0), or the poll
   * failed (-1): a plain wait resolves with that; a `retry` makes its call.
   */
  settle(revents: number): void {
    const attempt = this.attempt;
    if (attempt === null) return this.resolve(revents);
    let again: unknown;
    try {
      again = attempt();
    } catch (e) {
      return this.fail(e);
    }
    if (again !== undefined) return this.resolve(again);
    this.fired = 0;
    this.restart!(this);
  }

  /** Ends it with `reason`: rejects, or resolves with what `recover` makes of it. */
  fail(reason: unknown): void {
    const recover = this.recover;
    if (recover === null) return this.reject(reason);
    let value: unknown;
    try {
      value = recover(reason);
    } catch (e) {
      return this.reject(e);
    }
    this.resolve(value);
  }
}

/**
 * Without a `relax`, a gap between two polls of a spin longer than this (ms;
 * a poll takes about a µs) means the spinner was descheduled: whatever it then
 * finds, another process needed its CPU to answer (client and server on one
 * core), so the spin did not help.
 */
const PREEMPTED_MS = 0.03;

/** The longest timeout `poll` takes (`int` milliseconds). */
const MAX_TIMEOUT_MS = 0x7fffffff;

/**
 * A spin with one wait starts after a microtask, not a task, unless the event
 * loop last had a turn this long ago (ms): timers and other tasks wait at most
 * this plus one spin budget.
 */
const TURN_MS = 0.2;

/** A relax that took longer than this (ms) let another task run on this core. */
const RELAXED_MS = 0.005;

/** How long (ms) the spin of one wait polls without relaxing after a relax that let nothing run. */
const QUIET_MS = 0.05;

/** Runs after every microtask and every task already due (timers included): ~1.5 µs. */
const nextTask = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The single waiter of one backend.
 *
 * @example
 * ```ts ignore
 * const reactor = new Reactor(() => pollEngine(api), "adaptive");
 * const revents = await reactor.wait([{ fd, events: POLLIN }], null); // readable, or an error
 * ```
 */
export class Reactor {
  #open: () => Engine;
  #engine: Engine | null = null;
  #policy: SpinPolicy;
  /** The active waits. */
  #count = 0;
  /**
   * The other waits on each socket, by descriptor (a number: cheaper to hash
   * than a bigint). Usually one, so an array. The empty list stays, for the next wait.
   */
  #byFd = new Map<number, Waiter[]>();
  /** The waits with a deadline or not on exactly one socket (`select`, a sleep). */
  #listed = new Set<Waiter>();
  /**
   * With an engine that watches everything (epoll), the first untimed wait on
   * one socket, by descriptor: the usual wait, kept out of `#byFd` (no hashing).
   */
  #solo: (Waiter | undefined)[] = [];
  /** The waits in `#byFd`: when there are none, a poll's answers do not look there. */
  #general = 0;
  /**
   * Waiters a poll answered, to settle once it is done: the first
   * `#firedCount` entries (the array keeps its room from poll to poll).
   */
  #fired: (Waiter | null)[] = [];
  #firedCount = 0;
  /** Waiters with a deadline: only then does a poll look for expired ones. */
  #timed = 0;
  #running = false;
  /** The engine of the park pending on the worker thread, and when it gives up by itself. */
  #parkedOn: Engine | null = null;
  #parkedUntil = Infinity;
  #woken = false;
  /** Engines let go of (`close`) while a park still used them. */
  #retired: Engine[] = [];
  #stats: WaitStats = { pending: 0, peak: 0, total: 0 };
  #relax: (() => void) | null;
  /** When the event loop last had a turn (`performance.now()`). */
  #turned = 0;
  /** The wait started last (the only one, when one waits). */
  #newest: Waiter | null = null;
  /**
   * The descriptor (and events) whose last wait was answered right after its
   * first relax let another task run: the peer shares this core (-1: none).
   */
  #handOff = -1;
  #handOffEvents = 0;
  /** The last relax of a spin let no other task run: the core is ours. */
  #alone = false;
  /** The last spin found its answer after the spinner was descheduled (no `relax`). */
  #preempted = false;

  /**
   * A reactor over the engine `open` makes (at the first wait, again after
   * `close`); `relax` runs between two polls of a spin (a yield of the CPU).
   */
  constructor(open: () => Engine, spin: SpinSetting = "adaptive", relax?: () => void) {
    this.#open = open;
    this.#policy = new SpinPolicy(spin);
    this.#relax = relax ?? null;
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
      this.#add(new Waiter(interests, null, 0, until, resolve as (r: unknown) => void, reject));
    });
  }

  /**
   * Runs a non-blocking call until it does not say "would block" (returns
   * `undefined`), waiting for `events` on `fd` between. The first try is
   * made at once: if it needs no wait, its answer (or error) comes back
   * without a Promise. After a wait the call is tried again as soon as the
   * poll that found the socket ready is done (before any task resumes), and
   * one Promise serves every wait of it.
   */
  retry<T>(
    fd: bigint,
    events: number,
    attempt: () => T | undefined,
    recover?: Recover<T>,
  ): Awaitable<T> {
    this.relaxFor(fd, events);
    const result = attempt();
    if (result !== undefined) return result;
    return this.retryLater(fd, events, attempt, recover);
  }

  /**
   * Before the first try of a call on `fd` for `events`: if the last wait
   * there was answered as soon as a relax let another task run (the peer
   * shares this core), relaxes now, so that the peer answers before the try
   * rather than after a wait. A relax that lets nothing run ends that.
   */
  relaxFor(fd: bigint, events: number): void {
    const relax = this.#relax;
    if (relax === null || this.#handOff !== Number(fd) || this.#handOffEvents !== events) return;
    const before = performance.now();
    relax();
    if (performance.now() - before <= RELAXED_MS) this.#handOff = -1;
  }

  /**
   * `retry` for a call that has just said "would block": it waits first.
   * With `recover`, a failure resolves the Promise with `recover(error)`.
   */
  retryLater<T>(
    fd: bigint,
    events: number,
    attempt: () => T | undefined,
    recover?: Recover<T>,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const w = new Waiter(
        null,
        fd,
        events,
        Infinity,
        resolve as (r: unknown) => void,
        reject,
        attempt,
        this.#again,
        recover ?? null,
      );
      this.#again(w); // its failure to start (registration) is one of its failures
    });
  }

  /** Starts the wait of a `retry` (again, when its call would block again). */
  #again = (w: Waiter): void => {
    try {
      this.#add(w);
    } catch (e) {
      w.fail(e);
    }
  };

  /** Starts the wait `w`: registers its sockets, and starts or wakes the poll if need be. */
  #add(w: Waiter): void {
    const engine = this.#engine ??= this.#open();
    this.#newest = w;
    w.active = true;
    this.#count++;
    if (w.until !== Infinity) this.#timed++;
    if (w.until !== Infinity || w.key < 0) this.#listed.add(w);
    else if (engine.watchesEverything && this.#solo[w.key] === undefined && w.events !== 0) {
      this.#solo[w.key] = w;
    }
    const solo = w.key >= 0 && this.#solo[w.key] === w;
    if (!solo) this.#general++;
    try {
      if (solo) engine.watch(w.fd!, w.events);
      else {
        for (const { fd, events } of w.interests) {
          const key = Number(fd);
          const list = this.#byFd.get(key);
          if (list) list.push(w);
          else this.#byFd.set(key, [w]);
          const union = engine.watchesEverything ? events : this.#union(key);
          if (union !== 0) engine.watch(fd, union);
        }
      }
    } catch (e) {
      this.#remove(w);
      throw e;
    }
    if (!this.#running) this.#run();
    else if (!this.#parkedOn?.seesNewSockets || w.until < this.#parkedUntil) this.#wake();
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

  /** Ends the waits on `fd` with `WSAEINTR` and forgets it: it is being closed. */
  cancel(fd: bigint): void {
    const key = Number(fd);
    const solo = this.#solo[key];
    if (solo) this.#drop(solo, "closesocket while waiting");
    for (const w of [...this.#byFd.get(key) ?? []]) this.#drop(w, "closesocket while waiting");
    this.#byFd.delete(key);
    this.#engine?.forget(fd);
    const parked = this.#parkedOn;
    if (parked && (!parked.seesNewSockets || this.#count === 0)) {
      this.#wake(); // a poll array holds the closed socket; or nothing waits: let the park end
    }
  }

  /** Opens the engine now, if it is not yet (it opens at the first wait otherwise). */
  open(): void {
    this.#engine ??= this.#open();
  }

  /** Ends every wait with `WSAEINTR` and lets go of the engine (`WSACleanup`). */
  close(): void {
    for (const w of this.#active()) this.#drop(w, "WSACleanup while waiting");
    this.#byFd.clear();
    this.#solo = [];
    const engine = this.#engine;
    this.#engine = null;
    if (!engine) return;
    if (this.#parkedOn === engine) {
      this.#wake();
      this.#retired.push(engine);
    } else {
      engine.close();
    }
  }

  /** The parked waits: one pending at most, however many sockets wait. */
  stats(): WaitStats {
    return { ...this.#stats };
  }

  /** The spin budget the next wait gets (µs). */
  get spinBudgetUs(): number {
    return this.#policy.budgetUs;
  }

  /** What the waits on descriptor `key` ask for, together. */
  #union(key: number): number {
    let events = 0;
    for (const w of this.#byFd.get(key) ?? []) {
      for (const i of w.interests) if (Number(i.fd) === key) events |= i.events;
    }
    return events;
  }

  /** Every active wait, once each. */
  #active(): Set<Waiter> {
    const all = new Set(this.#listed);
    for (const list of this.#byFd.values()) for (const w of list) all.add(w);
    for (const w of this.#solo) if (w) all.add(w);
    return all;
  }

  #remove(w: Waiter): void {
    if (!w.active) return;
    w.active = false;
    if (this.#newest === w) this.#newest = null;
    this.#count--;
    if (w.until !== Infinity) this.#timed--;
    if (w.until !== Infinity || w.key < 0) this.#listed.delete(w);
    if (w.key >= 0 && this.#solo[w.key] === w) {
      this.#solo[w.key] = undefined;
      return;
    }
    this.#general--;
    const engine = this.#engine;
    for (const { fd } of w.interests) {
      const key = Number(fd);
      const list = this.#byFd.get(key);
      const at = list ? list.indexOf(w) : -1;
      if (at < 0) continue;
      if (list!.length === 1) list!.pop(); // the empty list stays, for the next wait
      else list!.splice(at, 1);
      if (!engine || engine.watchesEverything) continue; // stays registered
      const events = this.#union(key); // 0: only waits on nothing pollable are left
      if (events === 0) {
        engine.unwatch(fd);
      } else {
        engine.watch(fd, events);
      }
    }
  }

  #drop(w: Waiter, why: string): void {
    this.#remove(w);
    w.fail(new WinsockError(WSAEINTR, why));
  }

  #wake(): void {
    if (!this.#parkedOn || this.#woken) return;
    this.#woken = true;
    this.#parkedOn.wake();
  }

  /** A poll found `fd` ready with `revents`: note it for the waits that asked for it. */
  #onReady = (fd: number, revents: number): void => {
    const always = this.#engine?.alwaysBits ?? 0;
    const solo = this.#solo[fd];
    if (solo !== undefined && solo.fired === 0) {
      solo.fired = revents & (solo.events | always);
      if (solo.fired !== 0) this.#fired[this.#firedCount++] = solo;
    }
    if (this.#general === 0) return;
    const list = this.#byFd.get(fd);
    if (!list) return; // nothing waits on it (epoll: an edge its last call already saw)
    for (const w of list) {
      const before = w.fired;
      for (const i of w.interests) {
        if (i.events !== 0 && Number(i.fd) === fd) w.fired |= revents & (i.events | always);
      }
      if (before === 0 && w.fired !== 0) this.#fired[this.#firedCount++] = w;
    }
  };

  /**
   * Settles the waits the polls answered (O(ready)), those whose time is up,
   * and, if the poll failed (a socket closed behind our back), all of them:
   * each retries its call, which reports the error on the JS thread. Returns
   * how many waits the polls ended (a retried call that would block again,
   * for an event its last try already saw, waits on and is not counted).
   */
  #settle(n: number): number {
    const fired = this.#fired;
    let answered = 0;
    for (let i = 0; i < this.#firedCount; i++) { // no array per poll
      const w = fired[i]!;
      fired[i] = null;
      if (!w.active) continue;
      this.#remove(w);
      w.settle(w.fired);
      if (!w.active) answered++;
    }
    this.#firedCount = 0;
    if (n < 0 || this.#timed > 0) {
      const now = performance.now();
      for (const w of n < 0 ? this.#active() : [...this.#listed]) { // a retried call may wait again: not twice here
        if (n >= 0 && w.until > now) continue;
        this.#remove(w);
        w.settle(n < 0 ? -1 : 0);
      }
    }
    return answered;
  }

  /** The earliest deadline of a wait (Infinity: none). */
  #deadline(): number {
    if (this.#timed === 0) return Infinity;
    let until = Infinity;
    for (const w of this.#listed) until = Math.min(until, w.until);
    return until;
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      while (this.#count > 0) {
        await null; // every caller of this microtask checkpoint so far has started its wait
        if (this.#count !== 1 || performance.now() - this.#turned >= TURN_MS) {
          await nextTask(); // every caller of this turn has started its wait; timers have run
          this.#turned = performance.now();
        }
        if (this.#count === 0) break;
        const engine = this.#engine ??= this.#open();
        const start = performance.now();
        const deadline = this.#deadline();
        // Spin on the JS thread, for the budget at most.
        const budgetUs = this.#policy.budgetUs;
        const spinUntil = Math.min(start + budgetUs / 1000, deadline);
        this.#preempted = false;
        const only = this.#only();
        let n = 0, settled = 0;
        if (only) settled = this.#spinOn(only, start, spinUntil);
        else settled = this.#settle(n = this.#spin(engine, start, spinUntil));
        if (budgetUs > 0 && (settled > 0 || n === 0 && spinUntil < deadline)) {
          // Found within the budget, or spent it all. An answer that came while the spinner
          // was descheduled came because it let go of the CPU: the spin did not help.
          this.#policy.spun(settled > 0 && !this.#preempted);
        }
        if (n === 0 && settled === 0 && this.#count > 0 && (only || spinUntil <= start)) {
          // The spin made no poll: one now, on the JS thread, takes what the kernel queued
          // (an edge a call already took counts: a park would end at once for it).
          settled = this.#settle(n = engine.look(this.#onReady));
          if (n > 0) n = 0;
        }
        if (n === 0 && settled === 0 && this.#count > 0) {
          // Park: one poll on the worker thread.
          const left = deadline - performance.now();
          const timeout = left === Infinity
            ? -1
            : Math.min(MAX_TIMEOUT_MS, Math.max(0, Math.ceil(left)));
          n = await this.#park(engine, timeout, deadline);
          // A wake-up or an expired wait says nothing about how soon answers come.
          if (this.#settle(n) > 0) this.#policy.parked((performance.now() - start) * 1000);
        }
      }
    } catch (e) {
      for (const w of this.#active()) {
        this.#remove(w);
        w.fail(e);
      }
    } finally {
      this.#running = false;
    }
  }

  /** The only wait, if it is one call on one socket with no deadline (a `retry`); else null. */
  #only(): Waiter | null {
    const w = this.#newest;
    return this.#count === 1 && w !== null && w.active && w.attempt !== null &&
        w.until === Infinity
      ? w
      : null;
  }

  /**
   * Zero-timeout polls of every waiting socket until one is ready or `until`,
   * with a relax between two; the number the last poll found (-1: it failed).
   */
  #spin(engine: Engine, start: number, until: number): number {
    let n = 0, last = start;
    for (let now = start; n === 0 && now < until;) {
      n = engine.look(this.#onReady);
      if (n !== 0) break;
      this.#relax?.(); // lets a peer on this core run (and answer) now
      const before = performance.now();
      n = engine.look(this.#onReady); // a last look after the relax, whatever the time
      now = performance.now();
      if (!this.#relax && before - last > PREEMPTED_MS) this.#preempted = true;
      last = now;
    }
    return n;
  }

  /**
   * The spin of the only wait, `w`: its call made again until it does not
   * say "would block" or `until`, with no poll (one system call per look,
   * not two). It relaxes first (the call has just said "would block"), and
   * again before every try while relaxing lets another task run on this core
   * (the peer, sharing it, answers then); a relax that comes back at once
   * says nothing else wants this core, and the next comes `QUIET_MS` later
   * (in this spin or the next). 1 if the wait is over, else 0.
   */
  #spinOn(w: Waiter, start: number, until: number): number {
    const relax = this.#relax;
    let relaxAt = this.#alone ? start + QUIET_MS : start;
    this.#handOff = -1;
    for (let now = start, first = true; now < until; first = false) {
      let handedOff = false;
      if (relax && now >= relaxAt) {
        relax();
        const after = performance.now();
        handedOff = after - now > RELAXED_MS;
        this.#alone = !handedOff;
        relaxAt = handedOff ? after : after + QUIET_MS;
      }
      let result: unknown;
      try {
        result = w.attempt!();
      } catch (e) {
        this.#remove(w);
        w.fail(e);
        return 1;
      }
      if (result !== undefined) {
        if (first && handedOff) {
          this.#handOff = w.key;
          this.#handOffEvents = w.events;
        }
        this.#remove(w);
        w.resolve(result);
        return 1;
      }
      const later = performance.now();
      if (!relax && later - now > PREEMPTED_MS) this.#preempted = true;
      now = later;
    }
    return 0;
  }

  async #park(engine: Engine, timeout: number, until: number): Promise<number> {
    const stats = this.#stats;
    stats.total++;
    stats.peak = Math.max(stats.peak, ++stats.pending);
    this.#woken = false;
    this.#parkedOn = engine;
    this.#parkedUntil = until;
    try {
      return await engine.park(timeout, this.#onReady);
    } finally {
      this.#parkedOn = null;
      stats.pending--;
      for (const e of this.#retired.splice(0)) e.close();
    }
  }
}
