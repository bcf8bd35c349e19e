/**
 * The event select model: `WSACreateEvent` … `WSAWaitForMultipleEvents`,
 * with the checks made before the model (ws2_32's own on winsock, the
 * emulation in `emulated/event_select.ts` elsewhere) sees a call.
 *
 * @module
 */

import type { Awaitable, EventSelectBackend } from "../backends/contract.ts";
import {
  FD_ALL_EVENTS,
  FD_MAX_EVENTS,
  type SOCKET,
  SOCKET_ERROR,
  WSA_INFINITE,
  WSA_INVALID_EVENT,
  WSA_MAXIMUM_WAIT_EVENTS,
  WSA_WAIT_FAILED,
  type WSAEVENT,
} from "../constants.ts";
import {
  WinsockError,
  WSA_INVALID_HANDLE,
  WSA_INVALID_PARAMETER,
  WSAEFAULT,
  WSAEINVAL,
} from "../errors.ts";

import { WSANETWORKEVENTS } from "../structs.ts";
import { checkSocket, notOffered } from "./checks.ts";
import type { Core, Waited } from "./core.ts";

/** The event select calls of one `Winsock` (`lib/winsock.ts`). */
export class EventSelect<Blocking extends boolean = false> {
  #core: Core<Blocking>;
  #model: EventSelectBackend | undefined;

  /** Over the event select model `model` (the backend's own, or its emulation). */
  constructor(core: Core<Blocking>, model: EventSelectBackend | undefined) {
    this.#core = core;
    this.#model = model;
  }

  get #api(): EventSelectBackend {
    return this.#model ?? notOffered("the event select model");
  }

  /** An event-object call: needs no `WSAStartup` (as in C, where it is `CreateEvent`). */
  #eventCall<T>(failed: T, call: (api: EventSelectBackend) => T): T {
    return this.#core.callUnstarted(failed, () => call(this.#api));
  }

  WSACreateEvent(): WSAEVENT {
    return this.#eventCall(WSA_INVALID_EVENT, (api) => api.WSACreateEvent());
  }

  WSACloseEvent(hEvent: WSAEVENT): boolean {
    return this.#eventCall(false, (api) => (api.WSACloseEvent(checkEvent(hEvent)), true));
  }

  WSASetEvent(hEvent: WSAEVENT): boolean {
    return this.#eventCall(false, (api) => (api.WSASetEvent(checkEvent(hEvent)), true));
  }

  WSAResetEvent(hEvent: WSAEVENT): boolean {
    return this.#eventCall(false, (api) => (api.WSAResetEvent(checkEvent(hEvent)), true));
  }

  WSAEventSelect(s: SOCKET, hEventObject: WSAEVENT, lNetworkEvents: number): number {
    return this.#core.call(SOCKET_ERROR, () => {
      const h = hEventObject === WSA_INVALID_EVENT ? hEventObject : checkEvent(hEventObject);
      this.#api.WSAEventSelect(checkSocket(s), h, checkNetworkEvents(lNetworkEvents));
      return 0;
    });
  }

  WSAEnumNetworkEvents(
    s: SOCKET,
    hEventObject: WSAEVENT,
    lpNetworkEvents: WSANETWORKEVENTS,
  ): number {
    return this.#core.call(SOCKET_ERROR, () => {
      const h = hEventObject === WSA_INVALID_EVENT ? hEventObject : checkEvent(hEventObject);
      copyNetworkEvents(new WSANETWORKEVENTS(), lpNetworkEvents); // check it before
      copyNetworkEvents(this.#api.WSAEnumNetworkEvents(checkSocket(s), h), lpNetworkEvents);
      return 0;
    });
  }

  WSAWaitForMultipleEvents(
    cEvents: number,
    lphEvents: readonly WSAEVENT[],
    fWaitAll: boolean,
    dwTimeout: number,
    fAlertable: boolean,
  ): Waited<Blocking, number> {
    return this.#core.waited(WSA_WAIT_FAILED, () => {
      return waitForMultipleEvents(
        this.#api,
        cEvents,
        lphEvents,
        fWaitAll,
        dwTimeout,
        fAlertable,
      );
    });
  }
}

/** A `WSAEVENT` handed in: a bigint, else `WSA_INVALID_HANDLE`. */
function checkEvent(h: WSAEVENT): WSAEVENT {
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
function copyNetworkEvents(from: WSANETWORKEVENTS, to: WSANETWORKEVENTS): void {
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
function waitForMultipleEvents(
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
