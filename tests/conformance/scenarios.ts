/**
 * The conformance table: each scenario is a short script of socket calls in
 * one process (the language is `harness.c`'s: one call a line, sockets named
 * by one letter), run by C (`harness.c`: natively against libc on Linux, built
 * with mingw against ws2_32.dll under Wine) and through the façade on each
 * backend (`run.ts`). Both print one line per call; `conformance_test.ts`
 * compares them line by line.
 *
 * Where they must differ, `differs` says so, per step and target, by the
 * name of the rule that explains it (`rules.ts`: the same rules the fuzzer
 * applies). A target is a backend and where it runs: `posix@linux`,
 * `deno@linux`, `winsock@wine`, `deno@wine` (Windows Deno under Wine, against
 * the mingw C under Wine), `winsock@windows`, `deno@windows`; `-raw` is the
 * raw synchronous path (`openWinsock({ blocking: true })`).
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

/** A documented difference: at `step`, on `on`, C and the façade differ as `rule` explains. */
export interface Difference {
  /** The targets where it holds. */
  on: Target[];
  /** The script line (its first occurrence; `#2` after it for the second, and so on). */
  step: string;
  /** The name of the rule (`rules.ts`) that explains it. */
  rule: string;
}

export interface Scenario {
  name: string;
  /** One call a line; `sleep MS` lets the network settle (a FIN or RST to arrive). */
  steps: string[];
  differs?: Difference[];
  /** Targets that cannot run the scenario at all, and the rule that says why (not compared there). */
  unsupported?: { on: Target[]; rule: string };
}

/** The settling time after a close, a reset or a send, before the peer looks (ms). */
const SETTLE = "sleep 150";

/** A listener `l`, a client `c` connected to it, and `a`, the connection accepted. */
const PAIR = ["socket l", "bind l", "listen l", "socket c", "connect c l", "accept a l"];
/** Two UDP sockets, `u` and `v`, bound; after `guard`, a read that would wait is not made. */
const UDP_PAIR = ["guard", "udp u", "bind u", "udp v", "bind v"];

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
      { on: ["posix@linux", "posix-raw@linux"], step: "recv c 50 #3", rule: "linux-forgets-reset" },
      { on: ["winsock@wine"], step: "recv c 50 #2", rule: "wine-consumes-reset" },
      { on: ["winsock@wine"], step: "recv c 50 #3", rule: "wine-consumes-reset" },
    ],
    unsupported: { on: DENO, rule: "deno-no-linger" },
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
    unsupported: { on: DENO, rule: "deno-no-linger" },
  },
  {
    name: "close with unread data: a reset",
    steps: [...PAIR, "send c 5", SETTLE, "close a", SETTLE, "send c 1", "recv c 50"],
    differs: [{ on: ["winsock@wine"], step: "recv c 50", rule: "wine-consumes-reset" }],
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
    differs: [{ on: LINUX, step: "send c 1", rule: "linux-epipe" }],
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
    differs: [{ on: LINUX, step: "recv c 50", rule: "linux-reads-after-shutdown" }],
  },
  {
    name: "shutdown(SD_BOTH), then recv and send",
    steps: [...PAIR, "shutdown c 2", SETTLE, "recv c 50", "send c 1", "recv a 50"],
    differs: [
      { on: LINUX, step: "recv c 50", rule: "linux-reads-after-shutdown" },
      { on: LINUX, step: "send c 1", rule: "linux-epipe" },
    ],
  },
  {
    name: "connect refused: a port bound but not listening",
    steps: ["socket x", "bind x", "socket c", "connect c x"],
    differs: [{ on: DENO, step: "connect c x", rule: "deno-bind-listens" }],
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
    differs: [{ on: LINUX, step: "rebind m l", rule: "linux-time-wait-holds" }],
  },
  {
    name: "calls on a closed socket",
    steps: ["socket c", "close c", "recv c 10", "send c 1", "shutdown c 1", "close c"],
  },
  {
    name: "calls on a socket never connected",
    steps: ["socket x", "recv x 10", "send x 1", "shutdown x 1", "listen x"],
    differs: [
      { on: ["deno@linux"], step: "send x 1", rule: "linux-send-unconnected" },
      { on: ["deno@wine"], step: "send x 1", rule: "wine-send-unconnected" },
      { on: LINUX, step: "listen x", rule: "linux-listen-binds" },
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
      { on: LINUX, step: "ioctl l fionread", rule: "linux-listener" },
      { on: LINUX, step: "connect l l", rule: "linux-listener" },
      { on: LINUX, step: "shutdown l 2", rule: "linux-listener" },
    ],
  },
  {
    name: "listen and SO_LINGER on a UDP socket (fuzz)",
    steps: ["udp u", "bind u", "listen u", "getopt u linger"],
    differs: [{ on: LINUX, step: "getopt u linger", rule: "linux-udp-linger" }],
  },
  {
    name: "recv on a socket never connected, after shutdown(SD_RECEIVE) (fuzz)",
    steps: ["socket c", "shutdown c 0", "recv c 3"],
    differs: [{ on: LINUX, step: "recv c 3", rule: "linux-reads-after-shutdown" }],
  },
  {
    name: "shutdown again after the peer closed (fuzz)",
    steps: [...PAIR, "close a", SETTLE, "shutdown c 2", SETTLE, "shutdown c 1"],
    differs: [{ on: LINUX, step: "shutdown c 1", rule: "linux-forgets-connection" }],
  },
  {
    name: "bind on an accepted socket after a reset (fuzz)",
    steps: [...PAIR, "linger c 1 0", "close c", SETTLE, "bindany a"],
    differs: [{ on: LINUX, step: "bindany a", rule: "linux-forgets-connection" }],
    unsupported: { on: DENO, rule: "deno-no-linger" },
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
    unsupported: { on: DENO, rule: "deno-sees-by-reading" },
  },
  {
    name: "shut down for sending: writable, the send fails at once (fuzz)",
    steps: [...PAIR, "shutdown c 1", SETTLE, "select c", "socket x", "shutdown x 7"],
  },
  {
    name: "sendto with an address on a connected UDP socket sends there (fuzz)",
    steps: [
      ...UDP_PAIR,
      "udp w",
      "bind w",
      "connect u v",
      "sendto u 3 w",
      SETTLE,
      "recvfrom w 50",
      "recvfrom v 50",
      "send u 2",
      SETTLE,
      "recvfrom v 50",
    ],
  },
  {
    // The guard's select starts the deno backend's read-ahead (16 KiB): the recv must take the
    // rest too, as C takes all that has come at once.
    name: "recv takes all that has come, past what was read ahead (fuzz)",
    steps: ["guard", ...PAIR, "send c 65536", SETTLE, "recv a 65536", "recv a 50"],
  },
  {
    name: "MSG_PEEK on a UDP socket leaves the datagram (fuzz)",
    steps: [
      ...UDP_PAIR,
      "sendto u 5 v",
      SETTLE,
      "recvfrom v 50 2",
      "recv v 3 2",
      "recvfrom v 50",
      "recv v 50",
    ],
    differs: [{ on: LINUX, step: "recv v 3 2", rule: "linux-cuts-datagrams" }],
  },
];
