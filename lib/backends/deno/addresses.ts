/**
 * The deno backend's addresses: Deno's `{ hostname, port }` as a
 * `sockaddr_in` or `sockaddr_in6` and back, shared by its TCP and UDP sockets.
 *
 * @module
 */

import { AF_INET, AF_INET6 } from "../../constants.ts";
import { WinsockError, WSAEAFNOSUPPORT } from "../../errors.ts";
import { inet_ntoa, inet_ntop, ntohs } from "../../helpers.ts";
import { numericAddress } from "../../names.ts";
import { type SOCKADDR, sockaddr_in, sockaddr_in6 } from "../../structs.ts";

/** A Deno address as a `sockaddr_in` or `sockaddr_in6`. */
export function toAddress(addr: Deno.NetAddr): SOCKADDR {
  return numericAddress(addr.hostname.replace(/^\[|\]$/g, "").split("%")[0], addr.port)!;
}

/** A `sockaddr` as Deno's hostname and port; `WSAEAFNOSUPPORT` if not of the socket's family. */
export function fromAddress(name: SOCKADDR, af: number): { hostname: string; port: number } {
  if (name instanceof sockaddr_in && af === AF_INET && name.sin_family === AF_INET) {
    return { hostname: inet_ntoa(name.sin_addr), port: ntohs(name.sin_port) };
  }
  if (name instanceof sockaddr_in6 && af === AF_INET6 && name.sin6_family === AF_INET6) {
    return {
      hostname: inet_ntop(AF_INET6, name.sin6_addr.s6_addr) as string,
      port: ntohs(name.sin6_port),
    };
  }
  throw new WinsockError(WSAEAFNOSUPPORT, "address family does not match the socket");
}

/**
 * Whether a peer's address is IPv4 seen through a dual-stack IPv6 socket
 * (`::ffff:a.b.c.d`): what `IPV6_V6ONLY` (on, Windows' default) keeps out.
 */
export function isMappedIPv4(addr: Deno.Addr): boolean {
  return /^::ffff:\d+\./i.test((addr as Deno.NetAddr).hostname);
}
