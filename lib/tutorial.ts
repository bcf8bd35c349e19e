/**
 * What `server.ts` and `client.ts` share beyond the Winsock calls: opening
 * the chosen backend, and the tutorial's failure path (print the message
 * with the WSA code, its name and meaning; close; `WSACleanup`; exit 1).
 *
 * @module
 */

import type { SOCKET } from "./constants.ts";
import { formatWinsockError, TUTORIAL_WSASTARTUP_NOTES } from "./errors.ts";
import { printLine } from "./console.ts";
import { openWinsock } from "./open.ts";
import type { TutorialOptions } from "./cli.ts";
import type { Winsock } from "./winsock.ts";

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
