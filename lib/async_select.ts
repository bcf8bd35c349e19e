/**
 * The asynchronous select model's façade side: the checks `Winsock`'s
 * `WSAAsyncSelect` family makes, and the choice of backend (user32's real
 * message-only window on winsock, the emulated queue in
 * `emulated/async_select.ts` elsewhere).
 *
 * @module
 */

import type { AsyncSelectBackend, EventSelectBackend, SocketBackend } from "./backends/contract.ts";
import type { HWND } from "./constants.ts";
import { WinsockError, WSAEFAULT, WSAEINVAL } from "./errors.ts";
import { MSG } from "./structs.ts";
import { EmulatedEvents } from "./emulated/event_select.ts";
import { EmulatedMessages } from "./emulated/async_select.ts";

/**
 * The asynchronous select calls for `backend` (the backend the façade uses
 * after `eventSelectFor`), given its event select calls.
 *
 * @example
 * ```ts ignore
 * const calls = asyncSelectFor(backend, events);
 * ```
 */
export function asyncSelectFor(
  backend: SocketBackend,
  events: EventSelectBackend,
): AsyncSelectBackend {
  if (backend.asyncSelect) return backend.asyncSelect;
  if (!(events instanceof EmulatedEvents)) {
    throw new WinsockError(WSAEINVAL, "no asynchronous select model on this backend");
  }
  return new EmulatedMessages(events);
}

/** A window handle handed in (0n where C allows NULL, if `nullable`). */
export function checkWindow(hWnd: HWND | null, nullable: boolean): HWND {
  if (hWnd === null && nullable) return 0n;
  if (typeof hWnd !== "bigint" || hWnd < 0n || hWnd >= 2n ** 64n || (hWnd === 0n && !nullable)) {
    throw new WinsockError(WSAEINVAL, `not a window: ${String(hWnd)}`);
  }
  return hWnd;
}

/** A message number or filter bound: a `UINT`. */
export function checkUint(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new WinsockError(WSAEINVAL, `${what} ${String(value)} is not a UINT`);
  }
  return value;
}

/** Copies a message into the caller's `MSG`, after checking it is one. */
export function copyMessage(from: MSG, to: MSG): void {
  if (!(to instanceof MSG)) throw new WinsockError(WSAEFAULT, "lpMsg is not a MSG");
  Object.assign(to, from, { pt: { ...from.pt } });
}

/** The caller's `MSG`, checked. */
export function checkMessage(msg: MSG): MSG {
  if (!(msg instanceof MSG)) throw new WinsockError(WSAEFAULT, "lpMsg is not a MSG");
  return msg;
}
