/**
 * Many clients at once, for the chapter servers (`chapters/`): connects `--count` clients
 * (all connected at the same time), has each send `--messages` messages of
 * its own and checks that exactly its own bytes come back, then closes them.
 *
 *     deno run --allow-net=127.0.0.1 --allow-ffi clients.ts [--count 60] [--messages 3]
 *
 * Prints one line per client that failed and a summary; exit 0 when every
 * byte came back to the client that sent it, 1 otherwise, 2 on a bad flag.
 *
 * @module
 */

import {
  INVALID_SOCKET,
  IPPROTO_TCP,
  MAKEWORD,
  sizeof,
  SOCK_STREAM,
  type SOCKET,
  SOCKET_ERROR,
  WSADATA,
} from "./mod.ts";
import { tutorialOptions } from "./lib/cli.ts";
import { addressFamily } from "./lib/names.ts";
import { printLine } from "./lib/console.ts";
import { ChunkDecoder, encodeText } from "./lib/text.ts";
import { failureLine, openForProgram, serverAddress, startupFailed } from "./lib/tutorial.ts";

const options = tutorialOptions("clients.ts", "connect to", {
  count: { default: 60, max: 10_000, help: "clients connected at once" },
  messages: { default: 3, max: 100_000, help: "messages each client sends" },
});
const ws = openForProgram(options);
const nRes = ws.WSAStartup(MAKEWORD(2, 2), new WSADATA());
if (nRes !== 0) startupFailed(nRes);

// --host: IPv4 as the tutorial fills it, IPv6 text, or a name through getaddrinfo
const serverMsg = await serverAddress(ws, options);
const greeting = encodeText("服务器链接成功\0", options.encoding);

/** A failure of one client: printed, and the run exits 1. */
class ClientFailed extends Error {}

function check(rc: number | bigint, failed: number | bigint, what: string): void {
  if (rc === failed) throw new ClientFailed(failureLine(what, ws.WSAGetLastError()));
}

/** Receives exactly `n` bytes (the peer's close before that is a failure). */
async function recvExactly(s: SOCKET, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  for (let got = 0; got < n;) {
    const res = await ws.recv(s, out.subarray(got), n - got, 0);
    check(res, SOCKET_ERROR, "recv 出错了");
    if (res === 0) throw new ClientFailed(`链接中断 after ${got} of ${n} bytes`);
    got += res;
  }
  return out;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i]);
}

async function connectClient(): Promise<SOCKET> {
  const s = ws.socket(addressFamily(serverMsg), SOCK_STREAM, IPPROTO_TCP);
  check(s, INVALID_SOCKET, "创建socket失败");
  check(await ws.connect(s, serverMsg, sizeof(serverMsg)), SOCKET_ERROR, "链接服务器失败");
  const hello = await recvExactly(s, greeting.byteLength);
  if (!same(hello, greeting)) { // e.g. a full server's refusal: print all it said
    const text = new ChunkDecoder(options.encoding);
    const rest = new Uint8Array(1500);
    const n = await ws.recv(s, rest, rest.byteLength, 0);
    throw new ClientFailed(`服务器说: ${text.decode(hello)}${text.decode(rest.subarray(0, n))}`);
  }
  return s;
}

async function talk(i: number, s: SOCKET): Promise<void> {
  for (let j = 0; j < options.messages; j++) {
    const message = encodeText(`客户端${i}的第${j}条消息`, options.encoding);
    check(await ws.send(s, message, message.byteLength, 0), SOCKET_ERROR, "send 出错了");
    const echo = await recvExactly(s, message.byteLength);
    if (!same(echo, message)) throw new ClientFailed(`message ${j} came back as other bytes`);
  }
}

/** Runs one phase for every client at once; returns the clients still good. */
async function phase<T>(
  items: T[],
  step: (item: T, i: number) => Promise<void>,
): Promise<number> {
  const results = await Promise.allSettled(items.map(step));
  let failed = 0;
  results.forEach((r, i) => {
    if (r.status === "fulfilled") return;
    failed++;
    const why = r.reason instanceof ClientFailed ? r.reason.message : String(r.reason);
    printLine(`客户端${i}: ${why}`);
  });
  return failed;
}

const sockets: SOCKET[] = new Array(options.count).fill(INVALID_SOCKET);
let failed = await phase(sockets, async (_, i) => {
  sockets[i] = await connectClient();
});
if (failed === 0) failed = await phase(sockets, (s, i) => talk(i, s));
for (const s of sockets) if (s !== INVALID_SOCKET) ws.closesocket(s);
ws.WSACleanup();

if (failed === 0) {
  printLine(
    `${options.count} 个客户端同时在线, 各收发 ${options.messages} 条消息: 每个字节都回到了发送者`,
  );
} else {
  printLine(`${failed} / ${options.count} 个客户端失败`);
}
Deno.exit(failed === 0 ? 0 : 1);
