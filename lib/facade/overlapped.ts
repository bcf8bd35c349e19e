/**
 * Overlapped I/O: `WSASocket`, `WSARecv`, `WSASend`, `WSAGetOverlappedResult`,
 * `AcceptEx`, with the checks made before the engine (native on winsock,
 * emulated on posix and deno) sees a call.
 *
 * @module
 */

import { INVALID_SOCKET, type SOCKET, SOCKET_ERROR } from "../constants.ts";
import {
  isWinsockError,
  WinsockError,
  WSA_IO_INCOMPLETE,
  WSA_IO_PENDING,
  WSAEFAULT,
  WSAEINVAL,
} from "../errors.ts";
import type { CompletionEngine, CompletionRoutine } from "../backends/contract.ts";
import { checkedBuffers, overlappedBytes, WSAOVERLAPPED } from "../overlapped_structs.ts";
import { sizeof, type SOCKADDR, type WSABUF } from "../structs.ts";
import {
  ACCEPTEX_MIN_ADDRESS,
  checkLength,
  checkOverlapped,
  checkSocket,
  checkUnsigned,
  type IntRef,
} from "./checks.ts";
import type { Core } from "./core.ts";

/** The overlapped I/O calls of one `Winsock` (`lib/winsock.ts`). */
export class Overlapped<Blocking extends boolean = false> {
  #core: Core<Blocking>;
  #completion: () => CompletionEngine;

  /** Over the engine `completion` gives (the backend's own, or the emulation). */
  constructor(core: Core<Blocking>, completion: () => CompletionEngine) {
    this.#core = core;
    this.#completion = completion;
  }

  WSASocket(
    af: number,
    type: number,
    protocol: number,
    lpProtocolInfo: null,
    g: number,
    dwFlags: number,
  ): SOCKET {
    return this.#core.call(INVALID_SOCKET, () => {
      if (lpProtocolInfo !== null || g !== 0 || !Number.isInteger(dwFlags)) {
        throw new WinsockError(WSAEINVAL, "WSASocket: lpProtocolInfo must be null, g 0");
      }
      return this.#core.backend.socket(af, type, protocol);
    });
  }

  WSARecv(
    s: SOCKET,
    lpBuffers: WSABUF[],
    dwBufferCount: number,
    lpNumberOfBytesRecvd: IntRef | null,
    lpFlags: IntRef,
    lpOverlapped: WSAOVERLAPPED,
    lpCompletionRoutine: CompletionRoutine | null,
  ): number {
    return this.#core.call(SOCKET_ERROR, () => {
      const bufs = checkedBuffers(lpBuffers, dwBufferCount);
      if (!lpFlags || !Number.isInteger(lpFlags.value)) {
        throw new WinsockError(WSAEFAULT, "WSARecv: lpFlags");
      }
      checkOverlapped(lpOverlapped, lpCompletionRoutine);
      const n = this.#completion().start(
        false,
        checkSocket(s),
        bufs,
        lpFlags.value,
        lpOverlapped,
        lpCompletionRoutine,
      );
      if (n === null) throw new WinsockError(WSA_IO_PENDING, "WSARecv");
      if (lpNumberOfBytesRecvd) lpNumberOfBytesRecvd.value = n;
      lpFlags.value = 0;
      return 0;
    });
  }

  WSASend(
    s: SOCKET,
    lpBuffers: WSABUF[],
    dwBufferCount: number,
    lpNumberOfBytesSent: IntRef | null,
    dwFlags: number,
    lpOverlapped: WSAOVERLAPPED,
    lpCompletionRoutine: CompletionRoutine | null,
  ): number {
    return this.#core.call(SOCKET_ERROR, () => {
      const bufs = checkedBuffers(lpBuffers, dwBufferCount);
      checkOverlapped(lpOverlapped, lpCompletionRoutine);
      const n = this.#completion().start(
        true,
        checkSocket(s),
        bufs,
        dwFlags,
        lpOverlapped,
        lpCompletionRoutine,
      );
      if (n === null) throw new WinsockError(WSA_IO_PENDING, "WSASend");
      if (lpNumberOfBytesSent) lpNumberOfBytesSent.value = n;
      return 0;
    });
  }

  WSAGetOverlappedResult(
    s: SOCKET,
    lpOverlapped: WSAOVERLAPPED,
    lpcbTransfer: IntRef,
    fWait: boolean,
    lpdwFlags: IntRef,
  ): boolean | Promise<boolean> {
    const now = () =>
      this.#core.call(false, () => {
        overlappedBytes(lpOverlapped);
        const outcome = this.#completion().result(checkSocket(s), lpOverlapped);
        if (!outcome) throw new WinsockError(WSA_IO_INCOMPLETE, "WSAGetOverlappedResult");
        lpcbTransfer.value = outcome.bytes;
        lpdwFlags.value = outcome.flags;
        if (outcome.error) throw new WinsockError(outcome.error, "overlapped operation");
        return true;
      });
    if (!fWait) return now();
    return (async () => {
      try {
        await this.#completion().done(overlappedBytes(lpOverlapped) && lpOverlapped);
      } catch (e) {
        this.#core.fail(e);
      }
      const ok = now();
      return ok ? true : this.#core.deliver(this.#core.lastError, false);
    })();
  }

  AcceptEx(
    sListenSocket: SOCKET,
    sAcceptSocket: SOCKET,
    lpOutputBuffer: Uint8Array,
    dwReceiveDataLength: number,
    dwLocalAddressLength: number,
    dwRemoteAddressLength: number,
    lpdwBytesReceived: IntRef | null,
    lpOverlapped: WSAOVERLAPPED,
  ): boolean {
    return this.#core.call(false, () => {
      const lengths = [dwReceiveDataLength, dwLocalAddressLength, dwRemoteAddressLength];
      lengths.forEach((n) => checkUnsigned(n, 32, "AcceptEx: a length"));
      checkLength(lpOutputBuffer, lengths.reduce((a, b) => a + b), "AcceptEx");
      if (
        dwLocalAddressLength < ACCEPTEX_MIN_ADDRESS || dwRemoteAddressLength < ACCEPTEX_MIN_ADDRESS
      ) {
        throw new WinsockError(
          WSAEINVAL,
          `AcceptEx: address lengths below ${ACCEPTEX_MIN_ADDRESS}`,
        );
      }
      checkOverlapped(lpOverlapped, null);
      const n = this.#completion().acceptEx(
        checkSocket(sListenSocket),
        checkSocket(sAcceptSocket),
        lpOutputBuffer,
        dwReceiveDataLength,
        dwLocalAddressLength,
        dwRemoteAddressLength,
        lpOverlapped,
      );
      if (n === null) throw new WinsockError(WSA_IO_PENDING, "AcceptEx");
      if (lpdwBytesReceived) lpdwBytesReceived.value = n;
      return true;
    });
  }

  GetAcceptExSockaddrs(
    lpOutputBuffer: Uint8Array,
    dwReceiveDataLength: number,
    dwLocalAddressLength: number,
    dwRemoteAddressLength: number,
    LocalSockaddr: { value: SOCKADDR | null },
    LocalSockaddrLength: IntRef,
    RemoteSockaddr: { value: SOCKADDR | null },
    RemoteSockaddrLength: IntRef,
  ): void {
    LocalSockaddr.value = RemoteSockaddr.value = null;
    LocalSockaddrLength.value = RemoteSockaddrLength.value = 0;
    try {
      const lengths = [dwReceiveDataLength, dwLocalAddressLength, dwRemoteAddressLength];
      lengths.forEach((n) => checkUnsigned(n, 32, "GetAcceptExSockaddrs: a length"));
      checkLength(lpOutputBuffer, lengths.reduce((a, b) => a + b), "GetAcceptExSockaddrs");
      const { local, remote } = this.#completion().acceptExSockaddrs(
        lpOutputBuffer,
        dwReceiveDataLength,
        dwLocalAddressLength,
        dwRemoteAddressLength,
      );
      [LocalSockaddr.value, LocalSockaddrLength.value] = [local, sizeof(local)];
      [RemoteSockaddr.value, RemoteSockaddrLength.value] = [remote, sizeof(remote)];
    } catch (e) {
      if (!isWinsockError(e)) throw e;
    }
  }
}
