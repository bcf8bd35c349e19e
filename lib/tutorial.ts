/**
 * What `server.ts` and `client.ts` share beyond the Winsock calls: opening
 * the chosen backend, and the tutorial's failure path (print the message
 * with the WSA code, its name and meaning; close; `WSACleanup`; exit 1).
 *
 * @module
 */

import { AF_INET, SOCK_STREAM, type SOCKET, SOCKET_ERROR } from "./constants.ts";
import { formatWinsockError, TUTORIAL_WSASTARTUP_NOTES } from "./errors.ts";
import { printLine } from "./console.ts";
import { openWinsock } from "./open.ts";
import type { TutorialOptions } from "./cli.ts";
import type { Winsock } from "./winsock.ts";
import { formatAddress, programAddress } from "./names.ts";
import { sizeof, type SOCKADDR, sockaddr_in, sockaddr_in6 } from "./structs.ts";

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
