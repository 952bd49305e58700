// The part of the browser scripts that is the same for each: launch Debian's Chromium (playwright-core;
// nothing is downloaded) with a fresh user-data-dir, record the requests, run the script's drive(context),
// keep a screenshot of the state a failing step saw, clean up, print the evidence `out` as ONE JSON
// document on stdout and exit 0 (every step ran) or 1 (a step failed, in out.failure). A whole run is
// bounded by runTimeoutMs.

import { chromium } from 'playwright-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// shorten keeps a data: URL's head only.
export const shorten = (u) => (u.startsWith('data:') ? u.slice(0, 40) + '…' : u);

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// runInChromium: name labels stderr; request(r) is what out.requests keeps of each request.
export async function runInChromium({ name, out, drive, request, executablePath, screenshotPath, stepTimeoutMs, runTimeoutMs }) {
  const userDataDir = await mkdtemp(join(tmpdir(), 'roomgraph-chromium-'));
  let context;
  let code = 0;
  const deadline = setTimeout(() => {
    out.failure = `the run took longer than ${runTimeoutMs} ms`;
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    process.exit(1);
  }, runTimeoutMs);
  try {
    // A persistent context is how playwright takes a user-data-dir: a fresh one per run, so no saved
    // GraphiQL tabs or cache from an earlier run can stand in for what the server sends now.
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: stepTimeoutMs,
    });
    out.browser_version = context.browser()?.version() ?? null;
    process.stderr.write(`${name}: Chromium ${out.browser_version} launched\n`);
    context.on('request', (r) => out.requests.push(request(r)));
    context.on('requestfailed', (r) => out.failed_requests.push({ url: shorten(r.url()), error: r.failure()?.errorText ?? '' }));
    await drive(context);
  } catch (err) {
    out.failure = String(err?.stack ?? err);
    process.stderr.write(`${name}: ${out.failure}\n`);
    code = 1;
    const page = context?.pages()[0];
    if (page && !out.screenshot) {
      // The state the failing step saw is the most useful evidence.
      await page.screenshot({ path: screenshotPath, fullPage: true }).then(() => (out.screenshot = screenshotPath), () => {});
    }
  } finally {
    await context?.close().catch(() => {});
    await rm(userDataDir, { recursive: true, force: true }).catch(() => {});
    clearTimeout(deadline);
  }
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  process.exit(code);
}
