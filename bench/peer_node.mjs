// bench/peer_node.mjs - the `node-net` contender (Node's `net`), same argv and output as peer.ts:
//   node bench/peer_node.mjs node-net server|client <workload> <port> <seconds> <conns>
import { readFileSync } from "node:fs";
import net from "node:net";

const MSG = 1400, CHUNK = 65536, WARMUP = 0.3;
const [, mode, workload, portArg, secondsArg, connsArg] = process.argv.slice(2);
const port = Number(portArg), seconds = Number(secondsArg), conns = Number(connsArg);
const now = () => performance.now() / 1000;
const buf = Buffer.alloc(CHUNK, 120), msg = buf.subarray(0, MSG);
const addr = { host: "127.0.0.1", port, noDelay: workload !== "bulk" };
/** CPU seconds so far; counted from `ready` (server) or the first connect (client). */
const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};
let cpu0 = cpuSeconds(), allOps = 0;

function report(result) {
  result.cpu = cpuSeconds() - cpu0;
  if (mode === "client") result.allOps = allOps || result.ops;
  process.stdout.write(JSON.stringify(result) + "\n", () => process.exit(0));
}
/** VmHWM (maxRSS would count the parent's memory before exec), else maxRSS. */
function peakRss() {
  try {
    const m = readFileSync("/proc/self/status", "utf8").match(/VmHWM:\s+(\d+) kB/);
    if (m) return Number(m[1]) * 1024;
  } catch { /* not Linux */ }
  return process.resourceUsage().maxRSS * 1024;
}
function fail(e) {
  console.error(`peer_node.mjs ${process.argv.slice(2).join(" ")}:`, e);
  process.exit(1);
}
process.on("uncaughtException", fail);

/** Echoes 1400-byte messages (pingpong) or whatever arrives (concurrent); counts closes. */
function server() {
  let served = 0;
  const srv = net.createServer({ noDelay: workload !== "bulk" }, (s) => {
    if (workload === "accept") return s.destroy();
    let got = 0;
    s.on("data", (d) => {
      if (workload === "concurrent") return s.write(d);
      if (workload !== "pingpong") return;
      for (got += d.length; got >= MSG; got -= MSG) s.write(msg);
    });
    s.on("end", () => s.end());
    s.on("close", () => {
      if (workload !== "concurrent" || ++served === conns) {
        srv.close();
        report({ peakRss: peakRss(), peakWaits: null });
      }
    });
  });
  srv.listen(port, "127.0.0.1", 1024, () => {
    console.log("ready");
    cpu0 = cpuSeconds();
  });
}

/** Echo rounds on one connection until `end`; resolves with how many ended at or after `from`. */
function rounds(s, end, from = 0) {
  return new Promise((resolve, reject) => {
    let got = 0, ops = 0;
    const onData = (d) => {
      for (got += d.length; got >= MSG; got -= MSG) {
        const t = now();
        allOps++;
        if (t >= from) ops++;
        if (t < end) {
          s.write(msg);
          continue;
        }
        s.off("data", onData).off("error", reject);
        return resolve(ops);
      }
    };
    s.on("data", onData).on("error", reject);
    s.write(msg);
  });
}

const connect = () =>
  new Promise((resolve, reject) => {
    const s = net.connect(addr, () => resolve(s));
    s.once("error", reject);
  });

async function client() {
  let ops = 0, t0 = 0, t1 = 0;
  cpu0 = cpuSeconds();
  if (workload === "pingpong") {
    const s = await connect();
    await rounds(s, now() + WARMUP);
    ops = await rounds(s, (t0 = now()) + seconds);
    t1 = now();
    s.end();
  } else if (workload === "bulk") {
    const s = await connect();
    const closed = new Promise((resolve) => s.on("close", resolve));
    s.on("data", () => fail(new Error("unexpected data")));
    for (let warm = 1; warm >= 0; warm--) {
      const end = (t0 = now()) + (warm ? WARMUP : seconds);
      for (ops = 0; now() < end; ops += CHUNK) {
        if (!s.write(buf)) await new Promise((resolve) => s.once("drain", resolve));
      }
    }
    s.end();
    await closed;
    t1 = now();
  } else if (workload === "accept") {
    for (let warm = 1; warm >= 0; warm--) {
      const end = (t0 = now()) + (warm ? WARMUP : seconds);
      for (ops = 0; (t1 = now()) < end; ops++) {
        const s = await connect();
        await new Promise((resolve) => s.on("close", resolve).resume());
      }
    }
  } else if (workload === "concurrent") {
    const all = [];
    for (let i = 0; i < conns; i++) all.push(await connect());
    t0 = now() + WARMUP; // every connection runs through the warm-up
    for (const n of await Promise.all(all.map((s) => rounds(s, t0 + seconds, t0)))) ops += n;
    t1 = now();
    for (const s of all) s.end();
  } else {
    throw new Error(`unknown workload ${workload}`);
  }
  report({ ops, seconds: t1 - t0 });
}

if (mode === "server") server();
else client().catch(fail);
