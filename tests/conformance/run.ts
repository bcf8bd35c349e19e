/**
 * The façade side of the conformance suite: runs a scenario's script
 * (`scenarios.ts`) through `openWinsock({ backend })` and prints what
 * `harness.c` prints for the same calls, one line per call. Also writes the
 * script `harness.c` reads (every scenario, each after a `scenario` line) and
 * reads its output back.
 */

import {
  AF_INET,
  type BackendName,
  INVALID_SOCKET,
  IPPROTO_TCP,
  MAKEWORD,
  openWinsock,
  sizeof,
  SO_LINGER,
  SOCK_STREAM,
  sockaddr_in,
  type SOCKET,
  SOCKET_ERROR,
  SOL_SOCKET,
  SOMAXCONN,
  WSADATA,
} from "../../mod.ts";
import { inet_addr } from "../../lib/helpers.ts";
import type { Scenario } from "./scenarios.ts";

/** How long one call may wait before the scenario is given up (ms). */
const CALL_MS = 5_000;

/** The script `harness.c` reads: every scenario, each after its `scenario` line. */
export function harnessScript(scenarios: Scenario[]): string {
  return scenarios.map((s) => [`scenario ${s.name}`, ...s.steps].join("\n")).join("\n") + "\n";
}

/** `harness.c`'s output, split by scenario: name → its lines. */
export function harnessLines(output: string): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  let lines: string[] = [];
  for (const line of output.split(/\r?\n/)) {
    if (line.startsWith("== ")) byName.set(line.slice(3), lines = []);
    else if (line !== "") lines.push(line);
  }
  return byName;
}

/** The letters `send` sends: the next `n` of a-z, after `from` already sent. */
function letters(from: number, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => 97 + (from + i) % 26);
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
  const ws = openWinsock({ backend, blocking });
  if (ws.WSAStartup(MAKEWORD(2, 2), new WSADATA()) !== 0) throw new Error("WSAStartup failed");
  const sockets = new Map<string, SOCKET>(), sent = new Map<string, number>();
  const boundPort = new Map<string, number>(); // for rebind: the port each socket was bound to
  const out: string[] = [];
  const sock = (name: string) => sockets.get(name) ?? INVALID_SOCKET;
  const rc = (n: number) => n === SOCKET_ERROR ? `-1 ${ws.WSAGetLastError()}` : `${n}`;
  const addressOf = (name: string) => {
    const a = new sockaddr_in();
    ws.getsockname(sock(name), a, { value: sizeof(a) });
    return a;
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
  let step = "";
  try {
    for (step of steps) {
      const [op, x, y, z] = step.split(" ");
      if (op === "sleep") {
        await new Promise((r) => setTimeout(r, Number(x)));
        continue;
      }
      let result: string;
      switch (op) {
        case "socket":
        case "accept": {
          const s = op === "socket"
            ? ws.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
            : await within(ws.accept(sock(y)));
          sockets.set(x, s);
          result = s === INVALID_SOCKET ? `-1 ${ws.WSAGetLastError()}` : "ok";
          break;
        }
        case "bind":
        case "bindto":
        case "rebind": {
          const a = op === "bindto" ? addressOf(y) : new sockaddr_in();
          a.sin_family = AF_INET;
          a.sin_addr.S_un.S_addr = inet_addr("127.0.0.1");
          if (op === "rebind") a.sin_port = boundPort.get(y) ?? 0;
          const n = ws.bind(sock(x), a, sizeof(a));
          if (n === 0) boundPort.set(x, addressOf(x).sin_port);
          result = rc(n);
          break;
        }
        case "listen":
          result = rc(ws.listen(sock(x), SOMAXCONN));
          break;
        case "connect": {
          const a = addressOf(y);
          result = rc(await within(ws.connect(sock(x), a, sizeof(a))));
          break;
        }
        case "send": {
          const from = sent.get(x) ?? 0;
          const n = await within(
            ws.send(sock(x), letters(from, Number(y)), Number(y), Number(z ?? 0)),
          );
          if (n > 0) sent.set(x, from + n);
          result = rc(n);
          break;
        }
        case "recv": {
          const buf = new Uint8Array(Number(y));
          const n = await within(ws.recv(sock(x), buf, Number(y), Number(z ?? 0)));
          result = n > 0 ? `${n} "${new TextDecoder().decode(buf.subarray(0, n))}"` : rc(n);
          break;
        }
        case "shutdown":
          result = rc(ws.shutdown(sock(x), Number(y)));
          break;
        case "linger": // struct linger { u_short l_onoff; u_short l_linger; }
          result = rc(
            ws.setsockopt(sock(x), SOL_SOCKET, SO_LINGER, new Uint8Array([+y, 0, +z, 0]), 4),
          );
          break;
        case "close":
          result = rc(ws.closesocket(sock(x)));
          break;
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
