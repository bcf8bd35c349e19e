/**
 * Load, bounded in time and count, on loopback only, against
 * select_server.ts (a real process): thousands of connect/exchange/close
 * cycles, then hundreds of clients at once (more than the 63 one fd_set
 * serves: the others are told the server is full, and come back). Every
 * byte is accounted for; the server's sockets and memory stay flat.
 */

import assert from "node:assert/strict";
import {
  connectWhenListening,
  deadline,
  freePort,
  GREETING,
  Program,
  readExactly,
  testBackends,
  UNDER_WINE,
  writeAll,
} from "./_support.ts";
import {
  assertOpenOnPort,
  openOnPort,
  PROC_NET_TCP,
  PROC_PID_FD,
  rssKiB,
  socketCount,
} from "./_proc.ts";

/** Connect/exchange/close cycles, CONCURRENCY at a time. */
const CYCLES = UNDER_WINE ? 1_000 : 3_000;
const CONCURRENCY = 40;
/** Clients at once in the second phase. */
const AT_ONCE = 300;
/**
 * How much the server's memory may grow from after the warm-up to the end.
 * The deno backend rides on Deno's own sockets, and those grow by themselves:
 * a bare `Deno.listen` echo server was seen to gain about 14 KiB of RSS per
 * connection (its JS heap flat), 28 MiB over these 3,300 here; the FFI
 * backends stay within a few MiB. With non-blocking sends (select_server.ts
 * queues, the deno backend's emulated send buffer) the deno server reaches
 * the same plateau sooner: 50-69 MiB here, and both versions level off near
 * 120 MiB after 13,500 such clients (measured), so it is not a leak.
 */
const RSS_GROWTH_LIMIT_KIB = { winsock: 32 * 1024, posix: 32 * 1024, deno: 80 * 1024 };

const encoder = new TextEncoder();
/** The greeting select_server.ts sends each client (UTF-8, with its NUL). */
const HELLO = new Uint8Array(GREETING["utf-8"]);
const FULL = encoder.encode("服务器已满");

/** Totals, to account for every byte. */
const totals = { sent: 0, echoed: 0, refused: 0 };

/** A message of 1 to 4,000 bytes, different for each client and round. */
function message(client: number, round: number): Uint8Array {
  const head = encoder.encode(`客户端${client}-第${round}轮|`);
  const body = new Uint8Array(1 + ((client * 7919 + round * 104_729) % 4_000));
  for (let i = 0; i < body.length; i++) body[i] = 0x61 + ((client + round + i) % 26);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/**
 * One client's life: connect (back off and again while the server is full),
 * `rounds` exchanges that must come back byte for byte, close.
 */
async function client(port: number, id: number, rounds: number): Promise<void> {
  for (;;) {
    const conn = await connectWhenListening(port);
    try {
      const hello = await readExactly(conn, FULL.byteLength);
      if (hello.every((b, i) => b === FULL[i])) { // told to come back later
        totals.refused++;
        await new Promise((r) => setTimeout(r, 10 + (id % 40)));
        continue;
      }
      const rest = await readExactly(conn, HELLO.byteLength - FULL.byteLength);
      assert.deepEqual([...hello, ...rest], [...HELLO], `client ${id}: the greeting`);
      for (let round = 0; round < rounds; round++) {
        const out = message(id, round);
        await writeAll(conn, out);
        totals.sent += out.byteLength;
        const back = await readExactly(conn, out.byteLength);
        assert.deepEqual(back, out, `client ${id}, round ${round}: its own bytes back`);
        totals.echoed += back.byteLength;
      }
      return;
    } finally {
      conn.close();
    }
  }
}

/** Runs `count` clients, `concurrency` at a time. */
async function many(count: number, concurrency: number, run: (id: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await run(next++);
    }),
  );
}

/** Waits until the server has closed every client: only its listening socket is left on `port`. */
async function settled(port: number): Promise<void> {
  if (!PROC_NET_TCP) return;
  const until = Date.now() + 10_000;
  while (openOnPort(port).join() !== "LISTEN" && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assertOpenOnPort(port, ["LISTEN"], "once every client left");
}

/**
 * The server's sockets and memory, where /proc shows them (Linux), once its socket count has held
 * still for 250 ms (5 s at most): a connection the client reset leaves the TCP table at once, but
 * the server closes its socket only when its next `select` reports it, a moment later. A leak
 * holds still too, so it is still caught.
 */
async function usage(server: Program) {
  if (!PROC_PID_FD) return null;
  const pid = server.child.pid;
  const until = Date.now() + 5_000;
  let sockets = socketCount(pid);
  for (let same = 0; same < 5 && Date.now() < until;) {
    await new Promise((r) => setTimeout(r, 50));
    const now = socketCount(pid);
    same = now === sockets ? same + 1 : 0;
    sockets = now;
  }
  return { sockets, rss: rssKiB(pid) ?? 0 };
}

for (const backend of testBackends()) {
  Deno.test(`soak [${backend}]: ${CYCLES} connect/exchange/close cycles, then ${AT_ONCE} clients at once against select_server.ts`, async () => {
    const port = await freePort();
    const server = new Program("chapters/select_server.ts", [
      "--port",
      `${port}`,
      "--backend",
      backend,
    ]);
    try {
      assert.equal(await server.line(20_000), `select 服务器已启动: 127.0.0.1:${port}`);
      totals.sent = totals.echoed = totals.refused = 0;
      const warmUp = Math.floor(CYCLES / 10);
      await deadline(many(warmUp, CONCURRENCY, (id) => client(port, id, 2)), 60_000, "warm-up");
      await settled(port);
      const before = await usage(server);

      await deadline(
        many(CYCLES - warmUp, CONCURRENCY, (id) => client(port, warmUp + id, 2)),
        240_000,
        "the cycles",
      );
      await deadline(
        many(AT_ONCE, AT_ONCE, (id) => client(port, CYCLES + id, 3)),
        120_000,
        `${AT_ONCE} clients at once`,
      );
      assert.ok(totals.refused > 0, "more clients than one fd_set holds: some were told to wait");
      assert.equal(totals.echoed, totals.sent, "every byte sent came back");

      // Flat: once it has seen every close, the server holds what it held after the warm-up.
      await settled(port);
      const after = await usage(server);
      if (before && after) {
        assert.equal(
          after.sockets,
          before.sockets,
          "the server's sockets, after the warm-up and at the end",
        );
        assert.ok(
          after.rss - before.rss < RSS_GROWTH_LIMIT_KIB[backend],
          `the server's memory grew by ${after.rss - before.rss} KiB (from ${before.rss} KiB)`,
        );
      }
      console.log(
        `  ${backend}: ${CYCLES + AT_ONCE} clients, ${totals.sent} bytes each way, ` +
          `${totals.refused} told to wait` +
          (before && after
            ? `, server sockets ${before.sockets} → ${after.sockets}, RSS ${before.rss} → ${after.rss} KiB`
            : ""),
      );
    } finally {
      await server.kill();
    }
  });
}
