/**
 * Every chapter server takes `--host ::1` (IPv6, as `server.ts` does): it
 * binds `[::1]`, greets a client that connects over IPv6, echoes its words,
 * and names it `[::1]:port` in what it prints. Real processes, every backend.
 */

import assert from "node:assert/strict";
import {
  deadline,
  freePort,
  GREETING,
  Program,
  readExactly,
  testBackends,
  writeAll,
} from "./_support.ts";

const SERVERS: [file: string, options: { read?: boolean }][] = [
  ["chapters/select_server.ts", {}],
  ["chapters/event_select_server.ts", {}],
  ["chapters/async_select_server.ts", {}],
  ["chapters/overlapped_server.ts", {}],
  ["chapters/completion_routine_server.ts", {}],
  ["chapters/iocp_server.ts", { read: true }], // its Workers are modules of the checkout
];

const HELLO = new Uint8Array(GREETING["utf-8"]);

for (const backend of testBackends()) {
  for (const [file, options] of SERVERS) {
    Deno.test(`${file} --host ::1 [${backend}]: serves over IPv6, naming the client [::1]:port`, async () => {
      const port = freePort();
      const server = new Program(
        file,
        ["--host", "::1", "--port", `${port}`, "--backend", backend],
        options,
      );
      try {
        const started = await server.line(20_000);
        assert.ok(started.endsWith(`服务器已启动: ::1:${port}`), started);
        const conn = await deadline(Deno.connect({ hostname: "::1", port }), 20_000, "connect");
        assert.deepEqual(await readExactly(conn, HELLO.byteLength), HELLO);
        await writeAll(conn, new TextEncoder().encode("v6"));
        assert.deepEqual(await readExactly(conn, 2), new TextEncoder().encode("v6"));
        const peer = `[::1]:${(conn.localAddr as Deno.NetAddr).port}`;
        const lines = [await server.line(20_000), await server.line(20_000)];
        assert.deepEqual(lines, [`客户端链接成功: ${peer}`, `客户端 ${peer} 说:\t2  v6`]);
        conn.close();
      } finally {
        await server.kill();
      }
    });
  }
}
