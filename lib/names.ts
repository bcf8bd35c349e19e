/**
 * Names: `getaddrinfo`, `freeaddrinfo`, `getnameinfo`, `gethostname` (the
 * `Winsock` class delegates here) with their `AI_*`, `NI_*` and `EAI_*`
 * values from `ws2tcpip.h` (`EAI_*` are WSA codes on Windows: `EAI_NONAME`
 * is 11001 `WSAHOST_NOT_FOUND`), and addresses as text (`hostText`,
 * `numericAddress`, `formatAddress`).
 *
 * @module
 */

import type { Awaitable, SocketBackend } from "./backends/contract.ts";
import { AF_INET, AF_INET6, INADDR_NONE } from "./constants.ts";
import {
  WinsockError,
  WSAEAFNOSUPPORT,
  WSAEFAULT,
  WSAEINVAL,
  WSAENOBUFS,
  WSAESOCKTNOSUPPORT,
  WSAHOST_NOT_FOUND,
  WSANO_DATA,
  WSANO_RECOVERY,
  WSATRY_AGAIN,
  WSATYPE_NOT_FOUND,
} from "./errors.ts";
import { htons, inet_addr, inet_ntoa, inet_ntop, inet_pton, ntohs } from "./helpers.ts";
import { ADDRINFOA, type SOCKADDR, sockaddr_in, sockaddr_in6 } from "./structs.ts";

/** `AI_PASSIVE`: for `bind`: a NULL node gives the wildcard address. */
export const AI_PASSIVE = 0x01;
/** `AI_CANONNAME`: the first answer carries the canonical name. */
export const AI_CANONNAME = 0x02;
/** `AI_NUMERICHOST`: the node must be a numeric address (no lookup). */
export const AI_NUMERICHOST = 0x04;
/** `AI_NUMERICSERV`: the service must be a port number. */
export const AI_NUMERICSERV = 0x08;
/** `AI_ALL`: with `AI_V4MAPPED`, IPv6 and mapped IPv4 answers. */
export const AI_ALL = 0x0100;
/** `AI_ADDRCONFIG`: only families the machine has an address of. */
export const AI_ADDRCONFIG = 0x0400;
/** `AI_V4MAPPED`: IPv4 answers as `::ffff:a.b.c.d` when IPv6 was asked for. */
export const AI_V4MAPPED = 0x0800;

/** `NI_NOFQDN`: local hosts by their short name. */
export const NI_NOFQDN = 0x01;
/** `NI_NUMERICHOST`: the address as text, no lookup. */
export const NI_NUMERICHOST = 0x02;
/** `NI_NAMEREQD`: fail (`WSAHOST_NOT_FOUND`) rather than give a numeric host. */
export const NI_NAMEREQD = 0x04;
/** `NI_NUMERICSERV`: the port as a number. */
export const NI_NUMERICSERV = 0x08;
/** `NI_DGRAM`: the service is a UDP one. */
export const NI_DGRAM = 0x10;
/** `NI_MAXHOST`: room for any host name `getnameinfo` writes. */
export const NI_MAXHOST = 1025;
/** `NI_MAXSERV`: room for any service name. */
export const NI_MAXSERV = 32;

/** `EAI_AGAIN` = `WSATRY_AGAIN` (11002): try again later. */
export const EAI_AGAIN: number = WSATRY_AGAIN;
/** `EAI_BADFLAGS` = `WSAEINVAL` (10022). */
export const EAI_BADFLAGS: number = WSAEINVAL;
/** `EAI_FAIL` = `WSANO_RECOVERY` (11003). */
export const EAI_FAIL: number = WSANO_RECOVERY;
/** `EAI_FAMILY` = `WSAEAFNOSUPPORT` (10047). */
export const EAI_FAMILY: number = WSAEAFNOSUPPORT;
/** `EAI_MEMORY`: `WSA_NOT_ENOUGH_MEMORY` on Windows (8); the backends here report `WSAENOBUFS`. */
export const EAI_MEMORY: number = WSAENOBUFS;
/** `EAI_NONAME` = `WSAHOST_NOT_FOUND` (11001): no such host. */
export const EAI_NONAME: number = WSAHOST_NOT_FOUND;
/** `EAI_NODATA` = `WSANO_DATA` (11004): the name has no address of the kind asked for. */
export const EAI_NODATA: number = WSANO_DATA;
/** `EAI_SERVICE` = `WSATYPE_NOT_FOUND` (10109). */
export const EAI_SERVICE: number = WSATYPE_NOT_FOUND;
/** `EAI_SOCKTYPE` = `WSAESOCKTNOSUPPORT` (10044). */
export const EAI_SOCKTYPE: number = WSAESOCKTNOSUPPORT;

/** `getaddrinfo`'s `PADDRINFOA *ppResult`: where the first answer goes. */
export interface AddrinfoRef {
  /** The first answer (null until `getaddrinfo` succeeds). */
  value: ADDRINFOA | null;
}

function optionalText(text: unknown, what: string): string | null {
  if (text === null || text === undefined) return null;
  if (typeof text !== "string") throw new WinsockError(WSAEINVAL, `${what} is not a string`);
  return text;
}

/** `getaddrinfo` after the checks C cannot make: the answer goes to `ppResult`. */
export function callGetaddrinfo(
  backend: SocketBackend,
  pNodeName: string | null,
  pServiceName: string | null,
  pHints: ADDRINFOA | null,
  ppResult: AddrinfoRef,
): Awaitable<void> {
  if (!ppResult || typeof ppResult !== "object") {
    throw new WinsockError(WSAEFAULT, "getaddrinfo: ppResult");
  }
  if (pHints !== null && pHints !== undefined && !(pHints instanceof ADDRINFOA)) {
    throw new WinsockError(WSAEFAULT, "getaddrinfo: pHints is not an ADDRINFOA");
  }
  ppResult.value = null;
  const node = optionalText(pNodeName, "pNodeName");
  const service = optionalText(pServiceName, "pServiceName");
  if (node === null && service === null) {
    throw new WinsockError(WSAHOST_NOT_FOUND, "getaddrinfo: neither a node nor a service");
  }
  const answer = backend.getaddrinfo(node, service, pHints ?? null);
  const store = (first: ADDRINFOA | null) => void (ppResult.value = first);
  return answer instanceof Promise ? answer.then(store) : store(answer);
}

/** Writes `text` and its NUL into `buf` (`WSAEFAULT` when `size` has no room). */
function putText(buf: Uint8Array | null, size: number, text: string, what: string): void {
  if (buf === null || size === 0) return;
  if (
    !(buf instanceof Uint8Array) || !Number.isInteger(size) || size < 0 || size > buf.byteLength
  ) {
    throw new WinsockError(WSAEFAULT, `${what}: not a buffer of ${size} bytes`);
  }
  const bytes = new TextEncoder().encode(text);
  if (bytes.byteLength + 1 > size) {
    throw new WinsockError(WSAEFAULT, `${what}: ${size} bytes, needs ${bytes.byteLength + 1}`);
  }
  buf.set(bytes);
  buf[bytes.byteLength] = 0;
}

/** `getnameinfo` after the checks: host and service written as C strings. */
export function callGetnameinfo(
  backend: SocketBackend,
  pSockaddr: SOCKADDR,
  SockaddrLength: number,
  pNodeBuffer: Uint8Array | null,
  NodeBufferSize: number,
  pServiceBuffer: Uint8Array | null,
  ServiceBufferSize: number,
  Flags: number,
): Awaitable<void> {
  const size = pSockaddr instanceof sockaddr_in ? 16 : pSockaddr instanceof sockaddr_in6 ? 28 : 0;
  if (size === 0) throw new WinsockError(WSAEAFNOSUPPORT, "getnameinfo: not a sockaddr");
  if (!Number.isInteger(SockaddrLength) || SockaddrLength < size) {
    throw new WinsockError(WSAEFAULT, `getnameinfo: SockaddrLength ${SockaddrLength} < ${size}`);
  }
  if (!pNodeBuffer && !pServiceBuffer) {
    throw new WinsockError(WSAHOST_NOT_FOUND, "getnameinfo: neither a node nor a service buffer");
  }
  const answer = backend.getnameinfo(pSockaddr, Flags);
  const store = ({ host, serv }: { host: string; serv: string }) => {
    putText(pNodeBuffer, pNodeBuffer ? NodeBufferSize : 0, host, "getnameinfo: pNodeBuffer");
    putText(pServiceBuffer, pServiceBuffer ? ServiceBufferSize : 0, serv, "pServiceBuffer");
  };
  return answer instanceof Promise ? answer.then(store) : store(answer);
}

/** `gethostname` after the checks: the name and its NUL, or `WSAEFAULT` if `namelen` is short. */
export function callGethostname(backend: SocketBackend, name: Uint8Array, namelen: number): void {
  if (!(name instanceof Uint8Array)) throw new WinsockError(WSAEFAULT, "gethostname: name");
  putText(name, namelen, backend.gethostname(), "gethostname");
}

// ---------------------------------------------------------------------------
// Addresses as text.

/**
 * Checks `--host` text: IPv4 (what `inet_addr` takes), IPv6 (with or
 * without brackets), or a host name (letters, digits, `-`, `.`). Returns the
 * text without brackets, or null if it is none of these.
 *
 * @example
 * ```ts
 * import { hostText } from "@winsock/tutorial";
 * console.log(hostText("[::1]"), hostText("localhost"), hostText("127,0,0,1")); // "::1" "localhost" null
 * ```
 */
export function hostText(host: string): string | null {
  if (typeof host !== "string" || host === "") return null;
  if (inet_addr(host) !== INADDR_NONE || host === "255.255.255.255") {
    return /^[0-9a-fA-FxX.]+$/.test(host) ? host : null;
  }
  const bare = host.replace(/^\[(.*)\]$/, "$1");
  if (inet_pton(AF_INET6, bare, new Uint8Array(16)) === 1) return bare;
  const label = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
  if (host.length <= 253 && host.split(".").every((l) => label.test(l)) && /[A-Za-z]/.test(host)) {
    return host;
  }
  return null;
}

/** What `socket` needs for an address: `AF_INET` or `AF_INET6`. */
export function addressFamily(addr: SOCKADDR): number {
  return addr instanceof sockaddr_in6 ? AF_INET6 : AF_INET;
}

/**
 * An address as people write it: `127.0.0.1:12345`, `[::1]:12345`.
 *
 * @example
 * ```ts
 * import { formatAddress, sockaddr_in } from "@winsock/tutorial";
 * const a = new sockaddr_in();
 * a.sin_family = 2;
 * console.log(formatAddress(a)); // "0.0.0.0:0"
 * ```
 */
export function formatAddress(addr: SOCKADDR): string {
  if (addr instanceof sockaddr_in6) {
    return `[${inet_ntop(AF_INET6, addr.sin6_addr.s6_addr)}]:${ntohs(addr.sin6_port)}`;
  }
  return `${inet_ntoa(addr.sin_addr)}:${ntohs(addr.sin_port)}`;
}

/**
 * Numeric host text and a port (in host order) as the address C fills in:
 * IPv4 text as `inet_addr` reads it in a `sockaddr_in` (`sin_family`,
 * `htons(port)`, `inet_addr(text)`, as the tutorial does), IPv6 text (no
 * brackets) in a `sockaddr_in6`; null for any other text (a host name).
 *
 * @example
 * ```ts
 * import { formatAddress, numericAddress } from "@winsock/tutorial";
 * const a = numericAddress("::1", 12345);
 * console.log(a && formatAddress(a), numericAddress("localhost", 80)); // "[::1]:12345" null
 * ```
 */
export function numericAddress(text: string, port: number): SOCKADDR | null {
  if (inet_addr(text) !== INADDR_NONE || text === "255.255.255.255") {
    const si = new sockaddr_in();
    si.sin_family = AF_INET;
    si.sin_port = htons(port);
    si.sin_addr.S_un.S_addr = inet_addr(text);
    return si;
  }
  const si6 = new sockaddr_in6();
  if (inet_pton(AF_INET6, text, si6.sin6_addr.s6_addr) !== 1) return null;
  si6.sin6_family = AF_INET6;
  si6.sin6_port = htons(port);
  return si6;
}
