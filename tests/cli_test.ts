/** Tests for tutorial/cli.ts: the flags server.ts and client.ts share. */

import assert from "node:assert/strict";
import { parseTutorialArgs, usage, UsageError } from "../tutorial/cli.ts";
import { BACKEND_CHOICES } from "../lib/open.ts";
import { WIRE_ENCODINGS } from "../tutorial/text.ts";

function rejects(args: string[], pattern?: RegExp): void {
  assert.throws(() => parseTutorialArgs(args), (e: unknown) => {
    assert.ok(e instanceof UsageError, `expected a UsageError, got ${e}`);
    assert.equal(e.name, "UsageError");
    if (pattern) assert.match(e.message, pattern);
    return true;
  }, JSON.stringify(args));
}

Deno.test("defaults: 127.0.0.1, 12345, auto, utf-8, no trace", () => {
  assert.deepEqual(parseTutorialArgs([]), {
    host: "127.0.0.1",
    port: 12345,
    backend: "auto",
    encoding: "utf-8",
    trace: false,
  });
});

Deno.test("--trace turns tracing on; it takes no value", () => {
  assert.equal((parseTutorialArgs(["--trace"]) as { trace: boolean }).trace, true);
  assert.equal(
    (parseTutorialArgs(["--port", "80", "--trace", "--backend", "deno"]) as { trace: boolean })
      .trace,
    true,
  );
  rejects(["--trace=yes"]);
});

Deno.test("valid values", () => {
  assert.deepEqual(
    parseTutorialArgs(["--host", "10.0.0.7", "--port", "8080", "--backend", "deno"]),
    { host: "10.0.0.7", port: 8080, backend: "deno", encoding: "utf-8", trace: false },
  );
  assert.deepEqual(parseTutorialArgs(["--port=1", "--encoding=gbk"]), {
    host: "127.0.0.1",
    port: 1,
    backend: "auto",
    encoding: "gbk",
    trace: false,
  });
  assert.equal((parseTutorialArgs(["--port", "65535"]) as { port: number }).port, 65535);
  for (const backend of BACKEND_CHOICES) {
    assert.equal(
      (parseTutorialArgs(["--backend", backend]) as { backend: string }).backend,
      backend,
    );
  }
  for (const [given, encoding] of [["GBK", "gbk"], ["UTF-8", "utf-8"], ["utf8", "utf-8"]]) {
    assert.equal(
      (parseTutorialArgs(["--encoding", given]) as { encoding: string }).encoding,
      encoding,
    );
  }
  assert.equal(
    (parseTutorialArgs(["--host", "0.0.0.0"]) as { host: string }).host,
    "0.0.0.0",
  );
  assert.equal(
    (parseTutorialArgs(["--host", "255.255.255.255"]) as { host: string }).host,
    "255.255.255.255",
  );
  // The last of a repeated flag wins.
  assert.equal((parseTutorialArgs(["--port", "1", "--port", "2"]) as { port: number }).port, 2);
});

Deno.test("--port must be an integer 1-65535", () => {
  for (const port of ["notaport", "0", "65536", "1.5", "", " 80", "80 ", "0x50", "1e3", "99999"]) {
    rejects(["--port", port], /--port|port/);
  }
  rejects(["--port=-1"], /--port/);
  rejects(["--port", "-1"]); // parseArgs: "-1" looks like a flag
  rejects(["--port"]); // no value
});

Deno.test("unknown flags and stray arguments are usage errors", () => {
  rejects(["--verbose"]);
  rejects(["-p", "80"]);
  rejects(["extra"]);
  rejects(["--host", "127.0.0.1", "12345"]);
  rejects(["--help=yes"]);
});

Deno.test("a bad backend or encoding is a usage error naming the choices", () => {
  rejects(["--backend", "libc"], /--backend: "libc" is not one of auto, winsock, posix, deno/);
  rejects(["--backend", "AUTO"], /--backend/);
  rejects(["--backend", ""], /--backend/);
  rejects(["--encoding", "latin1"], /--encoding: "latin1" is not one of utf-8, gbk/);
  rejects(["--encoding", "gb2312"], /--encoding/);
  rejects(["--encoding", ""], /--encoding/);
});

Deno.test("--host takes IPv4, IPv6 (with or without brackets) and names; anything else is a usage error", () => {
  for (const [given, host] of [["::1", "::1"], ["[::1]", "::1"], ["localhost", "localhost"]]) {
    assert.equal((parseTutorialArgs(["--host", given]) as { host: string }).host, host);
  }
  for (const host of ["127,0,0,1", "", "256.0.0.1", "1.2.3.4.5", ":::1", "a_b", "x..com"]) {
    rejects(["--host", host], /--host.*INADDR_NONE/);
  }
  rejects(["--host", "127,0,0,1"], /"127,0,0,1"/);
});

Deno.test('--help returns "help", even with other flags', () => {
  assert.equal(parseTutorialArgs(["--help"]), "help");
  assert.equal(parseTutorialArgs(["--port", "0", "--help"]), "help");
  rejects(["--help", "--bogus"]); // an unknown flag is still an error
});

Deno.test("usage() names the program and verb and lists every flag and choice", () => {
  const text = usage("server.ts", "listen on");
  assert.match(text, /server\.ts/);
  assert.match(text, /address to listen on/);
  for (const flag of ["--host", "--port", "--backend", "--encoding", "--trace", "--help"]) {
    assert.ok(text.includes(flag), flag);
  }
  for (const choice of [...BACKEND_CHOICES, ...WIRE_ENCODINGS]) {
    assert.ok(text.includes(choice), choice);
  }
  for (const def of ["127.0.0.1", "12345", "1-65535", "default auto", "default utf-8"]) {
    assert.ok(text.includes(def), def);
  }
  assert.match(usage("client.ts", "connect to"), /client\.ts[\s\S]*address to connect to/);
});

Deno.test("--help as the programs print it: the UDP chapter's port is UDP, counts spaced, a --trace hint", async () => {
  const help = async (file: string) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", file, "--help"],
      cwd: new URL("../", import.meta.url),
      stdout: "piped",
    }).output();
    assert.equal(out.code, 0);
    return new TextDecoder().decode(out.stdout);
  };
  assert.match(
    await help("chapters/udp_client.ts"),
    /--port <1-65535> {5}UDP port \(default 12345\)/,
  );
  assert.match(await help("server.ts"), /--port <1-65535> {5}TCP port/);
  assert.match(await help("server.ts"), /a server prints nothing while it waits: --trace shows it/);
  const clients = await help("clients.ts");
  assert.match(clients, /--count <1-10000> {4}clients connected at once/);
  assert.match(clients, /--messages <1-100000> messages each client sends/);
});
