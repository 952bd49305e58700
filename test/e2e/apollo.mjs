// Pages one room's sessions through roomgraph with Apollo Client the way a web app does: an HttpLink over
// Node's fetch, an InMemoryCache whose Room.sessions field uses relayStylePagination(), and fetchMore with
// the last endCursor until hasNextPage is false. Then a Relay-style refetch: a fresh client and cache ask
// for the page after a cursor from the middle of the list.
//
// Prints ONE JSON document to stdout: every page as the network returned it, the merged list as the cache
// holds it, every request the link sent, and the refetch. It judges nothing about the data: e2e_test.go
// compares the ids with the simulator's store.
//
// Env: GRAPHQL_URL (http://127.0.0.1:PORT/graphql), ROOM_ID, PAGE_SIZE, REFETCH_FIRST.
// Exit codes: 0 done; 1 a step threw (its message is in "failure" and on stderr); 2 bad invocation.

import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { relayStylePagination } from '@apollo/client/utilities';
import { createRequire } from 'node:module';

const { version } = createRequire(import.meta.url)('@apollo/client/package.json');

const url = process.env.GRAPHQL_URL;
const roomId = process.env.ROOM_ID;
const pageSize = Number(process.env.PAGE_SIZE);
const refetchFirst = Number(process.env.REFETCH_FIRST);
if (!url?.startsWith('http://127.0.0.1:') || !roomId || !(pageSize > 0) || !(refetchFirst > 0)) {
  process.stderr.write('apollo.mjs: GRAPHQL_URL (loopback), ROOM_ID, PAGE_SIZE and REFETCH_FIRST must be set\n');
  process.exit(2);
}

const REQUEST_TIMEOUT_MS = 10_000;
// A runaway loop (hasNextPage never false, or a cursor that does not advance) must end on its own.
const MAX_PAGES = 200;

const SESSIONS = gql`
  query RoomSessions($room: ID!, $first: Int!, $after: String) {
    room(id: $room) {
      id
      sessions(first: $first, after: $after) {
        totalCount
        edges {
          cursor
          node {
            id
            createdAt
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`;

// Every request the link sends, with the variables it carried and the status it got.
const requests = [];

async function recordingFetch(input, init = {}) {
  const entry = { url: String(input), method: init.method ?? 'GET' };
  try {
    entry.variables = JSON.parse(init.body).variables;
  } catch {
    entry.variables = null;
  }
  requests.push(entry);
  const res = await fetch(input, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  entry.status = res.status;
  return res;
}

function newClient(typePolicies) {
  return new ApolloClient({
    link: new HttpLink({ uri: url, fetch: recordingFetch }),
    cache: new InMemoryCache({ typePolicies }),
  });
}

const idsOf = (conn) => conn.edges.map((e) => e.node.id);

function pageView(conn) {
  return {
    ids: idsOf(conn),
    has_next_page: conn.pageInfo.hasNextPage,
    end_cursor: conn.pageInfo.endCursor,
    total_count: conn.totalCount,
  };
}

async function pageThrough(out) {
  const client = newClient({ Room: { fields: { sessions: relayStylePagination() } } });
  const variables = { room: roomId, first: pageSize };
  const observable = client.watchQuery({ query: SESSIONS, variables });
  // A subscriber keeps the query active, so fetchMore results merge into what it watches.
  const first = await new Promise((resolve, reject) => {
    const sub = observable.subscribe({
      next: (r) => {
        if (r.error) reject(r.error);
        else if (r.dataState === 'complete') resolve(r.data);
      },
      error: reject,
    });
    out._subscription = sub;
  });
  out.pages.push(pageView(first.room.sessions));

  let merged = first.room.sessions;
  while (merged.pageInfo.hasNextPage) {
    if (out.pages.length >= MAX_PAGES) throw new Error(`still hasNextPage after ${MAX_PAGES} pages`);
    const after = merged.pageInfo.endCursor;
    const more = await observable.fetchMore({ variables: { after } });
    if (more.error) throw more.error;
    out.pages.push(pageView(more.data.room.sessions));
    // What the app renders: the cache's merged connection, not the last network page.
    merged = client.readQuery({ query: SESSIONS, variables }).room.sessions;
  }
  out._subscription.unsubscribe();
  delete out._subscription;
  out.merged = {
    ids: idsOf(merged),
    cursors: merged.edges.map((e) => e.cursor),
    has_next_page: merged.pageInfo.hasNextPage,
  };
}

// The refetch starts from nothing but a cursor, as a new page load with a cursor from the URL would.
async function refetchAfter(out) {
  const mid = Math.floor(out.merged.ids.length / 2) - 1;
  const cursor = out.merged.cursors[mid];
  const client = newClient({});
  const r = await client.query({
    query: SESSIONS,
    variables: { room: roomId, first: refetchFirst, after: cursor },
    fetchPolicy: 'network-only',
  });
  if (r.error) throw r.error;
  out.refetch = {
    cursor_index: mid,
    cursor_node_id: out.merged.ids[mid],
    first: refetchFirst,
    ...pageView(r.data.room.sessions),
  };
}

async function main() {
  const out = { apollo_client_version: version, room_id: roomId, page_size: pageSize, pages: [], requests };
  let code = 0;
  try {
    await pageThrough(out);
    await refetchAfter(out);
  } catch (err) {
    out.failure = String(err?.stack ?? err);
    process.stderr.write(`apollo.mjs: ${out.failure}\n`);
    code = 1;
  }
  delete out._subscription;
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  process.exit(code);
}

main();
