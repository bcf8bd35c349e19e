/**
 * An idle server burns no CPU: with many connections open and every one
 * silent (each accepted socket waiting in `recv`, the listener in `accept`),
 * the process uses under 1% of a CPU, measured as its own CPU time over a
 * few seconds. The reactor spins on the JS thread only while answers come
 * quickly; when they stop, its waits park on the worker thread.
 */

import assert from "node:assert/strict";
import { deadline, testBackends } from "./_support.ts";

const FFI_BACKENDS = testBackends().filter((b) => b !== "deno");
/** Connections in the idle server (each is two sockets, plus a listener, in the child). */
const CONNECTIONS = 200;
const MEASURE_MS = 3_000;

for (const backend of FFI_BACKENDS) {
  Deno.test(`idle [${backend}]: ${CONNECTIONS} silent connections use under 1% of a CPU`, async () => {
    const mod = new URL("../mod.ts", import.meta.url).href;
    const support = new URL("./_support.ts", import.meta.url).href;
    const code = `
      import process from "node:process";
      import { MAKEWORD, openWinsock, WSADATA } from "${mod}";
      import { listening, pair } from "${support}";
      const ws = openWinsock({ backend: "${backend}" }); // the default spin: adaptive
      ws.WSAStartup(MAKEWORD(2, 2), new WSADATA());
      const waits = [];
      for (let i = 0; i < ${CONNECTIONS}; i++) {
        const [, accepted] = await pair(ws);
        waits.push(ws.recv(accepted, new Uint8Array(16), 16, 0)); // never answered
      }
      waits.push(ws.accept(listening(ws).s, null, null)); // nobody connects
      await new Promise((r) => setTimeout(r, 200)); // the last busy waits are over
      const before = process.cpuUsage();
      await new Promise((r) => setTimeout(r, ${MEASURE_MS}));
      const used = process.cpuUsage(before);
      console.log(JSON.stringify({ cpuUs: used.user + used.system, waits: ws.waitStats() }));
      Deno.exit(0);
    `;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["eval", "--no-check", code],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const out = await deadline(child.output(), 60_000, "the idle server").catch((e) => {
      child.kill("SIGKILL");
      throw e;
    });
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const { cpuUs, waits } = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.equal(waits.pending, 1, "every socket in one parked wait");
    assert.ok(
      cpuUs < MEASURE_MS * 1000 * 0.01,
      `${(cpuUs / 1000).toFixed(1)} ms of CPU in ${MEASURE_MS} ms idle (at most 1%)`,
    );
  });
}
