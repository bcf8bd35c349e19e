/**
 * `deno task demo`: starts the tutorial's server and client as two real
 * processes on loopback and plays a short conversation, showing both sides.
 * Each program reads one token from its stdin per turn, exactly as it would
 * from a person typing.
 *
 *     deno run --allow-run --allow-read --allow-net=127.0.0.1 demo.ts [--backend deno] [--encoding gbk]
 *
 * @module
 */

import { parseArgs, styleText } from "node:util";
import { freePort, waitUntilBound } from "./lib/loopback.ts";
import { type BackendChoice, resolveBackend } from "./lib/open.ts";

const SERVER_SAYS = ["欢迎光临", "再见"];
const CLIENT_SAYS = ["你好，服务器", "hello,winsock"];

function demoOptions() {
  try {
    return parseArgs({
      args: Deno.args,
      options: {
        backend: { type: "string", default: "auto" },
        encoding: { type: "string", default: "utf-8" },
      },
    }).values;
  } catch (e) {
    console.error(`demo.ts: ${e instanceof Error ? e.message : e}`);
    console.error(
      "Usage: deno task demo [--backend auto|winsock|posix|deno] [--encoding utf-8|gbk]",
    );
    Deno.exit(2);
  }
}

const values = demoOptions();

const port = `${freePort()}`;
const backend = resolveBackend(values.backend as BackendChoice, true); // both run with --allow-ffi
const flags = ["--port", port, "--backend", values.backend, "--encoding", values.encoding];

function start(file: string, tokens: string[], label: string, color: "cyan" | "magenta") {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--allow-net=127.0.0.1", "--allow-ffi", file, ...flags],
    cwd: new URL(".", import.meta.url),
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
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
  const shown = (async () => {
    let partial = "";
    for await (const text of child.stdout.pipeThrough(new TextDecoderStream())) {
      const lines = (partial + text).split("\n");
      partial = lines.pop() as string;
      for (const line of lines) {
        console.log(`${styleText(color, label)} ${line}`);
        typeNext(line);
      }
    }
  })();
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
