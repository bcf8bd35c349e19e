/**
 * A completion queue Workers can wait on, for the backends whose completion
 * port lives on one JavaScript thread (posix, deno: the emulated port is
 * the main thread's, fed by its reactor). It lives in a `SharedArrayBuffer`:
 * any thread posts packets (`post`), any thread takes them (`take`),
 * blocking that thread with `Atomics.wait` as `GetQueuedCompletionStatus`
 * blocks a C worker thread. A packet names its operation by an index into
 * the caller's own table of shared operations, since a `WSAOVERLAPPED`
 * object cannot travel between threads.
 *
 * Used by `chapters/iocp_server.ts`: there the main thread dequeues its
 * emulated port and posts each completion here; its Workers take them.
 *
 * @module
 */

/** One packet: the completion key, the operation's index (-1: none), bytes, error. */
export interface SharedPacket {
  /** The completion key. */
  key: bigint;
  /** The index of the operation in the caller's shared table; -1 for none. */
  index: number;
  /** Bytes transferred. */
  bytes: number;
  /** 0, or the Winsock code the operation failed with. */
  error: number;
}

const LOCK = 0, HEAD = 1, COUNT = 2, CLOSED = 3, CAPACITY = 4, HEADER = 8; // Int32 slots
const ENTRY = 16; // bytes: key (8), index (4), bytes (4); error in a parallel Int32 region

/**
 * A bounded first-in first-out queue of `SharedPacket`s in shared memory.
 *
 * @example
 * ```ts
 * import { SharedCompletionQueue } from "./shared_port.ts";
 * const q = SharedCompletionQueue.create(16);
 * q.post({ key: 7n, index: 0, bytes: 5, error: 0 });
 * const other = new SharedCompletionQueue(q.buffer); // e.g. in a Worker
 * console.log(other.take(0)); // { key: 7n, index: 0, bytes: 5, error: 0 }
 * ```
 */
export class SharedCompletionQueue {
  /** The memory, to hand to Workers (`postMessage`). */
  readonly buffer: SharedArrayBuffer;
  #header: Int32Array;
  #entries: DataView;
  #errors: Int32Array;
  #capacity: number;

  /** A new queue with room for `capacity` packets. */
  static create(capacity = 4096): SharedCompletionQueue {
    const bytes = HEADER * 4 + capacity * (ENTRY + 4);
    const q = new SharedCompletionQueue(new SharedArrayBuffer(bytes), capacity);
    return q;
  }

  /** The queue in `buffer` (made by `create`, on any thread). */
  constructor(buffer: SharedArrayBuffer, capacity?: number) {
    this.buffer = buffer;
    this.#header = new Int32Array(buffer, 0, HEADER);
    if (capacity !== undefined) Atomics.store(this.#header, CAPACITY, capacity);
    this.#capacity = Atomics.load(this.#header, CAPACITY);
    this.#entries = new DataView(buffer, HEADER * 4, this.#capacity * ENTRY);
    this.#errors = new Int32Array(buffer, HEADER * 4 + this.#capacity * ENTRY, this.#capacity);
  }

  #lock(): void {
    while (Atomics.compareExchange(this.#header, LOCK, 0, 1) !== 0) {
      Atomics.wait(this.#header, LOCK, 1, 1);
    }
  }

  #unlock(): void {
    Atomics.store(this.#header, LOCK, 0);
    Atomics.notify(this.#header, LOCK, 1);
  }

  /** Queues `p` and wakes one waiting thread; false when the queue is full or closed. */
  post(p: SharedPacket): boolean {
    this.#lock();
    try {
      const count = this.#header[COUNT];
      if (count === this.#capacity || this.#header[CLOSED]) return false;
      const i = (this.#header[HEAD] + count) % this.#capacity;
      this.#entries.setBigUint64(i * ENTRY, p.key, true);
      this.#entries.setInt32(i * ENTRY + 8, p.index, true);
      this.#entries.setUint32(i * ENTRY + 12, p.bytes, true);
      this.#errors[i] = p.error;
      Atomics.add(this.#header, COUNT, 1);
    } finally {
      this.#unlock();
    }
    Atomics.notify(this.#header, COUNT, 1);
    return true;
  }

  /**
   * The next packet, waiting (this thread blocked) up to `ms` milliseconds
   * (null: no limit); null on timeout or once the queue is closed.
   */
  take(ms: number | null): SharedPacket | null {
    const end = ms === null ? Infinity : Date.now() + ms;
    for (;;) {
      this.#lock();
      try {
        if (this.#header[CLOSED]) return null;
        if (this.#header[COUNT] > 0) {
          const i = this.#header[HEAD];
          this.#header[HEAD] = (i + 1) % this.#capacity;
          Atomics.sub(this.#header, COUNT, 1);
          return {
            key: this.#entries.getBigUint64(i * ENTRY, true),
            index: this.#entries.getInt32(i * ENTRY + 8, true),
            bytes: this.#entries.getUint32(i * ENTRY + 12, true),
            error: this.#errors[i],
          };
        }
      } finally {
        this.#unlock();
      }
      const left = end - Date.now();
      if (left <= 0) return null;
      Atomics.wait(this.#header, COUNT, 0, left === Infinity ? undefined : left);
    }
  }

  /** The packets queued now. */
  get pending(): number {
    return Atomics.load(this.#header, COUNT);
  }

  /** Closes the queue: every `take`, waiting or to come, answers null. */
  close(): void {
    this.#lock();
    Atomics.store(this.#header, CLOSED, 1);
    this.#unlock();
    Atomics.notify(this.#header, COUNT);
  }
}
