/**
 * The readiness reactor of the non-blocking FFI backends: however many
 * sockets wait, one poll is pending; closing ends a wait at once; a program
 * whose waits are over exits on its own; every spin setting moves the same
 * bytes and lets timers run; the spin policy and the epoll layouts as data.
 */

import assert from "node:assert/strict";
import {
  AF_INET,
  type BackendName,
  htons,
  inet_addr,
  IPPROTO_TCP,
  MAKEWORD,
  ntohs,
  openWinsock,
  sizeof,
  SOCK_STREAM,
  sockaddr_in,
  SOCKET_ERROR,
  TCP_NODELAY,
  type Winsock,
  WSADATA,
  WSAEINTR,
} from "../mod.ts";
import { deadline, pair, started, testBackends } from "./_support.ts";
import {
  SPIN_CAP_US,
  SPIN_STEP_US,
  SpinPolicy,
  type SpinSetting,
} from "../lib/backends/reactor/policy.ts";
import {
  decodeEpollEvent,
  encodeEpollEvent,
  EPOLL,
  EPOLL_EVENT_LAYOUTS,
} from "../lib/backends/reactor/epoll.ts";

const FFI_BACKENDS = testBackends().filter((b) => b !== "deno");
/** Connections waiting at once (each is two sockets in this process). */
const CONNECTIONS = 300;

async function eventually(what: string, test: () => boolean): Promise<void> {
  await deadline(
    (async () => {
      while (!test()) await new Promise((r) => setTimeout(r, 5));
    })(),
    10_000,
    what,
  );
}

for (const backend of FFI_BACKENDS) {
  Deno.test(`reactor [${backend}]: ${CONNECTIONS} sockets waiting in recv share one pending poll`, async () => {
    const ws = started(backend);
    const pairs = [];
    for (let i = 0; i < CONNECTIONS; i++) pairs.push(await pair(ws));
    const bufs = pairs.map(() => new Uint8Array(16));
    const recvs = pairs.map(([, accepted], i) => ws.recv(accepted, bufs[i], 16, 0));
    await eventually("every recv waiting", () => ws.waitStats()?.pending === 1);
    assert.equal(ws.waitStats()?.pending, 1, "one poll for all");

    const encoder = new TextEncoder();
    for (const [i, [client]] of pairs.entries()) {
      const message = encoder.encode(`message ${i}`);
      assert.equal(await ws.send(client, message, message.byteLength, 0), message.byteLength);
    }
    const counts = await deadline(Promise.all(recvs), 20_000, "every recv");
    const decoder = new TextDecoder();
    counts.forEach((n, i) => {
      assert.equal(decoder.decode(bufs[i].subarray(0, n)), `message ${i}`);
    });
    const stats = ws.waitStats()!;
    assert.equal(stats.peak, 1, "never more than one pending poll");
    assert.equal(stats.pending, 0, "nothing pending once nothing waits");
    for (const sockets of pairs) for (const s of sockets) ws.closesocket(s);
    ws.WSACleanup();
  });

  Deno.test(`reactor [${backend}]: closesocket ends one wait at once and the others go on`, async () => {
    const ws = started(backend);
    const [c1, a1, l1] = await pair(ws);
    const [c2, a2, l2] = await pair(ws);
    const one = ws.recv(a1, new Uint8Array(8), 8, 0);
    const buf = new Uint8Array(8);
    const two = ws.recv(a2, buf, 8, 0);
    await eventually("both waiting", () => ws.waitStats()?.pending === 1);
    ws.closesocket(a1);
    assert.equal(await deadline(one, 1_000, "the closed socket's recv"), SOCKET_ERROR);
    assert.equal(ws.WSAGetLastError(), WSAEINTR);
    assert.equal(await ws.send(c2, new Uint8Array([1, 2, 3]), 3, 0), 3);
    assert.equal(await deadline(two, 5_000, "the other recv"), 3);
    assert.deepEqual([...buf.subarray(0, 3)], [1, 2, 3]);
    for (const s of [c1, l1, c2, a2, l2]) ws.closesocket(s);
    ws.WSACleanup();
  });

  Deno.test(`reactor [${backend}]: a program whose waits are over exits on its own`, async () => {
    const mod = new URL("../mod.ts", import.meta.url).href;
    const support = new URL("./_support.ts", import.meta.url).href;
    const code = `
      import { MAKEWORD, openWinsock, WSADATA } from "${mod}";
      import { pair } from "${support}";
      const ws = openWinsock({ backend: "${backend}" });
      ws.WSAStartup(MAKEWORD(2, 2), new WSADATA());
      const [client, accepted] = await pair(ws);
      const got = ws.recv(accepted, new Uint8Array(4), 4, 0);
      setTimeout(() => ws.send(client, new Uint8Array([1]), 1, 0), 100);
      console.log("recv", await got);
      const pending = ws.recv(client, new Uint8Array(4), 4, 0);
      ws.closesocket(client);
      console.log("recv", await pending, ws.WSAGetLastError());
    `; // no closesocket of the rest, no WSACleanup, no Deno.exit: the program just ends
    const child = new Deno.Command(Deno.execPath(), {
      args: ["eval", "--no-check", code],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const out = await deadline(child.output(), 20_000, "the program to end").catch((e) => {
      child.kill("SIGKILL");
      throw e;
    });
    const text = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.equal(text.trim().split(/\r?\n/).join("|"), `recv 1|recv -1 ${WSAEINTR}`);
  });
}

// ---- every spin setting -----------------------------------------------------------------------

function opened(backend: BackendName, spin: SpinSetting): Winsock {
  const ws = openWinsock({ backend, spin });
  assert.equal(ws.WSAStartup(MAKEWORD(2, 2), new WSADATA()), 0);
  return ws;
}

/** One ping-pong round: `from` sends `message`, `to` reads it all and sends it back. */
async function round(ws: Winsock, from: bigint, to: bigint, message: Uint8Array) {
  const len = message.byteLength, there = new Uint8Array(len), back = new Uint8Array(len);
  const recvAll = async (s: bigint, into: Uint8Array) => {
    for (let got = 0; got < len;) {
      const n = await ws.recv(s, into.subarray(got), len - got, 0);
      assert.ok(n > 0, `recv: ${n} (${ws.WSAGetLastError()})`);
      got += n;
    }
  };
  const arrived = recvAll(to, there); // waits first, as a server does
  assert.equal(await ws.send(from, message, len, 0), len);
  await arrived;
  assert.equal(await ws.send(to, there, len, 0), len);
  await recvAll(from, back);
  assert.deepEqual(back, message);
}

const nodelay = (ws: Winsock, s: bigint) =>
  assert.equal(ws.setsockopt(s, IPPROTO_TCP, TCP_NODELAY, new Uint8Array([1, 0, 0, 0]), 4), 0);

for (const backend of FFI_BACKENDS) {
  for (const spin of ["off", "adaptive", 200] as const) {
    Deno.test(`reactor [${backend}]: spin ${spin}: 300 ping-pong rounds move every byte`, async () => {
      const ws = opened(backend, spin);
      const [client, accepted, listener] = await pair(ws);
      nodelay(ws, client);
      nodelay(ws, accepted);
      for (let i = 0; i < 300; i++) {
        const message = new Uint8Array(1400).map((_, j) => (i * 7 + j) & 0xff);
        await deadline(round(ws, client, accepted, message), 10_000, `round ${i}`);
      }
      for (const s of [client, accepted, listener]) ws.closesocket(s);
      ws.WSACleanup();
    });
  }

  Deno.test(`reactor [${backend}]: a timer fires while every wait ends within the spin budget`, async () => {
    const ws = opened(backend, 10_000); // the largest fixed budget: every wait spins
    const [client, accepted, listener] = await pair(ws);
    nodelay(ws, client);
    nodelay(ws, accepted);
    let fired = false;
    setTimeout(() => fired = true, 1);
    const message = new Uint8Array(100).fill(7);
    // Never yielding to the event loop between waits would keep this loop going forever.
    const loop = (async () => {
      while (!fired) await round(ws, client, accepted, message);
    })();
    await deadline(loop, 10_000, "the timer, during ping-pong");
    for (const s of [client, accepted, listener]) ws.closesocket(s);
    ws.WSACleanup();
  });
}

for (const backend of FFI_BACKENDS) {
  Deno.test(`reactor [${backend}]: a socket number reused after closesocket still gets its wake-ups`, async () => {
    const ws = started(backend);
    const port = (s: bigint) => {
      const name = new sockaddr_in();
      assert.equal(ws.getsockname(s, name, { value: sizeof(name) }), 0);
      return ntohs(name.sin_port);
    };
    /** Every socket of a pair waits once (recv, recv, accept), then is answered. */
    const waitOnEach = async ([client, accepted, listener]: bigint[]) => {
      const one = new Uint8Array([1]);
      const waits = [
        ws.recv(client, new Uint8Array(1), 1, 0),
        ws.recv(accepted, new Uint8Array(1), 1, 0),
        ws.accept(listener, null, null),
      ];
      await new Promise((r) => setTimeout(r, 20)); // all three are waiting
      assert.equal(await ws.send(client, one, 1, 0), 1);
      assert.equal(await ws.send(accepted, one, 1, 0), 1);
      const extra = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
      const si = new sockaddr_in();
      si.sin_family = AF_INET;
      si.sin_port = htons(port(listener));
      si.sin_addr.S_un.S_addr = inet_addr("127.0.0.1");
      assert.equal(await ws.connect(extra, si, sizeof(si)), 0);
      const [r1, r2, s3] = await deadline(Promise.all(waits), 10_000, "every wait answered");
      assert.deepEqual([r1, r2], [1, 1]);
      ws.closesocket(s3 as bigint);
      ws.closesocket(extra);
    };
    const before = await pair(ws);
    await waitOnEach(before);
    for (const s of before) ws.closesocket(s);
    const after = await pair(ws);
    if (backend === "posix") { // Linux hands out the lowest free descriptors: the same three
      assert.ok(after.some((s) => before.includes(s)), `${after} reuses none of ${before}`);
    }
    await waitOnEach(after);
    for (const s of after) ws.closesocket(s);
    ws.WSACleanup();
  });
}

Deno.test("reactor: openWinsock rejects a spin setting that is not adaptive, off or 0–10,000 µs", () => {
  for (const spin of [-1, 10_001, NaN, "fast"]) {
    assert.throws(
      () => openWinsock({ backend: "deno", spin: spin as SpinSetting }),
      (e: unknown) => e instanceof RangeError && /^spin: /.test(e.message),
    );
  }
  openWinsock({ backend: "deno", spin: 0 });
});

// ---- the spin policy ------------------------------------------------------------------------

Deno.test("spin policy: adaptive starts at nothing, doubles while waits end within it", () => {
  const p = new SpinPolicy();
  assert.equal(p.budgetUs, 0, "an idle program parks at once");
  p.spun(true); // at nothing, no spin happened: nothing to learn
  p.parked(SPIN_CAP_US + 1); // a parked wait that no spin within the cap would have caught
  assert.equal(p.budgetUs, 0);
  p.parked(SPIN_CAP_US); // one that a spin would have caught
  assert.equal(p.budgetUs, SPIN_STEP_US);
  const seen: number[] = [];
  for (let i = 0; i < 6; i++) {
    p.spun(true);
    seen.push(p.budgetUs);
  }
  assert.deepEqual(seen, [20, 40, 80, 160, SPIN_CAP_US, SPIN_CAP_US]);
  p.parked(1); // only a budget of nothing learns from a park
  assert.equal(p.budgetUs, SPIN_CAP_US);
});

Deno.test("spin policy: adaptive halves when a spin spends its budget, and falls to nothing", () => {
  const p = new SpinPolicy("adaptive");
  p.parked(5);
  for (let i = 0; i < 6; i++) p.spun(true);
  assert.equal(p.budgetUs, SPIN_CAP_US);
  const seen: number[] = [];
  for (let i = 0; i < 6; i++) {
    p.spun(false);
    seen.push(p.budgetUs);
  }
  assert.deepEqual(seen, [100, 50, 25, 12.5, 0, 0]);
  p.parked(5);
  assert.equal(p.budgetUs, 0, "after falling to nothing, one quick park is not enough");
  p.parked(5);
  assert.equal(p.budgetUs, SPIN_STEP_US, "two are");
});

Deno.test("spin policy: spins that are never answered are tried ever more rarely (one core)", () => {
  const p = new SpinPolicy();
  const parksBeforeEachTry: number[] = [];
  for (let tries = 0; tries < 9; tries++) {
    let parks = 0;
    while (p.budgetUs === 0) {
      p.parked(15); // the answer comes at once when the spinner lets go of the CPU
      parks++;
    }
    parksBeforeEachTry.push(parks);
    p.spun(false); // a spin holds the CPU the answer needs: never found
  }
  assert.deepEqual(parksBeforeEachTry, [1, 2, 4, 8, 16, 32, 64, 64, 64]);
  p.parked(SPIN_CAP_US + 1); // a slow park breaks the streak
  for (let i = 0; i < 63; i++) p.parked(15);
  assert.equal(p.budgetUs, 0);
  p.parked(15);
  assert.equal(p.budgetUs, SPIN_STEP_US);
  p.spun(true); // answered: half the patience, and the budget doubles
  assert.equal(p.budgetUs, 2 * SPIN_STEP_US);
});

Deno.test("spin policy: off and fixed budgets never change", () => {
  const off = new SpinPolicy("off"), fixed = new SpinPolicy(75);
  for (const waited of [1, 1, 1_000_000, 1]) {
    for (const p of [off, fixed]) {
      p.parked(waited);
      p.spun(waited < 100);
    }
  }
  assert.equal(off.budgetUs, 0);
  assert.equal(fixed.budgetUs, 75);
  assert.equal(fixed.setting, 75);
});

// ---- struct epoll_event ---------------------------------------------------------------------

Deno.test("epoll_event layout: x86-64 is packed (12 bytes, data at 4), aarch64 is 16 (data at 8)", () => {
  assert.deepEqual(EPOLL_EVENT_LAYOUTS.x86_64, { size: 12, events: 0, data: 4 });
  assert.deepEqual(EPOLL_EVENT_LAYOUTS.aarch64, { size: 16, events: 0, data: 8 });
  const events = EPOLL.EPOLLIN | EPOLL.EPOLLOUT | EPOLL.EPOLLET;
  const x86 = new Uint8Array(24);
  encodeEpollEvent(EPOLL_EVENT_LAYOUTS.x86_64, x86, 12, events, 0x0102030405060708n);
  assert.deepEqual(
    [...x86.subarray(12)],
    [0x05, 0x00, 0x00, 0x80, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01],
  );
  assert.deepEqual(decodeEpollEvent(EPOLL_EVENT_LAYOUTS.x86_64, x86, 12), {
    events: events >>> 0,
    data: 0x0102030405060708n,
  });
  const arm = new Uint8Array(32);
  encodeEpollEvent(EPOLL_EVENT_LAYOUTS.aarch64, arm, 16, EPOLL.EPOLLIN, 42n);
  assert.deepEqual(
    [...arm.subarray(16)],
    [1, 0, 0, 0, 0, 0, 0, 0, 42, 0, 0, 0, 0, 0, 0, 0],
  );
  assert.deepEqual(decodeEpollEvent(EPOLL_EVENT_LAYOUTS.aarch64, arm, 16), {
    events: EPOLL.EPOLLIN,
    data: 42n,
  });
});

Deno.test("epoll_event layout: an entry past the buffer is a RangeError, nothing is written", () => {
  const L = EPOLL_EVENT_LAYOUTS.x86_64;
  const buf = new Uint8Array(20);
  assert.throws(() => encodeEpollEvent(L, buf, 12, 1, 1n), RangeError);
  assert.throws(() => decodeEpollEvent(L, buf, -1), RangeError);
  assert.deepEqual([...buf], new Array(20).fill(0));
});
