// Subscribes to one room's roomEvents and roomUpdated through roomgraph with the npm graphql-ws client
// (graphql-transport-ws over one WebSocket, Node's `ws` underneath), as a Node service or a browser app
// would. What it prints and its exit codes: live-common.mjs.

import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createRequire } from 'node:module';
import { ROOM_EVENTS, ROOM_UPDATED, collector, readEnv, run } from './live-common.mjs';

const { version } = createRequire(import.meta.url)('graphql-ws/package.json');
const env = readEnv('live-graphql-ws.mjs');
const out = { client: 'graphql-ws', version, acknowledged: false };

await run(env, out, async () => {
  const client = createClient({
    url: env.wsURL,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    on: { connected: () => (out.acknowledged = true) },
  });
  const c = collector(env, out);
  const unsubscribe = [
    client.subscribe({ query: ROOM_EVENTS, variables: { id: env.roomId } }, {
      next: (r) => (r.errors ? c.error('roomEvents', r.errors) : c.event(r.data)),
      error: (e) => c.error('roomEvents', e),
      complete: () => {},
    }),
    client.subscribe({ query: ROOM_UPDATED, variables: { id: env.roomId } }, {
      next: (r) => (r.errors ? c.error('roomUpdated', r.errors) : c.update(r.data)),
      error: (e) => c.error('roomUpdated', e),
      complete: () => {},
    }),
  ];
  try {
    await c.done;
  } finally {
    unsubscribe.forEach((u) => u());
    await client.dispose();
  }
});
