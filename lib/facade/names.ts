/**
 * Names (`lib/names.ts`): `getaddrinfo`, `freeaddrinfo`, `getnameinfo`, `gethostname`.
 *
 * @module
 */

import type { Awaitable } from "../backends/contract.ts";
import { SOCKET_ERROR } from "../constants.ts";

import { type AddrinfoRef, callGetaddrinfo, callGethostname, callGetnameinfo } from "../names.ts";
import { type ADDRINFOA, type SOCKADDR } from "../structs.ts";
import { WinsockDatagrams } from "./datagrams.ts";
import type { Waited } from "./core.ts";

/**
 * Names (`lib/names.ts`): `getaddrinfo`, `freeaddrinfo`, `getnameinfo`, `gethostname`. One layer
 * of `Winsock` (`lib/winsock.ts`), which is the class to use.
 */
export class WinsockNames<Blocking extends boolean = false> extends WinsockDatagrams<Blocking> {
  /** Runs a name call: 0, or its error code (also left for `WSAGetLastError`). */
  #answer(call: () => Awaitable<void>): Waited<Blocking, number> {
    const FAILED = -1; // then the code itself is the answer, as C returns it
    if (this.blocking) {
      const rc = this.call(FAILED, () => {
        const done = call();
        if (done instanceof Promise) throw new Error("a blocking backend returned a Promise");
        return 0;
      });
      return (rc === FAILED ? this.lastError : 0) as Waited<Blocking, number>;
    }
    // A failure reaches its task as `waited`'s do (per task), resolving with the code itself.
    return (this.waited(FAILED, () => {
      const done = call();
      return done instanceof Promise ? done.then(() => 0) : 0;
    }) as Promise<number>).then((rc) => rc === FAILED ? this.lastError : 0) as Waited<
      Blocking,
      number
    >;
  }

  /**
   * `INT getaddrinfo(PCSTR pNodeName, PCSTR pServiceName, const ADDRINFOA *pHints,
   * PADDRINFOA *ppResult)`: resolves with 0 and the answers in
   * `ppResult.value` (a list through `ai_next`), or with the error code
   * (`EAI_NONAME` = 11001 `WSAHOST_NOT_FOUND` for a name that does not
   * exist), which `WSAGetLastError()` also returns.
   *
   * @example
   * ```ts
   * import { ADDRINFOA, AF_INET, MAKEWORD, openWinsock, SOCK_STREAM, WSADATA } from "../../mod.ts";
   * import { formatAddress } from "../../mod.ts";
   * const ws = openWinsock({ backend: "deno" });
   * ws.WSAStartup(MAKEWORD(2, 2), new WSADATA());
   * const hints = new ADDRINFOA();
   * hints.ai_family = AF_INET;
   * hints.ai_socktype = SOCK_STREAM;
   * const result = { value: null as ADDRINFOA | null };
   * console.log(await ws.getaddrinfo("127.0.0.1", "12345", hints, result)); // 0
   * console.log(formatAddress(result.value!.ai_addr!)); // "127.0.0.1:12345"
   * ws.freeaddrinfo(result.value);
   * ws.WSACleanup();
   * ```
   */
  getaddrinfo(
    pNodeName: string | null,
    pServiceName: string | null,
    pHints: ADDRINFOA | null,
    ppResult: AddrinfoRef,
  ): Waited<Blocking, number> {
    return this.#answer(() =>
      callGetaddrinfo(this.socketBackend, pNodeName, pServiceName, pHints, ppResult)
    );
  }

  /**
   * `VOID freeaddrinfo(PADDRINFOA pAddrInfo)`: nothing to do here — the
   * native list was copied into `ADDRINFOA` objects and freed inside
   * `getaddrinfo` — but kept so code reads as the C does.
   */
  freeaddrinfo(pAddrInfo: ADDRINFOA | null): void {
    void pAddrInfo;
  }

  /**
   * `INT getnameinfo(const SOCKADDR *pSockaddr, socklen_t SockaddrLength,
   * PCHAR pNodeBuffer, DWORD NodeBufferSize, PCHAR pServiceBuffer,
   * DWORD ServiceBufferSize, INT Flags)`: the host and service as C strings
   * (`NI_NUMERICHOST`, `NI_NUMERICSERV`, `NI_NAMEREQD`, …); resolves with 0
   * or the error code (a buffer too small: `WSAEFAULT`).
   */
  getnameinfo(
    pSockaddr: SOCKADDR,
    SockaddrLength: number,
    pNodeBuffer: Uint8Array | null,
    NodeBufferSize: number,
    pServiceBuffer: Uint8Array | null,
    ServiceBufferSize: number,
    Flags: number,
  ): Waited<Blocking, number> {
    return this.#answer(() =>
      callGetnameinfo(
        this.socketBackend,
        pSockaddr,
        SockaddrLength,
        pNodeBuffer,
        NodeBufferSize,
        pServiceBuffer,
        ServiceBufferSize,
        Flags,
      )
    );
  }

  /**
   * `int gethostname(char *name, int namelen)`: this machine's name as a C
   * string; `SOCKET_ERROR` with `WSAEFAULT` when `namelen` has no room for
   * it and its NUL.
   */
  gethostname(name: Uint8Array, namelen: number): number {
    return this.call(SOCKET_ERROR, () => {
      callGethostname(this.socketBackend, name, namelen);
      return 0;
    });
  }
}
