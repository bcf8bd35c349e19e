/**
 * The flags `server.ts` and `client.ts` share, parsed with `node:util`'s
 * `parseArgs` (JSR's `@std/cli` is out of reach here).
 *
 * @module
 */

import { BACKEND_CHOICES, type BackendChoice, hostText } from "../mod.ts";
import { parseArgs } from "node:util";
import { WIRE_ENCODINGS, type WireEncoding } from "./text.ts";

/** The tutorial programs' options. */
export interface TutorialOptions {
  /** IPv4 or IPv6 address (no brackets) or host name to bind or connect to (default 127.0.0.1). */
  host: string;
  /** TCP (UDP for the UDP chapter) port, 1–65535 (default 12345). */
  port: number;
  /** Which backend carries the calls. */
  backend: BackendChoice;
  /** The text on the wire. */
  encoding: WireEncoding;
  /** Print each Winsock call to stderr as a line of C (`--trace`). */
  trace: boolean;
}

/** A whole-number flag one program adds (e.g. `clients.ts --count`). */
export interface CountFlag {
  /** Its value when not given. */
  default: number;
  /** The largest value it takes (the smallest is 1). */
  max: number;
  /** One line of usage text. */
  help: string;
}

/** A bad flag or value: the program prints usage and exits 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * The usage text of a tutorial program.
 *
 * @example
 * ```ts
 * import { usage } from "./cli.ts";
 * console.log(usage("server.ts", "listen on"));
 * ```
 */
export function usage(
  program: string,
  verb: string,
  counts: Record<string, CountFlag> = {},
): string {
  const transport = /(^|\/)udp_/.test(program) ? "UDP" : "TCP";
  return [
    `Usage: deno run --allow-net=127.0.0.1 [--allow-ffi] ${program} [options]`,
    "",
    "Options:",
    `  --host <host>        address to ${verb}: IPv4, IPv6 or a name (default 127.0.0.1)`,
    `  --port <1-65535>     ${transport} port (default 12345)`,
    `  --backend <name>     ${BACKEND_CHOICES.join(" | ")} (default auto)`,
    `  --encoding <name>    text on the wire: ${WIRE_ENCODINGS.join(" | ")} (default utf-8;`,
    "                       the tutorial's Windows builds speak gbk)",
    "  --trace              print each Winsock call to stderr as a line of C, with its result",
    "                       (a server prints nothing while it waits: --trace shows it listening)",
    ...Object.entries(counts).map(([name, flag]) =>
      `  ${`--${name} <1-${flag.max}>`.padEnd(20)} ${flag.help} (default ${flag.default})`
    ),
    "  --help               show this help",
  ].join("\n");
}

/**
 * Parses the flags; throws `UsageError` for anything wrong, returns `"help"`
 * for `--help`.
 *
 * @example
 * ```ts
 * import { parseTutorialArgs } from "./cli.ts";
 * console.log(parseTutorialArgs(["--port", "8080"])); // { host: "127.0.0.1", port: 8080, … }
 * ```
 */
export function parseTutorialArgs<K extends string = never>(
  args: string[],
  counts: Record<K, CountFlag> = {} as Record<K, CountFlag>,
): (TutorialOptions & Record<NoInfer<K>, number>) | "help" {
  const countNames = Object.keys(counts) as K[];
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: "string", default: "127.0.0.1" },
        port: { type: "string", default: "12345" },
        backend: { type: "string", default: "auto" },
        encoding: { type: "string", default: "utf-8" },
        trace: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
        ...Object.fromEntries(countNames.map((name) => [name, { type: "string" as const }])),
      },
    }));
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  if (values.help) return "help";
  if (!/^[0-9]{1,5}$/.test(values.port) || +values.port < 1 || +values.port > 65535) {
    throw new UsageError(`--port: "${values.port}" is not a port (1-65535)`);
  }
  if (!(BACKEND_CHOICES as readonly string[]).includes(values.backend)) {
    throw new UsageError(
      `--backend: "${values.backend}" is not one of ${BACKEND_CHOICES.join(", ")}`,
    );
  }
  const encoding = values.encoding.toLowerCase().replace(/^utf8$/, "utf-8");
  if (!(WIRE_ENCODINGS as readonly string[]).includes(encoding)) {
    throw new UsageError(
      `--encoding: "${values.encoding}" is not one of ${WIRE_ENCODINGS.join(", ")}`,
    );
  }
  const host = hostText(values.host);
  if (host === null) {
    throw new UsageError(
      `--host: "${values.host}" is not an IPv4 address (inet_addr returns INADDR_NONE), ` +
        "an IPv6 address or a host name",
    );
  }
  const numbers = {} as Record<K, number>;
  for (const name of countNames) {
    const given = (values as Record<string, unknown>)[name] as string | undefined;
    const { default: fallback, max } = counts[name];
    const value = given === undefined ? fallback : Number(given);
    if (given !== undefined && (!/^[0-9]{1,9}$/.test(given) || value < 1 || value > max)) {
      throw new UsageError(`--${name}: "${given}" is not a number from 1 to ${max}`);
    }
    numbers[name] = value;
  }
  return {
    host,
    port: Number(values.port),
    backend: values.backend as BackendChoice,
    encoding: encoding as WireEncoding,
    trace: values.trace,
    ...numbers,
  };
}

/**
 * Parses `Deno.args` for a program: prints usage and exits 2 on a bad flag,
 * prints it and exits 0 on `--help`.
 *
 * @example
 * ```ts ignore
 * import { tutorialOptions } from "./cli.ts";
 * const { host, port } = tutorialOptions("client.ts", "connect to");
 * ```
 */
export function tutorialOptions<K extends string = never>(
  program: string,
  verb: string,
  counts: Record<K, CountFlag> = {} as Record<K, CountFlag>,
): TutorialOptions & Record<NoInfer<K>, number> {
  try {
    const parsed = parseTutorialArgs(Deno.args, counts);
    if (parsed !== "help") return parsed;
    console.log(usage(program, verb, counts));
    Deno.exit(0);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`${program}: ${e.message}\n\n${usage(program, verb, counts)}`);
    Deno.exit(2);
  }
}
