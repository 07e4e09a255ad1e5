// What a phone downloads before the console works, and the admin pages' code loading only when
// one is opened (Leptos lazy routes, split out of the main WebAssembly module at build time).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBatonAndBrowser, signIn, waitHydrated, ADMIN, PHONE, DESKTOP } from './harness.mjs';

const env = withBatonAndBrowser();

// The budget scripts/lib.sh holds the build to (BUNDLE_BUDGET; the goal is 350 KB), plus 2 KB
// for the HTTP headers a transfer counts.
const BUDGET = Number(process.env.BUNDLE_BUDGET || 449_000) + 2_000;

/** Bytes transferred (compressed, as sent) for the page's scripts and WebAssembly so far. */
async function codeBytes(page) {
  return page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .filter((e) => /\.(js|wasm)$/.test(new URL(e.name).pathname))
      .map((e) => ({ path: new URL(e.name).pathname, bytes: e.transferSize })),
  );
}

test('a first visit to the conversation list downloads only the main module, within its budget; admin pages load theirs when opened', async () => {
  // Sign in once, then open the list in a fresh context that has the session but no cache and no
  // service worker: a phone's first visit.
  const signed = await env.chrome.browser.newContext({ viewport: PHONE });
  const page0 = await signed.newPage();
  await signIn(page0, env.baton.url, ADMIN);
  const cookies = await signed.cookies();
  await signed.close();

  const ctx = await env.chrome.browser.newContext({ viewport: DESKTOP, serviceWorkers: 'block' });
  await ctx.addCookies(cookies);
  const page = await ctx.newPage();
  await page.goto(`${env.baton.url}/conversations`, { waitUntil: 'networkidle' });
  await waitHydrated(page);
  const first = await codeBytes(page);
  const total = first.reduce((s, e) => s + e.bytes, 0);
  assert.ok(first.some((e) => e.path.endsWith('/baton_bg.wasm')), JSON.stringify(first));
  assert.ok(
    total <= BUDGET,
    `the conversation list downloaded ${total} bytes of code, over ${BUDGET}: ${JSON.stringify(first)}`,
  );
  assert.equal(
    first.filter((e) => e.path.endsWith('.wasm')).length,
    1,
    `only the main module is loaded for the list: ${JSON.stringify(first)}`,
  );

  // Opening an admin page in the app fetches its chunk and shows the page.
  await page.getByRole('link', { name: 'Scenarios' }).first().click();
  await page.waitForURL(`${env.baton.url}/scenarios`);
  await page.getByRole('heading', { name: 'Scenarios' }).first().waitFor();
  const after = await codeBytes(page);
  assert.ok(
    after.filter((e) => e.path.endsWith('.wasm')).length > 1,
    `the scenarios page's code came when it was opened: ${JSON.stringify(after)}`,
  );
  console.log(`initial code ${total} bytes; after opening Scenarios ${after.reduce((s, e) => s + e.bytes, 0)} bytes`);
  await ctx.close();
});

test('an admin page loaded directly works (its chunk is preloaded with the page)', async () => {
  const ctx = await env.chrome.browser.newContext({ viewport: DESKTOP, serviceWorkers: 'block' });
  const page = await ctx.newPage();
  await signIn(page, env.baton.url, ADMIN);
  await page.goto(`${env.baton.url}/settings`, { waitUntil: 'networkidle' });
  await waitHydrated(page);
  // Hydrated and interactive: a control that only works with the WebAssembly running.
  await page.getByRole('link', { name: 'Operators' }).first().click();
  await page.waitForURL(`${env.baton.url}/operators`);
  await page.getByRole('heading', { name: 'Operators' }).first().waitFor();
  await ctx.close();
});
