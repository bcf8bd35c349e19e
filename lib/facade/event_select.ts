/**
 * The event select model (`lib/events.ts`): `WSACreateEvent` … `WSAWaitForMultipleEvents`.
 *
 * @module
 */

import type { EventSelectBackend } from "../backends/contract.ts";
import {
  checkEvent,
  checkNetworkEvents,
  copyNetworkEvents,
  eventSelectFor,
  waitForMultipleEvents,
} from "../events.ts";
import {
  type SOCKET,
  SOCKET_ERROR,
  WSA_INVALID_EVENT,
  WSA_WAIT_FAILED,
  type WSAEVENT,
} from "../constants.ts";

import { WSANETWORKEVENTS } from "../structs.ts";
import { checkSocket } from "./checks.ts";
import { WinsockNames } from "./names.ts";
import type { Waited } from "./core.ts";

/**
 * The event select model (`lib/events.ts`): `WSACreateEvent` … `WSAWaitForMultipleEvents`. One
 * layer of `Winsock` (`lib/winsock.ts`), which is the class to use.
 */
export class WinsockEventSelect<Blocking extends boolean = false> extends WinsockNames<Blocking> {
  #eventApi?: EventSelectBackend;

  /**
   * The backend's event select calls; an emulation wraps the backend on first use.
   *
   * @ignore
   */
  protected events(): EventSelectBackend {
    if (!this.#eventApi) {
      const { api, backend } = eventSelectFor(this.socketBackend, this.blocking);
      this.#eventApi = api;
      this.socketBackend = backend;
    }
    return this.#eventApi;
  }

  /** An event-object call: needs no `WSAStartup` (as in C, where it is `CreateEvent`). */
  #eventCall<T>(failed: T, call: (api: EventSelectBackend) => T): T {
    try {
      return call(this.events());
    } catch (e) {
      this.fail(e);
      return failed;
    }
  }

  /**
   * `WSAEVENT WSACreateEvent(void)`: a new manual-reset event object, not
   * signalled; `WSA_INVALID_EVENT` on failure.
   *
   * @example
   * ```ts
   * import { MAKEWORD, openWinsock, WSA_WAIT_EVENT_0, WSADATA } from "../../mod.ts";
   * const ws = openWinsock({ backend: "deno" });
   * ws.WSAStartup(MAKEWORD(2, 2), new WSADATA());
   * const ev = ws.WSACreateEvent();
   * ws.WSASetEvent(ev);
   * console.log(await ws.WSAWaitForMultipleEvents(1, [ev], false, 0, false) === WSA_WAIT_EVENT_0); // true
   * ws.WSACloseEvent(ev);
   * ws.WSACleanup();
   * ```
   */
  WSACreateEvent(): WSAEVENT {
    return this.#eventCall(WSA_INVALID_EVENT, (api) => api.WSACreateEvent());
  }

  /** `BOOL WSACloseEvent(WSAEVENT hEvent)`: false (`WSA_INVALID_HANDLE`) for a handle that is not one. */
  WSACloseEvent(hEvent: WSAEVENT): boolean {
    return this.#eventCall(false, (api) => (api.WSACloseEvent(checkEvent(hEvent)), true));
  }

  /** `BOOL WSASetEvent(WSAEVENT hEvent)`: signals it; waits on it end. */
  WSASetEvent(hEvent: WSAEVENT): boolean {
    return this.#eventCall(false, (api) => (api.WSASetEvent(checkEvent(hEvent)), true));
  }

  /** `BOOL WSAResetEvent(WSAEVENT hEvent)`: not signalled any more. */
  WSAResetEvent(hEvent: WSAEVENT): boolean {
    return this.#eventCall(false, (api) => (api.WSAResetEvent(checkEvent(hEvent)), true));
  }

  /**
   * `int WSAEventSelect(SOCKET s, WSAEVENT hEventObject, long lNetworkEvents)`:
   * records the `FD_*` events of `lNetworkEvents` on `s` and signals
   * `hEventObject` for them (see `WSAEnumNetworkEvents`); `hEventObject` 0n
   * with 0 cancels. The socket becomes non-blocking (`WSAEWOULDBLOCK`
   * instead of a wait), and a socket `accept`ed from it inherits the
   * selection. 0 or `SOCKET_ERROR`.
   */
  WSAEventSelect(s: SOCKET, hEventObject: WSAEVENT, lNetworkEvents: number): number {
    return this.call(SOCKET_ERROR, () => {
      const h = hEventObject === WSA_INVALID_EVENT ? hEventObject : checkEvent(hEventObject);
      this.events().WSAEventSelect(checkSocket(s), h, checkNetworkEvents(lNetworkEvents));
      return 0;
    });
  }

  /**
   * `int WSAEnumNetworkEvents(SOCKET s, WSAEVENT hEventObject,
   * LPWSANETWORKEVENTS lpNetworkEvents)`: fills `lpNetworkEvents` with the
   * events recorded on `s` since the last call (and each one's error code,
   * at its `FD_*_BIT`), clears the record, and resets `hEventObject` (unless
   * 0n). 0 or `SOCKET_ERROR`.
   */
  WSAEnumNetworkEvents(
    s: SOCKET,
    hEventObject: WSAEVENT,
    lpNetworkEvents: WSANETWORKEVENTS,
  ): number {
    return this.call(SOCKET_ERROR, () => {
      const h = hEventObject === WSA_INVALID_EVENT ? hEventObject : checkEvent(hEventObject);
      copyNetworkEvents(new WSANETWORKEVENTS(), lpNetworkEvents); // check it before
      copyNetworkEvents(this.events().WSAEnumNetworkEvents(checkSocket(s), h), lpNetworkEvents);
      return 0;
    });
  }

  /**
   * `DWORD WSAWaitForMultipleEvents(DWORD cEvents, const WSAEVENT *lphEvents,
   * BOOL fWaitAll, DWORD dwTimeout, BOOL fAlertable)`: resolves with
   * `WSA_WAIT_EVENT_0` + the index of a signalled event (with `fWaitAll`,
   * once all are), `WSA_WAIT_TIMEOUT` after `dwTimeout` ms (`WSA_INFINITE`:
   * none), or `WSA_WAIT_FAILED` (more than `WSA_MAXIMUM_WAIT_EVENTS`:
   * `WSA_INVALID_PARAMETER`; a bad handle: `WSA_INVALID_HANDLE`). With
   * `fAlertable`, when no event is signalled it also ends by running the
   * completion routines queued for this thread: `WSA_WAIT_IO_COMPLETION`
   * (0xC0), as `SleepEx(…, TRUE)`; on winsock that wait holds the JS thread.
   * An overlapped operation's `hEvent` is one of these events.
   */
  WSAWaitForMultipleEvents(
    cEvents: number,
    lphEvents: readonly WSAEVENT[],
    fWaitAll: boolean,
    dwTimeout: number,
    fAlertable: boolean,
  ): Waited<Blocking, number> {
    return this.waited(WSA_WAIT_FAILED, () => {
      return waitForMultipleEvents(
        this.events(),
        cEvents,
        lphEvents,
        fWaitAll,
        dwTimeout,
        fAlertable,
      );
    });
  }
}
