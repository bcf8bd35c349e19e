/**
 * The `bare-sync`, `bare-async` and `bare-spin` contenders: libc through FFI with no
 * façade at all (the raw binding `ffi/libc.ts`, Linux and macOS), for
 * `pingpong` and `bulk`. They are the ceilings the façade is measured
 * against: `bare-sync` makes blocking calls, as `ffi-sync` does;
 * `bare-async` makes non-blocking calls and, when one would block, awaits
 * one `nonblocking: true` `poll` of its socket, the cheapest hand-off to a
 * worker thread Deno's FFI offers; `bare-spin` makes non-blocking calls and
 * retries them on the JS thread until they succeed (a spin without budget or
 * yield: the ceiling of the reactor's hybrid waiting).
 *
 *   deno run -A bench/bare.ts bare-sync|bare-async|bare-spin server|client <workload> <port> <seconds> <conns>
 *
 * Output as `peer.ts`'s.
 *
 * @module
 */

import { openLibc } from "../ffi/libc.ts";
import { posixAbi } from "../lib/backends/posix/abi.ts";
import { IPPROTO_TCP } from "../mod.ts";
import { cpuSeconds, loopback, now } from "./bare_common.ts";

const MSG = 1400, CHUNK = 65536, WARMUP = 0.3;
const [contender, mode, workload, portArg, secondsArg] = Deno.args;
const port = Number(portArg), seconds = Number(secondsArg);
const c = openLibc(), abi = posixAbi();
const blocking = contender === "bare-sync";
const spinning = contender === "bare-spin";

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`${what} failed`);
}
const fcntl = (fd: number, cmd: number, arg: number) =>
  c.fcntl(fd, cmd, BigInt(arg), 0n, 0n, 0n, 0n, 0n, BigInt(arg));
function prepare(fd: number, nodelay: boolean): number {
  if (nodelay) check(c.setsockopt(fd, IPPROTO_TCP, abi.TCP_NODELAY, one, 4) === 0, "nodelay");
  if (!blocking) {
    check(fcntl(fd, abi.F_SETFL, fcntl(fd, abi.F_GETFL, 0) | abi.O_NONBLOCK) === 0, "fcntl");
  }
  return fd;
}

const one = new Int32Array([1]);
const address = loopback(port, abi);
const buf = new Uint8Array(CHUNK).fill(120);
const pollfd = new Uint8Array(8);

/**
 * `EAGAIN`: wait for `events` with one `nonblocking: true` poll (its errno
 * unread); `bare-spin`: return at once, so the call is retried on the JS thread
 * until it succeeds (a spin with no budget and no yield: the ceiling of hybrid waiting).
 */
async function readiness(fd: number, events: number): Promise<void> {
  if (spinning) return;
  const view = new DataView(pollfd.buffer);
  view.setInt32(0, fd, true);
  view.setInt16(4, events, true);
  await c.poll_wait(pollfd, 1n, -1);
}
/** One `recv`: its count, or -1 for "would block" (never on a blocking socket). */
function recvOnce(fd: number, into: Uint8Array): number {
  const n = Number(c.recv(fd, into, BigInt(into.byteLength), 0));
  check(n >= 0 || !blocking, "recv");
  return n;
}
/** One `send` of `buf[sent, len)`: its count, or -1 for "would block". */
function sendOnce(fd: number, sent: number, len: number): number {
  const rest = buf.subarray(sent, len);
  const n = Number(c.send(fd, rest, BigInt(rest.byteLength), abi.MSG_NOSIGNAL));
  check(n >= 0 || !blocking, "send");
  return n;
}

// bare-async: a wait between tries.
async function recvSome(fd: number, into: Uint8Array): Promise<number> {
  for (;;) {
    const n = recvOnce(fd, into);
    if (n >= 0) return n;
    await readiness(fd, abi.POLLIN);
  }
}
async function sendAll(fd: number, len: number): Promise<void> {
  for (let sent = 0, n; sent < len; sent += Math.max(n, 0)) {
    if ((n = sendOnce(fd, sent, len)) < 0) await readiness(fd, abi.POLLOUT);
  }
}
async function recvExact(fd: number, len: number): Promise<boolean> {
  for (let got = 0, n; got < len; got += Math.max(n, 0)) {
    if ((n = recvOnce(fd, buf.subarray(got, len))) === 0) return false;
    if (n < 0) await readiness(fd, abi.POLLIN);
  }
  return true;
}

// bare-sync: the same calls, blocking, with no Promise anywhere (as C).
function sendAllSync(fd: number, len: number): void {
  for (let sent = 0; sent < len;) sent += sendOnce(fd, sent, len);
}
function recvExactSync(fd: number, len: number): boolean {
  for (let got = 0, n; got < len; got += n) {
    if ((n = recvOnce(fd, buf.subarray(got, len))) === 0) return false;
  }
  return true;
}

const nodelay = workload === "pingpong";
if (workload !== "pingpong" && workload !== "bulk") {
  throw new Error(`${contender} runs pingpong and bulk only`);
}
if (mode === "server") {
  const l = c.socket(abi.sockaddr.AF_INET, abi.SOCK_STREAM, 0);
  check(c.setsockopt(l, abi.SOL_SOCKET, abi.SO_REUSEADDR, one, 4) === 0, "SO_REUSEADDR");
  check(c.bind(l, address, address.byteLength) === 0 && c.listen(l, 16) === 0, "bind/listen");
  console.log("ready");
  const cpu0 = cpuSeconds();
  const s = prepare(c.accept(l, null, null), nodelay); // the listener blocks: one client
  if (workload === "bulk") { while ((blocking ? recvOnce(s, buf) : await recvSome(s, buf)) > 0); }
  else if (blocking) { while (recvExactSync(s, MSG)) sendAllSync(s, MSG); }
  else while (await recvExact(s, MSG)) await sendAll(s, MSG);
  c.close(s);
  c.close(l);
  console.log(JSON.stringify({ peakRss: null, peakWaits: null, cpu: cpuSeconds() - cpu0 }));
  Deno.exit(0);
}
const cpu0 = cpuSeconds();
const s = c.socket(abi.sockaddr.AF_INET, abi.SOCK_STREAM, 0);
check(c.connect(s, address, address.byteLength) === 0, "connect"); // blocking, then the mode
prepare(s, nodelay);
let ops = 0, t0 = 0, t1 = 0, allOps = 0;
for (let warm = 1; warm >= 0; warm--) {
  const end = (t0 = now()) + (warm ? WARMUP : seconds);
  if (workload === "bulk") {
    for (ops = 0; now() < end; ops += CHUNK) {
      blocking ? sendAllSync(s, CHUNK) : await sendAll(s, CHUNK);
    }
  } else if (blocking) {
    for (ops = 0; (t1 = now()) < end; ops++) {
      sendAllSync(s, MSG);
      check(recvExactSync(s, MSG), "recv (closed)");
    }
    allOps += ops;
  } else {
    for (ops = 0; (t1 = now()) < end; ops++) {
      await sendAll(s, MSG);
      check(await recvExact(s, MSG), "recv (closed)");
    }
    allOps += ops;
  }
}
if (workload === "bulk") {
  c.shutdown(s, abi.SHUT_WR);
  check((blocking ? recvOnce(s, buf) : await recvSome(s, buf)) === 0, "recv (expected the close)");
  t1 = now();
}
c.close(s);
console.log(JSON.stringify({ ops, seconds: t1 - t0, allOps, cpu: cpuSeconds() - cpu0 }));
Deno.exit(0);
