/**
 * Every command the docs (`README.md`, `README.zh-CN.md`, `bench/README.md`,
 * `tests/README.md`) show in a code block, and how `tests/readme_test.ts`
 * runs it. A doc may show only a command listed here (a line of an `sh`
 * block, comment stripped, or a `$ ` line of any block), and every command
 * listed must be shown by one.
 *
 * `deno` and `npx -y deno@<version>` stand for the Deno running the test
 * (the version must be the one `.ci/run` pins). A command that starts a
 * server gets `--port <a free port>` appended and is killed once checked.
 */

/** How a shown command is run, bounded in time. */
export type CommandCheck =
  /** As shown: exits 0 within the deadline, printing `expect`. */
  | { run: "as-shown"; expect: string }
  /** With `--help` appended (the command itself runs for minutes): exits 0, printing `expect`. */
  | { run: "help"; expect: string }
  /**
   * A TCP server: a client gets the tutorial's greeting and says `hello`, which the server prints;
   * its output also holds `expect`.
   */
  | { run: "tcp-server"; expect?: string }
  /** A UDP server: a datagram sent to `--host` (default 127.0.0.1) comes back. */
  | { run: "udp-server" }
  /**
   * A client, against `server` (a listed server command) on the same free port:
   * `input` on stdin, then its end; exits 0, printing `expect`.
   */
  | { run: "client"; server: string; input: string; expect: string }
  /**
   * A shell script that needs Wine or a fresh machine: `bash -n` (syntax) only; for a
   * `deno task`, the `bash` script deno.json runs for it.
   */
  | { run: "syntax" };

const SERVER_TS = "deno run --allow-net=127.0.0.1 --allow-ffi server.ts";
const CLIENT_TS = "deno run --allow-net=127.0.0.1 --allow-ffi client.ts";

/** The commands, each as the READMEs show it. */
export const README_COMMANDS: Record<string, CommandCheck> = {
  "npx -y deno@2.9.6 task demo": { run: "as-shown", expect: "server exited 0, client exited 0" },
  "npx -y deno@2.9.6 task test": { run: "help", expect: "deno test" },
  [SERVER_TS]: { run: "tcp-server" },
  [`${SERVER_TS} --trace`]: { run: "tcp-server", expect: "listen(" },
  [CLIENT_TS]: {
    run: "client",
    server: SERVER_TS,
    input: "",
    expect: "服务器说:\t22  服务器链接成功",
  },
  "deno task select-server": { run: "tcp-server" },
  "deno task clients --count 60": {
    run: "client",
    server: "deno task select-server",
    input: "",
    expect: "60 个客户端同时在线",
  },
  "deno task client": {
    run: "client",
    server: "deno task select-server",
    input: "hello\n",
    expect: "服务器说:\t5  hello",
  },
  "deno task event-select-server": { run: "tcp-server" },
  "deno task async-select-server": { run: "tcp-server" },
  "deno task overlapped-server": { run: "tcp-server" },
  "deno task completion-routine-server": { run: "tcp-server" },
  "deno task iocp-server": { run: "tcp-server" },
  "deno task clients --count 100": {
    run: "client",
    server: "deno task event-select-server",
    input: "",
    expect: "100 个客户端同时在线",
  },
  "deno task udp-server": { run: "udp-server" },
  "deno task udp-server --host ::1": { run: "udp-server" },
  "deno task udp-client": {
    run: "client",
    server: "deno task udp-server",
    input: "hello\n",
    expect: "说:\t5  hello",
  },
  // bench/README.md
  "deno task bench --quick": { run: "help", expect: "deno task bench" },
  "deno task bench": { run: "help", expect: "deno task bench" },
  "deno task bench --quick --json bench/results-linux.json": {
    run: "help",
    expect: "deno task bench",
  },
  "bash bench/wine.sh --quick --json bench/results-wine.json": { run: "syntax" },
  "deno task bench:chart": { run: "help", expect: "deno task bench:chart" },
  // tests/README.md
  "deno task test": { run: "help", expect: "deno test" },
  "deno task test tests/udp_test.ts": { run: "help", expect: "deno test" },
  "deno task test:windows": { run: "syntax" },
  "bash .ci/run": { run: "syntax" },
};
