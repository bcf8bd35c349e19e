/**
 * Datagrams (UDP): `sendto`, `recvfrom`, `WSASendTo`, `WSARecvFrom`.
 *
 * @module
 */

import type { Awaitable, Datagram } from "../backends/contract.ts";
import { type SOCKET, SOCKET_ERROR } from "../constants.ts";
import { WinsockError, WSAEFAULT, WSAEMSGSIZE } from "../errors.ts";
import { gather, noOverlapped, scatter } from "../datagrams.ts";
import { type SOCKADDR, type WSABUF, wsabufPieces } from "../structs.ts";
import {
  checkLength,
  checkNameLength,
  checkOutName,
  checkSocket,
  copyOut,
  type IntRef,
} from "./checks.ts";
import { WinsockSockets } from "./sockets.ts";
import type { Waited } from "./core.ts";

/**
 * Datagrams (UDP): `sendto`, `recvfrom`, `WSASendTo`, `WSARecvFrom`. One layer of `Winsock`
 * (`lib/winsock.ts`), which is the class to use.
 */
export class WinsockDatagrams<Blocking extends boolean = false> extends WinsockSockets<Blocking> {
  /**
   * `int sendto(SOCKET s, const char *buf, int len, int flags, const sockaddr *to,
   * int tolen)`: one datagram to `to` (on a connected UDP socket `to`
   * overrides the peer for this datagram, on TCP it is ignored; null sends
   * to the peer, as `send`); resolves with `len` or
   * `SOCKET_ERROR`. A zero-length datagram is a datagram.
   */
  sendto(
    s: SOCKET,
    buf: Uint8Array,
    len: number,
    flags: number,
    to: SOCKADDR | null,
    tolen: number,
  ): Waited<Blocking, number> {
    return this.waited(SOCKET_ERROR, () => {
      const source = checkLength(buf, len, "sendto");
      if (to !== null && to !== undefined) checkNameLength(to, tolen);
      return this.socketBackend.sendto(checkSocket(s), source, flags, to ?? null);
    });
  }

  /**
   * `int recvfrom(SOCKET s, char *buf, int len, int flags, sockaddr *from,
   * int *fromlen)`: one datagram into `buf`, its sender into `from` (both may
   * be null); resolves with its length (0 for an empty datagram). A datagram
   * longer than `len` fills `buf`, the rest is lost, and the call returns
   * `SOCKET_ERROR` with 10040 `WSAEMSGSIZE`, as on Windows.
   *
   * @example
   * ```ts
   * import { AF_INET, MAKEWORD, openWinsock } from "../../mod.ts";
   * import { sizeof, SOCK_DGRAM, sockaddr_in, WSADATA } from "../../mod.ts";
   * import { htons, inet_addr, IPPROTO_UDP, ntohs } from "../../mod.ts";
   * const ws = openWinsock({ backend: "deno" }); // UDP there: deno.json's "unstable": ["net"]
   * ws.WSAStartup(MAKEWORD(2, 2), new WSADATA());
   * const s = ws.socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
   * const si = new sockaddr_in();
   * si.sin_family = AF_INET;
   * si.sin_addr.S_un.S_addr = inet_addr("127.0.0.1");
   * ws.bind(s, si, sizeof(si));
   * ws.getsockname(s, si, { value: sizeof(si) }); // the port bind chose
   * await ws.sendto(s, new Uint8Array([1, 2, 3]), 3, 0, si, sizeof(si)); // to itself
   * const from = new sockaddr_in();
   * const n = await ws.recvfrom(s, new Uint8Array(1500), 1500, 0, from, { value: sizeof(from) });
   * console.log(n, ntohs(from.sin_port) === ntohs(si.sin_port)); // 3 true
   * ws.closesocket(s);
   * ws.WSACleanup();
   * ```
   */
  recvfrom(
    s: SOCKET,
    buf: Uint8Array,
    len: number,
    flags: number,
    from: SOCKADDR | null,
    fromlen: IntRef | null,
  ): Waited<Blocking, number> {
    return this.waited(SOCKET_ERROR, () => {
      const target = checkLength(buf, len, "recvfrom");
      checkOutName(from, fromlen);
      const got = this.socketBackend.recvfrom(checkSocket(s), target, flags);
      const done = ({ count, from: sender, truncated }: Awaited<typeof got>) => {
        if (sender) copyOut(sender, from, fromlen);
        if (truncated) throw new WinsockError(WSAEMSGSIZE, "recvfrom: datagram larger than len");
        return count;
      };
      return got instanceof Promise ? got.then(done) : done(got);
    });
  }

  /**
   * `int WSASendTo(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount, LPDWORD
   * lpNumberOfBytesSent, DWORD dwFlags, const sockaddr *lpTo, int iTolen,
   * LPWSAOVERLAPPED lpOverlapped, LPWSAOVERLAPPED_COMPLETION_ROUTINE
   * lpCompletionRoutine)`: the buffers gathered into one datagram; resolves
   * with 0 (the count in `lpNumberOfBytesSent`) or `SOCKET_ERROR`. Overlapped
   * I/O is not offered: `lpOverlapped` and `lpCompletionRoutine` must be null
   * (else 10045 `WSAEOPNOTSUPP`). winsock calls ws2_32's; the others gather
   * for `sendto`.
   */
  WSASendTo(
    s: SOCKET,
    lpBuffers: WSABUF[],
    dwBufferCount: number,
    lpNumberOfBytesSent: IntRef | null,
    dwFlags: number,
    lpTo: SOCKADDR | null,
    iTolen: number,
    lpOverlapped: null,
    lpCompletionRoutine: null,
  ): Waited<Blocking, number> {
    return this.waited(SOCKET_ERROR, () => {
      const pieces = wsabufPieces(lpBuffers, dwBufferCount, "WSASendTo");
      noOverlapped(lpOverlapped, lpCompletionRoutine, "WSASendTo");
      if (lpTo !== null && lpTo !== undefined) checkNameLength(lpTo, iTolen);
      const socket = checkSocket(s), to = lpTo ?? null;
      const sent = this.socketBackend.wsaSendTo?.(socket, pieces, dwFlags, to) ??
        this.socketBackend.sendto(socket, gather(pieces), dwFlags, to);
      const done = (n: number) => {
        if (lpNumberOfBytesSent) lpNumberOfBytesSent.value = n;
        return 0;
      };
      return sent instanceof Promise ? sent.then(done) : done(sent);
    });
  }

  /**
   * `int WSARecvFrom(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
   * LPDWORD lpNumberOfBytesRecvd, LPDWORD lpFlags, sockaddr *lpFrom, LPINT
   * lpFromlen, LPWSAOVERLAPPED lpOverlapped, LPWSAOVERLAPPED_COMPLETION_ROUTINE
   * lpCompletionRoutine)`: one datagram scattered over the buffers in order;
   * resolves with 0 (the count in `lpNumberOfBytesRecvd`, `lpFlags` 0) or
   * `SOCKET_ERROR`. A datagram longer than all the buffers fills them and is
   * 10040 `WSAEMSGSIZE` (the count then untouched), as ws2_32 answers.
   * Overlapped I/O is not offered (10045 when asked for).
   */
  WSARecvFrom(
    s: SOCKET,
    lpBuffers: WSABUF[],
    dwBufferCount: number,
    lpNumberOfBytesRecvd: IntRef | null,
    lpFlags: IntRef,
    lpFrom: SOCKADDR | null,
    lpFromlen: IntRef | null,
    lpOverlapped: null,
    lpCompletionRoutine: null,
  ): Waited<Blocking, number> {
    return this.waited(SOCKET_ERROR, () => {
      const pieces = wsabufPieces(lpBuffers, dwBufferCount, "WSARecvFrom");
      noOverlapped(lpOverlapped, lpCompletionRoutine, "WSARecvFrom");
      if (!lpFlags || !Number.isInteger(lpFlags.value)) {
        throw new WinsockError(WSAEFAULT, "WSARecvFrom: lpFlags");
      }
      checkOutName(lpFrom, lpFromlen);
      const socket = checkSocket(s), flags = lpFlags.value;
      let got: Awaitable<Datagram>;
      if (this.socketBackend.wsaRecvFrom) {
        got = this.socketBackend.wsaRecvFrom(socket, pieces, flags);
      } else {
        const whole = new Uint8Array(pieces.reduce((n, p) => n + p.byteLength, 0));
        const spread = (d: Datagram) => (scatter(whole.subarray(0, d.count), pieces), d);
        const one = this.socketBackend.recvfrom(socket, whole, flags);
        got = one instanceof Promise ? one.then(spread) : spread(one);
      }
      const done = ({ count, from, truncated }: Datagram) => {
        if (from) copyOut(from, lpFrom, lpFromlen);
        lpFlags.value = 0;
        if (truncated) {
          throw new WinsockError(WSAEMSGSIZE, "WSARecvFrom: datagram larger than the buffers");
        }
        if (lpNumberOfBytesRecvd) lpNumberOfBytesRecvd.value = count;
        return 0;
      };
      return got instanceof Promise ? got.then(done) : done(got);
    });
  }
}
