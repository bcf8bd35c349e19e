/**
 * The asynchronous select model (`WSAAsyncSelect`): Winsock posts a window
 * message for each network event of a socket (`FD_ACCEPT`, `FD_READ`,
 * `FD_WRITE`, `FD_CLOSE`), and the program's message loop (`GetMessage`,
 * `TranslateMessage`, `DispatchMessage`) hands each one to the window
 * procedure: `wParam` is the socket, `lParam` the event and its error code
 * (`WSAGETSELECTEVENT`, `WSAGETSELECTERROR`).
 *
 *     deno run --allow-net=127.0.0.1 --allow-ffi chapters/async_select_server.ts [--port 12345] [--encoding gbk]
 *
 * Each client gets the tutorial's greeting, each message is printed with
 * the client's address and echoed back to its sender; a client that leaves
 * or resets is dropped. It serves until stopped (Ctrl+C); exit 1 on an
 * error, 2 on a bad flag.
 *
 * The window is the one the façade provides (`createMessageWindow`): on
 * Windows a real message-only window, elsewhere the emulated queue with the
 * same calls. One window serves any number of sockets: this model has no
 * 64-socket limit; its limit is the one thread that runs the window
 * procedure for every message of every client.
 *
 * @module
 */

import {
  addressFamily,
  FD_ACCEPT,
  FD_CLOSE,
  FD_READ,
  FD_WRITE,
  INVALID_SOCKET,
  IPPROTO_TCP,
  MSG,
  SOCK_STREAM,
  type SOCKET,
  SOCKET_ERROR,
  WM_USER,
  WSAGETSELECTERROR,
  WSAGETSELECTEVENT,
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

/** The message Winsock posts for the sockets' events. */
const WM_SOCKET = WM_USER + 1;

const options = tutorialOptions("chapters/async_select_server.ts", "listen on");
const ws = openForProgram(options);

// 打开网络库, 校验版本
startWinsock(ws);

// 地址: --host as the tutorial fills it (IPv4), IPv6 text, or a name (getaddrinfo)
const si = await serverAddress(ws, options);

// 创建socket, 绑定, 监听: as in server.ts
const socketServer = ws.socket(addressFamily(si), SOCK_STREAM, IPPROTO_TCP);
if (socketServer === INVALID_SOCKET) fail(ws, "创建服务器socket失败", ws.WSAGetLastError());
bindAndListen(ws, socketServer, si);

/** A client just accepted: a client's events instead of the listener's it inherited, the greeting. */
async function serveClient(socketClient: SOCKET, name: string): Promise<void> {
  if (
    SOCKET_ERROR === ws.WSAAsyncSelect(socketClient, hWnd, WM_SOCKET, FD_READ | FD_WRITE | FD_CLOSE)
  ) {
    printLine(failureLine("WSAAsyncSelect 失败", ws.WSAGetLastError()));
    ws.closesocket(socketClient);
    return;
  }
  await clients.add(socketClient, name);
}

const acceptor = new Acceptor(ws, socketServer, addressFamily(si), serveClient);
const clients = new EchoClients(ws, options.encoding, () => acceptor.freed());

/** The window procedure: what each socket message calls for. */
async function onSocket(s: SOCKET, lParam: bigint): Promise<bigint> {
  const event = WSAGETSELECTEVENT(lParam), error = WSAGETSELECTERROR(lParam);
  if (s === socketServer) {
    if (event === FD_ACCEPT) await acceptor.accept();
  } else if (event === FD_WRITE) {
    await clients.writable(s);
  } else if (event === FD_READ) {
    if (error === 0) await clients.readable(s);
    else await clients.closed(s, error);
  } else if (event === FD_CLOSE) {
    await clients.closed(s, error);
  }
  return 0n;
}

// 窗口: messages for the sockets go to its window procedure
const hWnd = ws.createMessageWindow((hWnd, uMsg, wParam, lParam) =>
  uMsg === WM_SOCKET ? onSocket(wParam, lParam) : ws.DefWindowProc(hWnd, uMsg, wParam, lParam)
);
if (hWnd === 0n) fail(ws, "创建窗口失败", ws.WSAGetLastError(), socketServer);
if (SOCKET_ERROR === ws.WSAAsyncSelect(socketServer, hWnd, WM_SOCKET, FD_ACCEPT)) {
  fail(ws, "WSAAsyncSelect 失败", ws.WSAGetLastError(), socketServer);
}
printLine(`WSAAsyncSelect 服务器已启动: ${options.host}:${options.port}`);

// 消息循环: one message at a time, as one window procedure runs at a time in C
const msg = new MSG();
while (await ws.GetMessage(msg, null, 0, 0) > 0) {
  ws.TranslateMessage(msg);
  await ws.DispatchMessage(msg);
}
