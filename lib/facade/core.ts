/**
 * The core of the façade: its backend, `WSAStartup`/`WSACleanup` and the per-task last error, and
 * how a call's failure becomes its C answer.
 *
 * @module
 */

import { setImmediate } from "node:timers";
import type { Awaitable, BackendName, SocketBackend, WaitStats } from "../backends/contract.ts";
import { type SOCKET, SOCKET_ERROR } from "../constants.ts";
import { isWinsockError, WinsockError, WSAEFAULT, WSANOTINITIALISED } from "../errors.ts";
import { WSADATA } from "../structs.ts";

/**
 * What a call that blocks in C gives back: a Promise on the default,
 * non-blocking path; the value itself on the raw synchronous path
 * (`Blocking` true), where the JS thread waits inside the call, as in C.
 */
export type Waited<Blocking extends boolean, T> = Blocking extends true ? T : Promise<T>;

/**
 * The core of the façade: its backend, `WSAStartup`/`WSACleanup` and the per-task last error, and
 * how a call's failure becomes its C answer. One layer of `Winsock` (`lib/winsock.ts`), which is
 * the class to use.
 */
export class WinsockCore<Blocking extends boolean = false> {
  /**
   * The backend that carries the calls.
   *
   * @ignore
   */
  protected socketBackend: SocketBackend;
  /**
   * Whether this is the raw synchronous path (the calls that block in C return values).
   *
   * @ignore
   */
  protected readonly blocking: Blocking;
  /**
   * What `WSAGetLastError()` returns.
   *
   * @ignore
   */
  protected lastError = 0;
  /** Failures of waited calls not yet handed to their tasks (`deliver`). */
  #undelivered: (() => void)[] = [];
  #startups = 0;

  /**
   * Wraps a backend; use `openWinsock` to pick one. `blocking` must be what
   * the backend was made with.
   */
  constructor(backend: SocketBackend, blocking: Blocking = false as Blocking) {
    this.socketBackend = backend;
    this.blocking = blocking;
  }

  /** Which backend carries the calls. */
  get backend(): BackendName {
    return this.socketBackend.name;
  }

  /**
   * The readiness waits the backend has made: in flight now, the most at
   * once, in all (`null` for the deno backend, which waits through Deno).
   * A non-blocking FFI backend keeps one pending wait for all its sockets.
   */
  waitStats(): WaitStats | null {
    return this.socketBackend.waitStats?.() ?? null;
  }

  /**
   * Throws `WSANOTINITIALISED` unless `WSAStartup` has succeeded (and not been undone).
   *
   * @ignore
   */
  protected requireStartup(): void {
    if (this.#startups === 0) throw new WinsockError(WSANOTINITIALISED);
  }

  /**
   * Keeps a `WinsockError`'s code for `WSAGetLastError()`; rethrows anything else.
   *
   * @ignore
   */
  protected fail(e: unknown): void {
    if (!isWinsockError(e)) throw e;
    this.lastError = e.code;
  }

  /**
   * Runs a call that never waits: its answer, or `failed` with the code kept.
   *
   * @ignore
   */
  protected call<T>(failed: T, call: () => T): T {
    try {
      this.requireStartup();
      return call();
    } catch (e) {
      this.fail(e);
      return failed;
    }
  }

  /**
   * `call` for the calls that may wait: a backend's answer at once costs no
   * extra turn, and on the raw synchronous path it is returned as it is.
   *
   * @ignore
   */
  protected waited<T>(failed: T, call: () => Awaitable<T>): Waited<Blocking, T> {
    if (this.blocking) {
      const result = this.call<Awaitable<T>>(failed, call);
      if (result instanceof Promise) throw new Error("a blocking backend returned a Promise");
      return result as Waited<Blocking, T>;
    }
    try {
      this.requireStartup();
      return this.answer(failed, call());
    } catch (e) {
      return this.caught(failed, e);
    }
  }

  /**
   * A non-blocking call's answer as the Promise the façade returns; a
   * failure resolves it with `failed`, its code handed to the task (`deliver`).
   *
   * @ignore
   */
  protected answer<T>(failed: T, result: Awaitable<T>): Waited<Blocking, T> {
    return (result instanceof Promise
      ? result.then(undefined, this.#catcher(failed))
      : Promise.resolve(result)) as Waited<Blocking, T>;
  }

  /**
   * A non-blocking call that threw `e` at once: `failed`, its code handed to
   * the task; anything but a `WinsockError` is thrown on.
   *
   * @ignore
   */
  protected caught<T>(failed: T, e: unknown): Waited<Blocking, T> {
    return this.#catcher(failed)(e) as Waited<Blocking, T>;
  }

  /**
   * The rejection handler of `failed` (made once), for a backend to resolve
   * a waited call's Promise with instead of rejecting it (`Recover`): the
   * call then needs no Promise of the façade's own.
   *
   * @ignore
   */
  protected recoverer<T>(failed: T): (e: unknown) => Promise<T> {
    return this.#catcher(failed);
  }

  /** One rejection handler per failure value (`SOCKET_ERROR`, `INVALID_SOCKET`, …), made once. */
  #catchers: { failed: unknown; caught: (e: unknown) => Promise<unknown> }[] = [];
  #catcher<T>(failed: T): (e: unknown) => Promise<T> {
    for (const c of this.#catchers) { // a handful: a scan beats hashing
      if (c.failed === failed) return c.caught as (e: unknown) => Promise<T>;
    }
    const caught = (e: unknown) => {
      if (!isWinsockError(e)) throw e;
      return this.deliver(e.code, failed);
    };
    this.#catchers.push({ failed, caught });
    return caught;
  }

  /**
   * A waited call's failure, handed to the task that awaits it: in a
   * macrotask of its own (`setImmediate`, one failure each), the code is set
   * and the task's Promise resolved, so the task's continuation is the next
   * JavaScript to run and `WSAGetLastError()` there reads this call's code,
   * however many other tasks failed meanwhile. Successes never come here: it
   * costs nothing unless a call fails.
   *
   * @ignore
   */
  protected deliver<T>(code: number, failed: T): Promise<T> {
    return new Promise((resolve) => {
      this.#undelivered.push(() => {
        this.lastError = code;
        resolve(failed);
      });
      if (this.#undelivered.length === 1) setImmediate(this.#deliverNext);
    });
  }

  #deliverNext = (): void => {
    this.#undelivered.shift()?.();
    if (this.#undelivered.length > 0) setImmediate(this.#deliverNext);
  };

  /**
   * `int WSAStartup(WORD wVersionRequested, LPWSADATA lpWSAData)`: returns 0
   * and fills `lpWSAData`, or returns the error code itself.
   */
  WSAStartup(wVersionRequested: number, lpWSAData: WSADATA): number {
    if (!(lpWSAData instanceof WSADATA)) return WSAEFAULT;
    try {
      Object.assign(lpWSAData, this.socketBackend.startup(wVersionRequested & 0xffff));
      this.#startups++;
      return 0;
    } catch (e) {
      if (!isWinsockError(e)) throw e;
      return e.code;
    }
  }

  /** `int WSACleanup(void)`: the last call closes every socket left open. */
  WSACleanup(): number {
    return this.call(SOCKET_ERROR, () => {
      if (--this.#startups === 0) this.socketBackend.cleanup();
      return 0;
    });
  }

  /**
   * `int WSAGetLastError(void)`: the code of the last call that failed, per
   * task: right after an `await`, the awaited call's code, whatever other
   * tasks failed meanwhile (as C's last error is per thread).
   */
  WSAGetLastError(): number {
    return this.lastError;
  }

  /** `void WSASetLastError(int iError)`. */
  WSASetLastError(iError: number): void {
    this.lastError = iError;
  }

  /**
   * `s` was closed: a later family (overlapped I/O) ends what it had under way on it.
   *
   * @ignore
   */
  protected socketClosed(_s: SOCKET): void {}
}
