/**
 * The posix backend's platform data, on any machine: the macOS and Linux
 * `sockaddr` bytes, constants and errno tables (the option translation:
 * `sockopt_test.ts`), checked
 * against the system headers' values (glibc; xnu's `sys/socket.h` and
 * `sys/errno.h`). Where a C compiler is at hand on Linux, the Linux numbers
 * are also checked against the headers it compiles with.
 */

import assert from "node:assert/strict";
import { AF_INET, AF_INET6 } from "../lib/constants.ts";
import {
  isWinsockError,
  WINSOCK_ERRORS,
  WinsockError,
  WSAEADDRINUSE,
  WSAEAFNOSUPPORT,
  WSAECONNREFUSED,
  WSAECONNRESET,
  WSAEINVAL,
  WSAENOTSOCK,
  WSAEWOULDBLOCK,
} from "../lib/errors.ts";
import { htons, inet_addr } from "../lib/helpers.ts";
import { decodeSockaddr, encodeSockaddr, sockaddr_in, sockaddr_in6 } from "../lib/structs.ts";
import {
  DARWIN_ABI,
  DARWIN_SOCKADDR_ABI,
  encodePosixFdSet,
  encodePosixTimeval,
  ERRNO_MEANINGS,
  type ErrnoName,
  errnoToWsa,
  FD_SET_LAYOUT_POSIX,
  LINGER_LAYOUT_POSIX,
  LINUX_ABI,
  LINUX_SOCKADDR_ABI,
  POLLFD_LAYOUT,
  type PosixAbi,
  posixAbi,
  posixFdIsSet,
  TIMEVAL_LAYOUT_POSIX,
  translateNameFlags,
} from "../lib/backends/posix/abi.ts";
import { eaiToWsa } from "../lib/backends/native_names.ts";
import { LIBC_PATHS, libcSymbols } from "../ffi/libc.ts";

function v4(port: number): sockaddr_in {
  const si = new sockaddr_in();
  si.sin_family = AF_INET;
  si.sin_port = htons(port);
  si.sin_addr.S_un.S_addr = inet_addr("127.0.0.1");
  return si;
}

function v6(port: number): sockaddr_in6 {
  const si = new sockaddr_in6();
  si.sin6_family = AF_INET6;
  si.sin6_port = htons(port);
  si.sin6_addr.s6_addr[15] = 1; // ::1
  si.sin6_scope_id = 3;
  return si;
}

Deno.test("posix abi: macOS sockaddr_in has sin_len 16 at offset 0 and family 2 at 1", () => {
  assert.deepEqual(
    [...encodeSockaddr(v4(12345), DARWIN_SOCKADDR_ABI)],
    [16, 2, 0x30, 0x39, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
  );
});

Deno.test("posix abi: macOS sockaddr_in6 has sin6_len 28 and AF_INET6 30", () => {
  const bytes = encodeSockaddr(v6(80), DARWIN_SOCKADDR_ABI);
  assert.equal(bytes.byteLength, 28);
  assert.deepEqual([...bytes.subarray(0, 4)], [28, 30, 0, 80]);
  assert.equal(bytes[8 + 15], 1);
  assert.equal(bytes[24], 3); // sin6_scope_id
});

Deno.test("posix abi: Linux sockaddr_in has a 16-bit family 2, sockaddr_in6 family 10", () => {
  assert.deepEqual(
    [...encodeSockaddr(v4(12345), LINUX_SOCKADDR_ABI)],
    [2, 0, 0x30, 0x39, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
  );
  assert.deepEqual([...encodeSockaddr(v6(80), LINUX_SOCKADDR_ABI).subarray(0, 4)], [10, 0, 0, 80]);
});

Deno.test("posix abi: decoding gives Winsock families back and refuses foreign ones", () => {
  for (const abi of [LINUX_SOCKADDR_ABI, DARWIN_SOCKADDR_ABI]) {
    const a = decodeSockaddr(encodeSockaddr(v4(12345), abi), abi);
    assert.ok(a instanceof sockaddr_in);
    assert.equal(a.sin_family, AF_INET);
    assert.equal(a.sin_port, htons(12345));
    assert.equal(a.sin_addr.S_un.S_addr, inet_addr("127.0.0.1"));
    const b = decodeSockaddr(encodeSockaddr(v6(80), abi), abi);
    assert.ok(b instanceof sockaddr_in6);
    assert.equal(b.sin6_family, AF_INET6); // 23, whatever the platform's number
    assert.equal(b.sin6_scope_id, 3);
  }
  // Windows' AF_INET6 (23) is not an address family on Linux (it is AF_PPPOX there).
  const windows6 = new Uint8Array(28);
  windows6[0] = 23;
  assert.throws(
    () => decodeSockaddr(windows6, LINUX_SOCKADDR_ABI),
    (e) => e instanceof WinsockError && e.code === WSAEAFNOSUPPORT,
  );
});

/** The header values, written out from glibc's and xnu's headers. */
const HEADERS = {
  linux: {
    SOL_SOCKET: 1,
    SO_REUSEADDR: 2,
    SO_KEEPALIVE: 9,
    SO_LINGER: 13,
    SO_SNDBUF: 7,
    SO_RCVBUF: 8,
    SO_ERROR: 4,
    SO_TYPE: 3,
    TCP_NODELAY: 1,
    MSG_OOB: 1,
    MSG_PEEK: 2,
    MSG_WAITALL: 0x100,
    MSG_NOSIGNAL: 0x4000,
    F_GETFL: 3,
    F_SETFL: 4,
    O_NONBLOCK: 0x800,
    POLLIN: 1,
    POLLOUT: 4,
    POLLERR: 8,
    POLLHUP: 0x10,
    SHUT_RD: 0,
    SHUT_WR: 1,
    SHUT_RDWR: 2,
    SOMAXCONN: 4096,
  },
  darwin: {
    SOL_SOCKET: 0xffff,
    SO_REUSEADDR: 0x4,
    SO_KEEPALIVE: 0x8,
    SO_LINGER: 0x80,
    SO_SNDBUF: 0x1001,
    SO_RCVBUF: 0x1002,
    SO_ERROR: 0x1007,
    SO_TYPE: 0x1008,
    SO_NOSIGPIPE: 0x1022,
    TCP_NODELAY: 1,
    MSG_OOB: 1,
    MSG_PEEK: 2,
    MSG_WAITALL: 0x40,
    F_GETFL: 3,
    F_SETFL: 4,
    O_NONBLOCK: 0x4,
    POLLIN: 1,
    POLLOUT: 4,
    POLLERR: 8,
    POLLHUP: 0x10,
    SHUT_RD: 0,
    SHUT_WR: 1,
    SHUT_RDWR: 2,
    SOMAXCONN: 128,
  },
} as const;

Deno.test("posix abi: the constants are the headers' values", () => {
  for (const abi of [LINUX_ABI, DARWIN_ABI]) {
    for (const [name, value] of Object.entries(HEADERS[abi.os])) {
      assert.equal(abi[name as keyof PosixAbi], value, `${abi.os} ${name}`);
    }
  }
  assert.equal(LINUX_ABI.SO_NOSIGPIPE, 0, "Linux has no SO_NOSIGPIPE: it uses MSG_NOSIGNAL");
  assert.equal(posixAbi("linux"), LINUX_ABI);
  assert.equal(posixAbi("darwin"), DARWIN_ABI);
  assert.throws(() => posixAbi("windows"), /Linux and macOS/);
});

Deno.test("posix abi: errno numbers of both platforms (the examples)", () => {
  const expect: [ErrnoName, number, number][] = [
    // name, Linux, macOS
    ["EINTR", 4, 4],
    ["EBADF", 9, 9],
    ["EINVAL", 22, 22],
    ["EPIPE", 32, 32],
    ["EAGAIN", 11, 35],
    ["EINPROGRESS", 115, 36],
    ["EALREADY", 114, 37],
    ["ENOTSOCK", 88, 38],
    ["ENOPROTOOPT", 92, 42],
    ["EOPNOTSUPP", 95, 102],
    ["ENOTSUP", 95, 45],
    ["EAFNOSUPPORT", 97, 47],
    ["EADDRINUSE", 98, 48],
    ["EADDRNOTAVAIL", 99, 49],
    ["ENETUNREACH", 101, 51],
    ["ECONNABORTED", 103, 53],
    ["ECONNRESET", 104, 54],
    ["ENOTCONN", 107, 57],
    ["ETIMEDOUT", 110, 60],
    ["ECONNREFUSED", 111, 61],
    ["EHOSTUNREACH", 113, 65],
  ];
  for (const [name, linux, darwin] of expect) {
    assert.equal(LINUX_ABI.errno[name], linux, `Linux ${name}`);
    assert.equal(DARWIN_ABI.errno[name], darwin, `macOS ${name}`);
  }
});

Deno.test("posix abi: errno → WSA by meaning, on each platform", () => {
  const cases: [PosixAbi, number, number][] = [
    [LINUX_ABI, 98, WSAEADDRINUSE],
    [LINUX_ABI, 111, WSAECONNREFUSED],
    [LINUX_ABI, 104, WSAECONNRESET],
    [LINUX_ABI, 22, WSAEINVAL],
    [LINUX_ABI, 9, WSAENOTSOCK],
    [LINUX_ABI, 88, WSAENOTSOCK],
    [LINUX_ABI, 32, WSAECONNRESET],
    [LINUX_ABI, 11, WSAEWOULDBLOCK],
    [LINUX_ABI, 115, WSAEWOULDBLOCK],
    [DARWIN_ABI, 48, WSAEADDRINUSE],
    [DARWIN_ABI, 61, WSAECONNREFUSED],
    [DARWIN_ABI, 54, WSAECONNRESET],
    [DARWIN_ABI, 38, WSAENOTSOCK],
    [DARWIN_ABI, 102, 10045],
    [DARWIN_ABI, 45, 10045],
  ];
  for (const [abi, errno, wsa] of cases) {
    assert.equal(errnoToWsa(abi, errno), wsa, `${abi.os} ${errno}`);
  }
  assert.equal(errnoToWsa(LINUX_ABI, 48), undefined, "48 is EADDRINUSE on macOS only");
  assert.equal(errnoToWsa(LINUX_ABI, 9999), undefined);
});

Deno.test("posix abi: every meaning is a Winsock code, and aliases agree", () => {
  for (const [name, wsa] of Object.entries(ERRNO_MEANINGS)) {
    assert.ok(WINSOCK_ERRORS.has(wsa), `${name} → ${wsa}`);
  }
  for (const abi of [LINUX_ABI, DARWIN_ABI]) {
    assert.deepEqual(Object.keys(abi.errno).sort(), Object.keys(ERRNO_MEANINGS).sort());
    for (const [name, value] of Object.entries(abi.errno)) {
      assert.equal(errnoToWsa(abi, value), ERRNO_MEANINGS[name as ErrnoName], `${abi.os} ${name}`);
    }
  }
});

Deno.test("posix abi: macOS socket errnos are Winsock's codes less 10000 (shared BSD origin)", () => {
  for (const [name, value] of Object.entries(DARWIN_ABI.errno)) {
    if (value < 35 || value > 71 || name === "EINPROGRESS") continue; // EINPROGRESS: see ERRNO_MEANINGS
    assert.equal(ERRNO_MEANINGS[name as ErrnoName], value + 10000, name);
  }
});

Deno.test("posix abi: the libc symbol tables differ only where the platforms do", () => {
  const linux = libcSymbols("linux"), darwin = libcSymbols("darwin");
  assert.equal(linux.__errno_location.name, "__errno_location");
  assert.equal(darwin.__errno_location.name, "__error");
  assert.equal(linux.poll.parameters[1], "u64"); // nfds_t: unsigned long
  assert.equal(darwin.poll.parameters[1], "u32"); // nfds_t: unsigned int
  assert.equal(darwin.poll_wait.name, "poll");
  assert.equal(darwin.poll_wait.nonblocking, true);
  // fcntl's variadic argument must reach the first stack slot on Apple silicon.
  assert.equal(linux.fcntl.parameters.length, 9);
  assert.deepEqual(LIBC_PATHS, { linux: "libc.so.6", darwin: "/usr/lib/libSystem.B.dylib" });
});

const cc = Deno.build.os === "linux" &&
  (() => {
    try {
      return new Deno.Command("cc", { args: ["--version"], stdout: "null", stderr: "null" })
        .outputSync().success;
    } catch {
      return false;
    }
  })();

Deno.test({
  name: "posix abi: the Linux data matches the headers this machine's C compiler sees",
  ignore: !cc,
  fn() {
    const errnos = Object.keys(LINUX_ABI.errno);
    // SOMAXCONN is left out: glibc 2.35 raised it from 128 to 4096, and it is not used.
    const consts = [
      ...Object.keys(HEADERS.linux).filter((n) => n !== "SOMAXCONN"),
      ...["SOCK_STREAM", "SOCK_DGRAM", "MSG_DONTROUTE", "F_SETFD", "FD_CLOEXEC", "POLLNVAL"],
      // The socket options posix/options.ts translates.
      ...["SO_BROADCAST", "SO_SNDTIMEO", "SO_RCVTIMEO", "IPPROTO_TCP", "TCP_KEEPIDLE"],
      ...["TCP_KEEPINTVL", "TCP_KEEPCNT", "IPPROTO_IP", "IP_TTL", "IP_MULTICAST_TTL"],
      ...["IP_MULTICAST_LOOP", "IP_ADD_MEMBERSHIP", "IP_DROP_MEMBERSHIP", "IPPROTO_IPV6"],
      "IPV6_V6ONLY",
    ];
    const source = [
      "#include <stdio.h>",
      "#include <stddef.h>",
      "#include <errno.h>",
      "#include <fcntl.h>",
      "#include <poll.h>",
      "#include <sys/socket.h>",
      "#include <netinet/in.h>",
      "#include <netinet/tcp.h>",
      "#include <sys/time.h>",
      '#define P(x) printf("%s %d\\n", #x, (int)(x));',
      "int main(void) {",
      ...[...consts, "AF_INET6", ...errnos].map((n) => `P(${n})`),
      'printf("pollfd %zu %zu %zu\\n", sizeof(struct pollfd), ' +
      "offsetof(struct pollfd, events), offsetof(struct pollfd, revents));",
      'printf("linger %zu %zu\\n", sizeof(struct linger), offsetof(struct linger, l_linger));',
      'printf("timeval %zu %zu\\n", sizeof(struct timeval), offsetof(struct timeval, tv_usec));',
      'printf("ip_mreq %zu\\n", sizeof(struct ip_mreq));',
      "return 0; }",
    ].join("\n");
    const dir = Deno.makeTempDirSync();
    try {
      Deno.writeTextFileSync(`${dir}/abi.c`, source);
      const build = new Deno.Command("cc", { args: ["-o", `${dir}/abi`, `${dir}/abi.c`] })
        .outputSync();
      assert.ok(build.success, new TextDecoder().decode(build.stderr));
      const out = new TextDecoder().decode(new Deno.Command(`${dir}/abi`).outputSync().stdout);
      const seen = new Map(
        out.trim().split("\n").map((l) => {
          const [k, ...v] = l.split(" ");
          return [k, v.map(Number)];
        }),
      );
      const abi = LINUX_ABI as unknown as Record<string, number>;
      for (const n of consts) assert.equal(abi[n], seen.get(n)?.[0], n);
      for (const n of errnos) assert.equal(LINUX_ABI.errno[n as ErrnoName], seen.get(n)?.[0], n);
      assert.equal(LINUX_ABI.sockaddr.AF_INET6, seen.get("AF_INET6")?.[0]);
      assert.deepEqual(seen.get("pollfd"), [
        POLLFD_LAYOUT.size,
        POLLFD_LAYOUT.events,
        POLLFD_LAYOUT.revents,
      ]);
      assert.deepEqual(seen.get("linger"), [
        LINGER_LAYOUT_POSIX.size,
        LINGER_LAYOUT_POSIX.l_linger,
      ]);
      assert.deepEqual(seen.get("timeval"), [
        TIMEVAL_LAYOUT_POSIX.size,
        TIMEVAL_LAYOUT_POSIX.tv_usec,
      ]);
      assert.deepEqual(seen.get("ip_mreq"), [8]);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test("POSIX fd_set: 1024 bits in 128 bytes, bit fd % 8 of byte fd / 8; beyond 1023 refused", () => {
  assert.equal(FD_SET_LAYOUT_POSIX.size, 128); // sizeof(fd_set) on Linux and macOS
  const bits = encodePosixFdSet([0, 9, 1023]);
  assert.equal(bits.byteLength, 128);
  assert.deepEqual([bits[0], bits[1], bits[127]], [0x01, 0x02, 0x80]);
  assert.equal(bits.reduce((n, b) => n + b.toString(2).replaceAll("0", "").length, 0), 3);
  assert.deepEqual([0, 9, 1023, 8, 1024, -1].map((fd) => posixFdIsSet(bits, fd)), [
    true,
    true,
    true,
    false,
    false,
    false,
  ]);
  for (const fd of [1024, -1, 1.5]) {
    assert.throws(() => encodePosixFdSet([fd]), (e: unknown) => isWinsockError(e, WSAEINVAL));
  }
});

Deno.test("POSIX timeval: 16 bytes, seconds at 0 (8 bytes), microseconds at 8", () => {
  assert.equal(TIMEVAL_LAYOUT_POSIX.size, 16); // sizeof(struct timeval) on 64-bit Linux and macOS
  const view = new DataView(encodePosixTimeval(2_500.25).buffer);
  assert.equal(view.getBigInt64(TIMEVAL_LAYOUT_POSIX.tv_sec, true), 2n);
  assert.equal(view.getInt32(TIMEVAL_LAYOUT_POSIX.tv_usec, true), 500_250);
  assert.equal(view.getInt32(TIMEVAL_LAYOUT_POSIX.tv_usec + 4, true), 0, "padding zeroed");
});

Deno.test({
  name: "posix abi: Linux addrinfo, EAI_*, AI_*, NI_* and IPV6_V6ONLY match this machine's headers",
  ignore: !cc,
  fn() {
    const eai = Object.keys(LINUX_ABI.eai);
    // Winsock's bit → the name both platforms give it.
    const ai: Record<number, string> = {
      0x1: "AI_PASSIVE",
      0x2: "AI_CANONNAME",
      0x4: "AI_NUMERICHOST",
      0x8: "AI_NUMERICSERV",
      0x100: "AI_ALL",
      0x400: "AI_ADDRCONFIG",
      0x800: "AI_V4MAPPED",
    };
    const ni: Record<number, string> = {
      0x1: "NI_NOFQDN",
      0x2: "NI_NUMERICHOST",
      0x4: "NI_NAMEREQD",
      0x8: "NI_NUMERICSERV",
      0x10: "NI_DGRAM",
    };
    const names = [
      ...eai,
      ...Object.values(ai),
      ...Object.values(ni),
      "IPPROTO_IPV6",
      "IPV6_V6ONLY",
    ];
    const source = [
      "#define _GNU_SOURCE",
      "#include <stdio.h>",
      "#include <stddef.h>",
      "#include <netdb.h>",
      "#include <netinet/in.h>",
      '#define P(x) printf("%s %d\\n", #x, (int)(x));',
      "int main(void) {",
      ...names.map((n) => `P(${n})`),
      'printf("addrinfo %zu %zu %zu %zu %zu %zu\\n", sizeof(struct addrinfo), ' +
      "offsetof(struct addrinfo, ai_addrlen), sizeof(((struct addrinfo *)0)->ai_addrlen), " +
      "offsetof(struct addrinfo, ai_canonname), offsetof(struct addrinfo, ai_addr), " +
      "offsetof(struct addrinfo, ai_next));",
      "return 0; }",
    ].join("\n");
    const dir = Deno.makeTempDirSync();
    try {
      Deno.writeTextFileSync(`${dir}/names.c`, source);
      const build = new Deno.Command("cc", { args: ["-o", `${dir}/names`, `${dir}/names.c`] })
        .outputSync();
      assert.ok(build.success, new TextDecoder().decode(build.stderr));
      const out = new TextDecoder().decode(new Deno.Command(`${dir}/names`).outputSync().stdout);
      const seen = new Map(
        out.trim().split("\n").map((l) => {
          const [k, ...v] = l.split(" ");
          return [k, v.map(Number)];
        }),
      );
      const L = LINUX_ABI.addrinfo;
      assert.deepEqual(seen.get("addrinfo"), [
        L.size,
        L.ai_addrlen,
        L.addrlenSize,
        L.ai_canonname,
        L.ai_addr,
        L.ai_next,
      ]);
      for (const n of eai) {
        assert.equal(LINUX_ABI.eai[n as keyof typeof LINUX_ABI.eai], seen.get(n)?.[0], n);
      }
      for (const [bit, n] of Object.entries(ai)) {
        assert.equal(LINUX_ABI.nameFlags.ai[+bit], seen.get(n)?.[0], n);
      }
      for (const [bit, n] of Object.entries(ni)) {
        assert.equal(LINUX_ABI.nameFlags.ni[+bit], seen.get(n)?.[0], n);
      }
      assert.equal(LINUX_ABI.IPPROTO_IPV6, seen.get("IPPROTO_IPV6")?.[0]);
      assert.equal(LINUX_ABI.IPV6_V6ONLY, seen.get("IPV6_V6ONLY")?.[0]);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test("posix abi: EAI_* become the WSA codes Windows' getaddrinfo returns", () => {
  assert.equal(eaiToWsa(LINUX_ABI, -2), 11001); // EAI_NONAME → WSAHOST_NOT_FOUND
  assert.equal(eaiToWsa(DARWIN_ABI, 8), 11001);
  assert.equal(eaiToWsa(LINUX_ABI, -3), 11002); // EAI_AGAIN → WSATRY_AGAIN
  assert.equal(eaiToWsa(LINUX_ABI, -8), 10109); // EAI_SERVICE → WSATYPE_NOT_FOUND
  assert.equal(eaiToWsa(LINUX_ABI, -12), 10014); // EAI_OVERFLOW → WSAEFAULT
  assert.equal(eaiToWsa(LINUX_ABI, -99), 11003); // unknown → WSANO_RECOVERY
  assert.equal(translateNameFlags(LINUX_ABI.nameFlags.ai, 0x8 | 0x1), 0x401);
  assert.equal(translateNameFlags(LINUX_ABI.nameFlags.ai, 0x10), undefined);
  assert.equal(translateNameFlags(DARWIN_ABI.nameFlags.ni, 0x2 | 0x8), 0xa);
});
