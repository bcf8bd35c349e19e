/**
 * The tutorial's own C programs (tests/peers/, built for Windows with mingw
 * in UTF-8 and GBK, run under Wine on real Winsock) talking to server.ts and
 * client.ts: the same conversation, byte for byte, from both sides.
 */

import assert from "node:assert/strict";
import { encodeText } from "../tutorial/text.ts";
import { deadline, freePort, Program, testBackends, waitUntilBound } from "./_support.ts";

/** The peers, as built by tools/wine/build-peers.sh, and how to start one. */
function peers(): {
  dir: string;
  command: (exe: string) => [string, string[]];
  env: Record<string, string>;
} | null {
  if (Deno.build.os === "windows") {
    const dir = Deno.env.get("WINSOCK_TS_PEERS");
    return dir ? { dir, command: (exe) => [exe, []], env: {} } : null;
  }
  const home = Deno.env.get("HOME") ?? "";
  const cache = Deno.env.get("WINSOCK_TS_CACHE") ??
    `${Deno.env.get("XDG_CACHE_HOME") ?? `${home}/.cache`}/winsock-ts`;
  const wine = ["/usr/lib/wine/wine64", "/usr/bin/wine64", "/usr/bin/wine"].find((w) => exists(w));
  if (!wine || !exists(`${cache}/peers`)) return null;
  return {
    dir: `${cache}/peers`,
    command: (exe) => [wine, [exe]],
    env: { WINEPREFIX: `${cache}/prefix`, WINEDEBUG: "-all", WINEDLLOVERRIDES: "mscoree,mshtml=" },
  };
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

const PEERS = peers();
// In CI the peers are always built (.ci/run sets up Wine first): missing ones fail there.
const ignore = PEERS === null && Deno.env.get("CI") !== "true";

/** Runs a C peer with all its stdin given up front; resolves with its exit code and lines. */
async function runPeer(name: string, encoding: "utf-8" | "gbk", port: number, input: string) {
  if (!PEERS) throw new Error("the C peers are not built: run bash tools/wine/setup.sh");
  const [cmd, pre] = PEERS.command(`${PEERS.dir}/${name}-${encoding}.exe`);
  const child = new Deno.Command(cmd, {
    args: [...pre, `${port}`],
    env: PEERS.env,
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(encodeText(input, encoding)); // its console speaks its charset
  await writer.close();
  const out = await deadline(child.output(), 20_000, `${name} to exit`);
  const lines = new TextDecoder(encoding).decode(out.stdout).split(/\r?\n/).filter((l) => l);
  return { code: out.code, lines };
}

const GREETING_BYTES = { "utf-8": 22, gbk: 15 };

for (const backend of testBackends()) {
  for (const encoding of ["utf-8", "gbk"] as const) {
    Deno.test({
      name: `interop [${backend}, ${encoding}]: server.ts ↔ the tutorial's C client`,
      ignore,
      async fn() {
        const port = freePort();
        const server = new Program("server.ts", [
          "--backend",
          backend,
          "--port",
          `${port}`,
          "--encoding",
          encoding,
        ]);
        try {
          await waitUntilBound(port);
          const client = runPeer("tutorial_client", encoding, port, "hello\n");
          assert.equal(await server.line(), "客户端链接成功");
          assert.equal(await server.line(), "客户端说:\t5  hello");
          await server.type("你好\n");
          assert.equal(await server.line(), "链接中断、客户端下线");
          const c = await client;
          assert.deepEqual(c.lines, [
            `服务器说:\t${GREETING_BYTES[encoding]}  服务器链接成功`,
            `服务器说:\t${encoding === "gbk" ? 4 : 6}  你好`,
          ]);
          assert.equal(c.code, 0);
          assert.equal((await server.exit()).code, 0);
        } finally {
          await server.kill();
        }
      },
    });

    Deno.test({
      name: `interop [${backend}, ${encoding}]: client.ts ↔ the tutorial's C server`,
      ignore,
      async fn() {
        const port = freePort();
        const server = runPeer("tutorial_server", encoding, port, "欢迎\n");
        await waitUntilBound(port);
        const client = new Program("client.ts", [
          "--backend",
          backend,
          "--port",
          `${port}`,
          "--encoding",
          encoding,
        ]);
        try {
          assert.equal(
            await client.line(),
            `服务器说:\t${GREETING_BYTES[encoding]}  服务器链接成功`,
          );
          await client.type("你好\n");
          assert.equal(await client.line(), `服务器说:\t${encoding === "gbk" ? 4 : 6}  欢迎`);
          const { code, rest } = await client.exit(); // stdin ends: the client leaves
          assert.deepEqual([code, rest], [0, []]);
          const s = await server;
          assert.deepEqual(s.lines, [
            "客户端链接成功",
            `客户端说:\t${encoding === "gbk" ? 4 : 6}  你好`,
            "链接中断、客户端下线",
          ]);
          assert.equal(s.code, 0);
        } finally {
          await client.kill();
        }
      },
    });
  }
}
