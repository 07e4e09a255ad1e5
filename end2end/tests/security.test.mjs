// The console under its Content-Security-Policy: the hydrated app works (sign-in, live socket,
// pages, forms) with no CSP violation, and a password change signs the other devices out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBatonAndBrowser, signIn, waitHydrated, ADMIN, OPERATOR, DESKTOP } from './harness.mjs';

const env = withBatonAndBrowser();

/** A page that records CSP violations and script errors. */
async function watchedPage(ctx) {
  const page = await ctx.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`Refused to load (CSP): ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return { page, problems };
}

test('desktop: the hydrated console runs under its CSP without a single violation', async () => {
  const ctx = await env.chrome.browser.newContext({ viewport: DESKTOP });
  const { page, problems } = await watchedPage(ctx);
  const r = await page.goto(`${env.baton.url}/login`);
  assert.match(r.headers()['content-security-policy'], /'nonce-[^']+'/);
  await signIn(page, env.baton.url, ADMIN);
  await waitHydrated(page);
  for (const path of ['/conversations', '/monitoring', '/scenarios', '/operators', '/settings', '/account']) {
    await page.goto(`${env.baton.url}${path}`, { waitUntil: 'networkidle' });
    await waitHydrated(page);
  }
  // The live socket connected under connect-src 'self'.
  await page.waitForFunction(() => document.querySelector('.conn')?.dataset.state === 'live', null, { timeout: 10_000 });
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('desktop: changing your password signs your other devices out', async () => {
  const phone = await env.chrome.browser.newContext({ viewport: DESKTOP });
  const other = await phone.newPage();
  await signIn(other, env.baton.url, OPERATOR);

  const ctx = await env.chrome.browser.newContext({ viewport: DESKTOP });
  const { page, problems } = await watchedPage(ctx);
  await signIn(page, env.baton.url, OPERATOR);
  await page.goto(`${env.baton.url}/account`, { waitUntil: 'networkidle' });
  await waitHydrated(page);
  const form = page.getByRole('region', { name: 'Change password' });
  await form.getByLabel('Current password').fill(OPERATOR.password);
  await form.getByLabel(/^New password \(/).fill('a fresh operator secret');
  await form.getByLabel('New password again').fill('a fresh operator secret');
  await form.getByRole('button', { name: 'Change password' }).click();
  await page.getByText('Password changed. Your other devices are signed out.').waitFor();

  await other.goto(`${env.baton.url}/conversations`);
  await other.waitForURL(/\/login/);
  await page.goto(`${env.baton.url}/conversations`);
  assert.ok(page.url().endsWith('/conversations'), page.url());
  assert.deepEqual(problems, []);
  await ctx.close();
  await phone.close();
});
