/**
 * The raw binding to `mswsock.dll`'s Microsoft extensions the overlapped
 * chapter uses: C names and C signatures (64-bit Windows), nothing else.
 * Synchronous: `WSAGetLastError()` is read on the calling thread.
 *
 * @module
 */

/** The symbols of `mswsock.dll`. */
export const MSWSOCK_SYMBOLS = {
  /**
   * BOOL AcceptEx(SOCKET sListenSocket, SOCKET sAcceptSocket, PVOID lpOutputBuffer,
   *               DWORD dwReceiveDataLength, DWORD dwLocalAddressLength,
   *               DWORD dwRemoteAddressLength, LPDWORD lpdwBytesReceived,
   *               LPOVERLAPPED lpOverlapped);
   */
  AcceptEx: {
    parameters: ["usize", "usize", "pointer", "u32", "u32", "u32", "buffer", "pointer"],
    result: "i32",
  },
  /**
   * void GetAcceptExSockaddrs(PVOID lpOutputBuffer, DWORD dwReceiveDataLength,
   *                           DWORD dwLocalAddressLength, DWORD dwRemoteAddressLength,
   *                           struct sockaddr **LocalSockaddr, LPINT LocalSockaddrLength,
   *                           struct sockaddr **RemoteSockaddr, LPINT RemoteSockaddrLength);
   */
  GetAcceptExSockaddrs: {
    parameters: ["pointer", "u32", "u32", "u32", "buffer", "buffer", "buffer", "buffer"],
    result: "void",
  },
} as const satisfies Deno.ForeignLibraryInterface;

/** The opened library. */
export type Mswsock = Deno.DynamicLibrary<typeof MSWSOCK_SYMBOLS>["symbols"];

/** Opens `mswsock.dll` (a clear `Error` off Windows or without `--allow-ffi`). */
export function openMswsock(): Mswsock {
  try {
    return Deno.dlopen("mswsock.dll", MSWSOCK_SYMBOLS).symbols;
  } catch (cause) {
    throw new Error("Cannot load mswsock.dll (Windows only, with --allow-ffi)", { cause });
  }
}
