/**
 * Two loopback chores the demo and the tests share: a free port, and waiting
 * until a program listens on one.
 *
 * @module
 */

/** A 127.0.0.1 port nobody listens on right now. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/**
 * A `/proc` file (the host's TCP table, a process's status), or null where
 * it cannot be read: Linux wants `--allow-all` for `/proc`, so without it
 * `cat` reads it (`--allow-run`); under Wine the Windows Deno reads the
 * host's through Z:.
 */
export function readProc(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotCapable) || Deno.build.os === "windows") return null;
    return runText("cat", [path]);
  }
}

/** What a command printed, or null if it could not run or failed. */
export function runText(cmd: string, args: string[]): string | null {
  try {
    const out = new Deno.Command(cmd, { args, stdout: "piped", stderr: "null" }).outputSync();
    return out.success ? new TextDecoder().decode(out.stdout) : null;
  } catch {
    return null;
  }
}

/**
 * Whether a socket is in LISTEN on `port`, from the host's TCP table; null
 * where there is no table (Windows proper, macOS).
 */
function listensOn(port: number): boolean | null {
  const tables = ["/proc/net/tcp", "/proc/net/tcp6"].map(readProc);
  if (tables[0] === null) return null;
  const local = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  return tables.some((text) =>
    (text ?? "").split("\n").some((line) => {
      const f = line.trim().split(/\s+/);
      return f[1]?.endsWith(local) && f[3] === "0A"; // st 0A: LISTEN
    })
  );
}

/** Whether something has bound `hostname`:`port`: binding it ourselves fails. */
function boundByOther(hostname: string, port: number): boolean {
  try {
    Deno.listen({ hostname, port }).close();
    return false;
  } catch (e) {
    if (e instanceof Deno.errors.AddrInUse) return true;
    throw e;
  }
}

/**
 * Waits until a program listens on `port` (of `hostname`, default
 * 127.0.0.1); rejects after `ms`.
 * Where the host's TCP table can be read it is watched (nothing touches the
 * port); elsewhere the port is probed by binding it, which can make the
 * program's own `bind` fail if both happen at the same instant.
 */
export async function waitUntilBound(
  port: number,
  ms = 20_000,
  hostname = "127.0.0.1",
): Promise<void> {
  const until = Date.now() + ms;
  const watched = listensOn(port) !== null;
  for (;;) {
    if (watched ? listensOn(port) : boundByOther(hostname, port)) break;
    if (Date.now() > until) throw new Error(`nothing listens on port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!watched) await new Promise((r) => setTimeout(r, 100)); // from bind to listen
}
