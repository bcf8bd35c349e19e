/**
 * The event select model's façade side: the checks `Winsock`'s
 * `WSAEventSelect` family makes before a backend sees anything, and the
 * choice of backend (ws2_32's own calls on winsock, the emulation in
 * `emulated/event_select.ts` elsewhere).
 *
 * @module
 */

import type { Awaitable, EventSelectBackend, SocketBackend } from "./backends/contract.ts";
import {
  FD_ALL_EVENTS,
  FD_MAX_EVENTS,
  WSA_INFINITE,
  WSA_MAXIMUM_WAIT_EVENTS,
  type WSAEVENT,
} from "./constants.ts";
import {
  WinsockError,
  WSA_INVALID_HANDLE,
  WSA_INVALID_PARAMETER,
  WSAEFAULT,
  WSAEINVAL,
} from "./errors.ts";
import { WSANETWORKEVENTS } from "./structs.ts";
import { EmulatedEvents } from "./emulated/event_select.ts";

/**
 * The event select calls for `backend`: its own, or an emulation; then
 * `backend` is what the façade must use from now on (the emulation wraps it
 * to make selected sockets non-blocking).
 *
 * @example
 * ```ts ignore
 * const { api, backend } = eventSelectFor(posixBackend, false);
 * ```
 */
export function eventSelectFor(
  backend: SocketBackend,
  blocking: boolean,
): { api: EventSelectBackend; backend: SocketBackend } {
  if (backend.eventSelect) return { api: backend.eventSelect, backend };
  const emulation = new EmulatedEvents(backend, blocking);
  return { api: emulation, backend: emulation.backend };
}

/** A `WSAEVENT` handed in: a bigint, else `WSA_INVALID_HANDLE`. */
export function checkEvent(h: WSAEVENT): WSAEVENT {
  if (typeof h !== "bigint" || h <= 0n || h >= 2n ** 64n) {
    throw new WinsockError(WSA_INVALID_HANDLE, `not a WSAEVENT: ${String(h)}`);
  }
  return h;
}

/** `lNetworkEvents`: `FD_*` bits only. */
export function checkNetworkEvents(lNetworkEvents: number): number {
  if (!Number.isInteger(lNetworkEvents) || (lNetworkEvents & ~FD_ALL_EVENTS) !== 0) {
    throw new WinsockError(WSAEINVAL, `lNetworkEvents ${String(lNetworkEvents)} is not FD_* bits`);
  }
  return lNetworkEvents;
}

/** Fills the caller's `WSANETWORKEVENTS` after checking it is one. */
export function copyNetworkEvents(from: WSANETWORKEVENTS, to: WSANETWORKEVENTS): void {
  if (
    !(to instanceof WSANETWORKEVENTS) || !(to.iErrorCode instanceof Int32Array) ||
    to.iErrorCode.length !== FD_MAX_EVENTS
  ) {
    throw new WinsockError(WSAEFAULT, "lpNetworkEvents is not a WSANETWORKEVENTS");
  }
  to.lNetworkEvents = from.lNetworkEvents;
  to.iErrorCode.set(from.iErrorCode);
}

/**
 * `WSAWaitForMultipleEvents` after C's checks: `cEvents` 1 to
 * `WSA_MAXIMUM_WAIT_EVENTS` and no more than `lphEvents` holds, else
 * `WSA_INVALID_PARAMETER`; a handle that is not one, `WSA_INVALID_HANDLE`;
 * `dwTimeout` in milliseconds (`WSA_INFINITE`: no limit).
 */
export function waitForMultipleEvents(
  api: EventSelectBackend,
  cEvents: number,
  lphEvents: readonly WSAEVENT[],
  fWaitAll: boolean,
  dwTimeout: number,
  fAlertable: boolean,
): Awaitable<number> {
  if (
    !Number.isInteger(cEvents) || cEvents < 1 || cEvents > WSA_MAXIMUM_WAIT_EVENTS ||
    !Array.isArray(lphEvents) || cEvents > lphEvents.length
  ) {
    throw new WinsockError(
      WSA_INVALID_PARAMETER,
      `WSAWaitForMultipleEvents: cEvents ${
        String(cEvents)
      } (1-${WSA_MAXIMUM_WAIT_EVENTS}, at most the array's length)`,
    );
  }
  if (!Number.isInteger(dwTimeout) || dwTimeout < 0 || dwTimeout > WSA_INFINITE) {
    throw new WinsockError(WSA_INVALID_PARAMETER, `dwTimeout ${String(dwTimeout)}`);
  }
  const events = lphEvents.slice(0, cEvents).map(checkEvent);
  const timeoutMs = dwTimeout === WSA_INFINITE ? null : dwTimeout;
  return api.WSAWaitForMultipleEvents(events, !!fWaitAll, timeoutMs, !!fAlertable);
}
