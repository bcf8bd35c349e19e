/**
 * The wake-up both FFI backends give their reactor: a loopback UDP socket
 * connected to itself, so that a byte sent makes it readable and ends a
 * parked poll.
 *
 * @module
 */

import { AF_INET } from "../../constants.ts";
import { inet_addr } from "../../helpers.ts";
import { type SOCKADDR, sockaddr_in } from "../../structs.ts";
import type { WakeUp } from "./engine.ts";

/** The calls `loopbackWakeUp` makes, each on the backend's own library; each throws on failure. */
export interface WakeUpCalls<S extends number | bigint> {
  /** A new `AF_INET` UDP socket. */
  socket(): S;
  /** Makes it what the reactor needs (non-blocking, not inherited). */
  prepare(s: S): void;
  /** `bind`. */
  bind(s: S, name: SOCKADDR): void;
  /** `getsockname`. */
  getsockname(s: S): SOCKADDR;
  /** `connect`. */
  connect(s: S, name: SOCKADDR): void;
  /** `send` of `bytes`, its failure ignored (a full buffer is readable already). */
  send(s: S, bytes: Uint8Array): void;
  /** `recv` into `buf`: the count (0 or less: nothing left). */
  recv(s: S, buf: Uint8Array): number | bigint;
  /** `closesocket` or `close`, its failure ignored. */
  close(s: S): void;
}

/** A loopback UDP socket connected to itself: a byte sent makes it readable. */
export function loopbackWakeUp<S extends number | bigint>(calls: WakeUpCalls<S>): WakeUp {
  const s = calls.socket();
  try {
    calls.prepare(s);
    const loopback = new sockaddr_in();
    loopback.sin_family = AF_INET;
    loopback.sin_addr.S_un.S_addr = inet_addr("127.0.0.1");
    calls.bind(s, loopback);
    calls.connect(s, calls.getsockname(s));
  } catch (e) {
    calls.close(s);
    throw e;
  }
  const one = new Uint8Array(1), sink = new Uint8Array(64);
  return {
    fd: BigInt(s),
    wake: () => calls.send(s, one),
    drain: () => {
      while (calls.recv(s, sink) > 0);
    },
    close: () => calls.close(s),
  };
}
