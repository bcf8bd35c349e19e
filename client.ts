/**
 * The tutorial's TCP client, call for call: WSAStartup → version check →
 * socket → connect 127.0.0.1:12345 → then, in lockstep, recv 50 → print →
 * read one token from stdin → send it.
 *
 *     deno run --allow-net=127.0.0.1 --allow-ffi client.ts [--port 12345] [--encoding gbk]
 *
 * Where the C spins forever, this one ends: exit 0 when the server left or
 * stdin ended, 1 on an error, 2 on a bad flag.
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
  SOCKET_ERROR,
  WSADATA,
} from "./mod.ts";
import { hostAddress } from "./tutorial/addresses.ts";
import { tutorialOptions } from "./tutorial/cli.ts";
import { printLine, TokenReader } from "./tutorial/console.ts";
import { ChunkDecoder, consoleToWire } from "./tutorial/text.ts";
import { fail, finish, openForProgram, startupFailed } from "./tutorial/program.ts";

const options = tutorialOptions("client.ts", "connect to");
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

// 服务器地址: IPv4 (the tutorial's case) as the tutorial fills it; IPv6 text or a name via getaddrinfo
let serverMsg: SOCKADDR;
if (inet_addr(options.host) !== INADDR_NONE || options.host === "255.255.255.255") {
  const sin = new sockaddr_in();
  sin.sin_family = AF_INET;
  sin.sin_port = htons(options.port); // 转换成网络字节序
  sin.sin_addr.S_un.S_addr = inet_addr(options.host); // 服务器ip地址
  serverMsg = sin;
} else {
  const found = await hostAddress(ws, options.host, options.port, SOCK_STREAM);
  if (typeof found === "number") fail(ws, "找不到主机", found);
  serverMsg = found;
}

// 创建socket
const socketServer = ws.socket(addressFamily(serverMsg), SOCK_STREAM, IPPROTO_TCP);
if (socketServer === INVALID_SOCKET) fail(ws, "创建socket失败", ws.WSAGetLastError());

// 链接服务器

const cValue = await ws.connect(socketServer, serverMsg, sizeof(serverMsg));
if (cValue === SOCKET_ERROR) fail(ws, "链接服务器失败", ws.WSAGetLastError(), socketServer);

// 收发消息
const stdin = new TokenReader();
const text = new ChunkDecoder(options.encoding);
while (true) {
  const buf = new Uint8Array(1500);
  const res = await ws.recv(socketServer, buf, 50, 0);
  if (res === 0) { // 服务器下线，链接中断
    printLine("链接中断、服务器下线");
    break;
  } else if (res === SOCKET_ERROR) {
    fail(ws, "出错了", ws.WSAGetLastError(), socketServer);
  } else {
    printLine(`服务器说:\t${res}  ${text.decode(buf.subarray(0, res))}`);
  }

  const token = await stdin.next(); // scanf("%s", buf)
  if (token === null) break; // stdin ended
  const out = consoleToWire(token, options.encoding);
  if (SOCKET_ERROR === await ws.send(socketServer, out, out.byteLength, 0)) {
    fail(ws, "出错了", ws.WSAGetLastError(), socketServer);
  }
}

finish(ws, socketServer);
