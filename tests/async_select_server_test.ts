/**
 * chapters/async_select_server.ts, a real process: well over 64 clients at
 * once through one window's messages, each getting exactly its own bytes
 * back, beside a silent client and one that resets.
 */

import { testBackends } from "./_support.ts";
import { servesManyClients } from "./_chapter_servers.ts";

for (const backend of testBackends()) {
  Deno.test(`async_select_server [${backend}]: 100 clients at once each get their own bytes back; a silent and a resetting client disturb nobody`, async () => {
    await servesManyClients(
      "chapters/async_select_server.ts",
      "WSAAsyncSelect 服务器已启动",
      backend,
      100,
    );
  });
}
