/**
 * The asynchronous select model on real Windows: a real message-only window
 * (`CreateWindowExW` with parent `HWND_MESSAGE`, so no display is needed),
 * its window procedure a `Deno.UnsafeCallback` that `DispatchMessageW`
 * calls on the JS thread, and `WSAAsyncSelect` straight through to ws2_32.
 *
 * A thread's message queue can only be read by that thread, so on the
 * default path `GetMessage` does not block the JS thread in `GetMessageW`:
 * it looks with `PeekMessageW` and, while the queue is empty, looks again
 * after a short timer (1 ms, doubling to 16 ms), so timers and other tasks
 * run meanwhile. On the raw synchronous path it is `GetMessageW` itself.
 *
 * @module
 */

import type { AsyncSelectBackend, WNDPROC } from "../contract.ts";
import { HWND_MESSAGE, PM_REMOVE, type SOCKET, SOCKET_ERROR } from "../../constants.ts";
import { WinsockError, WSAEINVAL, WSASYSCALLFAILURE } from "../../errors.ts";
import { decodeMSG, encodeMSG, MSG_LAYOUT_WIN64 } from "./layouts.ts";
import { openUser32, type User32 } from "../../../ffi/user32.ts";
import type { Ws2_32 } from "../../../ffi/ws2_32.ts";

/** `WNDCLASSEXW` on 64-bit Windows: the fields set here. */
const WNDCLASSEXW = { size: 80, cbSize: 0, lpfnWndProc: 8, hInstance: 24, lpszClassName: 64 };

/** A NUL-terminated UTF-16 string. */
function wide(text: string): Uint16Array {
  return Uint16Array.from([...text].map((c) => c.charCodeAt(0)).concat(0));
}

/** One window class per process, one callback for every window of it. */
let windowClass: { user32: User32; name: Uint16Array; procs: Map<bigint, WNDPROC> } | null = null;
/** What the window procedure returned as a Promise during the current `DispatchMessageW`. */
let dispatched: Promise<bigint> | null = null;

function registerClass(): NonNullable<typeof windowClass> {
  if (windowClass) return windowClass;
  const user32 = openUser32();
  const procs = new Map<bigint, WNDPROC>();
  const callback = new Deno.UnsafeCallback(
    { parameters: ["usize", "u32", "usize", "isize"], result: "isize" } as const,
    (hwnd, msg, wParam, lParam) => {
      const proc = procs.get(BigInt(hwnd));
      if (!proc) return user32.DefWindowProcW(hwnd, msg, wParam, lParam); // WM_NCCREATE, …
      const result = proc(BigInt(hwnd), msg, BigInt(wParam), BigInt(lParam));
      if (result instanceof Promise) {
        dispatched = result;
        return 0n;
      }
      return result;
    },
  );
  callback.unref(); // a window left open does not keep the program alive
  const name = wide(`winsock-ts-${Deno.pid}`);
  const cls = new Uint8Array(WNDCLASSEXW.size);
  const view = new DataView(cls.buffer);
  view.setUint32(WNDCLASSEXW.cbSize, WNDCLASSEXW.size, true);
  view.setBigUint64(WNDCLASSEXW.lpfnWndProc, Deno.UnsafePointer.value(callback.pointer), true);
  view.setBigUint64(
    WNDCLASSEXW.lpszClassName,
    Deno.UnsafePointer.value(Deno.UnsafePointer.of(name)),
    true,
  );
  if (user32.RegisterClassExW(cls) === 0) {
    throw new WinsockError(WSASYSCALLFAILURE, "RegisterClassExW");
  }
  return windowClass = { user32, name, procs };
}

/**
 * The native asynchronous select calls over an opened ws2_32; `nonBlocking`
 * collects the sockets `WSAAsyncSelect` made non-blocking.
 *
 * @example
 * ```ts ignore
 * const calls = createNativeAsyncSelect(openWs2_32(), new Set(), false);
 * const hWnd = calls.createWindow(() => 0n);
 * ```
 */
export function createNativeAsyncSelect(
  ws: Ws2_32,
  nonBlocking: Set<SOCKET>,
  blocking: boolean,
): AsyncSelectBackend {
  const user32 = () => registerClass().user32;
  const peek = (hWnd: bigint, min: number, max: number, remove: boolean) => {
    const bytes = new Uint8Array(MSG_LAYOUT_WIN64.size);
    const got = user32().PeekMessageW(bytes, hWnd, min, max, remove ? PM_REMOVE : 0);
    return got ? decodeMSG(bytes) : null;
  };
  return {
    createWindow(wndProc) {
      const { user32, name, procs } = registerClass();
      const hwnd = BigInt(
        user32.CreateWindowExW(
          0,
          name,
          wide("winsock-ts"),
          0,
          0,
          0,
          0,
          0,
          HWND_MESSAGE,
          0n,
          0n,
          0n,
        ),
      );
      if (hwnd === 0n) throw new WinsockError(WSASYSCALLFAILURE, "CreateWindowExW(HWND_MESSAGE)");
      procs.set(hwnd, wndProc);
      return hwnd;
    },
    DestroyWindow(hWnd) {
      if (!user32().DestroyWindow(hWnd)) throw new WinsockError(WSAEINVAL, "DestroyWindow");
      registerClass().procs.delete(hWnd);
    },
    WSAAsyncSelect(s, hWnd, wMsg, lEvent) {
      if (ws.WSAAsyncSelect(s, hWnd, wMsg, lEvent) === SOCKET_ERROR) {
        throw new WinsockError(ws.WSAGetLastError(), "WSAAsyncSelect");
      }
      nonBlocking.add(s);
    },
    PeekMessage: peek,
    GetMessage(hWnd, min, max) {
      if (blocking) {
        const bytes = new Uint8Array(MSG_LAYOUT_WIN64.size);
        if (user32().GetMessageW(bytes, hWnd, min, max) === -1) {
          throw new WinsockError(WSAEINVAL, "GetMessageW");
        }
        return decodeMSG(bytes);
      }
      const now = peek(hWnd, min, max, true);
      if (now) return now;
      return (async () => {
        for (let ms = 1;; ms = Math.min(ms * 2, 16)) {
          await new Promise((resolve) => setTimeout(resolve, ms));
          const msg = peek(hWnd, min, max, true);
          if (msg) return msg;
        }
      })();
    },
    DispatchMessage(msg) {
      dispatched = null;
      const result = BigInt(user32().DispatchMessageW(encodeMSG(msg)));
      const promise = dispatched;
      dispatched = null;
      return promise ?? result;
    },
    PostMessage(hWnd, msg, wParam, lParam) {
      if (!user32().PostMessageW(hWnd, msg, wParam, lParam)) {
        throw new WinsockError(WSAEINVAL, "PostMessageW");
      }
    },
    PostQuitMessage: (nExitCode) => user32().PostQuitMessage(nExitCode),
    DefWindowProc: (hWnd, msg, wParam, lParam) =>
      BigInt(user32().DefWindowProcW(hWnd, msg, wParam, lParam)),
  };
}
