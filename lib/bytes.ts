/**
 * The checks every struct encoder and decoder makes first: a buffer long
 * enough (else `WSAEFAULT`), a field value that fits (else `WSAEINVAL`).
 *
 * @module
 */

import { WinsockError, WSAEFAULT, WSAEINVAL } from "./errors.ts";

/** A view of `bytes`, which must hold `size` bytes (`WSAEFAULT` names `what`). */
export function need(bytes: Uint8Array, size: number, what: string): DataView {
  if (!(bytes instanceof Uint8Array)) {
    throw new WinsockError(WSAEFAULT, `${what}: not a Uint8Array`);
  }
  if (bytes.byteLength < size) {
    throw new WinsockError(
      WSAEFAULT,
      `${what}: buffer of ${bytes.byteLength} bytes, needs ${size}`,
    );
  }
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** `value` as a `bits`-bit unsigned field (`WSAEINVAL` names `what`). */
export function uint(value: unknown, bits: 8 | 16 | 32, what: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value >= 2 ** bits) {
    throw new WinsockError(
      WSAEINVAL,
      `${what}: ${String(value)} is not a ${bits}-bit unsigned integer`,
    );
  }
  return value;
}
