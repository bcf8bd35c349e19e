/**
 * The tutorial's completion-routine chapter: each client's I/O is started
 * ahead with an overlapped `WSARecv`/`WSASend` carrying a completion
 * routine, and the one thread runs those routines in its alertable waits
 * (`SleepEx(…, TRUE)` returns `WAIT_IO_COMPLETION`). No events, no port, no
 * limit on clients but the system's.
 *
 *     deno run --allow-net=127.0.0.1 --allow-ffi chapters/completion_routine_server.ts [--port 12345] [--encoding gbk]
 *
 * Each client gets the tutorial's greeting; each message is printed with
 * the client's address and echoed back to it; a client that leaves or
 * resets is dropped. Between alertable waits the thread takes new clients
 * (`accept`, awaited). On winsock `SleepEx` is the real one and holds the
 * JavaScript thread for its 20 ms; on posix and deno the wait is the
 * `await`. Serves until stopped; exit 1 on an error, 2 on a bad flag.
 *
 * @module
 */

import {
  INVALID_SOCKET,
  IPPROTO_TCP,
  SOCK_STREAM,
  type SOCKET,
  SOCKET_ERROR,
  WSA_IO_PENDING,
  WSABUF,
  WSAOVERLAPPED,
} from "../mod.ts";
import { tutorialOptions } from "../lib/cli.ts";
import { printLine } from "../lib/console.ts";
import { ChunkDecoder, encodeText } from "../lib/text.ts";
import {
  bindAndListen,
  fail,
  failureLine,
  openForProgram,
  peerName,
  serverAddress,
  startWinsock,
} from "../lib/tutorial.ts";
import { addressFamily } from "../lib/names.ts";

const options = tutorialOptions("chapters/completion_routine_server.ts", "listen on");
const ws = openForProgram(options);

// 打开网络库, 校验版本
startWinsock(ws);

// 创建socket, 绑定, 监听
const si = await serverAddress(ws, options); // --host: IPv4 as the tutorial fills it, IPv6, a name
const socketServer = ws.WSASocket(addressFamily(si), SOCK_STREAM, IPPROTO_TCP, null, 0, 0x01);
if (socketServer === INVALID_SOCKET) fail(ws, "创建服务器socket失败", ws.WSAGetLastError());
bindAndListen(ws, socketServer, si);
printLine(`完成例程服务器已启动: ${options.host}:${options.port}`);

const greeting = encodeText("服务器链接成功\0", options.encoding);

/** One client: its socket, its receive, its sends in order. */
interface Client {
  s: SOCKET;
  name: string;
  text: ChunkDecoder;
  recvBuf: Uint8Array;
  recvOv: WSAOVERLAPPED;
  /** The send in flight (one at a time, so the bytes go out in order), and those waiting. */
  sending: WSAOVERLAPPED | null;
  queued: Uint8Array[];
  closed: boolean;
}
const clients = new Set<Client>();

function drop(c: Client, why: string): void {
  if (c.closed) return;
  printLine(why);
  c.closed = true;
  clients.delete(c);
  ws.closesocket(c.s); // its pending operations' routines run with 995, and are ignored
}

/** 完成例程 of a WSARecv: a message (echo it, receive the next), the close, or an error. */
function onRecv(c: Client, dwError: number, cbTransferred: number): void {
  if (c.closed) return;
  if (dwError !== 0) { // 强制下线 (10054), or another error
    drop(c, `客户端 ${c.name} ${failureLine("出错了", dwError)}`);
  } else if (cbTransferred === 0) { // 客户端下线
    drop(c, `客户端 ${c.name} 下线`);
  } else {
    const got = c.recvBuf.slice(0, cbTransferred);
    printLine(`客户端 ${c.name} 说:\t${cbTransferred}  ${c.text.decode(got)}`);
    postSend(c, got); // 回声
    postRecv(c);
  }
}

/** 完成例程 of a WSASend: the next one, if any. */
function onSend(c: Client, dwError: number): void {
  if (c.closed) return;
  if (dwError !== 0) return drop(c, `客户端 ${c.name} ${failureLine("出错了", dwError)}`);
  c.sending = null;
  const next = c.queued.shift();
  if (next) postSend(c, next);
}

/** 投递 WSARecv with its completion routine. */
function postRecv(c: Client): void {
  const rc = ws.WSARecv(
    c.s,
    [new WSABUF(c.recvBuf)],
    1,
    null,
    { value: 0 },
    c.recvOv,
    (dwError, cbTransferred) => onRecv(c, dwError, cbTransferred),
  );
  const err = ws.WSAGetLastError();
  if (rc === SOCKET_ERROR && err !== WSA_IO_PENDING) {
    drop(c, `客户端 ${c.name} ${failureLine("出错了", err)}`);
  }
}

/** 投递 WSASend with its completion routine: `bytes` go after whatever is being sent. */
function postSend(c: Client, bytes: Uint8Array): void {
  if (c.sending) {
    c.queued.push(bytes);
    return;
  }
  c.sending = new WSAOVERLAPPED();
  const rc = ws.WSASend(
    c.s,
    [new WSABUF(bytes)],
    1,
    null,
    0,
    c.sending,
    (dwError) => onSend(c, dwError),
  );
  const err = ws.WSAGetLastError();
  if (rc === SOCKET_ERROR && err !== WSA_IO_PENDING) {
    drop(c, `客户端 ${c.name} ${failureLine("出错了", err)}`);
  }
}

/** A new client: greet it, start its first receive. */
function welcome(socketClient: SOCKET): void {
  if (socketClient === INVALID_SOCKET) {
    printLine(failureLine("客户端链接失败", ws.WSAGetLastError()));
    return;
  }
  const c: Client = {
    s: socketClient,
    name: peerName(ws, socketClient, addressFamily(si)),
    text: new ChunkDecoder(options.encoding),
    recvBuf: new Uint8Array(1500),
    recvOv: new WSAOVERLAPPED(),
    sending: null,
    queued: [],
    closed: false,
  };
  clients.add(c);
  printLine(`客户端链接成功: ${c.name}`);
  postSend(c, greeting);
  postRecv(c);
}

// 主循环: take new clients (accept, awaited), then an alertable wait that runs the routines.
let accepting = ws.accept(socketServer, null, null);
let accepted: SOCKET | null = null;
const arrived = () => accepting.then((s) => accepted = s);
arrived();
while (true) {
  await new Promise((r) => setTimeout(r, 0)); // a turn for the event loop: accept, the reactor
  if (accepted !== null) {
    welcome(accepted);
    accepted = null;
    accepting = ws.accept(socketServer, null, null);
    arrived();
    continue;
  }
  await ws.SleepEx(20, true); // 0xC0 WAIT_IO_COMPLETION: routines ran; 0: 20 ms passed
}
