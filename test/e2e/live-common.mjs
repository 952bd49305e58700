// Shared by live-graphql-ws.mjs and live-apollo.mjs: the two subscriptions, the environment, and the
// evidence each script prints. A script subscribes to roomEvents and roomUpdated of one room, waits until
// it has seen EXPECT_EVENTS events and EXPECT_UPDATES roomUpdated answers (or the deadline passes), and
// prints ONE JSON document to stdout: what it received, in order; each answer also puts one line
// `PROGRESS {"events":n,"updates":m}` on stderr. It judges nothing about the data: live_test.go drives the
// changes (a join and a kick through the simulator) as the answers come, and compares.
//
// Env: WS_URL (ws://127.0.0.1:PORT/graphql), ROOM_ID (either id form), EXPECT_EVENTS, EXPECT_UPDATES,
// TIMEOUT_MS (default 30000).
// Exit codes: 0 everything expected arrived; 1 a step failed or the deadline passed ("failure" says
// which; the evidence so far is printed); 2 bad invocation.

export const ROOM_EVENTS = `
  subscription RoomEvents($id: ID!) {
    roomEvents(roomId: $id) {
      __typename
      id
      occurredAt
      room { id telnyxId uniqueName }
      session { id telnyxId active }
      ... on RoomParticipantJoined { participant { id telnyxId context } }
      ... on RoomParticipantLeft { participant { id telnyxId context } reason }
      ... on RoomSessionEnded { reason }
    }
  }
`;

export const ROOM_UPDATED = `
  subscription RoomUpdated($id: ID!) {
    roomUpdated(id: $id) {
      id
      telnyxId
      uniqueName
      activeSession { id telnyxId active participants(present: true) { id telnyxId context } }
    }
  }
`;

export function readEnv(script) {
  const env = {
    wsURL: process.env.WS_URL,
    roomId: process.env.ROOM_ID,
    expectEvents: Number(process.env.EXPECT_EVENTS),
    expectUpdates: Number(process.env.EXPECT_UPDATES),
    timeoutMs: Number(process.env.TIMEOUT_MS || 30_000),
  };
  if (!env.wsURL?.startsWith('ws://127.0.0.1:') || !env.roomId || !(env.expectEvents > 0) || !(env.expectUpdates > 0) || !(env.timeoutMs > 0)) {
    process.stderr.write(`${script}: WS_URL (loopback ws://), ROOM_ID, EXPECT_EVENTS and EXPECT_UPDATES must be set\n`);
    process.exit(2);
  }
  return env;
}

// collector gathers the answers of both subscriptions and settles when the expected counts are in.
export function collector(env, out) {
  out.events = [];
  out.updates = [];
  out.errors = [];
  let settle;
  const done = new Promise((resolve) => (settle = resolve));
  // Each answer is also reported on stderr as one line, so the driver can wait for a state before it
  // makes the next change.
  const check = () => {
    process.stderr.write(`PROGRESS ${JSON.stringify({ events: out.events.length, updates: out.updates.length })}\n`);
    if (out.events.length >= env.expectEvents && out.updates.length >= env.expectUpdates) settle();
  };
  return {
    done,
    event(data) {
      const e = data.roomEvents;
      out.events.push({
        typename: e.__typename,
        id: e.id,
        occurred_at: e.occurredAt,
        room: e.room,
        session: e.session,
        participant: e.participant ?? null,
        reason: e.reason ?? null,
      });
      check();
    },
    update(data) {
      const r = data.roomUpdated;
      const s = r.activeSession;
      out.updates.push({
        id: r.id,
        telnyx_id: r.telnyxId,
        unique_name: r.uniqueName,
        active_session: s ? { id: s.id, telnyx_id: s.telnyxId, active: s.active, present: s.participants.map((p) => p.context) } : null,
      });
      check();
    },
    error(which, err) {
      out.errors.push({ subscription: which, error: String(err?.message ?? JSON.stringify(err)) });
      settle();
    },
  };
}

// run bounds body by the deadline, prints the evidence, and exits.
export async function run(env, out, body) {
  let code = 0;
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not everything arrived within ${env.timeoutMs} ms`)), env.timeoutMs);
  });
  try {
    await Promise.race([body(), deadline]);
    if (out.errors.length > 0) throw new Error(`a subscription failed: ${JSON.stringify(out.errors)}`);
  } catch (err) {
    out.failure = String(err?.stack ?? err);
    process.stderr.write(`${out.failure}\n`);
    code = 1;
  } finally {
    clearTimeout(timer);
  }
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  process.exit(code);
}
