/**
 * The `bare-epoll` contender: the leanest event loop over libc through FFI
 * (`ffi/libc.ts`, Linux), for `concurrent` and `concurrent-big`: the ceiling
 * the async façade (`posix`) is measured against there. Non-blocking
 * sockets, each registered with `epoll` once (edge-triggered); a call that
 * says `EAGAIN` stores one resolver in an array indexed by descriptor; one
 * loop polls `epoll_wait` with a zero timeout on the JS thread while anything
 * is ready and parks in it on a worker thread (`nonblocking: true`) when
 * nothing is. No façade, no validation, no per-task error code, no timers,
 * no `select`: everything the library adds is left out.
 *
 *   deno run -A bench/bare_epoll.ts bare-epoll server|client concurrent|concurrent-big <port> <seconds> <conns>
 *
 * Output as `peer.ts`'s.
 *
 * @module
 */

import { type Libc, openLibc } from "../ffi/libc.ts";
import { type PosixAbi, posixAbi } from "../lib/backends/posix/abi.ts";
import { EPOLL, EPOLL_EVENT_LAYOUTS } from "../lib/backends/reactor/epoll.ts";
import { IPPROTO_TCP } from "../mod.ts";
import { cpuSeconds, loopback, now } from "./bare_common.ts";
import { setImmediate } from "node:timers";

/** The loop over `c`: sockets adopted into one epoll, and the two calls that wait through it. */
export function bareEpoll(c: Libc, abi: PosixAbi) {
  if (!c.epoll_create1 || !c.epoll_ctl || !c.epoll_wait || !c.epoll_wait_park) {
    throw new Error("bare-epoll needs epoll (Linux)");
  }
  const { epoll_ctl, epoll_wait, epoll_wait_park } = c;
  const L = EPOLL_EVENT_LAYOUTS[Deno.build.arch];
  // The JS thread's errno, read in place.
  const errno = new Int32Array(Deno.UnsafePointerView.getArrayBuffer(c.__errno_location()!, 4));

  function check(ok: boolean, what: string): void {
    if (!ok) throw new Error(`${what} failed (errno ${errno[0]})`);
  }

  const one = new Int32Array([1]);
  const epfd = c.epoll_create1(0);
  check(epfd >= 0, "epoll_create1");
  const MAX_EVENTS = 1024;
  const events = new Uint8Array(MAX_EVENTS * L.size);
  const view = new DataView(events.buffer);
  const readers: (((revents: number) => void) | undefined)[] = [];
  const writers: (((revents: number) => void) | undefined)[] = [];
  let waiting = 0, looping = false;

  /** Non-blocking, `TCP_NODELAY`, registered once for everything (edge-triggered). */
  function adopt(fd: number, nodelay: boolean): number {
    check(fd >= 0, "socket/accept");
    const fcntl = (cmd: number, arg: number) =>
      c.fcntl(fd, cmd, BigInt(arg), 0n, 0n, 0n, 0n, 0n, BigInt(arg));
    check(fcntl(abi.F_SETFL, fcntl(abi.F_GETFL, 0) | abi.O_NONBLOCK) === 0, "fcntl");
    if (nodelay) check(c.setsockopt(fd, IPPROTO_TCP, abi.TCP_NODELAY, one, 4) === 0, "nodelay");
    const ev = new Uint8Array(L.size);
    const v = new DataView(ev.buffer);
    v.setUint32(L.events, EPOLL.EPOLLIN | EPOLL.EPOLLOUT | EPOLL.EPOLLET, true);
    v.setUint32(L.data, fd, true);
    check(epoll_ctl(epfd, EPOLL.EPOLL_CTL_ADD, fd, ev) === 0, "epoll_ctl");
    return fd;
  }

  function dispatch(n: number): void {
    for (let i = 0, at = 0; i < n; i++, at += L.size) {
      const revents = view.getUint32(at + L.events, true), fd = view.getUint32(at + L.data, true);
      const r = readers[fd], w = writers[fd];
      if (r && revents & (EPOLL.EPOLLIN | EPOLL.EPOLLERR | EPOLL.EPOLLHUP)) {
        readers[fd] = undefined;
        waiting--;
        r(revents);
      }
      if (w && revents & (EPOLL.EPOLLOUT | EPOLL.EPOLLERR | EPOLL.EPOLLHUP)) {
        writers[fd] = undefined;
        waiting--;
        w(revents);
      }
    }
  }

  /** Polls while anything waits: on the JS thread while answers come, else parked on a worker. */
  async function loop(): Promise<void> {
    looping = true;
    while (waiting > 0) {
      await new Promise((resolve) => setImmediate(resolve)); // this turn's callers wait first
      const n = epoll_wait(epfd, events, MAX_EVENTS, 0);
      dispatch(n > 0 ? n : await epoll_wait_park(epfd, events, MAX_EVENTS, -1));
    }
    looping = false;
  }

  function readiness(fd: number, write: boolean): Promise<number> {
    return new Promise((resolve) => {
      (write ? writers : readers)[fd] = resolve;
      waiting++;
      if (!looping) loop();
    });
  }

  async function recvSome(fd: number, into: Uint8Array): Promise<number> {
    for (;;) {
      const n = Number(c.recv(fd, into, BigInt(into.byteLength), 0));
      if (n >= 0) return n;
      check(errno[0] === abi.errno.EAGAIN, "recv");
      await readiness(fd, false);
    }
  }

  async function sendAll(fd: number, buf: Uint8Array): Promise<void> {
    for (let sent = 0; sent < buf.byteLength;) {
      const rest = sent ? buf.subarray(sent) : buf;
      const n = Number(c.send(fd, rest, BigInt(rest.byteLength), abi.MSG_NOSIGNAL));
      if (n >= 0) sent += n;
      else {
        check(errno[0] === abi.errno.EAGAIN, "send");
        await readiness(fd, true);
      }
    }
  }

  async function acceptOne(l: number): Promise<number> {
    for (;;) {
      const fd = c.accept(l, null, null);
      if (fd >= 0) return fd;
      check(errno[0] === abi.errno.EAGAIN, "accept");
      await readiness(l, false);
    }
  }

  return { check, adopt, acceptOne, recvSome, sendAll };
}

if (import.meta.main) await main();

async function main(): Promise<void> {
  const MSG = 1400, WARMUP = 0.3;
  const [, mode, , portArg, secondsArg, connsArg] = Deno.args;
  const port = Number(portArg), seconds = Number(secondsArg), conns = Number(connsArg);
  const c = openLibc(), abi = posixAbi();
  const { check, adopt, acceptOne, recvSome, sendAll } = bareEpoll(c, abi);
  const one = new Int32Array([1]);
  const address = loopback(port, abi);

  if (mode === "server") {
    const l = c.socket(abi.sockaddr.AF_INET, abi.SOCK_STREAM, 0);
    check(c.setsockopt(l, abi.SOL_SOCKET, abi.SO_REUSEADDR, one, 4) === 0, "SO_REUSEADDR");
    check(c.bind(l, address, address.byteLength) === 0, "bind");
    check(c.listen(l, 4096) === 0, "listen");
    adopt(l, false);
    console.log("ready");
    const cpu0 = cpuSeconds();
    const served: Promise<void>[] = [];
    for (let i = 0; i < conns; i++) {
      const s = adopt(await acceptOne(l), true);
      served.push((async () => {
        const b = new Uint8Array(MSG);
        let n;
        while ((n = await recvSome(s, b)) > 0) await sendAll(s, n === MSG ? b : b.subarray(0, n));
        c.close(s);
      })());
    }
    await Promise.all(served);
    c.close(l);
    const hwm = Deno.readTextFileSync("/proc/self/status").match(/VmHWM:\s+(\d+) kB/);
    const peakRss = hwm ? Number(hwm[1]) * 1024 : null;
    console.log(JSON.stringify({ peakRss, peakWaits: null, cpu: cpuSeconds() - cpu0 }));
    Deno.exit(0);
  }

  const cpu0 = cpuSeconds();
  const sockets: number[] = [];
  for (let i = 0; i < conns; i++) {
    const s = c.socket(abi.sockaddr.AF_INET, abi.SOCK_STREAM, 0);
    check(c.connect(s, address, address.byteLength) === 0, "connect"); // blocking, then the mode
    sockets.push(adopt(s, true));
  }
  let ops = 0, allOps = 0;
  const t0 = now() + WARMUP, end = t0 + seconds; // every connection runs through the warm-up
  await Promise.all(sockets.map(async (s) => {
    const b = new Uint8Array(MSG).fill(120);
    let t;
    do {
      await sendAll(s, b);
      for (let got = 0; got < MSG;) {
        const n = await recvSome(s, got ? b.subarray(got) : b);
        check(n > 0, "recv (closed)");
        got += n;
      }
      if ((t = now()) >= t0) ops++;
      allOps++;
    } while (t < end);
    c.close(s);
  }));
  const t1 = now();
  console.log(JSON.stringify({ ops, seconds: t1 - t0, allOps, cpu: cpuSeconds() - cpu0 }));
  Deno.exit(0);
}
