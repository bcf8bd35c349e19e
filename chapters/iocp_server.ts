/**
 * The tutorial's completion-port chapter: one port, a few waiters on it
 * ("worker threads", one per core), and every client's I/O started ahead
 * with an overlapped `WSARecv`/`WSASend`; the port says which operation
 * finished, for which client (the completion key), with how many bytes.
 *
 *     deno run --allow-net=127.0.0.1 --allow-ffi chapters/iocp_server.ts [--port 12345] [--encoding gbk]
 *
 * Each client gets the tutorial's greeting; each message is printed with
 * the client's address and echoed back to it; a client that leaves or
 * resets is dropped. No limit on clients but the system's. The waiters are
 * `GetQueuedCompletionStatus` calls awaited on the JavaScript thread (on
 * winsock each waits in Windows' own port, on its own thread); the I/O is
 * started from the same thread. Serves until stopped; exit 1 on an error,
 * 2 on a bad flag.
 *
 * @module
 */

import {
  AF_INET,
  HIBYTE,
  htons,
  inet_addr,
  inet_ntoa,
  INFINITE,
  INVALID_HANDLE_VALUE,
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
  WSA_IO_PENDING,
  WSABUF,
  WSADATA,
  WSAOVERLAPPED,
} from "../mod.ts";
import { tutorialOptions } from "../lib/cli.ts";
import { printLine } from "../lib/console.ts";
import { ChunkDecoder, encodeText } from "../lib/text.ts";
import { fail, failureLine, openForProgram, startupFailed } from "../lib/tutorial.ts";

const options = tutorialOptions("chapters/iocp_server.ts", "listen on");
const ws = openForProgram(options);

// 打开网络库, 校验版本
const wdSockMsg = new WSADATA();
const nRes = ws.WSAStartup(MAKEWORD(2, 2), wdSockMsg);
if (nRes !== 0) startupFailed(nRes);
if (HIBYTE(wdSockMsg.wVersion) !== 2 || LOBYTE(wdSockMsg.wVersion) !== 2) {
  printLine(`版本不对: ${LOBYTE(wdSockMsg.wVersion)}.${HIBYTE(wdSockMsg.wVersion)}`);
  ws.WSACleanup();
  Deno.exit(1);
}

// 创建完成端口
const hPort = ws.CreateIoCompletionPort(INVALID_HANDLE_VALUE, null, 0n, 0);
if (hPort === null) fail(ws, "创建完成端口失败", ws.GetLastError());

// 创建socket, 绑定, 监听
const socketServer = ws.WSASocket(AF_INET, SOCK_STREAM, IPPROTO_TCP, null, 0, 0x01);
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
printLine(`IOCP 服务器已启动: ${options.host}:${options.port}`);

const greeting = encodeText("服务器链接成功\0", options.encoding);

/** One client: its socket (the completion key), its receive, its sends in order. */
interface Client {
  s: SOCKET;
  name: string;
  text: ChunkDecoder;
  recvBuf: Uint8Array;
  recvOv: WSAOVERLAPPED;
  /** The send in flight (one at a time, so the bytes go out in order), and those waiting. */
  sending: WSAOVERLAPPED | null;
  queued: Uint8Array[];
}
const clients = new Map<SOCKET, Client>();

function peerName(s: SOCKET): string {
  const peer = new sockaddr_in();
  if (ws.getpeername(s, peer, { value: sizeof(peer) }) === SOCKET_ERROR) {
    return `(getpeername: ${ws.WSAGetLastError()})`;
  }
  return `${inet_ntoa(peer.sin_addr)}:${ntohs(peer.sin_port)}`;
}

function drop(c: Client, why: string): void {
  if (clients.get(c.s) !== c) return;
  printLine(why);
  clients.delete(c.s);
  ws.closesocket(c.s); // its pending operations complete with 995, reaped by the waiters
}

/** 投递 WSARecv: the next message lands in `recvBuf`. */
function postRecv(c: Client): void {
  const rc = ws.WSARecv(c.s, [new WSABUF(c.recvBuf)], 1, null, { value: 0 }, c.recvOv, null);
  const err = ws.WSAGetLastError();
  if (rc === SOCKET_ERROR && err !== WSA_IO_PENDING) {
    drop(c, `客户端 ${c.name} ${failureLine("出错了", err)}`);
  }
}

/** 投递 WSASend: `bytes` go after whatever is being sent. */
function postSend(c: Client, bytes: Uint8Array): void {
  if (c.sending) {
    c.queued.push(bytes);
    return;
  }
  c.sending = new WSAOVERLAPPED();
  const rc = ws.WSASend(c.s, [new WSABUF(bytes)], 1, null, 0, c.sending, null);
  const err = ws.WSAGetLastError();
  if (rc === SOCKET_ERROR && err !== WSA_IO_PENDING) {
    drop(c, `客户端 ${c.name} ${failureLine("出错了", err)}`);
  }
}

/** One "worker thread": takes completions off the port until told to stop. */
async function worker(): Promise<void> {
  for (;;) {
    const bytes = { value: 0 }, key = { value: 0n }, ov = { value: null as WSAOVERLAPPED | null };
    const ok = await ws.GetQueuedCompletionStatus(hPort!, bytes, key, ov, INFINITE);
    if (!ok && ov.value === null) {
      fail(ws, "GetQueuedCompletionStatus 出错了", ws.GetLastError(), socketServer);
    }
    const c = clients.get(key.value);
    if (!c || (ov.value !== c.recvOv && ov.value !== c.sending)) continue; // a dropped client's
    if (!ok) { // 强制下线 (10054), or another error
      drop(c, `客户端 ${c.name} ${failureLine("出错了", ws.GetLastError())}`);
    } else if (ov.value === c.sending) { // 发送完成: the next one, if any
      c.sending = null;
      const next = c.queued.shift();
      if (next) postSend(c, next);
    } else if (bytes.value === 0) { // 客户端下线
      drop(c, `客户端 ${c.name} 下线`);
    } else {
      const got = c.recvBuf.slice(0, bytes.value);
      printLine(`客户端 ${c.name} 说:\t${bytes.value}  ${c.text.decode(got)}`);
      postSend(c, got); // 回声
      postRecv(c);
    }
  }
}

const workers = Math.max(2, navigator.hardwareConcurrency);
for (let i = 0; i < workers; i++) worker();

// 主线程: accept, 绑定到完成端口 (key: the socket), 投递第一个 WSARecv, 发送问候
while (true) {
  const socketClient = await ws.accept(socketServer, null, null);
  if (socketClient === INVALID_SOCKET) {
    printLine(failureLine("客户端链接失败", ws.WSAGetLastError()));
    continue;
  }
  const name = peerName(socketClient);
  if (ws.CreateIoCompletionPort(socketClient, hPort, socketClient, 0) === null) {
    printLine(`客户端 ${name} ${failureLine("绑定完成端口失败", ws.GetLastError())}`);
    ws.closesocket(socketClient);
    continue;
  }
  const c: Client = {
    s: socketClient,
    name,
    text: new ChunkDecoder(options.encoding),
    recvBuf: new Uint8Array(1500),
    recvOv: new WSAOVERLAPPED(),
    sending: null,
    queued: [],
  };
  clients.set(socketClient, c);
  printLine(`客户端链接成功: ${name}`);
  postSend(c, greeting);
  postRecv(c);
}
