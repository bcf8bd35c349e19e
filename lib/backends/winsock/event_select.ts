/**
 * The event select model on real Winsock: `WSACreateEvent`,
 * `WSAEventSelect`, `WSAEnumNetworkEvents` and `WSAWaitForMultipleEvents`
 * straight through to ws2_32, each on the JS thread, except a wait that has
 * to wait: on the default path it runs on a worker thread (its error code is
 * then read again on the JS thread by a zero-timeout wait), unless it is
 * alertable: that one holds the JS thread, whose completion routines it runs.
 *
 * `WSAEventSelect` makes the socket non-blocking, and a socket accepted from
 * it inherits that: the backend's calls on such sockets return
 * `WSAEWOULDBLOCK` instead of waiting (the `nonBlocking` set it shares).
 *
 * @module
 */

import type { EventSelectBackend } from "../contract.ts";
import {
  type SOCKET,
  SOCKET_ERROR,
  WSA_INFINITE,
  WSA_WAIT_FAILED,
  WSA_WAIT_TIMEOUT,
} from "../../constants.ts";
import { WinsockError } from "../../errors.ts";
import { decodeWSANETWORKEVENTS, WSANETWORKEVENTS_LAYOUT } from "./layouts.ts";
import type { Ws2_32 } from "../../../ffi/ws2_32.ts";

/**
 * The native event select calls over an opened ws2_32; `nonBlocking`
 * collects the sockets `WSAEventSelect` made non-blocking.
 *
 * @example
 * ```ts ignore
 * const events = createNativeEventSelect(openWs2_32(), new Set(), false);
 * const h = events.WSACreateEvent();
 * ```
 */
export function createNativeEventSelect(
  ws: Ws2_32,
  nonBlocking: Set<SOCKET>,
  blocking: boolean,
): EventSelectBackend {
  function fail(what: string): never {
    throw new WinsockError(ws.WSAGetLastError(), what);
  }
  function ok(rc: number, what: string): void {
    if (rc === 0) fail(what); // a BOOL
  }
  return {
    WSACreateEvent() {
      const h = BigInt(ws.WSACreateEvent());
      if (h === 0n) fail("WSACreateEvent");
      return h;
    },
    WSACloseEvent: (h) => ok(ws.WSACloseEvent(h), "WSACloseEvent"),
    WSASetEvent: (h) => ok(ws.WSASetEvent(h), "WSASetEvent"),
    WSAResetEvent: (h) => ok(ws.WSAResetEvent(h), "WSAResetEvent"),
    WSAEventSelect(s, h, lNetworkEvents) {
      if (ws.WSAEventSelect(s, h, lNetworkEvents) === SOCKET_ERROR) fail("WSAEventSelect");
      nonBlocking.add(s);
    },
    WSAEnumNetworkEvents(s, h) {
      const bytes = new Uint8Array(WSANETWORKEVENTS_LAYOUT.size);
      if (ws.WSAEnumNetworkEvents(s, h, bytes) === SOCKET_ERROR) fail("WSAEnumNetworkEvents");
      return decodeWSANETWORKEVENTS(bytes);
    },
    WSAWaitForMultipleEvents(events, waitAll, timeoutMs, alertable) {
      const handles = new BigUint64Array(events);
      const all = waitAll ? 1 : 0, alert = alertable ? 1 : 0;
      const now = (ms: number) => {
        const rc = ws.WSAWaitForMultipleEvents(handles.length, handles, all, ms, alert);
        if (rc === WSA_WAIT_FAILED) fail("WSAWaitForMultipleEvents");
        return rc;
      };
      const ms = timeoutMs ?? WSA_INFINITE;
      // Alertable: on the JS thread, whose completion routines it must run (as SleepEx does).
      if (blocking || ms === 0 || alertable) return now(ms);
      // Already signalled: no thread, no Promise.
      const first = now(0);
      if (first !== WSA_WAIT_TIMEOUT) return first;
      return ws.WSAWaitForMultipleEvents_wait(handles.length, handles, all, ms, alert)
        .then((rc) => rc === WSA_WAIT_FAILED ? now(0) : rc);
    },
  };
}
