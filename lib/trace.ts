/**
 * Tracing: every Winsock call a program makes, printed as one line of C with
 * its arguments and its result, e.g.
 * `bind(0x1a4, 127.0.0.1:12345, 16) = SOCKET_ERROR (10048 WSAEADDRINUSE)`.
 *
 * `traceWinsock` wraps a façade; `openWinsock({ trace: true })` does it for
 * you, and without `trace` returns the plain `Winsock`, untouched. How each
 * call's arguments are shown is a table (`CALLS`): handles in hex, addresses
 * as `ip:port` (`[ipv6]:port`), buffers by name (their length is the next
 * argument), constants and flags by name, `int *` as `&16`. Out-parameters
 * (`accept`'s address and `addrlen`, `getsockopt`'s value,
 * `GetQueuedCompletionStatus`'s count, key and overlapped) are shown as the
 * call left them, as `strace` does; an `fd_set` as its count before the call,
 * and the counts `select` left after the result. A façade method the table
 * does not know is traced too, each argument shown by its type. Methods
 * with camelCase names (ours, such as `waitStats`) are not Winsock calls and
 * are not traced. A call that returns a Promise is printed when it settles.
 *
 * @module
 */

import {
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  FIONBIO,
  FIONREAD,
  INFINITE,
  INVALID_HANDLE_VALUE,
  INVALID_SOCKET,
  IP_ADD_MEMBERSHIP,
  IP_DROP_MEMBERSHIP,
  IP_MULTICAST_LOOP,
  IP_MULTICAST_TTL,
  IP_TTL,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPV6_V6ONLY,
  MSG_OOB,
  MSG_PEEK,
  MSG_WAITALL,
  SD_BOTH,
  SD_RECEIVE,
  SD_SEND,
  SO_BROADCAST,
  SO_ERROR,
  SO_EXCLUSIVEADDRUSE,
  SO_KEEPALIVE,
  SO_LINGER,
  SO_RCVBUF,
  SO_RCVTIMEO,
  SO_REUSEADDR,
  SO_SNDBUF,
  SO_SNDTIMEO,
  SO_TYPE,
  SO_UPDATE_ACCEPT_CONTEXT,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOCKET_ERROR,
  SOL_SOCKET,
  SOMAXCONN,
  TCP_KEEPALIVE,
  TCP_KEEPCNT,
  TCP_KEEPINTVL,
  TCP_NODELAY,
  WAIT_IO_COMPLETION,
  WAIT_TIMEOUT,
  WM_USER,
  WSA_FLAG_NO_HANDLE_INHERIT,
  WSA_FLAG_OVERLAPPED,
  WSA_INFINITE,
  WSA_WAIT_FAILED,
  WSA_WAIT_IO_COMPLETION,
  WSA_WAIT_TIMEOUT,
} from "./constants.ts";
import { describeWinsockError } from "./errors.ts";
import { formatAddress } from "./names.ts";
import {
  fd_set,
  sockaddr_in,
  sockaddr_in6,
  timeval,
  WSABUF,
  WSADATA,
  WSANETWORKEVENTS,
} from "./structs.ts";
import type { Winsock } from "./winsock.ts";

/** Where trace lines go: one call per line, without the newline. */
export type TraceSink = (line: string) => void;

/** Shows one argument; `args` are all of the call's arguments. */
type Show = (value: unknown, args: readonly unknown[]) => string;
/** Shows a result; `error` reads `WSAGetLastError()` (only when the result is a failure). */
type ShowResult = (result: unknown, args: readonly unknown[], error: () => number) => string;

/** An argument shown as the call left it (an out-parameter). */
interface Out {
  out: Show;
}

/** How one call is shown: its arguments in order, and its result. */
interface CallFormat {
  args: readonly (Show | Out)[];
  result: ShowResult;
}

// Arguments.

/** A `SOCKET` as C's `0x%x`: the winsock backend's handles, posix's fds, deno's counters. */
function hex(s: bigint): string {
  return s === INVALID_SOCKET ? "INVALID_SOCKET" : `0x${s.toString(16)}`;
}

/** Any value, by its type: the fallback for arguments the table does not describe. */
function any(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (typeof value === "bigint") return hex(value);
  if (Array.isArray(value)) return `{${value.map(any).join(", ")}}`;
  if (value instanceof WSABUF) return `{${value.len}, buf}`;
  if (value instanceof WSANETWORKEVENTS) return `&{${networkEvents(value.lNetworkEvents, [])}}`;
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (value instanceof Uint8Array) return "buf";
  if (value instanceof sockaddr_in || value instanceof sockaddr_in6) return formatAddress(value);
  if (value instanceof WSADATA) return "&wsaData";
  if (value instanceof fd_set) return `&{fd_count=${value.fd_count}}`;
  if (value instanceof timeval) return `&{${value.tv_sec}, ${value.tv_usec}}`;
  if (typeof value === "object" && "value" in value && Object.keys(value).length === 1) {
    const held = (value as { value: unknown }).value; // a pointer the call writes through
    if (typeof held === "number" || typeof held === "bigint") return `&${held}`; // int *, ULONG_PTR *
    if (held === null) return "&NULL";
    return `&${any(held).replace(/^&/, "")}`; // LPOVERLAPPED *: &WSAOVERLAPPED
  }
  if (typeof value === "function") return value.name || "function";
  const name = (value as object).constructor?.name;
  return name && name !== "Object" ? `&${name}` : "{…}";
}

/** A number shown by its constant's name when it has one. */
function named(names: Record<number, string>): Show {
  return (value) => typeof value === "number" && value in names ? names[value] : any(value);
}

/** A flag word shown as `A | B` (0 as `0`). */
function flags(names: Record<number, string>): Show {
  return (value) => {
    if (typeof value !== "number" || value === 0) return any(value);
    const known = Object.keys(names).map(Number).filter((bit) => (value & bit) === bit);
    const rest = known.reduce((v, bit) => v & ~bit, value);
    const parts = known.map((bit) => names[bit]);
    if (rest !== 0) parts.push(`0x${(rest >>> 0).toString(16)}`);
    return parts.join(" | ");
  };
}

const socket: Show = any;
/** A `HANDLE`: `INVALID_HANDLE_VALUE` (the same bits as `INVALID_SOCKET`) and `NULL` by name. */
const handle: Show = (value) =>
  value === INVALID_HANDLE_VALUE ? "INVALID_HANDLE_VALUE" : value === 0n ? "NULL" : any(value);
const int: Show = any;
const sockaddr: Show = any;
const intRef: Show = any;
const buf: Show = (value) => value instanceof Uint8Array ? "buf" : any(value);
const version: Show = (value) =>
  typeof value === "number" ? `MAKEWORD(${value & 0xff}, ${value >> 8 & 0xff})` : any(value);
const af = named({ [AF_UNSPEC]: "AF_UNSPEC", [AF_INET]: "AF_INET", [AF_INET6]: "AF_INET6" });
const type = named({ [SOCK_STREAM]: "SOCK_STREAM", [SOCK_DGRAM]: "SOCK_DGRAM" });
const protocol = named({ [IPPROTO_TCP]: "IPPROTO_TCP", [IPPROTO_UDP]: "IPPROTO_UDP" });
const backlog = named({ [SOMAXCONN]: "SOMAXCONN" });
const how = named({ [SD_RECEIVE]: "SD_RECEIVE", [SD_SEND]: "SD_SEND", [SD_BOTH]: "SD_BOTH" });
const msgFlags = flags({
  [MSG_OOB]: "MSG_OOB",
  [MSG_PEEK]: "MSG_PEEK",
  [MSG_WAITALL]: "MSG_WAITALL",
});
const level = named({
  [SOL_SOCKET]: "SOL_SOCKET",
  [IPPROTO_TCP]: "IPPROTO_TCP",
  [IPPROTO_IP]: "IPPROTO_IP",
  [IPPROTO_IPV6]: "IPPROTO_IPV6",
});
/** The options by level: `SO_*` at `SOL_SOCKET`, `TCP_*` at `IPPROTO_TCP`, and so on. */
const OPTIONS: Record<number, Record<number, string>> = {
  [SOL_SOCKET]: {
    [SO_REUSEADDR]: "SO_REUSEADDR",
    [SO_EXCLUSIVEADDRUSE]: "SO_EXCLUSIVEADDRUSE",
    [SO_KEEPALIVE]: "SO_KEEPALIVE",
    [SO_BROADCAST]: "SO_BROADCAST",
    [SO_LINGER]: "SO_LINGER",
    [SO_SNDBUF]: "SO_SNDBUF",
    [SO_RCVBUF]: "SO_RCVBUF",
    [SO_SNDTIMEO]: "SO_SNDTIMEO",
    [SO_RCVTIMEO]: "SO_RCVTIMEO",
    [SO_ERROR]: "SO_ERROR",
    [SO_TYPE]: "SO_TYPE",
    [SO_UPDATE_ACCEPT_CONTEXT]: "SO_UPDATE_ACCEPT_CONTEXT",
  },
  [IPPROTO_TCP]: {
    [TCP_NODELAY]: "TCP_NODELAY",
    [TCP_KEEPALIVE]: "TCP_KEEPALIVE",
    [TCP_KEEPCNT]: "TCP_KEEPCNT",
    [TCP_KEEPINTVL]: "TCP_KEEPINTVL",
  },
  [IPPROTO_IP]: {
    [IP_TTL]: "IP_TTL",
    [IP_MULTICAST_TTL]: "IP_MULTICAST_TTL",
    [IP_MULTICAST_LOOP]: "IP_MULTICAST_LOOP",
    [IP_ADD_MEMBERSHIP]: "IP_ADD_MEMBERSHIP",
    [IP_DROP_MEMBERSHIP]: "IP_DROP_MEMBERSHIP",
  },
  [IPPROTO_IPV6]: { [IPV6_V6ONLY]: "IPV6_V6ONLY" },
};
const optname: Show = (value, args) =>
  typeof args[1] === "number" && Object.hasOwn(OPTIONS, args[1])
    ? named(OPTIONS[args[1]])(value, args)
    : any(value);
/** An option's value: `&{l_onoff, l_linger}` for `SO_LINGER`, `&n` for an `int`, else `optval`. */
const optval: Show = (value, args) => {
  if (!(value instanceof Uint8Array)) return any(value);
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  if (args[2] === SO_LINGER && value.byteLength >= 4 && args[1] === SOL_SOCKET) {
    return `&{${view.getUint16(0, true)}, ${view.getUint16(2, true)}}`;
  }
  return value.byteLength === 4 ? `&${view.getInt32(0, true)}` : "optval";
};
const ioctlCommand = named({ [FIONBIO]: "FIONBIO", [FIONREAD]: "FIONREAD" });
/** `WSAEventSelect`'s network events (winsock2.h's `FD_*` bits). */
const networkEvents = flags({
  0x01: "FD_READ",
  0x02: "FD_WRITE",
  0x04: "FD_OOB",
  0x08: "FD_ACCEPT",
  0x10: "FD_CONNECT",
  0x20: "FD_CLOSE",
});
const out = (show: Show): Out => ({ out: show });
/** A wait's timeout in milliseconds: `WSA_INFINITE` by name. */
const timeoutMs = named({ [WSA_INFINITE]: "WSA_INFINITE" });
/** The same for kernel32's waits: `INFINITE`. */
const kernelTimeoutMs = named({ [INFINITE]: "INFINITE" });
/** `WSASocket`'s `dwFlags`. */
const wsaSocketFlags = flags({
  [WSA_FLAG_OVERLAPPED]: "WSA_FLAG_OVERLAPPED",
  [WSA_FLAG_NO_HANDLE_INHERIT]: "WSA_FLAG_NO_HANDLE_INHERIT",
});
/** A window message: `WM_USER + n` for the program's own (as `WSAAsyncSelect` is given). */
const windowMessage: Show = (value) =>
  typeof value === "number" && value >= WM_USER && value < 0x8000
    ? value === WM_USER ? "WM_USER" : `WM_USER + ${value - WM_USER}`
    : any(value);

// Results.

/** An error code with its name: `10048 WSAEADDRINUSE`. */
function codeName(code: number): string {
  return `${code} ${code === WAIT_TIMEOUT ? "WAIT_TIMEOUT" : describeWinsockError(code).name}`;
}

/** An `int` result: `SOCKET_ERROR (10048 WSAEADDRINUSE)` on failure, else the number. */
const status: ShowResult = (result, _args, error) =>
  result === SOCKET_ERROR ? `SOCKET_ERROR (${codeName(error())})` : any(result);
/** A `SOCKET` result: `INVALID_SOCKET (code name)` on failure, else the handle in hex. */
const socketResult: ShowResult = (result, _args, error) =>
  result === INVALID_SOCKET ? `INVALID_SOCKET (${codeName(error())})` : any(result);
/** A result that is an error code itself (`WSAStartup`, `WSAGetLastError`): `10092 (WSAVERNOTSUPPORTED)`. */
const code: ShowResult = (result) =>
  typeof result === "number" && result !== 0
    ? `${result} (${describeWinsockError(result).name})`
    : any(result);
/** `WSAStartup`: the code, and on success the version got and the description. */
const startup: ShowResult = (result, args, error) => {
  const data = args[1];
  if (result !== 0 || !(data instanceof WSADATA)) return code(result, args, error);
  const v = data.wVersion;
  return `0 (wVersion ${v & 0xff}.${v >> 8 & 0xff}, ${JSON.stringify(data.szDescription)})`;
};
/** `select`: the count, and what each set holds after (only its ready sockets). */
const selected: ShowResult = (result, args, error) => {
  if (result === SOCKET_ERROR || typeof result !== "number") return status(result, args, error);
  const left = ["readfds", "writefds", "exceptfds"].flatMap((name, i) => {
    const set = args[i + 1];
    return set instanceof fd_set ? [`${name} ${set.fd_count}`] : [];
  });
  return result === 0 ? "0 (timeout)" : `${result} (${left.join(", ")})`;
};
const nothing: ShowResult = () => "";
/** A `HANDLE` result: the handle, or `NULL (code name)`. */
const handleResult: ShowResult = (result, _args, error) =>
  result === null || result === 0n ? `NULL (${codeName(error())})` : any(result);
/** `SleepEx`: 0, or `WAIT_IO_COMPLETION` when completion routines ran. */
const slept: ShowResult = (result) =>
  result === WAIT_IO_COMPLETION ? "WAIT_IO_COMPLETION" : any(result);
/** A `BOOL` result: `TRUE`, or `FALSE (code name)`. */
const bool: ShowResult = (result, _args, error) =>
  result === true ? "TRUE" : result === false ? `FALSE (${codeName(error())})` : any(result);
/** A `WSAEVENT` result: the handle, or `WSA_INVALID_EVENT (code name)`. */
const eventResult: ShowResult = (result, _args, error) =>
  result === 0n ? `WSA_INVALID_EVENT (${codeName(error())})` : any(result);
/** `WSAWaitForMultipleEvents`: `WSA_WAIT_EVENT_0 + i`, `WSA_WAIT_TIMEOUT`, or the failure. */
const waited: ShowResult = (result, _args, error) => {
  if (result === WSA_WAIT_FAILED) return `WSA_WAIT_FAILED (${codeName(error())})`;
  if (result === WSA_WAIT_TIMEOUT) return "WSA_WAIT_TIMEOUT";
  if (result === WSA_WAIT_IO_COMPLETION) return "WSA_WAIT_IO_COMPLETION";
  return typeof result === "number" ? `WSA_WAIT_EVENT_0 + ${result}` : any(result);
};
/** Any result, by its type: the fallback. */
const anyResult: ShowResult = (result, args, error) =>
  result === undefined
    ? ""
    : typeof result === "bigint"
    ? socketResult(result, args, error)
    : status(result, args, error);

/**
 * How each call is shown. A method not here is shown argument by argument
 * by type; a new façade method needs an entry only to name its constants
 * or to show an out-parameter after the call.
 */
const CALLS: Readonly<Record<string, CallFormat>> = {
  WSAStartup: { args: [version, out(any)], result: startup },
  WSACleanup: { args: [], result: status },
  WSAGetLastError: { args: [], result: code },
  WSASetLastError: { args: [int], result: nothing },
  socket: { args: [af, type, protocol], result: socketResult },
  bind: { args: [socket, sockaddr, int], result: status },
  listen: { args: [socket, backlog], result: status },
  accept: { args: [socket, out(sockaddr), out(intRef)], result: socketResult },
  connect: { args: [socket, sockaddr, int], result: status },
  recv: { args: [socket, buf, int, msgFlags], result: status },
  send: { args: [socket, buf, int, msgFlags], result: status },
  recvfrom: {
    args: [socket, buf, int, msgFlags, out(sockaddr), out(intRef)],
    result: status,
  },
  sendto: { args: [socket, buf, int, msgFlags, sockaddr, int], result: status },
  shutdown: { args: [socket, how], result: status },
  closesocket: { args: [socket], result: status },
  select: { args: [int, any, any, any, any], result: selected },
  getpeername: { args: [socket, out(sockaddr), out(intRef)], result: status },
  getsockname: { args: [socket, out(sockaddr), out(intRef)], result: status },
  setsockopt: { args: [socket, level, optname, optval, int], result: status },
  getsockopt: { args: [socket, level, optname, out(optval), out(intRef)], result: status },
  ioctlsocket: { args: [socket, ioctlCommand, out(intRef)], result: status },
  WSACreateEvent: { args: [], result: eventResult },
  WSASetEvent: { args: [any], result: bool },
  WSAResetEvent: { args: [any], result: bool },
  WSACloseEvent: { args: [any], result: bool },
  WSAEventSelect: { args: [socket, any, networkEvents], result: status },
  WSAEnumNetworkEvents: { args: [socket, any, out(any)], result: status },
  WSAWaitForMultipleEvents: { args: [int, any, any, timeoutMs, any], result: waited },
  WSAAsyncSelect: { args: [socket, any, windowMessage, networkEvents], result: status },
  WSASocket: { args: [af, type, protocol, any, int, wsaSocketFlags], result: socketResult },
  WSARecv: {
    args: [socket, any, int, out(intRef), out(intRef), any, any],
    result: status,
  },
  WSASend: { args: [socket, any, int, out(intRef), msgFlags, any, any], result: status },
  WSAGetOverlappedResult: {
    args: [socket, any, out(intRef), any, out(intRef)],
    result: bool,
  },
  AcceptEx: { args: [socket, socket, buf, int, int, int, out(intRef), any], result: bool },
  CreateIoCompletionPort: { args: [handle, handle, int, int], result: handleResult },
  GetQueuedCompletionStatus: {
    args: [handle, out(intRef), out(intRef), out(any), kernelTimeoutMs],
    result: bool,
  },
  GetQueuedCompletionStatusEx: {
    args: [handle, any, int, out(intRef), kernelTimeoutMs, any],
    result: bool,
  },
  PostQueuedCompletionStatus: { args: [handle, int, int, any], result: bool },
  CloseHandle: { args: [handle], result: bool },
  SleepEx: { args: [kernelTimeoutMs, any], result: slept },
  getaddrinfo: { args: [any, any, any, out(any)], result: code },
};

const GENERIC: CallFormat = { args: [], result: anyResult };

/** The table's entry for a call, or the fallback (never `Object.prototype`'s members). */
function formatOf(name: string): CallFormat {
  return Object.hasOwn(CALLS, name) ? CALLS[name] : GENERIC;
}

/** A shown value, or `?` when it cannot be shown: tracing never breaks a call. */
function safe(show: () => string): string {
  try {
    return show();
  } catch {
    return "?";
  }
}

/** Winsock calls have C names: `socket`, `getaddrinfo`, `WSAStartup`; ours are camelCase. */
function isCName(name: string): boolean {
  return /^([a-z][a-z0-9_]*|[A-Z].*)$/.test(name);
}

/**
 * Formats one call as its line of C, with its result (none when it threw);
 * never throws (a value it cannot show is `?`).
 */
function line(
  name: string,
  args: readonly unknown[],
  before: readonly (string | null)[],
  outcome: { result: unknown } | { threw: unknown },
  error: () => number,
): string {
  const format = formatOf(name);
  const shown = args.map((value, i) => {
    const spec = format.args[i];
    return before[i] ?? safe(() => (spec && "out" in spec ? spec.out : any)(value, args));
  });
  const call = `${name}(${shown.join(", ")})`;
  if ("threw" in outcome) return `${call} threw ${safe(() => String(outcome.threw))}`;
  const shownResult = safe(() => format.result(outcome.result, args, error));
  return shownResult === "" ? call : `${call} = ${shownResult}`;
}

/** The arguments shown at call time (null for out-parameters, shown when the call returns). */
function showBefore(name: string, args: readonly unknown[]): (string | null)[] {
  const format = formatOf(name);
  return args.map((value, i) => {
    const spec = format.args[i] ?? any;
    return typeof spec === "function" ? safe(() => spec(value, args)) : null;
  });
}

/** The default sink: one line on stderr, written at once (so it keeps its place among the calls). */
export function stderrSink(): TraceSink {
  const encoder = new TextEncoder();
  return (text) => {
    const bytes = encoder.encode(text + "\n");
    for (let done = 0; done < bytes.byteLength;) {
      done += Deno.stderr.writeSync(bytes.subarray(done));
    }
  };
}

/**
 * Wraps a façade so that each Winsock call it makes is written to `sink`
 * (default: stderr) as one line of C with its result; the calls themselves
 * are the façade's, unchanged. `openWinsock({ trace: true })` does this.
 *
 * @example
 * ```ts
 * import {
 *   AF_INET, IPPROTO_TCP, MAKEWORD, openWinsock, SOCK_STREAM, traceWinsock, WSADATA,
 * } from "@winsock/tutorial";
 * const lines: string[] = [];
 * const ws = traceWinsock(openWinsock({ backend: "deno" }), (line) => lines.push(line));
 * ws.WSAStartup(MAKEWORD(2, 2), new WSADATA());
 * ws.closesocket(ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP));
 * ws.WSACleanup();
 * console.log(lines[1]); // "socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = 0x100"
 * ```
 */
export function traceWinsock<W extends Winsock<boolean>>(
  ws: W,
  sink: TraceSink = stderrSink(),
): W {
  const error = () => ws.WSAGetLastError(); // the façade's own: reading it is not a call
  const wrapped = new Map<PropertyKey, unknown>();
  const traced =
    (name: string, method: (...args: unknown[]) => unknown) => (...args: unknown[]) => {
      const before = showBefore(name, args);
      const done = (result: unknown) => {
        sink(line(name, args, before, { result }, error));
        return result;
      };
      const threw = (e: unknown): never => {
        sink(line(name, args, before, { threw: e }, error));
        throw e;
      };
      let result: unknown;
      try {
        result = method.apply(ws, args);
      } catch (e) {
        threw(e);
      }
      return result instanceof Promise ? result.then(done, threw) : done(result);
    };
  return new Proxy(ws, {
    get(target, key) {
      const value = Reflect.get(target, key, target); // private fields live on the target
      if (typeof value !== "function" || key === "constructor") return value;
      if (!wrapped.has(key)) {
        const method = value as (...args: unknown[]) => unknown;
        wrapped.set(
          key,
          typeof key === "string" && isCName(key) ? traced(key, method) : method.bind(target),
        );
      }
      return wrapped.get(key);
    },
  });
}
