/**
 * The tutorial's next chapter: the select model, one thread serving many
 * clients. Where `server.ts` blocks in `accept` and then in `recv` for its
 * one client, this server asks `select` which sockets are ready and serves
 * exactly those: the listening socket (a client to accept), a client with
 * something to read (a message, its close, or its error), or a client that
 * can take more of what waits in its queue.
 *
 * No call waits, so no client can hold up the others: every socket is
 * non-blocking (`ioctlsocket(FIONBIO)`); what is echoed goes into the
 * client's own queue, sent as `select` finds room (`writefds` holds exactly
 * the clients with something queued); and a client whose queue reaches
 * 64 KiB (one that sends and never reads) is not read again until its queue
 * is empty (backpressure), so its share of the server's memory stays bounded.
 *
 *     deno run --allow-net=127.0.0.1 --allow-ffi chapters/select_server.ts [--port 12345] [--encoding gbk]
 *
 * Each client gets the tutorial's greeting, so `client.ts` talks to it as to
 * `server.ts`. It serves until stopped (Ctrl+C); exit 1 on an error, 2 on a
 * bad flag. An `fd_set` holds at most 64 sockets (`FD_SETSIZE` on Windows):
 * the listening socket and 63 clients. A client beyond that is told so and
 * closed, instead of the C's silent `FD_SET` that leaves it unserved.
 *
 * @module
 */

import {
  addressFamily,
  FD_SET,
  fd_set,
  FD_SETSIZE,
  FD_ZERO,
  FIONBIO,
  formatAddress,
  INVALID_SOCKET,
  IPPROTO_TCP,
  sizeof,
  SOCK_STREAM,
  sockaddr_in,
  sockaddr_in6,
  type SOCKET,
  SOCKET_ERROR,
  SOMAXCONN,
  timeval,
  WSAEWOULDBLOCK,
} from "../mod.ts";
import { tutorialOptions } from "../tutorial/cli.ts";
import { printLine } from "../tutorial/console.ts";
import { ChunkDecoder, encodeText } from "../tutorial/text.ts";
import {
  AcceptFailures,
  allInterfacesNote,
  fail,
  failureLine,
  openForProgram,
  serverAddress,
  startWinsock,
} from "../tutorial/program.ts";

const options = tutorialOptions("chapters/select_server.ts", "listen on");
const ws = openForProgram(options);

// 打开网络库
startWinsock(ws);

// 地址: --host as the tutorial fills it (IPv4), IPv6 text, or a name (getaddrinfo)
const si = await serverAddress(ws, options);

// 创建socket, 绑定, 监听: as in server.ts
const socketServer = ws.socket(addressFamily(si), SOCK_STREAM, IPPROTO_TCP);
if (socketServer === INVALID_SOCKET) fail(ws, "创建服务器socket失败", ws.WSAGetLastError());
if (SOCKET_ERROR === ws.bind(socketServer, si, sizeof(si))) {
  fail(ws, "绑定错误", ws.WSAGetLastError(), socketServer);
}
// 非阻塞: accept, recv and send answer at once (WSAEWOULDBLOCK when they would wait)
if (SOCKET_ERROR === ws.ioctlsocket(socketServer, FIONBIO, { value: 1 })) {
  fail(ws, "ioctlsocket 失败", ws.WSAGetLastError(), socketServer);
}
if (SOCKET_ERROR === ws.listen(socketServer, SOMAXCONN)) {
  fail(ws, "监听失败", ws.WSAGetLastError(), socketServer);
}
const note = allInterfacesNote(si);
if (note) printLine(note);
printLine(`select 服务器已启动: ${options.host}:${options.port}`);

const greeting = encodeText("服务器链接成功\0", options.encoding);
const full = encodeText(
  `服务器已满: 一个 fd_set 最多 ${FD_SETSIZE} 个 socket\0`,
  options.encoding,
);

/** A client's queue bound: at it, the client is not read until its queue is empty. */
const QUEUE_LIMIT = 64 * 1024;

/** A client: its name (`ip:port`, from `getpeername`), text decoder and output queue. */
interface Client {
  name: string;
  text: ChunkDecoder;
  /** What waits to be sent to it, oldest first (the head may be partly sent). */
  queue: Uint8Array[];
  /** The bytes in `queue`. */
  queued: number;
  /** Its queue reached `QUEUE_LIMIT`: not read until the queue is empty. */
  paused: boolean;
  /** It has closed its side: dropped once its queue is sent. */
  leaving: boolean;
}

/** The connected clients: with the listening socket, at most FD_SETSIZE sockets. */
const clients = new Map<SOCKET, Client>();

/** Forgets a client and closes its socket. */
function drop(s: SOCKET): void {
  clients.delete(s);
  ws.closesocket(s);
}

/** Prints a client's error and drops it. */
function failed(s: SOCKET, client: Client, code: number): void {
  printLine(`客户端 ${client.name} ${failureLine("出错了", code)}`);
  drop(s);
}

/**
 * Sends to a client what fits now when nothing waits before it, and queues
 * the rest (a copy: the caller's buffer is reused); false if the client
 * failed and was dropped.
 */
async function sendOrQueue(s: SOCKET, client: Client, bytes: Uint8Array): Promise<boolean> {
  let nSend = 0;
  if (client.queued === 0) {
    nSend = await ws.send(s, bytes, bytes.byteLength, 0); // what fits: all, part, or nothing
    if (nSend === SOCKET_ERROR) {
      const err = ws.WSAGetLastError();
      if (err !== WSAEWOULDBLOCK) {
        failed(s, client, err);
        return false;
      }
      nSend = 0;
    }
  }
  if (nSend < bytes.byteLength) enqueue(client, bytes.subarray(nSend));
  return true;
}

/** Queues bytes for a client (a copy: the caller's buffer is reused). */
function enqueue(client: Client, bytes: Uint8Array): void {
  client.queue.push(bytes.slice());
  client.queued += bytes.byteLength;
  if (client.queued >= QUEUE_LIMIT && !client.paused) { // 背压: stop reading it
    client.paused = true;
    printLine(
      `客户端 ${client.name} 待发 ${client.queued} 字节, 达到上限 ${QUEUE_LIMIT}: 暂停接收`,
    );
  }
}

const acceptFailures = new AcceptFailures();
/** Until when (performance.now()) the listener is left out of `readfds`: the system ran short. */
let acceptAfter = 0;

async function acceptClient(): Promise<void> {
  const clientMsg = si instanceof sockaddr_in ? new sockaddr_in() : new sockaddr_in6();
  const socketClient = await ws.accept(socketServer, clientMsg, { value: sizeof(clientMsg) });
  if (socketClient === INVALID_SOCKET) {
    const err = ws.WSAGetLastError();
    // 已经走了 (one client's trouble), or out of descriptors (10024): accept later
    if (err !== WSAEWOULDBLOCK) acceptAfter = performance.now() + acceptFailures.failed(err);
    return;
  }
  const name = formatAddress(clientMsg); // accept's own answer: getpeername fails for a client already gone
  if (clients.size + 1 >= FD_SETSIZE) {
    // FD_SET would silently leave it out: this client would wait for ever.
    printLine(
      `客户端 ${name} 被拒绝: fd_set 已满 (FD_SETSIZE = ${FD_SETSIZE}, 含监听socket)。` +
        "更多客户端请用多线程、WSAEventSelect 或完成端口 (IOCP)。",
    );
    await ws.send(socketClient, full, full.byteLength, 0); // a fresh socket has room for it
    ws.closesocket(socketClient);
    return;
  }
  // Non-blocking like the listening socket (accept passes that on; said again, as C servers do).
  ws.ioctlsocket(socketClient, FIONBIO, { value: 1 });
  const client: Client = {
    name,
    text: new ChunkDecoder(options.encoding),
    queue: [],
    queued: 0,
    paused: false,
    leaving: false,
  };
  clients.set(socketClient, client);
  printLine(`客户端链接成功: ${name}`);
  await sendOrQueue(socketClient, client, greeting);
}

const strBuf = new Uint8Array(1500);

/** `readfds` found it readable: a message (queued to echo), its close, or its error. */
async function serveClient(s: SOCKET, client: Client): Promise<void> {
  const nRecv = await ws.recv(s, strBuf, strBuf.byteLength, 0);
  if (nRecv === 0) { // 客户端下线: what is still queued for it is sent first
    printLine(`客户端 ${client.name} 下线`);
    client.leaving = true;
    if (client.queued === 0) drop(s);
  } else if (nRecv === SOCKET_ERROR) { // 强制下线 (10054) or another error
    const err = ws.WSAGetLastError();
    if (err !== WSAEWOULDBLOCK) failed(s, client, err);
  } else {
    printLine(
      `客户端 ${client.name} 说:\t${nRecv}  ${client.text.decode(strBuf.subarray(0, nRecv))}`,
    );
    await sendOrQueue(s, client, strBuf.subarray(0, nRecv)); // 回声: back to its sender
  }
}

/** `writefds` found room: sends from its queue until the queue is empty or the room is gone. */
async function flushClient(s: SOCKET, client: Client): Promise<void> {
  while (client.queue.length > 0) {
    const head = client.queue[0];
    const nSend = await ws.send(s, head, head.byteLength, 0); // what fits: maybe part of it
    if (nSend === SOCKET_ERROR) {
      const err = ws.WSAGetLastError();
      if (err !== WSAEWOULDBLOCK) failed(s, client, err);
      return; // WSAEWOULDBLOCK: full, the rest waits for the next writefds
    }
    client.queued -= nSend;
    if (nSend === head.byteLength) client.queue.shift();
    else client.queue[0] = head.subarray(nSend);
  }
  if (client.leaving) drop(s);
  else if (client.paused) {
    client.paused = false;
    printLine(`客户端 ${client.name} 待发已清空: 继续接收`);
  }
}

const readSockets = new fd_set(), writeSockets = new fd_set();
const st = new timeval();
while (true) {
  // Asked each round: every client that may send more (not paused, not gone), and
  // exactly the clients with something queued.
  FD_ZERO(readSockets);
  FD_ZERO(writeSockets);
  const acceptIn = acceptAfter - performance.now();
  if (acceptIn <= 0) FD_SET(socketServer, readSockets);
  for (const [s, client] of clients) {
    if (!client.paused && !client.leaving) FD_SET(s, readSockets);
    if (client.queued > 0) FD_SET(s, writeSockets);
  }
  if (readSockets.fd_count + writeSockets.fd_count === 0) { // Sleep(): select takes no empty sets
    await new Promise((r) => setTimeout(r, acceptIn));
    continue;
  }
  st.tv_sec = acceptIn > 0 ? 0 : 3; // out of descriptors: look again at the listener soon
  st.tv_usec = acceptIn > 0 ? Math.ceil(acceptIn) * 1000 : 0;
  const nSelect = await ws.select(0, readSockets, writeSockets, null, st);
  if (nSelect === 0) continue; // 3 秒内无响应
  if (nSelect === SOCKET_ERROR) {
    fail(ws, "select 出错了", ws.WSAGetLastError(), ...clients.keys(), socketServer);
  }
  for (const s of writeSockets.fd_array.subarray(0, writeSockets.fd_count)) {
    const client = clients.get(s);
    if (client) await flushClient(s, client);
  }
  for (const s of readSockets.fd_array.subarray(0, readSockets.fd_count)) {
    const client = clients.get(s); // gone if a failed send dropped it just now
    if (s === socketServer) await acceptClient();
    else if (client) await serveClient(s, client);
  }
}
