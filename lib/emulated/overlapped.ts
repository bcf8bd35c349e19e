/**
 * Overlapped I/O emulated over a backend's own waits (posix, deno), with
 * Windows' semantics: an operation is started at once; when the backend's
 * `recv`/`send` settles (through its reactor), the operation's
 * `WSAOVERLAPPED` gets its status and byte count, and the completion goes
 * where Windows sends it: to the completion routine's queue (the façade's
 * `ApcQueue`, run only in an alertable `SleepEx` or
 * `WSAWaitForMultipleEvents`), else to the socket's completion port and to
 * its `hEvent` (an event object of the façade's `EmulatedEventSelect`). An
 * operation that completes at once still does all that, as on Windows. A
 * socket closed with operations pending completes them with 995
 * `WSA_OPERATION_ABORTED`.
 *
 * @module
 */

import { setImmediate } from "node:timers";
import {
  ACCEPTEX_ADDRESS,
  type Awaitable,
  type Completion,
  type CompletionEngine,
  type CompletionRoutine,
  type Outcome,
  type SocketBackend,
} from "../backends/contract.ts";
import { type HANDLE, INFINITE, type SOCKET, SOL_SOCKET } from "../constants.ts";
import {
  isWinsockError,
  WinsockError,
  WSA_INVALID_HANDLE,
  WSA_INVALID_PARAMETER,
  WSA_OPERATION_ABORTED,
  WSAEFAULT,
  WSAEINTR,
  WSAEINVAL,
  WSAENOTSOCK,
  WSAEOPNOTSUPP,
} from "../errors.ts";
import { STATUS_PENDING, type WSAOVERLAPPED } from "../overlapped_structs.ts";
import { decodeSockaddr, encodeSockaddr, type SOCKADDR } from "../structs.ts";
import type { EmulatedEventSelect } from "./event_select.ts";
import { EmulatedCompletionPort } from "./completion_ports.ts";

/** `ERROR_ABANDONED_WAIT_0`: the port was closed while `GetQueuedCompletionStatus` waited. */
export const ERROR_ABANDONED_WAIT_0 = 735;
/** `SO_TYPE`, only to ask whether a socket exists. */
const SO_TYPE = 0x1008;

/** Writes `address` where `AcceptEx` leaves it (`ACCEPTEX_ADDRESS`), if it fits in `room` bytes. */
function writeAddress(out: Uint8Array, at: number, room: number, address: SOCKADDR): void {
  const bytes = encodeSockaddr(address);
  if (ACCEPTEX_ADDRESS.sockaddr + bytes.byteLength > room) {
    throw new WinsockError(WSAEFAULT, `AcceptEx: ${room} bytes for an address`);
  }
  new DataView(out.buffer, out.byteOffset + at).setInt32(
    ACCEPTEX_ADDRESS.length,
    bytes.byteLength,
    true,
  );
  out.set(bytes, at + ACCEPTEX_ADDRESS.sockaddr);
}

function readAddress(out: Uint8Array, at: number): SOCKADDR {
  const length = new DataView(out.buffer, out.byteOffset + at).getInt32(
    ACCEPTEX_ADDRESS.length,
    true,
  );
  return decodeSockaddr(out.subarray(at + ACCEPTEX_ADDRESS.sockaddr), undefined, length);
}

/** The NTSTATUS Windows leaves in `Internal` for a Winsock code (the common ones). */
function statusOf(error: number): bigint {
  switch (error) {
    case 0:
      return 0n;
    case WSA_OPERATION_ABORTED:
      return 0xc0000120n; // STATUS_CANCELLED
    case 10054:
      return 0xc000020dn; // STATUS_CONNECTION_RESET
    case 10053:
      return 0xc0000241n; // STATUS_CONNECTION_ABORTED
    default:
      return 0xc0000001n; // STATUS_UNSUCCESSFUL
  }
}

interface Operation {
  outcome: Outcome | null;
  done: Promise<void>;
}

/**
 * The engine over the façade's event select emulation `events`: operations
 * run on its socket calls (`events.backend`), a completion sets its event
 * objects (`hEvent`) and queues completion routines on its `apc`, so its
 * alertable `WSAWaitForMultipleEvents` runs them, and a socket closed
 * through it is forgotten by its port.
 */
export function createEmulatedCompletionEngine(events: EmulatedEventSelect): CompletionEngine {
  const backend: SocketBackend = events.backend;
  const ports = new Map<HANDLE, EmulatedCompletionPort>();
  const associated = new Map<SOCKET, { port: EmulatedCompletionPort; key: bigint }>();
  const operations = new WeakMap<WSAOVERLAPPED, Operation>();
  const apc = events.apc;
  events.watchClose((s) => associated.delete(s));
  let nextHandle = 0x1000n;

  function port(h: HANDLE): EmulatedCompletionPort {
    const p = typeof h === "bigint" ? ports.get(h) : undefined;
    if (!p) throw new WinsockError(WSA_INVALID_HANDLE, `not a completion port: ${String(h)}`);
    return p;
  }

  function complete(
    to: { port: EmulatedCompletionPort; key: bigint } | undefined,
    ov: WSAOVERLAPPED,
    op: Operation,
    outcome: Outcome,
    routine: CompletionRoutine | null,
    settle: () => void,
  ): void {
    ov.Internal = statusOf(outcome.error);
    ov.InternalHigh = BigInt(outcome.bytes);
    op.outcome = outcome;
    settle();
    if (routine) { // a completion routine takes it: hEvent is the caller's, no port
      apc.queue(() => routine(outcome.error, outcome.bytes, ov, outcome.flags));
      return;
    }
    if (ov.hEvent !== 0n) {
      try {
        events.WSASetEvent(ov.hEvent);
      } catch (e) { // not an event (closed meanwhile): Windows' SetEvent fails unseen too
        if (!isWinsockError(e, WSA_INVALID_HANDLE)) throw e;
      }
    }
    to?.port.post({ key: to.key, ov, bytes: outcome.bytes, error: outcome.error });
  }

  function recvInto(s: SOCKET, bufs: Uint8Array[], flags: number): Awaitable<number> {
    if (bufs.length === 1) return backend.recv(s, bufs[0], flags);
    const whole = new Uint8Array(bufs.reduce((n, b) => n + b.byteLength, 0));
    const scatter = (n: number) => {
      let at = 0;
      for (const b of bufs) {
        const part = whole.subarray(at, Math.min(n, at + b.byteLength));
        b.set(part);
        at += part.byteLength;
      }
      return n;
    };
    const n = backend.recv(s, whole, flags);
    return n instanceof Promise ? n.then(scatter) : scatter(n);
  }

  function sendFrom(s: SOCKET, bufs: Uint8Array[], flags: number): Awaitable<number> {
    if (bufs.length === 1) return backend.send(s, bufs[0], flags);
    const whole = new Uint8Array(bufs.reduce((n, b) => n + b.byteLength, 0));
    let at = 0;
    for (const b of bufs) {
      whole.set(b, at);
      at += b.byteLength;
    }
    return backend.send(s, whole, flags);
  }

  function busy(ov: WSAOVERLAPPED): void {
    if (operations.get(ov)?.outcome === null) {
      throw new WinsockError(WSAEINVAL, "lpOverlapped is in use by an operation still pending");
    }
  }

  /**
   * An operation started: done at once (its count; the completion still
   * delivered) or pending (null; delivered when `answer` settles).
   */
  function track(
    to: { port: EmulatedCompletionPort; key: bigint } | undefined,
    ov: WSAOVERLAPPED,
    routine: CompletionRoutine | null,
    answer: Awaitable<number>,
  ): number | null {
    let settle = () => {};
    const op: Operation = { outcome: null, done: new Promise((r) => settle = r) };
    operations.set(ov, op);
    if (!(answer instanceof Promise)) {
      complete(to, ov, op, { bytes: answer, flags: 0, error: 0 }, routine, settle);
      return answer;
    }
    ov.Internal = STATUS_PENDING;
    ov.InternalHigh = 0n;
    answer.then(
      (bytes) => complete(to, ov, op, { bytes, flags: 0, error: 0 }, routine, settle),
      (e) => {
        if (!isWinsockError(e)) throw e;
        const error = e.code === WSAEINTR ? WSA_OPERATION_ABORTED : e.code; // closed meanwhile
        complete(to, ov, op, { bytes: 0, flags: 0, error }, routine, settle);
      },
    );
    return null;
  }

  return {
    start(send, s, bufs, flags, ov, routine) {
      busy(ov);
      const answer = send ? sendFrom(s, bufs, flags) : recvInto(s, bufs, flags); // throws at once
      return track(associated.get(s), ov, routine, answer);
    },
    acceptEx(listener, into, out, recvLength, localLength, remoteLength, ov) {
      if (!backend.acceptInto) {
        throw new WinsockError(WSAEOPNOTSUPP, `AcceptEx on the ${backend.name} backend`);
      }
      busy(ov);
      const accepted = backend.acceptInto(listener, into);
      const received = (remote: SOCKADDR): Awaitable<number> => {
        writeAddress(out, recvLength, localLength, backend.getsockname(into));
        writeAddress(out, recvLength + localLength, remoteLength, remote);
        return recvLength === 0 ? 0 : backend.recv(into, out.subarray(0, recvLength), 0);
      };
      const answer = accepted instanceof Promise ? accepted.then(received) : received(accepted);
      return track(associated.get(listener), ov, null, answer);
    },
    acceptExSockaddrs(out, recvLength, localLength) {
      return {
        local: readAddress(out, recvLength),
        remote: readAddress(out, recvLength + localLength),
      };
    },
    result(_s, ov) {
      const op = operations.get(ov);
      if (op && op.outcome === null) return null;
      return op?.outcome ?? { bytes: Number(ov.InternalHigh), flags: 0, error: 0 };
    },
    done: (ov) => operations.get(ov)?.done ?? Promise.resolve(),
    createPort(s, existing, key) {
      if (s !== null) {
        try {
          backend.getsockopt(s, SOL_SOCKET, SO_TYPE, new Uint8Array(4));
        } catch (e) {
          if (isWinsockError(e, WSAENOTSOCK)) {
            throw new WinsockError(WSA_INVALID_HANDLE, `not a socket: ${s}`);
          }
          throw e;
        }
        if (associated.has(s)) {
          throw new WinsockError(
            WSA_INVALID_PARAMETER,
            `socket ${s} already has a completion port`,
          );
        }
      }
      let h = existing;
      if (h === null) {
        h = nextHandle += 4n;
        ports.set(h, new EmulatedCompletionPort());
      }
      if (s !== null) associated.set(s, { port: port(h), key });
      return h;
    },
    async dequeue(h, max, ms) {
      const got = await port(h).take(max, ms === INFINITE ? null : ms);
      if (got === null) throw new WinsockError(ERROR_ABANDONED_WAIT_0, "the port was closed");
      return got;
    },
    post(h, bytes, key, ov) {
      port(h).post({ key, ov, bytes, error: 0 } satisfies Completion);
    },
    closeHandle(h) {
      const p = port(h);
      ports.delete(h);
      for (const [s, a] of associated) if (a.port === p) associated.delete(s);
      p.close();
    },
    async sleepEx(ms, alertable) {
      // SleepEx(0) gives up the rest of the thread's time slice: here, one turn of the event
      // loop, where completions arrive (a loop of them would otherwise starve the reactor);
      // setImmediate, as a chain of setTimeout(0) is held to 4 ms a turn.
      if (ms === 0) await new Promise((r) => setImmediate(r));
      else if (!alertable) {
        await new Promise((r) => setTimeout(r, ms === INFINITE ? 2 ** 31 - 1 : ms));
      } else if (!apc.pending) {
        await new Promise<void>((resolve) => {
          const timer = ms === INFINITE ? undefined : setTimeout(done, ms);
          const unwatch = apc.watch(done);
          function done() {
            clearTimeout(timer);
            unwatch();
            resolve();
          }
        });
      }
      if (!alertable || !apc.pending) return 0;
      apc.runAll();
      return 0xc0; // WAIT_IO_COMPLETION
    },
  };
}
