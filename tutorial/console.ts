/**
 * The tutorial's console: `printf` to stdout in UTF-8, and `scanf("%s")`
 * reading one whitespace-delimited token at a time from stdin.
 *
 * @module
 */

const encoder = new TextEncoder();

/**
 * Writes one line (UTF-8) to stdout, all of it, synchronously.
 *
 * @example
 * ```ts
 * import { printLine } from "./console.ts";
 * printLine("客户端链接成功");
 * ```
 */
export function printLine(text: string): void {
  const bytes = encoder.encode(text + "\n");
  let written = 0;
  while (written < bytes.byteLength) written += Deno.stdout.writeSync(bytes.subarray(written));
}

/** `isspace` in the C locale: what `scanf("%s")` skips and stops at. */
function isSpace(b: number): boolean {
  return b === 0x20 || (b >= 0x09 && b <= 0x0d);
}

/**
 * Reads tokens as `scanf("%s", buf)` does: skips white space, then takes
 * bytes up to the next white space. Returns the token's bytes (UTF-8, as
 * typed), or `null` at end of input (where `scanf` returns `EOF`).
 *
 * @example
 * ```ts
 * import { TokenReader } from "./console.ts";
 * const input = ReadableStream.from([new TextEncoder().encode("你好 world\n")]);
 * const tokens = new TokenReader(input);
 * console.log(new TextDecoder().decode((await tokens.next())!)); // "你好"
 * ```
 */
export class TokenReader {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #pending: Uint8Array = new Uint8Array(0);
  #ended = false;

  /** Reads from `input` (default: stdin). */
  constructor(input: ReadableStream<Uint8Array> = Deno.stdin.readable) {
    this.#reader = input.getReader();
  }

  async #fill(): Promise<boolean> {
    if (this.#ended) return false;
    const { value, done } = await this.#reader.read();
    if (done) {
      this.#ended = true;
      return false;
    }
    const joined = new Uint8Array(this.#pending.byteLength + value.byteLength);
    joined.set(this.#pending);
    joined.set(value, this.#pending.byteLength);
    this.#pending = joined;
    return true;
  }

  /** The next token, or `null` at end of input. */
  async next(): Promise<Uint8Array | null> {
    let start = 0;
    for (;;) {
      while (start < this.#pending.byteLength && isSpace(this.#pending[start])) start++;
      if (start < this.#pending.byteLength) break;
      this.#pending = new Uint8Array(0);
      start = 0;
      if (!(await this.#fill())) return null;
    }
    let end = start;
    for (;;) {
      while (end < this.#pending.byteLength && !isSpace(this.#pending[end])) end++;
      if (end < this.#pending.byteLength || !(await this.#fill())) break;
    }
    const token = this.#pending.slice(start, end);
    this.#pending = this.#pending.subarray(end);
    return token;
  }

  /** Lets go of the input. */
  release(): void {
    this.#reader.releaseLock();
  }
}
