/**
 * The emulated completion ports held to real Winsock: tests/peers/iocp_steps.c
 * run under Wine prints one line per step; the same steps through the
 * façade must print the same lines on every backend (winsock: Windows' own
 * ports; posix, deno: the emulation). Under Wine the C program itself is
 * run too and must print them.
 */

import assert from "node:assert/strict";
import {
  type HANDLE,
  INVALID_HANDLE_VALUE,
  OVERLAPPED_ENTRY,
  type SOCKET,
  type Winsock,
  WSABUF,
  WSAOVERLAPPED,
} from "../mod.ts";
import { deadline, pair, started, testBackends } from "./_support.ts";

/** What iocp_steps.c prints on real Winsock (Wine 8; see ABORTED_UNDER_WINE). */
const GOLDEN = [
  "create: port",
  "idle: ok=0 err=258 bytes=0 key=0 ov=null",
  "associate: port",
  "associate again: null err=87",
  "recv: rc=-1 err=997",
  "recv done: ok=1 err=0 bytes=8 key=1234 ov=recv",
  "recv data: Internal=0 InternalHigh=8 iocp one",
  "send done: ok=1 err=0 bytes=9 key=1234 ov=send",
  "client got: gather me",
  "scatter: ok=1 err=0 bytes=7 key=1234 ov=recv",
  "scatter data: abc defg",
  "post: ok=1 err=0 bytes=42 key=dead ov=mine",
  "ex: ok=1 removed=2 [1 1] [2 2]",
  "ex rest: ok=1 err=0 bytes=3 key=3 ov=null",
  "recv before close: rc=-1 err=997",
  "closesocket: 0",
  "aborted: ok=0 err=995 bytes=0 key=1234 ov=recv",
  "nothing more: ok=0 err=258 bytes=0 key=0 ov=null",
  "peer closed: ok=1 err=0 bytes=0 key=77 ov=recv",
  "CloseHandle: 1",
  "CloseHandle again: 0 err=6",
  "post to closed: 0 err=6",
  "dequeue closed: ok=0 err=6 bytes=0 key=0 ov=null",
];
/**
 * Windows fails an operation aborted by `closesocket` with 995
 * (`ERROR_OPERATION_ABORTED`); Wine 8 leaves `STATUS_HANDLES_CLOSED`, so C's
 * `GetLastError()` reads 676 there. The façade reports 995 on every backend.
 */
const ABORTED_UNDER_WINE = "aborted: ok=0 err=676 bytes=0 key=1234 ov=recv";

const text = new TextDecoder();

/** The steps of iocp_steps.c through the façade, printed the same way. */
async function steps(ws: Winsock): Promise<string[]> {
  const out: string[] = [];
  const port: HANDLE = ws.CreateIoCompletionPort(INVALID_HANDLE_VALUE, null, 0n, 0)!;
  out.push(`create: ${port ? "port" : "null"}`);
  const named = new Map<WSAOVERLAPPED, string>();
  const dequeue = async (step: string, ms: number) => {
    const bytes = { value: 0 }, key = { value: 0n }, ov = { value: null as WSAOVERLAPPED | null };
    const ok = await deadline(ws.GetQueuedCompletionStatus(port, bytes, key, ov, ms), 30_000, step);
    const err = ok ? 0 : ws.GetLastError();
    const some = ok || ov.value !== null;
    out.push(
      `${step}: ok=${ok ? 1 : 0} err=${err} bytes=${some ? bytes.value : 0} ` +
        `key=${(some ? key.value : 0n).toString(16)} ov=${
          ov.value === null ? "null" : named.get(ov.value) ?? "?"
        }`,
    );
  };
  await dequeue("idle", 50);
  let [client, server, listener]: SOCKET[] = await pair(ws);
  out.push(
    `associate: ${ws.CreateIoCompletionPort(server, port, 0x1234n, 0) === port ? "port" : "null"}`,
  );
  const again = ws.CreateIoCompletionPort(server, port, 2n, 0);
  out.push(`associate again: ${again ? "port" : "null"} err=${again ? 0 : ws.GetLastError()}`);

  const buf = new Uint8Array(64), a = new Uint8Array(3), b = new Uint8Array(10);
  const recvOv = new WSAOVERLAPPED(), sendOv = new WSAOVERLAPPED(), mine = new WSAOVERLAPPED();
  named.set(recvOv, "recv").set(sendOv, "send").set(mine, "mine");
  const one = [new WSABUF(buf)];
  let rc = ws.WSARecv(server, one, 1, null, { value: 0 }, recvOv, null);
  out.push(`recv: rc=${rc} err=${rc ? ws.WSAGetLastError() : 0}`);
  await ws.send(client, new TextEncoder().encode("iocp one"), 8, 0);
  await dequeue("recv done", 10000);
  out.push(
    `recv data: Internal=${recvOv.Internal} InternalHigh=${recvOv.InternalHigh} ${
      text.decode(buf.subarray(0, 8))
    }`,
  );

  const enc = new TextEncoder();
  ws.WSASend(
    server,
    [new WSABUF(enc.encode("gather ")), new WSABUF(enc.encode("me"))],
    2,
    null,
    0,
    sendOv,
    null,
  );
  await dequeue("send done", 10000);
  let n = 0;
  while (n < 9) n += await ws.recv(client, buf.subarray(n), buf.byteLength - n, 0);
  out.push(`client got: ${text.decode(buf.subarray(0, 9))}`);

  await ws.send(client, enc.encode("abcdefg"), 7, 0);
  await new Promise((r) => setTimeout(r, 200));
  ws.WSARecv(server, [new WSABUF(a), new WSABUF(b)], 2, null, { value: 0 }, recvOv, null);
  await dequeue("scatter", 10000);
  out.push(`scatter data: ${text.decode(a)} ${text.decode(b.subarray(0, 4))}`);

  ws.PostQueuedCompletionStatus(port, 42, 0xdeadn, mine);
  await dequeue("post", 10000);
  for (let i = 1; i <= 3; i++) ws.PostQueuedCompletionStatus(port, i, BigInt(i), null);
  const entries = [new OVERLAPPED_ENTRY(), new OVERLAPPED_ENTRY()];
  const removed = { value: 0 };
  const ok = await ws.GetQueuedCompletionStatusEx(port, entries, 2, removed, 1000, false);
  out.push(
    `ex: ok=${ok ? 1 : 0} removed=${removed.value} ${
      entries.map((e) => `[${e.lpCompletionKey} ${e.dwNumberOfBytesTransferred}]`).join(" ")
    }`,
  );
  await dequeue("ex rest", 0);

  rc = ws.WSARecv(server, one, 1, null, { value: 0 }, recvOv, null);
  out.push(`recv before close: rc=${rc} err=${rc ? ws.WSAGetLastError() : 0}`);
  out.push(`closesocket: ${ws.closesocket(server)}`);
  await dequeue("aborted", 10000);
  await dequeue("nothing more", 0);

  ws.closesocket(client);
  ws.closesocket(listener);
  [client, server, listener] = await pair(ws);
  ws.CreateIoCompletionPort(server, port, 0x77n, 0);
  ws.WSARecv(server, one, 1, null, { value: 0 }, recvOv, null);
  ws.closesocket(client);
  await dequeue("peer closed", 10000);
  ws.closesocket(server);
  ws.closesocket(listener);

  out.push(`CloseHandle: ${ws.CloseHandle(port) ? 1 : 0}`);
  let done = ws.CloseHandle(port);
  out.push(`CloseHandle again: ${done ? 1 : 0} err=${done ? 0 : ws.GetLastError()}`);
  done = ws.PostQueuedCompletionStatus(port, 0, 0n, null);
  out.push(`post to closed: ${done ? 1 : 0} err=${done ? 0 : ws.GetLastError()}`);
  await dequeue("dequeue closed", 0);
  return out;
}

for (const backend of testBackends()) {
  Deno.test(`iocp steps [${backend}]: the same lines as iocp_steps.c on real Winsock`, async () => {
    const ws = started(backend);
    assert.deepEqual(await steps(ws), GOLDEN);
    ws.WSACleanup();
  });
}

const peers = Deno.build.os === "windows" ? Deno.env.get("WINSOCK_TS_PEERS") : undefined;
Deno.test({
  name: "iocp steps: iocp_steps.c itself prints them on this Winsock",
  ignore: peers === undefined,
  fn: async () => {
    const run = await new Deno.Command(`${peers}/iocp_steps.exe`).output();
    assert.equal(run.code, 0);
    const lines = text.decode(run.stdout).trimEnd().split(/\r?\n/);
    const i = GOLDEN.findIndex((l) => l.startsWith("aborted:"));
    assert.deepEqual(
      lines,
      GOLDEN.with(i, lines[i] === ABORTED_UNDER_WINE ? ABORTED_UNDER_WINE : GOLDEN[i]),
    );
  },
});
