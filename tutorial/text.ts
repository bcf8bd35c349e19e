/**
 * Text on the wire. The console is UTF-8; the wire speaks UTF-8 or GBK (what
 * the tutorial's Visual Studio builds on a Chinese Windows send). Encoding to
 * GBK uses a table built once from Deno's own GBK decoder; a character GBK
 * cannot hold becomes `?`, as Windows' conversion does.
 *
 * @module
 */

/** The encodings `--encoding` accepts. */
export type WireEncoding = "utf-8" | "gbk";

/** All of them, for usage messages and flag checks. */
export const WIRE_ENCODINGS: readonly WireEncoding[] = ["utf-8", "gbk"];

let gbkTable: Map<number, number> | undefined;

/** Builds the code point → GBK bytes table from the decoder (about 24,000 pairs). */
function gbk(): Map<number, number> {
  if (gbkTable) return gbkTable;
  gbkTable = new Map();
  const decoder = new TextDecoder("gbk");
  for (let lead = 0x81; lead <= 0xfe; lead++) {
    const pairs: number[] = [];
    for (let trail = 0x40; trail <= 0xfe; trail++) if (trail !== 0x7f) pairs.push(lead, trail);
    const chars = decoder.decode(new Uint8Array(pairs));
    for (let i = 0; i < chars.length; i++) {
      const cp = chars.charCodeAt(i);
      const bytes = (pairs[2 * i] << 8) | pairs[2 * i + 1];
      if (cp !== 0xfffd && !gbkTable.has(cp)) gbkTable.set(cp, bytes);
    }
  }
  gbkTable.set(0x20ac, 0x80); // €: one byte in WHATWG's GBK
  return gbkTable;
}

/**
 * Encodes text for the wire.
 *
 * @example
 * ```ts
 * import { encodeText } from "./text.ts";
 * console.log(encodeText("服务器链接成功", "gbk").byteLength); // 14
 * console.log(encodeText("服务器链接成功", "utf-8").byteLength); // 21
 * ```
 */
export function encodeText(text: string, encoding: WireEncoding): Uint8Array {
  if (encoding === "utf-8") return new TextEncoder().encode(text);
  const table = gbk();
  const out: number[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    if (cp < 0x80) out.push(cp);
    else {
      const bytes = table.get(cp);
      if (bytes === undefined) out.push(0x3f);
      else if (bytes < 0x100) out.push(bytes);
      else out.push(bytes >> 8, bytes & 0xff);
    }
  }
  return new Uint8Array(out);
}

/** C's escapes for the control characters that have one; the rest are shown as `\xHH`. */
const ESCAPES: Record<string, string> = {
  "\x07": "\\a",
  "\b": "\\b",
  "\t": "\\t",
  "\n": "\\n",
  "\v": "\\v",
  "\f": "\\f",
  "\r": "\\r",
};

// deno-lint-ignore no-control-regex
const CONTROLS = /[\x00-\x1f\x7f-\x9f]/g;

/**
 * `text` with its control characters (C0, DEL, C1) written as C escapes
 * (`\n`, `\x1b`): what a peer sent, safe to print, so it can neither start a
 * line of its own nor drive the terminal (clear the screen, ring the bell).
 *
 * @example
 * ```ts
 * import { escapeControls } from "./text.ts";
 * console.log(escapeControls("hi\x1b[2J\r\n")); // hi\x1b[2J\r\n
 * ```
 */
export function escapeControls(text: string): string {
  return text.replace(
    CONTROLS,
    (c) => ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

/**
 * Decodes what `recv` returns, chunk by chunk, as `printf("%s", buf)` shows
 * it: up to the first NUL of each chunk, its control characters escaped
 * (`escapeControls`: a peer's text never drives the console). A character
 * split across two chunks comes out whole with the later one; bytes that
 * are not text in the encoding come out as U+FFFD, never as an error.
 *
 * @example
 * ```ts
 * import { ChunkDecoder } from "./text.ts";
 * const d = new ChunkDecoder("utf-8");
 * const bytes = new TextEncoder().encode("好");
 * console.log(JSON.stringify(d.decode(bytes.subarray(0, 2))), d.decode(bytes.subarray(2))); // "" 好
 * ```
 */
export class ChunkDecoder {
  #decoder: TextDecoder;

  /** A decoder for one connection's received text. */
  constructor(encoding: WireEncoding) {
    this.#decoder = new TextDecoder(encoding);
  }

  /** The text of one received chunk, safe to print. */
  decode(chunk: Uint8Array): string {
    const nul = chunk.indexOf(0);
    if (nul < 0) return escapeControls(this.#decoder.decode(chunk, { stream: true }));
    // A NUL ends any pending character.
    return escapeControls(this.#decoder.decode(chunk.subarray(0, nul)));
  }
}

/**
 * A token typed on the (UTF-8) console, as bytes for the wire: unchanged for
 * UTF-8, converted for GBK.
 *
 * @example
 * ```ts
 * import { consoleToWire } from "./text.ts";
 * console.log(consoleToWire(new TextEncoder().encode("你好"), "gbk")); // Uint8Array(4) [196, 227, 186, 195]
 * ```
 */
export function consoleToWire(token: Uint8Array, encoding: WireEncoding): Uint8Array {
  return encoding === "utf-8" ? token : encodeText(new TextDecoder().decode(token), encoding);
}
