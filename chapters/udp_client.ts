/**
 * The UDP chapter's client: no connect. WSAStartup → version check →
 * socket(SOCK_DGRAM, IPPROTO_UDP) → then for each word typed (one token of
 * stdin): sendto the server (127.0.0.1:12345) as one datagram → select, at
 * most 5 s → recvfrom its reply → print it. No reply within 5 s (no server
 * there, or a datagram lost) is said, and the next word goes on.
 *
 *     deno run --allow-net=127.0.0.1 --allow-ffi chapters/udp_client.ts [--host ::1] [--port 12345]
 *
 * Exit 0 when stdin ends, 1 on an error, 2 on a bad flag.
 *
 * @module
 */

import {
  addressFamily,
  FD_SET,
  fd_set,
  formatAddress,
  INVALID_SOCKET,
  IPPROTO_UDP,
  sizeof,
  SOCK_DGRAM,
  sockaddr_in,
  sockaddr_in6,
  SOCKET_ERROR,
  timeval,
} from "../mod.ts";
import { tutorialOptions } from "../tutorial/cli.ts";
import { printLine, TokenReader } from "../tutorial/console.ts";
import { ChunkDecoder, consoleToWire } from "../tutorial/text.ts";
import { fail, finish, openForProgram, serverAddress, startWinsock } from "../tutorial/program.ts";

const options = tutorialOptions("chapters/udp_client.ts", "send to");
/** How long each word waits for its reply. */
const REPLY_SECONDS = 5;
const ws = openForProgram(options);

// 打开网络库
startWinsock(ws);

// 服务器地址: IPv4 as the TCP chapter fills it; IPv6 text or a name via getaddrinfo
const serverMsg = await serverAddress(ws, options, SOCK_DGRAM);

// 创建socket: SOCK_DGRAM, IPPROTO_UDP; no connect (the first sendto binds it)
const socketClient = ws.socket(addressFamily(serverMsg), SOCK_DGRAM, IPPROTO_UDP);
if (socketClient === INVALID_SOCKET) fail(ws, "创建socket失败", ws.WSAGetLastError());

// 收发数据报: each word one datagram, each reply one datagram
const stdin = new TokenReader();
const buf = new Uint8Array(1500);
while (true) {
  const token = await stdin.next();
  if (token === null) break; // stdin ended
  const out = consoleToWire(token, options.encoding);
  if (
    SOCKET_ERROR ===
      await ws.sendto(socketClient, out, out.byteLength, 0, serverMsg, sizeof(serverMsg))
  ) {
    fail(ws, "出错了", ws.WSAGetLastError(), socketClient);
  }
  // 等回答, 至多 5 秒: nothing tells an unconnected UDP socket that no server listens (Linux
  // reports no port unreachable to it), so a bare recvfrom would wait for ever.
  const readfds = new fd_set();
  FD_SET(socketClient, readfds);
  const timeout = Object.assign(new timeval(), { tv_sec: REPLY_SECONDS });
  const ready = await ws.select(0, readfds, null, null, timeout);
  if (ready === SOCKET_ERROR) fail(ws, "select 出错了", ws.WSAGetLastError(), socketClient);
  if (ready === 0) {
    printLine(
      `${REPLY_SECONDS} 秒内没有回答: ${formatAddress(serverMsg)} 上有 UDP 服务器吗? ` +
        `(no reply within ${REPLY_SECONDS} s: is udp_server.ts running there?)`,
    );
    continue; // a datagram may be lost: the next word is sent anyway
  }
  const from = serverMsg instanceof sockaddr_in6 ? new sockaddr_in6() : new sockaddr_in();
  const res = await ws.recvfrom(socketClient, buf, buf.byteLength, 0, from, {
    value: sizeof(from),
  });
  if (res === SOCKET_ERROR) fail(ws, "出错了", ws.WSAGetLastError(), socketClient);
  const text = new ChunkDecoder(options.encoding).decode(buf.subarray(0, res));
  printLine(`服务器 ${formatAddress(from)} 说:\t${res}  ${text}`);
}

finish(ws, socketClient);
