/**
 * The tutorial's overlapped-I/O chapter, with event notification: clients
 * are taken with `AcceptEx` (an overlapped accept into a socket made
 * beforehand; the addresses from `GetAcceptExSockaddrs`); each client has
 * one overlapped operation at a time, with its own `WSACreateEvent` event
 * in its `WSAOVERLAPPED`'s `hEvent`: the greeting's `WSASend`, then a
 * `WSARecv`, the `WSASend` of its echo (from the same buffer), the next
 * `WSARecv`… The next receive is posted only once the echo is sent, so a
 * client that sends without reading holds one 1,500-byte buffer and one
 * pending send, never a queue that grows. The server waits on the events with
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
 * resets is dropped (its operation still in flight ends with 995, its
 * event set: only then does it leave its group). Out of descriptors
 * (`WSAEMFILE`), the server says so once and posts its next `AcceptEx` a
 * little later, serving its clients meanwhile. Serves until stopped; exit
 * 1 on an error, 2 on a bad flag.
 *
 * @module
 */

import { setImmediate } from "node:timers";
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
  WSA_MAXIMUM_WAIT_EVENTS,
  WSA_WAIT_EVENT_0,
  WSA_WAIT_FAILED,
  WSABUF,
  type WSAEVENT,
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

/** One client: its socket, its buffer, its one operation at a time. */
interface Client {
  s: SOCKET;
  name: string;
  text: ChunkDecoder;
  buf: Uint8Array;
  op: Operation;
  /** Whether `op` is a send (the greeting, an echo), else a receive. */
  sending: boolean;
  group: Group;
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
    // A turn of the event loop between two waits (C has a thread per group, preempted): on
    // posix and deno a wait whose event is set already answers at once, and a stream of
    // arrivals would otherwise keep the reactor from delivering the other clients' completions.
    await new Promise((r) => setImmediate(r));
  }
}

/** The outcome of `c`'s operation `op`: its byte count, or null when it failed (`c` dropped). */
function finished(c: Client, op: Operation): number | null {
  const cb = { value: 0 }, flags = { value: 0 };
  if (ws.WSAGetOverlappedResult(c.s, op.ov, cb, false, flags)) return cb.value;
  drop(c, `客户端 ${c.name} ${failureLine("出错了", ws.WSAGetLastError())}`);
  return null;
}

/** Drops `c`: closed; its operation leaves its group now if idle, else once done (995). */
function drop(c: Client, why: string): void {
  if (c.closed) return;
  printLine(why);
  c.closed = true;
  ws.closesocket(c.s);
  if (!c.op.inFlight) leave(c.group, c.op);
}

/** Drops `c` if posting its operation failed at once (done at once or later, its event is set). */
function check(c: Client, rc: number): void {
  const err = rc === SOCKET_ERROR ? ws.WSAGetLastError() : 0;
  if (err === 0 || err === WSA_IO_PENDING) return;
  c.op.inFlight = false;
  drop(c, `客户端 ${c.name} ${failureLine("出错了", err)}`);
}

/** 投递 WSARecv into the client's buffer. */
function postRecv(c: Client): void {
  c.sending = false;
  c.op.inFlight = true;
  check(c, ws.WSARecv(c.s, [new WSABUF(c.buf)], 1, null, { value: 0 }, c.op.ov, null));
}

/** 投递 WSASend of `bytes` (the greeting, or an echo in the client's buffer). */
function postSend(c: Client, bytes: Uint8Array): void {
  c.sending = true;
  c.op.inFlight = true;
  check(c, ws.WSASend(c.s, [new WSABUF(bytes)], 1, null, 0, c.op.ov, null));
}

/** `c`'s operation is done: after a send, the next receive; after a receive, its echo. */
function completed(c: Client): void {
  if (c.closed) { // dropped meanwhile (995): reaped, out of its group
    ws.WSAGetOverlappedResult(c.s, c.op.ov, { value: 0 }, false, { value: 0 });
    return leave(c.group, c.op);
  }
  const n = finished(c, c.op);
  if (n === null) return;
  if (c.sending) return postRecv(c);
  if (n === 0) return drop(c, `客户端 ${c.name} 下线`); // 客户端下线
  printLine(`客户端 ${c.name} 说:\t${n}  ${c.text.decode(c.buf.subarray(0, n))}`);
  postSend(c, c.buf.subarray(0, n)); // 回声; the next WSARecv once it is sent
}

/** A new client: its operation joins a group; greeted (then its first receive). */
function serve(s: SOCKET, name: string): void {
  const c = { s, name, text: new ChunkDecoder(options.encoding) } as Client;
  c.buf = new Uint8Array(1500);
  c.closed = false;
  c.op = operation(() => completed(c));
  c.group = groupWithRoom(1);
  join(c.group, c.op);
  printLine(`客户端链接成功: ${c.name}`);
  postSend(c, greeting);
}

// 接受: AcceptEx 投递一个接受 (no first data: a silent client is taken at once); its event is
// in the first group; once it is set, the client is served and the next AcceptEx posted.
const acceptBuf = new Uint8Array(2 * ADDRESS_LENGTH);
const listenerBytes = new Uint8Array(new BigUint64Array([socketServer]).buffer);
let socketClient: SOCKET = INVALID_SOCKET;
const acceptOp = operation(accepted);
const acceptFailures = new AcceptFailures();

/** The next AcceptEx after a failed one: at once, or later when the system ran short. */
function acceptAgain(code: number): void {
  const ms = acceptFailures.failed(code);
  if (ms === 0) postAccept();
  else setTimeout(postAccept, ms);
}

/** Posting an accept failed: out of descriptors (or buffers), retried later; else the end. */
function postFailed(message: string, code: number, ...sockets: SOCKET[]): void {
  if (!systemShort(code)) fail(ws, message, code, ...sockets, socketServer);
  for (const s of sockets) ws.closesocket(s);
  acceptAgain(code);
}

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
    return postFailed("创建客户端socket失败", ws.WSAGetLastError());
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
    acceptOp.inFlight = false;
    postFailed("AcceptEx 失败", ws.WSAGetLastError(), socketClient);
  }
}

function accepted(): void {
  const cb = { value: 0 }, flags = { value: 0 };
  if (!ws.WSAGetOverlappedResult(socketServer, acceptOp.ov, cb, false, flags)) {
    const code = ws.WSAGetLastError();
    ws.closesocket(socketClient);
    return acceptAgain(code);
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
