/**
 * The readiness reactor of the non-blocking FFI backends: however many
 * sockets wait, one poll is pending; closing ends a wait at once; a program
 * whose waits are over exits on its own.
 */

import assert from "node:assert/strict";
import { SOCKET_ERROR, WSAEINTR } from "../mod.ts";
import { deadline, pair, started, testBackends } from "./_support.ts";

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
