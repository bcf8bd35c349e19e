/**
 * The asynchronous select model through the façade, on every backend, over
 * real loopback sockets: the messages `WSAAsyncSelect` posts, step by step
 * (the same steps as the event select trace, the same rules: one message
 * per event, not again until the call that re-enables it), and the message
 * queue's own calls (`PostMessage`, `PeekMessage`, `DispatchMessage`,
 * `PostQuitMessage`, the filters).
 */

import assert from "node:assert/strict";
import {
  AF_INET,
  decodeMSG,
  encodeMSG,
  FD_ACCEPT,
  FD_CLOSE,
  FD_READ,
  FD_WRITE,
  type HWND,
  INVALID_SOCKET,
  IPPROTO_TCP,
  MSG,
  ntohs,
  PM_NOREMOVE,
  PM_REMOVE,
  sizeof,
  SO_LINGER,
  SOCK_STREAM,
  type SOCKET,
  SOCKET_ERROR,
  SOL_SOCKET,
  type Winsock,
  WM_QUIT,
  WM_USER,
  WSAEWOULDBLOCK,
  WSAGETSELECTERROR,
  WSAGETSELECTEVENT,
} from "../mod.ts";
import {
  deadline,
  listening,
  loopback,
  NATIVE_BACKEND,
  started,
  testBackends,
  UNDER_WINE,
} from "./_support.ts";

const WM_SOCKET = WM_USER + 1;

/** A window whose procedure notes each socket message as a line. */
function tracingWindow(ws: Winsock, names: Map<SOCKET, string>, out: string[]): HWND {
  const hWnd = ws.createMessageWindow((hWnd, uMsg, wParam, lParam) => {
    if (uMsg !== WM_SOCKET) return ws.DefWindowProc(hWnd, uMsg, wParam, lParam);
    const event = WSAGETSELECTEVENT(lParam), error = WSAGETSELECTERROR(lParam);
    out.push(`${names.get(wParam) ?? wParam}: event=0x${event.toString(16)} error=${error}`);
    return 0n;
  });
  assert.notEqual(hWnd, 0n, `createMessageWindow: ${ws.WSAGetLastError()}`);
  return hWnd;
}

/** Takes and dispatches the next message (with a deadline). */
async function pump(ws: Winsock): Promise<void> {
  const msg = new MSG();
  assert.equal(await deadline(ws.GetMessage(msg, null, 0, 0), 20_000, "a message"), 1);
  ws.TranslateMessage(msg);
  await ws.DispatchMessage(msg);
}

/** Whether a message is queued now (after a moment for one in flight to arrive). */
async function queued(ws: Winsock): Promise<string> {
  await new Promise((r) => setTimeout(r, 100));
  const msg = new MSG();
  return ws.PeekMessage(msg, null, 0, 0, PM_NOREMOVE)
    ? `message 0x${msg.message.toString(16)}`
    : "none";
}

function listeningPort(ws: Winsock, s: SOCKET): number {
  const name = loopback();
  assert.equal(ws.getsockname(s, name, { value: sizeof(name) }), 0);
  return ntohs(name.sin_port);
}

async function client(ws: Winsock, port: number): Promise<SOCKET> {
  const c = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  const si = loopback(port);
  assert.equal(await deadline(ws.connect(c, si, sizeof(si)), 20_000, "connect"), 0);
  return c;
}

/** The steps of the event select trace, with messages: one line per observation. */
async function asyncSelectTrace(ws: Winsock, peer: Winsock): Promise<string[]> {
  const out: string[] = [];
  const names = new Map<SOCKET, string>();
  const hWnd = tracingWindow(ws, names, out);
  const { s: listener, port } = listening(ws);
  names.set(listener, "listener");
  assert.equal(ws.WSAAsyncSelect(listener, hWnd, WM_SOCKET, FD_ACCEPT | FD_CLOSE), 0);
  out.push(`idle: ${await queued(ws)}`);
  const c = await client(peer, port);
  await pump(ws);
  out.push(`before accept: ${await queued(ws)}`);
  const a = await ws.accept(listener, null, null);
  names.set(a, "accepted");
  out.push(`accept: ${a === INVALID_SOCKET ? ws.WSAGetLastError() : "ok"}`);
  const none = await ws.accept(listener, null, null);
  out.push(`accept again: ${none === INVALID_SOCKET ? ws.WSAGetLastError() : "ok"}`);
  assert.equal(ws.WSAAsyncSelect(a, hWnd, WM_SOCKET, FD_READ | FD_WRITE | FD_CLOSE), 0);
  await pump(ws);
  const buf = new Uint8Array(16);
  const early = await ws.recv(a, buf, buf.byteLength, 0);
  out.push(`recv before data: ${early} ${early === SOCKET_ERROR ? ws.WSAGetLastError() : ""}`);
  await peer.send(c, new TextEncoder().encode("hello"), 5, 0);
  await pump(ws);
  out.push(`before recv: ${await queued(ws)}`);
  const two = await ws.recv(a, buf, 2, 0);
  out.push(`recv 2: ${two} ${new TextDecoder().decode(buf.subarray(0, two))}`);
  await pump(ws);
  const rest = await ws.recv(a, buf, buf.byteLength, 0);
  out.push(`recv rest: ${rest} ${new TextDecoder().decode(buf.subarray(0, rest))}`);
  out.push(`drained: ${await queued(ws)}`);
  peer.closesocket(c);
  await pump(ws);
  out.push(`recv after close: ${await ws.recv(a, buf, buf.byteLength, 0)}`);
  const c2 = await client(peer, port);
  await pump(ws);
  const a2 = await ws.accept(listener, null, null);
  names.set(a2, "accepted 2 (inherited)");
  const linger = new Uint8Array([1, 0, 0, 0]); // { l_onoff = 1, l_linger = 0 }: a reset
  assert.equal(peer.setsockopt(c2, SOL_SOCKET, SO_LINGER, linger, 4), 0);
  peer.closesocket(c2);
  await pump(ws);
  out.push(`at the end: ${await queued(ws)}`);
  for (const s of [a, a2, listener]) ws.closesocket(s);
  assert.equal(ws.DestroyWindow(hWnd), true);
  return out;
}

/** What real Winsock posts (Wine 8, through the winsock backend); Wine posts a reset's FD_CLOSE with 0. */
function expectedTrace(wine: boolean): string[] {
  return [
    "idle: none",
    "listener: event=0x8 error=0",
    "before accept: none",
    "accept: ok",
    `accept again: ${WSAEWOULDBLOCK}`,
    "accepted: event=0x2 error=0",
    `recv before data: -1 ${WSAEWOULDBLOCK}`,
    "accepted: event=0x1 error=0",
    "before recv: none",
    "recv 2: 2 he",
    "accepted: event=0x1 error=0",
    "recv rest: 3 llo",
    "drained: none",
    "accepted: event=0x20 error=0",
    "recv after close: 0",
    "listener: event=0x8 error=0",
    `accepted 2 (inherited): event=0x20 error=${wine ? 0 : 10054}`,
    "at the end: none",
  ];
}

for (const backend of testBackends()) {
  Deno.test(`WSAAsyncSelect [${backend}]: the messages real Winsock posts`, async () => {
    const ws = started(backend), peer = started(NATIVE_BACKEND);
    try {
      assert.deepEqual(await asyncSelectTrace(ws, peer), expectedTrace(UNDER_WINE));
    } finally {
      ws.WSACleanup();
      peer.WSACleanup();
    }
  });

  Deno.test(`message queue [${backend}]: PostMessage, filters, PeekMessage, DispatchMessage, WM_QUIT`, async () => {
    const ws = started(backend);
    try {
      const seen: string[] = [];
      const hWnd = ws.createMessageWindow((hWnd, uMsg, wParam, lParam) => {
        if (uMsg < WM_USER) return ws.DefWindowProc(hWnd, uMsg, wParam, lParam);
        seen.push(`${uMsg - WM_USER} ${wParam} ${lParam}`);
        return uMsg === WM_USER + 3 ? Promise.resolve(7n) : 42n;
      });
      const msg = new MSG();
      assert.equal(ws.PeekMessage(msg, hWnd, 0, 0, PM_REMOVE), false);
      assert.equal(ws.PostMessage(hWnd, WM_USER + 2, 5n, -6n), true);
      assert.equal(ws.PostMessage(hWnd, WM_USER + 3, 8n, 9n), true);
      // A filter that leaves the first one out.
      assert.equal(ws.PeekMessage(msg, hWnd, WM_USER + 3, WM_USER + 3, PM_NOREMOVE), true);
      assert.equal(msg.message, WM_USER + 3);
      assert.equal(await ws.GetMessage(msg, hWnd, 0, 0), 1);
      assert.deepEqual([msg.hwnd, msg.message, msg.wParam, msg.lParam], [
        hWnd,
        WM_USER + 2,
        5n,
        -6n,
      ]);
      assert.equal(await ws.DispatchMessage(msg), 42n);
      assert.equal(await ws.GetMessage(msg, null, 0, 0), 1);
      assert.equal(await ws.DispatchMessage(msg), 7n); // the procedure's Promise, awaited
      assert.deepEqual(seen, ["2 5 -6", "3 8 9"]);
      // A message posted while GetMessage waits ends the wait.
      const waiting = ws.GetMessage(msg, null, 0, 0);
      setTimeout(() => ws.PostMessage(hWnd, WM_USER + 4, 1n, 2n), 50);
      assert.equal(await deadline(waiting, 20_000, "GetMessage"), 1);
      assert.equal(msg.message, WM_USER + 4);
      ws.PostQuitMessage(3);
      assert.equal(await deadline(ws.GetMessage(msg, null, 0, 0), 20_000, "WM_QUIT"), 0);
      assert.equal(msg.message, WM_QUIT);
      assert.equal(msg.wParam, 3n);
      assert.equal(ws.DestroyWindow(hWnd), true);
      // Not a window (any more).
      assert.equal(ws.DestroyWindow(hWnd), false);
      const { s } = listening(ws);
      // WSAAsyncSelect does not check the window (Wine's does not): nothing is posted to it.
      assert.equal(ws.WSAAsyncSelect(s, hWnd, WM_SOCKET, FD_ACCEPT), 0);
      const c = await client(ws, listeningPort(ws, s));
      assert.equal(await queued(ws), "none");
      ws.closesocket(c);
      ws.closesocket(s);
    } finally {
      ws.WSACleanup();
    }
  });
}

Deno.test("MSG: 48 bytes on Win64 (hwnd, message at 8, wParam 16, lParam 24, time 32, pt 36); short buffers are WSAEFAULT", () => {
  const msg = new MSG();
  Object.assign(msg, { hwnd: 0x1234n, message: WM_USER + 1, wParam: 0x2a0n, lParam: -2n, time: 7 });
  msg.pt = { x: -1, y: 2 };
  const bytes = encodeMSG(msg);
  assert.equal(bytes.byteLength, 48);
  const view = new DataView(bytes.buffer);
  assert.equal(view.getUint32(8, true), WM_USER + 1);
  assert.equal(view.getBigUint64(16, true), 0x2a0n);
  assert.equal(view.getBigInt64(24, true), -2n);
  assert.equal(view.getInt32(36, true), -1);
  assert.deepEqual(decodeMSG(bytes), msg);
  assert.throws(() => decodeMSG(bytes.subarray(0, 47)), { code: 10014 });
});
