/**
 * Overlapped I/O (`lib/overlapped.ts`): `WSASocket`, `WSARecv`, `WSASend`,
 * `WSAGetOverlappedResult`, `AcceptEx`.
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
import { checkUnsigned } from "../iocp.ts";
import {
  type CompletionEngine,
  type CompletionRoutine,
  openCompletionEngine,
} from "../overlapped.ts";
import { checkedBuffers, overlappedBytes, WSAOVERLAPPED } from "../overlapped_structs.ts";
import { sizeof, type SOCKADDR, type WSABUF } from "../structs.ts";
import {
  ACCEPTEX_MIN_ADDRESS,
  checkLength,
  checkOverlapped,
  checkSocket,
  type IntRef,
} from "./checks.ts";
import { WinsockAsyncSelect } from "./async_select.ts";

/**
 * Overlapped I/O (`lib/overlapped.ts`): `WSASocket`, `WSARecv`, `WSASend`,
 * `WSAGetOverlappedResult`, `AcceptEx`. One layer of `Winsock` (`lib/winsock.ts`), which is the
 * class to use.
 */
export class WinsockOverlapped<Blocking extends boolean = false>
  extends WinsockAsyncSelect<Blocking> {
  #engine: CompletionEngine | null = null;

  /**
   * The engine, made on first use after the event select implementation
   * (which may wrap the backend): one set of event objects per façade, the
   * ones an operation's `hEvent` names and `WSAWaitForMultipleEvents` waits on.
   *
   * @ignore
   */
  protected get completion(): CompletionEngine {
    if (!this.#engine) {
      const events = this.events();
      this.#engine = openCompletionEngine(this.socketBackend, events);
    }
    return this.#engine;
  }

  /**
   * `SOCKET WSASocketW(int af, int type, int protocol, LPWSAPROTOCOL_INFOW
   * lpProtocolInfo, GROUP g, DWORD dwFlags)`: every socket here is
   * overlapped-capable (`WSA_FLAG_OVERLAPPED`), so this is `socket`;
   * `lpProtocolInfo` must be null and `g` 0.
   */
  WSASocket(
    af: number,
    type: number,
    protocol: number,
    lpProtocolInfo: null,
    g: number,
    dwFlags: number,
  ): SOCKET {
    return this.call(INVALID_SOCKET, () => {
      if (lpProtocolInfo !== null || g !== 0 || !Number.isInteger(dwFlags)) {
        throw new WinsockError(WSAEINVAL, "WSASocket: lpProtocolInfo must be null, g 0");
      }
      return this.socketBackend.socket(af, type, protocol);
    });
  }

  /**
   * `int WSARecv(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount, LPDWORD
   * lpNumberOfBytesRecvd, LPDWORD lpFlags, LPWSAOVERLAPPED lpOverlapped,
   * LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine)`, overlapped:
   * 0 when it completed at once (`lpNumberOfBytesRecvd` set; its completion
   * is still queued, its routine still run), else `SOCKET_ERROR` with
   * `WSA_IO_PENDING` (997): the completion comes later (port, event, or
   * routine). `lpOverlapped` is required (without it, use `recv`).
   *
   * @example
   * ```ts
   * import { MAKEWORD, openWinsock, WSABUF, WSADATA, WSAOVERLAPPED } from "../../mod.ts";
   * import { AF_INET, SOCK_STREAM } from "../../mod.ts";
   * const ws = openWinsock({ backend: "deno" });
   * ws.WSAStartup(MAKEWORD(2, 2), new WSADATA());
   * const s = ws.socket(AF_INET, SOCK_STREAM, 0);
   * const rc = ws.WSARecv(s, [new WSABUF(new Uint8Array(8))], 1, null, { value: 0 }, new WSAOVERLAPPED(), null);
   * console.log(rc, ws.WSAGetLastError()); // -1 10057 (not connected)
   * ws.closesocket(s);
   * ws.WSACleanup();
   * ```
   */
  WSARecv(
    s: SOCKET,
    lpBuffers: WSABUF[],
    dwBufferCount: number,
    lpNumberOfBytesRecvd: IntRef | null,
    lpFlags: IntRef,
    lpOverlapped: WSAOVERLAPPED,
    lpCompletionRoutine: CompletionRoutine | null,
  ): number {
    return this.call(SOCKET_ERROR, () => {
      const bufs = checkedBuffers(lpBuffers, dwBufferCount);
      if (!lpFlags || !Number.isInteger(lpFlags.value)) {
        throw new WinsockError(WSAEFAULT, "WSARecv: lpFlags");
      }
      checkOverlapped(lpOverlapped, lpCompletionRoutine);
      const n = this.completion.start(
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

  /**
   * `int WSASend(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount, LPDWORD
   * lpNumberOfBytesSent, DWORD dwFlags, LPWSAOVERLAPPED lpOverlapped,
   * LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine)`, overlapped: as
   * `WSARecv`; the buffers are sent whole, in order.
   */
  WSASend(
    s: SOCKET,
    lpBuffers: WSABUF[],
    dwBufferCount: number,
    lpNumberOfBytesSent: IntRef | null,
    dwFlags: number,
    lpOverlapped: WSAOVERLAPPED,
    lpCompletionRoutine: CompletionRoutine | null,
  ): number {
    return this.call(SOCKET_ERROR, () => {
      const bufs = checkedBuffers(lpBuffers, dwBufferCount);
      checkOverlapped(lpOverlapped, lpCompletionRoutine);
      const n = this.completion.start(
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

  /**
   * `BOOL WSAGetOverlappedResult(SOCKET s, LPWSAOVERLAPPED lpOverlapped,
   * LPDWORD lpcbTransfer, BOOL fWait, LPDWORD lpdwFlags)`: true with the
   * byte count when the operation is done; false with `WSA_IO_INCOMPLETE`
   * (996) while it is not (`fWait` false), or with its error (995 when its
   * socket was closed). With `fWait` true it resolves once the operation is
   * done (a Promise: the wait is the caller's `await`).
   */
  WSAGetOverlappedResult(
    s: SOCKET,
    lpOverlapped: WSAOVERLAPPED,
    lpcbTransfer: IntRef,
    fWait: false,
    lpdwFlags: IntRef,
  ): boolean;
  /** Waiting (`fWait` true): resolves once the operation is done. */
  WSAGetOverlappedResult(
    s: SOCKET,
    lpOverlapped: WSAOVERLAPPED,
    lpcbTransfer: IntRef,
    fWait: true,
    lpdwFlags: IntRef,
  ): Promise<boolean>;
  WSAGetOverlappedResult(
    s: SOCKET,
    lpOverlapped: WSAOVERLAPPED,
    lpcbTransfer: IntRef,
    fWait: boolean,
    lpdwFlags: IntRef,
  ): boolean | Promise<boolean> {
    const now = () =>
      this.call(false, () => {
        overlappedBytes(lpOverlapped);
        const outcome = this.completion.result(checkSocket(s), lpOverlapped);
        if (!outcome) throw new WinsockError(WSA_IO_INCOMPLETE, "WSAGetOverlappedResult");
        lpcbTransfer.value = outcome.bytes;
        lpdwFlags.value = outcome.flags;
        if (outcome.error) throw new WinsockError(outcome.error, "overlapped operation");
        return true;
      });
    if (!fWait) return now();
    return (async () => {
      try {
        await this.completion.done(overlappedBytes(lpOverlapped) && lpOverlapped);
      } catch (e) {
        this.fail(e);
      }
      const ok = now();
      return ok ? true : this.deliver(this.lastError, false);
    })();
  }

  /**
   * `BOOL AcceptEx(SOCKET sListenSocket, SOCKET sAcceptSocket, PVOID
   * lpOutputBuffer, DWORD dwReceiveDataLength, DWORD dwLocalAddressLength,
   * DWORD dwRemoteAddressLength, LPDWORD lpdwBytesReceived, LPOVERLAPPED
   * lpOverlapped)`: accepts the next connection on `sListenSocket` into
   * `sAcceptSocket` (made with `socket`, never bound or connected), with the
   * client's first `dwReceiveDataLength` bytes (0: none) and then the two
   * addresses in `lpOutputBuffer` (read them with `GetAcceptExSockaddrs`).
   * Each address length must be at least 16 more than `sizeof` the address
   * (32 for IPv4). True when done at once, else false with 997; the
   * completion is the listening socket's (its port, or `hEvent`).
   */
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
    return this.call(false, () => {
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
      const n = this.completion.acceptEx(
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

  /**
   * `void GetAcceptExSockaddrs(PVOID lpOutputBuffer, DWORD
   * dwReceiveDataLength, DWORD dwLocalAddressLength, DWORD
   * dwRemoteAddressLength, sockaddr **LocalSockaddr, LPINT
   * LocalSockaddrLength, sockaddr **RemoteSockaddr, LPINT
   * RemoteSockaddrLength)`: the addresses a completed `AcceptEx` left in its
   * buffer (given the same lengths). A buffer that holds none leaves them
   * null and 0.
   */
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
      const { local, remote } = this.completion.acceptExSockaddrs(
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

  /**
   * Ends the operations under way on `s` with 995 (`WSA_OPERATION_ABORTED`), as closing it does.
   *
   * @ignore
   */
  protected override socketClosed(s: SOCKET): void {
    super.socketClosed(s);
    this.#engine?.closed(s);
  }
}
