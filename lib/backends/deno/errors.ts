/**
 * The deno backend's errors: what Deno's sockets throw, translated to the WSA
 * code Windows gives for the same cause.
 *
 * @module
 */

import {
  WinsockError,
  WSAEACCES,
  WSAEADDRINUSE,
  WSAEADDRNOTAVAIL,
  WSAECONNABORTED,
  WSAECONNREFUSED,
  WSAECONNRESET,
  WSAEHOSTUNREACH,
  WSAEINTR,
  WSAEINVAL,
  WSAEMFILE,
  WSAENETUNREACH,
  WSAENOTCONN,
  WSAETIMEDOUT,
} from "../../errors.ts";

/** Deno's error classes, by name, to the WSA code Windows gives for the same cause. */
const DENO_ERROR_CODES: Record<string, number> = {
  AddrInUse: WSAEADDRINUSE,
  AddrNotAvailable: WSAEADDRNOTAVAIL,
  ConnectionRefused: WSAECONNREFUSED,
  ConnectionReset: WSAECONNRESET,
  ConnectionAborted: WSAECONNABORTED,
  BrokenPipe: WSAECONNRESET,
  NotConnected: WSAENOTCONN,
  TimedOut: WSAETIMEDOUT,
  Interrupted: WSAEINTR,
  BadResource: WSAEINTR,
  PermissionDenied: WSAEACCES,
  NotCapable: WSAEACCES,
  NetworkUnreachable: WSAENETUNREACH,
  HostUnreachable: WSAEHOSTUNREACH,
};

/** OS error numbers Deno reports without a class of their own, to the WSA code. */
const OS_ERROR_CODES: Record<string, number> = {
  "104": WSAECONNRESET, // ECONNRESET (Linux)
  "10054": WSAECONNRESET, // WSAECONNRESET (Windows)
  "23": WSAEMFILE, // ENFILE: the system's descriptors ran out
  "24": WSAEMFILE, // EMFILE: the process's descriptors ran out
  "10024": WSAEMFILE, // WSAEMFILE (Windows)
};

/** Translates an error thrown by Deno's sockets into a `WinsockError`. */
export function fromDenoError(e: unknown, context: string): WinsockError {
  if (e instanceof WinsockError) return e;
  const name = e instanceof Error ? e.name : "";
  let code = DENO_ERROR_CODES[name];
  if (code === undefined) {
    const os = /os error (\d+)/.exec(e instanceof Error ? e.message : "")?.[1];
    code = OS_ERROR_CODES[os ?? ""] ?? WSAEINVAL;
  }
  return new WinsockError(code, context, { cause: e });
}
