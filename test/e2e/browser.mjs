// Opens roomgraph's GraphiQL page in the system's headless Chromium (through playwright-core; no browser
// is ever downloaded) and uses it as a person would: checks that the editor holds the default query,
// clicks the run button, waits for the result, opens the docs explorer and browses into Query, and
// takes a screenshot. Every request the page makes is recorded, so e2e_test.go can check that the
// page reached no host but the test server.
//
// Prints ONE JSON document to stdout: what was clicked and seen at each step, the result pane's text
// and the session ids in it, the docs explorer's text, every request, console errors, page errors and
// the screenshot's path. It judges the page only as far as driving it needs (a step that cannot happen
// throws); e2e_test.go judges the evidence.
//
// Env: BASE_URL (http://127.0.0.1:PORT, serving the page at "/"), ROOM_ID (the room of the default
// query), SCREENSHOT_PATH, CHROMIUM (default /usr/bin/chromium).
// Exit codes: 0 every step ran; 1 a step failed (its error is in "failure", the evidence so far is
// printed); 2 bad invocation.

import { createRequire } from 'node:module';
import { runInChromium, shorten } from './chromium-run.mjs';

const { version } = createRequire(import.meta.url)('playwright-core/package.json');

const baseURL = process.env.BASE_URL;
const roomId = process.env.ROOM_ID;
const screenshotPath = process.env.SCREENSHOT_PATH;
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!baseURL?.startsWith('http://127.0.0.1:') || !roomId || !screenshotPath) {
  process.stderr.write('browser.mjs: BASE_URL (loopback), ROOM_ID and SCREENSHOT_PATH must be set\n');
  process.exit(2);
}

// Each wait is bounded; the whole run is bounded again in case the browser itself hangs.
const STEP_TIMEOUT_MS = 20_000;
const RUN_TIMEOUT_MS = 100_000;


const out = {
  playwright_core_version: version,
  browser_version: null,
  steps: [],
  requests: [],
  failed_requests: [],
  console_errors: [],
  page_errors: [],
};

function step(action, seen) {
  out.steps.push({ action, seen });
}


// CodeMirror 5 (GraphiQL 4) keeps the editor's document on the element's CodeMirror property; reading
// it is exact where the rendered lines would be virtualised or wrapped.
const editorText = (page, selector) =>
  page.evaluate((sel) => {
    const el = document.querySelector(sel);
    return el && el.CodeMirror ? el.CodeMirror.getValue() : null;
  }, selector);

// Session ids of the result, wherever the query put them (nodes or edges).
function sessionIDs(result) {
  const conn = result?.data?.room?.sessions;
  if (!conn) return [];
  if (Array.isArray(conn.nodes)) return conn.nodes.map((n) => n.id);
  if (Array.isArray(conn.edges)) return conn.edges.map((e) => e.node.id);
  return [];
}

async function drive(context) {
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  await page.setViewportSize({ width: 1400, height: 900 });
  page.on('console', (m) => {
    if (m.type() === 'error') out.console_errors.push(m.text());
  });
  page.on('pageerror', (e) => out.page_errors.push(String(e)));

  const res = await page.goto(new URL('/', baseURL).toString(), { waitUntil: 'load' });
  step('open /', { status: res?.status(), title: await page.title() });

  await page.locator('.graphiql-container').waitFor();
  await page.locator('.graphiql-query-editor .CodeMirror').waitFor();
  const query = await editorText(page, '.graphiql-query-editor .CodeMirror');
  out.editor_query = query;
  step('read the query editor', { query });
  if (!query || !query.includes(roomId) || !query.includes('sessions')) {
    throw new Error('the editor does not hold the default query of the room');
  }

  const run = page.locator('button.graphiql-execute-button');
  const graphqlResponse = page.waitForResponse((r) => new URL(r.url()).pathname === '/graphql' && r.request().method() === 'POST' && (r.request().postData() ?? '').includes(roomId));
  await run.click();
  const network = await graphqlResponse;
  step('click the run button (button.graphiql-execute-button)', {
    aria_label: await run.getAttribute('aria-label'),
    graphql_status: network.status(),
  });

  await page.waitForFunction(() => {
    const el = document.querySelector('.graphiql-response .CodeMirror');
    const text = el && el.CodeMirror ? el.CodeMirror.getValue() : '';
    return text.includes('"sessions"') && text.includes('"id"');
  });
  const resultText = await editorText(page, '.graphiql-response .CodeMirror');
  const result = JSON.parse(resultText);
  out.result = {
    text: resultText.length > 4000 ? resultText.slice(0, 4000) + '…' : resultText,
    errors: result.errors ?? null,
    session_ids: sessionIDs(result),
  };
  step('read the result pane', { session_ids: out.result.session_ids });

  const docsButton = page.locator('.graphiql-sidebar button[aria-label="Show Documentation Explorer"]');
  await docsButton.click();
  const explorer = page.locator('.graphiql-doc-explorer');
  await explorer.waitFor();
  // The root view lists the root types once introspection has answered.
  const queryLink = explorer.locator('a.graphiql-doc-explorer-type-name', { hasText: /^Query$/ }).first();
  await queryLink.waitFor();
  const rootText = await explorer.innerText();
  step('click "Show Documentation Explorer"', { text: rootText });

  await queryLink.click();
  const title = explorer.locator('.graphiql-doc-explorer-title');
  await title.filter({ hasText: /^Query$/ }).waitFor();
  const fields = await explorer.locator('a.graphiql-doc-explorer-field-name').allInnerTexts();
  out.docs = { root_text: rootText, title: await title.innerText(), query_fields: fields };
  step('click "Query" in the docs explorer', { title: out.docs.title, fields });

  await page.screenshot({ path: screenshotPath, fullPage: true });
  out.screenshot = screenshotPath;
  step('screenshot', { path: screenshotPath });
}

runInChromium({
  name: 'browser.mjs', out, drive, executablePath, screenshotPath,
  request: (r) => ({ method: r.method(), url: shorten(r.url()), resource_type: r.resourceType() }),
  stepTimeoutMs: STEP_TIMEOUT_MS, runTimeoutMs: RUN_TIMEOUT_MS,
});
