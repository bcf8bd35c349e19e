/**
 * The completion-port chapter's shared operation table: one slot per
 * client in a `SharedArrayBuffer` that the main thread and every Worker map,
 * each slot holding the client's one `WSAOVERLAPPED` (at the same address
 * in every thread), its socket, its name and its data buffer. A completion
 * dequeued on any thread is matched to its client by the slot its
 * `WSAOVERLAPPED` lives in (the completion key is the slot's index too).
 *
 * A client has one operation in flight at a time (its greeting, then a
 * receive, then the echo of what came, then the next receive…), so no two
 * threads ever serve the same client at once and its bytes keep their order.
 *
 * @module
 */

import { type SOCKET, WSAOVERLAPPED } from "../mod.ts";

/** Bytes per slot, and where each part lives in one. */
const SLOT = 2048, OV = 0, SOCK = 32, KIND = 40, NAME_LENGTH = 44, NAME = 48, DATA = 96;
/** The data buffer's size (one receive at most). */
export const DATA_SIZE = 1500;

/** What a slot's operation in flight is. */
export const FREE = 0, RECV = 1, SEND = 2;

/** The table, as one thread sees it. */
export class Slots {
  /** The memory (hand it to Workers). */
  readonly buffer: SharedArrayBuffer;
  /** Each slot's `WSAOVERLAPPED`, over the shared memory. */
  readonly ov: WSAOVERLAPPED[];
  #view: DataView;
  #bytes: Uint8Array;

  /** `count` slots in `buffer` (a new one when not given). */
  constructor(count: number, buffer = new SharedArrayBuffer(count * SLOT)) {
    this.buffer = buffer;
    this.#view = new DataView(buffer);
    this.#bytes = new Uint8Array(buffer);
    this.ov = Array.from(
      { length: count },
      (_, i) => new WSAOVERLAPPED(this.#bytes.subarray(i * SLOT + OV, i * SLOT + OV + 32)),
    );
  }

  /** The number of slots. */
  get count(): number {
    return this.ov.length;
  }

  /** The slot `ov` lives in, or -1. */
  indexOf(ov: WSAOVERLAPPED | null): number {
    return ov === null ? -1 : this.ov.indexOf(ov);
  }

  /** Slot `i`'s client socket. */
  socket(i: number): SOCKET {
    return this.#view.getBigUint64(i * SLOT + SOCK, true);
  }

  /** What slot `i` has in flight (`FREE`, `RECV`, `SEND`). */
  kind(i: number): number {
    return Atomics.load(new Int32Array(this.buffer, i * SLOT + KIND, 1), 0);
  }

  /** Sets what slot `i` has in flight (before the operation starts). */
  setKind(i: number, kind: number): void {
    Atomics.store(new Int32Array(this.buffer, i * SLOT + KIND, 1), 0, kind);
  }

  /** Slot `i`'s client name (`ip:port`). */
  name(i: number): string {
    const n = this.#view.getInt32(i * SLOT + NAME_LENGTH, true);
    return new TextDecoder().decode(this.#bytes.slice(i * SLOT + NAME, i * SLOT + NAME + n));
  }

  /** Slot `i`'s data buffer (shared memory). */
  data(i: number): Uint8Array {
    return this.#bytes.subarray(i * SLOT + DATA, i * SLOT + DATA + DATA_SIZE);
  }

  /** Takes slot `i` for a new client. */
  open(i: number, s: SOCKET, name: string): void {
    const bytes = new TextEncoder().encode(name).subarray(0, DATA - NAME);
    this.#bytes.fill(0, i * SLOT, i * SLOT + DATA);
    this.#view.setBigUint64(i * SLOT + SOCK, s, true);
    this.#view.setInt32(i * SLOT + NAME_LENGTH, bytes.byteLength, true);
    this.#bytes.set(bytes, i * SLOT + NAME);
  }
}
