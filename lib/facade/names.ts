/**
 * Names (`lib/names.ts`): `getaddrinfo`, `freeaddrinfo`, `getnameinfo`, `gethostname`.
 *
 * @module
 */

import type { Awaitable } from "../backends/contract.ts";
import { SOCKET_ERROR } from "../constants.ts";

import { type AddrinfoRef, callGetaddrinfo, callGethostname, callGetnameinfo } from "../names.ts";
import { type ADDRINFOA, type SOCKADDR } from "../structs.ts";
import type { Core, Waited } from "./core.ts";

/** The name calls of one `Winsock` (`lib/winsock.ts`). */
export class Names<Blocking extends boolean = false> {
  #core: Core<Blocking>;

  constructor(core: Core<Blocking>) {
    this.#core = core;
  }

  /** Runs a name call: 0, or its error code (also left for `WSAGetLastError`). */
  #answer(call: () => Awaitable<void>): Waited<Blocking, number> {
    const FAILED = -1; // then the code itself is the answer, as C returns it
    if (this.#core.blocking) {
      const rc = this.#core.call(FAILED, () => {
        const done = call();
        if (done instanceof Promise) throw new Error("a blocking backend returned a Promise");
        return 0;
      });
      return (rc === FAILED ? this.#core.lastError : 0) as Waited<Blocking, number>;
    }
    // A failure reaches its task as `waited`'s do (per task), resolving with the code itself.
    return (this.#core.waited(FAILED, () => {
      const done = call();
      return done instanceof Promise ? done.then(() => 0) : 0;
    }) as Promise<number>).then((rc) => rc === FAILED ? this.#core.lastError : 0) as Waited<
      Blocking,
      number
    >;
  }

  getaddrinfo(
    pNodeName: string | null,
    pServiceName: string | null,
    pHints: ADDRINFOA | null,
    ppResult: AddrinfoRef,
  ): Waited<Blocking, number> {
    return this.#answer(() =>
      callGetaddrinfo(this.#core.backend, pNodeName, pServiceName, pHints, ppResult)
    );
  }

  freeaddrinfo(pAddrInfo: ADDRINFOA | null): void {
    void pAddrInfo;
  }

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
        this.#core.backend,
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

  gethostname(name: Uint8Array, namelen: number): number {
    return this.#core.call(SOCKET_ERROR, () => {
      callGethostname(this.#core.backend, name, namelen);
      return 0;
    });
  }
}
