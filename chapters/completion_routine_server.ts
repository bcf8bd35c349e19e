/**
 * The tutorial's completion-routine chapter: each client has one overlapped
 * operation at a time, carrying a completion routine (the greeting's
 * `WSASend`, then a `WSARecv`, the `WSASend` of its echo from the same
 * buffer, the next `WSARecv`…), and the one thread runs those routines in
 * its alertable waits. No event per client, no port, no limit on clients
 * but the system's. The next receive is posted only once the echo is sent,
 * so a client that sends without reading holds one 1,500-byte buffer and
 * one pending send, never a queue that grows.
 *
 *     deno run --allow-net=127.0.0.1 --allow-ffi chapters/completion_routine_server.ts [--port 12345] [--encoding gbk]
 *
 * New clients come through `AcceptEx`, whose `hEvent` is the one event the
 * thread waits on: `WSAWaitForMultipleEvents(1, …, WSA_INFINITE, TRUE)`
 * ends with `WSA_WAIT_IO_COMPLETION` once routines ran, or with
 * `WSA_WAIT_EVENT_0` when a client arrived. After taking one, an alertable
 * `SleepEx(0, TRUE)` runs the routines that came meanwhile, so a stream of
 * arrivals never starves the clients already served. Idle, the thread
 * sleeps in the wait: no CPU spent, nothing traced. On winsock the waits
 * are the real ones and hold the JavaScript thread, as in C; on posix and
 * deno the wait is the `await`.
 *
 * Each client gets the tutorial's greeting; each message is printed with
 * the client's address and echoed back to it; a client that leaves or
 * resets is dropped. Out of descriptors (`WSAEMFILE`), the server says so
 * once and posts its next `AcceptEx` a little later, serving its clients
 * meanwhile. Serves until stopped; exit 1 on an error, 2 on a bad flag.
 *
 * @module
 */

import {
  addressFamily,
  formatAddress,
  INVALID_SOCKET,
  IPPROTO_TCP,
  sizeof,
  SO_UPDATE_ACCEPT_CONTEXT,
  SOCK_STREAM,
  type SOCKADDR,
  type SOCKET,
  SOCKET_ERROR,
  SOL_SOCKET,
  WSA_FLAG_OVERLAPPED,
  WSA_INFINITE,
  WSA_INVALID_EVENT,
  WSA_IO_PENDING,
  WSA_WAIT_EVENT_0,
  WSA_WAIT_IO_COMPLETION,
  WSA_WAIT_TIMEOUT,
  WSABUF,
  WSAOVERLAPPED,
} from "../mod.ts";
import { tutorialOptions } from "../tutorial/cli.ts";
import { printLine } from "../tutorial/console.ts";
import { ChunkDecoder, encodeText } from "../tutorial/text.ts";
import {
  AcceptFailures,
  bindAndListen,
  fail,
  failureLine,
  openForProgram,
  serverAddress,
  startWinsock,
  systemShort,
} from "../tutorial/program.ts";

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

/** One client: its socket, its buffer, its one operation at a time. */
interface Client {
  s: SOCKET;
  name: string;
  text: ChunkDecoder;
  buf: Uint8Array;
  ov: WSAOVERLAPPED;
  closed: boolean;
}

function drop(c: Client, why: string): void {
  if (c.closed) return;
  printLine(why);
  c.closed = true;
  ws.closesocket(c.s); // its pending operation's routine runs with 995, and is ignored
}

/** Drops `c` if posting its operation failed at once (done at once or later, its routine runs). */
function check(c: Client, rc: number): void {
  const err = rc === SOCKET_ERROR ? ws.WSAGetLastError() : 0;
  if (err !== 0 && err !== WSA_IO_PENDING) {
    drop(c, `客户端 ${c.name} ${failureLine("出错了", err)}`);
  }
}

/** 完成例程 of a WSARecv: a message (echo it), the close, or an error. */
function onRecv(c: Client, dwError: number, cbTransferred: number): void {
  if (c.closed) return;
  if (dwError !== 0) { // 强制下线 (10054), or another error
    drop(c, `客户端 ${c.name} ${failureLine("出错了", dwError)}`);
  } else if (cbTransferred === 0) { // 客户端下线
    drop(c, `客户端 ${c.name} 下线`);
  } else {
    const got = c.buf.subarray(0, cbTransferred);
    printLine(`客户端 ${c.name} 说:\t${cbTransferred}  ${c.text.decode(got)}`);
    postSend(c, got); // 回声; the next WSARecv once it is sent
  }
}

/** 完成例程 of a WSASend: the next receive. */
function onSend(c: Client, dwError: number): void {
  if (c.closed) return;
  if (dwError !== 0) return drop(c, `客户端 ${c.name} ${failureLine("出错了", dwError)}`);
  postRecv(c);
}

/** 投递 WSARecv with its completion routine. */
function postRecv(c: Client): void {
  const rc = ws.WSARecv(
    c.s,
    [new WSABUF(c.buf)],
    1,
    null,
    { value: 0 },
    c.ov,
    (dwError, cbTransferred) => onRecv(c, dwError, cbTransferred),
  );
  check(c, rc);
}

/** 投递 WSASend of `bytes` (the greeting, or an echo in the client's buffer) with its completion routine. */
function postSend(c: Client, bytes: Uint8Array): void {
  check(c, ws.WSASend(c.s, [new WSABUF(bytes)], 1, null, 0, c.ov, (dwError) => onSend(c, dwError)));
}

/** A new client: greet it (its first receive follows). */
function welcome(s: SOCKET, name: string): void {
  const c: Client = {
    s,
    name,
    text: new ChunkDecoder(options.encoding),
    buf: new Uint8Array(1500),
    ov: new WSAOVERLAPPED(),
    closed: false,
  };
  printLine(`客户端链接成功: ${c.name}`);
  postSend(c, greeting);
}

// 接受: AcceptEx into a socket made beforehand (no first data: a silent client is taken at once);
// its event is the one the main loop waits on.
/** AcceptEx's room for each address: `sizeof` the listener's address + 16. */
const ADDRESS_LENGTH = sizeof(si) + 16;
const acceptBuf = new Uint8Array(2 * ADDRESS_LENGTH);
const listenerBytes = new Uint8Array(new BigUint64Array([socketServer]).buffer);
const acceptOv = new WSAOVERLAPPED();
acceptOv.hEvent = ws.WSACreateEvent();
if (acceptOv.hEvent === WSA_INVALID_EVENT) {
  fail(ws, "WSACreateEvent 失败", ws.WSAGetLastError(), socketServer);
}
const acceptFailures = new AcceptFailures();
let socketClient: SOCKET = INVALID_SOCKET;

/**
 * 投递 AcceptEx: 0 when posted (its event is set when it is done), else the
 * milliseconds to wait before posting again (the system ran short).
 */
function postAccept(): number {
  socketClient = ws.WSASocket(
    addressFamily(si),
    SOCK_STREAM,
    IPPROTO_TCP,
    null,
    0,
    WSA_FLAG_OVERLAPPED,
  );
  let err = socketClient === INVALID_SOCKET ? ws.WSAGetLastError() : 0;
  if (
    err === 0 &&
    !ws.AcceptEx(
      socketServer,
      socketClient,
      acceptBuf,
      0,
      ADDRESS_LENGTH,
      ADDRESS_LENGTH,
      null,
      acceptOv,
    )
  ) {
    err = ws.WSAGetLastError();
    if (err === WSA_IO_PENDING) return 0;
    ws.closesocket(socketClient);
  }
  if (err === 0) return 0;
  if (!systemShort(err)) fail(ws, "AcceptEx 失败", err, socketServer);
  return acceptFailures.failed(err);
}

/** The AcceptEx is done: a client to welcome, or a failure; the milliseconds before the next. */
function accepted(): number {
  ws.WSAResetEvent(acceptOv.hEvent);
  if (!ws.WSAGetOverlappedResult(socketServer, acceptOv, { value: 0 }, false, { value: 0 })) {
    const err = ws.WSAGetLastError();
    ws.closesocket(socketClient);
    return acceptFailures.failed(err);
  }
  // The accepted socket takes the listener's properties (getpeername, shutdown) as accept's would.
  ws.setsockopt(socketClient, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT, listenerBytes, 8);
  const remote = { value: null as SOCKADDR | null };
  ws.GetAcceptExSockaddrs(
    acceptBuf,
    0,
    ADDRESS_LENGTH,
    ADDRESS_LENGTH,
    { value: null },
    { value: 0 },
    remote,
    { value: 0 },
  );
  welcome(socketClient, remote.value ? formatAddress(remote.value) : "(?)");
  return 0;
}

// 主循环: an alertable wait on the accept's event; the routines run inside it.
let pause = postAccept(); // 0: an AcceptEx is posted; else the milliseconds until the next try
let retryAt = Date.now() + pause;
while (true) {
  const ms = pause === 0 ? WSA_INFINITE : Math.max(0, retryAt - Date.now());
  const w = await ws.WSAWaitForMultipleEvents(1, [acceptOv.hEvent], false, ms, true);
  if (w === WSA_WAIT_IO_COMPLETION) continue; // 完成例程 ran
  if (w === WSA_WAIT_EVENT_0) {
    pause = accepted();
    await ws.SleepEx(0, true); // the routines that came meanwhile run before the next client
  } else if (w === WSA_WAIT_TIMEOUT) pause = 0; // time to try again
  else fail(ws, "WSAWaitForMultipleEvents 失败", ws.WSAGetLastError(), socketServer);
  if (pause === 0) pause = postAccept();
  retryAt = Date.now() + pause;
}
