/**
 * Overlapped I/O and completion ports, the part every backend shares: what a
 * completion engine provides (native on winsock, emulated over the
 * backend's own waits on posix and deno), and the checks the façade makes
 * before any engine sees a call.
 *
 * Memory: an operation's `WSAOVERLAPPED` and buffers stay referenced (and,
 * natively, at the addresses the system was given) until its completion is
 * reaped: dequeued from a port, read by `WSAGetOverlappedResult`, or handed
 * to its completion routine. A socket closed with operations pending
 * completes them with 995 `WSA_OPERATION_ABORTED` and frees nothing early.
 *
 * @module
 */

import type { EventSelectBackend, SocketBackend } from "./backends/contract.ts";
import type { HANDLE, SOCKET } from "./constants.ts";
import type { WSAOVERLAPPED } from "./overlapped_structs.ts";
import type { SOCKADDR } from "./structs.ts";
import { EmulatedEvents } from "./emulated/event_select.ts";
import { createEmulatedEngine } from "./emulated/overlapped.ts";
import { createNativeEngine } from "./backends/winsock/overlapped.ts";

/**
 * `LPWSAOVERLAPPED_COMPLETION_ROUTINE`: `void CALLBACK (DWORD dwError, DWORD
 * cbTransferred, LPWSAOVERLAPPED lpOverlapped, DWORD dwFlags)`, run on the
 * JavaScript thread inside an alertable wait (`SleepEx(ms, true)`,
 * `WSAWaitForMultipleEvents(…, true)`).
 */
export type CompletionRoutine = (
  dwError: number,
  cbTransferred: number,
  lpOverlapped: WSAOVERLAPPED,
  dwFlags: number,
) => void;

/** One completion dequeued from a port. */
export interface Completion {
  /** The socket's completion key, or the posted one. */
  key: bigint;
  /** The operation, or null for a packet posted without one. */
  ov: WSAOVERLAPPED | null;
  /** Bytes transferred. */
  bytes: number;
  /** 0, or the Winsock code the operation failed with. */
  error: number;
}

/** An operation's outcome, as `WSAGetOverlappedResult` reports it. */
export interface Outcome {
  /** Bytes transferred. */
  bytes: number;
  /** The flags `WSARecv` reports (`lpdwFlags`). */
  flags: number;
  /** 0, or the Winsock code it failed with. */
  error: number;
}

/**
 * What carries overlapped operations and completion ports for one façade.
 * Every failure at once throws a `WinsockError`.
 */
export interface CompletionEngine {
  /**
   * Starts an overlapped receive (`send` false) or send into/from `bufs`:
   * the byte count when it completed at once (its completion is still
   * queued, its event still set, its routine still queued), or null when
   * pending (`WSA_IO_PENDING`).
   */
  start(
    send: boolean,
    s: SOCKET,
    bufs: Uint8Array[],
    flags: number,
    ov: WSAOVERLAPPED,
    routine: CompletionRoutine | null,
  ): number | null;
  /**
   * `AcceptEx`: accepts the next connection on `listener` into `into`, then
   * (with `recvLength` > 0) its first bytes into `out`, then the local and
   * remote addresses after them; the byte count when done at once, else null.
   */
  acceptEx(
    listener: SOCKET,
    into: SOCKET,
    out: Uint8Array,
    recvLength: number,
    localLength: number,
    remoteLength: number,
    ov: WSAOVERLAPPED,
  ): number | null;
  /** `GetAcceptExSockaddrs`: the addresses `acceptEx` left in `out`. */
  acceptExSockaddrs(
    out: Uint8Array,
    recvLength: number,
    localLength: number,
    remoteLength: number,
  ): { local: SOCKADDR; remote: SOCKADDR };
  /** The outcome of `ov` on `s` if it is done (reaping it), else null. */
  result(s: SOCKET, ov: WSAOVERLAPPED): Outcome | null;
  /** Resolves once `ov` is done. */
  done(ov: WSAOVERLAPPED): Promise<void>;
  /** `CreateIoCompletionPort`: a new port (`port` null) or `port`, with `s` (if any) associated under `key`. */
  createPort(s: SOCKET | null, port: HANDLE | null, key: bigint, threads: number): HANDLE;
  /** Up to `max` completions from `port`, waiting up to `ms` (`INFINITE`: no limit); [] on timeout. */
  dequeue(port: HANDLE, max: number, ms: number): Promise<Completion[]>;
  /** `PostQueuedCompletionStatus`. */
  post(port: HANDLE, bytes: number, key: bigint, ov: WSAOVERLAPPED | null): void;
  /** `CloseHandle` of a port. */
  closeHandle(h: HANDLE): void;
  /** The socket `s` was closed (an emulated port forgets it). */
  closed(s: SOCKET): void;
  /**
   * `SleepEx(ms, alertable)`: with `alertable`, runs the completion routines
   * queued for this thread and resolves `WAIT_IO_COMPLETION` (0xC0) as soon
   * as one has run, else 0 after `ms`.
   */
  sleepEx(ms: number, alertable: boolean): Promise<number>;
}

/**
 * The engine for `backend`: Windows' own on winsock, an emulation on posix
 * and deno. `events` is the façade's event select implementation: the
 * emulation sets its event objects (an operation's `hEvent`) and queues
 * completion routines where its alertable wait runs them (on winsock both
 * are Windows' own).
 */
export function openCompletionEngine(
  backend: SocketBackend,
  events: EventSelectBackend,
): CompletionEngine {
  if (backend.name === "winsock") return createNativeEngine();
  return createEmulatedEngine(backend, events instanceof EmulatedEvents ? events : undefined);
}

/**
 * Where `AcceptEx` leaves an address in its output buffer, as Wine lays it
 * out (Windows' own layout is undocumented; read it only through
 * `GetAcceptExSockaddrs`): at `at`, an `int` length, then the `sockaddr`.
 */
export const ACCEPTEX_ADDRESS = { length: 0, sockaddr: 4 } as const;
