/**
 * The façade side of the conformance suite: runs a scenario's script
 * (`scenarios.ts`) through `openWinsock({ backend })` and prints what
 * `harness.c` prints for the same calls, one line per call. Also writes the
 * script `harness.c` reads (every scenario, each after a `scenario` line) and
 * reads its output back.
 */

import {
  AF_INET,
  AF_INET6,
  type BackendName,
  FD_ISSET,
  FD_SET,
  fd_set,
  FIONBIO,
  FIONREAD,
  INADDR_ANY,
  inet_ntoa,
  INVALID_SOCKET,
  IPPROTO_TCP,
  IPPROTO_UDP,
  MAKEWORD,
  ntohs,
  openWinsock,
  sizeof,
  SO_ERROR,
  SO_KEEPALIVE,
  SO_LINGER,
  SO_RCVBUF,
  SO_REUSEADDR,
  SO_SNDBUF,
  SO_TYPE,
  SOCK_DGRAM,
  SOCK_STREAM,
  sockaddr_in,
  sockaddr_in6,
  type SOCKET,
  SOCKET_ERROR,
  SOL_SOCKET,
  SOMAXCONN,
  TCP_NODELAY,
  timeval,
  type Winsock,
  WSADATA,
} from "../../mod.ts";
import { inet_addr } from "../../lib/helpers.ts";
import type { Scenario } from "./scenarios.ts";

/** How long one call may wait before the scenario is given up (ms). */
const CALL_MS = 15_000;

/** `setopt`/`getopt`'s option names: Winsock level and name (as harness.c's table). */
const OPTIONS: Record<string, [number, number]> = {
  linger: [SOL_SOCKET, SO_LINGER],
  nodelay: [IPPROTO_TCP, TCP_NODELAY],
  sndbuf: [SOL_SOCKET, SO_SNDBUF],
  rcvbuf: [SOL_SOCKET, SO_RCVBUF],
  reuseaddr: [SOL_SOCKET, SO_REUSEADDR],
  keepalive: [SOL_SOCKET, SO_KEEPALIVE],
  error: [SOL_SOCKET, SO_ERROR],
  type: [SOL_SOCKET, SO_TYPE],
  badname: [SOL_SOCKET, 0x7777],
  badlevel: [0x7777, SO_REUSEADDR],
};

/** An `ioctlsocket` command neither Winsock nor the façade knows (harness.c's). */
const UNKNOWN_IOCTL = 0x4004667d;

/** The script `harness.c` reads: every scenario, each after its `scenario` line. */
export function harnessScript(scenarios: Scenario[]): string {
  return scenarios.map((s) => [`scenario ${s.name}`, ...s.steps].join("\n")).join("\n") + "\n";
}

/** The line `harness.c` ends its output with, once it has read every script. */
export const END = "#end";

/** `harness.c`'s output, split by scenario: name → its lines. */
export function harnessLines(output: string): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  let lines: string[] = [];
  for (const line of output.split(/\r?\n/)) {
    if (line.startsWith("== ")) byName.set(line.slice(3), lines = []);
    else if (line !== "" && line !== END) lines.push(line);
  }
  return byName;
}

/** "N" or "N/CAP": the length N and a buffer of CAP bytes (N's, or 0 when N is negative). */
function bufferOf(text: string): [number, number] {
  const [n, cap] = text.split("/").map(Number);
  return [n, cap ?? Math.max(n, 0)];
}

/** One socket name's state, as harness.c keeps it. */
interface Slot {
  socket: SOCKET;
  sent: number;
  nonblocking: boolean;
  /** A UDP socket or a TCP one connected by the script (1), or listening (2): calls may wait. */
  live: number;
}

/**
 * Runs `steps` on a fresh façade over `backend` (`blocking`: the raw
 * synchronous path); resolves with one line per call, as harness.c prints them.
 */
export async function runScenario(
  backend: BackendName,
  steps: string[],
  blocking = false,
): Promise<string[]> {
  const ws: Winsock<boolean> = openWinsock({ backend, blocking });
  if (ws.WSAStartup(MAKEWORD(2, 2), new WSADATA()) !== 0) throw new Error("WSAStartup failed");
  const slots = new Map<string, Slot>();
  const boundPort = new Map<string, number>(); // for rebind: the port each socket was bound to
  const out: string[] = [];
  const slot = (name: string) => {
    if (!/^[a-z]$/.test(name ?? "")) throw new Error(`bad socket name: ${name}`);
    let s = slots.get(name);
    if (!s) {
      slots.set(
        name,
        s = { socket: INVALID_SOCKET, sent: 0, nonblocking: false, live: 0 },
      );
    }
    return s;
  };
  const sock = (name: string) => slot(name).socket;
  const fail = () => `-1 ${ws.WSAGetLastError()}`;
  const rc = (n: number) => n === SOCKET_ERROR ? fail() : `${n}`;
  const addressOf = (s: SOCKET) => {
    const a = new sockaddr_in();
    ws.getsockname(s, a, { value: sizeof(a) });
    return a;
  };
  /** 127.0.0.1 at the port `name` is bound to (0 if none). */
  const targetOf = (name: string) => {
    const a = addressOf(sock(name));
    a.sin_family = AF_INET;
    a.sin_addr.S_un.S_addr = inet_addr("127.0.0.1");
    return a;
  };
  /** " ADDR PORT", the port as the letter of the first socket bound to it. */
  const address = (a: sockaddr_in) => {
    const port = ntohs(a.sin_port);
    const text = ` ${a.sin_family === AF_INET ? inet_ntoa(a.sin_addr) : "?family"} `;
    if (port === 0) return text + "0";
    for (const name of [...slots.keys()].sort()) {
      const s = slots.get(name)!;
      if (s.socket === INVALID_SOCKET) continue;
      const mine = new sockaddr_in();
      if (
        ws.getsockname(s.socket, mine, { value: sizeof(mine) }) === 0 &&
        mine.sin_family === AF_INET && ntohs(mine.sin_port) === port
      ) return text + name;
    }
    return text + "?";
  };
  /** A new socket for `name`. */
  const made = (name: string, s: SOCKET) => {
    Object.assign(slot(name), { socket: s, sent: 0, live: 0, nonblocking: false });
    return s === INVALID_SOCKET ? fail() : "ok";
  };
  const within = async <T>(call: T | Promise<T>): Promise<T> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        call,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${CALL_MS} ms`)), CALL_MS);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  };
  /**
   * Select on `s` alone, in the sets `asked` names (r, w, e), waiting up to
   * `ms`: its count and the sets it is in (null: failed).
   */
  const ready = async (s: SOCKET, ms = 0, asked = "rwe"): Promise<[number, string] | null> => {
    const sets = [new fd_set(), new fd_set(), new fd_set()];
    sets.forEach((set, i) => asked.includes("rwe"[i]) && FD_SET(s, set));
    const timeout = new timeval();
    timeout.tv_usec = ms * 1000;
    const n = await within(ws.select(0, sets[0], sets[1], sets[2], timeout));
    if (n === SOCKET_ERROR) return null;
    return [n, "rwe".split("").filter((_, i) => FD_ISSET(s, sets[i])).join("")];
  };
  // Before deciding that a call would wait: the deno backend learns what has come only by a
  // read, which its select starts, so it is given time to see it (C sees it at once).
  const settle = backend === "deno" ? 150 : 0;
  /** Would this receive or accept wait? (harness.c's `would_wait`, through the façade.) */
  const wouldWait = async (name: string, n: number, flags: number) => {
    const s = slot(name);
    if (!guarded || s.nonblocking) return false;
    if (flags & 0x1) return true; // MSG_OOB: Wine waits for ever, even when select says exceptional
    if (!s.live) return false;
    const bits = await ready(s.socket, settle, "r");
    if (!bits) return false;
    if (!bits[1].includes("r")) return true;
    const avail = { value: 0 };
    return (flags & 0x8) !== 0 && n > 0 &&
      ws.ioctlsocket(s.socket, FIONREAD, avail) === 0 && avail.value > 0 && avail.value < n;
  };
  /** Would this send wait? (harness.c's `would_wait_to_send`.) */
  const wouldWaitToSend = async (name: string) => {
    const s = slot(name);
    if (!guarded || s.nonblocking || !s.live) return false;
    const bits = await ready(s.socket, 0, "w");
    return bits !== null && !bits[1].includes("w");
  };
  let step = "", guarded = false;
  try {
    for (step of steps) {
      const [op, x, y, z, w] = step.split(" ");
      if (op === "sleep") {
        await new Promise((r) => setTimeout(r, Number(x)));
        continue;
      }
      if (op === "guard") {
        guarded = true;
        continue;
      }
      const me = slot(x);
      let result: string;
      switch (op) {
        case "socket":
        case "udp":
          result = made(
            x,
            op === "socket"
              ? ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
              : ws.socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP),
          );
          me.live = op === "udp" && me.socket !== INVALID_SOCKET ? 1 : 0;
          break;
        case "accept": {
          if (slot(y).live === 2 && await wouldWait(y, 0, 0)) {
            result = "blocks";
            break;
          }
          result = made(x, await within(ws.accept(sock(y))));
          me.nonblocking = slot(y).nonblocking;
          me.live = me.socket !== INVALID_SOCKET ? 1 : 0;
          break;
        }
        case "bind":
        case "bindto":
        case "bindany":
        case "rebind": {
          const a = op === "bindto" ? addressOf(sock(y)) : new sockaddr_in();
          a.sin_family = AF_INET;
          a.sin_addr.S_un.S_addr = op === "bindany" ? INADDR_ANY : inet_addr("127.0.0.1");
          if (op === "rebind") a.sin_port = boundPort.get(y) ?? 0;
          const n = ws.bind(me.socket, a, sizeof(a));
          if (n === 0) boundPort.set(x, addressOf(me.socket).sin_port);
          result = rc(n);
          break;
        }
        case "bind6": {
          const a = new sockaddr_in6();
          a.sin6_family = AF_INET6;
          a.sin6_addr.s6_addr[15] = 1;
          result = rc(ws.bind(me.socket, a, sizeof(a)));
          break;
        }
        case "listen": {
          const n = ws.listen(me.socket, SOMAXCONN);
          if (n === 0) me.live = 2;
          result = rc(n);
          break;
        }
        case "connect": {
          const a = targetOf(y);
          const n = await within(ws.connect(me.socket, a, sizeof(a)));
          if (n === 0) me.live = 1;
          result = rc(n);
          break;
        }
        case "send":
        case "sendto": {
          const [n, cap] = bufferOf(y);
          if (await wouldWaitToSend(x)) {
            result = "blocks";
            break;
          }
          const buf = Uint8Array.from({ length: cap }, (_, i) => 97 + (me.sent + i) % 26);
          const flags = Number((op === "send" ? z : w) ?? 0);
          const to = op === "sendto" ? targetOf(z) : null;
          const sent = await within(
            to
              ? ws.sendto(me.socket, buf, n, flags, to, sizeof(to))
              : ws.send(me.socket, buf, n, flags),
          );
          if (sent > 0) me.sent += sent;
          result = rc(sent);
          break;
        }
        case "recv":
        case "recvfrom": {
          const [n, cap] = bufferOf(y);
          const flags = Number(z ?? 0);
          if (await wouldWait(x, n, flags)) {
            result = "blocks";
            break;
          }
          const buf = new Uint8Array(cap), from = new sockaddr_in();
          const got = await within(
            op === "recv"
              ? ws.recv(me.socket, buf, n, flags)
              : ws.recvfrom(me.socket, buf, n, flags, from, { value: sizeof(from) }),
          );
          result = got > 0 ? `${got} "${new TextDecoder().decode(buf.subarray(0, got))}"` : rc(got);
          if (op === "recvfrom" && got >= 0) result += " from" + address(from);
          break;
        }
        case "shutdown":
          result = rc(ws.shutdown(me.socket, Number(y)));
          break;
        case "linger": // struct linger { u_short l_onoff; u_short l_linger; }
          result = rc(
            ws.setsockopt(me.socket, SOL_SOCKET, SO_LINGER, new Uint8Array([+y, 0, +z, 0]), 4),
          );
          break;
        case "setopt": {
          const [level, name] = OPTIONS[y];
          const value = new Uint8Array(16);
          if (y === "linger") value[0] = Number(z) !== 0 ? 1 : 0; // { l_onoff, 0 }
          else new DataView(value.buffer).setInt32(0, Number(z), true);
          result = rc(ws.setsockopt(me.socket, level, name, value, Number(w ?? 4)));
          break;
        }
        case "getopt": {
          const [level, name] = OPTIONS[y];
          const value = new Uint8Array(16), view = new DataView(value.buffer);
          const n = ws.getsockopt(me.socket, level, name, value, { value: Number(z ?? 4) });
          result = n === SOCKET_ERROR
            ? fail()
            : y === "linger"
            ? `0 {${view.getUint16(0, true) !== 0 ? 1 : 0}, ${view.getUint16(2, true)}}`
            : `0 ${view.getInt32(0, true)}`;
          break;
        }
        case "ioctl": {
          const arg = { value: Number(z ?? 0) };
          const cmd = y === "fionbio" ? FIONBIO : y === "fionread" ? FIONREAD : UNKNOWN_IOCTL;
          const n = ws.ioctlsocket(me.socket, cmd, arg);
          if (n === 0 && cmd === FIONBIO) me.nonblocking = arg.value !== 0;
          result = n === 0 && cmd === FIONREAD ? `0 ${arg.value}` : rc(n);
          break;
        }
        case "select": {
          const bits = await ready(me.socket);
          result = bits ? bits.join(" ") : fail();
          break;
        }
        case "sockname":
        case "peername": {
          const a = new sockaddr_in(), len = { value: sizeof(a) };
          const n = op === "sockname"
            ? ws.getsockname(me.socket, a, len)
            : ws.getpeername(me.socket, a, len);
          result = n === SOCKET_ERROR ? fail() : "0" + address(a);
          break;
        }
        case "close": {
          const n = ws.closesocket(me.socket);
          // Its name stands for INVALID_SOCKET from then on (the number could be reused).
          if (n === 0) Object.assign(me, { socket: INVALID_SOCKET, live: 0 });
          result = rc(n);
          break;
        }
        default:
          throw new Error(`unknown step: ${step}`);
      }
      out.push(`${step} => ${result}`);
    }
  } catch (e) {
    out.push(`${step} => ${e instanceof Error ? e.message : e}`);
  } finally {
    ws.WSACleanup();
  }
  return out;
}
