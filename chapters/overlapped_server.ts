/**
 * The tutorial's overlapped-I/O chapter: clients are taken with `AcceptEx`
 * (an overlapped accept into a socket made beforehand; the addresses from
 * `GetAcceptExSockaddrs`), and each client's receive is started
 * ahead with an overlapped `WSARecv` into the client's own buffer, and the
 * server learns it finished from the operation itself:
 * `WSAGetOverlappedResult(…, fWait = TRUE, …)`, one wait per operation in
 * flight, so there is no 64-handle limit (`WSA_MAXIMUM_WAIT_EVENTS`) to
 * work around. Echoes go out with overlapped `WSASend`s, one at a time per
 * client so the bytes keep their order.
 *
 *     deno run --allow-net=127.0.0.1 --allow-ffi chapters/overlapped_server.ts [--port 12345] [--encoding gbk]
 *
 * Each client gets the tutorial's greeting; each message is printed with
 * the client's address and echoed back to it; a client that leaves or
 * resets is dropped. On winsock each wait is Windows' own (on a thread of
 * its own, the operation's `hEvent` being 0: the socket's handle is waited
 * on); on posix and deno the emulation completes the operation through the
 * reactor. Serves until stopped; exit 1 on an error, 2 on a bad flag.
 *
 * @module
 */

import {
  AF_INET,
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
  SO_UPDATE_ACCEPT_CONTEXT,
  SOCK_STREAM,
  type SOCKADDR,
  sockaddr_in,
  type SOCKET,
  SOCKET_ERROR,
  SOL_SOCKET,
  SOMAXCONN,
  WSA_FLAG_OVERLAPPED,
  WSA_IO_PENDING,
  WSABUF,
  WSADATA,
  WSAOVERLAPPED,
} from "../mod.ts";
import { tutorialOptions } from "../lib/cli.ts";
import { printLine } from "../lib/console.ts";
import { ChunkDecoder, encodeText } from "../lib/text.ts";
import { fail, failureLine, openForProgram, startupFailed } from "../lib/tutorial.ts";

const options = tutorialOptions("chapters/overlapped_server.ts", "listen on");
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
printLine(`重叠 I/O 服务器已启动: ${options.host}:${options.port}`);

const greeting = encodeText("服务器链接成功\0", options.encoding);

/** One client: its socket, its receive, its sends in order. */
interface Client {
  s: SOCKET;
  name: string;
  text: ChunkDecoder;
  recvBuf: Uint8Array;
  recvOv: WSAOVERLAPPED;
  /** Echoes not yet sent (one WSASend at a time keeps them in order). */
  queued: Uint8Array[];
  sending: boolean;
  closed: boolean;
}

/** AcceptEx's room for each address: `sizeof(sockaddr_in)` + 16. */
const ADDRESS_LENGTH = 32;

/** `ip:port`. */
function addressName(address: sockaddr_in): string {
  return `${inet_ntoa(address.sin_addr)}:${ntohs(address.sin_port)}`;
}

function drop(c: Client, why: string): void {
  if (c.closed) return;
  printLine(why);
  c.closed = true;
  ws.closesocket(c.s); // its pending operations complete with 995
}

/**
 * Waits for one overlapped operation: its byte count, or null when it
 * failed (the client dropped with the reason).
 */
async function finished(c: Client, ov: WSAOVERLAPPED): Promise<number | null> {
  const cb = { value: 0 }, flags = { value: 0 };
  if (await ws.WSAGetOverlappedResult(c.s, ov, cb, true, flags)) return cb.value;
  drop(c, `客户端 ${c.name} ${failureLine("出错了", ws.WSAGetLastError())}`);
  return null;
}

/** 投递 WSASend for each queued echo, in order, each waited for. */
async function sendQueued(c: Client): Promise<void> {
  if (c.sending) return;
  c.sending = true;
  for (let bytes = c.queued.shift(); bytes && !c.closed; bytes = c.queued.shift()) {
    const ov = new WSAOVERLAPPED();
    const rc = ws.WSASend(c.s, [new WSABUF(bytes)], 1, null, 0, ov, null);
    const err = ws.WSAGetLastError();
    if (rc === SOCKET_ERROR && err !== WSA_IO_PENDING) {
      drop(c, `客户端 ${c.name} ${failureLine("出错了", err)}`);
    } else await finished(c, ov); // done at once or later: its result either way
  }
  c.sending = false;
}

/** A client's life: greet, then receive (overlapped) and echo until it leaves. */
async function serve(socketClient: SOCKET, name: string): Promise<void> {
  const c: Client = {
    s: socketClient,
    name,
    text: new ChunkDecoder(options.encoding),
    recvBuf: new Uint8Array(1500),
    recvOv: new WSAOVERLAPPED(),
    queued: [greeting],
    sending: false,
    closed: false,
  };
  printLine(`客户端链接成功: ${c.name}`);
  sendQueued(c);
  while (!c.closed) {
    // 投递 WSARecv
    const rc = ws.WSARecv(c.s, [new WSABUF(c.recvBuf)], 1, null, { value: 0 }, c.recvOv, null);
    const err = ws.WSAGetLastError();
    if (rc === SOCKET_ERROR && err !== WSA_IO_PENDING) {
      return drop(c, `客户端 ${c.name} ${failureLine("出错了", err)}`);
    }
    const n = await finished(c, c.recvOv);
    if (n === null) return;
    if (n === 0) return drop(c, `客户端 ${c.name} 下线`); // 客户端下线
    const got = c.recvBuf.slice(0, n);
    printLine(`客户端 ${c.name} 说:\t${n}  ${c.text.decode(got)}`);
    c.queued.push(got); // 回声
    sendQueued(c);
  }
}

// 主循环: AcceptEx 投递一个接受 (no first data: a silent client is taken at once), wait for it,
// then serve the new client on its own (its operations in flight, waited for one by one).
const acceptBuf = new Uint8Array(2 * ADDRESS_LENGTH);
const listenerBytes = new Uint8Array(new BigUint64Array([socketServer]).buffer);
while (true) {
  const socketClient = ws.WSASocket(
    AF_INET,
    SOCK_STREAM,
    IPPROTO_TCP,
    null,
    0,
    WSA_FLAG_OVERLAPPED,
  );
  if (socketClient === INVALID_SOCKET) {
    fail(ws, "创建客户端socket失败", ws.WSAGetLastError(), socketServer);
  }
  const acceptOv = new WSAOVERLAPPED();
  const cb = { value: 0 }, flags = { value: 0 };
  if (
    !ws.AcceptEx(
      socketServer,
      socketClient,
      acceptBuf,
      0,
      ADDRESS_LENGTH,
      ADDRESS_LENGTH,
      cb,
      acceptOv,
    ) &&
    ws.WSAGetLastError() !== WSA_IO_PENDING
  ) {
    fail(ws, "AcceptEx 失败", ws.WSAGetLastError(), socketClient, socketServer);
  }
  if (!await ws.WSAGetOverlappedResult(socketServer, acceptOv, cb, true, flags)) {
    printLine(failureLine("客户端链接失败", ws.WSAGetLastError()));
    ws.closesocket(socketClient);
    continue;
  }
  // The accepted socket takes the listener's properties (getpeername, shutdown) as accept's would.
  ws.setsockopt(socketClient, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT, listenerBytes, 8);
  const local = { value: null as SOCKADDR | null }, remote = { value: null as SOCKADDR | null };
  ws.GetAcceptExSockaddrs(
    acceptBuf,
    0,
    ADDRESS_LENGTH,
    ADDRESS_LENGTH,
    local,
    { value: 0 },
    remote,
    { value: 0 },
  );
  serve(socketClient, remote.value instanceof sockaddr_in ? addressName(remote.value) : "(?)");
}
