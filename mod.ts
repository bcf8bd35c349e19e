/**
 * Winsock socket programming from TypeScript: the `ws2_32.dll` API with its C
 * names and C semantics, over one of three backends: `winsock`, real Winsock
 * on Windows (Deno FFI); `posix`, libc's BSD sockets on Linux and macOS (Deno
 * FFI); `deno`, Deno's own sockets, anywhere, without `--allow-ffi`.
 * `openWinsock()` picks winsock or posix when FFI is allowed, deno otherwise,
 * and fills each I/O model the backend lacks (event select, asynchronous
 * select, overlapped I/O, completion ports) with its emulation, Windows
 * semantics over that backend.
 *
 * @example
 * ```ts
 * import { AF_INET, IPPROTO_TCP, MAKEWORD, openWinsock, SOCK_STREAM, WSADATA } from "@winsock/tutorial";
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
 * ## The files
 *
 * This module publishes exactly what `lib/` holds; `ffi/` is the raw
 * binding beneath it, the rest of the repository uses it.
 *
 * - `ffi/` — one file per native library, holding only its `Deno.dlopen`
 *   symbol table with C names and C declarations: `ws2_32.ts`, `mswsock.ts`
 *   (`AcceptEx` & co), `kernel32.ts` (completion ports, alertable waits),
 *   `user32.ts` (the asynchronous select model's message-only window) on
 *   Windows; `libc.ts` on Linux and macOS.
 * - `lib/winsock.ts` — `Winsock`, the TypeScript `winsock2.h`: every call
 *   with its C prototype, in the tutorial's chapter order, each delegating to
 *   the family object of `lib/facade/`.
 * - `lib/open.ts` — `openWinsock`: the one place that picks the backend and,
 *   per I/O model, the backend's native implementation or its emulation.
 * - `lib/trace.ts` — `traceWinsock` (`--trace`): each call as one line of C.
 * - `lib/constants.ts`, `lib/errors.ts`, `lib/helpers.ts`, `lib/structs.ts`,
 *   `lib/overlapped_structs.ts`, `lib/names.ts`, `lib/bytes.ts` — the C
 *   header: values; every Winsock error with its name, English and Chinese
 *   meaning (`WinsockError`); macros (`MAKEWORD`, `htons`, `inet_addr` …);
 *   the portable structs and the overlapped ones, layouts as data; `AI_`,
 *   `NI_`, `EAI_` values and address text; the buffer checks structs share.
 * - `lib/facade/` — one family object per API family, sharing one core
 *   (`core.ts`: the backend, `WSAStartup`, the per-task last error):
 *   `sockets.ts`, `datagrams.ts`, `names.ts`, `event_select.ts`,
 *   `async_select.ts`, `overlapped.ts`, `completion_ports.ts`; `checks.ts`,
 *   the checks every call makes before a backend sees it (lengths against
 *   buffers, sockets, addresses).
 * - `lib/emulated/` — Windows semantics over any backend: `event_select.ts`
 *   (event objects, `WSAEventSelect`), `async_select.ts` (the message
 *   queue), `overlapped.ts`, `completion_ports.ts`, `apc.ts` (the queue of
 *   completion routines an alertable wait runs).
 * - `lib/backends/contract.ts` — `SocketBackend`, the interface every
 *   backend implements, and the model interfaces a backend may provide
 *   natively; beside it what more than one backend shares:
 *   `native_names.ts` (the native `getaddrinfo` list walked and freed, the
 *   `EAI_*` table) and `option_table.ts` (the Winsock socket options).
 * - `lib/backends/reactor/` — the FFI backends' one readiness waiter
 *   (`reactor.ts`), its engines (`epoll.ts`, `poll.ts`, behind `engine.ts`)
 *   its spin policy (`policy.ts`) and its loopback wake-up (`wake_up.ts`).
 * - `lib/backends/winsock/` — real Winsock: `sockets.ts`, and Windows' own
 *   `event_select.ts`, `async_select.ts` and `overlapped.ts`; `layouts.ts`,
 *   the Win64 layouts only they use.
 * - `lib/backends/posix/` — libc: `sockets.ts`, `abi.ts` (Linux's and
 *   macOS's numbers and layouts), `options.ts` (socket options translated),
 *   `datagrams.ts`, `names.ts`.
 * - `lib/backends/deno/` — Deno's sockets: `sockets.ts`, `datagrams.ts`,
 *   `names.ts`, `addresses.ts` and `errors.ts` (Deno's addresses and errors
 *   in Winsock's terms).
 *
 * Outside the package: `server.ts`, `client.ts` (the tutorial), `clients.ts`
 * (many clients at once), `demo.ts`, `chapters/` (the later chapters'
 * servers, and `shared_port.ts`, the queue the completion-port server's
 * Workers share); `tutorial/` (the programs' support: flags, console, wire
 * text, addresses from flags, the tutorial's failure path, loopback helpers); `bench/` (speed,
 * `bench/README.md`); `tests/` (`tests/README.md`); `tools/` (Wine set-up).
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
  numericAddress,
} from "./lib/names.ts";
