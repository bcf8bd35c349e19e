/**
 * Test support for the chapter servers (select, event select, asynchronous
 * select, overlapped, completion routines, IOCP): the same exercise for each, as a real process, with clients.ts (a
 * real process) connecting `count` clients at once, a silent client and one
 * that resets mid-message.
 */

import assert from "node:assert/strict";
import {
  AF_INET,
  IPPROTO_TCP,
  MAKEWORD,
  ntohs,
  openWinsock,
  sizeof,
  SO_LINGER,
  SOCK_STREAM,
  SOCKET_ERROR,
  SOL_SOCKET,
  WSADATA,
} from "../mod.ts";
import {
  connectWhenListening,
  freePort,
  GREETING,
  loopback,
  NATIVE_BACKEND,
  Program,
  readExactly,
  UNDER_WINE,
  writeAll,
} from "./_support.ts";

const encoder = new TextEncoder();
const HELLO = new Uint8Array(GREETING["utf-8"]);

/** Connects through the native backend, sends half a message, then resets (SO_LINGER {1, 0}). */
export async function resetMidMessage(port: number): Promise<number> {
  const ws = openWinsock({ backend: NATIVE_BACKEND });
  ws.WSAStartup(MAKEWORD(2, 2), new WSADATA());
  const s = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  const si = loopback(port);
  assert.equal(await ws.connect(s, si, sizeof(si)), 0, `connect: ${ws.WSAGetLastError()}`);
  const hello = new Uint8Array(HELLO.byteLength);
  let got = 0;
  while (got < hello.byteLength) {
    const n = await ws.recv(s, hello.subarray(got), hello.byteLength - got, 0);
    assert.ok(n > 0, `recv: ${n} ${ws.WSAGetLastError()}`);
    got += n;
  }
  const name = loopback();
  ws.getsockname(s, name, { value: sizeof(name) });
  const half = encoder.encode("半条消息").subarray(0, 7); // ends inside a character
  assert.equal(await ws.send(s, half, half.byteLength, 0), half.byteLength);
  await new Promise((r) => setTimeout(r, 100));
  const linger = new Uint8Array([1, 0, 0, 0]); // { l_onoff = 1, l_linger = 0 }: close resets
  assert.notEqual(ws.setsockopt(s, SOL_SOCKET, SO_LINGER, linger, 4), SOCKET_ERROR);
  ws.closesocket(s);
  ws.WSACleanup();
  return ntohs(name.sin_port);
}

/**
 * Runs `file` on `backend` and checks: `count` clients at once each get
 * exactly their own bytes back, the resetting one is dropped (10054), the
 * silent one is still served afterwards, every client's arrival and leaving
 * is printed with its address.
 */
export async function servesManyClients(
  file: string,
  startLine: string,
  backend: string,
  count: number,
  options: { read?: boolean } = {},
): Promise<void> {
  const port = await freePort();
  const server = new Program(file, ["--port", `${port}`, "--backend", backend], options);
  let silent: Deno.TcpConn | undefined;
  try {
    assert.equal(await server.line(30_000), `${startLine}: 127.0.0.1:${port}`);
    silent = await connectWhenListening(port);
    assert.deepEqual(await readExactly(silent, HELLO.byteLength), HELLO);
    const clients = new Program("clients.ts", [
      "--port",
      `${port}`,
      "--backend",
      backend,
      "--count",
      `${count}`,
      "--messages",
      "3",
    ]);
    const resetPort = await resetMidMessage(port);
    const ran = await clients.exit(120_000);
    assert.equal(ran.code, 0, ran.rest.join("\n") + ran.stderr);
    assert.deepEqual(ran.rest, [
      `${count} 个客户端同时在线, 各收发 3 条消息: 每个字节都回到了发送者`,
    ]);

    const peer = (line: string) => /127\.0\.0\.1:(\d+)/.exec(line)?.[1];
    const lines: string[] = [];
    while (lines.filter((l) => / 下线$| 出错了: /.test(l)).length < count + 1) {
      lines.push(await server.line(30_000));
    }
    const arrivals = lines.filter((l) => l.startsWith("客户端链接成功: 127.0.0.1:"));
    assert.equal(arrivals.length, count + 2, "the clients, the silent one and the resetting one");
    const said = new Map<string, string>();
    for (const line of lines) {
      const m = /^客户端 127\.0\.0\.1:(\d+) 说:\t(\d+) {2}(.*)$/.exec(line);
      if (m) said.set(m[1], (said.get(m[1]) ?? "") + m[3]);
    }
    const resetLine = lines.find((l) => peer(l) === `${resetPort}` && / 下线$| 出错了: /.test(l));
    assert.ok(resetLine, "the resetting client was dropped");
    if (UNDER_WINE && backend === "deno") assert.match(resetLine, / 下线$| 10054 /); // Wine: EOF
    else assert.match(resetLine, /出错了: 10054 WSAECONNRESET/);
    said.delete(`${resetPort}`);
    const seen = new Set<number>();
    for (const [port, text] of said) {
      const i = Number(/^客户端(\d+)的/.exec(text)?.[1]);
      const expected = [0, 1, 2].map((j) => `客户端${i}的第${j}条消息`).join("");
      assert.equal(text, expected, `what 127.0.0.1:${port} said`);
      seen.add(i);
    }
    assert.equal(seen.size, count, `each of the ${count} clients on its own connection`);

    const hello = encoder.encode("还在吗");
    await writeAll(silent, hello);
    assert.deepEqual(await readExactly(silent, hello.byteLength), hello);
  } finally {
    silent?.close();
    await server.kill();
  }
}
