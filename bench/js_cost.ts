/**
 * What the JavaScript alone costs per echo round: the async façade (posix
 * backend) against `bare-epoll`'s loop (`bare_epoll.ts`), with the kernel
 * taken out. Both sides of 1,000 connections run in one process, and libc's
 * `recv`, `send`, `epoll_wait` and `epoll_wait_park` are replaced, for those
 * connections, by an in-memory stand-in: a send adds its count to the peer's
 * and queues the peer's edge, a recv takes what is there or says `EAGAIN`
 * through the JS thread's `errno`, `epoll_wait` hands out the queued edges.
 * No byte is copied and no system call is made on the measured path, so the
 * figure is the JS work per round (both sides' `send` and `recv`, their
 * waits and the reactor's turns), free of this VM's noisy kernel time, which
 * dominates the real workloads. Sockets are real for the setup (connect,
 * accept); the stand-in takes over once every connection is up.
 *
 *   deno run -A bench/js_cost.ts [--conns 1000] [--rounds 300] [--runs 5]
 *
 * Each run is a fresh process (`--one facade|bare`), the two interleaved;
 * the medians are printed. Linux only (epoll).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { posixAbi } from "../lib/backends/posix/abi.ts";
import { EPOLL, EPOLL_EVENT_LAYOUTS } from "../lib/backends/reactor/epoll.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    conns: { type: "string", default: "1000" },
    rounds: { type: "string", default: "300" },
    runs: { type: "string", default: "5" },
    one: { type: "string" },
  },
});
const conns = Number(args.values.conns), rounds = Number(args.values.rounds);
const MSG = 1400;

/** The stand-in's state: a peer and a count of unread bytes per descriptor, and queued edges. */
const pipes = {
  on: false,
  peer: [] as (number | undefined)[],
  unread: [] as number[],
  queued: [] as boolean[],
  edges: [] as number[],
  next: 0,
};

const { EAGAIN } = posixAbi().errno, L = EPOLL_EVENT_LAYOUTS[Deno.build.arch];

/** `symbols` with the calls the measured path makes answered by the stand-in. */
// deno-lint-ignore no-explicit-any
function standIn(symbols: any): any {
  const errno = new Int32Array(
    Deno.UnsafePointerView.getArrayBuffer(symbols.__errno_location(), 4),
  );
  const fill = (events: Uint8Array, max: number) => {
    const view = new DataView(events.buffer, events.byteOffset); // struct epoll_event, as laid out here
    let n = 0;
    for (; n < max && pipes.next < pipes.edges.length; n++) {
      const fd = pipes.edges[pipes.next++];
      pipes.queued[fd] = false;
      view.setUint32(n * L.size + L.events, EPOLL.EPOLLIN | EPOLL.EPOLLOUT, true);
      view.setUint32(n * L.size + L.data, fd, true); // `data`: the descriptor, little-endian
      view.setUint32(n * L.size + L.data + 4, 0, true);
    }
    if (pipes.next === pipes.edges.length) pipes.edges.length = pipes.next = 0;
    return n;
  };
  const ours = (fd: number) => pipes.on && pipes.peer[fd] !== undefined;
  return {
    ...symbols,
    recv(fd: number, buf: Uint8Array, len: bigint, flags: number) {
      if (!ours(fd)) return symbols.recv(fd, buf, len, flags);
      const unread = pipes.unread[fd];
      if (unread === 0) {
        errno[0] = EAGAIN;
        return -1;
      }
      const n = Math.min(unread, Number(len));
      pipes.unread[fd] = unread - n;
      return n;
    },
    send(fd: number, buf: Uint8Array, len: bigint, flags: number) {
      if (!ours(fd)) return symbols.send(fd, buf, len, flags);
      const peer = pipes.peer[fd]!;
      pipes.unread[peer] += Number(len);
      if (!pipes.queued[peer]) {
        pipes.queued[peer] = true;
        pipes.edges.push(peer);
      }
      return Number(len);
    },
    epoll_wait: (epfd: number, events: Uint8Array, max: number, timeout: number) =>
      pipes.on ? fill(events, max) : symbols.epoll_wait(epfd, events, max, timeout),
    epoll_wait_park: (epfd: number, events: Uint8Array, max: number, timeout: number) =>
      pipes.on
        ? Promise.resolve(fill(events, max))
        : symbols.epoll_wait_park(epfd, events, max, timeout),
    sched_yield: () => 0,
  };
}

/** One run in this process: `how` echoes `rounds` rounds on every connection; ns per round. */
async function one(how: "facade" | "bare"): Promise<number> {
  const dlopen = Deno.dlopen;
  // deno-lint-ignore no-explicit-any
  (Deno as any).dlopen = (path: string, symbols: any) => {
    const lib = dlopen(path, symbols);
    return path.includes("libc")
      ? { symbols: standIn(lib.symbols), close: () => lib.close() }
      : lib;
  };
  const m = await import("../mod.ts");
  const { openLibc } = await import("../ffi/libc.ts");
  const { posixAbi } = await import("../lib/backends/posix/abi.ts");
  const { bareEpoll } = await import("./bare_epoll.ts");
  const ws = m.openWinsock({ backend: "posix" });
  ws.WSAStartup(0x0202, new m.WSADATA());
  const l = ws.socket(m.AF_INET, m.SOCK_STREAM, 0);
  const si = new m.sockaddr_in();
  si.sin_family = m.AF_INET;
  si.sin_addr.S_un.S_addr = m.inet_addr("127.0.0.1");
  if (ws.bind(l, si, m.sizeof(si)) !== 0 || ws.listen(l, 4096) !== 0) throw new Error("listen");
  const name = new m.sockaddr_in();
  ws.getsockname(l, name, { value: m.sizeof(name) });
  const clients: bigint[] = [], servers: bigint[] = [];
  for (let i = 0; i < conns; i++) {
    const c = ws.socket(m.AF_INET, m.SOCK_STREAM, 0);
    const connected = ws.connect(c, name, m.sizeof(name));
    const s = await ws.accept(l, null, null);
    if (await connected !== 0 || s === m.INVALID_SOCKET) throw new Error("connect");
    clients.push(c), servers.push(s);
    pipes.peer[Number(c)] = Number(s), pipes.peer[Number(s)] = Number(c);
    pipes.unread[Number(c)] = pipes.unread[Number(s)] = 0;
  }
  let recv: (s: bigint, b: Uint8Array, len: number) => Promise<number>;
  let send: (s: bigint, b: Uint8Array, len: number) => Promise<unknown>;
  if (how === "facade") {
    recv = (s, b, len) => ws.recv(s, b, len, 0);
    send = (s, b, len) => ws.send(s, b, len, 0);
  } else {
    const bare = bareEpoll(openLibc(), posixAbi());
    for (const s of [...clients, ...servers]) bare.adopt(Number(s), false); // its own epoll
    recv = (s, b, len) => bare.recvSome(Number(s), len === b.byteLength ? b : b.subarray(0, len));
    send = (s, b, len) => bare.sendAll(Number(s), len === b.byteLength ? b : b.subarray(0, len));
  }
  pipes.on = true;
  const echo = async (s: bigint) => { // as peer.ts's server
    const b = new Uint8Array(MSG);
    for (let r = 0, n; r < rounds && (n = await recv(s, b, MSG)) > 0; r++) await send(s, b, n);
  };
  const client = async (s: bigint) => { // as peer.ts's client
    const b = new Uint8Array(MSG).fill(120);
    for (let r = 0; r < rounds; r++) {
      await send(s, b, MSG);
      for (let got = 0; got < MSG;) {
        const n = await recv(s, got === 0 ? b : b.subarray(got), MSG - got);
        if (n <= 0) throw new Error("recv");
        got += n;
      }
    }
  };
  const t0 = performance.now();
  await Promise.all([...servers.map(echo), ...clients.map(client)]);
  return (performance.now() - t0) * 1e6 / (conns * rounds);
}

if (args.values.one) {
  console.log(await one(args.values.one as "facade" | "bare"));
  Deno.exit(0);
}

const runs = Number(args.values.runs);
const times: Record<"facade" | "bare", number[]> = { facade: [], bare: [] };
for (let r = 0; r < runs; r++) {
  for (const how of r % 2 ? ["bare", "facade"] as const : ["facade", "bare"] as const) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        import.meta.filename!,
        "--one",
        how,
        "--conns",
        `${conns}`,
        "--rounds",
        `${rounds}`,
      ],
      stderr: "inherit",
    }).output();
    if (!out.success) throw new Error(`${how}: run failed`);
    times[how].push(Number(new TextDecoder().decode(out.stdout)));
  }
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
for (const how of ["facade", "bare"] as const) {
  const v = times[how];
  console.log(
    `${how === "facade" ? "façade (posix)" : "bare-epoll loop"}: ${
      median(v).toFixed(0)
    } ns per echo round ` +
      `(${Math.min(...v).toFixed(0)}–${
        Math.max(...v).toFixed(0)
      }, ${runs} runs, ${conns} connections × ${rounds} rounds)`,
  );
}
console.log(`façade / bare-epoll: ${(median(times.facade) / median(times.bare)).toFixed(2)}×`);
