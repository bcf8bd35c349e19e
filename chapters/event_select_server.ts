/**
 * The event select model (`WSAEventSelect`): each socket gets an event
 * object, Winsock records the socket's network events (`FD_ACCEPT`,
 * `FD_READ`, `FD_WRITE`, `FD_CLOSE`) and signals the event;
 * `WSAWaitForMultipleEvents` waits for any of up to 64 events, and
 * `WSAEnumNetworkEvents` says what happened.
 *
 *     deno run --allow-net=127.0.0.1 --allow-ffi chapters/event_select_server.ts [--port 12345] [--encoding gbk]
 *
 * Each client gets the tutorial's greeting, each message is printed with
 * the client's address and echoed back to its sender; a client that leaves
 * or resets is dropped. It serves until stopped (Ctrl+C); exit 1 on an
 * error, 2 on a bad flag.
 *
 * One wait covers at most `WSA_MAXIMUM_WAIT_EVENTS` (64) events, so the
 * sockets are served in groups, as the C notes do with a thread per group:
 * here each group is a loop of its own (its wait runs off the JS thread),
 * and index 0 of each group is an event that is set when a client joins it,
 * so that its wait starts again with the new client.
 *
 * @module
 */

import {
  AF_INET,
  FD_ACCEPT,
  FD_CLOSE,
  FD_CLOSE_BIT,
  FD_READ,
  FD_WRITE,
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
  WSA_INFINITE,
  WSA_INVALID_EVENT,
  WSA_MAXIMUM_WAIT_EVENTS,
  WSA_WAIT_EVENT_0,
  WSA_WAIT_FAILED,
  WSADATA,
  type WSAEVENT,
  WSAEWOULDBLOCK,
  WSANETWORKEVENTS,
} from "../mod.ts";
import { tutorialOptions } from "../lib/cli.ts";
import { printLine } from "../lib/console.ts";
import { ChunkDecoder, encodeText } from "../lib/text.ts";
import { fail, failureLine, openForProgram, startupFailed } from "../lib/tutorial.ts";

const options = tutorialOptions("chapters/event_select_server.ts", "listen on");
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

// 给监听socket一个事件: FD_ACCEPT (a client to accept), FD_CLOSE
const eventServer = ws.WSACreateEvent();
if (eventServer === WSA_INVALID_EVENT) fail(ws, "创建事件失败", ws.WSAGetLastError(), socketServer);
if (SOCKET_ERROR === ws.WSAEventSelect(socketServer, eventServer, FD_ACCEPT | FD_CLOSE)) {
  fail(ws, "WSAEventSelect 失败", ws.WSAGetLastError(), socketServer);
}
if (si.sin_addr.S_un.S_addr === 0) printLine("注意: 绑定在所有网络接口上 (0.0.0.0)");
printLine(`WSAEventSelect 服务器已启动: ${options.host}:${options.port}`);

const greeting = encodeText("服务器链接成功\0", options.encoding);

/** A client: its address, its text decoder, and what is still to be sent to it. */
interface Client {
  name: string;
  text: ChunkDecoder;
  outbox: Uint8Array[];
  /** FD_READ came while the outbox was full: read once it has drained. */
  readLater: boolean;
  /** A flush is in progress. */
  sending: boolean;
}

/**
 * Up to 64 events and their sockets, waited on together. Index 0 is the
 * group's own event, set when a socket joins; its socket slot is unused.
 */
interface Group {
  events: WSAEVENT[];
  sockets: SOCKET[];
}

const clients = new Map<SOCKET, Client>();
const groups: Group[] = [];

/** `ip:port` of a connected socket, as `getpeername` says. */
function peerName(s: SOCKET): string {
  const peer = new sockaddr_in();
  if (ws.getpeername(s, peer, { value: sizeof(peer) }) === SOCKET_ERROR) {
    return `(getpeername: ${ws.WSAGetLastError()})`;
  }
  return `${inet_ntoa(peer.sin_addr)}:${ntohs(peer.sin_port)}`;
}

/** Adds a socket and its event to a group with room, or to a new group with its own loop. */
function join(s: SOCKET, event: WSAEVENT): void {
  let group = groups.find((g) => g.events.length < WSA_MAXIMUM_WAIT_EVENTS);
  if (!group) {
    const wake = ws.WSACreateEvent();
    if (wake === WSA_INVALID_EVENT) fail(ws, "创建事件失败", ws.WSAGetLastError());
    group = { events: [wake], sockets: [INVALID_SOCKET] };
    groups.push(group);
    serveGroup(group);
  }
  group.events.push(event);
  group.sockets.push(s);
  ws.WSASetEvent(group.events[0]); // its wait starts again, with this socket
}

/** Takes a client out of its group, closes its event and the socket. */
function drop(s: SOCKET): void {
  for (const g of groups) {
    const i = g.sockets.indexOf(s);
    if (i < 0) continue;
    ws.WSACloseEvent(g.events[i]);
    g.events.splice(i, 1);
    g.sockets.splice(i, 1);
    ws.WSASetEvent(g.events[0]); // its wait starts again, without this socket
  }
  clients.delete(s);
  ws.closesocket(s);
}

/** Sends what waits in the client's outbox, as much as the socket takes now. */
async function flush(s: SOCKET, client: Client): Promise<boolean> {
  if (client.sending) return true; // another loop's flush is at it (the greeting, in the accept)
  client.sending = true;
  try {
    return await sendOutbox(s, client);
  } finally {
    client.sending = false;
  }
}

async function sendOutbox(s: SOCKET, client: Client): Promise<boolean> {
  while (client.outbox.length > 0) {
    const bytes = client.outbox[0];
    const n = await ws.send(s, bytes, bytes.byteLength, 0);
    if (n === SOCKET_ERROR) {
      const code = ws.WSAGetLastError();
      if (code === WSAEWOULDBLOCK) return true; // FD_WRITE will say when there is room
      printLine(`客户端 ${client.name} ${failureLine("出错了", code)}`);
      drop(s);
      return false;
    }
    if (n < bytes.byteLength) client.outbox[0] = bytes.subarray(n);
    else client.outbox.shift();
  }
  return true;
}

async function acceptClient(): Promise<void> {
  const socketClient = await ws.accept(socketServer, null, null);
  if (socketClient === INVALID_SOCKET) {
    const code = ws.WSAGetLastError();
    if (code !== WSAEWOULDBLOCK) printLine(failureLine("客户端链接失败", code));
    return;
  }
  // It inherited the listener's selection: give it its own event and events.
  const event = ws.WSACreateEvent();
  if (
    event === WSA_INVALID_EVENT ||
    SOCKET_ERROR === ws.WSAEventSelect(socketClient, event, FD_READ | FD_WRITE | FD_CLOSE)
  ) {
    printLine(failureLine("WSAEventSelect 失败", ws.WSAGetLastError()));
    ws.closesocket(socketClient);
    return;
  }
  const client: Client = {
    name: peerName(socketClient),
    text: new ChunkDecoder(options.encoding),
    outbox: [greeting],
    readLater: false,
    sending: false,
  };
  clients.set(socketClient, client);
  join(socketClient, event);
  printLine(`客户端链接成功: ${client.name}`);
  await flush(socketClient, client);
}

/** FD_READ: one `recv` (which lets FD_READ be recorded again), printed and echoed. */
async function readClient(s: SOCKET, client: Client): Promise<void> {
  if (client.outbox.length > 0) { // the echo of the last message is not out yet
    client.readLater = true;
    return;
  }
  const strBuf = new Uint8Array(1500);
  const nRecv = await ws.recv(s, strBuf, strBuf.byteLength, 0);
  if (nRecv === SOCKET_ERROR) {
    const code = ws.WSAGetLastError();
    if (code === WSAEWOULDBLOCK) return;
    printLine(`客户端 ${client.name} ${failureLine("出错了", code)}`);
    drop(s);
  } else if (nRecv > 0) {
    printLine(
      `客户端 ${client.name} 说:\t${nRecv}  ${client.text.decode(strBuf.subarray(0, nRecv))}`,
    );
    client.outbox.push(strBuf.subarray(0, nRecv)); // 回声: back to its sender
    await flush(s, client);
  }
}

/** FD_CLOSE: what is left to read first, then the close, orderly (下线) or not. */
async function closeClient(s: SOCKET, client: Client, code: number): Promise<void> {
  const strBuf = new Uint8Array(1500);
  for (;;) {
    const nRecv = await ws.recv(s, strBuf, strBuf.byteLength, 0);
    if (nRecv > 0) {
      printLine(
        `客户端 ${client.name} 说:\t${nRecv}  ${client.text.decode(strBuf.subarray(0, nRecv))}`,
      );
      continue;
    }
    if (nRecv === SOCKET_ERROR && ws.WSAGetLastError() !== WSAEWOULDBLOCK) {
      code ||= ws.WSAGetLastError(); // Wine records a reset's FD_CLOSE with 0; recv tells
    }
    break;
  }
  if (code === 0) printLine(`客户端 ${client.name} 下线`);
  else printLine(`客户端 ${client.name} ${failureLine("出错了", code)}`);
  drop(s);
}

/** What the network events of one socket call for. */
async function serveSocket(s: SOCKET, ne: WSANETWORKEVENTS): Promise<void> {
  if (s === socketServer) {
    if (ne.lNetworkEvents & FD_ACCEPT) await acceptClient();
    return;
  }
  const client = clients.get(s);
  if (!client) return;
  if (ne.lNetworkEvents & FD_WRITE) {
    if (!await flush(s, client)) return;
    if (client.outbox.length === 0 && client.readLater) {
      client.readLater = false;
      await readClient(s, client);
    }
  }
  if ((ne.lNetworkEvents & FD_READ) && clients.has(s)) await readClient(s, client);
  if ((ne.lNetworkEvents & FD_CLOSE) && clients.has(s)) {
    await closeClient(s, client, ne.iErrorCode[FD_CLOSE_BIT]);
  }
}

/** One group's loop: wait for any of its events, then look at each signalled one. */
async function serveGroup(group: Group): Promise<void> {
  const ne = new WSANETWORKEVENTS();
  while (true) {
    const nRes = await ws.WSAWaitForMultipleEvents(
      group.events.length,
      group.events,
      false,
      WSA_INFINITE,
      false,
    );
    if (nRes === WSA_WAIT_FAILED) fail(ws, "WSAWaitForMultipleEvents 出错了", ws.WSAGetLastError());
    // The first signalled one, then every later one that is signalled too (so none starves).
    const events = group.events.slice(), sockets = group.sockets.slice();
    for (let i = nRes - WSA_WAIT_EVENT_0; i < events.length; i++) {
      if (i === 0) {
        ws.WSAResetEvent(events[0]); // a socket joined: wait again with it
        continue;
      }
      const ready = await ws.WSAWaitForMultipleEvents(1, [events[i]], false, 0, false);
      if (ready !== WSA_WAIT_EVENT_0) continue;
      if (SOCKET_ERROR === ws.WSAEnumNetworkEvents(sockets[i], events[i], ne)) {
        printLine(failureLine("WSAEnumNetworkEvents 出错了", ws.WSAGetLastError()));
        continue;
      }
      await serveSocket(sockets[i], ne);
    }
  }
}

join(socketServer, eventServer);
