/** Tests for tutorial/text.ts: GBK and UTF-8 on the wire, chunked decoding. */

import assert from "node:assert/strict";
import {
  ChunkDecoder,
  consoleToWire,
  encodeText,
  WIRE_ENCODINGS,
  type WireEncoding,
} from "../tutorial/text.ts";

const GREETING = "服务器链接成功";

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}

/** A small deterministic PRNG (LCG), so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
}

Deno.test("WIRE_ENCODINGS", () => {
  assert.deepEqual([...WIRE_ENCODINGS], ["utf-8", "gbk"]);
});

Deno.test("the greeting is 14 GBK bytes and 21 UTF-8 bytes", () => {
  const gbk = encodeText(GREETING, "gbk");
  assert.equal(gbk.byteLength, 14);
  assert.equal(hex(gbk), "b7 fe ce f1 c6 f7 c1 b4 bd d3 b3 c9 b9 a6");
  const utf8 = encodeText(GREETING, "utf-8");
  assert.equal(utf8.byteLength, 21);
  assert.equal(hex(utf8.subarray(0, 3)), "e6 9c 8d"); // 服
  assert.deepEqual(utf8, new TextEncoder().encode(GREETING));
  assert.equal(new TextDecoder("gbk").decode(gbk), GREETING);
});

Deno.test("GBK: ASCII is unchanged, € is the single byte 0x80", () => {
  const ascii = "Hello, World! 0123 ~\t\n";
  assert.deepEqual(encodeText(ascii, "gbk"), new TextEncoder().encode(ascii));
  assert.equal(hex(encodeText("€", "gbk")), "80");
  assert.equal(hex(encodeText("你好", "gbk")), "c4 e3 ba c3");
  assert.equal(hex(encodeText("客户端链接成功", "gbk").subarray(0, 6)), "bf cd bb a7 b6 cb");
  assert.equal(hex(encodeText("，。", "gbk")), "a3 ac a1 a3"); // full-width punctuation
  assert.deepEqual(encodeText("", "gbk"), new Uint8Array(0));
});

Deno.test("GBK round trip of every CJK ideograph U+4E00..U+9FA5 (20,902)", () => {
  let text = "";
  for (let cp = 0x4e00; cp <= 0x9fa5; cp++) text += String.fromCharCode(cp);
  const bytes = encodeText(text, "gbk");
  assert.equal(bytes.byteLength, 2 * 20902); // two bytes each, no '?'
  for (let i = 0; i < bytes.length; i += 2) {
    assert.ok(bytes[i] >= 0x81 && bytes[i] <= 0xfe, `lead byte at ${i}`);
    assert.ok(bytes[i + 1] >= 0x40 && bytes[i + 1] !== 0x7f, `trail byte at ${i}`);
  }
  assert.equal(new TextDecoder("gbk").decode(bytes), text);
});

Deno.test("GBK round trip of mixed text", () => {
  const text = "abc 服务器链接成功！《网络编程》：套接字 socket、WSAStartup（2.2）…";
  assert.equal(new TextDecoder("gbk").decode(encodeText(text, "gbk")), text);
});

Deno.test("characters GBK cannot hold become '?' (one per character)", () => {
  assert.equal(hex(encodeText("😀", "gbk")), "3f"); // astral: one '?', not two
  assert.equal(hex(encodeText("a😀b", "gbk")), "61 3f 62");
  assert.equal(hex(encodeText("𠀀", "gbk")), "3f"); // CJK Extension B
  assert.equal(hex(encodeText("\ud800", "gbk")), "3f"); // a lone surrogate
  assert.equal(new TextDecoder("gbk").decode(encodeText("好😀好", "gbk")), "好?好");
});

Deno.test("UTF-8 encoding is the TextEncoder's", () => {
  for (const s of ["", "abc", GREETING, "😀", "€"]) {
    assert.deepEqual(encodeText(s, "utf-8"), new TextEncoder().encode(s));
  }
});

// ---------------------------------------------------------------------------
// ChunkDecoder

for (const encoding of WIRE_ENCODINGS) {
  Deno.test(`ChunkDecoder (${encoding}): a character split across chunks comes whole with the later one`, () => {
    const bytes = encodeText(GREETING, encoding);
    const width = encoding === "gbk" ? 2 : 3;
    // Every split point of the whole greeting.
    for (let cut = 1; cut < bytes.length; cut++) {
      const d = new ChunkDecoder(encoding);
      const first = d.decode(bytes.subarray(0, cut));
      const second = d.decode(bytes.subarray(cut));
      const whole = Math.floor(cut / width);
      assert.equal(first, GREETING.slice(0, whole), `cut ${cut}`);
      assert.equal(second, GREETING.slice(whole), `cut ${cut}`);
    }
    // One byte at a time: each character appears exactly when its last byte does.
    const d = new ChunkDecoder(encoding);
    const outputs = Array.from(bytes, (b) => d.decode(new Uint8Array([b])));
    assert.equal(outputs.join(""), GREETING);
    outputs.forEach((out, i) =>
      assert.equal(out, (i + 1) % width === 0 ? GREETING[(i + 1) / width - 1] : "")
    );
  });

  Deno.test(`ChunkDecoder (${encoding}): stops at the first NUL, as printf("%s")`, () => {
    const buf = new Uint8Array(1500); // recv's buffer, zero-filled
    const text = encodeText(GREETING, encoding);
    buf.set(text);
    assert.equal(new ChunkDecoder(encoding).decode(buf), GREETING);
    const d = new ChunkDecoder(encoding);
    assert.equal(d.decode(new Uint8Array([0x61, 0x62, 0, 0x63, 0x64])), "ab");
    assert.equal(d.decode(new Uint8Array([0])), "");
    assert.equal(d.decode(new Uint8Array([0x65])), "e"); // the next chunk starts afresh
  });

  Deno.test(`ChunkDecoder (${encoding}): a NUL ends a pending half character`, () => {
    const d = new ChunkDecoder(encoding);
    const bytes = encodeText("好", encoding);
    assert.equal(d.decode(bytes.subarray(0, 1)), "");
    assert.equal(d.decode(new Uint8Array([0, 0x41])), "\ufffd");
    // Nothing of it leaks into the next chunk.
    assert.equal(d.decode(encodeText("好", encoding)), "好");
  });

  Deno.test(`ChunkDecoder (${encoding}): random bytes never throw`, () => {
    const next = rng(encoding.length * 7919);
    const d = new ChunkDecoder(encoding);
    for (let round = 0; round < 2000; round++) {
      const chunk = new Uint8Array(next() % 40);
      for (let i = 0; i < chunk.length; i++) chunk[i] = next() >>> 24;
      const out = d.decode(chunk);
      assert.equal(typeof out, "string");
      assert.ok(!out.includes("\0"));
    }
    assert.equal(d.decode(new Uint8Array(0)), "");
  });
}

Deno.test("ChunkDecoder gives U+FFFD for bytes that are not text", () => {
  const u = new ChunkDecoder("utf-8");
  assert.equal(u.decode(new Uint8Array([0xff])), "\ufffd");
  assert.equal(u.decode(new Uint8Array([0x80, 0x41])), "\ufffdA");
  assert.equal(u.decode(new Uint8Array([0xc0, 0xaf, 0x42])), "\ufffd\ufffdB"); // overlong
  // GBK bytes read as UTF-8: replacement characters, no exception.
  const wrong = new ChunkDecoder("utf-8").decode(encodeText(GREETING, "gbk"));
  assert.ok(wrong.includes("\ufffd"));

  const g = new ChunkDecoder("gbk");
  assert.equal(g.decode(new Uint8Array([0xff])), "\ufffd");
  assert.equal(g.decode(new Uint8Array([0x81, 0x20])), "\ufffd "); // bad trail byte, kept
  // UTF-8 bytes read as GBK: garbled but no exception.
  assert.equal(typeof new ChunkDecoder("gbk").decode(encodeText(GREETING, "utf-8")), "string");
});

Deno.test("each ChunkDecoder keeps its own pending bytes", () => {
  const a = new ChunkDecoder("utf-8");
  const b = new ChunkDecoder("utf-8");
  const bytes = encodeText("好", "utf-8");
  assert.equal(a.decode(bytes.subarray(0, 2)), "");
  assert.equal(b.decode(encodeText("x", "utf-8")), "x");
  assert.equal(a.decode(bytes.subarray(2)), "好");
});

// ---------------------------------------------------------------------------
// consoleToWire

Deno.test("consoleToWire: UTF-8 unchanged, GBK converted", () => {
  const typed = new TextEncoder().encode("你好");
  assert.deepEqual(consoleToWire(typed, "utf-8"), typed);
  assert.equal(hex(consoleToWire(typed, "gbk")), "c4 e3 ba c3");
  const greeting = new TextEncoder().encode(GREETING);
  assert.equal(hex(consoleToWire(greeting, "gbk")), "b7 fe ce f1 c6 f7 c1 b4 bd d3 b3 c9 b9 a6");
  const ascii = new TextEncoder().encode("hello");
  for (const e of WIRE_ENCODINGS as readonly WireEncoding[]) {
    assert.deepEqual(consoleToWire(ascii, e), ascii);
  }
  assert.equal(hex(consoleToWire(new TextEncoder().encode("😀"), "gbk")), "3f");
});

for (const encoding of WIRE_ENCODINGS) {
  Deno.test(`ChunkDecoder (${encoding}): a peer's control bytes come out escaped, one line`, () => {
    const d = new ChunkDecoder(encoding);
    const evil = encodeText("\x1b[2J\x07hi\r\n客户端 127.0.0.1:9 下线\n\t\x7f", encoding);
    assert.equal(
      d.decode(evil),
      "\\x1b[2J\\ahi\\r\\n客户端 127.0.0.1:9 下线\\n\\t\\x7f",
    );
    // Every C0 and DEL byte, one at a time: none reaches the console raw.
    for (let b = 1; b < 0x20; b++) assert.match(d.decode(new Uint8Array([b])), /^\\[a-z]/);
  });
}

Deno.test("ChunkDecoder escapes C1 controls too (U+0080-U+009F: a CSI the terminal may obey)", () => {
  const d = new ChunkDecoder("utf-8");
  assert.equal(d.decode(encodeText("a\u009b2Jb\u0085", "utf-8")), "a\\x9b2Jb\\x85");
});
