/**
 * The tutorial's completion-port chapter: one port, one Worker per core
 * (`navigator.hardwareConcurrency`, as C starts one thread per core), each
 * looping in `GetQueuedCompletionStatus` and serving what completes:
 * printing each message with the client's address, echoing it with an
 * overlapped `WSASend`, then posting the next overlapped `WSARecv`.
 *
 *     deno run --allow-net=127.0.0.1 --allow-ffi --allow-read=. chapters/iocp_server.ts [--port 12345] [--encoding gbk]
 *
 * The main thread accepts, associates each client with the port (the
 * completion key: the client's slot), and sends the greeting. Each
 * client's `WSAOVERLAPPED`, socket, name and buffer live in a slot of a
 * `SharedArrayBuffer` every thread maps (`_iocp_slots.ts`): a completion
 * dequeued by any Worker is matched to its client by where its
 * `WSAOVERLAPPED` lives; one operation per client is in flight at a time,
 * so no two Workers serve the same client at once.
 *
 * What runs where:
 * - winsock: the Workers (chapters/iocp_worker.ts) each open their own
 *   façade on the process-wide Winsock, wait in Windows' port (its handle
 *   handed over as a bigint) and start the next operations themselves.
 * - posix, deno: the port is this thread's emulation (its reactor does
 *   the I/O), so this thread dequeues it and posts each completion to a
 *   `SharedCompletionQueue` (chapters/shared_port.ts) the Workers wait
 *   on with `Atomics.wait`; a Worker asks this thread to start the next
 *   operation (`postMessage`).
 *
 * Each message is decoded on its own (a character split between two
 * messages prints as U+FFFD). A client that leaves or resets is dropped.
 * Serves until stopped; exit 1 on an error, 2 on a bad flag.
 *
 * @module
 */

import { setImmediate } from "node:timers";
import {
  addressFamily,
  AF_INET6,
  formatAddress,
  INFINITE,
  INVALID_HANDLE_VALUE,
  INVALID_SOCKET,
  IPPROTO_TCP,
  sizeof,
  SOCK_STREAM,
  sockaddr_in,
  sockaddr_in6,
  SOCKET_ERROR,
  WSA_IO_PENDING,
  WSABUF,
  type WSAOVERLAPPED,
} from "../mod.ts";
import { tutorialOptions } from "../tutorial/cli.ts";
import { printLine } from "../tutorial/console.ts";
import { SharedCompletionQueue } from "./shared_port.ts";
import { encodeText } from "../tutorial/text.ts";
import {
  AcceptFailures,
  bindAndListen,
  fail,
  failureLine,
  openForProgram,
  serverAddress,
  startWinsock,
} from "../tutorial/program.ts";
import { FREE, RECV, SEND, Slots } from "./_iocp_slots.ts";
import type { WorkerInit } from "./iocp_worker.ts";

const options = tutorialOptions("chapters/iocp_server.ts", "listen on");
const ws = openForProgram(options);

// 打开网络库, 校验版本
startWinsock(ws);

// 创建完成端口
const hPort = ws.CreateIoCompletionPort(INVALID_HANDLE_VALUE, null, 0n, 0);
if (hPort === null) fail(ws, "创建完成端口失败", ws.GetLastError());

// 创建socket, 绑定, 监听
const si = await serverAddress(ws, options); // --host: IPv4 as the tutorial fills it, IPv6, a name
const socketServer = ws.WSASocket(addressFamily(si), SOCK_STREAM, IPPROTO_TCP, null, 0, 0x01);
if (socketServer === INVALID_SOCKET) fail(ws, "创建服务器socket失败", ws.WSAGetLastError());
bindAndListen(ws, socketServer, si);
printLine(`IOCP 服务器已启动: ${options.host}:${options.port}`);

const greeting = encodeText("服务器链接成功\0", options.encoding);

/** Clients served at once at most (slots in the shared table). */
const MAX_CLIENTS = 1024;
const slots = new Slots(MAX_CLIENTS);
const free = Array.from({ length: MAX_CLIENTS }, (_, i) => MAX_CLIENTS - 1 - i);
const native = ws.backend === "winsock";
const queue = native ? null : SharedCompletionQueue.create(2 * MAX_CLIENTS);

/** Closes slot `i`'s client and frees the slot. */
function close(i: number): void {
  ws.closesocket(slots.socket(i));
  slots.setKind(i, FREE);
  free.push(i);
}

/** Starts slot `i`'s next operation here (the greeting; on posix and deno every one). */
function start(i: number, kind: number, bytes = 0): void {
  slots.setKind(i, kind);
  const s = slots.socket(i);
  const rc = kind === RECV
    ? ws.WSARecv(s, [new WSABUF(slots.data(i))], 1, null, { value: 0 }, slots.ov[i], null)
    : ws.WSASend(s, [new WSABUF(slots.data(i).subarray(0, bytes))], 1, null, 0, slots.ov[i], null);
  const err = rc === SOCKET_ERROR ? ws.WSAGetLastError() : 0; // read only after a failure
  if (err !== 0 && err !== WSA_IO_PENDING) {
    printLine(`客户端 ${slots.name(i)} ${failureLine("出错了", err)}`);
    close(i);
  }
}

// 创建工作线程: one Worker per core.
type FromWorker = { free: number } | { recv: number } | { send: number; bytes: number } | {
  close: number;
} | { fatal: string };
const init: WorkerInit = {
  encoding: options.encoding,
  slots: slots.buffer,
  count: MAX_CLIENTS,
  ...(native ? { port: hPort! } : { queue: queue!.buffer }),
};
const workerFile = new URL("./iocp_worker.ts", import.meta.url);
if (Deno.permissions.querySync({ name: "read", path: workerFile }).state !== "granted") {
  // Without it each Worker dies on load with Deno's own uncaught error: say which flag instead.
  fail(ws, "工作线程要读取 chapters/iocp_worker.ts: 加上 --allow-read", 0, socketServer);
}
for (let n = 0; n < Math.max(1, navigator.hardwareConcurrency); n++) {
  const worker = new Worker(workerFile.href, { type: "module" });
  worker.onmessage = (e: MessageEvent<FromWorker>) => {
    const m = e.data;
    if ("fatal" in m) fail(ws, m.fatal, 0, socketServer);
    else if ("free" in m) {
      slots.setKind(m.free, FREE);
      free.push(m.free);
    } else if ("close" in m) close(m.close);
    else if ("recv" in m) start(m.recv, RECV);
    else start(m.send, SEND, m.bytes);
  };
  worker.onerror = (e) => {
    e.preventDefault();
    fail(ws, `工作线程出错了: ${e.message}`, 0, socketServer);
  };
  worker.postMessage(init);
}

// posix, deno: this thread takes the emulated port's completions and hands them to the Workers.
if (queue) {
  (async () => {
    for (;;) {
      const bytes = { value: 0 }, key = { value: 0n }, ov = { value: null as WSAOVERLAPPED | null };
      const ok = await ws.GetQueuedCompletionStatus(hPort!, bytes, key, ov, INFINITE);
      if (!ok && ov.value === null) {
        fail(ws, "GetQueuedCompletionStatus 出错了", ws.GetLastError(), socketServer);
      }
      const error = ok ? 0 : ws.GetLastError();
      queue.post({ key: key.value, index: slots.indexOf(ov.value), bytes: bytes.value, error });
    }
  })();
}

// 主线程: accept, 绑定到完成端口 (key: the client's slot), 发送问候 (its completion: a Worker's)
const acceptFailures = new AcceptFailures();
while (true) {
  // A turn of the event loop before each accept: the completions, and the Workers' requests that
  // free the slots of clients gone, are served between two accepts however fast clients come.
  await new Promise((r) => setImmediate(r));
  const from = addressFamily(si) === AF_INET6 ? new sockaddr_in6() : new sockaddr_in();
  const socketClient = await ws.accept(socketServer, from, { value: sizeof(from) });
  if (socketClient === INVALID_SOCKET) {
    const ms = acceptFailures.failed(ws.WSAGetLastError()); // out of descriptors: wait a little
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
    continue;
  }
  const name = formatAddress(from); // accept's: known even of a client that already left
  const i = free.pop();
  if (i === undefined) {
    printLine(`客户端 ${name}: 客户端太多了 (${MAX_CLIENTS})`);
    ws.closesocket(socketClient);
    continue;
  }
  if (ws.CreateIoCompletionPort(socketClient, hPort, BigInt(i), 0) === null) {
    printLine(`客户端 ${name} ${failureLine("绑定完成端口失败", ws.GetLastError())}`);
    ws.closesocket(socketClient);
    free.push(i);
    continue;
  }
  slots.open(i, socketClient, name);
  printLine(`客户端链接成功: ${name}`);
  slots.data(i).set(greeting);
  start(i, SEND, greeting.byteLength);
}
