/**
 * The raw binding of `user32.dll` the asynchronous select model needs: a
 * message-only window (its class, its creation), its message queue, C names
 * and C signatures (64-bit Windows). A `HWND`, `HINSTANCE` or pointer is a
 * `usize`; nothing here checks a handle.
 *
 * @module
 */

/** The symbols of `user32.dll` the façade uses. */
export const USER32_SYMBOLS = {
  /** ATOM RegisterClassExW(const WNDCLASSEXW *unnamedParam1); */
  RegisterClassExW: { parameters: ["buffer"], result: "u16" },
  /**
   * HWND CreateWindowExW(DWORD dwExStyle, LPCWSTR lpClassName, LPCWSTR lpWindowName,
   *                      DWORD dwStyle, int X, int Y, int nWidth, int nHeight, HWND hWndParent,
   *                      HMENU hMenu, HINSTANCE hInstance, LPVOID lpParam);
   */
  CreateWindowExW: {
    parameters: [
      "u32",
      "buffer",
      "buffer",
      "u32",
      "i32",
      "i32",
      "i32",
      "i32",
      "usize",
      "usize",
      "usize",
      "usize",
    ],
    result: "usize",
  },
  /** BOOL DestroyWindow(HWND hWnd); */
  DestroyWindow: { parameters: ["usize"], result: "i32" },
  /** LRESULT DefWindowProcW(HWND hWnd, UINT Msg, WPARAM wParam, LPARAM lParam); */
  DefWindowProcW: { parameters: ["usize", "u32", "usize", "isize"], result: "isize" },
  /** BOOL GetMessageW(LPMSG lpMsg, HWND hWnd, UINT wMsgFilterMin, UINT wMsgFilterMax); */
  GetMessageW: { parameters: ["buffer", "usize", "u32", "u32"], result: "i32" },
  /**
   * BOOL PeekMessageW(LPMSG lpMsg, HWND hWnd, UINT wMsgFilterMin, UINT wMsgFilterMax,
   *                   UINT wRemoveMsg);
   */
  PeekMessageW: { parameters: ["buffer", "usize", "u32", "u32", "u32"], result: "i32" },
  /** BOOL TranslateMessage(const MSG *lpMsg); */
  TranslateMessage: { parameters: ["buffer"], result: "i32" },
  /** LRESULT DispatchMessageW(const MSG *lpMsg); */
  DispatchMessageW: { parameters: ["buffer"], result: "isize" },
  /** BOOL PostMessageW(HWND hWnd, UINT Msg, WPARAM wParam, LPARAM lParam); */
  PostMessageW: { parameters: ["usize", "u32", "usize", "isize"], result: "i32" },
  /** void PostQuitMessage(int nExitCode); */
  PostQuitMessage: { parameters: ["i32"], result: "void" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The opened library. */
export type User32 = Deno.DynamicLibrary<typeof USER32_SYMBOLS>["symbols"];

/** Opens `user32.dll`; a failure becomes one clear `Error` whose `cause` is Deno's. */
export function openUser32(): User32 {
  try {
    return Deno.dlopen("user32.dll", USER32_SYMBOLS).symbols;
  } catch (cause) {
    throw new Error("Cannot load user32.dll (the asynchronous select model's window)", { cause });
  }
}
