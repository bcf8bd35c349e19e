/**
 * The asynchronous select model where there is no user32.dll: a window is a
 * handle and its procedure, the thread's message queue a list, with the
 * shape Windows gives them (`GetMessage` waits for a message and answers 0
 * for `WM_QUIT`, `PeekMessage` looks, `DispatchMessage` calls the window's
 * procedure). `WSAAsyncSelect` records a socket's network events with the
 * event select emulation's rules (`event_select.ts`), each one posted as its own
 * message: `wParam` the socket, `lParam` `WSAMAKESELECTREPLY(event, error)`.
 *
 * @module
 */

import type { AsyncSelectBackend, WNDPROC } from "../backends/contract.ts";
import { type HWND, WM_QUIT, WSAMAKESELECTREPLY } from "../constants.ts";
import { WinsockError, WSAEINVAL } from "../errors.ts";
import { MSG } from "../structs.ts";
import type { EmulatedEventSelect } from "./event_select.ts";

/**
 * Windows and a message queue, over the event select emulation.
 */
export class EmulatedAsyncSelect implements AsyncSelectBackend {
  #events: EmulatedEventSelect;
  #windows = new Map<HWND, WNDPROC>();
  #next = 0x2_0000n;
  #queue: MSG[] = [];
  #waiters = new Set<() => void>();
  #started = performance.now();

  /** Over the socket emulation that records the events. */
  constructor(events: EmulatedEventSelect) {
    this.#events = events;
  }

  #window(hWnd: HWND): WNDPROC {
    const proc = this.#windows.get(hWnd);
    if (!proc) throw new WinsockError(WSAEINVAL, `not a window: ${hWnd}`);
    return proc;
  }

  /** A window: a handle for `wndProc`. */
  createWindow(wndProc: WNDPROC): HWND {
    const hWnd = this.#next;
    this.#next += 0x10n;
    this.#windows.set(hWnd, wndProc);
    return hWnd;
  }

  /** `DestroyWindow`: its messages still queued go with it. */
  DestroyWindow(hWnd: HWND): void {
    this.#window(hWnd);
    this.#windows.delete(hWnd);
    this.#queue = this.#queue.filter((m) => m.hwnd !== hWnd);
  }

  /** `WSAAsyncSelect`: the window is not checked (as in Wine); messages for one gone are dropped. */
  WSAAsyncSelect(s: bigint, hWnd: HWND, wMsg: number, lEvent: number): void {
    const post = (socket: bigint, event: number, error: number) => {
      if (this.#windows.has(hWnd)) this.#post(hWnd, wMsg, socket, WSAMAKESELECTREPLY(event, error));
    };
    this.#events.select(s, lEvent === 0 ? null : { kind: "message", post }, lEvent);
  }

  #post(hwnd: HWND, message: number, wParam: bigint, lParam: bigint): void {
    const msg = new MSG();
    Object.assign(msg, { hwnd, message, wParam, lParam });
    msg.time = Math.floor(performance.now() - this.#started) >>> 0;
    this.#queue.push(msg);
    for (const wake of this.#waiters) wake();
  }

  /** `PeekMessage`. */
  PeekMessage(hWnd: HWND, min: number, max: number, remove: boolean): MSG | null {
    if (hWnd !== 0n) this.#window(hWnd);
    const i = this.#queue.findIndex((m) =>
      (hWnd === 0n || m.hwnd === hWnd || m.message === WM_QUIT) &&
      ((min === 0 && max === 0) || m.message === WM_QUIT ||
        (m.message >= min && m.message <= max))
    );
    if (i < 0) return null;
    const msg = this.#queue[i];
    if (remove) this.#queue.splice(i, 1);
    return msg;
  }

  /** `GetMessage`: at once when one is queued. */
  GetMessage(hWnd: HWND, min: number, max: number): MSG | Promise<MSG> {
    const now = this.PeekMessage(hWnd, min, max, true);
    if (now) return now;
    return new Promise((resolve, reject) => {
      const wake = () => {
        try {
          const msg = this.PeekMessage(hWnd, min, max, true);
          if (!msg) return;
          this.#waiters.delete(wake);
          resolve(msg);
        } catch (e) { // its window was destroyed
          this.#waiters.delete(wake);
          reject(e);
        }
      };
      this.#waiters.add(wake);
    });
  }

  /** `DispatchMessage`: the window procedure's answer (0 for a thread message). */
  DispatchMessage(msg: MSG): bigint | Promise<bigint> {
    const proc = this.#windows.get(msg.hwnd);
    return proc ? proc(msg.hwnd, msg.message, msg.wParam, msg.lParam) : 0n;
  }

  /** `PostMessage`. */
  PostMessage(hWnd: HWND, msg: number, wParam: bigint, lParam: bigint): void {
    if (hWnd !== 0n) this.#window(hWnd);
    this.#post(hWnd, msg, wParam, lParam);
  }

  /** `PostQuitMessage`. */
  PostQuitMessage(nExitCode: number): void {
    this.#post(0n, WM_QUIT, BigInt(nExitCode), 0n);
  }

  /** `DefWindowProc`: 0 (no message here needs more). */
  DefWindowProc(): bigint {
    return 0n;
  }
}
