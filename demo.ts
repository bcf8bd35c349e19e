/**
 * `deno task demo`: starts the tutorial's server and client as two real
 * processes on loopback and plays a short conversation, showing both sides.
 * Each program reads one token from its stdin per turn, exactly as it would
 * from a person typing.
 *
 *     deno run --allow-run --allow-read --allow-net=127.0.0.1 demo.ts [--backend deno] [--encoding gbk] [--trace]
 *
 * With `--trace`, each program's Winsock calls are shown too, labelled by
 * side and in the order they came, so the lockstep shows call by call.
 *
 * @module
 */

import { BACKEND_CHOICES, type BackendChoice, resolveBackend } from "./mod.ts";
import { parseArgs, styleText } from "node:util";
import { freePort, waitUntilBound } from "./tutorial/loopback.ts";
import { WIRE_ENCODINGS } from "./tutorial/text.ts";

const SERVER_SAYS = ["欢迎光临", "再见"];
const CLIENT_SAYS = ["你好，服务器", "hello,winsock"];

const USAGE = [
  "Usage: deno task demo [options]",
  "",
  "Options:",
  `  --backend <name>     ${BACKEND_CHOICES.join(" | ")} (default auto)`,
  `  --encoding <name>    text on the wire: ${WIRE_ENCODINGS.join(" | ")} (default utf-8)`,
  "  --trace              also show both programs' Winsock calls, each line labelled by side",
  "  --help               show this help",
].join("\n");

function demoOptions() {
  let values;
  try {
    ({ values } = parseArgs({
      args: Deno.args,
      options: {
        backend: { type: "string", default: "auto" },
        encoding: { type: "string", default: "utf-8" },
        trace: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
    }));
  } catch (e) {
    usageError(e instanceof Error ? e.message : String(e));
  }
  if (values.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  if (!(BACKEND_CHOICES as readonly string[]).includes(values.backend)) {
    usageError(`--backend: "${values.backend}" is not one of ${BACKEND_CHOICES.join(", ")}`);
  }
  if (!(WIRE_ENCODINGS as readonly string[]).includes(values.encoding)) {
    usageError(`--encoding: "${values.encoding}" is not one of ${WIRE_ENCODINGS.join(", ")}`);
  }
  return values;
}

function usageError(message: string): never {
  console.error(`demo.ts: ${message}\n\n${USAGE}`);
  Deno.exit(2);
}

const values = demoOptions();

const port = `${freePort()}`;
const backend = resolveBackend(values.backend as BackendChoice, true); // both run with --allow-ffi
const flags = ["--port", port, "--backend", values.backend, "--encoding", values.encoding];
if (values.trace) flags.push("--trace");

/** Prints a child's lines as they come, each after its label; `each` sees every line. */
async function show(
  stream: ReadableStream<Uint8Array>,
  label: string,
  each: (line: string) => void = () => {},
): Promise<void> {
  let partial = "";
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    const lines = (partial + text).split("\n");
    partial = lines.pop() as string;
    for (const line of lines) {
      console.log(`${label} ${line}`);
      each(line);
    }
  }
  if (partial) console.log(`${label} ${partial}`);
}

function start(file: string, tokens: string[], label: string, color: "cyan" | "magenta") {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--allow-net=127.0.0.1", "--allow-ffi", file, ...flags],
    cwd: new URL(".", import.meta.url),
    stdin: "piped",
    stdout: "piped",
    stderr: values.trace ? "piped" : "inherit",
  }).spawn();
  // A program reads one token after each line it prints with "说:". Typing it only once that line
  // is shown keeps the two programs' lines in the order they happened.
  const writer = child.stdin.getWriter();
  const typeNext = (line: string) => {
    if (!line.includes("说:")) return;
    const token = tokens.shift();
    if (token === undefined) writer.close().catch(() => {});
    else writer.write(new TextEncoder().encode(token + "\n")).catch(() => {});
  };
  const shown = Promise.all([
    show(child.stdout, styleText(color, label), typeNext),
    // --trace: each call as the program makes it, on the same screen, dimmed
    values.trace ? show(child.stderr, styleText(["dim", color], `${label} trace:`)) : null,
  ]);
  return { status: child.status, shown };
}

console.log(
  styleText(
    "bold",
    `server.ts and client.ts on 127.0.0.1:${port}, ${backend} backend, ${values.encoding} on the wire`,
  ),
);
console.log(styleText("dim", `server will type: ${SERVER_SAYS.join(" | ")}`));
console.log(styleText("dim", `client will type: ${CLIENT_SAYS.join(" | ")}, then end its input`));
const server = start("server.ts", SERVER_SAYS, "[server]", "cyan");
await waitUntilBound(Number(port), 15_000).catch(() => {}); // as a person would wait for the server before starting the client
const client = start("client.ts", CLIENT_SAYS, "[client]", "magenta");
const [s, c] = await Promise.all([server.status, client.status, server.shown, client.shown]);
console.log(styleText("bold", `server exited ${s.code}, client exited ${c.code}`));
Deno.exit(s.code || c.code);
