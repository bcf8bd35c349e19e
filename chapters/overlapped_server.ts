/**
 * The tutorial's overlapped-I/O chapter, with event notification: clients
 * are taken with `AcceptEx` (an overlapped accept into a socket made
 * beforehand; the addresses from `GetAcceptExSockaddrs`); each client has
 * one overlapped `WSARecv` always posted and at most one overlapped
 * `WSASend` (echoes queued, so the bytes keep their order), and each of
 * these operations has its own `WSACreateEvent` event in its
 * `WSAOVERLAPPED`'s `hEvent`. The server waits on the events with
 * `WSAWaitForMultipleEvents`, in groups of `WSA_MAXIMUM_WAIT_EVENTS` (64):
 * each group's first event is its own, set when the group's members change;
 * every group has one wait in flight (on winsock on a thread of its own, as
 * C gives each group a thread; on posix and deno a Promise of the emulated
 * event objects). When a wait returns, every signalled event of the group
 * is reset and its operation's `WSAGetOverlappedResult` read, and the next
 * operation posted.
 *
 *     deno run --allow-net=127.0.0.1 --allow-ffi chapters/overlapped_server.ts [--port 12345] [--encoding gbk]
 *
 * Each client gets the tutorial's greeting; each message is printed with
 * the client's address and echoed back to it; a client that leaves or
 * resets is dropped (its operations still in flight end with 995, their
 * events set: only then do they leave their group). Serves until stopped;
 * exit 1 on an error, 2 on a bad flag.
 *
 * @module
 */

import {
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
  WSA_MAXIMUM_WAIT_EVENTS,
  WSA_WAIT_EVENT_0,
  WSA_WAIT_FAILED,
  WSABUF,
  type WSAEVENT,
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
  serverAddress,
  startWinsock,
} from "../lib/tutorial.ts";
import { addressFamily, formatAddress } from "../lib/names.ts";

const options = tutorialOptions("chapters/overlapped_server.ts", "listen on");
const ws = openForProgram(options);

// 打开网络库, 校验版本
startWinsock(ws);

// 创建socket, 绑定, 监听
const si = await serverAddress(ws, options); // --host: IPv4 as the tutorial fills it, IPv6, a name
const socketServer = ws.WSASocket(addressFamily(si), SOCK_STREAM, IPPROTO_TCP, null, 0, 0x01);
if (socketServer === INVALID_SOCKET) fail(ws, "创建服务器socket失败", ws.WSAGetLastError());
bindAndListen(ws, socketServer, si);
printLine(`重叠 I/O 服务器已启动: ${options.host}:${options.port}`);

const greeting = encodeText("服务器链接成功\0", options.encoding);

/** AcceptEx's room for each address: `sizeof` the listener's address + 16. */
const ADDRESS_LENGTH = sizeof(si) + 16;

/** One overlapped operation's place in a group: its event, its `WSAOVERLAPPED`, what to do when done. */
interface Operation {
  event: WSAEVENT;
  ov: WSAOVERLAPPED;
  /** Posted and not yet seen done. */
  inFlight: boolean;
  /** Called once its event is seen set (and reset). */
  done: () => void;
}

/** Up to `WSA_MAXIMUM_WAIT_EVENTS` events: its own (members changed), then its operations'. */
interface Group {
  changed: WSAEVENT;
  ops: Operation[];
}

/** One client: its socket, its receive, its sends in order. */
interface Client {
  s: SOCKET;
  name: string;
  text: ChunkDecoder;
  recvBuf: Uint8Array;
  recv: Operation;
  send: Operation;
  group: Group;
  /** Echoes not yet sent (one WSASend at a time keeps them in order). */
  queued: Uint8Array[];
  closed: boolean;
}

const groups: Group[] = [];

function newEvent(): WSAEVENT {
  const h = ws.WSACreateEvent();
  if (h === WSA_INVALID_EVENT) fail(ws, "WSACreateEvent 失败", ws.WSAGetLastError(), socketServer);
  return h;
}

function operation(done: () => void): Operation {
  const ov = new WSAOVERLAPPED();
  ov.hEvent = newEvent();
  return { event: ov.hEvent, ov, inFlight: false, done };
}

/** A group with room for `n` more operations (a new one, waited on, when none has). */
function groupWithRoom(n: number): Group {
  let g = groups.find((g) => 1 + g.ops.length + n <= WSA_MAXIMUM_WAIT_EVENTS);
  if (!g) {
    g = { changed: newEvent(), ops: [] };
    groups.push(g);
    watch(g);
  }
  return g;
}

/** Adds operations to `g`; its wait in flight starts again with them. */
function join(g: Group, ...ops: Operation[]): void {
  g.ops.push(...ops);
  ws.WSASetEvent(g.changed);
}

/** Takes `op` out of its group (called only while that group's wait is not in flight). */
function leave(g: Group, op: Operation): void {
  const i = g.ops.indexOf(op);
  if (i < 0) return;
  g.ops.splice(i, 1);
  ws.WSACloseEvent(op.event);
}

/**
 * A group's loop: waits on its events, then, from the first signalled one
 * on, resets each signalled event and runs its operation's `done`.
 */
async function watch(g: Group): Promise<void> {
  while (true) {
    const ops = [...g.ops];
    const events = [g.changed, ...ops.map((op) => op.event)];
    const w = await ws.WSAWaitForMultipleEvents(events.length, events, false, WSA_INFINITE, false);
    if (w === WSA_WAIT_FAILED) {
      fail(ws, "WSAWaitForMultipleEvents 失败", ws.WSAGetLastError(), socketServer);
    }
    for (let i = w - WSA_WAIT_EVENT_0; i < events.length; i++) {
      if (i > 0 && !g.ops.includes(ops[i - 1])) continue; // left the group meanwhile
      if (await ws.WSAWaitForMultipleEvents(1, [events[i]], false, 0, false) !== WSA_WAIT_EVENT_0) {
        continue;
      }
      ws.WSAResetEvent(events[i]);
      if (i > 0) {
        ops[i - 1].inFlight = false;
        ops[i - 1].done();
      }
    }
  }
}

/** The outcome of `c`'s operation `op`: its byte count, or null when it failed (`c` dropped). */
function finished(c: Client, op: Operation): number | null {
  const cb = { value: 0 }, flags = { value: 0 };
  if (ws.WSAGetOverlappedResult(c.s, op.ov, cb, false, flags)) return cb.value;
  drop(c, `客户端 ${c.name} ${failureLine("出错了", ws.WSAGetLastError())}`);
  return null;
}

/** Drops `c`: closed, its idle operations leave its group; those in flight leave once done (995). */
function drop(c: Client, why: string): void {
  if (c.closed) return;
  printLine(why);
  c.closed = true;
  ws.closesocket(c.s);
  for (const op of [c.recv, c.send]) if (!op.inFlight) leave(c.group, op);
}

/** A dropped client's operation, now done: reaped, out of its group. */
function gone(c: Client, op: Operation): void {
  ws.WSAGetOverlappedResult(c.s, op.ov, { value: 0 }, false, { value: 0 });
  leave(c.group, op);
}

/** 投递 WSARecv into the client's buffer. */
function postRecv(c: Client): void {
  c.recv.inFlight = true;
  const rc = ws.WSARecv(c.s, [new WSABUF(c.recvBuf)], 1, null, { value: 0 }, c.recv.ov, null);
  const err = ws.WSAGetLastError();
  if (rc === SOCKET_ERROR && err !== WSA_IO_PENDING) {
    c.recv.inFlight = false;
    drop(c, `客户端 ${c.name} ${failureLine("出错了", err)}`);
  } // done at once or later: its event is set either way
}

/** 投递 WSASend of the next queued echo, unless one is in flight. */
function postSend(c: Client): void {
  const bytes = c.queued[0];
  if (c.closed || c.send.inFlight || !bytes) return;
  c.send.inFlight = true;
  const rc = ws.WSASend(c.s, [new WSABUF(bytes)], 1, null, 0, c.send.ov, null);
  const err = ws.WSAGetLastError();
  if (rc === SOCKET_ERROR && err !== WSA_IO_PENDING) {
    c.send.inFlight = false;
    drop(c, `客户端 ${c.name} ${failureLine("出错了", err)}`);
  }
}

function received(c: Client): void {
  if (c.closed) return gone(c, c.recv);
  const n = finished(c, c.recv);
  if (n === null) return;
  if (n === 0) return drop(c, `客户端 ${c.name} 下线`); // 客户端下线
  const got = c.recvBuf.slice(0, n);
  printLine(`客户端 ${c.name} 说:\t${n}  ${c.text.decode(got)}`);
  c.queued.push(got); // 回声
  postSend(c);
  postRecv(c);
}

function sent(c: Client): void {
  if (c.closed) return gone(c, c.send);
  if (finished(c, c.send) === null) return;
  c.queued.shift();
  postSend(c);
}

/** A new client: its two operations join a group; greeted; its first receive posted. */
function serve(s: SOCKET, name: string): void {
  const c = { s, name, text: new ChunkDecoder(options.encoding), queued: [greeting] } as Client;
  c.recvBuf = new Uint8Array(1500);
  c.closed = false;
  c.recv = operation(() => received(c));
  c.send = operation(() => sent(c));
  c.group = groupWithRoom(2);
  join(c.group, c.recv, c.send);
  printLine(`客户端链接成功: ${c.name}`);
  postSend(c);
  postRecv(c);
}

// 接受: AcceptEx 投递一个接受 (no first data: a silent client is taken at once); its event is
// in the first group; once it is set, the client is served and the next AcceptEx posted.
const acceptBuf = new Uint8Array(2 * ADDRESS_LENGTH);
const listenerBytes = new Uint8Array(new BigUint64Array([socketServer]).buffer);
let socketClient: SOCKET = INVALID_SOCKET;
const acceptOp = operation(accepted);

function postAccept(): void {
  socketClient = ws.WSASocket(
    addressFamily(si),
    SOCK_STREAM,
    IPPROTO_TCP,
    null,
    0,
    WSA_FLAG_OVERLAPPED,
  );
  if (socketClient === INVALID_SOCKET) {
    fail(ws, "创建客户端socket失败", ws.WSAGetLastError(), socketServer);
  }
  acceptOp.inFlight = true;
  const cb = { value: 0 };
  if (
    !ws.AcceptEx(
      socketServer,
      socketClient,
      acceptBuf,
      0,
      ADDRESS_LENGTH,
      ADDRESS_LENGTH,
      cb,
      acceptOp.ov,
    ) &&
    ws.WSAGetLastError() !== WSA_IO_PENDING
  ) {
    fail(ws, "AcceptEx 失败", ws.WSAGetLastError(), socketClient, socketServer);
  }
}

function accepted(): void {
  const cb = { value: 0 }, flags = { value: 0 };
  if (!ws.WSAGetOverlappedResult(socketServer, acceptOp.ov, cb, false, flags)) {
    printLine(failureLine("客户端链接失败", ws.WSAGetLastError()));
    ws.closesocket(socketClient);
    return postAccept();
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
  serve(socketClient, remote.value ? formatAddress(remote.value) : "(?)");
  postAccept();
}

join(groupWithRoom(1), acceptOp);
postAccept();
