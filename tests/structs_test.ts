/**
 * Tests for lib/structs.ts: layouts, exact bytes, round trips, and refusals.
 *
 * The layout numbers below are the ones the C compiler gives. Checked once
 * with mingw-w64 (x86_64-w64-mingw32-gcc 12, its winsock2.h): a program
 * printing sizeof/offsetof, run under Wine, printed
 *   WSADATA 408, szDescription 16, szSystemStatus 273, iMaxSockets 4, lpVendorInfo 8;
 *   sockaddr_in 16, sockaddr_in6 28 (sin6_scope_id at 24), sockaddr 16,
 *   timeval 8, fd_set 520 with fd_array at 8;
 * and `-m32 -c` with `_Static_assert`s confirmed the 32-bit WSADATA: 400 bytes,
 * szDescription 4, szSystemStatus 261, iMaxSockets 390, iMaxUdpDg 392,
 * lpVendorInfo 396. ADDRINFOA (tests/names_test.ts): `_Static_assert`s with the same
 * toolchain confirmed 48 bytes, ai_addrlen a size_t at 16, ai_canonname 24, ai_addr 32,
 * ai_next 40, and EAI_NONAME 11001, EAI_SERVICE 10109, IPV6_V6ONLY 27.
 * The suite does not depend on that toolchain.
 */

import assert from "node:assert/strict";
import { AF_INET, AF_INET6, FD_SETSIZE, type SOCKET } from "../lib/constants.ts";
import { WinsockError, WSAEAFNOSUPPORT, WSAEFAULT, WSAEINVAL } from "../lib/errors.ts";
import { htons, inet_addr } from "../lib/helpers.ts";
import {
  decodeSockaddr,
  encodeSockaddr,
  FD_CLR,
  FD_ISSET,
  FD_SET,
  fd_set,
  FD_SET_LAYOUT_WIN64,
  FD_ZERO,
  sizeof,
  type SOCKADDR,
  sockaddr_in,
  sockaddr_in6,
  SOCKADDR_IN6_LAYOUT,
  SOCKADDR_IN_LAYOUT,
  SOCKADDR_LAYOUT,
  type SockaddrAbi,
  timeval,
  TIMEVAL_LAYOUT_WINDOWS,
  WINDOWS_SOCKADDR_ABI,
  WSADATA,
  WSADATA_LAYOUT_WIN64,
} from "../lib/structs.ts";
import {
  decodeFdSet,
  decodeTimeval,
  decodeWSADATA,
  encodeFdSet,
  encodeTimeval,
  encodeWSADATA,
  WSADATA_LAYOUT_WIN32,
} from "../lib/backends/winsock/layouts.ts";

/** Asserts that `fn` throws a WinsockError with exactly `code`. */
function throwsCode(fn: () => unknown, code: number): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof WinsockError, `expected a WinsockError, got ${e}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}

/** 127.0.0.1:12345 as the tutorial fills it. */
function loopback12345(): sockaddr_in {
  const si = new sockaddr_in();
  si.sin_family = AF_INET;
  si.sin_port = htons(12345);
  si.sin_addr.S_un.S_addr = inet_addr("127.0.0.1");
  return si;
}

const LINUX_ABI: SockaddrAbi = { os: "linux", hasSinLen: false, AF_INET: 2, AF_INET6: 10 };
const DARWIN_ABI: SockaddrAbi = { os: "darwin", hasSinLen: true, AF_INET: 2, AF_INET6: 30 };

// ---------------------------------------------------------------------------
// Layouts

Deno.test("WSADATA x64 layout is the _WIN64 branch of winsock2.h (408 bytes)", () => {
  assert.deepEqual({ ...WSADATA_LAYOUT_WIN64 }, {
    size: 408,
    wVersion: 0,
    wHighVersion: 2,
    iMaxSockets: 4,
    iMaxUdpDg: 6,
    lpVendorInfo: 8,
    pointerSize: 8,
    szDescription: 16,
    szSystemStatus: 273,
  });
  // szSystemStatus[129] ends 7 bytes before the end: padding to 8-byte alignment.
  assert.equal(WSADATA_LAYOUT_WIN64.szSystemStatus + 129, 402);
});

Deno.test("WSADATA 32-bit layout: strings first, 400 bytes", () => {
  assert.deepEqual({ ...WSADATA_LAYOUT_WIN32 }, {
    size: 400,
    wVersion: 0,
    wHighVersion: 2,
    szDescription: 4,
    szSystemStatus: 261,
    iMaxSockets: 390,
    iMaxUdpDg: 392,
    lpVendorInfo: 396,
    pointerSize: 4,
  });
});

Deno.test("sockaddr_in, sockaddr_in6, sockaddr, timeval, fd_set layouts", () => {
  assert.deepEqual({ ...SOCKADDR_IN_LAYOUT }, {
    size: 16,
    sin_family: 0,
    sin_port: 2,
    sin_addr: 4,
    sin_zero: 8,
  });
  assert.deepEqual({ ...SOCKADDR_IN6_LAYOUT }, {
    size: 28,
    sin6_family: 0,
    sin6_port: 2,
    sin6_flowinfo: 4,
    sin6_addr: 8,
    sin6_scope_id: 24,
  });
  assert.deepEqual({ ...SOCKADDR_LAYOUT }, { size: 16, sa_family: 0, sa_data: 2 });
  assert.deepEqual({ ...TIMEVAL_LAYOUT_WINDOWS }, {
    size: 8,
    tv_sec: 0,
    tv_usec: 4,
    fieldSize: 4,
  });
  assert.deepEqual({ ...FD_SET_LAYOUT_WIN64 }, {
    size: 520,
    fd_count: 0,
    fd_array: 8,
    socketSize: 8,
  });
  assert.equal(FD_SETSIZE, 64);
});

Deno.test("sizeof gives C's sizeof for each struct", () => {
  assert.equal(sizeof(new sockaddr_in()), 16);
  assert.equal(sizeof(new sockaddr_in6()), 28);
  assert.equal(sizeof(new WSADATA()), 408);
  assert.equal(sizeof(new timeval()), 8);
  assert.equal(sizeof(new fd_set()), 520);
});

Deno.test("new structs start zeroed, with the C array lengths", () => {
  const si = new sockaddr_in();
  assert.equal(si.sin_family, 0);
  assert.equal(si.sin_port, 0);
  assert.equal(si.sin_addr.S_un.S_addr, 0);
  assert.deepEqual(si.sin_zero, new Uint8Array(8));
  assert.deepEqual(new sockaddr_in6().sin6_addr.s6_addr, new Uint8Array(16));
  const set = new fd_set();
  assert.equal(set.fd_count, 0);
  assert.equal(set.fd_array.length, 64);
});

// ---------------------------------------------------------------------------
// sockaddr_in / sockaddr_in6

Deno.test("sockaddr_in for 127.0.0.1:12345 has the exact Windows bytes", () => {
  const bytes = encodeSockaddr(loopback12345());
  assert.equal(bytes.byteLength, 16);
  assert.equal(hex(bytes), "02 00 30 39 7f 00 00 01 00 00 00 00 00 00 00 00");
});

Deno.test("sockaddr_in family bytes on Linux and on BSD/macOS (sin_len)", () => {
  assert.equal(
    hex(encodeSockaddr(loopback12345(), LINUX_ABI)),
    "02 00 30 39 7f 00 00 01 00 00 00 00 00 00 00 00",
  );
  assert.equal(
    hex(encodeSockaddr(loopback12345(), DARWIN_ABI)),
    "10 02 30 39 7f 00 00 01 00 00 00 00 00 00 00 00",
  );
});

Deno.test("sockaddr_in round trip (and sin_zero is read back)", () => {
  for (const abi of [WINDOWS_SOCKADDR_ABI, LINUX_ABI, DARWIN_ABI]) {
    const a = decodeSockaddr(encodeSockaddr(loopback12345(), abi), abi);
    assert.ok(a instanceof sockaddr_in);
    assert.equal(a.sin_family, AF_INET);
    assert.equal(a.sin_port, htons(12345));
    assert.equal(a.sin_addr.S_un.S_addr, inet_addr("127.0.0.1"));
    assert.deepEqual(a.sin_zero, new Uint8Array(8));
  }
  const raw = new Uint8Array([2, 0, 0, 80, 10, 0, 0, 7, 1, 2, 3, 4, 5, 6, 7, 8]);
  const a = decodeSockaddr(raw) as sockaddr_in;
  assert.equal(a.sin_port, htons(80));
  assert.equal(a.sin_addr.S_un.S_addr, inet_addr("10.0.0.7"));
  assert.deepEqual(a.sin_zero, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
  raw[8] = 99; // a copy, not a view
  assert.equal(a.sin_zero[0], 1);
});

Deno.test("sockaddr_in6 exact bytes and round trip", () => {
  const a = new sockaddr_in6();
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(12345);
  a.sin6_flowinfo = 0x01020304;
  a.sin6_addr.s6_addr[15] = 1; // ::1
  a.sin6_scope_id = 0xa0b0c0d0;
  const bytes = encodeSockaddr(a);
  assert.equal(bytes.byteLength, 28);
  assert.equal(
    hex(bytes),
    "17 00 30 39 04 03 02 01 " + "00 ".repeat(15) + "01 d0 c0 b0 a0",
  );
  assert.equal(hex(encodeSockaddr(a, LINUX_ABI).subarray(0, 2)), "0a 00");
  assert.equal(hex(encodeSockaddr(a, DARWIN_ABI).subarray(0, 2)), "1c 1e");

  for (const abi of [WINDOWS_SOCKADDR_ABI, LINUX_ABI, DARWIN_ABI]) {
    const b = decodeSockaddr(encodeSockaddr(a, abi), abi);
    assert.ok(b instanceof sockaddr_in6);
    assert.equal(b.sin6_family, AF_INET6); // the Winsock number, whatever the platform's
    assert.equal(b.sin6_port, a.sin6_port);
    assert.equal(b.sin6_flowinfo, a.sin6_flowinfo);
    assert.deepEqual(b.sin6_addr.s6_addr, a.sin6_addr.s6_addr);
    assert.equal(b.sin6_scope_id, a.sin6_scope_id);
  }
});

Deno.test("decodeSockaddr reads at the view's offset and honours `length`", () => {
  const backing = new Uint8Array(40).fill(0xee);
  backing.set(encodeSockaddr(loopback12345()), 4);
  const a = decodeSockaddr(backing.subarray(4, 20)) as sockaddr_in;
  assert.equal(a.sin_port, htons(12345));
  assert.equal(a.sin_addr.S_un.S_addr, inet_addr("127.0.0.1"));
  // A 28-byte buffer of which accept() filled 16.
  const buf = new Uint8Array(28).fill(0xee);
  buf.set(encodeSockaddr(loopback12345()));
  assert.ok(decodeSockaddr(buf, WINDOWS_SOCKADDR_ABI, 16) instanceof sockaddr_in);
});

Deno.test("decodeSockaddr refuses short buffers and bad lengths with WSAEFAULT", () => {
  const v4 = encodeSockaddr(loopback12345());
  throwsCode(() => decodeSockaddr(new Uint8Array(0)), WSAEFAULT);
  throwsCode(() => decodeSockaddr(new Uint8Array([2])), WSAEFAULT);
  throwsCode(() => decodeSockaddr(v4.subarray(0, 15)), WSAEFAULT);
  throwsCode(() => decodeSockaddr(v4, WINDOWS_SOCKADDR_ABI, 15), WSAEFAULT);
  throwsCode(() => decodeSockaddr(v4, WINDOWS_SOCKADDR_ABI, 17), WSAEFAULT); // past the buffer
  throwsCode(() => decodeSockaddr(v4, WINDOWS_SOCKADDR_ABI, 1), WSAEFAULT);
  throwsCode(() => decodeSockaddr(v4, WINDOWS_SOCKADDR_ABI, -16), WSAEFAULT);
  throwsCode(() => decodeSockaddr(v4, WINDOWS_SOCKADDR_ABI, NaN), WSAEFAULT);
  throwsCode(() => decodeSockaddr(v4, WINDOWS_SOCKADDR_ABI, 16.5), WSAEFAULT);
  throwsCode(() => decodeSockaddr(null as unknown as Uint8Array), WSAEFAULT);
  throwsCode(() => decodeSockaddr([2, 0] as unknown as Uint8Array), WSAEFAULT);

  // A sockaddr_in6 family with only 16 (or 27) bytes: never read past them,
  // even when the backing buffer goes on.
  const a6 = new sockaddr_in6();
  a6.sin6_family = AF_INET6;
  const v6 = encodeSockaddr(a6);
  throwsCode(() => decodeSockaddr(v6.subarray(0, 16)), WSAEFAULT);
  throwsCode(() => decodeSockaddr(v6.subarray(0, 27)), WSAEFAULT);
  throwsCode(() => decodeSockaddr(v6, WINDOWS_SOCKADDR_ABI, 16), WSAEFAULT);
  throwsCode(() => decodeSockaddr(v6.subarray(0, 2), WINDOWS_SOCKADDR_ABI), WSAEFAULT);
});

Deno.test("decodeSockaddr refuses unknown families with WSAEAFNOSUPPORT", () => {
  const bytes = new Uint8Array(28);
  for (const family of [0, 1, 3, 10, 30, 0xffff]) {
    new DataView(bytes.buffer).setUint16(0, family, true);
    throwsCode(() => decodeSockaddr(bytes), WSAEAFNOSUPPORT);
  }
  // Linux's AF_INET6 is 10, Windows' 23 is unknown there.
  bytes[0] = 23;
  bytes[1] = 0;
  throwsCode(() => decodeSockaddr(bytes, LINUX_ABI), WSAEAFNOSUPPORT);
  // On BSD the family is byte 1; byte 0 is sin_len.
  bytes[0] = 16;
  bytes[1] = 23;
  throwsCode(() => decodeSockaddr(bytes, DARWIN_ABI), WSAEAFNOSUPPORT);
});

Deno.test("encodeSockaddr refuses wrong families and out-of-range fields", () => {
  const wrong = loopback12345();
  wrong.sin_family = AF_INET6;
  throwsCode(() => encodeSockaddr(wrong), WSAEAFNOSUPPORT);
  const none = loopback12345();
  none.sin_family = 0;
  throwsCode(() => encodeSockaddr(none), WSAEAFNOSUPPORT);

  for (const port of [-1, 65536, 1.5, NaN, "80" as unknown as number]) {
    const si = loopback12345();
    si.sin_port = port;
    throwsCode(() => encodeSockaddr(si), WSAEINVAL);
  }
  for (const addr of [-1, 2 ** 32, 0.5, Infinity]) {
    const si = loopback12345();
    si.sin_addr.S_un.S_addr = addr;
    throwsCode(() => encodeSockaddr(si), WSAEINVAL);
  }
  const edge = loopback12345();
  edge.sin_port = 65535;
  edge.sin_addr.S_un.S_addr = 0xffffffff;
  assert.equal(hex(encodeSockaddr(edge).subarray(2, 8)), "ff ff ff ff ff ff");

  const a6 = new sockaddr_in6();
  a6.sin6_family = AF_INET6;
  a6.sin6_flowinfo = 2 ** 32;
  throwsCode(() => encodeSockaddr(a6), WSAEINVAL);
  a6.sin6_flowinfo = 0;
  a6.sin6_scope_id = -1;
  throwsCode(() => encodeSockaddr(a6), WSAEINVAL);
  a6.sin6_scope_id = 0;
  a6.sin6_addr.s6_addr = new Uint8Array(15);
  throwsCode(() => encodeSockaddr(a6), WSAEINVAL);
  a6.sin6_addr.s6_addr = new Uint8Array(16);
  a6.sin6_family = AF_INET;
  throwsCode(() => encodeSockaddr(a6), WSAEAFNOSUPPORT);

  throwsCode(() => encodeSockaddr({ sin_family: AF_INET } as unknown as SOCKADDR), WSAEFAULT);
});

// ---------------------------------------------------------------------------
// WSADATA

function sampleWSADATA(): WSADATA {
  const d = new WSADATA();
  d.wVersion = 0x0102; // MAKEWORD(2, 1)
  d.wHighVersion = 0x0202;
  d.iMaxSockets = 0;
  d.iMaxUdpDg = 0;
  d.lpVendorInfo = 0n;
  d.szDescription = "WinSock 2.0";
  d.szSystemStatus = "Running";
  return d;
}

Deno.test("encodeWSADATA writes the x64 bytes at the C offsets", () => {
  const d = sampleWSADATA();
  d.iMaxSockets = 0x7fff;
  d.iMaxUdpDg = 0xfff7;
  d.lpVendorInfo = 0x1122334455667788n;
  const bytes = encodeWSADATA(d);
  assert.equal(bytes.byteLength, 408);
  assert.equal(
    hex(bytes.subarray(0, 16)),
    "02 01 02 02 ff 7f f7 ff 88 77 66 55 44 33 22 11",
  );
  const desc = new TextEncoder().encode("WinSock 2.0");
  assert.deepEqual(bytes.subarray(16, 16 + desc.length), desc);
  assert.equal(bytes[16 + desc.length], 0);
  const status = new TextEncoder().encode("Running");
  assert.deepEqual(bytes.subarray(273, 273 + status.length), status);
  assert.equal(bytes[273 + status.length], 0);
  assert.deepEqual(bytes.subarray(402), new Uint8Array(6)); // tail padding
});

Deno.test("encodeWSADATA writes the 32-bit bytes at the C offsets", () => {
  const d = sampleWSADATA();
  d.iMaxSockets = 0x0a0b;
  d.iMaxUdpDg = 0x0c0d;
  d.lpVendorInfo = 0xdeadbeefn;
  const bytes = encodeWSADATA(d, WSADATA_LAYOUT_WIN32);
  assert.equal(bytes.byteLength, 400);
  assert.equal(hex(bytes.subarray(0, 4)), "02 01 02 02");
  assert.equal(String.fromCharCode(...bytes.subarray(4, 15)), "WinSock 2.0");
  assert.equal(String.fromCharCode(...bytes.subarray(261, 268)), "Running");
  assert.equal(hex(bytes.subarray(390, 400)), "0b 0a 0d 0c 00 00 ef be ad de");
});

Deno.test("WSADATA round trips through both layouts", () => {
  for (const layout of [WSADATA_LAYOUT_WIN64, WSADATA_LAYOUT_WIN32]) {
    const d = sampleWSADATA();
    d.iMaxSockets = 32767;
    d.iMaxUdpDg = 65467;
    d.lpVendorInfo = 0x12345678n;
    d.szDescription = "D".repeat(256); // the longest that fits szDescription[257]
    d.szSystemStatus = "S".repeat(128); // the longest that fits szSystemStatus[129]
    assert.deepEqual(decodeWSADATA(encodeWSADATA(d, layout), layout), d);
    d.szDescription = "WinSock 2.0 \u00e9\u00ff"; // single-byte chars survive
    d.szSystemStatus = "";
    assert.deepEqual(decodeWSADATA(encodeWSADATA(d, layout), layout), d);
  }
});

Deno.test("encodeWSADATA into a caller's buffer; an earlier, longer string is cleared", () => {
  const buf = new Uint8Array(408).fill(0xaa);
  const d = sampleWSADATA();
  assert.equal(encodeWSADATA(d, WSADATA_LAYOUT_WIN64, buf), buf);
  assert.equal(decodeWSADATA(buf).szDescription, "WinSock 2.0");
  d.szDescription = "W";
  encodeWSADATA(d, WSADATA_LAYOUT_WIN64, buf);
  assert.equal(decodeWSADATA(buf).szDescription, "W");
  assert.deepEqual(buf.subarray(17, 273), new Uint8Array(256));
});

Deno.test("decodeWSADATA stops at each field's end when there is no NUL", () => {
  const bytes = new Uint8Array(408).fill(0x41); // 'A' everywhere, no terminator
  const d = decodeWSADATA(bytes);
  assert.equal(d.szDescription, "A".repeat(257));
  assert.equal(d.szSystemStatus, "A".repeat(129));
  assert.equal(d.wVersion, 0x4141);
  assert.equal(d.lpVendorInfo, 0x4141414141414141n);
  const d32 = decodeWSADATA(new Uint8Array(400).fill(0x42), WSADATA_LAYOUT_WIN32);
  assert.equal(d32.szDescription, "B".repeat(257));
  assert.equal(d32.szSystemStatus, "B".repeat(129));
  assert.equal(d32.lpVendorInfo, 0x42424242n);
});

Deno.test("WSADATA decoder and encoder refuse short buffers with WSAEFAULT", () => {
  throwsCode(() => decodeWSADATA(new Uint8Array(407)), WSAEFAULT);
  throwsCode(() => decodeWSADATA(new Uint8Array(400)), WSAEFAULT); // 32-bit size, x64 layout
  throwsCode(() => decodeWSADATA(new Uint8Array(399), WSADATA_LAYOUT_WIN32), WSAEFAULT);
  throwsCode(() => decodeWSADATA(new Uint8Array(1000).subarray(600)), WSAEFAULT);
  throwsCode(() => decodeWSADATA(undefined as unknown as Uint8Array), WSAEFAULT);
  throwsCode(
    () => encodeWSADATA(sampleWSADATA(), WSADATA_LAYOUT_WIN64, new Uint8Array(400)),
    WSAEFAULT,
  );
  assert.equal(decodeWSADATA(new Uint8Array(400), WSADATA_LAYOUT_WIN32).wVersion, 0);
});

Deno.test("encodeWSADATA refuses out-of-range fields with WSAEINVAL", () => {
  const bad: [keyof WSADATA, unknown][] = [
    ["wVersion", 0x10000],
    ["wVersion", -1],
    ["wHighVersion", 1.5],
    ["iMaxSockets", NaN],
    ["iMaxUdpDg", 65536],
    ["lpVendorInfo", -1n],
    ["lpVendorInfo", 1n << 64n],
    ["lpVendorInfo", 5],
    ["szDescription", "x".repeat(257)], // no room for the NUL
    ["szSystemStatus", "x".repeat(129)],
    ["szDescription", "WinSock 中文"], // not a single-byte char
  ];
  for (const [field, value] of bad) {
    const d = sampleWSADATA();
    (d as unknown as Record<string, unknown>)[field] = value;
    throwsCode(() => encodeWSADATA(d), WSAEINVAL);
  }
  const d = sampleWSADATA();
  d.lpVendorInfo = 1n << 32n; // fits 64 bits, not a 32-bit pointer
  assert.equal(encodeWSADATA(d).byteLength, 408);
  throwsCode(() => encodeWSADATA(d, WSADATA_LAYOUT_WIN32), WSAEINVAL);
});

// ---------------------------------------------------------------------------
// timeval

Deno.test("timeval: exact bytes and round trip", () => {
  const t = new timeval();
  t.tv_sec = 5;
  t.tv_usec = 500_000;
  const bytes = encodeTimeval(t);
  assert.equal(hex(bytes), "05 00 00 00 20 a1 07 00");
  assert.deepEqual(decodeTimeval(bytes), t);
  t.tv_sec = 0x7fffffff; // LONG_MAX
  t.tv_usec = 999_999;
  assert.deepEqual(decodeTimeval(encodeTimeval(t)), t);
});

Deno.test("timeval: long is signed 32-bit; out-of-range values refused (WSAEINVAL)", () => {
  assert.equal(decodeTimeval(new Uint8Array([255, 255, 255, 255, 0, 0, 0, 128])).tv_sec, -1);
  assert.equal(
    decodeTimeval(new Uint8Array([255, 255, 255, 255, 0, 0, 0, 128])).tv_usec,
    -(2 ** 31),
  );
  for (const [sec, usec] of [[2 ** 31, 0], [0, 2 ** 31], [-1, 0], [0, -1], [1.5, 0], [NaN, 0]]) {
    const t = new timeval();
    t.tv_sec = sec;
    t.tv_usec = usec;
    throwsCode(() => encodeTimeval(t), WSAEINVAL);
  }
});

Deno.test("decodeTimeval refuses short buffers with WSAEFAULT", () => {
  throwsCode(() => decodeTimeval(new Uint8Array(7)), WSAEFAULT);
  throwsCode(() => decodeTimeval(new Uint8Array(16).subarray(9)), WSAEFAULT);
});

// ---------------------------------------------------------------------------
// fd_set

Deno.test("fd_set: exact bytes of one socket", () => {
  const set = new fd_set();
  set.fd_array[0] = 0x1a4n;
  set.fd_count = 1;
  const bytes = encodeFdSet(set);
  assert.equal(bytes.byteLength, 520);
  assert.equal(hex(bytes.subarray(0, 16)), "01 00 00 00 00 00 00 00 a4 01 00 00 00 00 00 00");
  assert.deepEqual(bytes.subarray(16), new Uint8Array(504));
});

Deno.test("fd_set round trip, up to FD_SETSIZE sockets", () => {
  for (const count of [0, 1, 2, 63, 64]) {
    const set = new fd_set();
    for (let i = 0; i < count; i++) set.fd_array[i] = 0x100n + BigInt(i) * 0x1_0000_0001n;
    set.fd_count = count;
    const back = decodeFdSet(encodeFdSet(set));
    assert.equal(back.fd_count, count);
    assert.deepEqual(back.fd_array, set.fd_array);
  }
  // Entries past fd_count are not sent and not read.
  const set = new fd_set();
  set.fd_array[0] = 7n;
  set.fd_array[1] = 8n;
  set.fd_count = 1;
  const bytes = encodeFdSet(set);
  assert.deepEqual(bytes.subarray(16, 24), new Uint8Array(8));
  bytes.set([9, 0, 0, 0, 0, 0, 0, 0], 16);
  assert.equal(decodeFdSet(bytes).fd_array[1], 0n);
});

Deno.test("fd_set with fd_count > 64 is refused", () => {
  const set = new fd_set();
  set.fd_count = 65;
  throwsCode(() => encodeFdSet(set), WSAEINVAL);
  set.fd_count = -1;
  throwsCode(() => encodeFdSet(set), WSAEINVAL);
  set.fd_count = 2;
  set.fd_array = new BigUint64Array(1);
  throwsCode(() => encodeFdSet(set), WSAEINVAL);

  const bytes = new Uint8Array(520);
  new DataView(bytes.buffer).setUint32(0, 65, true);
  throwsCode(() => decodeFdSet(bytes), WSAEFAULT);
  new DataView(bytes.buffer).setUint32(0, 0xffffffff, true);
  throwsCode(() => decodeFdSet(bytes), WSAEFAULT);
});

Deno.test("decodeFdSet refuses short buffers with WSAEFAULT", () => {
  throwsCode(() => decodeFdSet(new Uint8Array(519)), WSAEFAULT);
  throwsCode(() => decodeFdSet(new Uint8Array(8)), WSAEFAULT); // fd_count 0, but not an fd_set
});

// ---------------------------------------------------------------------------
// FD_ZERO, FD_SET, FD_CLR, FD_ISSET (Windows' macros: a count and an array)

/** The sockets an fd_set holds, in order. */
function members(set: fd_set): SOCKET[] {
  return [...set.fd_array.subarray(0, set.fd_count)];
}

Deno.test("FD_SET adds a socket once; FD_ISSET finds it; FD_ZERO empties the set", () => {
  const set = new fd_set();
  assert.equal(FD_ISSET(0x1a4n, set), false);
  FD_SET(0x1a4n, set);
  FD_SET(0x1a8n, set);
  FD_SET(0x1a4n, set); // already there: nothing changes
  assert.deepEqual(members(set), [0x1a4n, 0x1a8n]);
  assert.ok(FD_ISSET(0x1a4n, set) && FD_ISSET(0x1a8n, set));
  assert.equal(FD_ISSET(0x1acn, set), false);
  // A SOCKET is 64 bits on Win64: one differing only in the high half is another socket.
  assert.equal(FD_ISSET(0x1_0000_01a4n, set), false);
  assert.equal(
    hex(encodeFdSet(set).subarray(0, 24)),
    [
      "02 00 00 00 00 00 00 00",
      "a4 01 00 00 00 00 00 00",
      "a8 01 00 00 00 00 00 00",
    ].join(" "),
  );

  FD_ZERO(set);
  assert.equal(set.fd_count, 0);
  assert.equal(FD_ISSET(0x1a4n, set), false, "entries past fd_count are not in the set");
  FD_SET(0x1acn, set);
  assert.deepEqual(members(set), [0x1acn]);
});

Deno.test("FD_SET on a full set (64) silently ignores the 65th socket, as Windows' macro does", () => {
  const set = new fd_set();
  const sockets = Array.from({ length: FD_SETSIZE + 1 }, (_, i) => 0x100n + 4n * BigInt(i));
  for (const s of sockets) FD_SET(s, set);
  assert.equal(set.fd_count, FD_SETSIZE);
  assert.deepEqual(members(set), sockets.slice(0, FD_SETSIZE));
  assert.equal(FD_ISSET(sockets[FD_SETSIZE], set), false);
  FD_SET(sockets[0], set); // a member, on a full set: still nothing changes
  assert.equal(set.fd_count, FD_SETSIZE);
  assert.doesNotThrow(() => encodeFdSet(set));

  FD_CLR(sockets[10], set); // room for one more
  FD_SET(sockets[FD_SETSIZE], set);
  assert.equal(set.fd_count, FD_SETSIZE);
  assert.equal(members(set).at(-1), sockets[FD_SETSIZE]);
  assert.equal(FD_ISSET(sockets[10], set), false);
});

Deno.test("FD_CLR removes one socket and keeps the others in order", () => {
  const set = new fd_set();
  for (const s of [1n, 2n, 3n, 4n, 5n]) FD_SET(s, set);
  FD_CLR(3n, set);
  assert.deepEqual(members(set), [1n, 2n, 4n, 5n]);
  FD_CLR(1n, set);
  assert.deepEqual(members(set), [2n, 4n, 5n]);
  FD_CLR(5n, set);
  assert.deepEqual(members(set), [2n, 4n]);
  FD_CLR(9n, set); // not a member: nothing changes
  FD_CLR(3n, set); // removed already
  assert.deepEqual(members(set), [2n, 4n]);
  FD_SET(3n, set); // added back: at the end
  assert.deepEqual(members(set), [2n, 4n, 3n]);
  for (const s of [2n, 4n, 3n]) FD_CLR(s, set);
  assert.equal(set.fd_count, 0);
  FD_CLR(2n, set); // on an empty set
  assert.equal(set.fd_count, 0);
});
