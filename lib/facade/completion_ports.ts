/**
 * Completion ports (`lib/iocp.ts`): `CreateIoCompletionPort` … `SleepEx`, `GetLastError`.
 *
 * @module
 */

import { type HANDLE, type SOCKET, WAIT_TIMEOUT } from "../constants.ts";
import { isWinsockError, WinsockError, WSA_INVALID_PARAMETER } from "../errors.ts";
import {
  type BigIntRef,
  checkHandle,
  checkMilliseconds,
  checkUnsigned,
  fillEntries,
  type OverlappedRef,
  portFile,
} from "../iocp.ts";
import { type Completion } from "../overlapped.ts";
import { OVERLAPPED_ENTRY, overlappedBytes, WSAOVERLAPPED } from "../overlapped_structs.ts";

import { type IntRef } from "./checks.ts";
import { WinsockOverlapped } from "./overlapped.ts";

/**
 * Completion ports (`lib/iocp.ts`): `CreateIoCompletionPort` … `SleepEx`, `GetLastError`. One
 * layer of `Winsock` (`lib/winsock.ts`), which is the class to use.
 */
export class WinsockCompletionPorts<Blocking extends boolean = false>
  extends WinsockOverlapped<Blocking> {
  /**
   * `HANDLE CreateIoCompletionPort(HANDLE FileHandle, HANDLE
   * ExistingCompletionPort, ULONG_PTR CompletionKey, DWORD
   * NumberOfConcurrentThreads)`: with `FileHandle` `INVALID_HANDLE_VALUE`
   * and no port, a new port; with a socket, associates it with the port
   * (a new one when `ExistingCompletionPort` is null) under `CompletionKey`.
   * Returns the port, or null (`GetLastError()`: 6 for a bad handle, 87 for
   * a socket already associated).
   *
   * @example
   * ```ts
   * import { INVALID_HANDLE_VALUE, MAKEWORD, openWinsock, WSADATA } from "../../mod.ts";
   * const ws = openWinsock({ backend: "deno" });
   * ws.WSAStartup(MAKEWORD(2, 2), new WSADATA());
   * const port = ws.CreateIoCompletionPort(INVALID_HANDLE_VALUE, null, 0n, 0);
   * console.log(port !== null, ws.CloseHandle(port!)); // true true
   * ws.WSACleanup();
   * ```
   */
  CreateIoCompletionPort(
    FileHandle: SOCKET | HANDLE,
    ExistingCompletionPort: HANDLE | null,
    CompletionKey: bigint,
    NumberOfConcurrentThreads: number,
  ): HANDLE | null {
    return this.call(null, () => {
      const file = portFile(FileHandle);
      if (ExistingCompletionPort !== null) checkHandle(ExistingCompletionPort);
      checkUnsigned(CompletionKey, 64, "CompletionKey");
      checkUnsigned(NumberOfConcurrentThreads, 32, "NumberOfConcurrentThreads");
      if (file === null && ExistingCompletionPort !== null) {
        throw new WinsockError(WSA_INVALID_PARAMETER, "a port with no file to associate");
      }
      return this.completion.createPort(
        file,
        ExistingCompletionPort,
        CompletionKey,
        NumberOfConcurrentThreads,
      );
    });
  }

  /**
   * `BOOL GetQueuedCompletionStatus(HANDLE CompletionPort, LPDWORD
   * lpNumberOfBytesTransferred, PULONG_PTR lpCompletionKey, LPOVERLAPPED
   * *lpOverlapped, DWORD dwMilliseconds)`, awaited: resolves true with a
   * completion's bytes, key and `WSAOVERLAPPED` (null for a posted packet
   * without one); false with `*lpOverlapped` set when that operation failed
   * (`GetLastError()`: its Winsock code, e.g. 10054 or 995); false with
   * `*lpOverlapped` null on timeout (258 `WAIT_TIMEOUT`) or a bad or closed
   * port.
   */
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

  /**
   * `BOOL GetQueuedCompletionStatusEx(HANDLE CompletionPort,
   * LPOVERLAPPED_ENTRY lpCompletionPortEntries, ULONG ulCount, PULONG
   * ulNumEntriesRemoved, DWORD dwMilliseconds, BOOL fAlertable)`, awaited:
   * up to `ulCount` completions at once (each entry's `Internal` tells a
   * failed one); false on timeout (258). `fAlertable` must be false.
   */
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
      this.requireStartup();
      checkUnsigned(max, 32, "ulCount");
      if (max < 1) throw new WinsockError(WSA_INVALID_PARAMETER, "ulCount 0");
      dequeued = this.completion.dequeue(checkHandle(port), max, checkMilliseconds(ms));
    } catch (e) {
      if (!isWinsockError(e)) throw e;
      return this.deliver(e.code, false);
    }
    return dequeued.then((got) => {
      if (got.length === 0) return this.deliver(WAIT_TIMEOUT, false);
      const error = fill(got);
      return error ? this.deliver(error, false) : true;
    }, (e) => {
      if (!isWinsockError(e)) throw e;
      return this.deliver(e.code, false);
    });
  }

  /**
   * `BOOL PostQueuedCompletionStatus(HANDLE CompletionPort, DWORD
   * dwNumberOfBytesTransferred, ULONG_PTR dwCompletionKey, LPOVERLAPPED
   * lpOverlapped)`: queues a packet of one's own (e.g. "stop" for a worker).
   */
  PostQueuedCompletionStatus(
    CompletionPort: HANDLE,
    dwNumberOfBytesTransferred: number,
    dwCompletionKey: bigint,
    lpOverlapped: WSAOVERLAPPED | null,
  ): boolean {
    return this.call(false, () => {
      checkUnsigned(dwNumberOfBytesTransferred, 32, "dwNumberOfBytesTransferred");
      checkUnsigned(dwCompletionKey, 64, "dwCompletionKey");
      if (lpOverlapped !== null) overlappedBytes(lpOverlapped);
      this.completion.post(
        checkHandle(CompletionPort),
        dwNumberOfBytesTransferred,
        dwCompletionKey,
        lpOverlapped,
      );
      return true;
    });
  }

  /** `BOOL CloseHandle(HANDLE hObject)`: closes a completion port; its waiters fail. */
  CloseHandle(hObject: HANDLE): boolean {
    return this.call(false, () => {
      this.completion.closeHandle(checkHandle(hObject));
      return true;
    });
  }

  /**
   * `DWORD SleepEx(DWORD dwMilliseconds, BOOL bAlertable)`: the alertable
   * wait. Alertable, it runs the completion routines queued on this thread
   * and resolves `WAIT_IO_COMPLETION` (0xC0) as soon as any have run, else 0
   * after `dwMilliseconds`. On winsock it is the real `SleepEx`, holding the
   * JavaScript thread as in C (resolved when it returns); on posix and deno
   * the wait is the `await` (completions arrive through the event loop), and
   * `SleepEx(0, …)`, which gives up the rest of the time slice, gives up one
   * turn of the event loop.
   */
  SleepEx(dwMilliseconds: number, bAlertable: boolean): Promise<number> {
    try {
      return this.completion.sleepEx(checkMilliseconds(dwMilliseconds), bAlertable === true);
    } catch (e) {
      if (!isWinsockError(e)) throw e;
      return this.deliver(e.code, 0);
    }
  }

  /** `DWORD GetLastError(void)`: on Windows the same per-thread code as `WSAGetLastError()`. */
  GetLastError(): number {
    return this.lastError;
  }
}
