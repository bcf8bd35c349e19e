/**
 * The one place a backend is chosen.
 *
 * @module
 */

import type { BackendName } from "./backend.ts";
import { createDenoBackend } from "./backends/deno.ts";
import { createPosixBackend } from "./backends/posix.ts";
import { createWinsockBackend } from "./backends/winsock.ts";
import { Winsock } from "./winsock.ts";

/** What `--backend` accepts: a backend, or `auto` to let the platform decide. */
export type BackendChoice = BackendName | "auto";

/** The choices, for usage messages and flag checks. */
export const BACKEND_CHOICES: readonly BackendChoice[] = ["auto", "winsock", "posix", "deno"];

function ffiAllowed(): boolean {
  return Deno.permissions.querySync({ name: "ffi" }).state === "granted";
}

/**
 * Which backend `auto` means here: when FFI is allowed, winsock on Windows
 * and posix on Linux and macOS; deno otherwise.
 *
 * @example
 * ```ts
 * import { resolveBackend } from "./open.ts";
 * console.log(resolveBackend("deno")); // "deno"
 * ```
 */
export function resolveBackend(
  choice: BackendChoice = "auto",
  ffi: boolean = ffiAllowed(),
): BackendName {
  if (choice !== "auto") return choice;
  const os = Deno.build.os;
  if (os === "windows" && ffi) return "winsock";
  if ((os === "linux" || os === "darwin") && ffi) return "posix";
  return "deno";
}

/**
 * Opens the Winsock façade over the chosen backend. Throws a clear `Error`
 * when the backend cannot be loaded here (e.g. `winsock` off Windows).
 *
 * @example
 * ```ts
 * import { openWinsock } from "./open.ts";
 * const ws = openWinsock({ backend: "deno" });
 * console.log(ws.backend); // "deno"
 * ```
 */
export function openWinsock(options: { backend?: BackendChoice } = {}): Winsock {
  const name = resolveBackend(options.backend);
  switch (name) {
    case "winsock":
      return new Winsock(createWinsockBackend());
    case "posix":
      return new Winsock(createPosixBackend());
    case "deno":
      return new Winsock(createDenoBackend());
    default:
      throw new Error(`The ${name} backend is not available yet`);
  }
}
