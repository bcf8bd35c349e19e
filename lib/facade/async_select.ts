/**
 * The asynchronous select model: `WSAAsyncSelect`, a window, its messages,
 * with the checks made before the model (user32's real message-only window on
 * winsock, the emulated queue in `emulated/async_select.ts` elsewhere) sees a call.
 *
 * @module
 */

import type { AsyncSelectBackend, WNDPROC } from "../backends/contract.ts";
import { type HWND, PM_REMOVE, type SOCKET, SOCKET_ERROR, WM_QUIT } from "../constants.ts";
import { isWinsockError, WinsockError, WSAEFAULT, WSAEINVAL } from "../errors.ts";
import { MSG } from "../structs.ts";
import { checkSocket, notOffered } from "./checks.ts";
import { checkNetworkEvents } from "./event_select.ts";
import type { Core, Waited } from "./core.ts";

/** The asynchronous select calls of one `Winsock` (`lib/winsock.ts`). */
export class AsyncSelect<Blocking extends boolean = false> {
  #core: Core<Blocking>;
  #model: AsyncSelectBackend | undefined;

  /** Over the asynchronous select model `model` (the backend's own, or its emulation). */
  constructor(core: Core<Blocking>, model: AsyncSelectBackend | undefined) {
    this.#core = core;
    this.#model = model;
  }

  get #api(): AsyncSelectBackend {
    return this.#model ?? notOffered("the asynchronous select model");
  }

  /** A window or message call: needs no `WSAStartup` (it is user32's). */
  #windowCall<T>(failed: T, call: (api: AsyncSelectBackend) => T): T {
    return this.#core.callUnstarted(failed, () => call(this.#api));
  }

  createMessageWindow(lpfnWndProc: WNDPROC): HWND {
    return this.#windowCall(0n, (api) => {
      if (typeof lpfnWndProc !== "function") throw new WinsockError(WSAEINVAL, "not a WNDPROC");
      return api.createWindow(lpfnWndProc);
    });
  }

  DestroyWindow(hWnd: HWND): boolean {
    return this.#windowCall(false, (api) => (api.DestroyWindow(checkWindow(hWnd, false)), true));
  }

  WSAAsyncSelect(s: SOCKET, hWnd: HWND, wMsg: number, lEvent: number): number {
    return this.#core.call(SOCKET_ERROR, () => {
      this.#api.WSAAsyncSelect(
        checkSocket(s),
        checkWindow(hWnd, false),
        checkUint(wMsg, "wMsg"),
        checkNetworkEvents(lEvent),
      );
      return 0;
    });
  }

  GetMessage(
    lpMsg: MSG,
    hWnd: HWND | null,
    wMsgFilterMin: number,
    wMsgFilterMax: number,
  ): Waited<Blocking, number> {
    const failed = (e: unknown): Waited<Blocking, number> => {
      if (this.#core.blocking || !isWinsockError(e)) {
        this.#core.fail(e);
        return -1 as Waited<Blocking, number>;
      }
      return this.#core.deliver(e.code, -1) as Waited<Blocking, number>; // per task, as `waited`
    };
    try {
      checkMessage(lpMsg);
      const got = this.#api.GetMessage(
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
        return (this.#core.blocking ? n : Promise.resolve(n)) as Waited<Blocking, number>;
      }
      if (this.#core.blocking) throw new Error("a blocking backend returned a Promise");
      return got.then(done, (e) => failed(e)) as Waited<Blocking, number>;
    } catch (e) {
      return failed(e);
    }
  }

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

  TranslateMessage(lpMsg: MSG): boolean {
    return this.#windowCall(false, () => (checkMessage(lpMsg), false));
  }

  DispatchMessage(lpMsg: MSG): bigint | Promise<bigint> {
    return this.#windowCall<bigint | Promise<bigint>>(
      0n,
      (api) => api.DispatchMessage(checkMessage(lpMsg)),
    );
  }

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

  PostQuitMessage(nExitCode: number): void {
    this.#windowCall(undefined, (api) => api.PostQuitMessage(nExitCode | 0));
  }

  DefWindowProc(hWnd: HWND, Msg: number, wParam: bigint, lParam: bigint): bigint {
    return this.#windowCall(0n, (api) => api.DefWindowProc(hWnd, Msg, wParam, lParam));
  }
}

/** A window handle handed in (0n where C allows NULL, if `nullable`). */
function checkWindow(hWnd: HWND | null, nullable: boolean): HWND {
  if (hWnd === null && nullable) return 0n;
  if (typeof hWnd !== "bigint" || hWnd < 0n || hWnd >= 2n ** 64n || (hWnd === 0n && !nullable)) {
    throw new WinsockError(WSAEINVAL, `not a window: ${String(hWnd)}`);
  }
  return hWnd;
}

/** A message number or filter bound: a `UINT`. */
function checkUint(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new WinsockError(WSAEINVAL, `${what} ${String(value)} is not a UINT`);
  }
  return value;
}

/** Copies a message into the caller's `MSG`, after checking it is one. */
function copyMessage(from: MSG, to: MSG): void {
  if (!(to instanceof MSG)) throw new WinsockError(WSAEFAULT, "lpMsg is not a MSG");
  Object.assign(to, from, { pt: { ...from.pt } });
}

/** The caller's `MSG`, checked. */
function checkMessage(msg: MSG): MSG {
  if (!(msg instanceof MSG)) throw new WinsockError(WSAEFAULT, "lpMsg is not a MSG");
  return msg;
}
