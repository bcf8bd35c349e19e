/**
 * The little helpers of `winsock2.h`, with the tutorial's semantics:
 * version words (`MAKEWORD`, `LOBYTE`, `HIBYTE`), byte order (`htons` & co),
 * and address text (`inet_addr`, `inet_ntoa`, `inet_pton`, `inet_ntop`).
 * Pure TypeScript: the same answers on every backend.
 *
 * @module
 */

import { AF_INET, AF_INET6, INADDR_NONE } from "./constants.ts";
import type { in_addr } from "./structs.ts";

/**
 * `MAKEWORD(low, high)`: the tutorial's version word, main version in the low byte.
 *
 * @example
 * ```ts
 * import { MAKEWORD } from "@winsock/tutorial";
 * console.log(MAKEWORD(2, 2).toString(16)); // "202"
 * console.log(MAKEWORD(2, 1)); // 258 (0x0102: 2.1)
 * ```
 */
export function MAKEWORD(low: number, high: number): number {
  return ((low & 0xff) | ((high & 0xff) << 8)) & 0xffff;
}

/**
 * `LOBYTE(w)`: the low byte, the main version of a version word.
 *
 * @example
 * ```ts
 * import { LOBYTE, MAKEWORD } from "@winsock/tutorial";
 * console.log(LOBYTE(MAKEWORD(2, 1))); // 2
 * ```
 */
export function LOBYTE(w: number): number {
  return w & 0xff;
}

/**
 * `HIBYTE(w)`: the high byte, the sub-version of a version word.
 *
 * @example
 * ```ts
 * import { HIBYTE, MAKEWORD } from "@winsock/tutorial";
 * console.log(HIBYTE(MAKEWORD(2, 1))); // 1
 * ```
 */
export function HIBYTE(w: number): number {
  return (w >> 8) & 0xff;
}

/**
 * `htons`: a 16-bit number from host to network (big-endian) order.
 * On the little-endian machines Deno runs on, the bytes swap.
 *
 * @example
 * ```ts
 * import { htons } from "@winsock/tutorial";
 * console.log(htons(12345).toString(16)); // "3930"
 * ```
 */
export function htons(hostshort: number): number {
  return ((hostshort & 0xff) << 8) | ((hostshort >> 8) & 0xff);
}

/**
 * `ntohs`: a 16-bit number from network to host order.
 *
 * @example
 * ```ts
 * import { htons, ntohs } from "@winsock/tutorial";
 * console.log(ntohs(htons(12345))); // 12345
 * ```
 */
export function ntohs(netshort: number): number {
  return htons(netshort);
}

/**
 * `htonl`: a 32-bit number from host to network order.
 *
 * @example
 * ```ts
 * import { htonl } from "@winsock/tutorial";
 * console.log(htonl(0x7f000001).toString(16)); // "100007f"
 * ```
 */
export function htonl(hostlong: number): number {
  return (((hostlong & 0xff) << 24) | ((hostlong >>> 8 & 0xff) << 16) |
    ((hostlong >>> 16 & 0xff) << 8) | (hostlong >>> 24 & 0xff)) >>> 0;
}

/**
 * `ntohl`: a 32-bit number from network to host order.
 *
 * @example
 * ```ts
 * import { htonl, ntohl } from "@winsock/tutorial";
 * console.log(ntohl(htonl(0x7f000001)) === 0x7f000001); // true
 * ```
 */
export function ntohl(netlong: number): number {
  return htonl(netlong);
}

/** Parses one part of a BSD address: decimal, octal (`0…`) or hex (`0x…`). */
function parsePart(text: string): number {
  let digits = text;
  let radix = 10;
  if (/^0[xX]/.test(text)) [digits, radix] = [text.slice(2), 16];
  else if (text.length > 1 && text[0] === "0") [digits, radix] = [text.slice(1), 8];
  const pattern = radix === 16 ? /^[0-9a-fA-F]+$/ : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!pattern.test(digits)) return NaN;
  return parseInt(digits, radix);
}

/**
 * `inet_addr`: dotted text to an IPv4 address in network order (the `u_long`
 * C stores in `S_addr`), or `INADDR_NONE` (0xffffffff) when the text is not an
 * address — the tutorial's typo `"127,0,0,1"` included. Accepts the BSD forms
 * Windows accepts (`a.b.c.d`, `a.b.c`, `a.b`, `a`; octal and hex parts) and
 * stops at white space.
 *
 * @example
 * ```ts
 * import { inet_addr } from "@winsock/tutorial";
 * console.log(inet_addr("127.0.0.1").toString(16)); // "100007f"
 * console.log(inet_addr("127,0,0,1") === 0xffffffff); // true (INADDR_NONE)
 * ```
 */
export function inet_addr(cp: string): number {
  if (typeof cp !== "string") return INADDR_NONE;
  const text = cp.split(/[ \t\n\r\f\v]/, 1)[0];
  if (text === "") return INADDR_NONE;
  const parts = text.split(".").map(parsePart);
  if (parts.length > 4 || parts.some((p) => !Number.isFinite(p))) return INADDR_NONE;
  const last = parts.pop() as number;
  if (parts.some((p) => p > 0xff)) return INADDR_NONE;
  const lastBits = 8 * (4 - parts.length);
  if (last >= 2 ** lastBits) return INADDR_NONE;
  let host = 0;
  parts.forEach((p, i) => host += p * 2 ** (24 - 8 * i));
  host += last;
  return htonl(host);
}

/**
 * `inet_ntoa`: an `in_addr` to dotted text.
 *
 * @example
 * ```ts
 * import { inet_addr, inet_ntoa } from "@winsock/tutorial";
 * console.log(inet_ntoa({ S_un: { S_addr: inet_addr("10.0.0.7") } })); // "10.0.0.7"
 * ```
 */
export function inet_ntoa(inAddr: in_addr): string {
  const a = inAddr.S_un.S_addr >>> 0;
  return `${a & 0xff}.${a >>> 8 & 0xff}.${a >>> 16 & 0xff}.${a >>> 24}`;
}

function parseIPv4Strict(text: string): number[] | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const bytes = parts.map((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) ? Number(p) : 256);
  return bytes.every((b) => b <= 255) ? bytes : null;
}

function parseIPv6(text: string): Uint8Array | null {
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const all = [...head, ...tail];
  const words: number[] = [];
  for (let i = 0; i < all.length; i++) {
    const g = all[i];
    // A dotted IPv4 tail must end the text: not before a trailing "::" ("1.2.3.4::").
    if (i === all.length - 1 && g.includes(".") && (halves.length === 1 || tail.length > 0)) {
      const v4 = parseIPv4Strict(g);
      if (!v4) return null;
      words.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) {
      words.push(parseInt(g, 16));
    } else {
      return null;
    }
  }
  const headWords = words.length - (tail.length + (tail.at(-1)?.includes(".") ? 1 : 0));
  if (halves.length === 2 ? words.length > 7 : words.length !== 8) return null;
  const full = halves.length === 2
    ? [
      ...words.slice(0, headWords),
      ...new Array(8 - words.length).fill(0),
      ...words.slice(headWords),
    ]
    : words;
  const out = new Uint8Array(16);
  full.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

/**
 * `inet_pton`: strict text to binary. Writes 4 (`AF_INET`) or 16 (`AF_INET6`)
 * bytes into `dst` and returns 1; returns 0 for text that is not an address
 * and -1 for another family (C sets `WSAEAFNOSUPPORT`). `dst` must be large
 * enough, or it returns -1 without writing.
 *
 * @example
 * ```ts
 * import { inet_pton } from "@winsock/tutorial";
 * const dst = new Uint8Array(16);
 * console.log(inet_pton(23, "::1", dst), dst[15]); // 1 1
 * console.log(inet_pton(2, "127,0,0,1", dst)); // 0
 * ```
 */
export function inet_pton(family: number, src: string, dst: Uint8Array): number {
  if (typeof src !== "string" || !(dst instanceof Uint8Array)) return -1;
  if (family === AF_INET) {
    if (dst.byteLength < 4) return -1;
    const v4 = parseIPv4Strict(src);
    if (!v4) return 0;
    dst.set(v4);
    return 1;
  }
  if (family === AF_INET6) {
    if (dst.byteLength < 16) return -1;
    const v6 = parseIPv6(src);
    if (!v6) return 0;
    dst.set(v6);
    return 1;
  }
  return -1;
}

/**
 * `inet_ntop`: binary to text; IPv6 in the RFC 5952 form (lower case,
 * longest run of zero groups as `::`, IPv4-mapped as `::ffff:a.b.c.d`).
 * Returns `null` for another family or too short a source.
 *
 * @example
 * ```ts
 * import { inet_ntop } from "@winsock/tutorial";
 * console.log(inet_ntop(2, new Uint8Array([127, 0, 0, 1]))); // "127.0.0.1"
 * console.log(inet_ntop(23, new Uint8Array(16))); // "::"
 * ```
 */
export function inet_ntop(family: number, src: Uint8Array): string | null {
  if (!(src instanceof Uint8Array)) return null;
  if (family === AF_INET) {
    return src.byteLength < 4 ? null : `${src[0]}.${src[1]}.${src[2]}.${src[3]}`;
  }
  if (family !== AF_INET6 || src.byteLength < 16) return null;
  const words = Array.from({ length: 8 }, (_, i) => (src[2 * i] << 8) | src[2 * i + 1]);
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) {
    return `::ffff:${src[12]}.${src[13]}.${src[14]}.${src[15]}`;
  }
  let bestStart = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(":");
  const head = hex.slice(0, bestStart).join(":");
  const tail = hex.slice(bestStart + bestLen).join(":");
  return `${head}::${tail}`;
}
