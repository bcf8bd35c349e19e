/**
 * The raw binding: the `Deno.dlopen` symbol table of the C library
 * (`libc.so.6` on Linux, `libSystem.B.dylib` on macOS), C names and C
 * signatures (64-bit), nothing else. The posix backend
 * (`lib/backends/posix/sockets.ts`) is the only user; nothing here checks a length
 * or a descriptor.
 *
 * As with `ws2_32.ts`, the socket calls are deliberately synchronous: `errno`
 * is thread-local, so it is only right on the thread that made the call. It
 * is read right after the call, at the address `__errno_location()` (macOS:
 * `__error()`) returns. The backend makes sockets non-blocking and waits for
 * readiness with `poll_wait` or (Linux) `epoll_wait_park`, the only
 * `nonblocking: true` symbols, whose own `errno` is never read.
 *
 * @module
 */

/** The platforms this binding knows. */
export type LibcOs = "linux" | "darwin";

/** The file `Deno.dlopen` opens on each platform. */
export const LIBC_PATHS: Readonly<Record<LibcOs, string>> = {
  linux: "libc.so.6",
  darwin: "/usr/lib/libSystem.B.dylib",
};

/**
 * The symbols of the C library the posix backend uses, for one platform.
 * Only two entries differ: `nfds_t` (`unsigned long` on Linux, `unsigned int`
 * on macOS) and the name of the `errno` locator.
 */
export function libcSymbols(os: LibcOs) {
  return {
    /** int socket(int domain, int type, int protocol); */
    socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
    /** int bind(int sockfd, const struct sockaddr *addr, socklen_t addrlen); */
    bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
    /** int listen(int sockfd, int backlog); */
    listen: { parameters: ["i32", "i32"], result: "i32" },
    /** int accept(int sockfd, struct sockaddr *addr, socklen_t *addrlen); */
    accept: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
    /** int connect(int sockfd, const struct sockaddr *addr, socklen_t addrlen); */
    connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
    /** ssize_t recv(int sockfd, void *buf, size_t len, int flags); */
    recv: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
    /** ssize_t send(int sockfd, const void *buf, size_t len, int flags); */
    send: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
    /** int close(int fd); */
    close: { parameters: ["i32"], result: "i32" },
    /** int dup2(int oldfd, int newfd); */
    dup2: { parameters: ["i32", "i32"], result: "i32" },
    /** int shutdown(int sockfd, int how); */
    shutdown: { parameters: ["i32", "i32"], result: "i32" },
    /** int getpeername(int sockfd, struct sockaddr *addr, socklen_t *addrlen); */
    getpeername: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
    /** int getsockname(int sockfd, struct sockaddr *addr, socklen_t *addrlen); */
    getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
    /** int setsockopt(int sockfd, int level, int optname, const void *optval, socklen_t optlen); */
    setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
    /** int getsockopt(int sockfd, int level, int optname, void *optval, socklen_t *optlen); */
    getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
    /**
     * int fcntl(int fd, int cmd, ... /* int arg *\/);
     *
     * Variadic, which FFI cannot declare. Elsewhere the third argument travels
     * in a register, as a fixed one would; Apple silicon passes variadic
     * arguments on the stack. So it is declared with nine parameters and
     * called as `fcntl(fd, cmd, arg, 0, 0, 0, 0, 0, arg)`: `arg` in the third
     * register for x86-64 and Linux arm64, and in the first stack slot, past
     * the eight argument registers, for macOS arm64. The extra arguments are
     * ignored (the caller owns them).
     */
    fcntl: {
      parameters: ["i32", "i32", "i64", "i64", "i64", "i64", "i64", "i64", "i64"],
      result: "i32",
    },
    /**
     * int select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
     *            struct timeval *timeout);
     */
    select: { parameters: ["i32", "buffer", "buffer", "buffer", "buffer"], result: "i32" },
    /** int poll(struct pollfd *fds, nfds_t nfds, int timeout); */
    poll: { parameters: ["buffer", os === "darwin" ? "u32" : "u64", "i32"], result: "i32" },
    /** `poll` on a worker thread, for readiness waits; its `errno` is never read. */
    poll_wait: {
      name: "poll",
      parameters: ["buffer", os === "darwin" ? "u32" : "u64", "i32"],
      result: "i32",
      nonblocking: true,
    },
    /** int inet_pton(int af, const char *src, void *dst); */
    inet_pton: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
    /** const char *inet_ntop(int af, const void *src, char *dst, socklen_t size); */
    inet_ntop: { parameters: ["i32", "buffer", "buffer", "u32"], result: "pointer" },
    /**
     * ssize_t sendto(int sockfd, const void *buf, size_t len, int flags,
     *                const struct sockaddr *dest_addr, socklen_t addrlen);
     */
    sendto: {
      parameters: ["i32", "buffer", "usize", "i32", "buffer", "u32"],
      result: "isize",
    },
    /**
     * ssize_t recvfrom(int sockfd, void *buf, size_t len, int flags,
     *                  struct sockaddr *src_addr, socklen_t *addrlen);
     */
    recvfrom: {
      parameters: ["i32", "buffer", "usize", "i32", "buffer", "buffer"],
      result: "isize",
    },
    /**
     * int getaddrinfo(const char *node, const char *service,
     *                 const struct addrinfo *hints, struct addrinfo **res);
     */
    getaddrinfo: { parameters: ["buffer", "buffer", "buffer", "buffer"], result: "i32" },
    /**
     * `getaddrinfo` on a worker thread (it may wait for a name server). Its
     * error is its return value, not `errno`, so nothing is lost there.
     */
    getaddrinfo_wait: {
      name: "getaddrinfo",
      parameters: ["buffer", "buffer", "buffer", "buffer"],
      result: "i32",
      nonblocking: true,
    },
    /** void freeaddrinfo(struct addrinfo *res); */
    freeaddrinfo: { parameters: ["pointer"], result: "void" },
    /**
     * int getnameinfo(const struct sockaddr *addr, socklen_t addrlen, char *host,
     *                 socklen_t hostlen, char *serv, socklen_t servlen, int flags);
     */
    getnameinfo: {
      parameters: ["buffer", "u32", "buffer", "u32", "buffer", "u32", "i32"],
      result: "i32",
    },
    /** `getnameinfo` on a worker thread (a reverse lookup may wait); its error is its return value. */
    getnameinfo_wait: {
      name: "getnameinfo",
      parameters: ["buffer", "u32", "buffer", "u32", "buffer", "u32", "i32"],
      result: "i32",
      nonblocking: true,
    },
    /** int gethostname(char *name, size_t len); */
    gethostname: { parameters: ["buffer", "usize"], result: "i32" },
    /** int *__errno_location(void); (macOS: int *__error(void);) the calling thread's errno */
    __errno_location: {
      name: os === "darwin" ? "__error" : "__errno_location",
      parameters: [],
      result: "pointer",
    },
    /** int sched_yield(void); */
    sched_yield: { parameters: [], result: "i32" },
    // epoll (Linux only: `optional`, so they are null on macOS). Layout of struct epoll_event:
    // lib/backends/reactor/epoll.ts.
    /** int epoll_create1(int flags); */
    epoll_create1: { parameters: ["i32"], result: "i32", optional: true },
    /** int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event); */
    epoll_ctl: { parameters: ["i32", "i32", "i32", "buffer"], result: "i32", optional: true },
    /** int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout); */
    epoll_wait: { parameters: ["i32", "buffer", "i32", "i32"], result: "i32", optional: true },
    /** `epoll_wait` on a worker thread, for parked waits; its `errno` is never read. */
    epoll_wait_park: {
      name: "epoll_wait",
      parameters: ["i32", "buffer", "i32", "i32"],
      result: "i32",
      nonblocking: true,
      optional: true,
    },
    /**
     * int ioctl(int fd, unsigned long request, ... /* int *argp *\/);
     *
     * Variadic like `fcntl`, and called the same way:
     * `ioctl(fd, request, argp, 0, 0, 0, 0, 0, argp)`.
     */
    ioctl: {
      parameters: ["i32", "u64", "buffer", "i64", "i64", "i64", "i64", "i64", "buffer"],
      result: "i32",
    },
  } as const satisfies Deno.ForeignLibraryInterface;
}

/** The opened library. */
export type Libc = Deno.DynamicLibrary<ReturnType<typeof libcSymbols>>["symbols"];

/**
 * Opens the C library. A failure (not Linux or macOS, or `--allow-ffi`
 * missing) becomes one clear `Error` whose `cause` is Deno's.
 */
export function openLibc(): Libc {
  const os = Deno.build.os;
  try {
    if (os !== "linux" && os !== "darwin") throw new Error(`no libc binding for ${os}`);
    return Deno.dlopen(LIBC_PATHS[os], libcSymbols(os)).symbols;
  } catch (cause) {
    const why =
      cause instanceof Deno.errors.NotCapable || cause instanceof Deno.errors.PermissionDenied
        ? "FFI is not allowed: run with --allow-ffi"
        : os === "linux" || os === "darwin"
        ? `${LIBC_PATHS[os]} could not be loaded`
        : `the posix backend runs on Linux and macOS, not ${os}: use --backend winsock or deno`;
    throw new Error(`Cannot load the C library: ${why}`, { cause });
  }
}
