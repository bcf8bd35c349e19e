/**
 * The one place a backend is chosen, and where each model it lacks is
 * filled with its emulation (`lib/emulated/`): event select, async select,
 * overlapped I/O with completion ports.
 *
 * @module
 */

import type { BackendName, CompletionEngine, SocketBackend } from "./backends/contract.ts";
import { EmulatedAsyncSelect } from "./emulated/async_select.ts";
import { EmulatedEventSelect } from "./emulated/event_select.ts";
import { createEmulatedCompletionEngine } from "./emulated/overlapped.ts";
import { createDenoBackend } from "./backends/deno/sockets.ts";
import { createPosixBackend } from "./backends/posix/sockets.ts";
import { createWinsockBackend } from "./backends/winsock/sockets.ts";
import { stderrSink, type TraceSink, traceWinsock } from "./trace.ts";
import { Winsock } from "./winsock.ts";
import { SpinPolicy, type SpinSetting } from "./backends/reactor/policy.ts";

export type { SpinSetting } from "./backends/reactor/policy.ts";

/** What `--backend` accepts: a backend, or `auto` to let the platform decide. */
export type BackendChoice = BackendName | "auto";

/** The choices, for usage messages and flag checks. */
export const BACKEND_CHOICES: readonly BackendChoice[] = ["auto", "winsock", "posix", "deno"];

function ffiAllowed(): boolean {
  return Deno.permissions.querySync({ name: "ffi" }).state === "granted";
}

/**
 * Which backend `auto` means here: when FFI is allowed, winsock on Windows
 * and posix on Linux and macOS; deno otherwise.
 *
 * @example
 * ```ts
 * import { resolveBackend } from "@winsock/tutorial";
 * console.log(resolveBackend("deno")); // "deno"
 * ```
 */
export function resolveBackend(
  choice: BackendChoice = "auto",
  ffi: boolean = ffiAllowed(),
): BackendName {
  if (choice !== "auto") return choice;
  const os = Deno.build.os;
  if (os === "windows" && ffi) return "winsock";
  if ((os === "linux" || os === "darwin") && ffi) return "posix";
  return "deno";
}

/** How to open the façade. */
export interface OpenOptions {
  /** Which backend (default `auto`). */
  backend?: BackendChoice;
  /**
   * The raw synchronous path: sockets stay blocking and every call is one
   * synchronous FFI call, exactly like the C: `accept`, `connect`, `recv`,
   * `send` and `select` return their values, not Promises (`Winsock<true>`),
   * and the JS thread waits inside the call. For workers, benchmarks and
   * programs that do one thing at a time. winsock and posix only (default
   * `false`: non-blocking sockets, one readiness waiter, Promises).
   */
  blocking?: boolean;
  /**
   * Print each Winsock call as one line of C with its result, e.g.
   * `bind(0x1a4, 127.0.0.1:12345, 16) = SOCKET_ERROR (10048 WSAEADDRINUSE)`:
   * `true` to stderr, or a function that takes each line (see
   * `traceWinsock`). Without it (the default) the plain `Winsock` is
   * returned, and tracing costs nothing.
   */
  trace?: boolean | TraceSink;
  /**
   * How the FFI backends' reactor waits: before a wait is handed to the
   * worker thread, it polls on the JS thread for a short budget.
   * `"adaptive"` (default): the budget grows (up to 200 µs) while answers
   * come within it and falls to nothing when they do not, so an idle program
   * parks at once; `"off"`: every wait parks at once; a number: a fixed
   * budget in microseconds (0–10,000), spent even when idle.
   */
  spin?: SpinSetting;
}

/**
 * Opens the Winsock façade over the chosen backend. Throws a clear `Error`
 * when the backend cannot be loaded here (e.g. `winsock` off Windows).
 *
 * @example
 * ```ts
 * import { openWinsock } from "@winsock/tutorial";
 * const ws = openWinsock({ backend: "deno" });
 * console.log(ws.backend); // "deno"
 * ```
 */
export function openWinsock(options?: OpenOptions & { blocking?: false }): Winsock;
/**
 * The raw synchronous path (winsock or posix, `--allow-ffi`): `accept`,
 * `connect`, `recv`, `send` and `select` return their values, as in C.
 *
 * @example
 * ```ts
 * import {
 *   AF_INET, inet_addr, IPPROTO_UDP, MAKEWORD, openWinsock, sizeof, SOCK_DGRAM, sockaddr_in,
 *   WSADATA,
 * } from "@winsock/tutorial";
 * const ws = openWinsock({ blocking: true }); // winsock or posix: --allow-ffi
 * ws.WSAStartup(MAKEWORD(2, 2), new WSADATA());
 * const s = ws.socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
 * const si = new sockaddr_in();
 * si.sin_family = AF_INET;
 * si.sin_addr.S_un.S_addr = inet_addr("127.0.0.1");
 * ws.bind(s, si, sizeof(si));
 * ws.getsockname(s, si, { value: sizeof(si) }); // the port bind chose
 * const sent: number = ws.sendto(s, new Uint8Array([1, 2, 3]), 3, 0, si, sizeof(si)); // to itself
 * const got: number = ws.recvfrom(s, new Uint8Array(8), 8, 0, null, null); // the JS thread waits
 * console.log(sent, got); // 3 3
 * ws.closesocket(s);
 * ws.WSACleanup();
 * ```
 */
export function openWinsock(options: OpenOptions & { blocking: true }): Winsock<true>;
/** Blocking or not as `options.blocking` says at run time: a value or a Promise. */
export function openWinsock(options?: OpenOptions): Winsock<boolean>;
export function openWinsock(options: OpenOptions = {}): Winsock<boolean> {
  startDenoSignals();
  const ws = openUntraced(options);
  const { trace } = options;
  if (!trace) return ws;
  return traceWinsock(ws, typeof trace === "function" ? trace : stderrSink());
}

/**
 * Deno sets up its own signal handling (a socket pair, handlers for SIGINT,
 * SIGTERM and SIGHUP) lazily, about half a second after it starts, and
 * panics if no descriptor is free then (`ext/signals/lib.rs`: "Too many open
 * files"), as in a server whose clients took every descriptor. Setting it up
 * now, while descriptors are free, leaves nothing to fail later; Ctrl+C
 * still ends the program. Windows has no socket pair to make.
 */
function startDenoSignals(): void {
  if (Deno.build.os === "windows" || signalsStarted) return;
  signalsStarted = true;
  const none = () => {};
  Deno.addSignalListener("SIGINT", none);
  Deno.removeSignalListener("SIGINT", none);
}
let signalsStarted = false;

function openUntraced(options: OpenOptions): Winsock<boolean> {
  const blocking = options.blocking ?? false;
  return new Winsock(fillModels(openBackend(options), blocking), blocking);
}

function openBackend(options: OpenOptions): SocketBackend {
  const name = resolveBackend(options.backend);
  const blocking = options.blocking ?? false;
  const spin = new SpinPolicy(options.spin).setting; // a bad value fails here, for every backend
  switch (name) {
    case "winsock":
      return createWinsockBackend({ blocking, spin });
    case "posix":
      return createPosixBackend({ blocking, spin });
    case "deno":
      if (blocking) {
        throw new Error(
          (options.backend ?? "auto") === "auto"
            ? "Blocking calls need FFI, which Deno's permissions refuse here: add --allow-ffi"
            : "Blocking calls need FFI: use the winsock or posix backend, with --allow-ffi",
        );
      }
      return createDenoBackend();
    default:
      throw new Error(`The ${name} backend is not available yet`);
  }
}

/**
 * `backend` with every model filled in: each one it declares natively, else
 * its emulation. The emulations stand on the event select emulation (its
 * socket calls make selected sockets non-blocking; its event objects and
 * queue of completion routines are the ones overlapped I/O signals), so a
 * backend with its own event select must bring the other models too. Until a
 * socket is selected, the emulation's socket calls are the backend's own: a
 * program that never selects pays one test per call.
 */
function fillModels(backend: SocketBackend, blocking: boolean): SocketBackend {
  const { eventSelect, asyncSelect, completion } = backend;
  if (eventSelect) {
    if (!asyncSelect || !completion) {
      throw new Error(`The ${backend.name} backend has its own event select but not every model`);
    }
    return backend;
  }
  const emulation = new EmulatedEventSelect(backend, blocking);
  let engine: CompletionEngine | undefined;
  return {
    ...emulation.backend,
    eventSelect: emulation,
    asyncSelect: asyncSelect ?? new EmulatedAsyncSelect(emulation),
    completion: completion ?? (() => engine ??= createEmulatedCompletionEngine(emulation)),
  };
}
