// Analytics (admins), on a phone and a desktop: the page with its three server-drawn charts
// (SVG, named for screen readers), the summary with its definitions, and `Export CSV`
// downloading the table with its header row. Also without JavaScript: the period form is a GET.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { withBatonAndBrowser, signIn, waitHydrated, shot, ADMIN, PHONE, DESKTOP } from './harness.mjs';

const env = withBatonAndBrowser();

for (const [label, viewport] of [['phone', PHONE], ['desktop', DESKTOP]]) {
  test(`analytics with charts and a CSV export (${label})`, async () => {
    const ctx = await env.chrome.browser.newContext({ viewport, acceptDownloads: true });
    const page = await ctx.newPage();
    await signIn(page, env.baton.url, ADMIN);
    await page.goto(`${env.baton.url}/analytics?range=30d`);
    await waitHydrated(page);
    await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();

    for (const name of [/Conversations per day/, /Waiting time per day/, /Handoffs by weekday and hour/]) {
      const chart = page.getByRole('img', { name });
      await chart.scrollIntoViewIfNeeded();
      assert.ok(await chart.isVisible(), `${name} is visible`);
      const box = await chart.boundingBox();
      assert.ok(box.width <= viewport.width && box.width > 250, `${name} fits the width: ${box.width}`);
    }
    const summary = page.getByRole('region', { name: 'Summary' });
    await summary.getByRole('rowheader', { name: /Bot resolution rate/ }).waitFor();
    assert.match(await summary.innerText(), /never handed to a person/);

    // Another period through the form: the URL carries it.
    await page.locator('select[name="range"]').selectOption('7d');
    await page.locator('select[name="channel"]').selectOption('whatsapp');
    await Promise.all([
      page.waitForURL(/\/analytics\?range=7d&from=&to=&channel=whatsapp/),
      page.getByRole('button', { name: 'Show' }).click(),
    ]);
    await page.getByRole('img', { name: /Conversations per day/ }).waitFor();

    await page.screenshot({ path: shot(`${label}-analytics`), fullPage: label === 'desktop' });

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      summary.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    assert.match(download.suggestedFilename(), /^baton-summary-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = readFileSync(await download.path(), 'utf8');
    assert.equal(csv.split('\n')[0], 'Measure,This period,Previous period');
    assert.match(csv, /^Conversations,\d+,\d+$/m);
    await ctx.close();
  });
}

test('analytics without JavaScript: charts in the HTML, the form a GET', async () => {
  const ctx = await env.chrome.browser.newContext({ viewport: PHONE, javaScriptEnabled: false });
  const page = await ctx.newPage();
  await page.goto(`${env.baton.url}/login`);
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await Promise.all([page.waitForURL(/\/conversations/), page.getByRole('button', { name: 'Sign in' }).click()]);
  await page.goto(`${env.baton.url}/analytics?range=today`);
  assert.equal(await page.locator('figure.chart svg').count(), 3);
  await page.locator('select[name="range"]').selectOption('30d');
  await Promise.all([
    page.waitForURL(/range=30d/),
    page.getByRole('button', { name: 'Show' }).click(),
  ]);
  assert.equal(await page.locator('figure.chart svg').count(), 3);
  await ctx.close();
});
