/**
 * Running out of descriptors is survivable: a process that has none left
 * in its first second (a server flooded with clients as it starts) does not
 * take Deno down with it. Linux, under `prlimit`.
 */

import assert from "node:assert/strict";
import { testBackends } from "./_support.ts";

const MOD = new URL("../mod.ts", import.meta.url).href;

/** Whether `prlimit` runs here (util-linux). */
function hasPrlimit(): boolean {
  try {
    return new Deno.Command("prlimit", { args: ["--version"], stdout: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
}

const linux = Deno.build.os === "linux" && hasPrlimit();

for (const backend of testBackends()) {
  Deno.test({
    name: `openWinsock [${backend}]: out of descriptors at once, the process lives on`,
    ignore: !linux || backend === "winsock",
    async fn() {
      // Deno makes its signal handlers' socket pair about 0.7 s after it starts, and panicked
      // (ext/signals/lib.rs) when no descriptor was left for it then.
      const program = `
        import { openWinsock } from "${MOD}";
        openWinsock({ backend: "${backend}" });
        const held = [];
        try {
          for (;;) held.push(Deno.openSync("/dev/null"));
        } catch (e) {
          if (!(e instanceof Error) || !/Too many open files/.test(e.message)) throw e;
        }
        await new Promise((r) => setTimeout(r, 1_500));
        for (const f of held) f.close();
        console.log("alive");
      `;
      const out = await new Deno.Command("prlimit", {
        args: ["--nofile=64:64", "--", Deno.execPath(), "eval", "--ext=ts", program],
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1" },
      }).output();
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(new TextDecoder().decode(out.stdout), "alive\n", stderr.slice(0, 1_500));
      assert.equal(out.code, 0, stderr.slice(0, 1_500));
    },
  });
}
