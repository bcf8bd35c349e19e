/**
 * client.ts as a user sees it: a real process against a plain TCP server,
 * the bytes on the wire and the lines printed, on every backend.
 */

import assert from "node:assert/strict";
import { freePort, GREETING, Program, readExactly, testBackends, writeAll } from "./_support.ts";

const ascii = (s: string) => new TextEncoder().encode(s);
const NIHAO = {
  "utf-8": new TextEncoder().encode("你好"),
  gbk: new Uint8Array([0xc4, 0xe3, 0xba, 0xc3]),
};

for (const backend of testBackends()) {
  for (const encoding of ["utf-8", "gbk"] as const) {
    Deno.test(`client.ts [${backend}, ${encoding}]: greeting printed, tokens sent in lockstep, server leaves → exit 0`, async () => {
      const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const port = (listener.addr as Deno.NetAddr).port;
      const client = new Program("client.ts", [
        "--backend",
        backend,
        "--port",
        `${port}`,
        "--encoding",
        encoding,
      ]);
      try {
        const conn = await listener.accept();
        await writeAll(conn, new Uint8Array(GREETING[encoding]));
        assert.equal(
          await client.line(),
          `服务器说:\t${GREETING[encoding].length}  服务器链接成功`,
        );
        await client.type("你好\thi\n");
        assert.deepEqual(await readExactly(conn, NIHAO[encoding].length), NIHAO[encoding]);
        await writeAll(conn, ascii("x".repeat(70)));
        assert.equal(await client.line(), `服务器说:\t50  ${"x".repeat(50)}`);
        assert.deepEqual(await readExactly(conn, 2), ascii("hi"));
        await client.type("next ");
        assert.equal(await client.line(), `服务器说:\t20  ${"x".repeat(20)}`);
        assert.deepEqual(await readExactly(conn, 4), ascii("next"));
        conn.close();
        assert.equal(await client.line(), "链接中断、服务器下线");
        const { code, rest, stderr } = await client.exit();
        assert.deepEqual([code, rest, stderr], [0, [], ""]);
      } finally {
        listener.close();
        await client.kill();
      }
    });
  }

  Deno.test(`client.ts [${backend}]: a closed port names 10061 WSAECONNREFUSED and exits 1`, async () => {
    const client = new Program("client.ts", ["--backend", backend, "--port", `${freePort()}`]);
    const { code, rest, stderr } = await client.exit();
    assert.deepEqual(rest, [
      "链接服务器失败: 10061 WSAECONNREFUSED: Connection refused. 连接被拒绝。",
    ]);
    assert.deepEqual([code, stderr], [1, ""]);
  });
}

Deno.test("client.ts: --port 70000 prints usage and exits 2, no stack trace", async () => {
  const { code, stderr } = await new Program("client.ts", ["--port", "70000"]).exit();
  assert.equal(code, 2);
  assert.match(stderr, /--port: "70000" is not a port/);
  assert.doesNotMatch(stderr, /\bat .*:\d+:\d+/);
});

Deno.test("client.ts: an unknown flag prints usage and exits 2", async () => {
  const { code, stderr } = await new Program("client.ts", ["--colour"]).exit();
  assert.equal(code, 2);
  assert.match(stderr, /Usage: deno run/);
});

Deno.test("client.ts: where Deno's permissions refuse a host (10013), it says which flag to add", async () => {
  const client = new Program("client.ts", ["--backend", "deno", "--host", "nonsense.invalid"]);
  const { code, rest, stderr } = await client.exit();
  assert.deepEqual(rest, [
    "找不到主机: 10013 WSAEACCES: Permission denied. 权限被拒绝。",
    "提示: Deno 的权限不允许访问 nonsense.invalid: 加上 --allow-net=nonsense.invalid",
  ]);
  assert.deepEqual([code, stderr], [1, ""]);
});

Deno.test("client.ts: where Deno's permissions refuse the server's address, the flag names it", async () => {
  const client = new Program("client.ts", ["--backend", "deno", "--host", "127.0.0.2"]);
  const { code, rest } = await client.exit();
  assert.deepEqual(rest, [
    "链接服务器失败: 10013 WSAEACCES: Permission denied. 权限被拒绝。",
    "提示: Deno 的权限不允许访问 127.0.0.2: 加上 --allow-net=127.0.0.2",
  ]);
  assert.equal(code, 1);
});
