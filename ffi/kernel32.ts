/**
 * The raw binding to the `kernel32.dll` calls of completion ports and
 * alertable waits: C names and C signatures (64-bit Windows), nothing else.
 * `HANDLE`s are passed as `usize` (their pointer values, as bigints: a
 * Worker gets them as such). Synchronous, so `GetLastError()` is read on the
 * calling thread; `GetQueuedCompletionStatusEx_wait` waits off the JS thread
 * and its own error is never read.
 *
 * @module
 */

/** The symbols of `kernel32.dll` the completion engine uses. */
export const KERNEL32_SYMBOLS = {
  /** DWORD GetLastError(void); */
  GetLastError: { parameters: [], result: "u32" },
  /**
   * HANDLE CreateIoCompletionPort(HANDLE FileHandle, HANDLE ExistingCompletionPort,
   *                               ULONG_PTR CompletionKey, DWORD NumberOfConcurrentThreads);
   */
  CreateIoCompletionPort: { parameters: ["usize", "usize", "usize", "u32"], result: "usize" },
  /**
   * BOOL GetQueuedCompletionStatus(HANDLE CompletionPort, LPDWORD lpNumberOfBytesTransferred,
   *                                PULONG_PTR lpCompletionKey, LPOVERLAPPED *lpOverlapped,
   *                                DWORD dwMilliseconds);
   */
  GetQueuedCompletionStatus: {
    parameters: ["usize", "buffer", "buffer", "buffer", "u32"],
    result: "i32",
  },
  /**
   * BOOL GetQueuedCompletionStatusEx(HANDLE CompletionPort, LPOVERLAPPED_ENTRY
   *                                  lpCompletionPortEntries, ULONG ulCount,
   *                                  PULONG ulNumEntriesRemoved, DWORD dwMilliseconds,
   *                                  BOOL fAlertable);
   */
  GetQueuedCompletionStatusEx: {
    parameters: ["usize", "buffer", "u32", "buffer", "u32", "i32"],
    result: "i32",
  },
  /** The same, waiting on another thread. */
  GetQueuedCompletionStatusEx_wait: {
    name: "GetQueuedCompletionStatusEx",
    parameters: ["usize", "buffer", "u32", "buffer", "u32", "i32"],
    result: "i32",
    nonblocking: true,
  },
  /**
   * BOOL PostQueuedCompletionStatus(HANDLE CompletionPort, DWORD dwNumberOfBytesTransferred,
   *                                 ULONG_PTR dwCompletionKey, LPOVERLAPPED lpOverlapped);
   */
  PostQueuedCompletionStatus: { parameters: ["usize", "u32", "usize", "usize"], result: "i32" },
  /** DWORD WaitForSingleObject(HANDLE hHandle, DWORD dwMilliseconds), waiting on another thread. */
  WaitForSingleObject_wait: {
    name: "WaitForSingleObject",
    parameters: ["usize", "u32"],
    result: "u32",
    nonblocking: true,
  },
  /** BOOL CloseHandle(HANDLE hObject); */
  CloseHandle: { parameters: ["usize"], result: "i32" },
  /** DWORD SleepEx(DWORD dwMilliseconds, BOOL bAlertable); */
  SleepEx: { parameters: ["u32", "i32"], result: "u32" },
  /** BOOL SwitchToThread(void); */
  SwitchToThread: { parameters: [], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The opened library. */
export type Kernel32 = Deno.DynamicLibrary<typeof KERNEL32_SYMBOLS>["symbols"];

/** Opens `kernel32.dll` (a clear `Error` off Windows or without `--allow-ffi`). */
export function openKernel32(): Kernel32 {
  try {
    return Deno.dlopen("kernel32.dll", KERNEL32_SYMBOLS).symbols;
  } catch (cause) {
    throw new Error("Cannot load kernel32.dll (Windows only, with --allow-ffi)", { cause });
  }
}
