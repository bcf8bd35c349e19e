/**
 * server.ts as a user sees it: a real process, a plain TCP client, the bytes
 * on the wire and the lines printed, on every backend and both encodings.
 */

import assert from "node:assert/strict";
import {
  connectAndReset,
  connectWhenListening,
  freePort,
  GREETING,
  Program,
  readEnd,
  readExactly,
  testBackends,
  UNDER_WINE,
  writeAll,
} from "./_support.ts";

/** Test-side text on the wire: hand-written GBK bytes, so tutorial/text.ts is not checking itself. */
const WIRE = {
  "utf-8": {
    你好: new TextEncoder().encode("你好"),
    好: new TextEncoder().encode("好"),
  },
  gbk: { 你好: new Uint8Array([0xc4, 0xe3, 0xba, 0xc3]), 好: new Uint8Array([0xba, 0xc3]) },
} as const;

const ascii = (s: string) => new TextEncoder().encode(s);

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

for (const backend of testBackends()) {
  for (const encoding of ["utf-8", "gbk"] as const) {
    Deno.test(`server.ts [${backend}, ${encoding}]: greeting, lockstep in 50-byte reads, split character, client leaves → exit 0`, async () => {
      const port = freePort();
      const server = new Program("server.ts", [
        "--backend",
        backend,
        "--port",
        `${port}`,
        "--encoding",
        encoding,
      ]);
      let conn: Deno.TcpConn | undefined;
      try {
        conn = await connectWhenListening(port);
        assert.deepEqual(
          [...await readExactly(conn, GREETING[encoding].length)],
          GREETING[encoding],
        );
        assert.equal(await server.line(), "客户端链接成功");

        await writeAll(conn, ascii("hello"));
        assert.equal(await server.line(), "客户端说:\t5  hello");
        await server.type("你好 extra\n"); // two tokens: one per turn, as scanf("%s")
        assert.deepEqual(await readExactly(conn, WIRE[encoding].你好.length), WIRE[encoding].你好);

        // 49 'a', then 好 straddling byte 50, then 60 'z': three reads of at most 50 bytes.
        const hao = WIRE[encoding].好;
        await writeAll(conn, concat(ascii("a".repeat(49)), hao, ascii("z".repeat(60))));
        assert.equal(await server.line(), `客户端说:\t50  ${"a".repeat(49)}`);
        assert.deepEqual(await readExactly(conn, 5), ascii("extra"));
        await server.type("one\n");
        assert.equal(await server.line(), `客户端说:\t50  好${"z".repeat(50 - (hao.length - 1))}`);
        assert.deepEqual(await readExactly(conn, 3), ascii("one"));
        const rest = 49 + hao.length + 60 - 100;
        await server.type("two\n");
        assert.equal(await server.line(), `客户端说:\t${rest}  ${"z".repeat(rest)}`);
        assert.deepEqual(await readExactly(conn, 3), ascii("two"));

        conn.close();
        conn = undefined;
        assert.equal(await server.line(), "链接中断、客户端下线");
        const { code, rest: more, stderr } = await server.exit();
        assert.deepEqual([code, more, stderr], [0, [], ""]);
      } finally {
        conn?.close();
        await server.kill();
      }
    });
  }

  Deno.test(`server.ts [${backend}]: stdin at EOF ends the conversation with exit 0`, async () => {
    const port = freePort();
    const server = new Program("server.ts", ["--backend", backend, "--port", `${port}`]);
    const conn = await connectWhenListening(port);
    try {
      await readExactly(conn, GREETING["utf-8"].length);
      assert.equal(await server.line(), "客户端链接成功");
      await writeAll(conn, ascii("bye"));
      assert.equal(await server.line(), "客户端说:\t3  bye");
      await server.endInput();
      assert.equal(await readEnd(conn), null, "the server closes the connection");
      const { code, rest, stderr } = await server.exit();
      assert.deepEqual([code, rest, stderr], [0, [], ""]);
    } finally {
      conn.close();
      await server.kill();
    }
  });

  Deno.test(`server.ts [${backend}]: bytes that are not text (invalid UTF-8, a NUL) are printed safely, and the lockstep goes on`, async () => {
    const port = freePort();
    const server = new Program("server.ts", ["--backend", backend, "--port", `${port}`]);
    const conn = await connectWhenListening(port);
    try {
      await readExactly(conn, GREETING["utf-8"].length);
      assert.equal(await server.line(), "客户端链接成功");
      await writeAll(conn, new Uint8Array([0xff, 0xfe, 0x41, 0xc3]));
      assert.equal(await server.line(), "客户端说:\t4  \ufffd\ufffdA"); // 0xc3 waits for its pair
      await server.type("ok\n");
      assert.deepEqual(await readExactly(conn, 2), ascii("ok"));
      await writeAll(conn, new Uint8Array([0x80, 0x42, 0x00, 0x43, 0xe4]));
      // 0xc3 (last read) and 0x80 make "À"; printf("%s") stops at the NUL
      assert.equal(await server.line(), "客户端说:\t5  ÀB");
      await server.type("again\n");
      assert.deepEqual(await readExactly(conn, 5), ascii("again"));
      conn.close();
      assert.equal(await server.line(), "链接中断、客户端下线");
      const { code, stderr } = await server.exit();
      assert.equal(code, 0);
      assert.equal(stderr, "");
    } finally {
      try {
        conn.close();
      } catch { /* closed above */ }
      await server.kill();
    }
  });

  Deno.test(`server.ts [${backend}]: a 64 KiB message arrives whole, in 50-byte reads, one per turn`, async () => {
    const port = freePort();
    const server = new Program("server.ts", ["--backend", backend, "--port", `${port}`]);
    const conn = await connectWhenListening(port);
    try {
      await readExactly(conn, GREETING["utf-8"].length);
      assert.equal(await server.line(), "客户端链接成功");
      const letters = "abcdefghijklmnopqrstuvwxyz";
      const message = Array.from({ length: 65536 }, (_, i) => letters[(i * 7 + (i >> 9)) % 26])
        .join("");
      const turns = Math.ceil(65536 / 50);
      await server.type("k\n".repeat(turns));
      await writeAll(conn, ascii(message));
      let received = "";
      for (let turn = 0; turn < turns; turn++) {
        const [, count, text] = /^客户端说:\t(\d+) {2}(.*)$/.exec(await server.line()) ?? [];
        assert.equal(Number(count), Math.min(50, 65536 - received.length), `turn ${turn}`);
        received += text;
      }
      assert.equal(received, message);
      assert.deepEqual(await readExactly(conn, turns), ascii("k".repeat(turns)));
      conn.close();
      assert.equal(await server.line(), "链接中断、客户端下线");
      assert.equal((await server.exit()).code, 0);
    } finally {
      try {
        conn.close();
      } catch { /* closed above */ }
      await server.kill();
    }
  });

  Deno.test(`server.ts [${backend}]: stdin closed from the start: first message printed, then exit 0`, async () => {
    const port = freePort();
    const server = new Program("server.ts", ["--backend", backend, "--port", `${port}`]);
    await server.endInput();
    const conn = await connectWhenListening(port);
    try {
      await readExactly(conn, GREETING["utf-8"].length);
      await writeAll(conn, ascii("hi"));
      assert.equal(await readEnd(conn), null);
      const { code, rest, stderr } = await server.exit();
      assert.deepEqual([code, rest, stderr], [0, ["客户端链接成功", "客户端说:\t2  hi"], ""]);
    } finally {
      conn.close();
      await server.kill();
    }
  });

  Deno.test(`server.ts [${backend}]: a taken port names 10048 WSAEADDRINUSE and exits 1`, async () => {
    const holder = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (holder.addr as Deno.NetAddr).port;
    const server = new Program("server.ts", ["--backend", backend, "--port", `${port}`]);
    try {
      const { code, rest, stderr } = await server.exit();
      assert.deepEqual(rest, [
        "绑定错误: 10048 WSAEADDRINUSE: Address already in use. 地址已被使用。",
        `提示: 127.0.0.1:${port} 已被占用 (another socket holds port ${port}: a server still ` +
        "running?): 先关掉它, 或用 --port 换一个端口",
      ]);
      assert.deepEqual([code, stderr], [1, ""]);
    } finally {
      holder.close();
      await server.kill();
    }
  });

  for (const after of testBackends()) {
    Deno.test(`server.ts [${backend}, then ${after}]: restarted at once while its old connection closes, it binds, as on Windows`, async () => {
      const port = freePort();
      const args = (b: string) => ["--backend", b, "--port", `${port}`];
      const first = new Program("server.ts", args(backend));
      let old: Deno.TcpConn | undefined = await connectWhenListening(port);
      let second: Program | undefined;
      let conn: Deno.TcpConn | undefined;
      try {
        await readExactly(old, GREETING["utf-8"].length);
        assert.equal(await first.line(), "客户端链接成功");
        await first.kill(); // Ctrl-C: the server's end closes first (FIN-WAIT-2, then TIME-WAIT)
        assert.equal(await readEnd(old), null);
        second = new Program("server.ts", args(after));
        conn = await connectWhenListening(port);
        assert.deepEqual([...await readExactly(conn, GREETING["utf-8"].length)], GREETING["utf-8"]);
        assert.equal(await second.line(), "客户端链接成功");
        old.close(); // and again with the old connection in TIME-WAIT
        old = undefined;
        conn.close();
        conn = undefined;
        assert.equal(await second.line(), "链接中断、客户端下线");
        assert.equal((await second.exit()).code, 0);
        const third = new Program("server.ts", args(after));
        try {
          conn = await connectWhenListening(port);
          assert.equal(await third.line(), "客户端链接成功");
        } finally {
          await third.kill();
        }
      } finally {
        old?.close();
        conn?.close();
        await first.kill();
        await second?.kill();
      }
    });
  }

  Deno.test({
    name: `server.ts [${backend}]: a client that resets names 10054 WSAECONNRESET and exits 1`,
    // Under Wine, Deno's own sockets see a reset as an orderly close (Wine consumes the error).
    ignore: backend === "deno" && UNDER_WINE,
    async fn() {
      const port = freePort();
      const server = new Program("server.ts", ["--backend", backend, "--port", `${port}`]);
      try {
        await connectAndReset(port, 300); // the greeting arrives and stays unread
        const { code, rest, stderr } = await server.exit();
        assert.deepEqual(rest, [
          "客户端链接成功",
          "出错了: 10054 WSAECONNRESET: Connection reset by peer. 连接被对方重置。",
        ]);
        assert.deepEqual([code, stderr], [1, ""]);
      } finally {
        await server.kill();
      }
    },
  });
}

Deno.test("server.ts: --port notaport prints usage and exits 2, no stack trace", async () => {
  const { code, rest, stderr } = await new Program("server.ts", ["--port", "notaport"]).exit();
  assert.equal(code, 2);
  assert.deepEqual(rest, []);
  assert.match(stderr, /--port: "notaport" is not a port \(1-65535\)/);
  assert.match(stderr, /Usage: deno run/);
  assert.doesNotMatch(stderr, /\bat .*:\d+:\d+/);
});

Deno.test("server.ts: --host 127,0,0,1 (the tutorial's typo) is refused with INADDR_NONE named", async () => {
  const { code, stderr } = await new Program("server.ts", ["--host", "127,0,0,1"]).exit();
  assert.equal(code, 2);
  assert.match(stderr, /INADDR_NONE/);
});

if (Deno.build.os !== "windows") {
  Deno.test("server.ts: --backend winsock without ws2_32.dll is one clear error, exit 1", async () => {
    const { code, rest, stderr } = await new Program("server.ts", ["--backend", "winsock"]).exit();
    assert.equal(code, 1);
    assert.deepEqual(rest, []);
    assert.match(stderr, /^Cannot load Winsock \(ws2_32\.dll\): there is no ws2_32\.dll on/);
    assert.doesNotMatch(stderr, /\bat .*:\d+:\d+/);
    assert.doesNotMatch(stderr, /(Could not open library: ){2}/, "Deno's words once, not twice");
  });
}
