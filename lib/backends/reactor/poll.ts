/**
 * The `poll` / `WSAPoll` engine: an array of every waiting socket, rebuilt
 * when the set of waiting sockets changes (once per change, not per poll),
 * with the wake-up socket first. A parked poll sees only the array it was
 * given, so a socket that starts waiting meanwhile needs a wake-up. Used by
 * the winsock backend, and by the posix backend where `epoll` does not exist.
 *
 * @module
 */

import type { Engine, OnReady, WakeUp } from "./engine.ts";

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

/** What a backend gives the poll engine. */
export interface PollApi {
  /** The entry layout of the array `poll` takes. */
  readonly layout: PollfdLayout;
  /** The event that means "readable" (for the wake-up socket). */
  readonly readable: number;
  /** The bits `poll` reports whatever was asked (`POLLERR | POLLHUP | POLLNVAL`). */
  readonly alwaysBits: number;
  /** `poll(fds, nfds, 0)` on the JS thread. */
  poll(fds: Uint8Array, nfds: number, timeoutMs: number): number;
  /** `poll(fds, nfds, timeout)` on a worker thread; its error code is never read. */
  pollWait(fds: Uint8Array, nfds: number, timeoutMs: number): Promise<number>;
  /** Makes the wake-up socket. */
  openWakeUp(): WakeUp;
}

/** The `poll` engine over `api`. */
export function pollEngine(api: PollApi): Engine {
  const L = api.layout;
  const wakeUp = api.openWakeUp();
  const watched = new Map<bigint, number>();
  let array: { fds: Uint8Array; view: DataView; keys: bigint[] } | null = null;

  function current() {
    if (array) return array;
    const keys = [wakeUp.fd, ...watched.keys()];
    const fds = new Uint8Array(keys.length * L.size);
    const view = new DataView(fds.buffer);
    keys.forEach((fd, i) => {
      if (L.fdSize === 8) view.setBigUint64(i * L.size + L.fd, fd, true);
      else view.setInt32(i * L.size + L.fd, Number(fd), true);
      view.setInt16(i * L.size + L.events, i === 0 ? api.readable : watched.get(fd)!, true);
    });
    return array = { fds, view, keys };
  }

  function report(a: NonNullable<typeof array>, n: number, onReady: OnReady): number {
    if (n <= 0) return n;
    let found = 0;
    for (let i = 0; i < a.keys.length; i++) {
      const revents = a.view.getInt16(i * L.size + L.revents, true);
      if (revents === 0) continue;
      if (i === 0) wakeUp.drain();
      else {
        found++;
        onReady(Number(a.keys[i]), revents);
      }
    }
    return found;
  }

  return {
    seesNewSockets: false,
    watchesEverything: false,
    alwaysBits: api.alwaysBits,
    watch(fd, events) {
      if (watched.get(fd) === events) return;
      watched.set(fd, events);
      array = null;
    },
    unwatch(fd) {
      if (watched.delete(fd)) array = null;
    },
    forget(fd) {
      if (watched.delete(fd)) array = null;
    },
    look(onReady) {
      const a = current();
      return report(a, api.poll(a.fds, a.keys.length, 0), onReady);
    },
    async park(timeoutMs, onReady) {
      const a = current();
      return report(a, await api.pollWait(a.fds, a.keys.length, timeoutMs), onReady);
    },
    wake: () => wakeUp.wake(),
    close: () => wakeUp.close(),
  };
}
