/**
 * Fuzzing the decoders and text helpers with random and malformed input
 * (seeded, so a failure can be replayed): each returns a value or throws a
 * WinsockError, never anything untyped, and never reads past its buffer.
 */

import assert from "node:assert/strict";
import {
  AF_INET,
  AF_INET6,
  decodeFdSet,
  decodeSockaddr,
  decodeTimeval,
  decodeWSADATA,
  inet_addr,
  inet_ntop,
  inet_pton,
  WinsockError,
} from "../mod.ts";
import { prng } from "./_support.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 20261124);
const ROUNDS = 3000;

/** Runs `decode` and returns its value, or "error" for a WinsockError; anything else fails. */
function outcome<T>(decode: () => T): T | "error" {
  try {
    return decode();
  } catch (e) {
    assert.ok(e instanceof WinsockError, `untyped throw: ${e}`);
    return "error";
  }
}

const DECODERS: [string, (b: Uint8Array) => unknown][] = [
  ["decodeSockaddr", (b) => decodeSockaddr(b)],
  ["decodeWSADATA", (b) => decodeWSADATA(b)],
  ["decodeFdSet", (b) => decodeFdSet(b)],
  ["decodeTimeval", (b) => decodeTimeval(b)],
];

for (const [name, decode] of DECODERS) {
  Deno.test(`fuzz ${name}: a value or a WinsockError, and nothing read past the buffer`, () => {
    const random = prng(SEED);
    for (let i = 0; i < ROUNDS; i++) {
      const length = Math.floor(random() * 600);
      const bytes = Uint8Array.from(
        { length },
        () => random() < 0.3 ? 0 : Math.floor(random() * 256),
      );
      if (length >= 2 && random() < 0.5) bytes.set(random() < 0.5 ? [2, 0] : [23, 0]); // plausible families
      // The same bytes, once alone and once followed by 0xAA poison: a decoder reading past
      // its buffer would see the poison in one case only.
      const alone = bytes.slice();
      const poisoned = new Uint8Array(length + 64).fill(0xaa);
      poisoned.set(bytes);
      assert.deepEqual(
        outcome(() => decode(poisoned.subarray(0, length))),
        outcome(() => decode(alone)),
        `seed ${SEED}, round ${i}, length ${length}`,
      );
    }
  });
}

Deno.test("fuzz decoders: a non-buffer is a WinsockError (WSAEFAULT)", () => {
  for (const [, decode] of DECODERS) {
    for (const bad of [null, undefined, "text", 42, {}, [1, 2, 3]]) {
      assert.throws(
        () => decode(bad as unknown as Uint8Array),
        (e) => e instanceof WinsockError && e.code === 10014,
      );
    }
  }
});

Deno.test("fuzz inet_addr, inet_pton, inet_ntop: a value for any text, never a throw", () => {
  const random = prng(SEED + 1);
  const alphabet = "0123456789abcdefxX.:, \t%[]-+";
  for (let i = 0; i < ROUNDS * 3; i++) {
    const length = Math.floor(random() * 48);
    const text = Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)])
      .join("");
    const a = inet_addr(text);
    assert.ok(
      Number.isInteger(a) && a >= 0 && a <= 0xffffffff,
      `inet_addr(${JSON.stringify(text)})`,
    );
    for (const family of [AF_INET, AF_INET6, 99]) {
      const dst = new Uint8Array(16).fill(0xaa);
      const r = inet_pton(family, text, dst.subarray(0, family === AF_INET ? 4 : 16));
      assert.ok([1, 0, -1].includes(r));
      if (r !== 1) assert.ok(dst.every((b) => b === 0xaa), "nothing written on failure");
      if (r === 1) {
        const back = inet_ntop(family, dst);
        const again = new Uint8Array(16);
        assert.equal(inet_pton(family, back as string, again), 1, `round trip of ${text}`);
        assert.deepEqual(
          again.subarray(0, family === AF_INET ? 4 : 16),
          dst.subarray(0, family === AF_INET ? 4 : 16),
        );
      }
    }
  }
});
