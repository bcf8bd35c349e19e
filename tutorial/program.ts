/**
 * What the tutorial programs share beyond their own Winsock calls: opening
 * the chosen backend, the tutorial's failure path (print the message with
 * the WSA code, its name and meaning; close; `WSACleanup`; exit 1), and, for
 * the later chapters, their common first steps (`startWinsock`,
 * `bindAndListen`), which `server.ts` and `client.ts` spell out themselves.
 *
 * @module
 */

import {
  AF_INET,
  type BackendName,
  formatAddress,
  formatWinsockError,
  HIBYTE,
  LOBYTE,
  MAKEWORD,
  openWinsock,
  resolveBackend,
  sizeof,
  SOCK_STREAM,
  type SOCKADDR,
  sockaddr_in,
  sockaddr_in6,
  type SOCKET,
  SOCKET_ERROR,
  SOMAXCONN,
  TUTORIAL_WSASTARTUP_NOTES,
  type Winsock,
  WSADATA,
  WSAEACCES,
  WSAEADDRINUSE,
  WSAEMFILE,
  WSAENOBUFS,
} from "../mod.ts";
import { printLine } from "./console.ts";
import type { TutorialOptions } from "./cli.ts";
import { programAddress } from "./addresses.ts";

/**
 * Opens the façade for a program (traced to stderr with `--trace`); a
 * backend that cannot load here is one clear line on stderr and exit 1,
 * never a stack trace.
 */
export function openForProgram(options: TutorialOptions): Winsock {
  try {
    const ws = openWinsock({ backend: options.backend, trace: options.trace });
    program = { backend: resolveBackend(options.backend), host: options.host, port: options.port };
    return ws;
  } catch (e) {
    // Deno's own message may say its first words twice ("Could not open library: Could not …").
    const cause = e instanceof Error && e.cause instanceof Error
      ? ` (${e.cause.message.replace(/^(.+?: )\1+/, "$1")})`
      : "";
    console.error(`${e instanceof Error ? e.message : String(e)}${cause}`);
    Deno.exit(1);
  }
}

/** The program's backend and `--host`/`--port`, once `openForProgram` has opened it. */
let program: { backend: BackendName; host: string; port: number } | undefined;

/**
 * The line the tutorial programs print for a failure: message, code, name,
 * meaning (only the message for code 0, a failure that is not Winsock's).
 */
export function failureLine(message: string, code: number): string {
  return code === 0 ? message : `${message}: ${formatWinsockError(code)}`;
}

/** `--host` as `--allow-net` takes it: an IPv6 address in brackets. */
function netFlagHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

/**
 * What a person can do about `code` in this program, or null: the flag Deno's permissions
 * want (10013 on the deno backend, where `--allow-net` does not allow `--host`), or another
 * `--port` when the address is in use (10048).
 *
 * @example
 * ```ts
 * import { failureHint } from "./program.ts";
 * console.log(failureHint(10054)); // null
 * ```
 */
export function failureHint(code: number): string | null {
  if (!program) return null;
  const { backend, host, port } = program;
  if (code === WSAEACCES && backend === "deno") {
    const flag = netFlagHost(host);
    const allowed = Deno.permissions.querySync({ name: "net", host: flag }).state === "granted";
    if (!allowed) return `提示: Deno 的权限不允许访问 ${host}: 加上 --allow-net=${flag}`;
  }
  if (code === WSAEADDRINUSE) {
    return `提示: ${netFlagHost(host)}:${port} 已被占用 (another socket holds port ${port}: ` +
      "a server still running?): 先关掉它, 或用 --port 换一个端口";
  }
  return null;
}

/** Prints why `WSAStartup` failed, with the tutorial's explanation, and exits 1. */
export function startupFailed(code: number): never {
  printLine(failureLine("网络库打开失败", code));
  const note = TUTORIAL_WSASTARTUP_NOTES.get(code);
  if (note) printLine(note);
  Deno.exit(1);
}

/**
 * The chapters' first step, as the tutorial's: `WSAStartup(MAKEWORD(2, 2))`, then the version
 * check (`版本不对`, `WSACleanup`, exit 1 if it is not 2.2). (`server.ts` and `client.ts` keep
 * these lines themselves, as the tutorial prints them.)
 */
export function startWinsock(ws: Winsock): void {
  const wdSockMsg = new WSADATA();
  const nRes = ws.WSAStartup(MAKEWORD(2, 2), wdSockMsg);
  if (nRes !== 0) startupFailed(nRes);
  if (HIBYTE(wdSockMsg.wVersion) !== 2 || LOBYTE(wdSockMsg.wVersion) !== 2) {
    printLine(`版本不对: ${LOBYTE(wdSockMsg.wVersion)}.${HIBYTE(wdSockMsg.wVersion)}`);
    ws.WSACleanup();
    Deno.exit(1);
  }
}

/**
 * A chapter server's `bind` and `listen` (`SOMAXCONN`) of `socketServer` on `si`, each failure
 * the tutorial's (`绑定错误`, `监听失败`), and the note when it binds every interface.
 */
export function bindAndListen(ws: Winsock, socketServer: SOCKET, si: SOCKADDR): void {
  if (SOCKET_ERROR === ws.bind(socketServer, si, sizeof(si))) {
    fail(ws, "绑定错误", ws.WSAGetLastError(), socketServer);
  }
  if (SOCKET_ERROR === ws.listen(socketServer, SOMAXCONN)) {
    fail(ws, "监听失败", ws.WSAGetLastError(), socketServer);
  }
  const note = allInterfacesNote(si);
  if (note) printLine(note);
}

/**
 * The note a server prints when it binds every interface (`0.0.0.0` or `::`): reachable from
 * other machines, whatever `--allow-net` says (the FFI backends bypass Deno's permissions).
 */
export function allInterfacesNote(si: SOCKADDR): string | null {
  const any = si instanceof sockaddr_in
    ? si.sin_addr.S_un.S_addr === 0
    : si.sin6_addr.s6_addr.every((b) => b === 0);
  return any
    ? `注意: 绑定在所有网络接口上 (${si instanceof sockaddr_in ? "0.0.0.0" : "::"})`
    : null;
}

/**
 * The tutorial's failure path: prints `message` with the code, closes the
 * sockets given, calls `WSACleanup` and exits 1.
 */
export function fail(ws: Winsock, message: string, code: number, ...sockets: SOCKET[]): never {
  printLine(failureLine(message, code));
  const hint = failureHint(code);
  if (hint) printLine(hint);
  for (const s of sockets) ws.closesocket(s);
  ws.WSACleanup();
  Deno.exit(1);
}

/** The orderly end: closes the sockets, `WSACleanup`, exit 0. */
export function finish(ws: Winsock, ...sockets: SOCKET[]): never {
  for (const s of sockets) ws.closesocket(s);
  ws.WSACleanup();
  Deno.exit(0);
}

/**
 * The address `--host` and `--port` name, for a chapter server: IPv4 text
 * filled in as the tutorial does (`inet_addr`), IPv6 text, or a name through
 * `getaddrinfo`; a name that does not resolve prints `找不到主机` with its
 * code and exits 1.
 */
export async function serverAddress(
  ws: Winsock,
  options: TutorialOptions,
  socktype: number = SOCK_STREAM,
): Promise<SOCKADDR> {
  const found = await programAddress(ws, options.host, options.port, socktype);
  if (typeof found === "number") fail(ws, "找不到主机", found);
  return found;
}

/** `ip:port` (`[ip]:port` for IPv6) of a connected socket's peer of family `af`, as `getpeername` says. */
export function peerName(ws: Winsock, s: SOCKET, af: number = AF_INET): string {
  const peer = af === AF_INET ? new sockaddr_in() : new sockaddr_in6();
  if (ws.getpeername(s, peer, { value: sizeof(peer) }) === SOCKET_ERROR) {
    return `(getpeername: ${ws.WSAGetLastError()})`;
  }
  return formatAddress(peer);
}

/** How long a chapter server waits before it accepts again once the system ran short. */
export const ACCEPT_RETRY_MS = 200;
/** How often a chapter server says at most that the system ran short. */
const SHORTAGE_REPORT_MS = 60_000;

/** Whether `code` says the system ran short (`WSAEMFILE`, `WSAENOBUFS`), not one client's trouble. */
export function systemShort(code: number): boolean {
  return code === WSAEMFILE || code === WSAENOBUFS;
}

/**
 * A chapter server's failed `accept` (or `AcceptEx`). Most are one
 * client's trouble (it reset before it was taken): printed, and the server
 * accepts again at once. `WSAEMFILE` (out of descriptors) and `WSAENOBUFS`
 * are the system's: the connection waits in the backlog, so accepting again
 * at once would fail again at once. Those are printed once a minute at
 * most, and the server accepts again after `ACCEPT_RETRY_MS`, serving its
 * connected clients meanwhile; they give the descriptors back as they leave.
 */
export class AcceptFailures {
  #reportedAt = -Infinity;

  /** Reports the failure `code`; the milliseconds to wait before accepting again (0: at once). */
  failed(code: number): number {
    if (!systemShort(code)) {
      printLine(failureLine("客户端链接失败", code));
      return 0;
    }
    if (performance.now() - this.#reportedAt >= SHORTAGE_REPORT_MS) {
      printLine(`${failureLine("客户端链接失败", code)} (稍后重试)`);
      this.#reportedAt = performance.now();
    }
    return ACCEPT_RETRY_MS;
  }
}
