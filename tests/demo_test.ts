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

/** Runs demo.ts with `args`; its exit code, stdout lines and stderr. */
async function demo(...args: string[]): Promise<{ code: number; lines: string[]; stderr: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-run", "--allow-read", "--allow-net=127.0.0.1", "demo.ts", ...args],
    cwd: new URL("../", import.meta.url),
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code, lines: text(stdout).split("\n"), stderr: text(stderr) };
}

Deno.test("demo.ts --trace: both programs' calls, each labelled by side, among their lines", async () => {
  const { code, lines, stderr } = await demo("--trace");
  assert.equal(code, 0, stderr);
  const side = (label: string) =>
    lines.filter((l) => l.startsWith(`[${label}] trace: `)).map((l) =>
      l.slice(`[${label}] trace: `.length).replace(/\(0x[0-9a-f]+/, "(s").replace(
        / = 0x[0-9a-f]+$/,
        " = s",
      )
        .replace(/127\.0\.0\.1:\d+/, "addr")
    );
  assert.deepEqual(side("server").slice(1), [
    "socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = s",
    "bind(s, addr, 16) = 0",
    "listen(s, SOMAXCONN) = 0",
    "accept(s, addr, &16) = s",
    "send(s, buf, 22, 0) = 22",
    "recv(s, buf, 50, 0) = 18",
    "send(s, buf, 12, 0) = 12",
    "recv(s, buf, 50, 0) = 13",
    "send(s, buf, 6, 0) = 6",
    "recv(s, buf, 50, 0) = 0",
    "closesocket(s) = 0",
    "closesocket(s) = 0",
    "WSACleanup() = 0",
  ]);
  assert.deepEqual(side("client").slice(1), [
    "socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = s",
    "connect(s, addr, 16) = 0",
    "recv(s, buf, 50, 0) = 22",
    "send(s, buf, 18, 0) = 18",
    "recv(s, buf, 50, 0) = 12",
    "send(s, buf, 13, 0) = 13",
    "recv(s, buf, 50, 0) = 6",
    "closesocket(s) = 0",
    "WSACleanup() = 0",
  ]);
  assert.ok(lines.includes("[client] 服务器说:\t6  再见"));
});

Deno.test("demo.ts --help: the usage, exit 0; --backend foo: the usage once, exit 2", async () => {
  const help = await demo("--help");
  assert.equal(help.code, 0);
  assert.match(help.lines.join("\n"), /^Usage: deno task demo \[options\][^]*--trace/);
  const bad = await demo("--backend", "foo");
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr.match(/Usage:/g)?.length, 1, bad.stderr);
  assert.match(bad.stderr, /--backend: "foo" is not one of auto, winsock, posix, deno/);
});
