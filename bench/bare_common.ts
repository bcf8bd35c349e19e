/**
 * What the `bare-*` contenders (`bare.ts`, `bare_epoll.ts`) share: the clock, the CPU counter and
 * the server's loopback address as libc takes it.
 *
 * @module
 */

import type { PosixAbi } from "../lib/backends/posix/abi.ts";
import { AF_INET, htons, inet_addr, sockaddr_in } from "../mod.ts";
import { encodeSockaddr } from "../lib/structs.ts";
import process from "node:process";

/** Seconds, from `performance.now()`. */
export const now = (): number => performance.now() / 1000;

/** CPU seconds this process has used (user + system, every thread). */
export function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** `127.0.0.1:port` as a `struct sockaddr_in` in `abi`'s layout. */
export function loopback(port: number, abi: PosixAbi): Uint8Array {
  const si = new sockaddr_in();
  si.sin_family = AF_INET;
  si.sin_port = htons(port);
  si.sin_addr.S_un.S_addr = inet_addr("127.0.0.1");
  return encodeSockaddr(si, abi.sockaddr);
}
