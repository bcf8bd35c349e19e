/**
 * An emulated I/O completion port: a queue of completion packets and the
 * waiters on it, first come first served (Windows wakes waiters last in,
 * first out; with one JavaScript thread the order of waiters is not
 * observable beyond that). Closing the port ends its waits with
 * `WSA_INVALID_HANDLE` (6), as a closed handle does.
 *
 * @module
 */

import type { Completion } from "../backends/contract.ts";

interface Waiter {
  max: number;
  resolve: (got: Completion[] | null) => void;
  timer?: ReturnType<typeof setTimeout>;
}

/** One port: packets queued, waiters waiting. */
export class EmulatedCompletionPort {
  #queue: Completion[] = [];
  #waiters: Waiter[] = [];
  #closed = false;

  /** Queues a packet, or hands it to the first waiter. */
  post(packet: Completion): void {
    if (this.#closed) return;
    const waiter = this.#waiters.shift();
    if (!waiter) {
      this.#queue.push(packet);
      return;
    }
    clearTimeout(waiter.timer);
    waiter.resolve([packet, ...this.#queue.splice(0, waiter.max - 1)]);
  }

  /**
   * Up to `max` packets: at once if any are queued, else the next one, or []
   * after `ms` (null: no limit); null when the port is closed meanwhile.
   */
  take(max: number, ms: number | null): Completion[] | Promise<Completion[] | null> {
    if (this.#queue.length > 0 || ms === 0) return this.#queue.splice(0, max);
    return new Promise((resolve) => {
      const waiter: Waiter = { max, resolve };
      if (ms !== null) {
        waiter.timer = setTimeout(() => {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          resolve([]);
        }, ms);
      }
      this.#waiters.push(waiter);
    });
  }

  /** Closes the port: its waiters get null, its packets are dropped. */
  close(): void {
    this.#closed = true;
    this.#queue = [];
    for (const w of this.#waiters.splice(0)) {
      clearTimeout(w.timer);
      w.resolve(null);
    }
  }
}
