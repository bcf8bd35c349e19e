/**
 * The named rules: every difference allowed between C on Winsock (the
 * reference: the mingw harness under Wine, or on Windows) and the façade, or
 * between C on Linux and C on Winsock, is one of these, a predicate over the
 * step and its context with the reason. Nothing is allowed per script.
 */

import type { Target } from "./scenarios.ts";

/** One compared line: the step, what the reference printed, what was got. */
export interface Context {
  /** Where the façade ran (façade rules), or "linux-c" (C on Linux, platform rules). */
  target: Target | "linux-c";
  /** The script line, e.g. `recv c 50 2`. */
  step: string;
  /** Its call (`recv`) and arguments (`["c", "50", "2"]`). */
  op: string;
  args: string[];
  /** What C on Winsock printed after ` => `. */
  reference: string;
  /** What the façade (or C on Linux) printed after ` => `. */
  got: string;
  /** The script's lines before this one (calls and sleeps). */
  earlier: string[];
  /** What C on Winsock printed for the calls before this one (`STEP => RESULT`). */
  earlierReference: string[];
}

export interface Rule {
  name: string;
  why: string;
  /** Whether the rule explains this difference. */
  allows(c: Context): boolean;
  /**
   * The two sides' sockets are no longer in the same state after it (a
   * linger the façade could not set, a connection that should have failed):
   * the rest of the script is not compared.
   */
  diverges?: boolean;
}

const LINUX: Target[] = ["posix@linux", "posix-raw@linux", "deno@linux"];
const DENO: Target[] = ["deno@linux", "deno@wine", "deno@windows"];
const on = (targets: Target[], c: Context) => targets.includes(c.target as Target);
const isRecv = (c: Context) => c.op === "recv" || c.op === "recvfrom";
const isSend = (c: Context) => c.op === "send" || c.op === "sendto";
const failed = (text: string, code: number) => text === `-1 ${code}`;
/** An option's name in `setopt`/`getopt` (or `linger`). */
const option = (c: Context) => c.op === "linger" ? "linger" : c.args[1];
/** A flags argument holding bits Winsock knows but a step ignores, or none knows. */
const UNKNOWN_FLAG = 0x100000;
const flagsOf = (c: Context) => Number((c.op === "sendto" ? c.args[3] : c.args[2]) ?? 0);

/** Whether the script shut the step's socket down for receiving before the step. */
const shutReceive = (c: Context) =>
  c.earlier.some((s) => new RegExp(`^shutdown ${c.args[0]} [02]$`).test(s));
/** Whether the step's socket is a UDP one (made by `udp`, never by `socket` after). */
const udpSocket = (c: Context) => {
  const made = c.earlier.filter((s) => new RegExp(`^(udp|socket|accept) ${c.args[0]}\\b`).test(s));
  return made.length > 0 && made[made.length - 1].startsWith("udp");
};

/**
 * Whether C on Winsock failed a send or sendto of the step's socket before, while it had no
 * port (since it was last made).
 */
const failedSendUnbound = (c: Context) => {
  const x = c.args[0];
  const lines = c.earlierReference;
  const made = lines.findLastIndex((l) => new RegExp(`^(udp|socket|accept) ${x}\\b`).test(l));
  return lines.some((l, i) =>
    i > made && new RegExp(`^(send|sendto) ${x} .* => -1 `).test(l) && !hadPort(lines, x, i)
  );
};

/** Whether socket `y` had a port (bound, or bound by a call, and not closed since) before line `before`. */
const hadPort = (lines: string[], y: string, before: number) => {
  const bound = new RegExp(
    `^((bind|bindto|bindany) ${y}\\b.* => 0|(connect|listen) ${y}\\b.* => 0|` +
      `sendto ${y}\\b.* => \\d|accept ${y}\\b.* => ok)`,
  );
  const gone = new RegExp(`^(close ${y} => 0|(socket|udp) ${y} => )`);
  let port = false;
  for (const l of lines.slice(0, before)) {
    if (bound.test(l)) port = true;
    else if (gone.test(l)) port = false;
  }
  return port;
};

/**
 * Whether the step, or an earlier connect or sendto of its socket, aimed at a
 * socket with no port: the harness then names port 0.
 */
const toPortZero = (c: Context) => {
  const x = c.args[0];
  const aims = [...c.earlierReference, `${c.step} => ${c.reference}`];
  return aims.some((l, i) => {
    const m = l.match(new RegExp(`^(?:connect ${x} (\\w)|sendto ${x} \\S+ (\\w))\\b`));
    return m !== null && !hadPort(aims, m[1] ?? m[2], i);
  });
};

/** The façade against C on Winsock. */
export const FACADE_RULES: Rule[] = [
  {
    name: "wine-consumes-reset",
    why: "a reset that came before the call: Wine's own recv says 0 (wineserver's poll " +
      "consumed it); Windows says 10054, and so do the backends (the winsock backend asks " +
      "WSAPoll, which still shows the reset)",
    allows: (c) => isRecv(c) && c.reference.startsWith("0") && failed(c.got, 10054),
  },
  {
    name: "wine-ignores-flags",
    why: "a flag the call does not take (an unknown bit; MSG_WAITALL or MSG_PEEK on send): " +
      "Wine passes it to Linux, which ignores it; Windows says 10045 WSAEOPNOTSUPP, and so do " +
      "the posix and deno backends",
    allows: (c) =>
      (isRecv(c) || isSend(c)) && failed(c.got, 10045) &&
      ((flagsOf(c) & UNKNOWN_FLAG) !== 0 || (isSend(c) && (flagsOf(c) & 0xa) !== 0)),
    diverges: true,
  },
  {
    name: "wine-send-unconnected",
    why: "a send on a TCP socket never connected: Wine passes Linux's EPIPE on (10054); " +
      "Windows says 10057 WSAENOTCONN, as the deno backend does",
    allows: (c) => isSend(c) && failed(c.reference, 10054) && failed(c.got, 10057),
  },
  {
    name: "wine-bind-family",
    why: "bind with a sockaddr_in6 on an AF_INET socket: Wine says 10045 WSAEOPNOTSUPP (10022 " +
      "if already bound); the backends on Linux say 10047 WSAEAFNOSUPPORT (the address family " +
      "is not the socket's)",
    allows: (c) =>
      c.op === "bind6" && (failed(c.reference, 10045) || failed(c.reference, 10022)) &&
      failed(c.got, 10047) && !c.target.startsWith("winsock"),
  },
  {
    name: "lengths-first",
    why: "the façade checks a length against its buffer before a call reaches the backend " +
      "(no bad length is handed to a system call): 10014 where Winsock, which looks at the " +
      "socket first, names what is wrong with it (10038 not a socket, 10057 not connected, " +
      "10058 shut down, 10040 too long for a datagram…); Wine's send of a negative length on " +
      "a socket never connected waits for ever",
    allows: (c) =>
      (isRecv(c) || isSend(c)) && /^-|\//.test(c.args[1]) && !udpSocket(c) &&
      (c.reference.startsWith("-1 ") || c.reference === "") && failed(c.got, 10014),
  },
  {
    name: "lengths-first-udp",
    why: "as lengths-first, on a UDP socket: Winsock's failed call has bound the socket " +
      "meanwhile (a send binds it), the façade's made no call and did not",
    allows: (c) =>
      (isRecv(c) || isSend(c)) && /^-|\//.test(c.args[1]) && udpSocket(c) &&
      c.reference.startsWith("-1 ") && failed(c.got, 10014),
    diverges: true,
  },
  {
    name: "wine-tcp-option-on-udp",
    why: "TCP_NODELAY on a UDP socket: Wine says 10022 WSAEINVAL; Windows says 10042 " +
      "WSAENOPROTOOPT (no such option at that level for the socket), and so do the backends",
    allows: (c) =>
      ["setopt", "getopt"].includes(c.op) && c.args[1] === "nodelay" &&
      failed(c.reference, 10022) && failed(c.got, 10042),
  },
  {
    name: "wine-sets-so-error",
    why: "setsockopt(SO_ERROR): Wine accepts it on anything (a stub); the option is read-only " +
      "on Windows and in the backends (10042 WSAENOPROTOOPT, or what is wrong first)",
    allows: (c) => c.op === "setopt" && c.args[1] === "error" && c.reference === "0",
    diverges: true,
  },
  {
    name: "option-check-order",
    why: "setsockopt/getsockopt with more than one thing wrong (the socket, the level, the " +
      "option, the length): Wine looks at the option and the length before the socket; " +
      "Windows and the backends at the socket first, then the length, then the option. " +
      "Both refuse",
    allows: (c) =>
      ["setopt", "getopt", "linger"].includes(c.op) && c.reference !== c.got &&
      [10042, 10022, 10014, 10038, 10045].some((code) => failed(c.reference, code)) &&
      [10042, 10022, 10014, 10038, 10045].some((code) => failed(c.got, code)),
  },
  {
    name: "wine-sets-linger-on-udp",
    why: "setsockopt(SO_LINGER) on a UDP socket: Wine takes it (its getsockopt says 10042); " +
      "Windows refuses it (10042 WSAENOPROTOOPT: not for sockets without connections), and " +
      "so does the posix backend",
    allows: (c) =>
      option(c) === "linger" && ["setopt", "linger"].includes(c.op) && udpSocket(c) &&
      c.reference === "0" && failed(c.got, 10042),
  },
  {
    name: "waitall-where-windows-refuses",
    why: "MSG_WAITALL with MSG_PEEK, or on a UDP socket: Windows refuses it (10045 " +
      "WSAEOPNOTSUPP, as documented); Wine ignores MSG_WAITALL; the backends answer as " +
      "their platform's recv does",
    allows: (c) =>
      isRecv(c) && (flagsOf(c) & 0x8) !== 0 && ((flagsOf(c) & 0x2) !== 0 || udpSocket(c)),
    diverges: true,
  },
  {
    name: "wine-send-unconnected-udp",
    why: "send on a UDP socket never connected: Wine says 10022 WSAEINVAL (10040 first for a " +
      "datagram too long); Windows says 10057 WSAENOTCONN, and so do the backends",
    allows: (c) =>
      c.op === "send" && (failed(c.reference, 10022) || failed(c.reference, 10040)) &&
      failed(c.got, 10057) && udpSocket(c),
  },
  {
    name: "deno-no-send-flags",
    why: "the deno backend's send and sendto take no flags (10045 WSAEOPNOTSUPP): Deno's " +
      "sockets have no out-of-band data",
    allows: (c) => on(DENO, c) && isSend(c) && flagsOf(c) !== 0 && failed(c.got, 10045),
    diverges: true,
  },
  {
    name: "buffer-sizes",
    why: "SO_SNDBUF/SO_RCVBUF read back the platform's own sizes (Linux doubles what was set " +
      "and chooses its defaults; Wine reports its own): the call's result is compared, not " +
      "the size",
    allows: (c) =>
      c.op === "getopt" && ["sndbuf", "rcvbuf"].includes(c.args[1]) &&
      c.reference.startsWith("0 ") && c.got.startsWith("0 "),
  },
  {
    name: "deno-no-linger",
    why: "the deno backend cannot express SO_LINGER (10042): Deno's sockets have no such " +
      "option, so a close that would reset closes in order",
    allows: (c) => on(DENO, c) && option(c) === "linger" && failed(c.got, 10042),
    diverges: true,
  },
  {
    name: "deno-few-options",
    why: "the deno backend keeps only the options Deno's sockets can express (TCP_NODELAY, " +
      "SO_KEEPALIVE, SO_REUSEADDR, SO_ERROR, SO_TYPE on TCP; SO_TYPE and SO_ERROR on UDP); " +
      "others are 10042 WSAENOPROTOOPT",
    allows: (c) => on(DENO, c) && ["setopt", "getopt"].includes(c.op) && failed(c.got, 10042),
    diverges: true,
  },
  {
    name: "deno-bind-listens",
    why: "the deno backend's bind is Deno.listen: a bound TCP socket already accepts " +
      "connections, and cannot then connect",
    allows: (c) => on(DENO, c) && ["connect", "listen", "accept"].includes(c.op),
    diverges: true,
  },
  {
    name: "wine-short-reuseaddr",
    why: "setsockopt(SO_REUSEADDR) with optlen 0: Wine takes it (0); Windows says 10014 " +
      "WSAEFAULT for an optlen below sizeof(BOOL), and so do the backends",
    allows: (c) =>
      c.op === "setopt" && c.args[1] === "reuseaddr" && c.args[3] === "0" &&
      c.reference === "0" && failed(c.got, 10014),
    diverges: true,
  },
  {
    name: "linux-readable-after-shutdown",
    why: "after our shutdown(SD_RECEIVE) (or SD_BOTH), Linux's poll (and the deno backend) " +
      "call the socket readable, so the recv is made and fails at once (10058 WSAESHUTDOWN, " +
      "as Windows) where Wine's select says not readable and the harness does not call",
    allows: (c) =>
      (on(LINUX, c) || on(DENO, c)) && shutReceive(c) &&
      ((isRecv(c) && c.reference === "blocks" && c.got.startsWith("-1 ")) ||
        (c.op === "select" && c.got.includes("r") && !c.reference.includes("r"))),
  },
  {
    name: "deno-udp-no-ioctl-shutdown",
    why: "the deno backend's UDP sockets (Deno.listenDatagram) take no ioctlsocket and no " +
      "shutdown: 10038",
    allows: (c) =>
      on(DENO, c) && ["ioctl", "shutdown"].includes(c.op) && failed(c.got, 10038) &&
      udpSocket(c),
    diverges: true,
  },
  {
    name: "to-port-zero",
    why: "a connect or sendto to a socket with no port goes to port 0, which Windows refuses " +
      "(10049 WSAEADDRNOTAVAIL) and Wine and Linux each treat their own way (UDP: sent, " +
      "refused later, or 10022): nothing a program can rely on",
    allows: toPortZero,
    diverges: true,
  },
  {
    name: "oob-none-waiting",
    why: "recv(MSG_OOB) on a non-blocking socket with no out-of-band data: Winsock says 10035 " +
      "WSAEWOULDBLOCK; Linux says EINVAL (10022), and the posix backend passes it on",
    allows: (c) =>
      isRecv(c) && (flagsOf(c) & 0x1) !== 0 && failed(c.reference, 10035) && failed(c.got, 10022),
  },
  {
    name: "wine-recv-unbound-udp",
    why: "recv/recvfrom on a UDP socket never bound: Windows says 10022 WSAEINVAL at once, and " +
      "so do the backends; Wine waits (10035 on a non-blocking socket)",
    allows: (c) => isRecv(c) && udpSocket(c) && failed(c.reference, 10035) && failed(c.got, 10022),
  },
  {
    name: "udp-port-unreachable",
    why: "a datagram sent to a port nobody listens on: Windows fails the next recv with 10054 " +
      "WSAECONNRESET; Linux fails the next send or recv of a connected socket with " +
      "ECONNREFUSED, which the posix backend passes on (10061 on a send, 10054 on a recv); " +
      "Wine reports nothing to those, but SO_ERROR says 10061; Deno's sockets report nothing",
    allows: (c) =>
      udpSocket(c) &&
      (((isSend(c) || isRecv(c)) && !c.reference.startsWith("-1") &&
        (failed(c.got, 10061) || failed(c.got, 10054) ||
          // the report makes the socket readable: a bad length is then looked at (10014)
          (c.reference === "blocks" && /^-|\//.test(c.args[1]) && failed(c.got, 10014)))) ||
        (on(DENO, c) && c.op === "getopt" && c.args[1] === "error" &&
          c.reference === "0 10061" && c.got === "0 0") ||
        // Linux's report waits in the socket, which sent: its select calls it readable
        (on(LINUX, c) && c.op === "select" && c.got.includes("r") && !c.reference.includes("r") &&
          c.earlier.some((l) => new RegExp(`^(send|sendto) ${c.args[0]} `).test(l)))),
    diverges: true,
  },
  {
    name: "wine-send-after-reset",
    why: "send on a connection the peer has reset (it closed with data unread, aborted, or " +
      "was sent data after its shutdown(SD_RECEIVE)): Windows says 10054 WSAECONNRESET, and " +
      "so does the posix backend; Wine's send succeeds",
    allows: (c) =>
      isSend(c) && !udpSocket(c) && /^\d/.test(c.reference) && failed(c.got, 10054) &&
      c.earlier.some((l) => l.startsWith("close ") || /^shutdown \w [02]$/.test(l)),
    diverges: true,
  },
  {
    name: "wine-keeps-data-after-shutdown",
    why: "data that comes after our shutdown(SD_RECEIVE): Windows resets the connection (as " +
      "its shutdown documents), and so does Linux, which the posix backend passes on; Wine " +
      "keeps the data and the connection: its FIONREAD counts the data, getpeername names the " +
      "peer",
    allows: (c) =>
      shutReceive(c) &&
      ((c.op === "ioctl" && c.args[1] === "fionread" && c.got === "0 0" &&
        /^0 [1-9]/.test(c.reference)) ||
        (c.op === "peername" && c.reference.startsWith("0 ") && failed(c.got, 10057))),
    diverges: true,
  },
  {
    name: "so-error-pending",
    why: "getsockopt(SO_ERROR) after a reset or a refused datagram: Linux keeps the error " +
      "pending until it is read, and the posix backend passes it on (as its WSA code); Wine " +
      "says 0 (its SO_ERROR holds a failed connect's error only)",
    allows: (c) =>
      c.op === "getopt" && c.args[1] === "error" && c.reference === "0 0" &&
      /^0 100(53|54|61)$/.test(c.got),
    diverges: true,
  },
  {
    name: "deno-read-ahead-no-reset",
    why: "a close with data unread: the deno backend had read it ahead (its reads start at " +
      "the first look), so its close is in order (FIN), where C's close of unread data resets " +
      "the connection; the peer then sees no reset",
    allows: (c) =>
      on(DENO, c) && failed(c.reference, 10054) && !c.got.startsWith("-1") &&
      c.earlier.some((l) => l.startsWith("close ")),
    diverges: true,
  },
  {
    name: "wine-failed-send-binds-udp",
    why: "a send that fails on a UDP socket never bound: Wine hands it to Linux, which binds " +
      "the socket before it finds what is wrong; the backends bind only when the call reaches " +
      "the system (the deno backend, and the posix one where it refuses the call itself, as " +
      "after shutdown, make none): getsockname, bind, listen and recv then see it unbound",
    allows: (c) =>
      udpSocket(c) && failedSendUnbound(c) &&
      ((c.op === "sockname" && c.reference.startsWith("0 ") && failed(c.got, 10022)) ||
        (c.op.startsWith("bind") && failed(c.reference, 10022) && c.got === "0") ||
        (c.op === "listen" && failed(c.reference, 10045) && failed(c.got, 10022)) ||
        (isRecv(c) && failed(c.got, 10022))),
    diverges: true,
  },
  {
    name: "tiny-receive-buffer",
    why: "after SO_RCVBUF set to a few bytes, the rest of what was sent comes as TCP's " +
      "zero-window probes let it (a timer of its own): whether a recv finds it yet is timing, " +
      "not the platform",
    allows: (c) =>
      isRecv(c) && c.earlier.some((l) => new RegExp(`^setopt ${c.args[0]} rcvbuf `).test(l)) &&
      [c.reference, c.got].some((r) => r === "blocks" || failed(r, 10035)) &&
      [c.reference, c.got].some((r) => /^\d+ "/.test(r)),
    diverges: true,
  },
  {
    name: "tiny-send-buffer",
    why: "a large send after SO_SNDBUF set to a few bytes goes out as the peer's window lets " +
      "it: whether it waits (Wine's C until the harness's watchdog), sends a part, or meets " +
      "the reset of a peer that closed is timing, not the platform",
    allows: (c) =>
      isSend(c) && c.earlier.some((l) => new RegExp(`^setopt ${c.args[0]} sndbuf `).test(l)) &&
      [c.reference, c.got].every((r) =>
        r === "" || r === "blocks" || /^\d+$/.test(r) || failed(r, 10054) || failed(r, 10053)
      ),
    diverges: true,
  },
  {
    name: "port-of-another-protocol",
    why: "bind a TCP socket to a UDP socket's port, or connect it there: the port is free, or " +
      "a listener is there, as the machine's other sockets have it (TCP and UDP ports are " +
      "apart), nothing the platforms decide",
    allows: (c) =>
      ["bindto", "connect"].includes(c.op) &&
      udpSocket(c) !== udpSocket({ ...c, args: [c.args[1]] }) &&
      [c.reference, c.got].every((r) => r === "0" || failed(r, 10048) || failed(r, 10061)),
    diverges: true,
  },
  {
    name: "wine-binds-taken-port",
    why: "bind to the port of a connected socket: Wine takes it at times (one run to the " +
      "next, its C or the winsock backend over it); Windows and Linux say 10048 " +
      "WSAEADDRINUSE, and so do the posix and deno backends",
    allows: (c) =>
      c.op === "bindto" &&
      ((c.reference === "0" && failed(c.got, 10048)) ||
        (c.target.startsWith("winsock") && c.target.endsWith("@wine") &&
          failed(c.reference, 10048) && c.got === "0")),
    diverges: true,
  },
  {
    name: "wine-bool-first-byte",
    why: "a BOOL option set to 4096: Wine reads the first byte only (off); Windows reads the " +
      "int (on), and so do the backends",
    allows: (c) =>
      c.op === "getopt" && c.reference === "0 0" && c.got === "0 1" &&
      c.earlier.some((l) => l.startsWith(`setopt ${c.args[0]} ${c.args[1]} 4096`)),
  },
  {
    name: "after-a-failed-connect",
    why: "a socket whose connect failed (or is under way, non-blocking, and never looked at " +
      "with select) is in no defined state: Windows says to close it. Wine calls it " +
      "exceptional and readable (recv 0); the backends call it not connected (10057) and " +
      "report the connect's own error",
    allows: (c) =>
      c.earlierReference.some((l) => new RegExp(`^connect ${c.args[0]} \\w => -1 `).test(l)),
    diverges: true,
  },
  {
    name: "deno-no-oob",
    why: "the deno backend's recv takes MSG_PEEK and MSG_WAITALL only (10045 WSAEOPNOTSUPP): " +
      "Deno's sockets have no out-of-band data",
    allows: (c) => on(DENO, c) && isRecv(c) && (flagsOf(c) & 0x1) !== 0 && failed(c.got, 10045),
    diverges: true,
  },
  {
    name: "deno-sees-by-reading",
    why: "Deno's sockets tell what has come (data, a close, a reset) only by a read, which the " +
      "deno backend starts at the first look: a zero-timeout select or FIONREAD may not see " +
      "yet what C sees, nor getpeername or a zero-length send a reset, nor a non-blocking " +
      "recv what has just come",
    allows: (c) =>
      on(DENO, c) &&
      (c.op === "select" || (c.op === "ioctl" && c.args[1] === "fionread") ||
        (c.op === "peername" && failed(c.reference, 10057) && c.got.startsWith("0 ")) ||
        (isSend(c) && c.args[1] === "0" && failed(c.reference, 10054) && c.got === "0") ||
        (isRecv(c) && failed(c.got, 10035) && !c.reference.startsWith("-1")) ||
        (isRecv(c) && c.args[1] === "0" && failed(c.reference, 10035) &&
          /^0( from|$)/.test(c.got))),
  },
  {
    name: "deno-waitall-sees-read-ahead",
    why: "whether a MSG_WAITALL recv would wait is asked of FIONREAD, which on the deno backend " +
      "counts what it has read ahead (16 KiB at a time), not all that has come: the check may " +
      "say it would wait where C's says not, and the call is not made (its bytes stay for the " +
      "next recv)",
    allows: (c) => on(DENO, c) && isRecv(c) && c.got === "blocks" && (flagsOf(c) & 0x8) !== 0,
    diverges: true,
  },
];

/** C on Linux against C on Winsock: the documented Linux differences. */
export const LINUX_RULES: Rule[] = [
  {
    name: "linux-forgets-reset",
    why: "Linux reports a reset once, then says 0 (Windows keeps saying 10054)",
    allows: (c) => isRecv(c) && c.got.startsWith("0") && failed(c.reference, 10054),
  },
  {
    name: "linux-epipe",
    why: "Linux says EPIPE (10054 by meaning) for a send after our own shutdown; Windows says " +
      "10058 WSAESHUTDOWN",
    allows: (c) => isSend(c) && failed(c.got, 10054) && failed(c.reference, 10058),
  },
  {
    name: "linux-reads-after-shutdown",
    why: "Linux still delivers data after shutdown(SD_RECEIVE), and 0 after SD_BOTH (0 too on " +
      "a socket never connected); Windows says 10058 WSAESHUTDOWN (10057 WSAENOTCONN)",
    allows: (c) =>
      isRecv(c) && (failed(c.reference, 10058) || (failed(c.reference, 10057) && shutReceive(c))),
  },
  {
    name: "linux-listen-binds",
    why: "Linux binds an unbound socket at listen; Windows says 10022 WSAEINVAL",
    allows: (c) => c.op === "listen" && c.got === "0" && failed(c.reference, 10022),
  },
  {
    name: "linux-send-unconnected",
    why: "Linux says EPIPE (10054 by meaning) to a send on a TCP socket never connected; " +
      "Windows says 10057 WSAENOTCONN",
    allows: (c) => isSend(c) && failed(c.got, 10054) && failed(c.reference, 10057),
  },
  {
    name: "linux-listener",
    why: "on a listener Linux says EINVAL to FIONREAD and EISCONN to connect, and takes " +
      "shutdown (it stops listening); Windows says 0 bytes, 10022 WSAEINVAL and 10057 " +
      "WSAENOTCONN",
    allows: (c) =>
      (c.op === "ioctl" && c.args[1] === "fionread" && failed(c.got, 10022) &&
        c.reference === "0 0") ||
      (c.op === "connect" && failed(c.got, 10056) && failed(c.reference, 10022)) ||
      (c.op === "shutdown" && c.got === "0" && failed(c.reference, 10057)),
  },
  {
    name: "linux-udp-linger",
    why: "Linux takes SO_LINGER on a UDP socket; Windows says 10042 WSAENOPROTOOPT (not for " +
      "sockets without connections)",
    allows: (c) =>
      option(c) === "linger" && udpSocket(c) && !c.got.startsWith("-1") &&
      failed(c.reference, 10042),
  },
  {
    name: "linux-forgets-connection",
    why: "once a connection has ended, Linux forgets it (shutdown says ENOTCONN, bind takes a " +
      "new address); Windows keeps the socket's state",
    allows: (c) =>
      !udpSocket(c) &&
      ((c.op === "shutdown" && failed(c.got, 10057) && c.reference === "0") ||
        (c.op.startsWith("bind") && c.got === "0" && failed(c.reference, 10022))),
  },
  {
    name: "linux-time-wait-holds",
    why: "Linux keeps a port whose connection is in TIME-WAIT unless SO_REUSEADDR is on (most " +
      "Unix servers set it); Windows binds",
    allows: (c) => c.op === "rebind" && failed(c.got, 10048) && c.reference === "0",
  },
  {
    name: "linux-cuts-datagrams",
    why: "Linux cuts a datagram longer than the buffer silently (the bytes that fit); Windows " +
      "fills the buffer and says 10040 WSAEMSGSIZE",
    allows: (c) => isRecv(c) && /^\d+ "/.test(c.got) && failed(c.reference, 10040),
  },
];

/** The first rule that explains `c`, or undefined. */
export function explain(rules: Rule[], c: Context): Rule | undefined {
  return rules.find((r) => r.allows(c));
}

/** Where a run of one script first differs with no rule to explain it. */
export interface Unexplained {
  /** The index of the call among the script's calls. */
  call: number;
  step: string;
  reference: string;
  got: string;
}

/** What comparing one script found: the rules used, and the first unexplained difference. */
export interface Verdict {
  rules: string[];
  unexplained?: Unexplained;
}

/** The calls of a script: its lines but the sleeps and the guard. */
export const isCall = (step: string) => !step.startsWith("sleep ") && step !== "guard";

/** The context of call `i` of `steps`, from both sides' lines (`STEP => RESULT`). */
export function contextOf(
  target: Context["target"],
  steps: string[],
  i: number,
  reference: string[],
  got: string[],
): Context {
  const callAt = steps.flatMap((s, k) => isCall(s) ? [k] : []);
  const step = steps[callAt[i]];
  const result = (line: string | undefined) =>
    line === undefined ? "(nothing: the run ended)" : line.slice(line.indexOf(" => ") + 4);
  const [op, ...args] = step.split(" ");
  return {
    target,
    step,
    op,
    args,
    reference: result(reference[i]),
    got: result(got[i]),
    earlier: steps.slice(0, callAt[i]),
    earlierReference: reference.slice(0, i),
  };
}

/**
 * Compares `got` with `reference` (both as printed: `STEP => RESULT`) for the
 * script `steps`: each differing line must be explained by a rule; after a
 * rule that `diverges` (or, with `firstOnly`, after any difference) the rest
 * is not compared.
 */
export function compare(
  target: Context["target"],
  steps: string[],
  reference: string[],
  got: string[],
  rules: Rule[],
  firstOnly = false,
): Verdict {
  const verdict: Verdict = { rules: [] };
  const calls = steps.filter(isCall);
  for (let i = 0; i < calls.length; i++) {
    const ref = reference[i], mine = got[i];
    if (ref === mine && ref !== undefined) continue;
    const context = contextOf(target, steps, i, reference, got);
    const rule = ref !== undefined && mine !== undefined ? explain(rules, context) : undefined;
    if (!rule) {
      const { step, reference: r, got: g } = context;
      verdict.unexplained = { call: i, step, reference: r, got: g };
      return verdict;
    }
    verdict.rules.push(rule.name);
    if (rule.diverges || firstOnly) return verdict;
  }
  return verdict;
}

/**
 * Whether the rule named `name` explains call `i` of a scenario where C
 * printed `c` and the façade `facade`: a façade rule as it reads (C's answer
 * there is Winsock's), a Linux rule with the façade in Winsock's place (it
 * answers as Winsock where C on Linux differs). Throws on an unknown name.
 */
export function explainedBy(
  name: string,
  target: Target,
  steps: string[],
  i: number,
  c: string[],
  facade: string[],
): boolean {
  const rule = FACADE_RULES.find((r) => r.name === name);
  if (rule) return rule.allows(contextOf(target, steps, i, c, facade));
  const linux = LINUX_RULES.find((r) => r.name === name);
  if (!linux) throw new Error(`no rule named ${name}`);
  return linux.allows(contextOf("linux-c", steps, i, facade, c));
}
