// Runs roomgraph as one subgraph of an Apollo Federation v2 supergraph, with Apollo's own tools: a tiny
// second subgraph ("notes", @apollo/subgraph on @apollo/server) extends roomgraph's Room entity; the
// supergraph is composed with @apollo/composition from both subgraphs' SDL (roomgraph's comes from its
// `_service { sdl }`) and served by @apollo/gateway behind @apollo/server. Then it runs queries that cross
// both subgraphs, in both directions:
//   rooms_cross        starts in roomgraph (rooms), notes resolves Room entities (bookingNotes, and
//                      capacityLabel, which @requires roomgraph's maxParticipants);
//   featured_names     starts in notes (featuredRooms), roomgraph resolves uniqueName through _entities;
//   featured_sessions  starts in notes, roomgraph resolves only sessions (the room itself needs no fetch);
//   featured_capacity  notes → roomgraph (maxParticipants) → notes (capacityLabel);
//   featured_unknown   one id no room has: a per-entity error from roomgraph, the other rooms resolve.
//
// Prints ONE JSON document to stdout: versions, the composition's outcome and hints, and per query its
// result, every request the gateway sent to a subgraph (with its entity representations), and the
// simulator's request accounting for that query alone (reset before it through /_sim/stats). It judges
// nothing about the data: e2e_test.go compares it with the simulator's store.
//
// Env: ROOMGRAPH_URL (http://127.0.0.1:PORT/graphql, served with federation on), SIM_STATS_URL
// (http://127.0.0.1:PORT/_sim/stats), FEATURED_IDS (a JSON array of room ids), UNKNOWN_ROOM_ID.
// Exit codes: 0 done and every query answered as expected; 1 composition failed, a step threw, or a query
// had errors it should not have (in "failure" and on stderr); 2 bad invocation.

import { composeServices } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLError, parse, version as graphqlVersion } from 'graphql';
import { readFileSync } from 'node:fs';

// Read from the folder: not every package exports its package.json.
const versionOf = (pkg) => JSON.parse(readFileSync(new URL(`./node_modules/${pkg}/package.json`, import.meta.url))).version;

const loopback = (u) => typeof u === 'string' && u.startsWith('http://127.0.0.1:');
const roomgraphURL = process.env.ROOMGRAPH_URL;
const simStatsURL = process.env.SIM_STATS_URL;
const unknownRoomID = process.env.UNKNOWN_ROOM_ID;
let featuredIDs;
try {
  featuredIDs = JSON.parse(process.env.FEATURED_IDS ?? '');
} catch {
  featuredIDs = null;
}
if (!loopback(roomgraphURL) || !loopback(simStatsURL) || !unknownRoomID || !Array.isArray(featuredIDs) || featuredIDs.length === 0) {
  process.stderr.write('federation.mjs: ROOMGRAPH_URL and SIM_STATS_URL (loopback), FEATURED_IDS (JSON array) and UNKNOWN_ROOM_ID must be set\n');
  process.exit(2);
}

// Bounds each HTTP request the script or the gateway makes; the whole run is bounded below too, both well
// inside the Go test's deadline.
const REQUEST_TIMEOUT_MS = 10_000;
const RUN_TIMEOUT_MS = 90_000;

// stdout carries the one JSON document; Apollo's logs (console.log by default) go to stderr.
const say = (level) => (msg) => process.stderr.write(`${level}: ${msg}\n`);
const logger = { debug: () => {}, info: say('info'), warn: say('warn'), error: say('error') };

const timedFetch = (url, init = {}) => fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });

async function postGraphQL(url, body) {
  const res = await timedFetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    throw new Error(`${url} answered ${res.status} with a body that is not JSON: ${text.slice(0, 300)}`);
  }
}

// ---- the second subgraph ----

const NOTES_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires"])

  type Query {
    "Rooms picked by id, in the order given (repeats kept): a root field that starts in this subgraph."
    featuredRooms(ids: [ID!]!): [Room!]!
  }

  type Room @key(fields: "id") {
    id: ID!
    "Owned by roomgraph; this subgraph only receives it in representations."
    maxParticipants: Int! @external
    bookingNotes: [String!]!
    capacityLabel: String! @requires(fields: "maxParticipants")
  }
`;

// What the notes subgraph did: every reference it resolved (with the fields the gateway sent).
const notesLog = { references: [] };

const notesResolvers = {
  Query: {
    featuredRooms: (_, { ids }) => ids.map((id) => ({ id })),
  },
  Room: {
    __resolveReference(ref) {
      notesLog.references.push(ref);
      return ref;
    },
    // Computed from the id alone, so e2e_test.go can predict it.
    bookingNotes: ({ id }) => [`booked: ${id}`, `desk ${id.slice(0, 8)}`],
    capacityLabel: ({ id, maxParticipants }) => {
      if (typeof maxParticipants !== 'number') {
        throw new GraphQLError(`room ${id}: the gateway sent no maxParticipants for @requires`);
      }
      return `up to ${maxParticipants} people`;
    },
  },
};

async function startNotes() {
  const server = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs: parse(NOTES_SDL), resolvers: notesResolvers }),
    logger,
    // Federated traces are for Apollo's usage reporting, which this run never sends.
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: 0 } });
  return { server, url };
}

// ---- composition and the gateway ----

function compose(roomgraphSDL, notesURL) {
  const result = composeServices([
    { name: 'roomgraph', url: roomgraphURL, typeDefs: parse(roomgraphSDL) },
    { name: 'notes', url: notesURL, typeDefs: parse(NOTES_SDL) },
  ]);
  const hints = (result.hints ?? []).map((h) => ({ code: h.definition?.code ?? null, message: h.message }));
  const errors = (result.errors ?? []).map((e) => ({ code: e.extensions?.code ?? null, message: e.message }));
  return { supergraphSdl: result.supergraphSdl ?? null, hints, errors };
}

// Every request the gateway sends to a subgraph, tagged with the query that caused it.
const fetches = [];
let currentQuery = null;

function recordingFetcher(subgraph) {
  return async (url, init = {}) => {
    let body = {};
    try {
      body = JSON.parse(init.body);
    } catch {
      // recorded without a body
    }
    const reps = body.variables?.representations;
    fetches.push({
      query_name: currentQuery,
      subgraph,
      url: String(url),
      operation: body.query ?? null,
      entities: typeof body.query === 'string' && body.query.includes('_entities('),
      representations: Array.isArray(reps) ? reps : null,
    });
    return timedFetch(url, init);
  };
}

async function startGateway(supergraphSdl) {
  const gateway = new ApolloGateway({
    supergraphSdl,
    logger,
    buildService: ({ name, url }) => new RemoteGraphQLDataSource({ url, fetcher: recordingFetcher(name) }),
  });
  // Subgraph errors reach the client as the router forwards them, without a Node stack trace added.
  const server = new ApolloServer({ gateway, logger, includeStacktraceInErrorResponses: false });
  const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: 0 } });
  return { server, url };
}

// ---- the queries ----

const QUERIES = [
  {
    name: 'rooms_cross',
    query: `query RoomsCross {
      rooms(first: 3) {
        nodes {
          id uniqueName bookingNotes capacityLabel
          sessions(first: 2) { nodes { id participants { context } } }
        }
      }
    }`,
    variables: {},
  },
  {
    name: 'featured_names',
    query: `query FeaturedNames($ids: [ID!]!) { featuredRooms(ids: $ids) { id uniqueName bookingNotes } }`,
    variables: { ids: featuredIDs },
  },
  {
    name: 'featured_sessions',
    query: `query FeaturedSessions($ids: [ID!]!) { featuredRooms(ids: $ids) { id sessions(first: 2) { nodes { id } } } }`,
    variables: { ids: featuredIDs },
  },
  {
    name: 'featured_capacity',
    query: `query FeaturedCapacity($ids: [ID!]!) { featuredRooms(ids: $ids) { id capacityLabel } }`,
    variables: { ids: featuredIDs },
  },
  {
    name: 'featured_unknown',
    query: `query FeaturedUnknown($ids: [ID!]!) { featuredRooms(ids: $ids) { id uniqueName bookingNotes } }`,
    variables: { ids: [featuredIDs[0], unknownRoomID] },
    expectErrors: true,
  },
];

async function simStats(method) {
  const res = await timedFetch(simStatsURL, { method });
  if (!res.ok) throw new Error(`${method} ${simStatsURL}: ${res.status}`);
  return method === 'GET' ? res.json() : null;
}

async function runQuery(gatewayURL, q) {
  await simStats('DELETE');
  currentQuery = q.name;
  const referencesBefore = notesLog.references.length;
  const { status, body } = await postGraphQL(gatewayURL, { query: q.query, variables: q.variables });
  currentQuery = null;
  const stats = await simStats('GET');
  return {
    name: q.name,
    query: q.query.replace(/\s+/g, ' ').trim(),
    variables: q.variables,
    expect_errors: Boolean(q.expectErrors),
    status,
    data: body.data ?? null,
    errors: body.errors ?? [],
    subgraph_fetches: fetches.filter((f) => f.query_name === q.name),
    notes_references: notesLog.references.slice(referencesBefore),
    upstream: {
      total: stats.total,
      by_route: stats.by_route ?? {},
      requests: (stats.requests ?? []).map((r) => ({ route: r.route, path: r.path, status: r.status })),
    },
  };
}

// ---- main ----

async function main() {
  const out = {
    versions: {
      '@apollo/composition': versionOf('@apollo/composition'),
      '@apollo/gateway': versionOf('@apollo/gateway'),
      '@apollo/server': versionOf('@apollo/server'),
      '@apollo/subgraph': versionOf('@apollo/subgraph'),
      graphql: graphqlVersion,
      node: process.versions.node,
    },
    queries: [],
  };
  const servers = [];
  let code = 0;
  const fail = (msg) => {
    out.failure = out.failure ? `${out.failure}\n${msg}` : msg;
    process.stderr.write(`federation.mjs: ${msg}\n`);
    code = 1;
  };
  try {
    const sdlAnswer = await postGraphQL(roomgraphURL, { query: '{ _service { sdl } }' });
    const sdl = sdlAnswer.body.data?._service?.sdl;
    if (typeof sdl !== 'string' || sdl === '') {
      throw new Error(`roomgraph served no _service.sdl (${sdlAnswer.status}): ${JSON.stringify(sdlAnswer.body).slice(0, 500)}`);
    }
    out.roomgraph_sdl_bytes = sdl.length;

    const notes = await startNotes();
    servers.push(notes.server);
    out.notes_url = notes.url;

    const composition = compose(sdl, notes.url);
    out.composition = {
      ok: composition.errors.length === 0 && composition.supergraphSdl !== null,
      errors: composition.errors,
      hints: composition.hints,
      supergraph_bytes: composition.supergraphSdl?.length ?? 0,
    };
    for (const h of composition.hints) process.stderr.write(`composition hint ${h.code}: ${h.message}\n`);
    if (!out.composition.ok) {
      throw new Error(`composition failed:\n${composition.errors.map((e) => `${e.code}: ${e.message}`).join('\n')}`);
    }

    const gw = await startGateway(composition.supergraphSdl);
    servers.push(gw.server);
    out.gateway_url = gw.url;

    for (const q of QUERIES) {
      const r = await runQuery(gw.url, q);
      out.queries.push(r);
      if (r.status !== 200) fail(`${q.name}: HTTP ${r.status}`);
      if (r.data === null) fail(`${q.name}: no data: ${JSON.stringify(r.errors)}`);
      if (!q.expectErrors && r.errors.length > 0) fail(`${q.name}: errors: ${JSON.stringify(r.errors)}`);
      if (q.expectErrors && r.errors.length === 0) fail(`${q.name}: expected errors, got none`);
    }
  } catch (err) {
    fail(String(err?.stack ?? err));
  }
  for (const s of servers.reverse()) {
    try {
      await s.stop();
    } catch (err) {
      fail(`stopping a server: ${err}`);
    }
  }
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  process.exit(code);
}

setTimeout(() => {
  process.stderr.write(`federation.mjs: still running after ${RUN_TIMEOUT_MS} ms\n`);
  process.exit(1);
}, RUN_TIMEOUT_MS).unref();

main();
