/**
 * The deno backend's names. `Deno.resolveDns` asks a DNS server and never
 * reads `/etc/hosts` (and there may be no server at all), so names go
 * through `node:dns`, whose `lookup` and `lookupService` call the system's
 * own `getaddrinfo`/`getnameinfo` (hosts file, `localhost`, DNS, as C does).
 * Numeric hosts and a NULL host are answered here, without a lookup. Deno
 * asks for `--allow-net` for every name looked up (`localhost` included).
 *
 * Limits: a service must be a port number (there is no services database
 * here: `"http"` is `WSATYPE_NOT_FOUND`), and `AI_CANONNAME` gives back the
 * name asked for.
 *
 * @module
 */

import type { LookupAddress } from "node:dns";
import { AF_INET, AF_INET6, AF_UNSPEC } from "../../constants.ts";
import {
  WinsockError,
  WSAEACCES,
  WSAEAFNOSUPPORT,
  WSAEINVAL,
  WSAESOCKTNOSUPPORT,
  WSAHOST_NOT_FOUND,
  WSANO_DATA,
  WSANO_RECOVERY,
  WSATRY_AGAIN,
  WSATYPE_NOT_FOUND,
} from "../../errors.ts";
import { inet_ntop, inet_pton, ntohs } from "../../helpers.ts";
import { numericAddress } from "../../names.ts";
import { ADDRINFOA, type SOCKADDR, sockaddr_in } from "../../structs.ts";

/** Winsock's `AI_*` and `NI_*` bits this emulation knows. */
const AI_PASSIVE = 0x1, AI_CANONNAME = 0x2, AI_NUMERICHOST = 0x4, AI_KNOWN = 0xd0f;
const NI_NUMERICHOST = 0x2, NI_NAMEREQD = 0x4, NI_NUMERICSERV = 0x8, NI_KNOWN = 0x1f;

/** node:dns's error codes, as the WSA codes Windows' getaddrinfo returns. */
const DNS_CODES: Record<string, number> = {
  ENOTFOUND: WSAHOST_NOT_FOUND,
  EAI_NONAME: WSAHOST_NOT_FOUND,
  ENODATA: WSANO_DATA,
  EAI_AGAIN: WSATRY_AGAIN,
  EAI_FAIL: WSANO_RECOVERY,
  EPERM: WSAEACCES,
};

function dnsError(e: unknown, what: string): WinsockError {
  const code = (e as { code?: string })?.code ?? "";
  const wsa = DNS_CODES[code] ?? WSANO_RECOVERY;
  const hint = wsa === WSAEACCES ? " (Deno: allow the name with --allow-net)" : "";
  return new WinsockError(wsa, `${what}: ${code}${hint}`, { cause: e });
}

/** The family of numeric host text, or 0 if it is not numeric. */
function numericFamily(text: string): number {
  if (inet_pton(AF_INET, text, new Uint8Array(4)) === 1) return AF_INET;
  if (inet_pton(AF_INET6, text, new Uint8Array(16)) === 1) return AF_INET6;
  return 0;
}

/** `getaddrinfo` for the deno backend. */
export async function denoGetaddrinfo(
  node: string | null,
  service: string | null,
  hints: ADDRINFOA | null,
): Promise<ADDRINFOA | null> {
  const want = hints ?? new ADDRINFOA();
  const { ai_flags: flags, ai_family: family, ai_socktype: socktype } = want;
  if (family !== AF_UNSPEC && family !== AF_INET && family !== AF_INET6) {
    throw new WinsockError(WSAEAFNOSUPPORT, `getaddrinfo: ai_family ${family}`);
  }
  if (socktype < 0 || socktype > 5) {
    throw new WinsockError(WSAESOCKTNOSUPPORT, `getaddrinfo: ai_socktype ${socktype}`);
  }
  if (!Number.isInteger(flags) || flags < 0 || (flags & ~AI_KNOWN) !== 0) {
    throw new WinsockError(WSAEINVAL, `getaddrinfo: ai_flags ${flags}`);
  }
  if (node === null && service === null) {
    throw new WinsockError(WSAHOST_NOT_FOUND, "getaddrinfo: neither node nor service");
  }
  let port = 0;
  if (service !== null) {
    if (!/^[0-9]{1,5}$/.test(service) || +service > 65535) {
      throw new WinsockError(WSATYPE_NOT_FOUND, `getaddrinfo: service "${service}" (emulation)`);
    }
    port = +service;
  }
  const families = family === AF_UNSPEC ? [AF_INET6, AF_INET] : [family];
  let found: [number, string][];
  if (node === null) {
    const passive = (flags & AI_PASSIVE) !== 0;
    found = (passive ? [AF_INET, AF_INET6] : [AF_INET6, AF_INET])
      .filter((f) => families.includes(f))
      .map((
        f,
      ) => [f, f === AF_INET ? (passive ? "0.0.0.0" : "127.0.0.1") : (passive ? "::" : "::1")]);
  } else if (numericFamily(node)) {
    found = families.includes(numericFamily(node)) ? [[numericFamily(node), node]] : [];
    if (found.length === 0) throw new WinsockError(WSAHOST_NOT_FOUND, `getaddrinfo(${node})`);
  } else if (flags & AI_NUMERICHOST) {
    throw new WinsockError(WSAHOST_NOT_FOUND, `getaddrinfo(${node}): AI_NUMERICHOST`);
  } else {
    const dns = (await import("node:dns")).default; // loaded only when a name is looked up
    const all = await new Promise<LookupAddress[]>((resolve, reject) =>
      dns.lookup(
        node,
        { all: true, family: family === AF_INET ? 4 : family === AF_INET6 ? 6 : 0 },
        (e, addresses) => e ? reject(dnsError(e, `getaddrinfo(${node})`)) : resolve(addresses),
      )
    );
    found = all.map((a) => [a.family === 6 ? AF_INET6 : AF_INET, a.address] as [number, string])
      .filter(([f]) => families.includes(f));
    if (found.length === 0) throw new WinsockError(WSANO_DATA, `getaddrinfo(${node})`);
  }
  let head: ADDRINFOA | null = null, last: ADDRINFOA | null = null;
  for (const [f, text] of found) {
    const ai = new ADDRINFOA();
    ai.ai_flags = flags;
    ai.ai_family = f;
    ai.ai_socktype = socktype;
    ai.ai_protocol = want.ai_protocol;
    ai.ai_addr = numericAddress(text, port);
    ai.ai_addrlen = f === AF_INET ? 16 : 28;
    if (!head && (flags & AI_CANONNAME) && node !== null) ai.ai_canonname = node;
    if (last) last.ai_next = ai;
    else head = ai;
    last = ai;
  }
  return head;
}

/** `getnameinfo` for the deno backend (a name only where the system's lookup finds one). */
export async function denoGetnameinfo(
  addr: SOCKADDR,
  flags: number,
): Promise<{ host: string; serv: string }> {
  if (!Number.isInteger(flags) || flags < 0 || (flags & ~NI_KNOWN) !== 0) {
    throw new WinsockError(WSAEINVAL, `getnameinfo: flags ${flags}`);
  }
  const numeric = addr instanceof sockaddr_in
    ? inet_ntop(AF_INET, new Uint8Array(new Uint32Array([addr.sin_addr.S_un.S_addr]).buffer))
    : inet_ntop(AF_INET6, addr.sin6_addr.s6_addr);
  const port = ntohs(addr instanceof sockaddr_in ? addr.sin_port : addr.sin6_port);
  let named: { hostname: string; service: string } | null = null;
  if ((flags & (NI_NUMERICHOST | NI_NUMERICSERV)) !== (NI_NUMERICHOST | NI_NUMERICSERV)) {
    const dns = (await import("node:dns")).default;
    named = await new Promise((resolve) =>
      dns.lookupService(
        numeric as string,
        port,
        (e, hostname, service) => resolve(e ? null : { hostname, service }),
      )
    );
  }
  if ((flags & NI_NAMEREQD) && !(flags & NI_NUMERICHOST) && !named) {
    throw new WinsockError(WSAHOST_NOT_FOUND, `getnameinfo(${numeric}): NI_NAMEREQD`);
  }
  return {
    host: (flags & NI_NUMERICHOST) || !named ? numeric as string : named.hostname,
    serv: (flags & NI_NUMERICSERV) || !named ? String(port) : named.service,
  };
}
