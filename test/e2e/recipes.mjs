// The README's Apollo Client recipes, run with Apollo Client 4 and the README's type policies
// (type-policies.mjs): the dashboard (rooms, their active session, who is present and how many), paging
// every kind of connection with fetchMore, node(id:) refetching (from the cache when the object is there,
// else one request), and join tokens for the Telnyx Video client SDK (generate, then refresh).
//
// Prints ONE JSON document to stdout. Tokens never appear in it: only their length and the SHA-256 of the
// refresh token, which e2e_test.go matches with the simulator's. It judges nothing about the data.
//
// Env: GRAPHQL_URL (http://127.0.0.1:PORT/graphql), ROOM_ID and SESSION_ID (Telnyx ids of a room with
// several sessions and a session with several participants).
// Exit codes: 0 done; 1 a step threw (in "failure" and on stderr); 2 bad invocation.

import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { typePolicies } from './type-policies.mjs';

const { version } = createRequire(import.meta.url)('@apollo/client/package.json');
const url = process.env.GRAPHQL_URL;
const roomId = process.env.ROOM_ID;
const sessionId = process.env.SESSION_ID;
if (!url?.startsWith('http://127.0.0.1:') || !roomId || !sessionId) {
  process.stderr.write('recipes.mjs: GRAPHQL_URL (loopback), ROOM_ID and SESSION_ID must be set\n');
  process.exit(2);
}
const REQUEST_TIMEOUT_MS = 10_000;
const MAX_PAGES = 100;

let requests = 0;
const countingFetch = (input, init) => {
  requests++;
  return fetch(input, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
};
const newClient = () => new ApolloClient({ link: new HttpLink({ uri: url, fetch: countingFetch }), cache: new InMemoryCache({ typePolicies }) });

const DASHBOARD = gql`
  query Dashboard {
    rooms(first: 50) {
      edges {
        node {
          id
          telnyxId
          uniqueName
          activeSession {
            id
            telnyxId
            participantCount(present: true)
            participants(present: true) { id telnyxId context }
          }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

const PAGE = 'edges { cursor node { id telnyxId } } pageInfo { hasNextPage endCursor }';
const CONNECTIONS = {
  rooms: { query: gql`query Rooms($first: Int!, $after: String) { rooms(first: $first, after: $after) { ${PAGE} } }`, path: ['rooms'] },
  room_sessions: {
    query: gql`query RoomSessions($room: ID!, $first: Int!, $after: String) { room(id: $room) { id sessions(first: $first, after: $after) { ${PAGE} } } }`,
    path: ['room', 'sessions'], vars: { room: roomId },
  },
  root_sessions: {
    query: gql`query Sessions($room: ID, $first: Int!, $after: String) { roomSessions(roomId: $room, first: $first, after: $after) { ${PAGE} } }`,
    path: ['roomSessions'], vars: { room: roomId },
  },
  session_participants: {
    query: gql`query SessionParticipants($session: ID!, $first: Int!, $after: String) { roomSession(id: $session) { id participantsConnection(first: $first, after: $after) { ${PAGE} } } }`,
    path: ['roomSession', 'participantsConnection'], vars: { session: sessionId },
  },
  root_participants: {
    query: gql`query Participants($session: ID, $first: Int!, $after: String) { roomParticipants(sessionId: $session, first: $first, after: $after) { ${PAGE} } }`,
    path: ['roomParticipants'], vars: { session: sessionId },
  },
};

const at = (data, path) => path.reduce((o, k) => o?.[k], data);

// pageAll walks a connection with fetchMore; what it returns is the cache's merged list.
async function pageAll(spec, first) {
  const client = newClient();
  const variables = { ...spec.vars, first };
  const observable = client.watchQuery({ query: spec.query, variables });
  let sub;
  const data = await new Promise((resolve, reject) => {
    sub = observable.subscribe({ next: (r) => (r.error ? reject(r.error) : r.dataState === 'complete' && resolve(r.data)), error: reject });
  });
  let merged = at(data, spec.path);
  let pages = 1;
  while (merged.pageInfo.hasNextPage) {
    if (++pages > MAX_PAGES) throw new Error(`still hasNextPage after ${MAX_PAGES} pages`);
    const more = await observable.fetchMore({ variables: { after: merged.pageInfo.endCursor } });
    if (more.error) throw more.error;
    merged = at(client.readQuery({ query: spec.query, variables }), spec.path);
  }
  sub.unsubscribe();
  return { pages, telnyx_ids: merged.edges.map((e) => e.node.telnyxId), ids: merged.edges.map((e) => e.node.id) };
}

const NODE = gql`
  query Node($id: ID!) {
    node(id: $id) {
      __typename
      id
      ... on Room { telnyxId uniqueName }
      ... on RoomSession { telnyxId participantCount(present: true) }
      ... on RoomParticipant { telnyxId context }
    }
  }
`;

// refetch asks node(id:) twice on the client that ran the dashboard (cache-first: the cache answers
// through the Query.node read policy) and once on a fresh client (one request).
async function refetch(client, id) {
  const before = requests;
  const cached = await client.query({ query: NODE, variables: { id }, fetchPolicy: 'cache-first' });
  const cacheRequests = requests - before;
  const fresh = await newClient().query({ query: NODE, variables: { id }, fetchPolicy: 'network-only' });
  return { cache_requests: cacheRequests, network_requests: requests - before - cacheRequests, cached: cached.data.node, fresh: fresh.data.node };
}

const TOKENS = gql`
  mutation Join($room: ID!) {
    generateJoinClientToken(roomId: $room, input: { tokenTtlSecs: 300 }) {
      roomId token tokenExpiresAt refreshToken refreshTokenExpiresAt
    }
  }
`;
const REFRESH = gql`
  mutation Refresh($room: ID!, $refreshToken: String!) {
    refreshClientToken(roomId: $room, refreshToken: $refreshToken) { roomId token tokenExpiresAt }
  }
`;
const sha256 = (s) => createHash('sha256').update(s).digest('hex');

async function main() {
  const out = { apollo_client_version: version };
  let code = 0;
  try {
    const client = newClient();
    const dash = await client.query({ query: DASHBOARD });
    if (dash.error) throw dash.error;
    out.dashboard = dash.data.rooms.edges.map(({ node: r }) => ({
      id: r.id, telnyx_id: r.telnyxId,
      active_session: r.activeSession && {
        id: r.activeSession.id, telnyx_id: r.activeSession.telnyxId, present_count: r.activeSession.participantCount,
        present: r.activeSession.participants.map((p) => p.telnyxId), present_ids: r.activeSession.participants.map((p) => p.id),
      },
    }));

    const busy = dash.data.rooms.edges.map((e) => e.node).find((r) => r.activeSession?.participants.length);
    if (!busy) throw new Error('no room with people present');
    out.refetch = {
      room: await refetch(client, busy.id),
      session: await refetch(client, busy.activeSession.id),
      participant: await refetch(client, busy.activeSession.participants[0].id),
    };

    out.connections = {};
    for (const [name, spec] of Object.entries(CONNECTIONS)) out.connections[name] = await pageAll(spec, 2);

    const m = newClient();
    const join = await m.mutate({ mutation: TOKENS, variables: { room: busy.id } });
    if (join.error) throw join.error;
    const t = join.data.generateJoinClientToken;
    const refreshed = await m.mutate({ mutation: REFRESH, variables: { room: busy.id, refreshToken: t.refreshToken } });
    if (refreshed.error) throw refreshed.error;
    const r = refreshed.data.refreshClientToken;
    out.tokens = {
      room_global_id: busy.id, room_id: t.roomId, token_length: t.token.length, token_expires_at: t.tokenExpiresAt,
      refresh_token_sha256: sha256(t.refreshToken), refresh_token_expires_at: t.refreshTokenExpiresAt,
      refreshed: { room_id: r.roomId, token_length: r.token.length, token_expires_at: r.tokenExpiresAt, differs: r.token !== t.token },
    };
  } catch (err) {
    out.failure = String(err?.stack ?? err);
    process.stderr.write(`recipes.mjs: ${out.failure}\n`);
    code = 1;
  }
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  process.exit(code);
}

main();
