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
  OVERLAPPED_ENTRY,
  OVERLAPPED_ENTRY_LAYOUT,
  WSABUF_LAYOUT,
  WSAOVERLAPPED,
  WSAOVERLAPPED_LAYOUT,
} from "./lib/overlapped_structs.ts";
export {
  type BigIntRef,
  type IntRef,
  type OverlappedRef,
  type Waited,
  Winsock,
} from "./lib/winsock.ts";
export {
  type AsyncSelectBackend,
  type Awaitable,
  type BackendName,
  type Completion,
  type CompletionEngine,
  type CompletionRoutine,
  type Datagram,
  emulateWSAStartup,
  type EventSelectBackend,
  HIGHEST_VERSION,
  type Outcome,
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
} from "./lib/names.ts";
