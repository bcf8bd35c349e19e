/**
 * The typed façade: the Winsock API with C names and C semantics. Calls
 * return what C returns (`0`, `SOCKET_ERROR`, `INVALID_SOCKET`, a count) and
 * set the code `WSAGetLastError()` reads; the calls that block in C
 * (`accept`, `connect`, `recv`, `send`, `select`) return Promises, except on
 * the raw synchronous path (`Winsock<true>`), where they return what C
 * returns, as C does. Every length handed in is checked against its buffer
 * before any backend sees it.
 *
 * @module
 */

import { WinsockCompletionPorts } from "./facade/completion_ports.ts";

export type { IntRef } from "./facade/checks.ts";
export type { Waited } from "./facade/core.ts";

/**
 * Winsock, as a C programmer knows it, over one backend. `Blocking` says
 * whether the calls that block in C return Promises (`false`, the default)
 * or their values (`true`: `openWinsock({ blocking: true })`).
 *
 * @example
 * ```ts
 * import { MAKEWORD, openWinsock, WSADATA } from "../mod.ts";
 * const ws = openWinsock({ backend: "deno" });
 * const data = new WSADATA();
 * console.log(ws.WSAStartup(MAKEWORD(2, 2), data), data.szDescription); // 0 "WinSock 2.0"
 * ws.WSACleanup();
 * ```
 */
export class Winsock<Blocking extends boolean = false> extends WinsockCompletionPorts<Blocking> {}
