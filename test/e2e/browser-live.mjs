// Opens roomgraph's GraphiQL page in the system's headless Chromium (playwright-core; no browser is
// downloaded) and runs a subscription as a person would: picks the tab named TAB, clicks the run button,
// waits for the first answer in the result pane, reports it, then waits until the pane shows CONTEXT (the
// driver makes that participant join meanwhile). Records the page's WebSockets and requests.
//
// Prints ONE JSON document to stdout (the tabs, the editor's text, the result pane's text each time it
// changed, the WebSockets, every request, console and page errors, the screenshot's path); writes
// `PROGRESS {"events":0,"updates":n}` lines to stderr as answers appear, so the driver knows when to act.
// It judges the page only as far as driving it needs; live_test.go judges the evidence.
//
// Env: BASE_URL (http://127.0.0.1:PORT, serving the page at "/"), TAB (the tab's title), CONTEXT (who
// will join), SCREENSHOT_PATH, CHROMIUM (default /usr/bin/chromium).
// Exit codes: 0 every step ran; 1 a step failed ("failure"); 2 bad invocation.

import { createRequire } from 'node:module';
import { runInChromium, shorten } from './chromium-run.mjs';

const { version } = createRequire(import.meta.url)('playwright-core/package.json');

const baseURL = process.env.BASE_URL;
const tabTitle = process.env.TAB;
const context = process.env.CONTEXT;
const screenshotPath = process.env.SCREENSHOT_PATH;
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!baseURL?.startsWith('http://127.0.0.1:') || !tabTitle || !context || !screenshotPath) {
  process.stderr.write('browser-live.mjs: BASE_URL (loopback), TAB, CONTEXT and SCREENSHOT_PATH must be set\n');
  process.exit(2);
}

const STEP_TIMEOUT_MS = 20_000;
const LIVE_TIMEOUT_MS = 30_000;
const RUN_TIMEOUT_MS = 100_000;

const out = {
  playwright_core_version: version,
  browser_version: null,
  steps: [],
  results: [],
  websockets: [],
  requests: [],
  failed_requests: [],
  console_errors: [],
  page_errors: [],
};
// Each step is also a stderr line (with the time since start), so a driver that gives up waiting can say
// which step the page was in.
const started = Date.now();
const step = (action, seen) => {
  out.steps.push({ action, seen });
  process.stderr.write(`STEP +${Date.now() - started}ms ${action}\n`);
};

// CodeMirror 5 (GraphiQL 4) keeps an editor's document on the element's CodeMirror property.
const editorText = (page, selector) =>
  page.evaluate((sel) => {
    const el = document.querySelector(sel);
    return el && el.CodeMirror ? el.CodeMirror.getValue() : null;
  }, selector);

async function drive(ctx) {
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  await page.setViewportSize({ width: 1400, height: 900 });
  page.on('console', (m) => {
    if (m.type() === 'error') out.console_errors.push(m.text());
  });
  page.on('pageerror', (e) => out.page_errors.push(String(e)));
  page.on('websocket', (ws) => out.websockets.push(ws.url()));

  const res = await page.goto(new URL('/', baseURL).toString(), { waitUntil: 'load' });
  step('open /', { status: res?.status(), title: await page.title() });
  await page.locator('.graphiql-container').waitFor();

  out.tabs = (await page.locator('.graphiql-tab').allInnerTexts()).map((s) => s.trim());
  const tab = page.locator('.graphiql-tab', { hasText: tabTitle }).locator('.graphiql-tab-button');
  await tab.click();
  await page.waitForFunction(
    (title) => document.querySelector('.graphiql-tab-active')?.innerText.includes(title),
    tabTitle,
  );
  const query = await editorText(page, '.graphiql-query-editor .CodeMirror');
  out.editor_query = query;
  step(`click the tab "${tabTitle}"`, { tabs: out.tabs, query });
  if (!query?.startsWith('subscription')) throw new Error('the tab holds no subscription');

  await page.locator('button.graphiql-execute-button').click();
  step('click the run button', {});

  // Each change of the result pane is one answer (GraphiQL shows the latest one).
  const deadline = Date.now() + LIVE_TIMEOUT_MS;
  let last = '';
  for (;;) {
    const handle = await page.waitForFunction(
      (prev) => {
        const el = document.querySelector('.graphiql-response .CodeMirror');
        const text = el && el.CodeMirror ? el.CodeMirror.getValue() : '';
        return text.includes('"data"') && text !== prev ? text : null;
      },
      last,
      { timeout: Math.max(1, deadline - Date.now()) },
    );
    last = await handle.jsonValue();
    out.results.push(last);
    process.stderr.write(`PROGRESS ${JSON.stringify({ events: 0, updates: out.results.length })}\n`);
    step('the result pane changed', { text: last });
    if (last.includes(`"context": ${JSON.stringify(context)}`)) break;
  }

  await page.screenshot({ path: screenshotPath, fullPage: true });
  out.screenshot = screenshotPath;
  step('screenshot', { path: screenshotPath });
  // Stop the subscription (the run button is a stop button while it runs).
  await page.locator('button.graphiql-execute-button').click();
  step('click the stop button', {});
}

runInChromium({
  name: 'browser-live.mjs', out, drive, executablePath, screenshotPath,
  request: (r) => ({ method: r.method(), url: shorten(r.url()) }),
  stepTimeoutMs: STEP_TIMEOUT_MS, runTimeoutMs: RUN_TIMEOUT_MS,
});
