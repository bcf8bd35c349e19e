/**
 * clients.ts when not every client gets through: it says how many connected,
 * how many got their messages back and why the rest failed (each reason
 * once), and it never hangs.
 */

import assert from "node:assert/strict";
import { freePort, Program, testBackends, waitUntilBound } from "./_support.ts";

const REFUSED = "链接服务器失败: 10061 WSAECONNREFUSED: Connection refused. 连接被拒绝。";

for (const backend of testBackends()) {
  Deno.test(`clients.ts [${backend}]: no server: the reason once, with how many, exit 1`, async () => {
    const clients = new Program("clients.ts", ["--backend", backend, "--port", `${freePort()}`]);
    const { code, rest, stderr } = await clients.exit(30_000);
    assert.deepEqual(rest, [
      `60 个客户端 (客户端0等): ${REFUSED}`,
      "60 个客户端: 0 个连上了, 0 个收发了全部 3 条消息, 60 个失败",
    ]);
    assert.deepEqual([code, stderr], [1, ""]);
  });
}

Deno.test("clients.ts --count 70 against the select server (63 by design): 63 echoed, 7 told it is full", async () => {
  const port = freePort();
  const server = new Program("chapters/select_server.ts", ["--port", `${port}`]);
  try {
    await server.line(30_000); // started
    const clients = new Program("clients.ts", ["--port", `${port}`, "--count", "70"]);
    const { code, rest, stderr } = await clients.exit(60_000);
    assert.equal(rest.length, 2, rest.join("\n"));
    assert.match(
      rest[0],
      /^7 个客户端 \(客户端\d+等\): 服务器说: 服务器已满: 一个 fd_set 最多 64 个 socket$/,
    );
    assert.equal(rest[1], "70 个客户端: 63 个连上了, 63 个收发了全部 3 条消息, 7 个失败");
    assert.deepEqual([code, stderr], [1, ""]);
  } finally {
    await server.kill();
  }
});

Deno.test("clients.ts against server.ts (one client, no echo): ends with what happened, no hang", async () => {
  const port = freePort();
  const server = new Program("server.ts", ["--port", `${port}`]);
  try {
    await waitUntilBound(port, 15_000);
    const clients = new Program("clients.ts", ["--port", `${port}`, "--count", "3"]);
    const { code, rest, stderr } = await clients.exit(30_000);
    assert.equal(rest.length, 3, rest.join("\n"));
    const [greeting, summary, echo] = rest.toSorted(); // digits sort before 客
    assert.match(greeting, /^2 个客户端 \(客户端\d等\): 10 秒内没有收到问候 \(no answer\)$/);
    assert.match(echo, /^客户端\d: 10 秒内没有收到回声 \(no answer\)$/);
    assert.equal(summary, "3 个客户端: 1 个连上了, 0 个收发了全部 3 条消息, 3 个失败");
    assert.deepEqual([code, stderr], [1, ""]);
  } finally {
    await server.kill();
  }
});
