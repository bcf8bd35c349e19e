/**
 * Winsock socket programming from TypeScript: the `ws2_32.dll` API with its C
 * names and C semantics, over real Winsock on Windows (Deno FFI) and over
 * Deno's own sockets elsewhere.
 *
 * @example
 * ```ts
 * import { AF_INET, IPPROTO_TCP, MAKEWORD, openWinsock, SOCK_STREAM, WSADATA } from "./mod.ts";
 * const ws = openWinsock({ backend: "deno" });
 * const wsaData = new WSADATA();
 * if (ws.WSAStartup(MAKEWORD(2, 2), wsaData) === 0) {
 *   const s = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
 *   console.log(s > 0n); // true
 *   ws.closesocket(s);
 *   ws.WSACleanup();
 * }
 * ```
 *
 * @module
 */

export * from "./lib/constants.ts";
export * from "./lib/errors.ts";
export * from "./lib/helpers.ts";
export * from "./lib/structs.ts";
export {
  OVERLAPPED_ENTRY,
  OVERLAPPED_ENTRY_LAYOUT,
  WSABUF,
  WSABUF_LAYOUT,
  WSAOVERLAPPED,
  WSAOVERLAPPED_LAYOUT,
} from "./lib/overlapped_structs.ts";
export type { CompletionRoutine } from "./lib/overlapped.ts";
export type { BigIntRef, OverlappedRef } from "./lib/iocp.ts";
export { type IntRef, type Waited, Winsock } from "./lib/winsock.ts";
export {
  type Awaitable,
  type BackendName,
  emulateWSAStartup,
  HIGHEST_VERSION,
  type SelectSets,
  type SocketBackend,
  type WaitStats,
} from "./lib/backend.ts";
export {
  BACKEND_CHOICES,
  type BackendChoice,
  type OpenOptions,
  openWinsock,
  resolveBackend,
} from "./lib/open.ts";
