// Relay's own compiler on a small fragment set (relay/): a @refetchable fragment on Room, RoomSession and
// RoomParticipant, usePaginationFragment-style @connection on Room.sessions and
// RoomSession.participantsConnection, and a fragment of keys only. relay-compiler (the npm package's
// native binary) compiles them against roomgraph's SDL; then the refetch queries it generated run against
// the gateway as Relay would send them: with the `id` the API handed out, through node(id:), and for the
// connections page after page with the cursor variables the fragment's refetch metadata names.
//
// Prints ONE JSON document to stdout: the compiler's version and output, each fragment's refetch metadata,
// each generated query's text, and every refetch's answer. It judges nothing about the data: e2e_test.go
// compares it with the simulator's store and counts the upstream calls.
//
// Env: GRAPHQL_URL (http://127.0.0.1:PORT/graphql), SCHEMA_PATH (roomgraph's SDL), SESSION_ID (the Telnyx
// id of a session with participants). Exit codes: 0 done; 1 a step threw (in "failure" and on stderr);
// 2 bad invocation.

import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { version } = require('relay-compiler/package.json');
const here = dirname(fileURLToPath(import.meta.url));

const url = process.env.GRAPHQL_URL;
const schemaPath = process.env.SCHEMA_PATH;
const sessionId = process.env.SESSION_ID;
if (!url?.startsWith('http://127.0.0.1:') || !schemaPath || !sessionId || !process.env.TMPDIR) {
  process.stderr.write('relay.mjs: GRAPHQL_URL (loopback), SCHEMA_PATH, SESSION_ID and TMPDIR must be set\n');
  process.exit(2);
}

const REQUEST_TIMEOUT_MS = 10_000;
const MAX_PAGES = 100;

async function post(query, variables) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const body = await res.json();
  if (res.status !== 200 || body.errors) throw new Error(`${res.status} ${JSON.stringify(body.errors)}`);
  return body.data;
}

// compile copies the fragments to a scratch folder and runs relay-compiler there (CommonJS artifacts, so
// they load with require), returning the artifacts by name.
function compile(out) {
  const work = join(process.env.TMPDIR, 'relay');
  mkdirSync(join(work, '__generated__'), { recursive: true });
  cpSync(join(here, 'relay'), join(work, 'src'), { recursive: true });
  const config = { src: './src', schema: schemaPath, language: 'javascript', artifactDirectory: './__generated__', eagerEsModules: false };
  writeFileSync(join(work, 'relay.config.json'), JSON.stringify(config));
  out.compiler_output = execFileSync(process.execPath, [require.resolve('relay-compiler/cli.js')], {
    cwd: work, encoding: 'utf8', env: { PATH: process.env.PATH, NO_COLOR: '1' }, timeout: 60_000,
  }).replace(/\x1b\[[0-9;]*m/g, '');
  const artifacts = {};
  for (const f of readdirSync(join(work, '__generated__'))) {
    artifacts[f.replace(/\.graphql\.js$/, '')] = require(join(work, '__generated__', f));
  }
  return artifacts;
}

// refetchOf is what Relay reads to refetch a fragment: the query, the variable the id goes in, where the
// fragment sits in the answer, and the connection's cursor variables.
function refetchOf(fragment) {
  const r = fragment.metadata.refetch;
  return {
    query_name: r.operation.params.name,
    query_text: r.operation.params.text,
    identifier_field: r.identifierInfo?.identifierField,
    identifier_variable: r.identifierInfo?.identifierQueryVariableName,
    fragment_path: r.fragmentPathInResult,
    connection: r.connection ? { count: r.connection.forward.count, cursor: r.connection.forward.cursor, path: r.connection.path } : null,
  };
}

// walk refetches a fragment with its connection page after page, as usePaginationFragment's loadNext does.
async function walk(refetch, id, count) {
  const pages = [];
  let cursor = null;
  for (;;) {
    if (pages.length >= MAX_PAGES) throw new Error(`${refetch.query_name}: still hasNextPage after ${MAX_PAGES} pages`);
    const data = await post(refetch.query_text, {
      [refetch.identifier_variable]: id, [refetch.connection.count]: count, [refetch.connection.cursor]: cursor,
    });
    const node = refetch.fragment_path.reduce((o, k) => o?.[k], data);
    const conn = refetch.connection.path.reduce((o, k) => o?.[k], node);
    pages.push({ node: { ...node, [refetch.connection.path.at(-1)]: undefined }, ids: conn.edges.map((e) => e.node.id),
      telnyx_ids: conn.edges.map((e) => e.node.telnyxId), has_next_page: conn.pageInfo.hasNextPage });
    if (!conn.pageInfo.hasNextPage) return pages;
    cursor = conn.pageInfo.endCursor;
  }
}

async function main() {
  const out = { relay_compiler_version: version };
  let code = 0;
  try {
    const artifacts = compile(out);
    out.artifacts = Object.keys(artifacts).sort();
    const room = refetchOf(artifacts.RelayRoom_room);
    const session = refetchOf(artifacts.RelaySession_session);
    const participant = refetchOf(artifacts.RelayParticipant_participant);
    const key = refetchOf(artifacts.RelayParticipantKey_participant);
    out.refetch = { room, session, participant, key };

    // The ids the API hands out: Relay never builds one itself.
    const seed = await post(`query Seed($id: ID!) { roomSession(id: $id) { id room { id } participants { id } } }`, { id: sessionId });
    out.seed = seed.roomSession;
    out.room_pages = await walk(room, seed.roomSession.room.id, 3);
    out.session_pages = await walk(session, seed.roomSession.id, 2);
    const pid = seed.roomSession.participants[0].id;
    out.participant = (await post(participant.query_text, { [participant.identifier_variable]: pid })).node;
    out.participant_key = (await post(key.query_text, { [key.identifier_variable]: pid })).node;
  } catch (err) {
    out.failure = String(err?.stack ?? err);
    process.stderr.write(`relay.mjs: ${out.failure}\n`);
    code = 1;
  }
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  process.exit(code);
}

main();
