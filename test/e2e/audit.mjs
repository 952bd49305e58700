// Runs graphql-http's GraphQL-over-HTTP server audits against one endpoint and prints ONE JSON document
// to stdout: every audit's id, name, requirement level, status and reason, plus the requests the failing
// ones sent and what came back, so a failure can be traced to the part of the server that answered.
//
// It judges nothing: e2e_test.go decides which results fail the build. An audit that throws (not an
// assertion failure but, say, a refused connection) is reported with status "fatal".
//
// Env: GRAPHQL_URL (http://127.0.0.1:PORT/graphql). Exit codes: 0 the audits ran (whatever they found);
// 1 the run itself broke; 2 bad invocation.

import { serverAudits } from 'graphql-http';
import { createRequire } from 'node:module';

const { version } = createRequire(import.meta.url)('graphql-http/package.json');

const url = process.env.GRAPHQL_URL;
if (!url || !url.startsWith('http://127.0.0.1:')) {
  process.stderr.write('audit.mjs: GRAPHQL_URL must be set to a loopback http URL\n');
  process.exit(2);
}

// Bounds one audit, however the server misbehaves, well inside the Go test's deadline.
const AUDIT_TIMEOUT_MS = 10_000;
const BODY_EXCERPT = 400;

function excerpt(s) {
  return s.length > BODY_EXCERPT ? s.slice(0, BODY_EXCERPT) + '…' : s;
}

function headersOf(h) {
  return Object.fromEntries(new Headers(h ?? {}).entries());
}

// One exchange per fetch an audit makes; the response body is read from a clone so the audit still
// gets an unread response.
async function recordingFetch(exchanges, input, init = {}) {
  const ex = {
    method: init.method ?? 'GET',
    url: String(input),
    request_headers: headersOf(init.headers),
    request_body: typeof init.body === 'string' ? excerpt(init.body) : init.body == null ? null : '(binary)',
  };
  exchanges.push(ex);
  const res = await fetch(input, { ...init, signal: AbortSignal.timeout(AUDIT_TIMEOUT_MS) });
  ex.status = res.status;
  ex.content_type = res.headers.get('content-type');
  ex.response_body = excerpt(await res.clone().text());
  return res;
}

async function main() {
  const results = [];
  // The audits share nothing, but running them one by one keeps each exchange list its own.
  let exchanges = [];
  const audits = serverAudits({ url, fetchFn: (input, init) => recordingFetch(exchanges, input, init) });
  for (const a of audits) {
    exchanges = [];
    const level = a.name.split(' ')[0];
    const entry = { id: a.id, name: a.name, level };
    try {
      const r = await a.fn();
      entry.status = r.status;
      if (r.status !== 'ok') {
        entry.reason = r.reason;
        entry.exchanges = exchanges;
      }
    } catch (err) {
      entry.status = 'fatal';
      entry.reason = String(err?.stack ?? err);
      entry.exchanges = exchanges;
    }
    results.push(entry);
  }
  const counts = { ok: 0, warn: 0, error: 0, notice: 0, fatal: 0 };
  for (const r of results) counts[r.status]++;
  process.stdout.write(JSON.stringify({ graphql_http_version: version, url, counts, results }, null, 2) + '\n');
}

main().catch((err) => {
  process.stderr.write(`audit.mjs: ${err?.stack ?? err}\n`);
  process.exit(1);
});
