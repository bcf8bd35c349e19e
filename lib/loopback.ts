/**
 * Two loopback chores the demo and the tests share: a free port, and waiting
 * until a program has bound one.
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
 * Waits until something has bound 127.0.0.1:`port` (binding it ourselves
 * then fails), plus a moment for its `listen`; rejects after `ms`.
 */
export async function waitUntilBound(port: number, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      Deno.listen({ hostname: "127.0.0.1", port }).close();
    } catch (e) {
      if (e instanceof Deno.errors.AddrInUse) break;
      throw e;
    }
    if (Date.now() > until) throw new Error(`nothing bound port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 100)); // from bind to listen
}
