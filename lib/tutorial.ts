/**
 * What the tutorial programs share beyond their own Winsock calls: opening
 * the chosen backend, the tutorial's failure path (print the message with
 * the WSA code, its name and meaning; close; `WSACleanup`; exit 1), and, for
 * the later chapters, their common first steps (`startWinsock`,
 * `bindAndListen`), which `server.ts` and `client.ts` spell out themselves.
 *
 * @module
 */

import { AF_INET, SOCK_STREAM, type SOCKET, SOCKET_ERROR, SOMAXCONN } from "./constants.ts";
import { HIBYTE, LOBYTE, MAKEWORD } from "./helpers.ts";
import { formatWinsockError, TUTORIAL_WSASTARTUP_NOTES, WSAEMFILE, WSAENOBUFS } from "./errors.ts";
import { printLine } from "./console.ts";
import { openWinsock } from "./open.ts";
import type { TutorialOptions } from "./cli.ts";
import type { Winsock } from "./winsock.ts";
import { formatAddress, programAddress } from "./names.ts";
import { sizeof, type SOCKADDR, sockaddr_in, sockaddr_in6, WSADATA } from "./structs.ts";

/**
 * Opens the façade for a program (traced to stderr with `--trace`); a
 * backend that cannot load here is one clear line on stderr and exit 1,
 * never a stack trace.
 */
export function openForProgram(options: TutorialOptions): Winsock {
  try {
    return openWinsock({ backend: options.backend, trace: options.trace });
  } catch (e) {
    const cause = e instanceof Error && e.cause instanceof Error ? ` (${e.cause.message})` : "";
    console.error(`${e instanceof Error ? e.message : String(e)}${cause}`);
    Deno.exit(1);
  }
}

/** The line the tutorial programs print for a failure: message, code, name, meaning. */
export function failureLine(message: string, code: number): string {
  return `${message}: ${formatWinsockError(code)}`;
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
  if (si instanceof sockaddr_in && si.sin_addr.S_un.S_addr === 0) {
    printLine("注意: 绑定在所有网络接口上 (0.0.0.0)");
  }
}

/**
 * The tutorial's failure path: prints `message` with the code, closes the
 * sockets given, calls `WSACleanup` and exits 1.
 */
export function fail(ws: Winsock, message: string, code: number, ...sockets: SOCKET[]): never {
  printLine(failureLine(message, code));
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
