// Drives a Telnyx Video Rooms API (in practice: roomgraph's simulator) with the official Telnyx Node SDK
// and prints ONE JSON document to stdout describing everything the SDK returned.
//
// It judges nothing about the data itself: test/contract/telnyxnode_test.go owns the simulator's store and
// compares this output with it. What this script does own is the SDK's side of the contract: every call
// goes through the public SDK surface (auto-pagination, typed params, error classes), so a response the
// SDK cannot digest shows up here as a recorded failure and a non-zero exit.
//
// Env: TELNYX_BASE_URL (e.g. http://127.0.0.1:PORT/v2) and TELNYX_API_KEY. The key is never printed.
// Exit codes: 0 all steps ran as expected; 1 at least one step threw unexpectedly (see "failures");
// 2 bad invocation.

import Telnyx from 'telnyx';
import { VERSION } from 'telnyx/version';

const baseURL = process.env.TELNYX_BASE_URL;
const apiKey = process.env.TELNYX_API_KEY;
if (!baseURL || !apiKey) {
  process.stderr.write('contract.mjs: TELNYX_BASE_URL and TELNYX_API_KEY must be set\n');
  process.exit(2);
}

// A uuid that no seeded store contains: the simulator mints v4 uuids from a seed, and this one is the
// nil-ish pattern with a valid v4 layout.
const UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000';
const BAD_KEY = 'KEY_contract_wrong';

// Retries are off so every request the SDK sends is one the test can account for in the simulator's
// stats; the timeout bounds a hung simulator well inside the Go test's own deadline.
function makeClient(key) {
  return new Telnyx({
    apiKey: key,
    baseURL,
    maxRetries: 0,
    timeout: 20_000,
    // These three default to TELNYX_* env vars; an inherited client id/secret would switch the SDK to
    // OAuth against the real API, so they are pinned to null.
    publicKey: null,
    clientID: null,
    clientSecret: null,
    logLevel: 'off',
  });
}

const client = makeClient(apiKey);
const out = {
  sdk: { package: 'telnyx', version: VERSION },
  failures: [],
};

function describeError(err) {
  return {
    class: err?.constructor?.name ?? typeof err,
    status: err?.status ?? null,
    message: String(err?.message ?? err),
    error: err?.error ?? null,
  };
}

// Runs one named step; an exception is recorded instead of aborting so the Go test sees every problem
// of a run at once, and the exit code still reports it.
async function step(name, fn) {
  try {
    out[name] = await fn();
  } catch (err) {
    out.failures.push({ step: name, ...describeError(err) });
  }
}

// Steps whose whole point is an SDK exception: the class and status are the result.
async function expectAPIError(name, expectedClass, fn) {
  try {
    const value = await fn();
    out[name] = { threw: false, value: value ?? null };
    out.failures.push({ step: name, class: 'none', status: null, message: `expected ${expectedClass.name}, got a result` });
  } catch (err) {
    out[name] = { threw: true, ...describeError(err) };
    if (!(err instanceof expectedClass)) {
      out.failures.push({ step: name, ...describeError(err) });
    }
  }
}

// Auto-paginates through the SDK's own page iterator (the one `for await (const item of list)` uses),
// keeping each page's meta so the Go test can check where the SDK stopped.
async function collect(pagePromise) {
  const pages = [];
  const items = [];
  const first = await pagePromise;
  for await (const page of first.iterPages()) {
    const got = page.getPaginatedItems();
    pages.push({
      page_number: page.meta?.page_number ?? null,
      page_size: page.meta?.page_size ?? null,
      total_pages: page.meta?.total_pages ?? null,
      total_results: page.meta?.total_results ?? null,
      count: got.length,
    });
    items.push(...got);
  }
  return { pages, items };
}

function present(session) {
  return (session.participants ?? []).filter((p) => p.left_at == null);
}

function dateOf(ts) {
  return String(ts).slice(0, 10);
}

// ---- reads (all before any mutation, so the test can compare them with the pre-run store) ----

await step('rooms_list', () => collect(client.rooms.list({ 'page[size]': 3 })));

// The documented item-level form, to prove it yields the same sequence as the page-level walk.
await step('rooms_list_items_iter', async () => {
  const ids = [];
  for await (const room of client.rooms.list({ 'page[size]': 3 })) ids.push(room.id);
  return ids;
});

const roomIDs = (out.rooms_list?.items ?? []).map((r) => r.id);

// A filter that matches every session, so the pages still equal the room's whole store while the SDK
// has to carry the filter from page to page.
const WIDE_FILTER = { date_created_at: { gte: '2000-01-01', lte: '2999-12-31' } };

await step('sessions_by_room', async () => {
  const byRoom = {};
  for (const roomID of roomIDs) {
    byRoom[roomID] = await collect(
      client.rooms.sessions.list1(roomID, { filter: WIDE_FILTER, include_participants: true, 'page[size]': 2 }),
    );
  }
  return { filter: WIDE_FILTER, page_size: 2, rooms: byRoom };
});

await step('sessions_list0', () => collect(client.rooms.sessions.list0({ include_participants: true, 'page[size]': 7 })));

await step('sessions_list0_iter', async () => {
  const ids = [];
  for await (const s of client.rooms.sessions.list0({ 'page[size]': 7 })) ids.push(s.id);
  return ids;
});

const allSessions = out.sessions_list0?.items ?? [];
// The room with most sessions makes the narrowing filters below mean something.
const busiestRoom = roomIDs
  .map((id) => ({ id, n: allSessions.filter((s) => s.room_id === id).length }))
  .sort((a, b) => b.n - a.n)[0]?.id;

await step('sessions_list0_by_room', async () => {
  const filter = { room_id: busiestRoom };
  return { filter, ...(await collect(client.rooms.sessions.list0({ filter, 'page[size]': 2 }))) };
});

await step('sessions_list1_date_filter', async () => {
  const mine = allSessions.filter((s) => s.room_id === busiestRoom);
  // The middle session's creation date splits the room's sessions, so the filter visibly drops some.
  const pivot = dateOf(mine[Math.floor(mine.length / 2)].created_at);
  const filter = { date_created_at: { gte: pivot } };
  return { room_id: busiestRoom, filter, ...(await collect(client.rooms.sessions.list1(busiestRoom, { filter, 'page[size]': 2 }))) };
});

await step('sessions_list1_active', async () => {
  const roomID = allSessions.find((s) => s.active)?.room_id ?? busiestRoom;
  const filter = { active: true };
  return { room_id: roomID, filter, ...(await collect(client.rooms.sessions.list1(roomID, { filter, include_participants: true }))) };
});

await step('sessions_list0_inactive_dated', async () => {
  const ended = allSessions.filter((s) => !s.active);
  const pivot = dateOf(ended[Math.floor(ended.length / 2)]?.created_at ?? '2999-12-31');
  const filter = { active: false, date_created_at: { lte: pivot } };
  return { filter, ...(await collect(client.rooms.sessions.list0({ filter, 'page[size]': 5 }))) };
});

// One ended and one active session (when the store has them) cover both ended_at shapes.
const retrieveTargets = [allSessions.find((s) => !s.active)?.id, allSessions.find((s) => s.active)?.id].filter(Boolean);

await step('session_retrieve', async () => {
  const res = [];
  for (const id of retrieveTargets) {
    res.push((await client.rooms.sessions.retrieve(id, { include_participants: true })).data);
  }
  return res;
});

await step('session_participants', async () => {
  const res = {};
  for (const id of retrieveTargets) {
    res[id] = await collect(client.rooms.sessions.retrieveParticipants(id, { 'page[size]': 3 }));
  }
  return res;
});

await step('participants_list', () => collect(client.roomParticipants.list({ 'page[size]': 25 })));

await step('participants_list_by_session', async () => {
  const filter = { session_id: retrieveTargets[0] };
  return { filter, ...(await collect(client.roomParticipants.list({ filter, 'page[size]': 3 }))) };
});

await step('participant_retrieve', async () => {
  const id = out.participants_list?.items?.[0]?.id;
  return (await client.roomParticipants.retrieve(id)).data;
});

await step('room_retrieve', async () => (await client.rooms.retrieve(busiestRoom)).data);

await step('room_retrieve_with_sessions', async () => (await client.rooms.retrieve(busiestRoom, { include_sessions: true })).data);

await expectAPIError('error_room_not_found', Telnyx.NotFoundError, () => client.rooms.retrieve(UNKNOWN_UUID));
await expectAPIError('error_session_not_found', Telnyx.NotFoundError, () => client.rooms.sessions.retrieve(UNKNOWN_UUID));
await expectAPIError('error_participant_not_found', Telnyx.NotFoundError, () => client.roomParticipants.retrieve(UNKNOWN_UUID));
await expectAPIError('error_bad_key', Telnyx.AuthenticationError, () => makeClient(BAD_KEY).rooms.list());

// ---- mutations ----

// Session actions need active sessions with people in them, and the seeded store may hold as few as one.
// The actions therefore spread over distinct sessions when there are enough and otherwise run one after
// another on the same session; each is followed by a read-back, so the test can check every step.
const activeWithPeople = allSessions
  .filter((s) => s.active && present(s).length > 0)
  .sort((a, b) => present(b).length - present(a).length || (a.id < b.id ? -1 : 1));
const kickListSession = activeWithPeople[0];
const kickAllSession = activeWithPeople[1] ?? kickListSession;
const endSession = activeWithPeople[2] ?? activeWithPeople[1] ?? kickListSession;

const actionRooms = new Set(activeWithPeople.map((s) => s.room_id));
const updateRoom = roomIDs.filter((id) => !actionRooms.has(id)).at(-1) ?? roomIDs.at(-1);

const CREATE_BODY = {
  unique_name: 'contract-node-created',
  max_participants: 7,
  enable_recording: true,
  webhook_event_url: 'https://hooks.invalid/roomgraph/events',
  webhook_event_failover_url: 'https://hooks.invalid/roomgraph/failover',
  webhook_timeout_secs: 12,
};
const UPDATE_BODY = {
  unique_name: 'contract-node-updated',
  max_participants: 9,
  enable_recording: true,
  webhook_event_url: 'https://hooks.invalid/roomgraph/updated',
  webhook_timeout_secs: 5,
};

await step('room_create', async () => ({ body: CREATE_BODY, data: (await client.rooms.create(CREATE_BODY)).data }));

await step('room_update', async () => ({ room_id: updateRoom, body: UPDATE_BODY, data: (await client.rooms.update(updateRoom, UPDATE_BODY)).data }));

await step('room_delete', async () => {
  const doomed = (await client.rooms.create({ unique_name: 'contract-node-doomed' })).data;
  const result = await client.rooms.delete(doomed.id);
  return { created: doomed, result: result ?? null };
});

if (out.room_delete) {
  await expectAPIError('room_delete_then_retrieve', Telnyx.NotFoundError, () => client.rooms.retrieve(out.room_delete.created.id));
}

await step('room_retrieve_after_update', async () => (await client.rooms.retrieve(updateRoom)).data);

await step('actions', async () => {
  const done = [];
  const act = async (name, session, body) => {
    const entry = { action: name, session_id: session.id, body: body ?? null };
    done.push(entry);
    const actions = client.rooms.sessions.actions;
    const res = body === undefined ? await actions[name](session.id) : await actions[name](session.id, body);
    entry.data = res.data;
    entry.after = (await client.rooms.sessions.retrieve(session.id, { include_participants: true })).data;
  };
  if (!kickListSession) return done;

  const people = present(kickListSession).map((p) => p.id);
  // mute/unmute have no visible state: only the answer and the absence of side effects are checkable.
  await act('mute', endSession, { participants: present(endSession).map((p) => p.id), exclude: [present(endSession)[0].id] });
  await act('unmute', endSession, { participants: 'all' });
  // Both fields of the body are optional: the SDK's bare {} targets everyone (docs/upstream.md §7.12).
  await act('mute', endSession, {});
  await act('unmute', endSession, { exclude: [present(endSession)[0].id] });
  // The last listed id is excluded again, so the exclude list visibly spares someone.
  const listed = people.slice(0, 3);
  await act('kick', kickListSession, { participants: listed, exclude: listed.length > 1 ? [listed.at(-1)] : [] });
  // exclude alone kicks everyone else; then {} kicks whoever it spared.
  const latest = (await client.rooms.sessions.retrieve(kickAllSession.id, { include_participants: true })).data;
  await act('kick', kickAllSession, { exclude: [present(latest)[0].id] });
  await act('kick', kickAllSession, {});
  await act('end', endSession);
  return done;
});

// ---- client tokens (docs/upstream.md §4.4) ----
// The simulator's tokens are worthless outside it, so they are printed for the Go side to compare with the
// store's refresh tokens.
const tokenRoom = roomIDs[0];
await step('token_generate_default', async () => ({
  room_id: tokenRoom,
  data: (await client.rooms.actions.generateJoinClientToken(tokenRoom)).data,
}));
const TOKEN_TTLS = { token_ttl_secs: 60, refresh_token_ttl_secs: 120 };
await step('token_generate_ttls', async () => ({
  room_id: tokenRoom,
  body: TOKEN_TTLS,
  data: (await client.rooms.actions.generateJoinClientToken(tokenRoom, TOKEN_TTLS)).data,
}));
await step('token_refresh_default', async () => ({
  room_id: tokenRoom,
  data: (await client.rooms.actions.refreshClientToken(tokenRoom, { refresh_token: out.token_generate_ttls.data.refresh_token })).data,
}));
await step('token_refresh_ttl', async () => ({
  room_id: tokenRoom,
  data: (await client.rooms.actions.refreshClientToken(tokenRoom, {
    refresh_token: out.token_generate_default.data.refresh_token,
    token_ttl_secs: 30,
  })).data,
}));
await expectAPIError('token_generate_bad_ttl', Telnyx.UnprocessableEntityError, () =>
  client.rooms.actions.generateJoinClientToken(tokenRoom, { token_ttl_secs: 5, refresh_token_ttl_secs: 100000 }));
await expectAPIError('token_generate_unknown_room', Telnyx.NotFoundError, () =>
  client.rooms.actions.generateJoinClientToken(UNKNOWN_UUID, {}));
await expectAPIError('token_refresh_unknown', Telnyx.UnprocessableEntityError, () =>
  client.rooms.actions.refreshClientToken(tokenRoom, { refresh_token: 'eyJhbGciOiJIUzUxMiJ9.e30.bm90LWlzc3VlZA' }));
await expectAPIError('token_refresh_other_room', Telnyx.UnprocessableEntityError, () =>
  client.rooms.actions.refreshClientToken(roomIDs[1], { refresh_token: out.token_generate_default.data.refresh_token }));

// Belt and braces: error bodies and messages are echoed above, so make sure neither key can leak.
let doc = JSON.stringify(out, null, 2);
for (const secret of [apiKey, BAD_KEY]) doc = doc.split(secret).join('[redacted]');
process.stdout.write(doc + '\n');
process.exitCode = out.failures.length > 0 ? 1 : 0;
