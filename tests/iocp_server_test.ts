/**
 * chapters/iocp_server.ts, a real process with its Workers (one per core,
 * each dequeuing completions): 100 clients at once (beyond any 64-socket
 * limit), each getting exactly its own bytes back, beside a silent client
 * and one that resets mid-message.
 */

import { testBackends } from "./_support.ts";
import { servesManyClients } from "./_chapter_servers.ts";

for (const backend of testBackends()) {
  Deno.test(`iocp_server [${backend}]: 100 clients at once each get their own bytes back; a silent and a resetting client disturb nobody`, async () => {
    await servesManyClients("chapters/iocp_server.ts", "IOCP 服务器已启动", backend, 100, {
      read: true, // its Workers' modules
    });
  });
}
