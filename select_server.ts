/**
 * The tutorial's next chapter: the select model, one thread serving many
 * clients. Where `server.ts` blocks in `accept` and then in `recv` for its
 * one client, this server asks `select` which sockets are ready and serves
 * exactly those: the listening socket (a client to accept), or a client
 * (a message to echo back, the client's close, or its error).
 *
 *     deno run --allow-net=127.0.0.1 --allow-ffi select_server.ts [--port 12345] [--encoding gbk]
 *
 * Each client gets the tutorial's greeting, so `client.ts` talks to it as to
 * `server.ts`. It serves until stopped (Ctrl+C); exit 1 on an error, 2 on a
 * bad flag. An `fd_set` holds at most 64 sockets (`FD_SETSIZE` on Windows):
 * the listening socket and 63 clients. A client beyond that is told so and
 * closed, instead of the C's silent `FD_SET` that leaves it unserved.
 *
 * @module
 */

import {
  AF_INET,
  FD_CLR,
  FD_SET,
  fd_set,
  FD_SETSIZE,
  HIBYTE,
  htons,
  inet_addr,
  inet_ntoa,
  INVALID_SOCKET,
  IPPROTO_TCP,
  LOBYTE,
  MAKEWORD,
  ntohs,
  sizeof,
  SOCK_STREAM,
  sockaddr_in,
  type SOCKET,
  SOCKET_ERROR,
  SOMAXCONN,
  timeval,
  WSADATA,
} from "./mod.ts";
import { tutorialOptions } from "./lib/cli.ts";
import { printLine } from "./lib/console.ts";
import { ChunkDecoder, encodeText } from "./lib/text.ts";
import { fail, failureLine, openForProgram, startupFailed } from "./lib/tutorial.ts";

const options = tutorialOptions("select_server.ts", "listen on");
const ws = openForProgram(options);

// 打开网络库
const wdSockMsg = new WSADATA();
const nRes = ws.WSAStartup(MAKEWORD(2, 2), wdSockMsg);
if (nRes !== 0) startupFailed(nRes);

// 校验版本
if (HIBYTE(wdSockMsg.wVersion) !== 2 || LOBYTE(wdSockMsg.wVersion) !== 2) {
  printLine(`版本不对: ${LOBYTE(wdSockMsg.wVersion)}.${HIBYTE(wdSockMsg.wVersion)}`);
  ws.WSACleanup(); // 清理网络库
  Deno.exit(1);
}

// 创建socket, 绑定, 监听: as in server.ts
const socketServer = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
if (socketServer === INVALID_SOCKET) fail(ws, "创建服务器socket失败", ws.WSAGetLastError());
const si = new sockaddr_in();
si.sin_family = AF_INET;
si.sin_port = htons(options.port);
si.sin_addr.S_un.S_addr = inet_addr(options.host);
if (SOCKET_ERROR === ws.bind(socketServer, si, sizeof(si))) {
  fail(ws, "绑定错误", ws.WSAGetLastError(), socketServer);
}
if (SOCKET_ERROR === ws.listen(socketServer, SOMAXCONN)) {
  fail(ws, "监听失败", ws.WSAGetLastError(), socketServer);
}
if (si.sin_addr.S_un.S_addr === 0) printLine("注意: 绑定在所有网络接口上 (0.0.0.0)");
printLine(`select 服务器已启动: ${options.host}:${options.port}`);

const greeting = encodeText("服务器链接成功\0", options.encoding);
const full = encodeText(
  `服务器已满: 一个 fd_set 最多 ${FD_SETSIZE} 个 socket\0`,
  options.encoding,
);

/** Each client's name (`ip:port`, from `getpeername`) and its text decoder. */
const clients = new Map<SOCKET, { name: string; text: ChunkDecoder }>();

// 所有的socket: the listening one, then the clients
const allSockets = new fd_set();
FD_SET(socketServer, allSockets);

/** `ip:port` of a connected socket, as `getpeername` says. */
function peerName(s: SOCKET): string {
  const peer = new sockaddr_in();
  if (ws.getpeername(s, peer, { value: sizeof(peer) }) === SOCKET_ERROR) {
    return `(getpeername: ${ws.WSAGetLastError()})`;
  }
  return `${inet_ntoa(peer.sin_addr)}:${ntohs(peer.sin_port)}`;
}

/** Takes a client out of the set and closes it. */
function drop(s: SOCKET): void {
  FD_CLR(s, allSockets);
  clients.delete(s);
  ws.closesocket(s);
}

async function acceptClient(): Promise<void> {
  const socketClient = await ws.accept(socketServer, null, null);
  if (socketClient === INVALID_SOCKET) {
    printLine(failureLine("客户端链接失败", ws.WSAGetLastError()));
    return;
  }
  const name = peerName(socketClient);
  if (allSockets.fd_count >= FD_SETSIZE) {
    // FD_SET would silently leave it out: this client would wait for ever.
    printLine(
      `客户端 ${name} 被拒绝: fd_set 已满 (FD_SETSIZE = ${FD_SETSIZE}, 含监听socket)。` +
        "更多客户端请用多线程、WSAEventSelect 或完成端口 (IOCP)。",
    );
    await ws.send(socketClient, full, full.byteLength, 0);
    ws.closesocket(socketClient);
    return;
  }
  FD_SET(socketClient, allSockets);
  clients.set(socketClient, { name, text: new ChunkDecoder(options.encoding) });
  printLine(`客户端链接成功: ${name}`);
  if (SOCKET_ERROR === await ws.send(socketClient, greeting, greeting.byteLength, 0)) {
    printLine(`客户端 ${name} ${failureLine("出错了", ws.WSAGetLastError())}`);
    drop(socketClient);
  }
}

async function serveClient(s: SOCKET): Promise<void> {
  const { name, text } = clients.get(s)!;
  const strBuf = new Uint8Array(1500);
  const nRecv = await ws.recv(s, strBuf, strBuf.byteLength, 0);
  if (nRecv === 0) { // 客户端下线
    printLine(`客户端 ${name} 下线`);
    drop(s);
  } else if (nRecv === SOCKET_ERROR) { // 强制下线 (10054) or another error
    printLine(`客户端 ${name} ${failureLine("出错了", ws.WSAGetLastError())}`);
    drop(s);
  } else {
    printLine(`客户端 ${name} 说:\t${nRecv}  ${text.decode(strBuf.subarray(0, nRecv))}`);
    if (SOCKET_ERROR === await ws.send(s, strBuf, nRecv, 0)) { // 回声: back to its sender
      printLine(`客户端 ${name} ${failureLine("出错了", ws.WSAGetLastError())}`);
      drop(s);
    }
  }
}

while (true) {
  const readSockets = new fd_set(); // select leaves only the ready ones: ask with a copy
  readSockets.fd_array.set(allSockets.fd_array);
  readSockets.fd_count = allSockets.fd_count;
  const st = new timeval();
  st.tv_sec = 3;
  const nSelect = await ws.select(0, readSockets, null, null, st);
  if (nSelect === 0) continue; // 3 秒内无响应
  if (nSelect === SOCKET_ERROR) {
    fail(ws, "select 出错了", ws.WSAGetLastError(), ...clients.keys(), socketServer);
  }
  for (const s of readSockets.fd_array.subarray(0, readSockets.fd_count)) {
    if (s === socketServer) await acceptClient();
    else await serveClient(s);
  }
}
