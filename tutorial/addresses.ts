/**
 * `--host` and `--port` as the address a program binds or connects to:
 * IPv4 text filled in as the tutorial does, IPv6 text directly, a host name
 * through `getaddrinfo`.
 *
 * @module
 */

import {
  ADDRINFOA,
  type AddrinfoRef,
  AF_INET6,
  AF_UNSPEC,
  inet_pton,
  numericAddress,
  type SOCKADDR,
  sockaddr_in6,
  WSAHOST_NOT_FOUND,
} from "../mod.ts";

/** The subset of the façade `resolveHost` uses (blocking or not). */
interface Resolver {
  getaddrinfo(
    node: string | null,
    service: string | null,
    hints: ADDRINFOA | null,
    ppResult: AddrinfoRef,
  ): number | Promise<number>;
}

/**
 * An IPv6 address from IPv6 text (no brackets), port in host order.
 *
 * @example
 * ```ts
 * import { ipv6Address } from "./addresses.ts";
 * console.log(ipv6Address("::1", 12345).sin6_family); // 23
 * ```
 */
export function ipv6Address(text: string, port: number): sockaddr_in6 {
  const a = numericAddress(text, port);
  if (!(a instanceof sockaddr_in6)) throw new TypeError(`not IPv6 text: ${text}`);
  return a;
}

/**
 * A host name's first address, through `getaddrinfo` (`AF_UNSPEC`, the
 * given socket type): the address, or the WSA code it failed with.
 */
export async function resolveHost(
  ws: Resolver,
  host: string,
  port: number,
  socktype: number,
): Promise<SOCKADDR | number> {
  const hints = new ADDRINFOA();
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = socktype;
  const result: AddrinfoRef = { value: null };
  const rc = await ws.getaddrinfo(host, String(port), hints, result);
  if (rc !== 0) return rc;
  return result.value?.ai_addr ?? WSAHOST_NOT_FOUND;
}

/**
 * `--host` text that is not IPv4 as an address: an IPv6 literal directly,
 * a name through `getaddrinfo`; or the WSA code the lookup failed with.
 * (IPv4 text the programs fill in as the tutorial does, with `inet_addr`.)
 */
export function hostAddress(
  ws: Resolver,
  host: string,
  port: number,
  socktype: number,
): Promise<SOCKADDR | number> {
  if (inet_pton(AF_INET6, host, new Uint8Array(16)) === 1) {
    return Promise.resolve(ipv6Address(host, port));
  }
  return resolveHost(ws, host, port, socktype);
}

/**
 * `--host` and `--port` as the address a program binds or connects to:
 * IPv4 text filled in as the tutorial does (`sin_family`, `htons`,
 * `inet_addr`), IPv6 text as a `sockaddr_in6`, a name through
 * `getaddrinfo`; or the WSA code the lookup failed with.
 *
 * @example
 * ```ts
 * import { formatAddress, MAKEWORD, openWinsock, SOCK_STREAM, WSADATA } from "@winsock/tutorial";
 * import { programAddress } from "./addresses.ts";
 * const ws = openWinsock({ backend: "deno" });
 * ws.WSAStartup(MAKEWORD(2, 2), new WSADATA());
 * const addr = await programAddress(ws, "::1", 12345, SOCK_STREAM);
 * console.log(typeof addr === "number" ? addr : formatAddress(addr)); // "[::1]:12345"
 * ws.WSACleanup();
 * ```
 */
export function programAddress(
  ws: Resolver,
  host: string,
  port: number,
  socktype: number,
): Promise<SOCKADDR | number> {
  const numeric = numericAddress(host, port);
  return numeric ? Promise.resolve(numeric) : resolveHost(ws, host, port, socktype);
}
