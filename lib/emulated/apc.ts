/**
 * The emulated thread's APC queue: the completion routines of overlapped
 * operations wait here until the JavaScript thread makes an alertable wait
 * (`SleepEx(ms, true)` or `WSAWaitForMultipleEvents(…, true)`), which runs
 * them all and ends with `WAIT_IO_COMPLETION` (0xC0). One queue per façade,
 * shared by its overlapped engine and its event objects.
 *
 * @module
 */

/** Completion routines queued for the (one) JavaScript thread. */
export class ApcQueue {
  #queue: (() => void)[] = [];
  #wakers = new Set<() => void>();

  /** Queues a routine and wakes the alertable waits. */
  queue(run: () => void): void {
    this.#queue.push(run);
    for (const wake of [...this.#wakers]) wake();
  }

  /** Whether any routine waits to run. */
  get pending(): boolean {
    return this.#queue.length > 0;
  }

  /** Runs the queued routines, in order (those they queue wait for the next alertable wait). */
  runAll(): void {
    for (const run of this.#queue.splice(0)) run();
  }

  /** Calls `wake` whenever a routine is queued, until the returned function is called. */
  watch(wake: () => void): () => void {
    this.#wakers.add(wake);
    return () => this.#wakers.delete(wake);
  }
}
