/**
 * The tutorial's TCP server (基于TCP/IP协议的C/S模型), call for call:
 * WSAStartup → version check → socket → bind 127.0.0.1:12345 →
 * listen(SOMAXCONN) → accept → send the greeting → then, in lockstep,
 * recv 50 → print → read one token from stdin → send it.
 *
 *     deno run --allow-net=127.0.0.1 --allow-ffi server.ts [--port 12345] [--encoding gbk]
 *
 * Where the C spins forever (a client that left, a failed recv), this one
 * ends: exit 0 when the client left or stdin ended, 1 on an error, 2 on a
 * bad flag.
 *
 * @module
 */

import {
  addressFamily,
  AF_INET,
  HIBYTE,
  htons,
  INADDR_NONE,
  inet_addr,
  INVALID_SOCKET,
  IPPROTO_TCP,
  LOBYTE,
  MAKEWORD,
  sizeof,
  SOCK_STREAM,
  type SOCKADDR,
  sockaddr_in,
  sockaddr_in6,
  SOCKET_ERROR,
  SOMAXCONN,
  WSADATA,
} from "./mod.ts";
import { hostAddress } from "./tutorial/addresses.ts";
import { tutorialOptions } from "./tutorial/cli.ts";
import { printLine, TokenReader } from "./tutorial/console.ts";
import { ChunkDecoder, consoleToWire, encodeText } from "./tutorial/text.ts";
import {
  allInterfacesNote,
  fail,
  finish,
  openForProgram,
  startupFailed,
} from "./tutorial/program.ts";

const options = tutorialOptions("server.ts", "listen on");
const ws = openForProgram(options);

// 打开网络库
const wdVersion = MAKEWORD(2, 2);
const wdSockMsg = new WSADATA();
const nRes = ws.WSAStartup(wdVersion, wdSockMsg);
if (nRes !== 0) startupFailed(nRes);

// 校验版本
if (HIBYTE(wdSockMsg.wVersion) !== 2 || LOBYTE(wdSockMsg.wVersion) !== 2) {
  printLine(`版本不对: ${LOBYTE(wdSockMsg.wVersion)}.${HIBYTE(wdSockMsg.wVersion)}`);
  ws.WSACleanup(); // 清理网络库
  Deno.exit(1);
}

// 地址: IPv4 (the tutorial's case) as the tutorial fills it; IPv6 text or a name via getaddrinfo
let si: SOCKADDR;
if (inet_addr(options.host) !== INADDR_NONE || options.host === "255.255.255.255") {
  const sin = new sockaddr_in();
  sin.sin_family = AF_INET; // 地址类型
  sin.sin_port = htons(options.port); // 端口
  sin.sin_addr.S_un.S_addr = inet_addr(options.host); // ip地址
  si = sin;
} else {
  const found = await hostAddress(ws, options.host, options.port, SOCK_STREAM);
  if (typeof found === "number") fail(ws, "找不到主机", found);
  si = found;
}

// 创建socket
const socketServer = ws.socket(addressFamily(si), SOCK_STREAM, IPPROTO_TCP);
if (socketServer === INVALID_SOCKET) fail(ws, "创建服务器socket失败", ws.WSAGetLastError());

if (SOCKET_ERROR === ws.bind(socketServer, si, sizeof(si))) {
  fail(ws, "绑定错误", ws.WSAGetLastError(), socketServer);
}

// 开始监听
if (SOCKET_ERROR === ws.listen(socketServer, SOMAXCONN)) {
  fail(ws, "监听失败", ws.WSAGetLastError(), socketServer);
}
const note = allInterfacesNote(si); // 0.0.0.0 or ::
if (note) printLine(note);

// 创建客户端
const clientMsg = addressFamily(si) === AF_INET ? new sockaddr_in() : new sockaddr_in6(); // 客户端信息
const len = { value: sizeof(clientMsg) };
const socketClient = await ws.accept(socketServer, clientMsg, len);
if (socketClient === INVALID_SOCKET) fail(ws, "客户端链接失败", ws.WSAGetLastError(), socketServer);
printLine("客户端链接成功");

// 收发消息: the greeting goes with its NUL, as sizeof("服务器链接成功") counts it
const greeting = encodeText("服务器链接成功\0", options.encoding);
const sValue = await ws.send(socketClient, greeting, greeting.byteLength, 0);
if (sValue === SOCKET_ERROR) fail(ws, "出错了", ws.WSAGetLastError(), socketClient, socketServer);

const stdin = new TokenReader();
const text = new ChunkDecoder(options.encoding);
while (true) {
  const buf = new Uint8Array(1500);
  const res = await ws.recv(socketClient, buf, 50, 0);
  if (res === 0) { // 客户端下线，链接中断
    printLine("链接中断、客户端下线");
    break;
  } else if (res === SOCKET_ERROR) {
    fail(ws, "出错了", ws.WSAGetLastError(), socketClient, socketServer);
  } else {
    printLine(`客户端说:\t${res}  ${text.decode(buf.subarray(0, res))}`);
  }

  const token = await stdin.next(); // scanf("%s", buf)
  if (token === null) break; // stdin ended
  const out = consoleToWire(token, options.encoding);
  if (SOCKET_ERROR === await ws.send(socketClient, out, out.byteLength, 0)) {
    fail(ws, "出错了", ws.WSAGetLastError(), socketClient, socketServer);
  }
}

finish(ws, socketServer, socketClient);
