/**
 * The UDP chapter's server (面向非连接): no listen, no accept. WSAStartup →
 * version check → socket(SOCK_DGRAM, IPPROTO_UDP) → bind 127.0.0.1:12345 →
 * then for ever: recvfrom → print the datagram with its sender → sendto it
 * back to that sender. Every datagram is a message of its own, from
 * whichever client sent it.
 *
 *     deno run --allow-net=127.0.0.1 --allow-ffi chapters/udp_server.ts [--host ::1] [--port 12345]
 *
 * It keeps serving whatever comes: a datagram longer than the 1500-byte
 * buffer (10040 `WSAEMSGSIZE`) or a client that has gone (10054
 * `WSAECONNRESET`, Windows' report of a port unreachable) is printed and
 * the loop goes on. Exit 1 on any other error, 2 on a bad flag.
 *
 * @module
 */

import {
  addressFamily,
  formatAddress,
  INVALID_SOCKET,
  IPPROTO_UDP,
  sizeof,
  SOCK_DGRAM,
  sockaddr_in,
  sockaddr_in6,
  SOCKET_ERROR,
  WSAECONNRESET,
  WSAEMSGSIZE,
} from "../mod.ts";
import { tutorialOptions } from "../tutorial/cli.ts";
import { printLine } from "../tutorial/console.ts";
import { ChunkDecoder } from "../tutorial/text.ts";
import {
  allInterfacesNote,
  fail,
  failureLine,
  openForProgram,
  serverAddress,
  startWinsock,
} from "../tutorial/program.ts";

const options = tutorialOptions("chapters/udp_server.ts", "bind to");
const ws = openForProgram(options);

// 打开网络库
startWinsock(ws);

// 地址: IPv4 as the TCP chapter fills it; IPv6 text or a name via getaddrinfo
const si = await serverAddress(ws, options, SOCK_DGRAM);

// 创建socket: SOCK_DGRAM, IPPROTO_UDP
const socketServer = ws.socket(addressFamily(si), SOCK_DGRAM, IPPROTO_UDP);
if (socketServer === INVALID_SOCKET) fail(ws, "创建服务器socket失败", ws.WSAGetLastError());

if (SOCKET_ERROR === ws.bind(socketServer, si, sizeof(si))) {
  fail(ws, "绑定错误", ws.WSAGetLastError(), socketServer);
}
printLine(`UDP 服务器已启动: ${formatAddress(si)}`);
const note = allInterfacesNote(si); // 0.0.0.0 or ::
if (note) printLine(note);

// 收发数据报: no listen, no accept; each recvfrom says who sent it
const buf = new Uint8Array(1500);
while (true) {
  const from = si instanceof sockaddr_in6 ? new sockaddr_in6() : new sockaddr_in();
  const fromlen = { value: sizeof(from) };
  const res = await ws.recvfrom(socketServer, buf, buf.byteLength, 0, from, fromlen);
  if (res === SOCKET_ERROR) {
    const code = ws.WSAGetLastError();
    if (code === WSAEMSGSIZE || code === WSAECONNRESET) { // 数据报过长 / 客户端已不在: 继续服务
      printLine(failureLine(`客户端 ${formatAddress(from)} 出错了`, code));
      continue;
    }
    fail(ws, "出错了", code, socketServer);
  }
  const text = new ChunkDecoder(options.encoding).decode(buf.subarray(0, res));
  printLine(`客户端 ${formatAddress(from)} 说:\t${res}  ${text}`);
  if (SOCKET_ERROR === await ws.sendto(socketServer, buf, res, 0, from, fromlen.value)) {
    printLine(failureLine(`回送 ${formatAddress(from)} 失败`, ws.WSAGetLastError()));
  }
}
