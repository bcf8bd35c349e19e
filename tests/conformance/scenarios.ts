/**
 * The conformance table: each scenario is a short script of socket calls in
 * one process (the language is `harness.c`'s: one call a line, sockets named
 * by one letter), run by C (`harness.c`: natively against libc on Linux, built
 * with mingw against ws2_32.dll under Wine) and through the façade on each
 * backend (`run.ts`). Both print one line per call; `conformance_test.ts`
 * compares them line by line.
 *
 * Where they must differ, `differs` says so, per step and target, with what
 * each side prints and why. A target is a backend and where it runs:
 * `posix@linux`, `deno@linux`, `winsock@wine`, `deno@wine` (Windows Deno under
 * Wine, against the mingw C under Wine), `winsock@windows`, `deno@windows`;
 * `-raw` is the raw synchronous path (`openWinsock({ blocking: true })`).
 */

/** Where a scenario runs: a backend, and the platform whose C is the reference. */
export type Target =
  | "posix@linux"
  | "posix-raw@linux"
  | "deno@linux"
  | "winsock@wine"
  | "winsock-raw@wine"
  | "deno@wine"
  | "winsock@windows"
  | "winsock-raw@windows"
  | "deno@windows";

/** A documented difference: at `step`, C prints `c` and the façade `facade`, because `why`. */
export interface Difference {
  /** The targets where it holds. */
  on: Target[];
  /** The script line (its first occurrence; `#2` after it for the second, and so on). */
  step: string;
  /** What C prints after ` => `. */
  c: string;
  /** What the façade prints after ` => `. */
  facade: string;
  why: string;
}

export interface Scenario {
  name: string;
  /** One call a line; `sleep MS` lets the network settle (a FIN or RST to arrive). */
  steps: string[];
  differs?: Difference[];
  /** Targets that cannot run the scenario at all, and why (it is not compared there). */
  unsupported?: { on: Target[]; why: string };
}

/** The settling time after a close, a reset or a send, before the peer looks (ms). */
const SETTLE = "sleep 150";

/** A listener `l`, a client `c` connected to it, and `a`, the connection accepted. */
const PAIR = ["socket l", "bind l", "listen l", "socket c", "connect c l", "accept a l"];

// The reasons, each said once.
const LINUX_FORGETS_RESET = "Linux reports a reset once, then says 0; Windows keeps saying " +
  "10054, and so does the posix backend";
const WINE_CONSUMES_RESET = "a reset that came before the call: Wine's own recv says 0 " +
  "(wineserver's poll consumed it); Windows says 10054, and so does the backend (WSAPoll " +
  "still shows the reset)";
const LINUX_EPIPE = "Linux says EPIPE (10054 by meaning) for a send after our own " +
  "shutdown; Windows says 10058 WSAESHUTDOWN, and so do the backends";
const LINUX_READS_AFTER_SHUTDOWN = "Linux still delivers data after shutdown(SD_RECEIVE) " +
  "and 0 after SD_BOTH; Windows says 10058 WSAESHUTDOWN, and so do the backends";
const LINUX_LISTEN_BINDS = "Linux binds an unbound socket at listen; Windows says 10022 " +
  "WSAEINVAL, and so do the backends";
const LINUX_SEND_UNCONNECTED = "Linux says EPIPE (10054 by meaning; Wine passes it on) for " +
  "a send on a socket never connected; Windows says 10057 WSAENOTCONN, as the deno backend does";
const LINUX_LISTENER = "on a listener Linux says EINVAL to FIONREAD and EISCONN to connect, " +
  "and takes shutdown (it stops listening); Windows says 0 bytes, 10022 WSAEINVAL and 10057 " +
  "WSAENOTCONN, and so does the posix backend";
const LINUX_UDP_LINGER = "Linux takes SO_LINGER on a UDP socket; Windows says 10042 " +
  "WSAENOPROTOOPT (not for sockets without connections), and so does the posix backend";
const LINUX_FORGETS_CONNECTION = "once a connection has ended, Linux forgets it (shutdown says " +
  "ENOTCONN, bind takes a new address); Windows keeps the socket's state, and so does the " +
  "posix backend";
const DENO_SEES_BY_READING = "the deno backend learns what has come only by a read, which the " +
  "first look starts: a non-blocking recv says 10035 once before the data (none is lost)";
const DENO_NO_LINGER =
  "the deno backend cannot express SO_LINGER (10042): Deno's sockets have no such option";
const DENO_BIND_LISTENS = "the deno backend's bind is Deno.listen: a bound socket already " +
  "accepts connections";

const LINUX_TIME_WAIT_HOLDS = "Linux keeps a port whose connection is in TIME-WAIT unless " +
  "SO_REUSEADDR is on (most Unix servers set it); Windows binds, and so do the backends";

const LINUX = ["posix@linux", "posix-raw@linux", "deno@linux"] as Target[];
const DENO = ["deno@linux", "deno@wine", "deno@windows"] as Target[];

/** The scenarios. */
export const SCENARIOS: Scenario[] = [
  {
    name: "orderly close: the data, then 0, then 0 again",
    steps: [...PAIR, "send a 5", "close a", SETTLE, "recv c 50", "recv c 50", "recv c 50"],
  },
  {
    name: "abortive close (SO_LINGER {1, 0}): 10054",
    steps: [
      ...PAIR,
      "send a 3",
      SETTLE,
      "recv c 50",
      "linger a 1 0",
      "close a",
      SETTLE,
      "recv c 50",
      "recv c 50",
      "send c 1",
    ],
    differs: [
      {
        on: ["posix@linux", "posix-raw@linux"],
        step: "recv c 50 #3",
        c: "0",
        facade: "-1 10054",
        why: LINUX_FORGETS_RESET,
      },
      {
        on: ["winsock@wine"],
        step: "recv c 50 #2",
        c: "0",
        facade: "-1 10054",
        why: WINE_CONSUMES_RESET,
      },
      {
        on: ["winsock@wine"],
        step: "recv c 50 #3",
        c: "0",
        facade: "-1 10054",
        why: WINE_CONSUMES_RESET,
      },
    ],
    unsupported: { on: DENO, why: DENO_NO_LINGER },
  },
  {
    // Under Wine the winsock backend cannot tell this reset from the one that answers a send to
    // a peer already closed ("peer closed, then our send…") without a WSAPoll before every send:
    // it says 0, as Wine's C does, where Windows would say 10054 (README: under Wine).
    name: "a reset right after our send, before our recv",
    steps: [
      ...PAIR,
      "send c 3",
      SETTLE,
      "recv a 50",
      "linger a 1 0",
      "close a",
      SETTLE,
      "recv c 50",
    ],
    unsupported: { on: DENO, why: DENO_NO_LINGER },
  },
  {
    name: "close with unread data: a reset",
    steps: [...PAIR, "send c 5", SETTLE, "close a", SETTLE, "send c 1", "recv c 50"],
    differs: [
      {
        on: ["winsock@wine"],
        step: "recv c 50",
        c: "0",
        facade: "-1 10054",
        why: WINE_CONSUMES_RESET,
      },
    ],
  },
  {
    name: "peer closed, then our send, then recv: 0 (the tutorial's common ending)",
    steps: [...PAIR, "close a", SETTLE, "send c 5", SETTLE, "recv c 50", "recv c 50", "send c 5"],
  },
  {
    name: "half-close shutdown(SD_SEND): the peer reads 0, the other way still works",
    steps: [
      ...PAIR,
      "send c 3",
      "shutdown c 1",
      SETTLE,
      "recv a 50",
      "recv a 50",
      "send a 4",
      SETTLE,
      "recv c 50",
      "send c 1",
    ],
    differs: [{ on: LINUX, step: "send c 1", c: "-1 10054", facade: "-1 10058", why: LINUX_EPIPE }],
  },
  {
    name: "half-close shutdown(SD_RECEIVE): our send still works, recv is refused",
    steps: [
      ...PAIR,
      "shutdown c 0",
      "send c 3",
      SETTLE,
      "recv a 50",
      "send a 4",
      SETTLE,
      "recv c 50",
    ],
    differs: [
      {
        on: LINUX,
        step: "recv c 50",
        c: '4 "abcd"',
        facade: "-1 10058",
        why: LINUX_READS_AFTER_SHUTDOWN,
      },
    ],
  },
  {
    name: "shutdown(SD_BOTH), then recv and send",
    steps: [...PAIR, "shutdown c 2", SETTLE, "recv c 50", "send c 1", "recv a 50"],
    differs: [
      { on: LINUX, step: "recv c 50", c: "0", facade: "-1 10058", why: LINUX_READS_AFTER_SHUTDOWN },
      { on: LINUX, step: "send c 1", c: "-1 10054", facade: "-1 10058", why: LINUX_EPIPE },
    ],
  },
  {
    name: "connect refused: a port bound but not listening",
    steps: ["socket x", "bind x", "socket c", "connect c x"],
    differs: [{
      on: DENO,
      step: "connect c x",
      c: "-1 10061",
      facade: "0",
      why: DENO_BIND_LISTENS,
    }],
  },
  {
    name: "bind: address in use",
    steps: ["socket l", "bind l", "listen l", "socket b", "bindto b l"],
  },
  {
    // A server restarted while its old connection is in TIME-WAIT (it closed first): Windows
    // binds; a socket bound or listening on the port still holds it.
    name: "bind after the server closed first: the port is free again",
    steps: [
      ...PAIR,
      "close a",
      "close l",
      SETTLE,
      "recv c 50",
      "close c",
      SETTLE,
      "socket m",
      "rebind m l",
      "socket n",
      "rebind n l",
      "listen m",
      "rebind n l",
      "socket d",
      "connect d m",
      "accept e m",
    ],
    differs: [{
      on: LINUX,
      step: "rebind m l",
      c: "-1 10048",
      facade: "0",
      why: LINUX_TIME_WAIT_HOLDS,
    }],
  },
  {
    name: "calls on a closed socket",
    steps: ["socket c", "close c", "recv c 10", "send c 1", "shutdown c 1", "close c"],
  },
  {
    name: "calls on a socket never connected",
    steps: ["socket x", "recv x 10", "send x 1", "shutdown x 1", "listen x"],
    differs: [
      {
        on: ["deno@linux", "deno@wine"],
        step: "send x 1",
        c: "-1 10054",
        facade: "-1 10057",
        why: LINUX_SEND_UNCONNECTED,
      },
      { on: LINUX, step: "listen x", c: "0", facade: "-1 10022", why: LINUX_LISTEN_BINDS },
    ],
  },
  {
    name: "zero-length send and recv",
    steps: [...PAIR, "send c 0", "send c 3", SETTLE, "recv a 0", "recv a 50"],
  },
  {
    name: "MSG_PEEK leaves the bytes to read",
    steps: [...PAIR, "send c 5", SETTLE, "recv a 50 2", "recv a 3", "recv a 50 2", "recv a 50"],
  },
  {
    name: "MSG_WAITALL: a full buffer, then cut short by a close: what came, then 0",
    steps: [
      ...PAIR,
      "send a 4",
      "send a 6",
      "close a",
      SETTLE,
      "recv c 6 8",
      "recv c 50 8",
      "recv c 50 8",
    ],
  },
  {
    name: "a second connect, accept on a socket not listening",
    steps: [...PAIR, "connect c l", "socket x", "bind x", "accept y x"],
  },
  // Found by the fuzzer (tests/conformance/fuzz.ts), each shrunk to the calls that show it.
  {
    name: "a negative length: 10014 WSAEFAULT, as C (fuzz)",
    steps: [...PAIR, "send c -1", "send c 3", SETTLE, "recv a -1", "recv a 50"],
  },
  {
    name: "a UDP socket is writable from the start (fuzz)",
    steps: ["udp u", "select u", "udp v", "bind v", "select v"],
  },
  {
    name: "shutdown, connect and FIONREAD on a listener (fuzz)",
    steps: ["socket l", "bind l", "listen l", "ioctl l fionread", "connect l l", "shutdown l 2"],
    differs: [
      { on: LINUX, step: "ioctl l fionread", c: "-1 10022", facade: "0 0", why: LINUX_LISTENER },
      { on: LINUX, step: "connect l l", c: "-1 10056", facade: "-1 10022", why: LINUX_LISTENER },
      { on: LINUX, step: "shutdown l 2", c: "0", facade: "-1 10057", why: LINUX_LISTENER },
    ],
  },
  {
    name: "listen and SO_LINGER on a UDP socket (fuzz)",
    steps: ["udp u", "bind u", "listen u", "getopt u linger"],
    differs: [
      {
        on: LINUX,
        step: "getopt u linger",
        c: "0 {0, 0}",
        facade: "-1 10042",
        why: LINUX_UDP_LINGER,
      },
    ],
  },
  {
    name: "recv on a socket never connected, after shutdown(SD_RECEIVE) (fuzz)",
    steps: ["socket c", "shutdown c 0", "recv c 3"],
    differs: [
      { on: LINUX, step: "recv c 3", c: "0", facade: "-1 10057", why: LINUX_READS_AFTER_SHUTDOWN },
    ],
  },
  {
    name: "shutdown again after the peer closed (fuzz)",
    steps: [...PAIR, "close a", SETTLE, "shutdown c 2", SETTLE, "shutdown c 1"],
    differs: [
      {
        on: LINUX,
        step: "shutdown c 1",
        c: "-1 10057",
        facade: "0",
        why: LINUX_FORGETS_CONNECTION,
      },
    ],
  },
  {
    name: "bind on an accepted socket after a reset (fuzz)",
    steps: [...PAIR, "linger c 1 0", "close c", SETTLE, "bindany a"],
    differs: [
      { on: LINUX, step: "bindany a", c: "0", facade: "-1 10022", why: LINUX_FORGETS_CONNECTION },
    ],
    unsupported: { on: DENO, why: DENO_NO_LINGER },
  },
  {
    name: "MSG_WAITALL on a non-blocking socket: what has come, nothing lost (fuzz)",
    steps: [
      ...PAIR,
      "ioctl a fionbio 1",
      "send c 3",
      SETTLE,
      "recv a 50 8",
      "recv a 50 8",
      "send c 2",
      SETTLE,
      "recv a 50",
    ],
    unsupported: { on: DENO, why: DENO_SEES_BY_READING },
  },
  {
    name: "shut down for sending: writable, the send fails at once (fuzz)",
    steps: [...PAIR, "shutdown c 1", SETTLE, "select c", "socket x", "shutdown x 7"],
  },
];
