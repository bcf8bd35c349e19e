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
  addressFamily,
  FD_ACCEPT,
  FD_CLOSE,
  FD_CLOSE_BIT,
  FD_READ,
  FD_WRITE,
  INVALID_SOCKET,
  IPPROTO_TCP,
  SOCK_STREAM,
  type SOCKET,
  SOCKET_ERROR,
  WSA_INFINITE,
  WSA_INVALID_EVENT,
  WSA_MAXIMUM_WAIT_EVENTS,
  WSA_WAIT_EVENT_0,
  WSA_WAIT_FAILED,
  type WSAEVENT,
  WSANETWORKEVENTS,
} from "../mod.ts";
import { tutorialOptions } from "../tutorial/cli.ts";
import { printLine } from "../tutorial/console.ts";
import {
  bindAndListen,
  fail,
  failureLine,
  openForProgram,
  serverAddress,
  startWinsock,
} from "../tutorial/program.ts";
import { Acceptor, EchoClients } from "./_echo.ts";

const options = tutorialOptions("chapters/event_select_server.ts", "listen on");
const ws = openForProgram(options);

// 打开网络库, 校验版本
startWinsock(ws);

// 地址: --host as the tutorial fills it (IPv4), IPv6 text, or a name (getaddrinfo)
const si = await serverAddress(ws, options);

// 创建socket, 绑定, 监听: as in server.ts
const socketServer = ws.socket(addressFamily(si), SOCK_STREAM, IPPROTO_TCP);
if (socketServer === INVALID_SOCKET) fail(ws, "创建服务器socket失败", ws.WSAGetLastError());
bindAndListen(ws, socketServer, si);

// 给监听socket一个事件: FD_ACCEPT (a client to accept), FD_CLOSE
const eventServer = ws.WSACreateEvent();
if (eventServer === WSA_INVALID_EVENT) fail(ws, "创建事件失败", ws.WSAGetLastError(), socketServer);
if (SOCKET_ERROR === ws.WSAEventSelect(socketServer, eventServer, FD_ACCEPT | FD_CLOSE)) {
  fail(ws, "WSAEventSelect 失败", ws.WSAGetLastError(), socketServer);
}
printLine(`WSAEventSelect 服务器已启动: ${options.host}:${options.port}`);

/**
 * Up to 64 events and their sockets, waited on together. Index 0 is the
 * group's own event, set when a socket joins; its socket slot is unused.
 */
interface Group {
  events: WSAEVENT[];
  sockets: SOCKET[];
}

const groups: Group[] = [];
const acceptor = new Acceptor(ws, socketServer, addressFamily(si), serveClient);
const clients = new EchoClients(ws, options.encoding, (s) => {
  leave(s);
  acceptor.freed();
});

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

/** Takes a dropped client's socket out of its group and closes its event. */
function leave(s: SOCKET): void {
  for (const g of groups) {
    const i = g.sockets.indexOf(s);
    if (i < 0) continue;
    ws.WSACloseEvent(g.events[i]);
    g.events.splice(i, 1);
    g.sockets.splice(i, 1);
    ws.WSASetEvent(g.events[0]); // its wait starts again, without this socket
  }
}

/** A client just accepted: its own event and events, a place in a group, the greeting. */
async function serveClient(socketClient: SOCKET, name: string): Promise<void> {
  // It inherited the listener's selection: give it its own event and events.
  const event = ws.WSACreateEvent();
  if (
    event === WSA_INVALID_EVENT ||
    SOCKET_ERROR === ws.WSAEventSelect(socketClient, event, FD_READ | FD_WRITE | FD_CLOSE)
  ) {
    printLine(failureLine("WSAEventSelect 失败", ws.WSAGetLastError()));
    if (event !== WSA_INVALID_EVENT) ws.WSACloseEvent(event);
    ws.closesocket(socketClient);
    return;
  }
  join(socketClient, event);
  await clients.add(socketClient, name);
}

/** What the network events of one socket call for. */
async function serveSocket(s: SOCKET, ne: WSANETWORKEVENTS): Promise<void> {
  if (s === socketServer) {
    if (ne.lNetworkEvents & FD_ACCEPT) await acceptor.accept();
    return;
  }
  if (ne.lNetworkEvents & FD_WRITE) await clients.writable(s);
  if (ne.lNetworkEvents & FD_READ) await clients.readable(s);
  if (ne.lNetworkEvents & FD_CLOSE) await clients.closed(s, ne.iErrorCode[FD_CLOSE_BIT]);
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
