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
  AF_INET,
  HIBYTE,
  htons,
  inet_addr,
  INVALID_SOCKET,
  IPPROTO_TCP,
  LOBYTE,
  MAKEWORD,
  sizeof,
  SOCK_STREAM,
  sockaddr_in,
  SOCKET_ERROR,
  WSADATA,
} from "./mod.ts";
import { tutorialOptions } from "./lib/cli.ts";
import { printLine, TokenReader } from "./lib/console.ts";
import { ChunkDecoder, consoleToWire } from "./lib/text.ts";
import { fail, finish, openForProgram, startupFailed } from "./lib/tutorial.ts";

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

// 创建socket
const socketServer = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
if (socketServer === INVALID_SOCKET) fail(ws, "创建socket失败", ws.WSAGetLastError());

// 链接服务器
const serverMsg = new sockaddr_in();
serverMsg.sin_family = AF_INET;
serverMsg.sin_port = htons(options.port); // 转换成网络字节序
serverMsg.sin_addr.S_un.S_addr = inet_addr(options.host); // 服务器ip地址

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
