/** Tests for tutorial/console.ts: `TokenReader` reads tokens as `scanf("%s")` does. */

import assert from "node:assert/strict";
import { TokenReader } from "../tutorial/console.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function streamOf(chunks: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  return ReadableStream.from(chunks.map((c) => typeof c === "string" ? enc.encode(c) : c));
}

/** Every token until `null`, as text; then checks `null` stays `null`. */
async function tokens(chunks: (string | Uint8Array)[]): Promise<string[]> {
  const reader = new TokenReader(streamOf(chunks));
  const out: string[] = [];
  for (let t = await reader.next(); t !== null; t = await reader.next()) {
    assert.ok(t.byteLength > 0, "a token is never empty");
    out.push(dec.decode(t));
  }
  assert.equal(await reader.next(), null);
  return out;
}

Deno.test("tokens are separated by spaces, tabs and newlines", async () => {
  assert.deepEqual(await tokens(["hello world\n"]), ["hello", "world"]);
  assert.deepEqual(await tokens(["  a\tb\n\nc   \n"]), ["a", "b", "c"]);
  assert.deepEqual(await tokens(["x\vy\fz\n"]), ["x", "y", "z"]); // C isspace: \v \f too
  assert.deepEqual(await tokens(["你好 服务器\n"]), ["你好", "服务器"]);
});

Deno.test("CRLF line ends leave no \\r in the tokens", async () => {
  assert.deepEqual(await tokens(["hello\r\nworld\r\n"]), ["hello", "world"]);
  assert.deepEqual(await tokens(["你好\r\n", "\r\n", "bye\r\n"]), ["你好", "bye"]);
});

Deno.test("a token split across chunks comes out whole", async () => {
  assert.deepEqual(await tokens(["he", "llo wo", "rld\n"]), ["hello", "world"]);
  assert.deepEqual(await tokens(["a", "b", "c", " ", "d"]), ["abc", "d"]);
  assert.deepEqual(await tokens(["hello\r", "\nworld"]), ["hello", "world"]);
  // A UTF-8 character split between chunks.
  const bytes = enc.encode("你好 世界\n");
  for (let cut = 1; cut < bytes.length; cut++) {
    assert.deepEqual(
      await tokens([bytes.subarray(0, cut), bytes.subarray(cut)]),
      ["你好", "世界"],
      `cut ${cut}`,
    );
  }
  // One byte per chunk.
  assert.deepEqual(await tokens(Array.from(bytes, (b) => new Uint8Array([b]))), ["你好", "世界"]);
});

Deno.test("the last token needs no newline before end of input", async () => {
  assert.deepEqual(await tokens(["abc"]), ["abc"]);
  assert.deepEqual(await tokens(["one two"]), ["one", "two"]);
  assert.deepEqual(await tokens(["one ", "tw", "o"]), ["one", "two"]);
});

Deno.test("empty input and white space only give null (scanf's EOF)", async () => {
  assert.deepEqual(await tokens([]), []);
  assert.deepEqual(await tokens([new Uint8Array(0)]), []);
  assert.deepEqual(await tokens([" \t\r\n\v\f"]), []);
  assert.deepEqual(await tokens(["\n", "  ", "\r\n", ""]), []);
  assert.equal(await new TokenReader(streamOf([])).next(), null);
});

Deno.test("tokens are bytes as typed, not re-encoded", async () => {
  const raw = new Uint8Array([0xc4, 0xe3, 0x20, 0xff, 0x0a]); // GBK 你, a stray byte
  const reader = new TokenReader(streamOf([raw]));
  assert.deepEqual(await reader.next(), new Uint8Array([0xc4, 0xe3]));
  assert.deepEqual(await reader.next(), new Uint8Array([0xff]));
  assert.equal(await reader.next(), null);
});

Deno.test("a token is returned at its delimiter, before the input ends (interactive)", async () => {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const input = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  const reader = new TokenReader(input);
  controller.enqueue(enc.encode("hi\n"));
  assert.equal(dec.decode((await reader.next())!), "hi"); // would hang if it waited for EOF
  const pending = reader.next();
  let settled = false;
  pending.then(() => settled = true);
  controller.enqueue(enc.encode("the"));
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(settled, false, "a token without a delimiter yet may still grow");
  controller.enqueue(enc.encode("re\n"));
  assert.equal(dec.decode((await pending)!), "there");
  controller.close();
  assert.equal(await reader.next(), null);
});

Deno.test("release() lets go of the stream", async () => {
  const input = streamOf(["first second\n"]);
  const reader = new TokenReader(input);
  assert.equal(dec.decode((await reader.next())!), "first");
  assert.equal(input.locked, true);
  reader.release();
  assert.equal(input.locked, false);
});
