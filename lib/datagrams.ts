/**
 * What the façade's `WSASendTo` and `WSARecvFrom` need beyond `sendto` and
 * `recvfrom` (the `WSABUF` array is checked by `wsabufPieces` in
 * `structs.ts`): overlapped I/O refused, and the pieces gathered into one datagram or one datagram scattered over
 * them, in order, where a backend has no scatter/gather call of its own.
 *
 * @module
 */

import { WinsockError, WSAEOPNOTSUPP } from "./errors.ts";

/** `WSAEOPNOTSUPP` unless both are null: overlapped I/O is not offered here. */
export function noOverlapped(overlapped: unknown, routine: unknown, what: string): void {
  if ((overlapped ?? null) !== null || (routine ?? null) !== null) {
    throw new WinsockError(WSAEOPNOTSUPP, `${what}: overlapped I/O is not offered here`);
  }
}

/**
 * The pieces, one after another: one datagram.
 *
 * @example
 * ```ts
 * import { gather } from "./datagrams.ts";
 * console.log(gather([new Uint8Array([1]), new Uint8Array([2, 3])])); // Uint8Array(3) [1, 2, 3]
 * ```
 */
export function gather(pieces: readonly Uint8Array[]): Uint8Array {
  const whole = new Uint8Array(pieces.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const piece of pieces) {
    whole.set(piece, at);
    at += piece.byteLength;
  }
  return whole;
}

/**
 * Spreads `data` over the pieces in order (what does not fit is not written).
 *
 * @example
 * ```ts
 * import { scatter } from "./datagrams.ts";
 * const a = new Uint8Array(2), b = new Uint8Array(2);
 * scatter(new Uint8Array([1, 2, 3]), [a, b]);
 * console.log(a, b); // Uint8Array(2) [1, 2] Uint8Array(2) [3, 0]
 * ```
 */
export function scatter(data: Uint8Array, pieces: readonly Uint8Array[]): void {
  let at = 0;
  for (const piece of pieces) {
    if (at >= data.byteLength) break;
    piece.set(data.subarray(at, at + piece.byteLength));
    at += piece.byteLength;
  }
}
