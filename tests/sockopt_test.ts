/**
 * Socket options on every backend (the translation table as data:
 * `posix_options_test.ts`): each option set, read back, and where cheap what it does:
 * `SO_RCVTIMEO` ending a blocking recv with 10060, `SO_LINGER {1, 0}` making
 * the peer see 10054, `SO_REUSEADDR`/`SO_EXCLUSIVEADDRUSE` and a second bind,
 * `SIO_KEEPALIVE_VALS` read back through `SO_KEEPALIVE` and `TCP_KEEPALIVE`.
 * The expected answers of real Winsock are Wine 8's (C programs run under
 * Wine gave the same).
 */

import assert from "node:assert/strict";
import {
  AF_INET,
  AF_INET6,
  type BackendName,
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
  ntohs,
  SIO_KEEPALIVE_VALS,
  sizeof,
  SO_BROADCAST,
  SO_EXCLUSIVEADDRUSE,
  SO_KEEPALIVE,
  SO_LINGER,
  SO_RCVBUF,
  SO_RCVTIMEO,
  SO_REUSEADDR,
  SO_SNDBUF,
  SO_SNDTIMEO,
  SO_TYPE,
  SOCK_DGRAM,
  SOCK_STREAM,
  sockaddr_in,
  type SOCKET,
  SOCKET_ERROR,
  SOL_SOCKET,
  SOMAXCONN,
  TCP_KEEPALIVE,
  TCP_KEEPCNT,
  TCP_KEEPINTVL,
  TCP_NODELAY,
  type Winsock,
  WSAEACCES,
  WSAEADDRINUSE,
  WSAECONNRESET,
  WSAEFAULT,
  WSAEINVAL,
  WSAENOPROTOOPT,
  WSAEOPNOTSUPP,
  WSAESOCKTNOSUPPORT,
} from "../mod.ts";
import {
  deadline,
  listening,
  loopback,
  NATIVE_BACKEND,
  pair,
  started,
  testBackends,
  UNDER_WINE,
} from "./_support.ts";

const int = (n: number) => new Uint8Array(new Int32Array([n]).buffer);

// ---------------------------------------------------------------- every backend

/** What a backend answers for an option it does not offer (null: it offers it). */
function refusal(backend: BackendName, name: string): number | null {
  if (backend === "deno") {
    return ["SO_REUSEADDR", "SO_KEEPALIVE", "TCP_NODELAY"].includes(name) ? null : WSAENOPROTOOPT;
  }
  // Windows 10 has these three; Wine 8 answers 10042 (C under Wine: the same).
  if (backend === "winsock" && UNDER_WINE && /^TCP_KEEP/.test(name)) return WSAENOPROTOOPT;
  return null;
}

type Kind = "tcp" | "tcp6" | "udp";

/** A fresh socket, or null where the backend has none of that kind (its 10044 checked). */
function open(ws: Winsock<boolean>, kind: Kind): SOCKET | null {
  const s = kind === "udp"
    ? ws.socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP)
    : ws.socket(kind === "tcp6" ? AF_INET6 : AF_INET, SOCK_STREAM, IPPROTO_TCP);
  if (s !== INVALID_SOCKET) return s;
  assert.equal(ws.WSAGetLastError(), WSAESOCKTNOSUPPORT, `socket(${kind})`);
  assert.equal(ws.backend, "deno", "only the deno backend may lack a kind of socket");
  return null;
}

function get(ws: Winsock<boolean>, s: SOCKET, level: number, optname: number, len = 16) {
  const buf = new Uint8Array(16).fill(0xee);
  const optlen = { value: len };
  const rc = ws.getsockopt(s, level, optname, buf, optlen);
  return rc === 0 ? buf.slice(0, optlen.value) : ws.WSAGetLastError();
}

function set(ws: Winsock<boolean>, s: SOCKET, level: number, optname: number, value: Uint8Array) {
  const rc = ws.setsockopt(s, level, optname, value, value.byteLength);
  return rc === 0 ? 0 : ws.WSAGetLastError();
}

const ROUND_TRIPS: [string, Kind, number, number, Uint8Array, number[]][] = [
  // name, socket, level, option, value set, bytes read back
  ["SO_REUSEADDR", "tcp", SOL_SOCKET, SO_REUSEADDR, int(1), [1, 0, 0, 0]],
  ["SO_REUSEADDR", "tcp", SOL_SOCKET, SO_REUSEADDR, int(0), [0, 0, 0, 0]],
  ["SO_EXCLUSIVEADDRUSE", "tcp", SOL_SOCKET, SO_EXCLUSIVEADDRUSE, int(1), [1, 0, 0, 0]],
  ["SO_KEEPALIVE", "tcp", SOL_SOCKET, SO_KEEPALIVE, int(1), [1]], // a BOOLEAN, as Winsock answers
  ["SO_KEEPALIVE", "tcp", SOL_SOCKET, SO_KEEPALIVE, new Uint8Array([0]), [0]],
  ["SO_LINGER", "tcp", SOL_SOCKET, SO_LINGER, new Uint8Array([1, 0, 7, 0]), [1, 0, 7, 0]],
  ["SO_RCVBUF", "tcp", SOL_SOCKET, SO_RCVBUF, int(65536), [0, 0, 1, 0]],
  ["SO_SNDBUF", "tcp", SOL_SOCKET, SO_SNDBUF, int(70000), [...int(70000)]],
  ["SO_RCVTIMEO", "tcp", SOL_SOCKET, SO_RCVTIMEO, int(1500), [...int(1500)]],
  ["SO_SNDTIMEO", "tcp", SOL_SOCKET, SO_SNDTIMEO, int(2000), [...int(2000)]],
  ["TCP_NODELAY", "tcp", IPPROTO_TCP, TCP_NODELAY, int(1), [1]],
  ["TCP_KEEPALIVE", "tcp", IPPROTO_TCP, TCP_KEEPALIVE, int(40), [40, 0, 0, 0]],
  ["TCP_KEEPINTVL", "tcp", IPPROTO_TCP, TCP_KEEPINTVL, int(9), [9, 0, 0, 0]],
  ["TCP_KEEPCNT", "tcp", IPPROTO_TCP, TCP_KEEPCNT, int(4), [4, 0, 0, 0]],
  ["IP_TTL", "tcp", IPPROTO_IP, IP_TTL, int(33), [33, 0, 0, 0]],
  ["IPV6_V6ONLY", "tcp6", IPPROTO_IPV6, IPV6_V6ONLY, int(0), [0]],
  ["IPV6_V6ONLY", "tcp6", IPPROTO_IPV6, IPV6_V6ONLY, int(1), [1]],
  ["SO_BROADCAST", "udp", SOL_SOCKET, SO_BROADCAST, int(1), [1, 0, 0, 0]],
  ["IP_MULTICAST_TTL", "udp", IPPROTO_IP, IP_MULTICAST_TTL, int(5), [5, 0, 0, 0]],
  ["IP_MULTICAST_LOOP", "udp", IPPROTO_IP, IP_MULTICAST_LOOP, int(0), [0, 0, 0, 0]],
];

for (const backend of testBackends()) {
  const test = (name: string, fn: () => void | Promise<void>) =>
    Deno.test({ name: `sockopt [${backend}]: ${name}`, fn });

  test("every option of the table set and read back (or refused by name)", () => {
    const ws = started(backend);
    for (const [name, kind, level, optname, value, back] of ROUND_TRIPS) {
      const s = open(ws, kind);
      if (s === null) continue;
      const refused = refusal(backend, name);
      const what = `${name} = ${[...value]}`;
      assert.equal(set(ws, s, level, optname, value), refused ?? 0, `setsockopt ${what}`);
      const got = get(ws, s, level, optname);
      assert.deepEqual(
        got instanceof Uint8Array ? [...got] : got,
        refused ?? back,
        `read back ${what}`,
      );
      ws.closesocket(s);
    }
    ws.WSACleanup();
  });

  test("IP_ADD_MEMBERSHIP joins 239.1.2.3 on 127.0.0.1 once; IP_DROP_MEMBERSHIP leaves once", () => {
    const ws = started(backend);
    const s = open(ws, "udp");
    if (s !== null) {
      const mreq = new Uint8Array([239, 1, 2, 3, 127, 0, 0, 1]); // imr_multiaddr, imr_interface
      const refused = refusal(backend, "IP_ADD_MEMBERSHIP");
      assert.equal(set(ws, s, IPPROTO_IP, IP_ADD_MEMBERSHIP, mreq), refused ?? 0);
      assert.equal(set(ws, s, IPPROTO_IP, IP_ADD_MEMBERSHIP, mreq), refused ?? WSAEADDRINUSE);
      assert.equal(get(ws, s, IPPROTO_IP, IP_ADD_MEMBERSHIP), WSAENOPROTOOPT, "set only");
      assert.equal(set(ws, s, IPPROTO_IP, IP_DROP_MEMBERSHIP, mreq), refused ?? 0);
      assert.equal(set(ws, s, IPPROTO_IP, IP_DROP_MEMBERSHIP, mreq), refused ?? WSAEINVAL);
      assert.equal(
        set(ws, s, IPPROTO_IP, IP_ADD_MEMBERSHIP, mreq.subarray(0, 7)),
        refused ?? WSAEINVAL,
      );
      ws.closesocket(s);
    }
    ws.WSACleanup();
  });

  test("a short optlen is 10014, an unknown option 10042, an unknown level 10022", () => {
    const ws = started(backend);
    const s = open(ws, "tcp") as SOCKET;
    assert.equal(set(ws, s, SOL_SOCKET, SO_KEEPALIVE, new Uint8Array(0)), WSAEFAULT);
    assert.equal(get(ws, s, IPPROTO_TCP, TCP_NODELAY, 0), WSAEFAULT);
    assert.equal(
      ws.setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, int(1), 5),
      SOCKET_ERROR,
      "optlen > buffer",
    );
    assert.equal(ws.WSAGetLastError(), WSAEFAULT);
    if (backend !== "deno") {
      assert.equal(set(ws, s, SOL_SOCKET, SO_RCVBUF, new Uint8Array(3)), WSAEFAULT);
      assert.equal(get(ws, s, SOL_SOCKET, SO_RCVTIMEO, 3), WSAEFAULT);
      assert.equal(get(ws, s, SOL_SOCKET, SO_LINGER, 3), WSAEFAULT);
      assert.equal(set(ws, s, SOL_SOCKET, SO_LINGER, new Uint8Array(3)), WSAEFAULT);
    }
    // SO_EXCLUSIVEADDRUSE written as the unsigned 0xfffffffb is the same option as -5.
    const exclusive = refusal(backend, "SO_EXCLUSIVEADDRUSE");
    assert.deepEqual(get(ws, s, SOL_SOCKET, 0xfffffffb), exclusive ?? new Uint8Array(4));
    assert.equal(set(ws, s, SOL_SOCKET, 0x7777, int(1)), WSAENOPROTOOPT);
    assert.equal(get(ws, s, SOL_SOCKET, 0x7777), WSAENOPROTOOPT);
    assert.equal(set(ws, s, 0x1234, 1, int(1)), WSAEINVAL);
    assert.equal(get(ws, s, 0x1234, 1), WSAEINVAL);
    // optlen 4: for SO_TYPE, Wine leaves a larger optlen as it was given.
    assert.deepEqual(get(ws, s, SOL_SOCKET, SO_TYPE, 4), new Uint8Array([SOCK_STREAM, 0, 0, 0]));
    ws.closesocket(s);
    ws.WSACleanup();
  });

  test("TCP_NODELAY and SO_KEEPALIVE on a connected pair; the accepted side keeps its own", async () => {
    const ws = started(backend);
    const [client, accepted, listener] = await pair(ws);
    assert.equal(set(ws, client, IPPROTO_TCP, TCP_NODELAY, int(1)), 0);
    assert.deepEqual(get(ws, client, IPPROTO_TCP, TCP_NODELAY), new Uint8Array([1]));
    assert.deepEqual(get(ws, accepted, IPPROTO_TCP, TCP_NODELAY), new Uint8Array([0]));
    assert.equal(set(ws, accepted, SOL_SOCKET, SO_KEEPALIVE, int(1)), 0);
    assert.deepEqual(get(ws, accepted, SOL_SOCKET, SO_KEEPALIVE), new Uint8Array([1]));
    for (const s of [client, accepted, listener]) ws.closesocket(s);
    ws.WSACleanup();
  });

  test("SO_REUSEADDR and SO_EXCLUSIVEADDRUSE: a second bind to a port in use", () => {
    const ws = started(backend);
    const bindTo = (port: number, option: number | null, listen: boolean) => {
      const s = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
      const refused = option === null ? null : set(ws, s, SOL_SOCKET, option, int(1));
      const si = loopback(port);
      const rc = ws.bind(s, si, sizeof(si)) === 0 ? 0 : ws.WSAGetLastError();
      if (rc === 0 && listen) assert.equal(ws.listen(s, SOMAXCONN), 0);
      return { s, refused, rc };
    };
    const { s: first, port } = listening(ws);
    // No option: 10048 everywhere.
    const plain = bindTo(port, null, false);
    assert.equal(plain.rc, WSAEADDRINUSE);
    // SO_REUSEADDR over a listener: Windows documents success; Wine refuses with 10013;
    // POSIX's SO_REUSEADDR never binds over a listener: 10048.
    const reuse = bindTo(port, SO_REUSEADDR, false);
    assert.equal(reuse.refused, 0);
    const expected = backend === "winsock"
      ? (UNDER_WINE ? [WSAEACCES] : [0, WSAEACCES])
      : [WSAEADDRINUSE];
    assert.ok(expected.includes(reuse.rc), `SO_REUSEADDR over a listener: ${reuse.rc}`);
    for (const s of [first, plain.s, reuse.s]) ws.closesocket(s);
    // Two sockets both with SO_REUSEADDR, neither listening: both bind (not on deno, where
    // bind is Deno.listen: the first one listens).
    const a = bindTo(0, SO_REUSEADDR, false);
    const name = new sockaddr_in();
    assert.equal(ws.getsockname(a.s, name, { value: sizeof(name) }), 0);
    const b = bindTo(ntohs(name.sin_port), SO_REUSEADDR, false);
    assert.equal(b.rc, backend === "deno" ? WSAEADDRINUSE : 0, "both SO_REUSEADDR");
    // SO_EXCLUSIVEADDRUSE with SO_REUSEADDR already set: 10022 (either order).
    const exclusive = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    const noExclusive = refusal(backend, "SO_EXCLUSIVEADDRUSE");
    assert.equal(set(ws, exclusive, SOL_SOCKET, SO_REUSEADDR, int(1)), 0);
    assert.equal(
      set(ws, exclusive, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, int(1)),
      noExclusive ?? WSAEINVAL,
    );
    assert.equal(set(ws, exclusive, SOL_SOCKET, SO_REUSEADDR, int(0)), 0);
    assert.equal(set(ws, exclusive, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, int(1)), noExclusive ?? 0);
    assert.equal(
      set(ws, exclusive, SOL_SOCKET, SO_REUSEADDR, int(1)),
      noExclusive === null ? WSAEINVAL : 0,
    );
    for (const s of [a.s, b.s, exclusive]) ws.closesocket(s);
    ws.WSACleanup();
  });

  test("SO_EXCLUSIVEADDRUSE on a listener: a second bind with SO_REUSEADDR is refused", () => {
    if (refusal(backend, "SO_EXCLUSIVEADDRUSE") !== null) return;
    const ws = started(backend);
    const first = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    assert.equal(set(ws, first, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, int(1)), 0);
    const si = loopback();
    assert.equal(ws.bind(first, si, sizeof(si)), 0);
    assert.equal(ws.listen(first, SOMAXCONN), 0);
    assert.equal(ws.getsockname(first, si, { value: sizeof(si) }), 0);
    const second = ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    assert.equal(set(ws, second, SOL_SOCKET, SO_REUSEADDR, int(1)), 0);
    assert.equal(ws.bind(second, si, sizeof(si)), SOCKET_ERROR);
    // Winsock (Wine) says 10013 WSAEACCES; Linux 10048.
    assert.equal(ws.WSAGetLastError(), backend === "winsock" ? WSAEACCES : WSAEADDRINUSE);
    for (const s of [first, second]) ws.closesocket(s);
    ws.WSACleanup();
  });

  test("SO_LINGER {1, 0}: read back, then closesocket resets the peer (10054)", async () => {
    const ws = started(backend);
    const [client, accepted, listener] = await pair(ws);
    const refused = refusal(backend, "SO_LINGER");
    assert.equal(
      set(ws, client, SOL_SOCKET, SO_LINGER, new Uint8Array([1, 0, 0, 0])),
      refused ?? 0,
    );
    if (refused === null) {
      assert.deepEqual(get(ws, client, SOL_SOCKET, SO_LINGER), new Uint8Array([1, 0, 0, 0]));
      ws.closesocket(client);
      const buf = new Uint8Array(16);
      assert.equal(await deadline(ws.recv(accepted, buf, 16, 0), 10_000, "recv"), SOCKET_ERROR);
      assert.equal(ws.WSAGetLastError(), WSAECONNRESET);
    } else {
      ws.closesocket(client);
    }
    for (const s of [accepted, listener]) ws.closesocket(s);
    ws.WSACleanup();
  });

  test("WSAIoctl(SIO_KEEPALIVE_VALS): read back through SO_KEEPALIVE and TCP_KEEPALIVE", () => {
    const ws = started(backend);
    const s = open(ws, "tcp") as SOCKET;
    const vals = (onoff: number, time: number, interval: number) =>
      new Uint8Array(new Uint32Array([onoff, time, interval]).buffer);
    const ioctl = (input: Uint8Array, code = SIO_KEEPALIVE_VALS) => {
      const returned = { value: 99 };
      const rc = ws.WSAIoctl(s, code, input, input.byteLength, null, 0, returned, null, null);
      return rc === 0 ? returned.value : -ws.WSAGetLastError();
    };
    if (backend === "deno") {
      assert.equal(ioctl(vals(1, 7000, 3000)), -WSAEOPNOTSUPP, "no keep-alive timing in Deno");
    } else {
      const timing = refusal(backend, "TCP_KEEPALIVE");
      assert.equal(ioctl(vals(1, 7000, 3000)), 0, "bytes returned");
      assert.deepEqual(get(ws, s, SOL_SOCKET, SO_KEEPALIVE), new Uint8Array([1]));
      assert.deepEqual(get(ws, s, IPPROTO_TCP, TCP_KEEPALIVE), timing ?? new Uint8Array(int(7)));
      assert.deepEqual(get(ws, s, IPPROTO_TCP, TCP_KEEPINTVL), timing ?? new Uint8Array(int(3)));
      assert.equal(ioctl(vals(0, 1500, 1)), 0);
      assert.deepEqual(get(ws, s, SOL_SOCKET, SO_KEEPALIVE), new Uint8Array([0]));
      // Whole seconds, rounded up, where the platform counts seconds (Windows 10 too).
      assert.deepEqual(get(ws, s, IPPROTO_TCP, TCP_KEEPALIVE), timing ?? new Uint8Array(int(2)));
      assert.equal(ioctl(vals(1, 7000, 3000).subarray(0, 8)), -WSAEFAULT, "8 bytes");
      assert.equal(ioctl(vals(1, 7000, 3000), 0x98000077), -WSAEOPNOTSUPP, "an unknown code");
    }
    const ka = vals(1, 7000, 3000);
    assert.equal(
      ws.WSAIoctl(s, SIO_KEEPALIVE_VALS, ka, 12, null, 0, null, null, null),
      SOCKET_ERROR,
    );
    assert.equal(ws.WSAGetLastError(), WSAEFAULT, "no lpcbBytesReturned");
    ws.closesocket(s);
    ws.WSACleanup();
  });
}

// ---------------------------------------------------------------- the raw synchronous path

Deno.test({
  name: `sockopt [${NATIVE_BACKEND}]: SO_RCVTIMEO ends a blocking recv with 10060`,
  ignore: !testBackends().includes(NATIVE_BACKEND),
  async fn() {
    // In a child process: were the timeout lost, the recv would block this thread for ever.
    const script = `
      import * as W from ${JSON.stringify(new URL("../mod.ts", import.meta.url).href)};
      const ws = W.openWinsock({ backend: ${JSON.stringify(NATIVE_BACKEND)}, blocking: true });
      ws.WSAStartup(W.MAKEWORD(2, 2), new W.WSADATA());
      const listener = ws.socket(W.AF_INET, W.SOCK_STREAM, W.IPPROTO_TCP);
      const si = new W.sockaddr_in();
      si.sin_family = W.AF_INET;
      si.sin_addr.S_un.S_addr = W.inet_addr("127.0.0.1");
      ws.bind(listener, si, W.sizeof(si));
      ws.listen(listener, W.SOMAXCONN);
      ws.getsockname(listener, si, { value: W.sizeof(si) });
      const client = ws.socket(W.AF_INET, W.SOCK_STREAM, W.IPPROTO_TCP);
      ws.connect(client, si, W.sizeof(si));
      const server = ws.accept(listener, null, null);
      const ms = new Uint8Array(new Uint32Array([300]).buffer);
      const set = ws.setsockopt(client, W.SOL_SOCKET, W.SO_RCVTIMEO, ms, 4);
      const back = new Uint8Array(4), len = { value: 4 };
      ws.getsockopt(client, W.SOL_SOCKET, W.SO_RCVTIMEO, back, len);
      const rc = ws.recv(client, new Uint8Array(16), 16, 0);
      console.log(JSON.stringify({ set, back: new Uint32Array(back.buffer)[0], rc, error: ws.WSAGetLastError() }));
    `;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["eval", "--quiet", script],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    const { code, stdout, stderr } = await child.output();
    clearTimeout(killer);
    const err = new TextDecoder().decode(stderr);
    assert.equal(
      code,
      0,
      `the child ended with ${code} (killed: the recv never timed out?) ${err}`,
    );
    const result = JSON.parse(new TextDecoder().decode(stdout).trim());
    assert.deepEqual(result, { set: 0, back: 300, rc: SOCKET_ERROR, error: 10060 });
  },
});
