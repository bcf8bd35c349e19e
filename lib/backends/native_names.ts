/**
 * `getaddrinfo` and `getnameinfo` through a native library (ws2_32 or libc),
 * shared by the winsock and posix backends: the hints encoded in the
 * platform's `addrinfo` layout, the native list walked node by node, copied
 * into `ADDRINFOA` objects and freed at once, and the platform's numbers
 * (families, socket types, `AI_*`/`NI_*` bits, `EAI_*` codes) translated to
 * Winsock's by the caller's `NativeNames`.
 *
 * Both calls return their error as their value (not in `errno` or
 * `WSAGetLastError`), so on the default path they run on a worker thread
 * (`*_wait`): a lookup that waits for a name server does not stall the JS
 * thread.
 *
 * @module
 */

import type { Awaitable } from "./contract.ts";
import { AF_INET, AF_INET6, AF_UNSPEC } from "../constants.ts";
import {
  EAI_AGAIN,
  EAI_BADFLAGS,
  EAI_FAIL,
  EAI_FAMILY,
  EAI_MEMORY,
  EAI_NODATA,
  EAI_NONAME,
  EAI_SERVICE,
  EAI_SOCKTYPE,
} from "../names.ts";
import {
  WinsockError,
  WSAEAFNOSUPPORT,
  WSAEFAULT,
  WSAEINVAL,
  WSAESOCKTNOSUPPORT,
  WSANO_DATA,
  WSANO_RECOVERY,
} from "../errors.ts";
import {
  ADDRINFOA,
  type AddrinfoLayout,
  decodeAddrinfoNode,
  decodeSockaddr,
  encodeAddrinfoHints,
  encodeSockaddr,
  type SOCKADDR,
  sockaddr_in6,
  SOCKADDR_STORAGE_SIZE,
  type SockaddrAbi,
} from "../structs.ts";

/** `NI_MAXHOST` and `NI_MAXSERV`: the buffers `getnameinfo` writes into. */
const NI_MAXHOST = 1025, NI_MAXSERV = 32;

/** The `getaddrinfo`/`getnameinfo` error names the backend translates. */
export type EaiName =
  | "EAI_BADFLAGS"
  | "EAI_NONAME"
  | "EAI_AGAIN"
  | "EAI_FAIL"
  | "EAI_NODATA"
  | "EAI_FAMILY"
  | "EAI_SOCKTYPE"
  | "EAI_SERVICE"
  | "EAI_ADDRFAMILY"
  | "EAI_MEMORY"
  | "EAI_SYSTEM"
  | "EAI_OVERFLOW";

/**
 * What each `EAI_*` means in Winsock, whose `EAI_*` are WSA codes:
 * `EAI_NONAME` = 11001 `WSAHOST_NOT_FOUND`, `EAI_AGAIN` = 11002
 * `WSATRY_AGAIN`, `EAI_FAIL` = 11003 `WSANO_RECOVERY`, `EAI_NODATA` = 11004
 * `WSANO_DATA`, `EAI_FAMILY` = 10047, `EAI_SOCKTYPE` = 10044, `EAI_SERVICE` =
 * 10109 `WSATYPE_NOT_FOUND`, `EAI_BADFLAGS` = 10022 `WSAEINVAL`. Those
 * Windows lacks: `EAI_ADDRFAMILY` (a name with no address of that family) is
 * `WSANO_DATA`; `EAI_SYSTEM` is `WSANO_RECOVERY`; `EAI_OVERFLOW` (a buffer too
 * small for `getnameinfo`) is `WSAEFAULT`, as Windows reports it; `EAI_MEMORY`
 * (Windows: `WSA_NOT_ENOUGH_MEMORY`, 8, not a socket code) is `WSAENOBUFS`.
 */
export const EAI_MEANINGS: Readonly<Record<EaiName, number>> = {
  EAI_BADFLAGS,
  EAI_NONAME,
  EAI_AGAIN,
  EAI_FAIL,
  EAI_NODATA,
  EAI_FAMILY,
  EAI_SOCKTYPE,
  EAI_SERVICE,
  EAI_ADDRFAMILY: WSANO_DATA,
  EAI_MEMORY,
  EAI_SYSTEM: WSANO_RECOVERY,
  EAI_OVERFLOW: WSAEFAULT,
};

/**
 * Linux's (glibc's) `EAI_*` numbers. Wine passes a few of them through its
 * `getaddrinfo` untranslated, so the winsock backend reads them too.
 */
export const LINUX_EAI: Readonly<Record<EaiName, number>> = {
  EAI_BADFLAGS: -1,
  EAI_NONAME: -2,
  EAI_AGAIN: -3,
  EAI_FAIL: -4,
  EAI_NODATA: -5,
  EAI_FAMILY: -6,
  EAI_SOCKTYPE: -7,
  EAI_SERVICE: -8,
  EAI_ADDRFAMILY: -9,
  EAI_MEMORY: -10,
  EAI_SYSTEM: -11,
  EAI_OVERFLOW: -12,
};

/**
 * The WSA code a platform's `getaddrinfo`/`getnameinfo` error means, by its
 * `EAI_*` numbers (`abi.eai`); `WSANO_RECOVERY` for one the table does not know.
 *
 * @example
 * ```ts
 * import { eaiToWsa, LINUX_EAI } from "./native_names.ts";
 * console.log(eaiToWsa({ eai: LINUX_EAI }, -2)); // 11001 (EAI_NONAME → WSAHOST_NOT_FOUND)
 * ```
 */
export function eaiToWsa(
  abi: { readonly eai: Readonly<Record<EaiName, number>> },
  eai: number,
): number {
  for (const [name, value] of Object.entries(abi.eai)) {
    if (value === eai) return EAI_MEANINGS[name as EaiName];
  }
  return WSANO_RECOVERY;
}

/** What a backend tells this module about its library and platform. */
export interface NativeNames {
  /** The platform's `addrinfo` layout. */
  readonly layout: AddrinfoLayout;
  /** The platform's `sockaddr` layout and families. */
  readonly sockaddr: SockaddrAbi;
  /** The platform's `SOCK_STREAM` and `SOCK_DGRAM` by Winsock's (1, 2). */
  readonly socktypes: Readonly<Record<number, number>>;
  /** Winsock `AI_*` bits to the platform's (`undefined`: a bit it lacks). */
  aiFlags(flags: number): number | undefined;
  /** Winsock `NI_*` bits to the platform's. */
  niFlags(flags: number): number | undefined;
  /** The WSA code of the call's non-zero return value. */
  code(rc: number): number;
  /** True where the platform returns one node per socket type (Linux, macOS), not one per address. */
  readonly nodePerSocktype: boolean;
  /** `getaddrinfo`, on the JS thread or (`wait`) on a worker thread. */
  getaddrinfo(
    node: Uint8Array | null,
    service: Uint8Array | null,
    hints: Uint8Array,
    res: BigUint64Array,
    wait: boolean,
  ): number | Promise<number>;
  /** `freeaddrinfo`. */
  freeaddrinfo(head: Deno.PointerValue): void;
  /** `getnameinfo`, on the JS thread or (`wait`) on a worker thread. */
  getnameinfo(
    addr: Uint8Array,
    host: Uint8Array,
    serv: Uint8Array,
    flags: number,
    wait: boolean,
  ): number | Promise<number>;
}

/** `getaddrinfo`'s arguments, as both libraries take them. */
type GetaddrinfoArgs = [
  node: Uint8Array | null,
  service: Uint8Array | null,
  hints: Uint8Array,
  res: BigUint64Array,
];

/** `getnameinfo`'s arguments, as both libraries take them. */
type GetnameinfoArgs = [
  addr: Uint8Array,
  addrlen: number,
  host: Uint8Array,
  hostlen: number,
  serv: Uint8Array,
  servlen: number,
  flags: number,
];

/** The name calls ws2_32 and libc both export, each also on a worker thread (`*_wait`). */
export interface NameLibrary {
  /** `getaddrinfo` on the JS thread. */
  getaddrinfo(...args: GetaddrinfoArgs): number;
  /** `getaddrinfo` on a worker thread. */
  getaddrinfo_wait(...args: GetaddrinfoArgs): Promise<number>;
  /** `freeaddrinfo`. */
  freeaddrinfo(head: Deno.PointerValue): void;
  /** `getnameinfo` on the JS thread. */
  getnameinfo(...args: GetnameinfoArgs): number;
  /** `getnameinfo` on a worker thread. */
  getnameinfo_wait(...args: GetnameinfoArgs): Promise<number>;
}

/** A library's `getaddrinfo`, `freeaddrinfo` and `getnameinfo`, as `NativeNames` calls them. */
export function nameCalls(
  lib: NameLibrary,
): Pick<NativeNames, "getaddrinfo" | "freeaddrinfo" | "getnameinfo"> {
  return {
    getaddrinfo: (node, service, hints, res, wait) =>
      (wait ? lib.getaddrinfo_wait : lib.getaddrinfo)(node, service, hints, res),
    freeaddrinfo: (head) => lib.freeaddrinfo(head),
    getnameinfo: (addr, host, serv, flags, wait) =>
      (wait ? lib.getnameinfo_wait : lib.getnameinfo)(
        addr,
        addr.byteLength,
        host,
        host.byteLength,
        serv,
        serv.byteLength,
        flags,
      ),
  };
}

function cText(text: string | null, what: string): Uint8Array | null {
  if (text === null || text === undefined) return null;
  if (typeof text !== "string" || text.includes("\0")) {
    throw new WinsockError(WSAEINVAL, `getaddrinfo: ${what} is not a C string`);
  }
  return new TextEncoder().encode(text + "\0");
}

function then<T, U>(value: T | Promise<T>, next: (value: T) => U): Awaitable<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/** Reads `length` bytes at a native address. */
function peek(address: bigint, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  new Deno.UnsafePointerView(Deno.UnsafePointer.create(address)!).copyInto(bytes);
  return bytes;
}

/**
 * `getaddrinfo` as Windows answers it: one `ADDRINFOA` per address when no
 * socket type is hinted (Linux and macOS give one per type: they are merged),
 * `ai_protocol` as hinted (Windows leaves 0 where Linux fills in 6 or 17),
 * `ai_flags` as hinted, the canonical name on the first node only.
 */
export function nativeGetaddrinfo(
  n: NativeNames,
  node: string | null,
  service: string | null,
  hints: ADDRINFOA | null,
  wait: boolean,
): Awaitable<ADDRINFOA | null> {
  const want = hints ?? new ADDRINFOA();
  const family = want.ai_family === AF_UNSPEC
    ? 0
    : want.ai_family === AF_INET
    ? n.sockaddr.AF_INET
    : want.ai_family === AF_INET6
    ? n.sockaddr.AF_INET6
    : undefined;
  if (family === undefined) {
    throw new WinsockError(WSAEAFNOSUPPORT, `getaddrinfo: ai_family ${want.ai_family}`);
  }
  const socktype = want.ai_socktype === 0 ? 0 : n.socktypes[want.ai_socktype];
  if (socktype === undefined) {
    throw new WinsockError(WSAESOCKTNOSUPPORT, `getaddrinfo: ai_socktype ${want.ai_socktype}`);
  }
  const flags = Number.isInteger(want.ai_flags) && want.ai_flags >= 0
    ? n.aiFlags(want.ai_flags)
    : undefined;
  if (flags === undefined) {
    throw new WinsockError(WSAEINVAL, `getaddrinfo: ai_flags 0x${want.ai_flags.toString(16)}`);
  }
  const encoded = encodeAddrinfoHints(
    { ai_flags: flags, ai_family: family, ai_socktype: socktype, ai_protocol: want.ai_protocol },
    n.layout,
  );
  const res = new BigUint64Array(1);
  const rc = n.getaddrinfo(cText(node, "node"), cText(service, "service"), encoded, res, wait);
  return then(rc, (rc) => {
    if (rc !== 0) throw new WinsockError(n.code(rc), `getaddrinfo(${node}, ${service})`);
    const head = res[0];
    try {
      return copyList(n, head, want);
    } finally {
      if (head !== 0n) n.freeaddrinfo(Deno.UnsafePointer.create(head));
    }
  });
}

function copyList(n: NativeNames, head: bigint, want: ADDRINFOA): ADDRINFOA | null {
  const out: ADDRINFOA[] = [];
  const seen = new Set<string>();
  for (let at = head; at !== 0n;) {
    const raw = decodeAddrinfoNode(peek(at, n.layout.size), n.layout);
    at = raw.ai_next;
    if (raw.ai_addr === 0n || raw.ai_addrlen < 2 || raw.ai_addrlen > SOCKADDR_STORAGE_SIZE) {
      continue;
    }
    const bytes = peek(raw.ai_addr, raw.ai_addrlen);
    let addr: SOCKADDR;
    try {
      addr = decodeSockaddr(bytes, n.sockaddr, raw.ai_addrlen);
    } catch {
      continue; // a family Winsock has no struct for here
    }
    if (n.nodePerSocktype && want.ai_socktype === 0) {
      const key = bytes.join(",");
      if (seen.has(key)) continue;
      seen.add(key);
    }
    const ai = new ADDRINFOA();
    ai.ai_flags = want.ai_flags;
    ai.ai_family = addr instanceof sockaddr_in6 ? AF_INET6 : AF_INET;
    ai.ai_socktype = n.nodePerSocktype && want.ai_socktype === 0 ? 0 : Number(
      Object.entries(n.socktypes).find(([, v]) => v === raw.ai_socktype)?.[0] ?? 0,
    );
    ai.ai_protocol = n.nodePerSocktype ? want.ai_protocol : raw.ai_protocol;
    ai.ai_addrlen = raw.ai_addrlen;
    ai.ai_addr = addr;
    if (out.length === 0 && raw.ai_canonname !== 0n) {
      ai.ai_canonname = Deno.UnsafePointerView.getCString(
        Deno.UnsafePointer.create(raw.ai_canonname)!,
      );
    }
    if (out.length > 0) out[out.length - 1].ai_next = ai;
    out.push(ai);
  }
  return out[0] ?? null;
}

/** `getnameinfo`: the host and service text for an address. */
export function nativeGetnameinfo(
  n: NativeNames,
  addr: SOCKADDR,
  flags: number,
  wait: boolean,
): Awaitable<{ host: string; serv: string }> {
  const native = Number.isInteger(flags) && flags >= 0 ? n.niFlags(flags) : undefined;
  if (native === undefined) {
    throw new WinsockError(WSAEINVAL, `getnameinfo: flags 0x${flags.toString(16)}`);
  }
  const bytes = encodeSockaddr(addr, n.sockaddr);
  const host = new Uint8Array(NI_MAXHOST), serv = new Uint8Array(NI_MAXSERV);
  return then(n.getnameinfo(bytes, host, serv, native, wait), (rc) => {
    if (rc !== 0) throw new WinsockError(n.code(rc), "getnameinfo");
    const text = (b: Uint8Array) => new TextDecoder().decode(b.subarray(0, b.indexOf(0)));
    return { host: text(host), serv: text(serv) };
  });
}
