/**
 * The core every family of the façade shares: its backend, whether calls
 * block, `WSAStartup`/`WSACleanup` and the per-task last error, and how a
 * call's failure becomes its C answer.
 *
 * @module
 */

import { setImmediate } from "node:timers";
import type { Awaitable, SocketBackend } from "../backends/contract.ts";
import { SOCKET_ERROR } from "../constants.ts";
import { isWinsockError, WinsockError, WSAEFAULT, WSANOTINITIALISED } from "../errors.ts";
import { WSADATA } from "../structs.ts";

/**
 * What a call that blocks in C gives back: a Promise on the default,
 * non-blocking path; the value itself on the raw synchronous path
 * (`Blocking` true), where the JS thread waits inside the call, as in C.
 */
export type Waited<Blocking extends boolean, T> = Blocking extends true ? T : Promise<T>;

/**
 * The core of one `Winsock`: its backend's socket calls, `WSAStartup`/`WSACleanup` and the
 * per-task last error, and how a call's failure becomes its C answer.
 */
export class Core<Blocking extends boolean = false> {
  /** What `WSAGetLastError()` returns. */
  lastError = 0;
  /** Failures of waited calls not yet handed to their tasks (`deliver`). */
  #undelivered: (() => void)[] = [];
  #startups = 0;

  /**
   * Over the socket calls `backend` (`BackendModels.sockets`); `blocking` must be what the backend
   * was made with.
   */
  constructor(readonly backend: SocketBackend, readonly blocking: Blocking) {}

  /** Throws `WSANOTINITIALISED` unless `WSAStartup` has succeeded (and not been undone). */
  requireStartup(): void {
    if (this.#startups === 0) throw new WinsockError(WSANOTINITIALISED);
  }

  /** Keeps a `WinsockError`'s code for `WSAGetLastError()`; rethrows anything else. */
  fail(e: unknown): void {
    if (!isWinsockError(e)) throw e;
    this.lastError = e.code;
  }

  /** Runs a call that never waits: its answer, or `failed` with the code kept. */
  call<T>(failed: T, call: () => T): T {
    try {
      this.requireStartup();
      return call();
    } catch (e) {
      this.fail(e);
      return failed;
    }
  }

  /** `call` without `WSAStartup`: event objects and windows, kernel32's and user32's in C. */
  callUnstarted<T>(failed: T, call: () => T): T {
    try {
      return call();
    } catch (e) {
      this.fail(e);
      return failed;
    }
  }

  /**
   * `call` for the calls that may wait: a backend's answer at once costs no
   * extra turn, and on the raw synchronous path it is returned as it is.
   */
  waited<T>(failed: T, call: () => Awaitable<T>): Waited<Blocking, T> {
    if (this.blocking) {
      const result = this.call<Awaitable<T>>(failed, call);
      if (result instanceof Promise) throw new Error("a blocking backend returned a Promise");
      return result as Waited<Blocking, T>;
    }
    try {
      this.requireStartup();
      return this.#answer(failed, call());
    } catch (e) {
      return this.caught(failed, e);
    }
  }

  /**
   * A non-blocking call's answer as the Promise the façade returns; a
   * failure resolves it with `failed`, its code handed to the task (`deliver`).
   */
  #answer<T>(failed: T, result: Awaitable<T>): Waited<Blocking, T> {
    return (result instanceof Promise
      ? result.then(undefined, this.#catcher(failed))
      : Promise.resolve(result)) as Waited<Blocking, T>;
  }

  /**
   * A non-blocking call that threw `e` at once: `failed`, its code handed to
   * the task; anything but a `WinsockError` is thrown on.
   */
  caught<T>(failed: T, e: unknown): Waited<Blocking, T> {
    return this.#catcher(failed)(e) as Waited<Blocking, T>;
  }

  /**
   * The rejection handler of `failed` (made once), for a backend to resolve
   * a waited call's Promise with instead of rejecting it (`Recover`): the
   * call then needs no Promise of the façade's own.
   */
  recoverer<T>(failed: T): (e: unknown) => Promise<T> {
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
   */
  deliver<T>(code: number, failed: T): Promise<T> {
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

  WSAStartup(wVersionRequested: number, lpWSAData: WSADATA): number {
    if (!(lpWSAData instanceof WSADATA)) return WSAEFAULT;
    try {
      Object.assign(lpWSAData, this.backend.startup(wVersionRequested & 0xffff));
      this.#startups++;
      return 0;
    } catch (e) {
      if (!isWinsockError(e)) throw e;
      return e.code;
    }
  }

  WSACleanup(): number {
    return this.call(SOCKET_ERROR, () => {
      if (--this.#startups === 0) this.backend.cleanup();
      return 0;
    });
  }
}
