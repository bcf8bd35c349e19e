/**
 * Where Deno's permissions refuse something, the programs and the library say
 * which flag to add, instead of a bare 10013 or Deno's own uncaught error.
 * (The 10013 lines of `client.ts` are in client_test.ts.)
 */

import assert from "node:assert/strict";
import { freePort, Program } from "./_support.ts";

Deno.test("openWinsock({ blocking: true }) without --allow-ffi: one Error saying add --allow-ffi", async () => {
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(
      file,
      `import { openWinsock } from ${JSON.stringify(new URL("../mod.ts", import.meta.url).href)};
try {
  openWinsock({ blocking: true });
  console.log("opened");
} catch (e) {
  console.log(e.message);
}
`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "--no-lock", `--allow-read=${file}`, file],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(
      new TextDecoder().decode(out.stdout),
      "Blocking calls need FFI, which Deno's permissions refuse here: add --allow-ffi\n",
    );
    assert.equal(new TextDecoder().decode(out.stderr), "");
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("iocp_server.ts without --allow-read: one line saying add --allow-read, exit 1", async () => {
  const port = freePort();
  const server = new Program("chapters/iocp_server.ts", ["--port", `${port}`]);
  try {
    const { code, rest, stderr } = await server.exit();
    assert.deepEqual(rest.slice(-1), ["工作线程要读取 chapters/iocp_worker.ts: 加上 --allow-read"]);
    assert.deepEqual([code, stderr], [1, ""]);
  } finally {
    await server.kill();
  }
});
