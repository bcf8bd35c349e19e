/**
 * What the reactor needs from a readiness API (`poll`, `WSAPoll`, `epoll`):
 * the interface both engines implement (`poll.ts`, `epoll.ts`).
 *
 * @module
 */

/** A socket that a parked wait watches, so that the reactor can interrupt it. */
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

/**
 * Called for each socket a poll found ready, with what it found (the poll's
 * spelling). The descriptor comes as a number (descriptors and `SOCKET`
 * handles are far below 2^53), so that no bigint is made per event.
 */
export type OnReady = (fd: number, revents: number) => void;

/** One readiness API, as the reactor drives it. */
export interface Engine {
  /**
   * Whether a parked wait also reports sockets that start waiting after it
   * began (epoll: yes, they are registered with the kernel; poll: no, its
   * array is fixed, so a new socket needs a wake-up).
   */
  readonly seesNewSockets: boolean;
  /**
   * Whether `watch` registers every event whatever it is asked, and `unwatch`
   * does nothing (epoll: registered once, edge-triggered), so the reactor
   * need not work out the union of the waits on a socket.
   */
  readonly watchesEverything: boolean;
  /** The bits that end any wait, whatever it asked for (error, hang-up). */
  readonly alwaysBits: number;
  /** `fd` is waited on for `events` (the union of every wait on it; never 0). */
  watch(fd: bigint, events: number): void;
  /** Nothing waits on `fd` any more. */
  unwatch(fd: bigint): void;
  /** `fd` is about to be closed: forget it. */
  forget(fd: bigint): void;
  /** One zero-timeout poll on the JS thread; the number found ready, or -1 if it failed. */
  look(onReady: OnReady): number;
  /** One poll on the worker thread (timeout in ms, -1: none), ended early by `wake`. */
  park(timeoutMs: number, onReady: OnReady): Promise<number>;
  /** Ends a pending `park`. */
  wake(): void;
  /** Lets go of everything (never called while a `park` is pending). */
  close(): void;
}
