/**
 * The one place a backend is chosen.
 *
 * @module
 */

import type { BackendName } from "./backend.ts";
import { createDenoBackend } from "./backends/deno.ts";
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
 * Which backend `auto` means here: winsock on Windows when FFI is allowed,
 * else deno.
 *
 * @example
 * ```ts
 * import { resolveBackend } from "./open.ts";
 * console.log(resolveBackend("deno")); // "deno"
 * ```
 */
export function resolveBackend(choice: BackendChoice = "auto"): BackendName {
  if (choice !== "auto") return choice;
  if (Deno.build.os === "windows" && ffiAllowed()) return "winsock";
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
    case "deno":
      return new Winsock(createDenoBackend());
    default:
      throw new Error(`The ${name} backend is not available yet`);
  }
}
