/**
 * The docs stay in step with each other and with the programs. The two
 * READMEs: the first line of each links to the other; a `deno task` named in
 * one is named in the other; the chapter sections (headings naming
 * `chapters/…`) are the same in both; each is at most 700 lines, its contents
 * linking every section after it. Every doc (the READMEs, `bench/README.md`,
 * `tests/README.md`): a `deno task` it names is defined in deno.json, its
 * files there; its links to files and headings resolve; every command in a
 * code block is one of `tests/readme_commands.ts`, and each of those runs as
 * shown, bounded.
 */

import assert from "node:assert/strict";
import { type CommandCheck, README_COMMANDS } from "./readme_commands.ts";
import {
  connectWhenListening,
  deadline,
  freePort,
  GREETING,
  readEnd,
  readExactly,
  waitUntilBound,
  writeAll,
} from "./_support.ts";

const ROOT = new URL("../", import.meta.url);
const README_FILES = ["README.md", "README.zh-CN.md"] as const;
/** Every doc whose commands, tasks and links are checked. */
const DOC_FILES = [...README_FILES, "bench/README.md", "tests/README.md"] as const;
const read = (file: string) => Deno.readTextFileSync(new URL(file, ROOT));
const readmes = README_FILES.map((file) => ({ file, text: read(file) }));
const docs = DOC_FILES.map((file) => ({ file, text: read(file) }));
const TASKS: Record<string, string> = JSON.parse(read("deno.json")).tasks;

/** The `deno task` names a text mentions anywhere (code, prose, tables). */
function tasksNamed(text: string): Set<string> {
  const found = text.matchAll(/\bdeno(?:@[\d.]+)? task ([a-z][\w-]*(?::[a-z][\w-]*)?)/g);
  return new Set([...found].map((m) => m[1]));
}

/** A doc's heading lines (`## Title`), outside code blocks. */
function headings(text: string): string[] {
  let inCode = false;
  return text.split("\n").flatMap((line) => {
    if (line.startsWith("```")) inCode = !inCode;
    return !inCode && /^#{1,6} /.test(line) ? [line] : [];
  });
}

/** A heading line's text, after its `#`s. */
const title = (heading: string) => heading.replace(/^#+ /, "");

/** The `chapters/…` paths the headings of a README name: its chapter sections. */
function chapterSections(text: string): Set<string> {
  return new Set(
    headings(text).flatMap((h) => [...h.matchAll(/`(chapters\/[\w./]*)`/g)].map((m) => m[1])),
  );
}

/** The commands a README's code blocks show: `sh` lines (comments stripped) and `$ ` lines. */
function commandsShown(text: string): string[] {
  const commands: string[] = [];
  let lang: string | null = null;
  for (const line of text.split("\n")) {
    const fence = /^```(\S*)/.exec(line);
    if (fence) {
      lang = lang === null ? fence[1] : null;
      continue;
    }
    if (lang === null) continue;
    const shell = ["sh", "bash", "shell", "console"].includes(lang);
    const command = line.startsWith("$ ") ? line.slice(2) : shell ? line : "";
    const bare = command.replace(/(^|\s)#.*$/, "").trim().replace(/\s+/g, " ");
    if (bare) commands.push(bare);
  }
  return commands;
}

/** GitHub's anchor for a heading. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
}

function anchors(text: string): Set<string> {
  return new Set(headings(text).map((h) => slug(title(h))));
}

Deno.test("READMEs: the first line of each links to the other", () => {
  const [en, zh] = readmes.map((r) => r.text.split("\n")[0]);
  assert.match(en, /\]\(README\.zh-CN\.md\)/, "README.md's first line");
  assert.match(zh, /\]\(README\.md\)/, "README.zh-CN.md's first line");
});

Deno.test("READMEs: every deno task named in one is named in the other", () => {
  const [en, zh] = readmes.map((r) => tasksNamed(r.text));
  assert.ok(en.size > 5, "README.md names its tasks");
  assert.deepEqual([...en].filter((t) => !zh.has(t)), [], "named in README.md only");
  assert.deepEqual([...zh].filter((t) => !en.has(t)), [], "named in README.zh-CN.md only");
});

Deno.test("docs: every deno task named is in deno.json, its files there", () => {
  for (const { file, text } of docs) {
    for (const task of tasksNamed(text)) {
      assert.ok(task in TASKS, `${file}: deno task ${task}: not in deno.json`);
      for (const path of TASKS[task].split(/\s+/).filter((w) => /\.(ts|sh|mjs)$/.test(w))) {
        assert.ok(exists(path), `deno task ${task}: ${path} does not exist`);
      }
    }
  }
});

Deno.test("READMEs: at most 700 lines, the contents linking every section after them", () => {
  for (const { file, text } of readmes) {
    const lines = text.split("\n");
    const count = text.endsWith("\n") ? lines.length - 1 : lines.length; // as wc -l counts
    assert.ok(count <= 700, `${file}: ${count} lines`);
    const at = lines.findIndex((line) => /^\*\*(Contents|目录)[:：]\*\*/.test(line));
    assert.ok(at > 0 && at < 60, `${file}: no contents near the top`);
    const contents = lines.slice(at, lines.indexOf("", at)).join(" ");
    const linked = new Set([...contents.matchAll(/\]\(#([^)\s]+)\)/g)].map((m) => m[1]));
    const sections = headings(lines.slice(at).join("\n"))
      .filter((h) => h.startsWith("## ")).map((h) => slug(h.slice(3)));
    assert.ok(sections.length > 5, `${file}: its sections`);
    assert.deepEqual(sections.filter((s) => !linked.has(s)), [], `${file}: not in its contents`);
  }
});

Deno.test("READMEs: the same chapter sections in both", () => {
  const [en, zh] = readmes.map((r) => chapterSections(r.text));
  assert.ok(en.size >= 7, "README.md has its chapter sections");
  assert.deepEqual([...en].filter((c) => !zh.has(c)), [], "a chapter section in README.md only");
  assert.deepEqual(
    [...zh].filter((c) => !en.has(c)),
    [],
    "a chapter section in README.zh-CN.md only",
  );
  for (const path of en) assert.ok(exists(path), `${path} does not exist`);
});

Deno.test("docs: links to files and headings resolve", () => {
  for (const { file, text } of docs) {
    for (const [, target, anchor] of text.matchAll(/\]\(([^)\s#:]*)(?:#([^)\s]+))?\)/g)) {
      // A path is relative to the doc; a bare #anchor is the doc's own.
      const where = target ? new URL(target, new URL(file, ROOT)) : new URL(file, ROOT);
      const path = where.href.slice(ROOT.href.length);
      assert.ok(exists(path), `${file}: no file ${target}`);
      if (anchor) {
        const found = anchors(read(path)).has(anchor);
        assert.ok(found, `${file}: no heading #${anchor} in ${path}`);
      }
    }
  }
});

Deno.test("docs: every command in a code block is a listed one, and every listed one shown", () => {
  const shown = new Set(docs.flatMap((r) => commandsShown(r.text)));
  const listed = new Set(Object.keys(README_COMMANDS));
  assert.deepEqual(
    [...shown].filter((c) => !listed.has(c)),
    [],
    "shown, not in readme_commands.ts",
  );
  assert.deepEqual([...listed].filter((c) => !shown.has(c)), [], "listed, shown by no doc");
});

// The commands are run on Linux and macOS, where a server started through `deno task` is stopped by
// a signal that `deno task` passes on to it; the Windows run (under Wine) has no bash either.
const RUNS = Deno.build.os !== "windows";

for (const [command, check] of Object.entries(README_COMMANDS)) {
  Deno.test({
    name: `README command runs as shown: ${command}`,
    ignore: !RUNS,
    fn: () => runCheck(command, check),
  });
}

/** The argv of a shown command, with `deno`/`npx -y deno@<pinned>` as the running Deno. */
function argv(command: string): string[] {
  assert.doesNotMatch(command, /["'|;&<>$`\\]/, `${command}: not a plain command`);
  const words = command.split(" ");
  if (words[0] === "npx") {
    const pinned = /DENO_VERSION=(\S+)/.exec(read(".ci/run"))?.[1];
    assert.deepEqual(words.slice(0, 3), ["npx", "-y", `deno@${pinned}`], `${command}: not the pin`);
    return [Deno.execPath(), ...words.slice(3)];
  }
  if (words[0] === "deno") return [Deno.execPath(), ...words.slice(1)];
  return words;
}

interface Running {
  child: Deno.ChildProcess;
  /** stdout and stderr together, once the process has ended. */
  output: Promise<string>;
}

function start(args: string[], input: string | null): Running {
  const child = new Deno.Command(args[0], {
    args: args.slice(1),
    cwd: ROOT,
    stdin: input === null ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  if (input !== null) {
    const writer = child.stdin.getWriter();
    writer.write(new TextEncoder().encode(input)).then(() => writer.close()).catch(() => {});
  }
  const text = (s: ReadableStream<Uint8Array>) => new Response(s).text();
  const output = Promise.all([text(child.stdout), text(child.stderr)]).then(([o, e]) => o + e);
  return { child, output };
}

/** Runs to its end within `ms`: exit code and output. */
async function finished(run: Running, ms: number, what: string) {
  try {
    const status = await deadline(run.child.status, ms, what);
    return { code: status.code, output: await run.output };
  } catch (e) {
    run.child.kill("SIGKILL");
    await run.child.status;
    throw new Error(`${e}\n${await run.output}`);
  }
}

/** `promise`, unless the server ends first (a task that does not resolve, a bind that fails). */
async function whileRunning<T>(server: Running, promise: Promise<T>, what: string): Promise<T> {
  const ended = server.child.status.then(async (status): Promise<never> => {
    throw new Error(`${what}: exited ${status.code} first\n${await server.output}`);
  });
  ended.catch(() => {});
  return await Promise.race([promise, ended]);
}

/** Stops a server started with `deno task`/`deno run`; nothing it started may hold the port after. */
async function stop(run: Running, port: number, what: string): Promise<string> {
  try {
    run.child.kill("SIGTERM");
  } catch { /* it had ended */ }
  await finished(run, 10_000, `${what} to end`);
  await deadline(refused(port), 5_000, `${what}: port ${port} closed after the kill`);
  return await run.output;
}

async function refused(port: number): Promise<void> {
  for (;;) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Sends datagrams to `hostname`:`port` until one comes back, within `ms`. */
async function udpEcho(hostname: string, port: number, ms: number): Promise<string> {
  const socket = Deno.listenDatagram({ hostname, port: 0, transport: "udp" });
  try {
    const reply = socket.receive().then(([bytes]) => new TextDecoder().decode(bytes));
    const until = Date.now() + ms;
    for (;;) {
      await socket.send(new TextEncoder().encode("ping"), { hostname, port, transport: "udp" });
      const got = await Promise.race([reply, new Promise((r) => setTimeout(r, 200, null))]);
      if (typeof got === "string") return got;
      if (Date.now() > until) throw new Error(`no datagram back from ${hostname}:${port}`);
    }
  } finally {
    socket.close();
  }
}

async function runCheck(command: string, check: CommandCheck): Promise<void> {
  const args = argv(command);
  switch (check.run) {
    case "as-shown":
    case "help": {
      const ran = await finished(
        start(check.run === "help" ? [...args, "--help"] : args, null),
        30_000,
        command,
      );
      assert.equal(ran.code, 0, ran.output);
      assert.ok(
        ran.output.includes(check.expect),
        `${command}: no "${check.expect}" in\n${ran.output}`,
      );
      return;
    }
    case "syntax": {
      // `deno task X` stands for the `bash script` deno.json runs for it.
      const task = command.startsWith("deno task ") ? TASKS[command.split(" ")[2]] : null;
      const [shell, script] = task ? task.split(" ") : args;
      assert.equal(shell, "bash", command);
      assert.ok(exists(script), `${script} does not exist`);
      assert.equal((await finished(start(["bash", "-n", script], null), 10_000, command)).code, 0);
      return;
    }
    case "tcp-server": {
      const port = freePort();
      const server = start([...args, "--port", `${port}`], "");
      const conn = await whileRunning(server, connectWhenListening(port, 20_000), command)
        .catch(async (e) => {
          await stop(server, port, command);
          throw e;
        });
      try {
        assert.deepEqual([...await readExactly(conn, 22)], GREETING["utf-8"], command);
        await writeAll(conn, new TextEncoder().encode("hello"));
        await readEnd(conn); // the chapters' echo, or server.ts leaving (its stdin is closed)
      } finally {
        conn.close();
      }
      const output = await stop(server, port, command);
      for (const expect of ["说:\t5  hello", ...check.expect ? [check.expect] : []]) {
        assert.ok(output.includes(expect), `no "${expect}" in\n${output}`);
      }
      return;
    }
    case "udp-server": {
      const port = freePort();
      const hostname = args.includes("--host") ? args[args.indexOf("--host") + 1] : "127.0.0.1";
      const server = start([...args, "--port", `${port}`], "");
      try {
        assert.equal(await whileRunning(server, udpEcho(hostname, port, 20_000), command), "ping");
      } finally {
        await stop(server, port, command);
      }
      return;
    }
    case "client": {
      const port = freePort();
      const serverCheck = README_COMMANDS[check.server];
      const server = start([...argv(check.server), "--port", `${port}`], "");
      try {
        const ready = serverCheck?.run === "udp-server"
          ? udpEcho("127.0.0.1", port, 20_000).then(() => {})
          : waitUntilBound(port, 20_000);
        await whileRunning(server, ready, check.server);
        const ran = await finished(
          start([...args, "--port", `${port}`], check.input),
          30_000,
          command,
        );
        assert.equal(ran.code, 0, ran.output);
        assert.ok(ran.output.includes(check.expect), `no "${check.expect}" in\n${ran.output}`);
      } finally {
        await stop(server, port, check.server);
      }
      return;
    }
  }
}

function exists(path: string): boolean {
  try {
    Deno.statSync(new URL(path, ROOT));
    return true;
  } catch {
    return false;
  }
}
