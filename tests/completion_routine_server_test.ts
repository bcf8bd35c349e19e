/**
 * chapters/completion_routine_server.ts, a real process: 100 clients at once
 * (beyond any 64-socket limit), each getting exactly its own bytes back,
 * beside a silent client and one that resets mid-message; idle, it waits in
 * one alertable wait (nothing traced) and reads `WSAGetLastError()` only
 * after a call failed.
 */

import assert from "node:assert/strict";
import {
  connectWhenListening,
  freePort,
  GREETING,
  Program,
  readExactly,
  testBackends,
  writeAll,
} from "./_support.ts";
import { servesManyClients } from "./_chapter_servers.ts";

for (const backend of testBackends()) {
  Deno.test(`completion_routine_server [${backend}]: 100 clients at once each get their own bytes back; a silent and a resetting client disturb nobody`, async () => {
    await servesManyClients(
      "chapters/completion_routine_server.ts",
      "完成例程服务器已启动",
      backend,
      100,
    );
  });

  Deno.test(`completion_routine_server [${backend}]: idle, --trace prints nothing; WSAGetLastError() only after a failure`, async () => {
    const port = await freePort();
    const server = new Program("chapters/completion_routine_server.ts", [
      "--port",
      `${port}`,
      "--backend",
      backend,
      "--trace",
    ]);
    try {
      assert.equal(await server.line(30_000), `完成例程服务器已启动: 127.0.0.1:${port}`);
      const conn = await connectWhenListening(port);
      assert.deepEqual(
        await readExactly(conn, GREETING["utf-8"].length),
        new Uint8Array(GREETING["utf-8"]),
      );
      const hello = new TextEncoder().encode("你好");
      await writeAll(conn, hello);
      assert.deepEqual(await readExactly(conn, hello.byteLength), hello);
      conn.close();
      assert.match(await server.line(), /^客户端链接成功: /);
      assert.match(await server.line(), /说:\t6 {2}你好$/);
      assert.match(await server.line(), / 下线$/);
      await new Promise((r) => setTimeout(r, 1_500)); // idle
    } finally {
      await server.kill();
    }
    const trace = (await server.exit()).stderr.split("\n").filter((l) => l !== "");
    // Before: SleepEx(20, TRUE) = 0 forty times a second, idle.
    assert.ok(trace.length < 40, `${trace.length} lines traced:\n${trace.slice(-10).join("\n")}`);
    assert.deepEqual(trace.filter((l) => /^SleepEx\([1-9]\d*, TRUE\) = 0$/.test(l)), []);
    trace.forEach((line, i) => {
      if (line.startsWith("WSAGetLastError()")) {
        assert.match(trace[i - 1], /= (SOCKET_ERROR|FALSE)\b/, `after ${trace[i - 1]}`);
      }
    });
  });
}
