/**
 * The asynchronous select model (`lib/async_select.ts`): `WSAAsyncSelect`, a window, its messages.
 *
 * @module
 */

import type { AsyncSelectBackend, WNDPROC } from "../backends/contract.ts";
import {
  asyncSelectFor,
  checkMessage,
  checkUint,
  checkWindow,
  copyMessage,
} from "../async_select.ts";
import { checkNetworkEvents } from "../events.ts";
import { type HWND, PM_REMOVE, type SOCKET, SOCKET_ERROR, WM_QUIT } from "../constants.ts";
import { isWinsockError, WinsockError, WSAEINVAL } from "../errors.ts";
import { MSG } from "../structs.ts";
import { checkSocket } from "./checks.ts";
import { WinsockEventSelect } from "./event_select.ts";
import type { Waited } from "./core.ts";

/**
 * The asynchronous select model (`lib/async_select.ts`): `WSAAsyncSelect`, a window, its messages.
 * One layer of `Winsock` (`lib/winsock.ts`), which is the class to use.
 */
export class WinsockAsyncSelect<Blocking extends boolean = false>
  extends WinsockEventSelect<Blocking> {
  #asyncApi?: AsyncSelectBackend;

  #async(): AsyncSelectBackend {
    const events = this.events(); // installs the socket emulation where there is one
    return this.#asyncApi ??= asyncSelectFor(this.socketBackend, events);
  }

  /** A window or message call: needs no `WSAStartup` (it is user32's). */
  #windowCall<T>(failed: T, call: (api: AsyncSelectBackend) => T): T {
    try {
      return call(this.#async());
    } catch (e) {
      this.fail(e);
      return failed;
    }
  }

  /**
   * The window `WSAAsyncSelect` posts to, as C makes it with
   * `RegisterClassEx` and `CreateWindowEx(…, HWND_MESSAGE, …)`: on Windows a
   * real message-only window, elsewhere a window of the emulated queue. Its
   * messages go to `lpfnWndProc` through `DispatchMessage`; messages it does
   * not handle go to `DefWindowProc`. 0n on failure.
   *
   * @example
   * ```ts
   * import { MSG, openWinsock, WM_USER } from "../../mod.ts";
   * const ws = openWinsock({ backend: "deno" });
   * const hWnd = ws.createMessageWindow((hWnd, uMsg, wParam, lParam) => {
   *   if (uMsg === WM_USER) console.log("got", wParam); // got 7n
   *   return uMsg === WM_USER ? 0n : ws.DefWindowProc(hWnd, uMsg, wParam, lParam);
   * });
   * ws.PostMessage(hWnd, WM_USER, 7n, 0n);
   * const msg = new MSG();
   * if (await ws.GetMessage(msg, null, 0, 0) > 0) await ws.DispatchMessage(msg);
   * ws.DestroyWindow(hWnd);
   * ```
   */
  createMessageWindow(lpfnWndProc: WNDPROC): HWND {
    return this.#windowCall(0n, (api) => {
      if (typeof lpfnWndProc !== "function") throw new WinsockError(WSAEINVAL, "not a WNDPROC");
      return api.createWindow(lpfnWndProc);
    });
  }

  /** `BOOL DestroyWindow(HWND hWnd)`. */
  DestroyWindow(hWnd: HWND): boolean {
    return this.#windowCall(false, (api) => (api.DestroyWindow(checkWindow(hWnd, false)), true));
  }

  /**
   * `int WSAAsyncSelect(SOCKET s, HWND hWnd, u_int wMsg, long lEvent)`: posts
   * `wMsg` to `hWnd` for each `FD_*` event of `lEvent` on `s` (`wParam`: the
   * socket; `lParam`: `WSAMAKESELECTREPLY(event, error)`), each recorded
   * once until the call that re-enables it, as `WSAEventSelect` records them;
   * `lEvent` 0 cancels. The socket becomes non-blocking. 0 or `SOCKET_ERROR`.
   */
  WSAAsyncSelect(s: SOCKET, hWnd: HWND, wMsg: number, lEvent: number): number {
    return this.call(SOCKET_ERROR, () => {
      this.#async().WSAAsyncSelect(
        checkSocket(s),
        checkWindow(hWnd, false),
        checkUint(wMsg, "wMsg"),
        checkNetworkEvents(lEvent),
      );
      return 0;
    });
  }

  /**
   * `BOOL GetMessage(LPMSG lpMsg, HWND hWnd, UINT wMsgFilterMin, UINT
   * wMsgFilterMax)`: resolves when a message for `hWnd` (null: any) in the
   * range (0, 0: all) is there, with 1 and the message in `lpMsg`; 0 for
   * `WM_QUIT`; -1 on failure.
   */
  GetMessage(
    lpMsg: MSG,
    hWnd: HWND | null,
    wMsgFilterMin: number,
    wMsgFilterMax: number,
  ): Waited<Blocking, number> {
    const failed = (e: unknown): Waited<Blocking, number> => {
      if (this.blocking || !isWinsockError(e)) {
        this.fail(e);
        return -1 as Waited<Blocking, number>;
      }
      return this.deliver(e.code, -1) as Waited<Blocking, number>; // per task, as `waited`
    };
    try {
      checkMessage(lpMsg);
      const got = this.#async().GetMessage(
        checkWindow(hWnd, true),
        checkUint(wMsgFilterMin, "wMsgFilterMin"),
        checkUint(wMsgFilterMax, "wMsgFilterMax"),
      );
      const done = (msg: MSG) => {
        copyMessage(msg, lpMsg);
        return msg.message === WM_QUIT ? 0 : 1;
      };
      if (!(got instanceof Promise)) {
        const n = done(got);
        return (this.blocking ? n : Promise.resolve(n)) as Waited<Blocking, number>;
      }
      if (this.blocking) throw new Error("a blocking backend returned a Promise");
      return got.then(done, (e) => failed(e)) as Waited<Blocking, number>;
    } catch (e) {
      return failed(e);
    }
  }

  /**
   * `BOOL PeekMessage(LPMSG lpMsg, HWND hWnd, UINT wMsgFilterMin, UINT
   * wMsgFilterMax, UINT wRemoveMsg)`: true with the message in `lpMsg`
   * (taken out of the queue with `PM_REMOVE`), false when there is none.
   */
  PeekMessage(
    lpMsg: MSG,
    hWnd: HWND | null,
    wMsgFilterMin: number,
    wMsgFilterMax: number,
    wRemoveMsg: number,
  ): boolean {
    return this.#windowCall(false, (api) => {
      checkMessage(lpMsg);
      const msg = api.PeekMessage(
        checkWindow(hWnd, true),
        checkUint(wMsgFilterMin, "wMsgFilterMin"),
        checkUint(wMsgFilterMax, "wMsgFilterMax"),
        (wRemoveMsg & PM_REMOVE) !== 0,
      );
      if (msg) copyMessage(msg, lpMsg);
      return msg !== null;
    });
  }

  /** `BOOL TranslateMessage(const MSG *lpMsg)`: false, as for every message but a key's. */
  TranslateMessage(lpMsg: MSG): boolean {
    return this.#windowCall(false, () => (checkMessage(lpMsg), false));
  }

  /**
   * `LRESULT DispatchMessage(const MSG *lpMsg)`: calls the window procedure
   * of `lpMsg.hwnd` and returns its answer; a Promise if the procedure
   * returned one (await it before the next message, as one window procedure
   * runs at a time in C).
   */
  DispatchMessage(lpMsg: MSG): bigint | Promise<bigint> {
    return this.#windowCall<bigint | Promise<bigint>>(
      0n,
      (api) => api.DispatchMessage(checkMessage(lpMsg)),
    );
  }

  /** `BOOL PostMessage(HWND hWnd, UINT Msg, WPARAM wParam, LPARAM lParam)`. */
  PostMessage(hWnd: HWND | null, Msg: number, wParam: bigint, lParam: bigint): boolean {
    return this.#windowCall(false, (api) => {
      api.PostMessage(
        checkWindow(hWnd, true),
        checkUint(Msg, "Msg"),
        BigInt(wParam),
        BigInt(lParam),
      );
      return true;
    });
  }

  /** `void PostQuitMessage(int nExitCode)`: `GetMessage` answers 0 when it takes it. */
  PostQuitMessage(nExitCode: number): void {
    this.#windowCall(undefined, (api) => api.PostQuitMessage(nExitCode | 0));
  }

  /** `LRESULT DefWindowProc(HWND hWnd, UINT Msg, WPARAM wParam, LPARAM lParam)`. */
  DefWindowProc(hWnd: HWND, Msg: number, wParam: bigint, lParam: bigint): bigint {
    return this.#windowCall(0n, (api) => api.DefWindowProc(hWnd, Msg, wParam, lParam));
  }
}
