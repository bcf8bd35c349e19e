/**
 * Winsock socket programming from TypeScript: the `ws2_32.dll` API with its C
 * names and C semantics, over one of three backends: `winsock`, real Winsock
 * on Windows (Deno FFI); `posix`, libc's BSD sockets on Linux and macOS (Deno
 * FFI); `deno`, Deno's own sockets, anywhere, without `--allow-ffi`.
 * `openWinsock()` picks winsock or posix when FFI is allowed, deno otherwise.
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
  decodeFdSet,
  decodeMSG,
  decodeTimeval,
  decodeWSADATA,
  decodeWSANETWORKEVENTS,
  encodeFdSet,
  encodeMSG,
  encodeTimeval,
  encodeWSABUFs,
  encodeWSADATA,
  encodeWSANETWORKEVENTS,
  MSG_LAYOUT_WIN64,
  WSADATA_LAYOUT_WIN32,
  type WsadataLayout,
  WSANETWORKEVENTS_LAYOUT,
  WSAPOLLFD_LAYOUT,
} from "./lib/backends/winsock/layouts.ts";
export {
  OVERLAPPED_ENTRY,
  OVERLAPPED_ENTRY_LAYOUT,
  WSABUF_LAYOUT,
  WSAOVERLAPPED,
  WSAOVERLAPPED_LAYOUT,
} from "./lib/overlapped_structs.ts";
export type { CompletionRoutine } from "./lib/overlapped.ts";
export type { BigIntRef, OverlappedRef } from "./lib/iocp.ts";
export { type IntRef, type Waited, Winsock } from "./lib/winsock.ts";
/** The layers of `Winsock`, one per API family (`lib/facade/`): types only, for the docs. */
export type { WinsockCore } from "./lib/facade/core.ts";
export type { WinsockSockets } from "./lib/facade/sockets.ts";
export type { WinsockDatagrams } from "./lib/facade/datagrams.ts";
export type { WinsockNames } from "./lib/facade/names.ts";
export type { WinsockEventSelect } from "./lib/facade/event_select.ts";
export type { WinsockAsyncSelect } from "./lib/facade/async_select.ts";
export type { WinsockOverlapped } from "./lib/facade/overlapped.ts";
export type { WinsockCompletionPorts } from "./lib/facade/completion_ports.ts";
export {
  type AsyncSelectBackend,
  type Awaitable,
  type BackendName,
  type Datagram,
  emulateWSAStartup,
  type EventSelectBackend,
  HIGHEST_VERSION,
  type Recover,
  type SelectSets,
  type SocketBackend,
  type WaitStats,
  type WNDPROC,
} from "./lib/backends/contract.ts";
export {
  BACKEND_CHOICES,
  type BackendChoice,
  type OpenOptions,
  openWinsock,
  resolveBackend,
  type SpinSetting,
} from "./lib/open.ts";
export { type TraceSink, traceWinsock } from "./lib/trace.ts";
export {
  addressFamily,
  type AddrinfoRef,
  AI_ADDRCONFIG,
  AI_ALL,
  AI_CANONNAME,
  AI_NUMERICHOST,
  AI_NUMERICSERV,
  AI_PASSIVE,
  AI_V4MAPPED,
  EAI_AGAIN,
  EAI_BADFLAGS,
  EAI_FAIL,
  EAI_FAMILY,
  EAI_MEMORY,
  EAI_NODATA,
  EAI_NONAME,
  EAI_SERVICE,
  EAI_SOCKTYPE,
  formatAddress,
  hostText,
  NI_DGRAM,
  NI_MAXHOST,
  NI_MAXSERV,
  NI_NAMEREQD,
  NI_NOFQDN,
  NI_NUMERICHOST,
  NI_NUMERICSERV,
  numericAddress,
} from "./lib/names.ts";
