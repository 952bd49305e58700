// Subscribes to one room's roomEvents and roomUpdated through roomgraph with Apollo Client 4, the way a
// React app does: a GraphQLWsLink (@apollo/client/link/subscriptions) over the graphql-ws client, an
// InMemoryCache that knows the RoomEvent interface's types, client.subscribe for each. What it prints
// and its exit codes: live-common.mjs.

import { ApolloClient, InMemoryCache, gql } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createRequire } from 'node:module';
import { ROOM_EVENTS, ROOM_UPDATED, collector, readEnv, run } from './live-common.mjs';

const require = createRequire(import.meta.url);
const env = readEnv('live-apollo.mjs');
const out = {
  client: '@apollo/client',
  version: require('@apollo/client/package.json').version,
  graphql_ws_version: require('graphql-ws/package.json').version,
};

await run(env, out, async () => {
  const wsClient = createClient({ url: env.wsURL, webSocketImpl: WebSocket, retryAttempts: 0 });
  const client = new ApolloClient({
    link: new GraphQLWsLink(wsClient),
    cache: new InMemoryCache({
      possibleTypes: { RoomEvent: ['RoomSessionStarted', 'RoomSessionEnded', 'RoomParticipantJoined', 'RoomParticipantLeft', 'RoomRecordingStarted', 'RoomRecordingCompleted'] },
    }),
  });
  const c = collector(env, out);
  const sink = (which, take) => ({
    next: (r) => (r.error ? c.error(which, r.error) : take(r.data)),
    error: (e) => c.error(which, e),
  });
  const subs = [
    client.subscribe({ query: gql(ROOM_EVENTS), variables: { id: env.roomId } }).subscribe(sink('roomEvents', c.event)),
    client.subscribe({ query: gql(ROOM_UPDATED), variables: { id: env.roomId } }).subscribe(sink('roomUpdated', c.update)),
  ];
  try {
    await c.done;
  } finally {
    subs.forEach((s) => s.unsubscribe());
    client.stop();
    await wsClient.dispose();
  }
});
