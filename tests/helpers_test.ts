/**
 * Tests for lib/helpers.ts. The `inet_addr`, `inet_pton` and `inet_ntop`
 * answers below were checked once against ws2_32 (a mingw-w64 program run
 * under Wine), not only against this implementation.
 */

import assert from "node:assert/strict";
import { AF_INET, AF_INET6, AF_UNSPEC, INADDR_NONE } from "../lib/constants.ts";
import {
  HIBYTE,
  htonl,
  htons,
  inet_addr,
  inet_ntoa,
  inet_ntop,
  inet_pton,
  LOBYTE,
  MAKEWORD,
  ntohl,
  ntohs,
} from "../lib/helpers.ts";

// ---------------------------------------------------------------------------
// Version words

Deno.test("MAKEWORD puts the main version in the low byte (as the tutorial says)", () => {
  assert.equal(MAKEWORD(2, 1), 0x0102);
  assert.equal(MAKEWORD(2, 2), 0x0202);
  assert.equal(MAKEWORD(1, 1), 0x0101);
  assert.equal(MAKEWORD(1, 2), 0x0201);
  assert.equal(MAKEWORD(0, 0), 0);
  assert.equal(MAKEWORD(0xff, 0xff), 0xffff);
  assert.equal(MAKEWORD(0x1ff, 0x102), 0x02ff); // (BYTE) casts
});

Deno.test("LOBYTE is the main version, HIBYTE the sub-version", () => {
  const w = MAKEWORD(2, 1);
  assert.equal(LOBYTE(w), 2);
  assert.equal(HIBYTE(w), 1);
  assert.equal(LOBYTE(0x1234), 0x34);
  assert.equal(HIBYTE(0x1234), 0x12);
  assert.equal(HIBYTE(0xabcd1234), 0x12); // only the WORD's high byte
  for (let lo = 0; lo < 256; lo += 17) {
    for (let hi = 0; hi < 256; hi += 15) {
      assert.equal(LOBYTE(MAKEWORD(lo, hi)), lo);
      assert.equal(HIBYTE(MAKEWORD(lo, hi)), hi);
    }
  }
});

// ---------------------------------------------------------------------------
// Byte order

Deno.test("htons/ntohs swap the two bytes", () => {
  assert.equal(htons(12345), 0x3930);
  assert.equal(htons(0x1234), 0x3412);
  assert.equal(htons(0), 0);
  assert.equal(htons(0xffff), 0xffff);
  assert.equal(htons(0x00ff), 0xff00);
  assert.equal(ntohs(0x3930), 12345);
  const view = new DataView(new ArrayBuffer(2));
  for (let v = 0; v <= 0xffff; v += 257) {
    view.setUint16(0, v, false); // network order
    assert.equal(htons(v), view.getUint16(0, true)); // read back as a little-endian host
    assert.equal(ntohs(htons(v)), v);
  }
});

Deno.test("htonl/ntohl swap the four bytes and stay unsigned", () => {
  assert.equal(htonl(0x7f000001), 0x0100007f);
  assert.equal(htonl(0x12345678), 0x78563412);
  assert.equal(htonl(0xffffffff), 0xffffffff);
  assert.equal(htonl(0x80), 0x80000000); // not negative
  assert.equal(htonl(0x80000000), 0x80);
  assert.equal(ntohl(0x0100007f), 0x7f000001);
  const view = new DataView(new ArrayBuffer(4));
  for (let v = 0; v <= 0xffffffff; v += 0x01010101 * 3 + 7) {
    view.setUint32(0, v, false);
    assert.equal(htonl(v), view.getUint32(0, true));
    assert.equal(ntohl(htonl(v)), v);
  }
});

// ---------------------------------------------------------------------------
// inet_addr / inet_ntoa

Deno.test("inet_addr: dotted quads, in network order", () => {
  assert.equal(inet_addr("127.0.0.1"), 0x0100007f);
  assert.equal(inet_addr("10.0.0.7"), 0x0700000a);
  assert.equal(inet_addr("0.0.0.0"), 0);
  assert.equal(inet_addr("1.2.3.4"), 0x04030201);
  assert.equal(inet_addr("192.168.1.254"), 0xfe01a8c0);
  // 255.255.255.255 is valid, and equal to INADDR_NONE (the API's ambiguity).
  assert.equal(inet_addr("255.255.255.255"), INADDR_NONE);
});

Deno.test("inet_addr: the tutorial's typo and other non-addresses give INADDR_NONE", () => {
  assert.equal(INADDR_NONE, 0xffffffff);
  for (
    const text of [
      "127,0,0,1", // the tutorial's typo
      "",
      "256.0.0.1",
      "1.2.3.256",
      "1.2.3.4.5",
      "1..2",
      "1.2.3.",
      ".1.2.3",
      "1.2.3.4x",
      "1.0x",
      "0x.1.1.1",
      "08.1.1.1", // 8 is not an octal digit
      "1.2.65536",
      "1.16777216",
      "0x100000000",
      "4294967296",
      "localhost",
      "-1",
      "+1.2.3.4",
      " 1.2.3.4",
    ]
  ) {
    assert.equal(inet_addr(text), INADDR_NONE, JSON.stringify(text));
  }
  assert.equal(inet_addr(undefined as unknown as string), INADDR_NONE);
});

Deno.test("inet_addr: the BSD forms Windows accepts (a.b.c, a.b, a; hex and octal)", () => {
  const loopback = 0x0100007f;
  assert.equal(inet_addr("127.1"), loopback); // a.b: b fills 24 bits
  assert.equal(inet_addr("127.0.1"), loopback); // a.b.c: c fills 16 bits
  assert.equal(inet_addr("2130706433"), loopback); // a: 32 bits
  assert.equal(inet_addr("0x7f000001"), loopback);
  assert.equal(inet_addr("0X7F.1"), loopback);
  assert.equal(inet_addr("0x7f.1"), loopback);
  assert.equal(inet_addr("0177.0.0.1"), loopback); // octal
  assert.equal(inet_addr("00000000000000000000001.2.3.4"), 0x04030201);
  assert.equal(inet_addr("1.2.65535"), 0xffff0201);
  assert.equal(inet_addr("1.0xffffff"), 0xffffff01);
  assert.equal(inet_addr("0"), 0);
  assert.equal(inet_addr("010.0.0.1"), inet_addr("8.0.0.1"));
});

Deno.test("inet_addr stops at white space after the address", () => {
  assert.equal(inet_addr("1.2.3.4 "), 0x04030201);
  assert.equal(inet_addr("1.2.3.4\t"), 0x04030201);
  assert.equal(inet_addr("1.2.3.4\n"), 0x04030201);
  assert.equal(inet_addr("127.0.0.1 junk"), 0x0100007f);
});

Deno.test("inet_ntoa formats an in_addr, and inverts inet_addr", () => {
  assert.equal(inet_ntoa({ S_un: { S_addr: 0x0100007f } }), "127.0.0.1");
  assert.equal(inet_ntoa({ S_un: { S_addr: 0 } }), "0.0.0.0");
  assert.equal(inet_ntoa({ S_un: { S_addr: 0xffffffff } }), "255.255.255.255");
  assert.equal(inet_ntoa({ S_un: { S_addr: -1 } }), "255.255.255.255"); // a signed view of it
  for (const text of ["10.0.0.7", "192.168.1.254", "1.2.3.4", "8.8.4.4"]) {
    assert.equal(inet_ntoa({ S_un: { S_addr: inet_addr(text) } }), text);
  }
  assert.equal(inet_ntoa({ S_un: { S_addr: inet_addr("127.1") } }), "127.0.0.1");
});

// ---------------------------------------------------------------------------
// inet_pton / inet_ntop

function pton(family: number, text: string): { rc: number; bytes: Uint8Array } {
  const bytes = new Uint8Array(family === AF_INET ? 4 : 16).fill(0xaa);
  return { rc: inet_pton(family, text, bytes), bytes };
}

function v6(...words: number[]): Uint8Array {
  const out = new Uint8Array(16);
  const view = new DataView(out.buffer);
  words.forEach((w, i) => view.setUint16(2 * i, w, false));
  return out;
}

Deno.test("inet_pton AF_INET: strict dotted quads only", () => {
  assert.deepEqual(pton(AF_INET, "1.2.3.4"), { rc: 1, bytes: new Uint8Array([1, 2, 3, 4]) });
  assert.deepEqual(pton(AF_INET, "127.0.0.1").bytes, new Uint8Array([127, 0, 0, 1]));
  assert.deepEqual(pton(AF_INET, "0.0.0.0").bytes, new Uint8Array(4));
  assert.deepEqual(pton(AF_INET, "255.255.255.255").bytes, new Uint8Array([255, 255, 255, 255]));
  for (
    const text of [
      "127,0,0,1",
      "",
      "01.2.3.4",
      "1.2.3",
      "127.1",
      "256.1.1.1",
      "1.2.3.4 ",
      " 1.2.3.4",
      "0x1.2.3.4",
      "1.2.3.4.5",
      "1..3.4",
      "1.2.3.-4",
      "::1",
    ]
  ) {
    const { rc, bytes } = pton(AF_INET, text);
    assert.equal(rc, 0, JSON.stringify(text));
    assert.deepEqual(bytes, new Uint8Array(4).fill(0xaa), "dst untouched on failure");
  }
});

Deno.test("inet_pton AF_INET6: valid forms", () => {
  const ok: [string, Uint8Array][] = [
    ["::", v6()],
    ["::1", v6(0, 0, 0, 0, 0, 0, 0, 1)],
    ["1::", v6(1)],
    ["::ffff:1.2.3.4", v6(0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304)],
    ["::1.2.3.4", v6(0, 0, 0, 0, 0, 0, 0x0102, 0x0304)],
    ["1:2:3:4:5:6:7:8", v6(1, 2, 3, 4, 5, 6, 7, 8)],
    ["1:2:3:4:5:6:1.2.3.4", v6(1, 2, 3, 4, 5, 6, 0x0102, 0x0304)],
    ["1:2::3:1.2.3.4", v6(1, 2, 0, 0, 0, 3, 0x0102, 0x0304)],
    ["2001:DB8::Ab:1", v6(0x2001, 0xdb8, 0, 0, 0, 0, 0xab, 1)],
    ["2001:0db8:0000:0000:0000:0000:0000:0001", v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)],
    ["1:2:3:4:5:6:7::", v6(1, 2, 3, 4, 5, 6, 7, 0)],
    ["::2:3:4:5:6:7:8", v6(0, 2, 3, 4, 5, 6, 7, 8)],
    ["fe80::1", v6(0xfe80, 0, 0, 0, 0, 0, 0, 1)],
  ];
  for (const [text, expected] of ok) {
    assert.deepEqual(pton(AF_INET6, text), { rc: 1, bytes: expected }, text);
  }
});

Deno.test("inet_pton AF_INET6: invalid text returns 0 and leaves dst alone", () => {
  for (
    const text of [
      "",
      ":",
      ":::",
      "1::2::3",
      "1:2:3:4:5:6:7",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7:8::",
      "::1:2:3:4:5:6:7:8",
      "12345::",
      "g::1",
      ":1::",
      "1::2:",
      ":1:2:3:4:5:6:7:8",
      " ::1",
      "::1 ",
      "fe80::1%1",
      "1.2.3.4",
      "1.2.3.4::", // the dotted part must come last (ws2_32 agrees; this was a bug)
      "1:2:3:4:5:6:1.2.3.4::",
      "::1.2.3.4:5",
      "1:2:3:4:5:6:7:1.2.3.4",
      "::ffff:256.1.1.1",
      "::ffff:1.2.3",
      "127,0,0,1",
    ]
  ) {
    const { rc, bytes } = pton(AF_INET6, text);
    assert.equal(rc, 0, JSON.stringify(text));
    assert.deepEqual(bytes, new Uint8Array(16).fill(0xaa), JSON.stringify(text));
  }
});

Deno.test("inet_pton: another family returns -1, a short dst returns -1 unwritten", () => {
  const dst = new Uint8Array(16);
  assert.equal(inet_pton(AF_UNSPEC, "1.2.3.4", dst), -1);
  assert.equal(inet_pton(99, "1.2.3.4", dst), -1);
  assert.equal(inet_pton(10, "::1", dst), -1); // Linux's AF_INET6 is not Winsock's
  const short4 = new Uint8Array(3);
  assert.equal(inet_pton(AF_INET, "1.2.3.4", short4), -1);
  assert.deepEqual(short4, new Uint8Array(3));
  const short6 = new Uint8Array(15);
  assert.equal(inet_pton(AF_INET6, "::1", short6), -1);
  assert.deepEqual(short6, new Uint8Array(15));
  assert.deepEqual(dst, new Uint8Array(16));
  // A larger dst is fine; only the first 4 bytes are written.
  const big = new Uint8Array(8).fill(9);
  assert.equal(inet_pton(AF_INET, "1.2.3.4", big), 1);
  assert.deepEqual(big, new Uint8Array([1, 2, 3, 4, 9, 9, 9, 9]));
});

Deno.test("inet_ntop AF_INET", () => {
  assert.equal(inet_ntop(AF_INET, new Uint8Array([127, 0, 0, 1])), "127.0.0.1");
  assert.equal(inet_ntop(AF_INET, new Uint8Array([255, 255, 255, 255])), "255.255.255.255");
  assert.equal(inet_ntop(AF_INET, new Uint8Array([1, 2, 3, 4, 5])), "1.2.3.4");
  assert.equal(inet_ntop(AF_INET, new Uint8Array([1, 2, 3])), null);
});

Deno.test("inet_ntop AF_INET6 follows RFC 5952", () => {
  const cases: [Uint8Array, string][] = [
    [v6(), "::"],
    [v6(0, 0, 0, 0, 0, 0, 0, 1), "::1"],
    [v6(1), "1::"],
    [v6(0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304), "::ffff:1.2.3.4"], // IPv4-mapped
    [v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1), "2001:db8::1"], // §4.1 no leading zeros
    [v6(0x2001, 0xdb8, 0, 0, 0, 0, 0xabcd, 0xef), "2001:db8::abcd:ef"], // §4.3 lower case
    [v6(0x2001, 0xdb8, 0, 1, 1, 1, 1, 1), "2001:db8:0:1:1:1:1:1"], // §4.2.2 not for one 0
    [v6(0x2001, 0xdb8, 0, 0, 1, 0, 0, 1), "2001:db8::1:0:0:1"], // §4.2.3 first of equals
    [v6(0x2001, 0, 0, 1, 0, 0, 0, 1), "2001:0:0:1::1"], // §4.2.3 the longest run
    [v6(0x2001, 0xdb8, 0, 0, 1, 0, 0, 0), "2001:db8:0:0:1::"],
    [v6(1, 2, 3, 4, 5, 6, 7, 8), "1:2:3:4:5:6:7:8"],
    [v6(1, 2, 3, 4, 5, 6, 7, 0), "1:2:3:4:5:6:7:0"],
    [v6(0, 2, 3, 4, 5, 6, 7, 8), "0:2:3:4:5:6:7:8"],
    [
      v6(0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff),
      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    ],
  ];
  for (const [bytes, text] of cases) assert.equal(inet_ntop(AF_INET6, bytes), text);
});

Deno.test("inet_ntop: another family or a short source gives null", () => {
  assert.equal(inet_ntop(AF_INET6, new Uint8Array(15)), null);
  assert.equal(inet_ntop(AF_UNSPEC, new Uint8Array(16)), null);
  assert.equal(inet_ntop(10, new Uint8Array(16)), null);
  assert.equal(inet_ntop(AF_INET, null as unknown as Uint8Array), null);
});

Deno.test("inet_pton then inet_ntop gives the canonical text", () => {
  const pairs: [string, string][] = [
    ["2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
    ["0:0:0:0:0:0:0:0", "::"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["::FFFF:192.168.1.1", "::ffff:192.168.1.1"],
    ["0:0:0:0:0:ffff:7f00:1", "::ffff:127.0.0.1"],
    ["fe80:0:0:0:0:0:0:1", "fe80::1"],
    ["1:0:0:2:0:0:0:3", "1:0:0:2::3"],
  ];
  for (const [input, canonical] of pairs) {
    const bytes = new Uint8Array(16);
    assert.equal(inet_pton(AF_INET6, input, bytes), 1, input);
    assert.equal(inet_ntop(AF_INET6, bytes), canonical);
    const again = new Uint8Array(16);
    assert.equal(inet_pton(AF_INET6, canonical, again), 1);
    assert.deepEqual(again, bytes);
  }
});
