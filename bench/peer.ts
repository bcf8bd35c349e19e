/**
 * The Deno contenders, one process per side:
 *
 *   deno run -A bench/peer.ts <contender> server|client <workload> <port> <seconds> <conns>
 *
 * Contenders: `ffi-sync` (the façade, blocking: true, over posix or winsock),
 * `posix`, `winsock`, `deno` (the async façade over that backend), `deno-net`
 * (Deno.listen/Deno.connect). The server prints `ready` once listening and a
 * JSON line `{"peakRss":…,"peakWaits":…}` when its workload is over; the client
 * prints `{"ops":…,"seconds":…}`. Workloads and sizes are those of peer.c.
 *
 * @module
 */

import {
  AF_INET,
  type BackendName,
  formatWinsockError,
  htons,
  inet_addr,
  INVALID_SOCKET,
  IPPROTO_TCP,
  MAKEWORD,
  openWinsock,
  SD_SEND,
  sizeof,
  SO_REUSEADDR,
  SOCK_STREAM,
  sockaddr_in,
  type SOCKET,
  SOCKET_ERROR,
  SOL_SOCKET,
  TCP_NODELAY,
  type Winsock,
  WSADATA,
} from "../mod.ts";
import process from "node:process";

const MSG = 1400, CHUNK = 65536, WARMUP = 0.3;

const [contender, mode, workload, portArg, secondsArg, connsArg] = Deno.args;
const port = Number(portArg), seconds = Number(secondsArg), conns = Number(connsArg);
const now = () => performance.now() / 1000;
/** CPU seconds this process used so far (user + system, every thread). */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}
/**
 * CPU time is counted over the connections' whole life (warm-up included):
 * the server's from `ready`, the client's from its first connect; `allOps`
 * counts the warm-up's messages too.
 */
let cpu0 = cpuSeconds(), allOps = 0;

/** Elsewhere than Linux, the largest RSS seen by a timer (under Wine /proc/self is wineserver's). */
let sampled = 0;
const sample = () => sampled = Math.max(sampled, Deno.memoryUsage().rss);
if (mode === "server" && Deno.build.os !== "linux") Deno.unrefTimer(setInterval(sample, 50));

function peakRss(): number {
  if (Deno.build.os === "linux") {
    const m = Deno.readTextFileSync("/proc/self/status").match(/VmHWM:\s+(\d+) kB/);
    if (m) return Number(m[1]) * 1024;
  }
  return sample();
}

function report(result: Record<string, number | null>): never {
  result.cpu = cpuSeconds() - cpu0;
  if (mode === "client") result.allOps = allOps || result.ops;
  console.log(JSON.stringify(result));
  Deno.exit(0);
}

// ---- the façade, used as C uses Winsock ----------------------------------------------------

/** What both façade contenders share: startup, the address, error reports, socket options. */
function setUp(ws: Winsock<boolean>) {
  if (ws.WSAStartup(MAKEWORD(2, 2), new WSADATA()) !== 0) throw new Error("WSAStartup failed");
  const fail = (what: string): never => {
    throw new Error(`${what}: ${formatWinsockError(ws.WSAGetLastError())}`);
  };
  const si = new sockaddr_in();
  si.sin_family = AF_INET;
  si.sin_port = htons(port);
  si.sin_addr.S_un.S_addr = inet_addr("127.0.0.1");
  const one = new Uint8Array(new Int32Array([1]).buffer);
  const nodelay = (s: SOCKET) => {
    if (ws.setsockopt(s, IPPROTO_TCP, TCP_NODELAY, one, 4) !== 0) fail("setsockopt");
  };
  const socket = () => {
    const s = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    return s === INVALID_SOCKET ? fail("socket") : s;
  };
  const listening = () => {
    const l = socket();
    ws.setsockopt(l, SOL_SOCKET, SO_REUSEADDR, one, 4);
    if (ws.bind(l, si, sizeof(si)) !== 0) fail("bind");
    if (ws.listen(l, 1024) !== 0) fail("listen");
    console.log("ready");
    cpu0 = cpuSeconds();
    return l;
  };
  return { fail, si, nodelay, socket, listening, buf: new Uint8Array(CHUNK).fill(120) };
}

/** `ffi-sync`: the raw synchronous path, written as the C is (no Promise anywhere). */
function facadeSync(ws: Winsock<true>): void {
  const { fail, si, nodelay, socket, listening, buf } = setUp(ws);
  const connect = () => {
    const s = socket();
    return ws.connect(s, si, sizeof(si)) !== 0 ? fail("connect") : s;
  };
  const accept = (l: SOCKET) => {
    const s = ws.accept(l, null, null);
    return s === INVALID_SOCKET ? fail("accept") : s;
  };
  const recvExact = (s: SOCKET, len: number) => {
    for (let got = 0; got < len;) {
      const n = ws.recv(s, got === 0 ? buf : buf.subarray(got), len - got, 0);
      if (n === SOCKET_ERROR) fail("recv");
      if (n === 0) return false;
      got += n;
    }
    return true;
  };
  const sendAll = (s: SOCKET, len: number) => {
    if (ws.send(s, buf, len, 0) !== len) fail("send");
  };

  if (mode === "server") {
    const l = listening();
    if (workload === "pingpong") {
      const s = accept(l);
      nodelay(s);
      while (recvExact(s, MSG)) sendAll(s, MSG);
      ws.closesocket(s);
    } else if (workload === "bulk") {
      const s = accept(l);
      let n;
      while ((n = ws.recv(s, buf, CHUNK, 0)) > 0);
      if (n === SOCKET_ERROR) fail("recv");
      ws.closesocket(s);
    } else if (workload === "accept") {
      for (;;) ws.closesocket(accept(l)); // until the runner kills us
    }
    ws.closesocket(l);
    report({ peakRss: peakRss(), peakWaits: null });
  }

  let ops = 0, t0 = 0, t1 = 0;
  cpu0 = cpuSeconds();
  if (workload === "pingpong") {
    const s = connect();
    nodelay(s);
    for (let warm = 1; warm >= 0; warm--) {
      const end = (t0 = now()) + (warm ? WARMUP : seconds);
      for (ops = 0; (t1 = now()) < end; ops++) {
        sendAll(s, MSG);
        if (!recvExact(s, MSG)) fail("recv (closed)");
      }
      allOps += ops;
    }
    ws.closesocket(s);
  } else if (workload === "bulk") {
    const s = connect();
    for (let warm = 1; warm >= 0; warm--) {
      const end = (t0 = now()) + (warm ? WARMUP : seconds);
      for (ops = 0; now() < end; ops += CHUNK) sendAll(s, CHUNK);
    }
    ws.shutdown(s, SD_SEND);
    if (ws.recv(s, buf, CHUNK, 0) !== 0) fail("recv (expected the server's close)");
    t1 = now();
    ws.closesocket(s);
  } else if (workload === "accept") {
    for (let warm = 1; warm >= 0; warm--) {
      const end = (t0 = now()) + (warm ? WARMUP : seconds);
      for (ops = 0; (t1 = now()) < end; ops++) {
        const s = connect();
        if (ws.recv(s, buf, 1, 0) !== 0) fail("recv (expected the server's close)");
        ws.closesocket(s);
      }
    }
  } else {
    throw new Error(`ffi-sync does not run ${workload}`);
  }
  report({ ops, seconds: t1 - t0 });
}

/** The async façade contenders (`posix`, `winsock`, `deno`). */
async function facade(ws: Winsock): Promise<void> {
  const { fail, si, nodelay, socket, listening, buf } = setUp(ws);
  const connect = async () => {
    const s = socket();
    if (await ws.connect(s, si, sizeof(si)) !== 0) fail("connect");
    return s;
  };
  const accept = async (l: SOCKET) => {
    const s = await ws.accept(l, null, null);
    return s === INVALID_SOCKET ? fail("accept") : s;
  };
  /** recv exactly `len` bytes; false if the peer closed first. */
  const recvExact = async (s: SOCKET, buf: Uint8Array, len: number) => {
    for (let got = 0; got < len;) {
      const n = await ws.recv(s, got === 0 ? buf : buf.subarray(got), len - got, 0);
      if (n === SOCKET_ERROR) fail("recv");
      if (n === 0) return false;
      got += n;
    }
    return true;
  };
  const sendAll = async (s: SOCKET, buf: Uint8Array, len: number) => {
    if (await ws.send(s, buf, len, 0) !== len) fail("send");
  };

  if (mode === "server") {
    const l = listening();
    if (workload === "pingpong") {
      const s = await accept(l);
      nodelay(s);
      while (await recvExact(s, buf, MSG)) await sendAll(s, buf, MSG);
      ws.closesocket(s);
    } else if (workload === "bulk") {
      const s = await accept(l);
      let n;
      while ((n = await ws.recv(s, buf, CHUNK, 0)) > 0);
      if (n === SOCKET_ERROR) fail("recv");
      ws.closesocket(s);
    } else if (workload === "accept") {
      for (;;) ws.closesocket(await accept(l)); // until the runner kills us
    } else if (workload === "concurrent") {
      const echo = async (s: SOCKET) => {
        const b = new Uint8Array(MSG);
        let n;
        while ((n = await ws.recv(s, b, MSG, 0)) > 0) await sendAll(s, b, n);
        if (n === SOCKET_ERROR) fail("recv");
        ws.closesocket(s);
      };
      const served: Promise<void>[] = [];
      for (let i = 0; i < conns; i++) {
        const s = await accept(l);
        nodelay(s);
        served.push(echo(s));
      }
      await Promise.all(served);
    }
    ws.closesocket(l);
    report({ peakRss: peakRss(), peakWaits: ws.waitStats()?.peak ?? null });
  }

  let ops = 0, t0 = 0, t1 = 0;
  cpu0 = cpuSeconds();
  if (workload === "pingpong") {
    const s = await connect();
    nodelay(s);
    for (let warm = 1; warm >= 0; warm--) {
      const end = (t0 = now()) + (warm ? WARMUP : seconds);
      for (ops = 0; (t1 = now()) < end; ops++) {
        await sendAll(s, buf, MSG);
        if (!await recvExact(s, buf, MSG)) fail("recv (closed)");
      }
      allOps += ops;
    }
    ws.closesocket(s);
  } else if (workload === "bulk") {
    const s = await connect();
    for (let warm = 1; warm >= 0; warm--) {
      const end = (t0 = now()) + (warm ? WARMUP : seconds);
      for (ops = 0; now() < end; ops += CHUNK) await sendAll(s, buf, CHUNK);
    }
    ws.shutdown(s, SD_SEND);
    if (await ws.recv(s, buf, CHUNK, 0) !== 0) fail("recv (expected the server's close)");
    t1 = now();
    ws.closesocket(s);
  } else if (workload === "accept") {
    for (let warm = 1; warm >= 0; warm--) {
      const end = (t0 = now()) + (warm ? WARMUP : seconds);
      for (ops = 0; (t1 = now()) < end; ops++) {
        const s = await connect();
        if (await ws.recv(s, buf, 1, 0) !== 0) fail("recv (expected the server's close)");
        ws.closesocket(s);
      }
    }
  } else if (workload === "concurrent") {
    const sockets: SOCKET[] = [];
    for (let i = 0; i < conns; i++) {
      sockets.push(await connect());
      nodelay(sockets[i]);
    }
    const end = (t0 = now() + WARMUP) + seconds; // every connection runs through the warm-up
    await Promise.all(sockets.map(async (s) => {
      const b = new Uint8Array(MSG).fill(120);
      let t;
      do {
        await sendAll(s, b, MSG);
        if (!await recvExact(s, b, MSG)) fail("recv (closed)");
        if ((t = now()) >= t0) ops++;
        allOps++;
      } while (t < end);
      ws.closesocket(s);
    }));
    t1 = now();
  }
  report({ ops, seconds: t1 - t0 });
}

/** A trivial exported symbol (`ntohs`): synchronous for ffi-sync, `nonblocking: true` otherwise. */
async function ffiCall() {
  const os = Deno.build.os;
  const path = os === "windows"
    ? "ws2_32.dll"
    : os === "darwin"
    ? "libSystem.B.dylib"
    : "libc.so.6";
  const { symbols } = Deno.dlopen(path, {
    ntohs: { parameters: ["u16"], result: "u16" },
    ntohs_wait: { name: "ntohs", parameters: ["u16"], result: "u16", nonblocking: true },
  });
  const sync = contender === "ffi-sync", batch = sync ? 100_000 : 1_000;
  let ops = 0, t0 = 0, t1 = 0, sink = 0;
  for (let warm = 1; warm >= 0; warm--) {
    const end = (t0 = now()) + (warm ? WARMUP : seconds);
    for (ops = 0; (t1 = now()) < end; ops += batch) {
      if (sync) { for (let i = 0; i < batch; i++) sink += symbols.ntohs(i); }
      else for (let i = 0; i < batch; i++) sink += await symbols.ntohs_wait(i);
    }
  }
  if (sink === -1) console.error(sink); // keep the calls observable
  return { ops, t0, t1 };
}

// ---- Deno.listen / Deno.connect, used as Deno programs do -----------------------------------

async function denoNet(): Promise<void> {
  const addr = { hostname: "127.0.0.1", port };
  const buf = new Uint8Array(CHUNK).fill(120);
  const writeAll = async (c: Deno.Conn, b: Uint8Array) => {
    for (let off = 0; off < b.byteLength;) off += await c.write(off ? b.subarray(off) : b);
  };
  const readExact = async (c: Deno.Conn, b: Uint8Array) => {
    for (let got = 0; got < b.byteLength;) {
      const n = await c.read(got ? b.subarray(got) : b);
      if (n === null) return false;
      got += n;
    }
    return true;
  };
  const msg = buf.subarray(0, MSG);

  if (mode === "server") {
    const l = Deno.listen(addr);
    console.log("ready");
    cpu0 = cpuSeconds();
    if (workload === "pingpong") {
      const c = await l.accept();
      c.setNoDelay(true);
      while (await readExact(c, msg)) await writeAll(c, msg);
      c.close();
    } else if (workload === "bulk") {
      const c = await l.accept();
      while (await c.read(buf) !== null);
      c.close();
    } else if (workload === "accept") {
      for (;;) (await l.accept()).close();
    } else if (workload === "concurrent") {
      const echo = async (c: Deno.Conn) => {
        const b = new Uint8Array(MSG);
        let n;
        while ((n = await c.read(b)) !== null) await writeAll(c, n === MSG ? b : b.subarray(0, n));
        c.close();
      };
      const served: Promise<void>[] = [];
      for (let i = 0; i < conns; i++) {
        const c = await l.accept();
        c.setNoDelay(true);
        served.push(echo(c));
      }
      await Promise.all(served);
    }
    l.close();
    report({ peakRss: peakRss(), peakWaits: null });
  }

  let ops = 0, t0 = 0, t1 = 0;
  cpu0 = cpuSeconds();
  if (workload === "pingpong") {
    const c = await Deno.connect(addr);
    c.setNoDelay(true);
    for (let warm = 1; warm >= 0; warm--) {
      const end = (t0 = now()) + (warm ? WARMUP : seconds);
      for (ops = 0; (t1 = now()) < end; ops++) {
        await writeAll(c, msg);
        if (!await readExact(c, msg)) throw new Error("read: closed");
      }
      allOps += ops;
    }
    c.close();
  } else if (workload === "bulk") {
    const c = await Deno.connect(addr);
    for (let warm = 1; warm >= 0; warm--) {
      const end = (t0 = now()) + (warm ? WARMUP : seconds);
      for (ops = 0; now() < end; ops += CHUNK) await writeAll(c, buf);
    }
    await c.closeWrite();
    if (await c.read(buf) !== null) throw new Error("read: expected the server's close");
    t1 = now();
    c.close();
  } else if (workload === "accept") {
    for (let warm = 1; warm >= 0; warm--) {
      const end = (t0 = now()) + (warm ? WARMUP : seconds);
      for (ops = 0; (t1 = now()) < end; ops++) {
        const c = await Deno.connect(addr);
        if (await c.read(buf.subarray(0, 1)) !== null) throw new Error("read: expected close");
        c.close();
      }
    }
  } else if (workload === "concurrent") {
    const all: Deno.TcpConn[] = [];
    for (let i = 0; i < conns; i++) {
      all.push(await Deno.connect(addr));
      all[i].setNoDelay(true);
    }
    const end = (t0 = now() + WARMUP) + seconds; // every connection runs through the warm-up
    await Promise.all(all.map(async (c) => {
      const b = new Uint8Array(MSG).fill(120);
      let t;
      do {
        await writeAll(c, b);
        if (!await readExact(c, b)) throw new Error("read: closed");
        if ((t = now()) >= t0) ops++;
        allOps++;
      } while (t < end);
      c.close();
    }));
    t1 = now();
  }
  report({ ops, seconds: t1 - t0 });
}

try {
  if (workload === "ffi-call") {
    const { ops, t0, t1 } = await ffiCall();
    report({ ops, seconds: t1 - t0 });
  } else if (contender === "deno-net") {
    await denoNet();
  } else if (contender === "ffi-sync") {
    const native = Deno.build.os === "windows" ? "winsock" : "posix";
    facadeSync(openWinsock({ backend: native, blocking: true }));
  } else {
    const setting = Deno.env.get("WINSOCK_BENCH_SPIN") ?? "adaptive"; // run.ts --spin
    const spin = setting === "adaptive" || setting === "off" ? setting : Number(setting);
    await facade(openWinsock({ backend: contender as BackendName, spin }));
  }
  throw new Error(`unknown contender/workload ${contender}/${workload}`);
} catch (e) {
  console.error(`peer.ts ${Deno.args.join(" ")}:`, e);
  Deno.exit(1);
}
