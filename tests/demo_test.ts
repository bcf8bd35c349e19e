/** `deno task demo`: both real processes, the whole conversation, in order, exit 0. */

import assert from "node:assert/strict";
import { testBackends } from "./_support.ts";

for (const backend of testBackends()) {
  Deno.test(`demo.ts [${backend}]: the scripted conversation from both sides`, async () => {
    const { code, stdout } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-run",
        "--allow-read",
        "--allow-net=127.0.0.1",
        "demo.ts",
        "--backend",
        backend,
      ],
      cwd: new URL("../", import.meta.url),
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "inherit",
    }).output();
    const lines = new TextDecoder().decode(stdout).split("\n").filter((l) => l.startsWith("["));
    assert.deepEqual(lines, [
      "[server] 客户端链接成功",
      "[client] 服务器说:\t22  服务器链接成功",
      "[server] 客户端说:\t18  你好，服务器",
      "[client] 服务器说:\t12  欢迎光临",
      "[server] 客户端说:\t13  hello,winsock",
      "[client] 服务器说:\t6  再见",
      "[server] 链接中断、客户端下线",
    ]);
    assert.equal(code, 0);
  });
}
