/**
 * The posix backend's datagram calls: `sendto` and `recvfrom` (also `send`
 * and `recv` on a UDP socket), with Windows' answers where Linux and macOS
 * differ:
 *
 * - A datagram longer than the buffer fills it and fails with `WSAEMSGSIZE`
 *   (the rest is lost); BSD sockets cut it silently. Each datagram is read
 *   whole into a 64 KiB scratch buffer (the largest UDP datagram), so the
 *   cut is seen on every platform, then copied.
 * - `recvfrom` on a socket never bound fails with `WSAEINVAL`; BSD sockets
 *   would wait for ever.
 * - A port-unreachable report is `WSAECONNRESET` (Linux: `ECONNREFUSED`).
 *
 * @module
 */

import type { Awaitable, Datagram } from "../contract.ts";
import type { SOCKET } from "../../constants.ts";
import {
  isWinsockError,
  WinsockError,
  WSAECONNREFUSED,
  WSAECONNRESET,
  WSAEMSGSIZE,
} from "../../errors.ts";
import type { Libc } from "../../../ffi/libc.ts";
import {
  decodeSockaddr,
  encodeSockaddr,
  type SOCKADDR,
  SOCKADDR_STORAGE_SIZE,
} from "../../structs.ts";
import type { PosixAbi } from "./abi.ts";

/** The largest datagram: a UDP length field's 65535 bytes. */
const MAX_DATAGRAM = 65536;

/** What the datagram calls need of a posix socket. */
export interface DatagramSocket {
  readonly fd: number;
  readonly socket: SOCKET;
  /** Bound (or connected, or it has sent: the kernel bound it). */
  active: boolean;
}

/** What the posix backend lends its datagram calls. */
export interface DatagramContext {
  readonly c: Libc;
  readonly abi: PosixAbi;
  /** Flags for a send that must not raise SIGPIPE. */
  readonly noSignal: number;
  /** Winsock `MSG_*` to the platform's; throws on an unknown bit. */
  translateFlags(flags: number, what: string): number;
  /** Tries `attempt` until it does not would-block (see `Reactor.retry`). */
  retry<T>(socket: SOCKET, events: number, attempt: () => T | undefined): Awaitable<T>;
  /** After a failed call: `undefined` if it would block, else throws its WSA error. */
  wouldBlock(what: string): undefined;
  /** The socket's bound address; `WSAEINVAL` if it is not bound. */
  boundName(sock: DatagramSocket, what: string): SOCKADDR;
}

/** The datagram calls over one backend's context. */
export function posixDatagrams(ctx: DatagramContext) {
  const { c, abi } = ctx;
  let scratch: Uint8Array | null = null;

  /** Linux's report of an ICMP port unreachable, as Windows words it. */
  function asWindows(e: unknown): never {
    if (isWinsockError(e, WSAECONNREFUSED)) {
      throw new WinsockError(WSAECONNRESET, "recvfrom (port unreachable)", { cause: e });
    }
    throw e;
  }

  return {
    sendto(
      sock: DatagramSocket,
      buf: Uint8Array,
      flags: number,
      to: SOCKADDR | null,
    ): Awaitable<number> {
      const native = ctx.translateFlags(flags, "sendto") | ctx.noSignal;
      const address = to ? encodeSockaddr(to, abi.sockaddr) : null;
      return ctx.retry(sock.socket, abi.POLLOUT, () => {
        const n = Number(
          c.sendto(sock.fd, buf, BigInt(buf.byteLength), native, address, address?.byteLength ?? 0),
        );
        if (n === -1) return ctx.wouldBlock("sendto");
        sock.active = true;
        return n;
      });
    },
    recvfrom(sock: DatagramSocket, buf: Uint8Array, flags: number): Awaitable<Datagram> {
      const native = ctx.translateFlags(flags, "recvfrom");
      if (!sock.active) {
        ctx.boundName(sock, "recvfrom"); // WSAEINVAL when never bound, as Windows
        sock.active = true;
      }
      const from = new Uint8Array(SOCKADDR_STORAGE_SIZE);
      const fromlen = new Uint32Array(1);
      const attempt = () => {
        const whole = scratch ??= new Uint8Array(MAX_DATAGRAM);
        fromlen[0] = from.byteLength;
        const n = Number(
          c.recvfrom(sock.fd, whole, BigInt(whole.byteLength), native, from, fromlen),
        );
        if (n === -1) return ctx.wouldBlock("recvfrom");
        const count = Math.min(n, buf.byteLength);
        buf.set(whole.subarray(0, count));
        const sender = fromlen[0] >= 2 ? decodeSockaddr(from, abi.sockaddr, fromlen[0]) : null;
        return { count, from: sender, truncated: n > buf.byteLength };
      };
      let got: Awaitable<Datagram>;
      try {
        got = ctx.retry(sock.socket, abi.POLLIN, attempt);
      } catch (e) {
        asWindows(e);
      }
      return got instanceof Promise ? got.catch(asWindows) : got;
    },
  };
}

/** A recvfrom's answer as `recv` gives it: the count, or `WSAEMSGSIZE` (buffer filled). */
export function recvCount(d: Datagram): number {
  if (d.truncated) throw new WinsockError(WSAEMSGSIZE, "recv: datagram larger than the buffer");
  return d.count;
}
