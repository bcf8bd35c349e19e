/**
 * Datagrams (UDP): `sendto`, `recvfrom`, `WSASendTo`, `WSARecvFrom`, with the
 * `WSABUF` pieces gathered into one datagram, or one datagram scattered over
 * them, where a backend has no scatter/gather call of its own.
 *
 * @module
 */

import type { Awaitable, Datagram } from "../backends/contract.ts";
import { type SOCKET, SOCKET_ERROR } from "../constants.ts";
import { WinsockError, WSAEFAULT, WSAEMSGSIZE, WSAEOPNOTSUPP } from "../errors.ts";
import { type SOCKADDR, type WSABUF, wsabufPieces } from "../structs.ts";
import {
  checkLength,
  checkNameLength,
  checkOutName,
  checkSocket,
  copyOut,
  type IntRef,
} from "./checks.ts";
import type { Core, Waited } from "./core.ts";

/** The datagram calls of one `Winsock` (`lib/winsock.ts`). */
export class Datagrams<Blocking extends boolean = false> {
  #core: Core<Blocking>;

  constructor(core: Core<Blocking>) {
    this.#core = core;
  }

  sendto(
    s: SOCKET,
    buf: Uint8Array,
    len: number,
    flags: number,
    to: SOCKADDR | null,
    tolen: number,
  ): Waited<Blocking, number> {
    return this.#core.waited(SOCKET_ERROR, () => {
      const source = checkLength(buf, len, "sendto");
      if (to !== null && to !== undefined) checkNameLength(to, tolen);
      return this.#core.backend.sendto(checkSocket(s), source, flags, to ?? null);
    });
  }

  recvfrom(
    s: SOCKET,
    buf: Uint8Array,
    len: number,
    flags: number,
    from: SOCKADDR | null,
    fromlen: IntRef | null,
  ): Waited<Blocking, number> {
    return this.#core.waited(SOCKET_ERROR, () => {
      const target = checkLength(buf, len, "recvfrom");
      checkOutName(from, fromlen);
      const got = this.#core.backend.recvfrom(checkSocket(s), target, flags);
      const done = ({ count, from: sender, truncated }: Awaited<typeof got>) => {
        if (sender) copyOut(sender, from, fromlen);
        if (truncated) throw new WinsockError(WSAEMSGSIZE, "recvfrom: datagram larger than len");
        return count;
      };
      return got instanceof Promise ? got.then(done) : done(got);
    });
  }

  WSASendTo(
    s: SOCKET,
    lpBuffers: WSABUF[],
    dwBufferCount: number,
    lpNumberOfBytesSent: IntRef | null,
    dwFlags: number,
    lpTo: SOCKADDR | null,
    iTolen: number,
    lpOverlapped: null,
    lpCompletionRoutine: null,
  ): Waited<Blocking, number> {
    return this.#core.waited(SOCKET_ERROR, () => {
      const pieces = wsabufPieces(lpBuffers, dwBufferCount, "WSASendTo");
      noOverlapped(lpOverlapped, lpCompletionRoutine, "WSASendTo");
      if (lpTo !== null && lpTo !== undefined) checkNameLength(lpTo, iTolen);
      const socket = checkSocket(s), to = lpTo ?? null;
      const sent = this.#core.backend.wsaSendTo?.(socket, pieces, dwFlags, to) ??
        this.#core.backend.sendto(socket, gather(pieces), dwFlags, to);
      const done = (n: number) => {
        if (lpNumberOfBytesSent) lpNumberOfBytesSent.value = n;
        return 0;
      };
      return sent instanceof Promise ? sent.then(done) : done(sent);
    });
  }

  WSARecvFrom(
    s: SOCKET,
    lpBuffers: WSABUF[],
    dwBufferCount: number,
    lpNumberOfBytesRecvd: IntRef | null,
    lpFlags: IntRef,
    lpFrom: SOCKADDR | null,
    lpFromlen: IntRef | null,
    lpOverlapped: null,
    lpCompletionRoutine: null,
  ): Waited<Blocking, number> {
    return this.#core.waited(SOCKET_ERROR, () => {
      const pieces = wsabufPieces(lpBuffers, dwBufferCount, "WSARecvFrom");
      noOverlapped(lpOverlapped, lpCompletionRoutine, "WSARecvFrom");
      if (!lpFlags || !Number.isInteger(lpFlags.value)) {
        throw new WinsockError(WSAEFAULT, "WSARecvFrom: lpFlags");
      }
      checkOutName(lpFrom, lpFromlen);
      const socket = checkSocket(s), flags = lpFlags.value;
      let got: Awaitable<Datagram>;
      if (this.#core.backend.wsaRecvFrom) {
        got = this.#core.backend.wsaRecvFrom(socket, pieces, flags);
      } else {
        const whole = new Uint8Array(pieces.reduce((n, p) => n + p.byteLength, 0));
        const spread = (d: Datagram) => (scatter(whole.subarray(0, d.count), pieces), d);
        const one = this.#core.backend.recvfrom(socket, whole, flags);
        got = one instanceof Promise ? one.then(spread) : spread(one);
      }
      const done = ({ count, from, truncated }: Datagram) => {
        if (from) copyOut(from, lpFrom, lpFromlen);
        lpFlags.value = 0;
        if (truncated) {
          throw new WinsockError(WSAEMSGSIZE, "WSARecvFrom: datagram larger than the buffers");
        }
        if (lpNumberOfBytesRecvd) lpNumberOfBytesRecvd.value = count;
        return 0;
      };
      return got instanceof Promise ? got.then(done) : done(got);
    });
  }
}

/** `WSAEOPNOTSUPP` unless both are null: overlapped I/O is not offered here. */
function noOverlapped(overlapped: unknown, routine: unknown, what: string): void {
  if ((overlapped ?? null) !== null || (routine ?? null) !== null) {
    throw new WinsockError(WSAEOPNOTSUPP, `${what}: overlapped I/O is not offered here`);
  }
}

/**
 * The pieces, one after another: one datagram.
 */
function gather(pieces: readonly Uint8Array[]): Uint8Array {
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
 */
function scatter(data: Uint8Array, pieces: readonly Uint8Array[]): void {
  let at = 0;
  for (const piece of pieces) {
    if (at >= data.byteLength) break;
    piece.set(data.subarray(at, at + piece.byteLength));
    at += piece.byteLength;
  }
}
