/**
 * Completion ports: `CreateIoCompletionPort` … `SleepEx`, with the checks
 * made on each argument before the engine (native on winsock, emulated on
 * posix and deno) sees a call, and the out-parameters of
 * `GetQueuedCompletionStatus` filled as C fills them.
 *
 * @module
 */

import type { Completion, CompletionEngine } from "../backends/contract.ts";
import {
  type HANDLE,
  INFINITE,
  INVALID_HANDLE_VALUE,
  type SOCKET,
  WAIT_TIMEOUT,
} from "../constants.ts";
import {
  isWinsockError,
  WinsockError,
  WSA_INVALID_HANDLE,
  WSA_INVALID_PARAMETER,
} from "../errors.ts";
import { OVERLAPPED_ENTRY, overlappedBytes, WSAOVERLAPPED } from "../overlapped_structs.ts";
import { type BigIntRef, checkUnsigned, type IntRef, type OverlappedRef } from "./checks.ts";
import type { Core } from "./core.ts";

/** The completion port calls of one `Winsock` (`lib/winsock.ts`). */
export class CompletionPorts<Blocking extends boolean = false> {
  #core: Core<Blocking>;
  #completion: () => CompletionEngine;

  /** Over the engine `completion` gives (the one the overlapped calls use). */
  constructor(core: Core<Blocking>, completion: () => CompletionEngine) {
    this.#core = core;
    this.#completion = completion;
  }

  CreateIoCompletionPort(
    FileHandle: SOCKET | HANDLE,
    ExistingCompletionPort: HANDLE | null,
    CompletionKey: bigint,
    NumberOfConcurrentThreads: number,
  ): HANDLE | null {
    return this.#core.call(null, () => {
      const file = portFile(FileHandle);
      if (ExistingCompletionPort !== null) checkHandle(ExistingCompletionPort);
      checkUnsigned(CompletionKey, 64, "CompletionKey");
      checkUnsigned(NumberOfConcurrentThreads, 32, "NumberOfConcurrentThreads");
      if (file === null && ExistingCompletionPort !== null) {
        throw new WinsockError(WSA_INVALID_PARAMETER, "a port with no file to associate");
      }
      return this.#completion().createPort(
        file,
        ExistingCompletionPort,
        CompletionKey,
        NumberOfConcurrentThreads,
      );
    });
  }

  GetQueuedCompletionStatus(
    CompletionPort: HANDLE,
    lpNumberOfBytesTransferred: IntRef,
    lpCompletionKey: BigIntRef,
    lpOverlapped: OverlappedRef,
    dwMilliseconds: number,
  ): Promise<boolean> {
    lpOverlapped.value = null;
    return this.#dequeue(CompletionPort, 1, dwMilliseconds, ([c]) => {
      lpNumberOfBytesTransferred.value = c.bytes;
      lpCompletionKey.value = c.key;
      lpOverlapped.value = c.ov;
      return c.error;
    });
  }

  GetQueuedCompletionStatusEx(
    CompletionPort: HANDLE,
    lpCompletionPortEntries: OVERLAPPED_ENTRY[],
    ulCount: number,
    ulNumEntriesRemoved: IntRef,
    dwMilliseconds: number,
    fAlertable: boolean,
  ): Promise<boolean> {
    return this.#dequeue(CompletionPort, ulCount, dwMilliseconds, (got) => {
      if (!Array.isArray(lpCompletionPortEntries) || fAlertable) {
        throw new WinsockError(WSA_INVALID_PARAMETER, "GetQueuedCompletionStatusEx");
      }
      fillEntries(lpCompletionPortEntries, got);
      ulNumEntriesRemoved.value = got.length;
      return 0;
    });
  }

  #dequeue(
    port: HANDLE,
    max: number,
    ms: number,
    fill: (got: Completion[]) => number,
  ): Promise<boolean> {
    let dequeued: Promise<Completion[]>;
    try {
      this.#core.requireStartup();
      checkUnsigned(max, 32, "ulCount");
      if (max < 1) throw new WinsockError(WSA_INVALID_PARAMETER, "ulCount 0");
      dequeued = this.#completion().dequeue(checkHandle(port), max, checkMilliseconds(ms));
    } catch (e) {
      if (!isWinsockError(e)) throw e;
      return this.#core.deliver(e.code, false);
    }
    return dequeued.then((got) => {
      if (got.length === 0) return this.#core.deliver(WAIT_TIMEOUT, false);
      const error = fill(got);
      return error ? this.#core.deliver(error, false) : true;
    }, (e) => {
      if (!isWinsockError(e)) throw e;
      return this.#core.deliver(e.code, false);
    });
  }

  PostQueuedCompletionStatus(
    CompletionPort: HANDLE,
    dwNumberOfBytesTransferred: number,
    dwCompletionKey: bigint,
    lpOverlapped: WSAOVERLAPPED | null,
  ): boolean {
    return this.#core.call(false, () => {
      checkUnsigned(dwNumberOfBytesTransferred, 32, "dwNumberOfBytesTransferred");
      checkUnsigned(dwCompletionKey, 64, "dwCompletionKey");
      if (lpOverlapped !== null) overlappedBytes(lpOverlapped);
      this.#completion().post(
        checkHandle(CompletionPort),
        dwNumberOfBytesTransferred,
        dwCompletionKey,
        lpOverlapped,
      );
      return true;
    });
  }

  CloseHandle(hObject: HANDLE): boolean {
    return this.#core.call(false, () => {
      this.#completion().closeHandle(checkHandle(hObject));
      return true;
    });
  }

  SleepEx(dwMilliseconds: number, bAlertable: boolean): Promise<number> {
    try {
      return this.#completion().sleepEx(checkMilliseconds(dwMilliseconds), bAlertable === true);
    } catch (e) {
      if (!isWinsockError(e)) throw e;
      return this.#core.deliver(e.code, 0);
    }
  }
}

/** A port handle, else `ERROR_INVALID_HANDLE` (6). */
function checkHandle(h: HANDLE): HANDLE {
  if (typeof h !== "bigint" || h <= 0n || h === INVALID_HANDLE_VALUE) {
    throw new WinsockError(WSA_INVALID_HANDLE, `not a handle: ${String(h)}`);
  }
  return h;
}

/** `CreateIoCompletionPort`'s `FileHandle`: a socket, or `INVALID_HANDLE_VALUE` for none. */
function portFile(FileHandle: SOCKET): SOCKET | null {
  if (FileHandle === INVALID_HANDLE_VALUE) return null;
  if (typeof FileHandle !== "bigint" || FileHandle <= 0n) {
    throw new WinsockError(WSA_INVALID_HANDLE, `FileHandle ${String(FileHandle)}`);
  }
  return FileHandle;
}

/** A wait's `dwMilliseconds` (`INFINITE` allowed). */
function checkMilliseconds(ms: number): number {
  checkUnsigned(ms, 32, "dwMilliseconds");
  return ms === INFINITE ? INFINITE : ms;
}

/** Fills `OVERLAPPED_ENTRY`s from completions (as `GetQueuedCompletionStatusEx` does). */
function fillEntries(entries: OVERLAPPED_ENTRY[], got: Completion[]): void {
  got.forEach((c, i) => {
    const e = entries[i] ?? (entries[i] = new OVERLAPPED_ENTRY());
    e.lpCompletionKey = c.key;
    e.lpOverlapped = c.ov;
    e.Internal = c.ov?.Internal ?? 0n;
    e.dwNumberOfBytesTransferred = c.bytes;
  });
}
