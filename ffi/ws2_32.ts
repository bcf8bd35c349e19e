/**
 * The raw binding: the `Deno.dlopen` symbol table of `ws2_32.dll`, C names and
 * C signatures (64-bit Windows), nothing else. Use the typed façade in
 * `mod.ts`; nothing here checks a length or a handle.
 *
 * Blocking calls are deliberately synchronous: an error code is thread-local,
 * so `WSAGetLastError()` is only right on the thread that made the call. The
 * façade makes sockets non-blocking and waits for readiness with the
 * `*_wait` variants, the only `nonblocking: true` symbols, whose own error
 * code is never read.
 *
 * @module
 */

/** The symbols of `ws2_32.dll` the façade uses. */
export const WS2_32_SYMBOLS = {
  /** int WSAStartup(WORD wVersionRequested, LPWSADATA lpWSAData); */
  WSAStartup: { parameters: ["u16", "buffer"], result: "i32" },
  /** int WSACleanup(void); */
  WSACleanup: { parameters: [], result: "i32" },
  /** int WSAGetLastError(void); */
  WSAGetLastError: { parameters: [], result: "i32" },
  /** SOCKET socket(int af, int type, int protocol); */
  socket: { parameters: ["i32", "i32", "i32"], result: "usize" },
  /**
   * SOCKET WSASocketW(int af, int type, int protocol, LPWSAPROTOCOL_INFOW lpProtocolInfo,
   *                   GROUP g, DWORD dwFlags);
   */
  WSASocketW: {
    parameters: ["i32", "i32", "i32", "pointer", "u32", "u32"],
    result: "usize",
  },
  /** int bind(SOCKET s, const struct sockaddr *name, int namelen); */
  bind: { parameters: ["usize", "buffer", "i32"], result: "i32" },
  /** int listen(SOCKET s, int backlog); */
  listen: { parameters: ["usize", "i32"], result: "i32" },
  /** SOCKET accept(SOCKET s, struct sockaddr *addr, int *addrlen); */
  accept: { parameters: ["usize", "buffer", "buffer"], result: "usize" },
  /** int connect(SOCKET s, const struct sockaddr *name, int namelen); */
  connect: { parameters: ["usize", "buffer", "i32"], result: "i32" },
  /** int recv(SOCKET s, char *buf, int len, int flags); */
  recv: { parameters: ["usize", "buffer", "i32", "i32"], result: "i32" },
  /** int send(SOCKET s, const char *buf, int len, int flags); */
  send: { parameters: ["usize", "buffer", "i32", "i32"], result: "i32" },
  /** int closesocket(SOCKET s); */
  closesocket: { parameters: ["usize"], result: "i32" },
  /** int shutdown(SOCKET s, int how); */
  shutdown: { parameters: ["usize", "i32"], result: "i32" },
  /** int getpeername(SOCKET s, struct sockaddr *name, int *namelen); */
  getpeername: { parameters: ["usize", "buffer", "buffer"], result: "i32" },
  /** int getsockname(SOCKET s, struct sockaddr *name, int *namelen); */
  getsockname: { parameters: ["usize", "buffer", "buffer"], result: "i32" },
  /** int setsockopt(SOCKET s, int level, int optname, const char *optval, int optlen); */
  setsockopt: { parameters: ["usize", "i32", "i32", "buffer", "i32"], result: "i32" },
  /** int getsockopt(SOCKET s, int level, int optname, char *optval, int *optlen); */
  getsockopt: { parameters: ["usize", "i32", "i32", "buffer", "buffer"], result: "i32" },
  /** int ioctlsocket(SOCKET s, long cmd, u_long *argp); (`long` is 32-bit on Windows) */
  ioctlsocket: { parameters: ["usize", "u32", "buffer"], result: "i32" },
  /**
   * int select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
   *            const struct timeval *timeout);
   */
  select: {
    parameters: ["i32", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  /** `select` on a worker thread, for readiness waits; its error code is never read. */
  select_wait: {
    name: "select",
    parameters: ["i32", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
    nonblocking: true,
  },
  /** int WSAPoll(LPWSAPOLLFD fdArray, ULONG fds, INT timeout); */
  WSAPoll: { parameters: ["buffer", "u32", "i32"], result: "i32" },
  /** `WSAPoll` on a worker thread, for readiness waits; its error code is never read. */
  WSAPoll_wait: {
    name: "WSAPoll",
    parameters: ["buffer", "u32", "i32"],
    result: "i32",
    nonblocking: true,
  },
  /** u_short htons(u_short hostshort); */
  htons: { parameters: ["u16"], result: "u16" },
  /** u_short ntohs(u_short netshort); */
  ntohs: { parameters: ["u16"], result: "u16" },
  /** u_long htonl(u_long hostlong); */
  htonl: { parameters: ["u32"], result: "u32" },
  /** u_long ntohl(u_long netlong); */
  ntohl: { parameters: ["u32"], result: "u32" },
  /** unsigned long inet_addr(const char *cp); */
  inet_addr: { parameters: ["buffer"], result: "u32" },
  /** char *inet_ntoa(struct in_addr in); (a 4-byte struct, passed in a register as a u32) */
  inet_ntoa: { parameters: ["u32"], result: "pointer" },
  /** INT inet_pton(INT Family, PCSTR pszAddrString, PVOID pAddrBuf); */
  inet_pton: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  /** PCSTR inet_ntop(INT Family, const VOID *pAddr, PSTR pStringBuf, size_t StringBufSize); */
  inet_ntop: { parameters: ["i32", "buffer", "buffer", "usize"], result: "pointer" },
  /**
   * int WSAIoctl(SOCKET s, DWORD dwIoControlCode, LPVOID lpvInBuffer, DWORD cbInBuffer,
   *              LPVOID lpvOutBuffer, DWORD cbOutBuffer, LPDWORD lpcbBytesReturned,
   *              LPWSAOVERLAPPED lpOverlapped,
   *              LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine);
   */
  WSAIoctl: {
    parameters: ["usize", "u32", "buffer", "u32", "buffer", "u32", "buffer", "pointer", "pointer"],
    result: "i32",
  },
  /**
   * int sendto(SOCKET s, const char *buf, int len, int flags, const struct sockaddr *to,
   *            int tolen);
   */
  sendto: { parameters: ["usize", "buffer", "i32", "i32", "buffer", "i32"], result: "i32" },
  /**
   * int recvfrom(SOCKET s, char *buf, int len, int flags, struct sockaddr *from,
   *              int *fromlen);
   */
  recvfrom: { parameters: ["usize", "buffer", "i32", "i32", "buffer", "buffer"], result: "i32" },
  /**
   * INT getaddrinfo(PCSTR pNodeName, PCSTR pServiceName, const ADDRINFOA *pHints,
   *                 PADDRINFOA *ppResult);
   */
  getaddrinfo: { parameters: ["buffer", "buffer", "buffer", "buffer"], result: "i32" },
  /**
   * `getaddrinfo` on a worker thread (it may wait for a name server); its
   * error is its return value, so nothing is lost there.
   */
  getaddrinfo_wait: {
    name: "getaddrinfo",
    parameters: ["buffer", "buffer", "buffer", "buffer"],
    result: "i32",
    nonblocking: true,
  },
  /** VOID freeaddrinfo(PADDRINFOA pAddrInfo); */
  freeaddrinfo: { parameters: ["pointer"], result: "void" },
  /**
   * INT getnameinfo(const SOCKADDR *pSockaddr, socklen_t SockaddrLength, PCHAR pNodeBuffer,
   *                 DWORD NodeBufferSize, PCHAR pServiceBuffer, DWORD ServiceBufferSize,
   *                 INT Flags);
   */
  getnameinfo: {
    parameters: ["buffer", "i32", "buffer", "u32", "buffer", "u32", "i32"],
    result: "i32",
  },
  /** `getnameinfo` on a worker thread (a reverse lookup may wait); its error is its return value. */
  getnameinfo_wait: {
    name: "getnameinfo",
    parameters: ["buffer", "i32", "buffer", "u32", "buffer", "u32", "i32"],
    result: "i32",
    nonblocking: true,
  },
  /** int gethostname(char *name, int namelen); */
  gethostname: { parameters: ["buffer", "i32"], result: "i32" },
  /**
   * int WSASendTo(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
   *               LPDWORD lpNumberOfBytesSent, DWORD dwFlags, const struct sockaddr *lpTo,
   *               int iTolen, LPWSAOVERLAPPED lpOverlapped,
   *               LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine);
   */
  WSASendTo: {
    parameters: ["usize", "buffer", "u32", "buffer", "u32", "buffer", "i32", "pointer", "pointer"],
    result: "i32",
  },
  /**
   * int WSARecvFrom(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
   *                 LPDWORD lpNumberOfBytesRecvd, LPDWORD lpFlags, struct sockaddr *lpFrom,
   *                 LPINT lpFromlen, LPWSAOVERLAPPED lpOverlapped,
   *                 LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine);
   */
  WSARecvFrom: {
    parameters: [
      "usize",
      "buffer",
      "u32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "pointer",
      "pointer",
    ],
    result: "i32",
  },
  // The event select and asynchronous select models. A WSAEVENT or HWND is a HANDLE: a usize.
  /** WSAEVENT WSACreateEvent(void); */
  WSACreateEvent: { parameters: [], result: "usize" },
  /** BOOL WSACloseEvent(WSAEVENT hEvent); */
  WSACloseEvent: { parameters: ["usize"], result: "i32" },
  /** BOOL WSASetEvent(WSAEVENT hEvent); */
  WSASetEvent: { parameters: ["usize"], result: "i32" },
  /** BOOL WSAResetEvent(WSAEVENT hEvent); */
  WSAResetEvent: { parameters: ["usize"], result: "i32" },
  /** int WSAEventSelect(SOCKET s, WSAEVENT hEventObject, long lNetworkEvents); */
  WSAEventSelect: { parameters: ["usize", "usize", "i32"], result: "i32" },
  /** int WSAEnumNetworkEvents(SOCKET s, WSAEVENT hEventObject, LPWSANETWORKEVENTS lpNetworkEvents); */
  WSAEnumNetworkEvents: { parameters: ["usize", "usize", "buffer"], result: "i32" },
  /**
   * DWORD WSAWaitForMultipleEvents(DWORD cEvents, const WSAEVENT *lphEvents, BOOL fWaitAll,
   *                                DWORD dwTimeout, BOOL fAlertable);
   */
  WSAWaitForMultipleEvents: {
    parameters: ["u32", "buffer", "i32", "u32", "i32"],
    result: "u32",
  },
  /** `WSAWaitForMultipleEvents` on a worker thread; its error code is never read. */
  WSAWaitForMultipleEvents_wait: {
    name: "WSAWaitForMultipleEvents",
    parameters: ["u32", "buffer", "i32", "u32", "i32"],
    result: "u32",
    nonblocking: true,
  },
  /** int WSAAsyncSelect(SOCKET s, HWND hWnd, u_int wMsg, long lEvent); */
  WSAAsyncSelect: { parameters: ["usize", "usize", "u32", "i32"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The opened library. */
export type Ws2_32 = Deno.DynamicLibrary<typeof WS2_32_SYMBOLS>["symbols"];

/**
 * Opens `ws2_32.dll`. A failure (not Windows, or `--allow-ffi` missing)
 * becomes one clear `Error` whose `cause` is Deno's.
 */
export function openWs2_32(): Ws2_32 {
  try {
    return Deno.dlopen("ws2_32.dll", WS2_32_SYMBOLS).symbols;
  } catch (cause) {
    const why =
      cause instanceof Deno.errors.NotCapable || cause instanceof Deno.errors.PermissionDenied
        ? "FFI is not allowed: run with --allow-ffi"
        : Deno.build.os === "windows"
        ? "ws2_32.dll could not be loaded"
        : `there is no ws2_32.dll on ${Deno.build.os}: use --backend posix or deno`;
    throw new Error(`Cannot load Winsock (ws2_32.dll): ${why}`, { cause });
  }
}

/**
 * Overlapped I/O in `ws2_32.dll` (its own table, opened by the completion
 * engine): all synchronous, so `WSAGetLastError()` is read on the calling
 * thread; none of them waits (fWait is always FALSE).
 */
export const WS2_32_OVERLAPPED_SYMBOLS = {
  /** int WSAGetLastError(void); */
  WSAGetLastError: { parameters: [], result: "i32" },
  /**
   * int WSARecv(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount, LPDWORD lpNumberOfBytesRecvd,
   *             LPDWORD lpFlags, LPWSAOVERLAPPED lpOverlapped,
   *             LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine);
   */
  WSARecv: {
    parameters: ["usize", "pointer", "u32", "buffer", "buffer", "pointer", "pointer"],
    result: "i32",
  },
  /**
   * int WSASend(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount, LPDWORD lpNumberOfBytesSent,
   *             DWORD dwFlags, LPWSAOVERLAPPED lpOverlapped,
   *             LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine);
   */
  WSASend: {
    parameters: ["usize", "pointer", "u32", "buffer", "u32", "pointer", "pointer"],
    result: "i32",
  },
  /**
   * BOOL WSAGetOverlappedResult(SOCKET s, LPWSAOVERLAPPED lpOverlapped, LPDWORD lpcbTransfer,
   *                             BOOL fWait, LPDWORD lpdwFlags);
   */
  WSAGetOverlappedResult: {
    parameters: ["usize", "pointer", "buffer", "i32", "buffer"],
    result: "i32",
  },
} as const satisfies Deno.ForeignLibraryInterface;

/** The opened overlapped-I/O symbols. */
export type Ws2_32Overlapped = Deno.DynamicLibrary<typeof WS2_32_OVERLAPPED_SYMBOLS>["symbols"];

/** Opens `ws2_32.dll`'s overlapped-I/O symbols (a clear `Error` where there is none). */
export function openWs2_32Overlapped(): Ws2_32Overlapped {
  try {
    return Deno.dlopen("ws2_32.dll", WS2_32_OVERLAPPED_SYMBOLS).symbols;
  } catch (cause) {
    throw new Error("Cannot load Winsock (ws2_32.dll) for overlapped I/O", { cause });
  }
}
