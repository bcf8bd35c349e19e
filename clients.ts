/**
 * Many clients at once, for the chapter servers (`chapters/`): connects `--count` clients
 * (all connected at the same time), has each send `--messages` messages of
 * its own and checks that exactly its own bytes come back, then closes them.
 *
 *     deno run --allow-net=127.0.0.1 --allow-ffi clients.ts [--count 60] [--messages 3]
 *
 * Clients that connect talk even when others could not (a server full by design, such as
 * the select server's 63). A client waits at most 10 s for each answer, so a server that
 * accepts but never answers (`server.ts`, busy with its one client) cannot hang it. Prints
 * each reason clients failed once, with how many, then how many connected and how many got
 * every message back; exit 0 when every byte came back to the client that sent it, 1
 * otherwise, 2 on a bad flag.
 *
 * @module
 */

import {
  addressFamily,
  INVALID_SOCKET,
  IPPROTO_TCP,
  MAKEWORD,
  sizeof,
  SOCK_STREAM,
  type SOCKET,
  SOCKET_ERROR,
  WSADATA,
} from "./mod.ts";
import { tutorialOptions } from "./tutorial/cli.ts";
import { printLine } from "./tutorial/console.ts";
import { ChunkDecoder, encodeText } from "./tutorial/text.ts";
import { failureLine, openForProgram, serverAddress, startupFailed } from "./tutorial/program.ts";

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

/** A failure of one client: counted by its reason, and the run exits 1. */
class ClientFailed extends Error {}

/** How long a client waits for one answer (the greeting, an echo) before it gives up. */
const ANSWER_MS = 10_000;

function check(rc: number | bigint, failed: number | bigint, what: string): void {
  if (rc === failed) throw new ClientFailed(failureLine(what, ws.WSAGetLastError()));
}

/**
 * `call` on `s`, or, when no answer comes within `ANSWER_MS`, a failure saying what was awaited
 * (the socket is closed, which ends the call: a server that accepted but never answers, such
 * as `server.ts` busy with its one client, cannot hang the run).
 */
async function answered<T>(s: SOCKET, call: Promise<T>, awaited: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      closed.add(s);
      ws.closesocket(s);
      reject(new ClientFailed(`${ANSWER_MS / 1000} 秒内没有收到${awaited} (no answer)`));
    }, ANSWER_MS);
  });
  try {
    return await Promise.race([call, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Receives exactly `n` bytes (the peer's close before that is a failure). */
async function recvExactly(s: SOCKET, n: number, awaited: string): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  for (let got = 0; got < n;) {
    const res = await answered(s, ws.recv(s, out.subarray(got), n - got, 0), awaited);
    check(res, SOCKET_ERROR, "recv 出错了");
    if (res === 0) throw new ClientFailed(`${awaited}时链接中断 (the server closed)`);
    got += res;
  }
  return out;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i]);
}

async function connectClient(i: number): Promise<void> {
  const s = ws.socket(addressFamily(serverMsg), SOCK_STREAM, IPPROTO_TCP);
  check(s, INVALID_SOCKET, "创建socket失败");
  sockets[i] = s;
  check(
    await answered(s, ws.connect(s, serverMsg, sizeof(serverMsg)), "连接的应答"),
    SOCKET_ERROR,
    "链接服务器失败",
  );
  const hello = await recvExactly(s, greeting.byteLength, "问候");
  if (!same(hello, greeting)) { // e.g. a full server's refusal: print all it said
    const text = new ChunkDecoder(options.encoding);
    const rest = new Uint8Array(1500);
    const n = await answered(s, ws.recv(s, rest, rest.byteLength, 0), "问候");
    const said = text.decode(hello) + (n > 0 ? text.decode(rest.subarray(0, n)) : "");
    throw new ClientFailed(`服务器说: ${said}`);
  }
}

async function talk(i: number): Promise<void> {
  const s = sockets[i];
  for (let j = 0; j < options.messages; j++) {
    const message = encodeText(`客户端${i}的第${j}条消息`, options.encoding);
    check(await ws.send(s, message, message.byteLength, 0), SOCKET_ERROR, "send 出错了");
    const echo = await recvExactly(s, message.byteLength, "回声");
    if (!same(echo, message)) throw new ClientFailed(`message ${j} came back as other bytes`);
  }
}

/** Runs `step` for each client at once; returns those it succeeded for, counts the failures. */
async function phase(clients: number[], step: (i: number) => Promise<void>): Promise<number[]> {
  const results = await Promise.allSettled(clients.map(step));
  results.forEach((r, k) => {
    if (r.status === "fulfilled") return;
    if (!(r.reason instanceof ClientFailed)) throw r.reason;
    const first = reasons.get(r.reason.message);
    if (first) first.count++;
    else reasons.set(r.reason.message, { count: 1, client: clients[k] });
  });
  return clients.filter((_, k) => results[k].status === "fulfilled");
}

const sockets: SOCKET[] = new Array(options.count).fill(INVALID_SOCKET);
const closed = new Set<SOCKET>();
/** Each reason a client failed, once, with how many failed so and the first of them. */
const reasons = new Map<string, { count: number; client: number }>();
const connected = await phase([...sockets.keys()], connectClient);
const echoed = await phase(connected, talk); // the clients that did connect still talk
for (const s of sockets) if (s !== INVALID_SOCKET && !closed.has(s)) ws.closesocket(s);
ws.WSACleanup();

if (echoed.length === options.count) {
  printLine(
    `${options.count} 个客户端同时在线, 各收发 ${options.messages} 条消息: 每个字节都回到了发送者`,
  );
  Deno.exit(0);
}
for (const [why, { count, client }] of reasons) {
  printLine(
    count === 1 ? `客户端${client}: ${why}` : `${count} 个客户端 (客户端${client}等): ${why}`,
  );
}
printLine(
  `${options.count} 个客户端: ${connected.length} 个连上了, ${echoed.length} 个收发了全部 ` +
    `${options.messages} 条消息, ${options.count - echoed.length} 个失败`,
);
Deno.exit(1);
