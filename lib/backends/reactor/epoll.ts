/**
 * The Linux `epoll` engine: a socket is registered with the kernel once, at
 * its first wait, and stays registered until it is closed, so a wake-up costs
 * O(ready sockets), not O(waiting sockets): no array is rebuilt, and a
 * socket that starts waiting while a wait is parked on the worker thread is
 * seen by that wait without interrupting it.
 *
 * **Edge-triggered** (`EPOLLET`), for every event at once
 * (`EPOLLIN | EPOLLOUT | EPOLLPRI`): level-triggered with a fixed mask would
 * report a writable socket at every poll (a busy loop), so it would need an
 * `epoll_ctl(EPOLL_CTL_MOD)` at every wait; edge-triggered needs none. The
 * kernel reports an edge for every new arrival of data or room, so an event
 * that comes while nothing waits on the socket can be dropped: every wait
 * starts right after the call that said "would block", in the same JS turn,
 * so an event dropped before it stands for a change that call already saw.
 *
 * `struct epoll_event` is `{ uint32_t events; epoll_data_t data; }`, packed
 * on x86-64 (12 bytes, `data` at 4) and naturally aligned elsewhere (aarch64:
 * 16 bytes, `data` at 8): `EPOLL_EVENT_LAYOUTS`.
 *
 * @module
 */

import type { Engine, OnReady, WakeUp } from "./engine.ts";

/** Where `events` and `data` sit in one `struct epoll_event`. */
export interface EpollEventLayout {
  /** The size of one entry. */
  readonly size: number;
  /** Offset of `uint32_t events`. */
  readonly events: number;
  /** Offset of `epoll_data_t data` (8 bytes; the reactor keeps the descriptor there). */
  readonly data: number;
}

/** `struct epoll_event` on each Linux architecture Deno runs on. */
export const EPOLL_EVENT_LAYOUTS: Readonly<Record<"x86_64" | "aarch64", EpollEventLayout>> = {
  /** `__attribute__((packed))` on x86-64 (`__EPOLL_PACKED`). */
  x86_64: { size: 12, events: 0, data: 4 },
  aarch64: { size: 16, events: 0, data: 8 },
};

/** The epoll constants (the same on every Linux architecture). */
export const EPOLL = {
  EPOLLIN: 0x001,
  EPOLLPRI: 0x002,
  EPOLLOUT: 0x004,
  EPOLLERR: 0x008,
  EPOLLHUP: 0x010,
  EPOLLET: 0x80000000,
  EPOLL_CTL_ADD: 1,
  EPOLL_CTL_DEL: 2,
  EPOLL_CTL_MOD: 3,
  EPOLL_CLOEXEC: 0o2000000,
} as const;

/** Writes one `struct epoll_event` at `offset`. */
export function encodeEpollEvent(
  L: EpollEventLayout,
  into: Uint8Array,
  offset: number,
  events: number,
  data: bigint,
): void {
  if (offset < 0 || offset + L.size > into.byteLength) {
    throw new RangeError(`epoll_event at ${offset}: the buffer holds ${into.byteLength} bytes`);
  }
  const view = new DataView(into.buffer, into.byteOffset, into.byteLength);
  view.setUint32(offset + L.events, events >>> 0, true);
  view.setBigUint64(offset + L.data, data, true);
}

/** Reads one `struct epoll_event` at `offset`. */
export function decodeEpollEvent(
  L: EpollEventLayout,
  from: Uint8Array,
  offset: number,
): { events: number; data: bigint } {
  if (offset < 0 || offset + L.size > from.byteLength) {
    throw new RangeError(`epoll_event at ${offset}: the buffer holds ${from.byteLength} bytes`);
  }
  const view = new DataView(from.buffer, from.byteOffset, from.byteLength);
  return {
    events: view.getUint32(offset + L.events, true),
    data: view.getBigUint64(offset + L.data, true),
  };
}

/** What a backend gives the epoll engine. Each call's error is read on the JS thread. */
export interface EpollApi {
  readonly layout: EpollEventLayout;
  /** `epoll_create1(EPOLL_CLOEXEC)`; throws a `WinsockError` on failure. */
  create(): number;
  /** `epoll_ctl(epfd, op, fd, event)`; 0, or the `errno` of its failure. */
  ctl(epfd: number, op: number, fd: number, event: Uint8Array | null): number;
  /** `epoll_wait(epfd, events, maxevents, 0)` on the JS thread. */
  wait(epfd: number, events: Uint8Array, maxevents: number, timeoutMs: number): number;
  /** `epoll_wait` on a worker thread; its error code is never read. */
  waitOnWorker(
    epfd: number,
    events: Uint8Array,
    maxevents: number,
    timeoutMs: number,
  ): Promise<number>;
  /** `close(fd)`. */
  close(fd: number): void;
  /** Throws the `WinsockError` for `errno` `code` of `what`. */
  fail(code: number, what: string): never;
  /** Makes the wake-up socket. */
  openWakeUp(): WakeUp;
}

/** Linux's `EEXIST` (`epoll_ctl`: already registered). */
const EEXIST = 17;
/** How many events one `epoll_wait` returns at most (more wait for the next). */
const MAX_EVENTS = 1024;
/** What every socket is registered for. */
const EVERYTHING = EPOLL.EPOLLIN | EPOLL.EPOLLOUT | EPOLL.EPOLLPRI | EPOLL.EPOLLET;

/** The epoll engine over `api`. */
export function epollEngine(api: EpollApi): Engine {
  const L = api.layout;
  const epfd = api.create();
  let registered = new Uint8Array(1024); // 1 at a registered descriptor: no hashing per wait
  const one = new Uint8Array(L.size);
  const events = new Uint8Array(MAX_EVENTS * L.size);
  const view = new DataView(events.buffer); // read in place: no object per event
  let wakeUp: WakeUp;
  try {
    wakeUp = api.openWakeUp();
    encodeEpollEvent(L, one, 0, EPOLL.EPOLLIN, wakeUp.fd); // level-triggered: drained when seen
    const rc = api.ctl(epfd, EPOLL.EPOLL_CTL_ADD, Number(wakeUp.fd), one);
    if (rc !== 0) api.fail(rc, "epoll_ctl (wake-up)");
  } catch (e) {
    api.close(epfd);
    throw e;
  }

  const wakeUpFd = Number(wakeUp.fd);
  function report(n: number, onReady: OnReady): number {
    let found = 0;
    for (let i = 0, at = 0; i < n; i++, at += L.size) {
      const revents = view.getUint32(at + L.events, true);
      const fd = view.getUint32(at + L.data, true); // the low half of `data` (little-endian): an int
      if (fd === wakeUpFd) wakeUp.drain();
      else {
        found++;
        onReady(fd, revents);
      }
    }
    return n < 0 ? n : found;
  }

  return {
    seesNewSockets: true,
    watchesEverything: true,
    alwaysBits: EPOLL.EPOLLERR | EPOLL.EPOLLHUP,
    watch(fd) {
      const key = Number(fd);
      if (registered[key] === 1) return;
      encodeEpollEvent(L, one, 0, EVERYTHING, fd);
      let rc = api.ctl(epfd, EPOLL.EPOLL_CTL_ADD, key, one);
      if (rc === EEXIST) rc = api.ctl(epfd, EPOLL.EPOLL_CTL_MOD, key, one);
      if (rc !== 0) api.fail(rc, "epoll_ctl (EPOLL_CTL_ADD)");
      if (key >= registered.length) {
        const more = new Uint8Array(Math.max(registered.length * 2, key + 1));
        more.set(registered);
        registered = more;
      }
      registered[key] = 1;
    },
    unwatch() {}, // stays registered: the next wait costs no system call
    forget(fd) {
      // Its close would drop it too, but the number may come back as another socket first.
      const key = Number(fd);
      if (registered[key] !== 1) return;
      registered[key] = 0;
      api.ctl(epfd, EPOLL.EPOLL_CTL_DEL, key, one);
    },
    look: (onReady) => report(api.wait(epfd, events, MAX_EVENTS, 0), onReady),
    park: async (timeoutMs, onReady) =>
      report(await api.waitOnWorker(epfd, events, MAX_EVENTS, timeoutMs), onReady),
    wake: () => wakeUp.wake(),
    close() {
      wakeUp.close();
      api.close(epfd);
    },
  };
}
