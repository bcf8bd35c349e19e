/**
 * The socket option table of `lib/backends/posix/options.ts`, as data: each
 * Winsock option's numbers, the Linux and macOS option it becomes (written
 * out from winsock2.h/ws2ipdef.h, glibc and xnu), and the conversions of
 * values both ways. The options on real sockets: `sockopt_test.ts`.
 */

import assert from "node:assert/strict";
import {
  IP_ADD_MEMBERSHIP,
  IP_DROP_MEMBERSHIP,
  IP_MULTICAST_LOOP,
  IP_MULTICAST_TTL,
  IP_TTL,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPPROTO_UDP,
  IPV6_V6ONLY,
  SIO_KEEPALIVE_VALS,
  SO_BROADCAST,
  SO_ERROR,
  SO_EXCLUSIVEADDRUSE,
  SO_KEEPALIVE,
  SO_LINGER,
  SO_RCVBUF,
  SO_RCVTIMEO,
  SO_REUSEADDR,
  SO_SNDBUF,
  SO_SNDTIMEO,
  SO_TYPE,
  SOL_SOCKET,
  TCP_KEEPALIVE,
  TCP_KEEPCNT,
  TCP_KEEPINTVL,
  TCP_NODELAY,
  WSAEFAULT,
  WSAEINVAL,
  WSAENOPROTOOPT,
} from "../mod.ts";
import { DARWIN_ABI, LINUX_ABI, type PosixAbi } from "../lib/backends/posix/abi.ts";
import {
  decodePosixValue,
  encodePosixValue,
  keepaliveSeconds,
  posixOption,
} from "../lib/backends/posix/options.ts";
import {
  formatWinsockValue,
  parseWinsockValue,
  WINSOCK_OPTIONS,
  winsockOption,
} from "../lib/backends/option_table.ts";
import { WinsockError } from "../lib/errors.ts";

const int = (n: number) => new Uint8Array(new Int32Array([n]).buffer);
const throwsCode = (code: number) => (e: unknown) => e instanceof WinsockError && e.code === code;

/** Each Winsock option and the platform option it becomes, from winsock2.h/ws2ipdef.h, glibc and xnu. */
const TRANSLATIONS: Record<
  string,
  [number, number, [number, number] | null, [number, number] | null]
> = {
  //                     Winsock level, number     Linux            macOS
  SO_REUSEADDR: [0xffff, 0x4, [1, 2], [0xffff, 0x4]],
  SO_EXCLUSIVEADDRUSE: [0xffff, -5, null, null],
  SO_KEEPALIVE: [0xffff, 0x8, [1, 9], [0xffff, 0x8]],
  SO_BROADCAST: [0xffff, 0x20, [1, 6], [0xffff, 0x20]],
  SO_LINGER: [0xffff, 0x80, [1, 13], [0xffff, 0x1080]], // macOS: SO_LINGER_SEC (seconds, not ticks)
  SO_SNDBUF: [0xffff, 0x1001, [1, 7], [0xffff, 0x1001]],
  SO_RCVBUF: [0xffff, 0x1002, [1, 8], [0xffff, 0x1002]],
  SO_SNDTIMEO: [0xffff, 0x1005, [1, 21], [0xffff, 0x1005]],
  SO_RCVTIMEO: [0xffff, 0x1006, [1, 20], [0xffff, 0x1006]],
  SO_ERROR: [0xffff, 0x1007, [1, 4], [0xffff, 0x1007]],
  SO_TYPE: [0xffff, 0x1008, [1, 3], [0xffff, 0x1008]],
  TCP_NODELAY: [6, 1, [6, 1], [6, 1]],
  TCP_KEEPALIVE: [6, 3, [6, 4], [6, 0x10]], // Linux TCP_KEEPIDLE, macOS TCP_KEEPALIVE
  TCP_KEEPINTVL: [6, 17, [6, 5], [6, 0x101]],
  TCP_KEEPCNT: [6, 16, [6, 6], [6, 0x102]],
  IP_TTL: [0, 4, [0, 2], [0, 4]],
  IP_MULTICAST_TTL: [0, 10, [0, 33], [0, 10]],
  IP_MULTICAST_LOOP: [0, 11, [0, 34], [0, 11]],
  IP_ADD_MEMBERSHIP: [0, 12, [0, 35], [0, 12]],
  IP_DROP_MEMBERSHIP: [0, 13, [0, 36], [0, 13]],
  IPV6_V6ONLY: [41, 27, [41, 26], [41, 27]],
};

Deno.test("sockopt table: every option, its Winsock numbers and its Linux and macOS ones", () => {
  assert.deepEqual(WINSOCK_OPTIONS.map((o) => o.name).sort(), Object.keys(TRANSLATIONS).sort());
  for (const [name, [level, optname, linux, darwin]] of Object.entries(TRANSLATIONS)) {
    const opt = winsockOption(level, optname);
    assert.equal(opt.name, name);
    assert.deepEqual(posixOption(opt, LINUX_ABI), linux, `Linux ${name}`);
    assert.deepEqual(posixOption(opt, DARWIN_ABI), darwin, `macOS ${name}`);
  }
  // The named constants are the same numbers.
  const named = [SO_REUSEADDR, SO_EXCLUSIVEADDRUSE, SO_KEEPALIVE, SO_BROADCAST, SO_LINGER];
  assert.deepEqual(named, [4, -5, 8, 0x20, 0x80]);
  assert.deepEqual([SO_SNDBUF, SO_RCVBUF, SO_SNDTIMEO, SO_RCVTIMEO, SO_ERROR, SO_TYPE], [
    0x1001,
    0x1002,
    0x1005,
    0x1006,
    0x1007,
    0x1008,
  ]);
  assert.deepEqual([TCP_NODELAY, TCP_KEEPALIVE, TCP_KEEPINTVL, TCP_KEEPCNT], [1, 3, 17, 16]);
  assert.deepEqual(
    [
      IPPROTO_IP,
      IP_TTL,
      IP_MULTICAST_TTL,
      IP_MULTICAST_LOOP,
      IP_ADD_MEMBERSHIP,
      IP_DROP_MEMBERSHIP,
    ],
    [0, 4, 10, 11, 12, 13],
  );
  assert.deepEqual([IPPROTO_IPV6, IPV6_V6ONLY, SIO_KEEPALIVE_VALS], [41, 27, 0x98000004]);
});

Deno.test("sockopt table: an unknown level is 10022, an unknown option 10042 (as Winsock)", () => {
  assert.throws(() => winsockOption(0x1234, 1), throwsCode(WSAEINVAL));
  assert.throws(() => winsockOption(SOL_SOCKET, 0x7777), throwsCode(WSAENOPROTOOPT));
  assert.throws(() => winsockOption(IPPROTO_UDP, 1), throwsCode(WSAENOPROTOOPT));
});

Deno.test("sockopt values: Winsock layouts in, Winsock layouts out", () => {
  const opt = (level: number, optname: number) => winsockOption(level, optname);
  const keepalive = opt(SOL_SOCKET, SO_KEEPALIVE), reuse = opt(SOL_SOCKET, SO_REUSEADDR);
  // A BOOL may come as one byte; any non-zero value is on.
  assert.equal(parseWinsockValue(keepalive, new Uint8Array([1])), 1);
  assert.equal(parseWinsockValue(keepalive, int(5)), 1);
  assert.throws(() => parseWinsockValue(keepalive, new Uint8Array(0)), throwsCode(WSAEFAULT));
  // SO_KEEPALIVE, TCP_NODELAY, IPV6_V6ONLY read back as a 1-byte BOOLEAN; SO_REUSEADDR as 4 bytes.
  const out = new Uint8Array(8).fill(0xee);
  assert.equal(formatWinsockValue(keepalive, 1, out), 1);
  assert.deepEqual([...out.subarray(0, 2)], [1, 0xee]);
  assert.equal(formatWinsockValue(reuse, 1, out), 4);
  assert.equal(formatWinsockValue(reuse, 1, new Uint8Array(1)), 1);
  // int, DWORD and linger values shorter than their type are WSAEFAULT, both ways.
  for (const [level, optname] of [[SOL_SOCKET, SO_RCVBUF], [SOL_SOCKET, SO_RCVTIMEO]]) {
    assert.throws(
      () => parseWinsockValue(opt(level, optname), new Uint8Array(3)),
      throwsCode(WSAEFAULT),
    );
    assert.throws(
      () => formatWinsockValue(opt(level, optname), 1, new Uint8Array(3)),
      throwsCode(WSAEFAULT),
    );
  }
  const linger = opt(SOL_SOCKET, SO_LINGER);
  assert.deepEqual(parseWinsockValue(linger, new Uint8Array([1, 0, 7, 0])), {
    l_onoff: 1,
    l_linger: 7,
  });
  assert.throws(() => parseWinsockValue(linger, new Uint8Array(3)), throwsCode(WSAEFAULT));
  // An ip_mreq is 8 bytes (fewer: WSAEINVAL, as Winsock says) and cannot be read back.
  const add = opt(IPPROTO_IP, IP_ADD_MEMBERSHIP);
  assert.throws(() => parseWinsockValue(add, new Uint8Array(7)), throwsCode(WSAEINVAL));
  assert.throws(() => formatWinsockValue(add, 0, new Uint8Array(8)), throwsCode(WSAENOPROTOOPT));
});

Deno.test("sockopt values: the platform layouts (timeval, int linger, Linux's doubled buffers)", () => {
  const rcvtimeo = winsockOption(SOL_SOCKET, SO_RCVTIMEO);
  for (const abi of [LINUX_ABI, DARWIN_ABI] as PosixAbi[]) {
    const tv = encodePosixValue(rcvtimeo, 1500);
    assert.equal(tv.byteLength, 16);
    const v = new DataView(tv.buffer);
    assert.deepEqual([Number(v.getBigInt64(0, true)), v.getInt32(8, true)], [1, 500_000]);
    assert.equal(decodePosixValue(rcvtimeo, abi, tv, 16), 1500);
    const linger = winsockOption(SOL_SOCKET, SO_LINGER);
    const l = encodePosixValue(linger, { l_onoff: 1, l_linger: 65535 });
    assert.deepEqual([...new Int32Array(l.buffer)], [1, 65535]);
    assert.deepEqual(decodePosixValue(linger, abi, l, 8), { l_onoff: 1, l_linger: 65535 });
  }
  // Linux reports twice the buffer asked for (its bookkeeping); the façade reports what was asked.
  const rcvbuf = winsockOption(SOL_SOCKET, SO_RCVBUF);
  assert.equal(decodePosixValue(rcvbuf, LINUX_ABI, int(131072), 4), 65536);
  assert.equal(decodePosixValue(rcvbuf, DARWIN_ABI, int(131072), 4), 131072);
  assert.deepEqual([keepaliveSeconds(7000), keepaliveSeconds(1), keepaliveSeconds(0)], [7, 1, 1]);
});
