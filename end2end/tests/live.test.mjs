// The live channel: events reach an open page without a reload, and the socket comes back by
// itself after the connection drops, with the header saying what is going on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBatonAndBrowser, signIn, waitHydrated, ADMIN, OPERATOR, PHONE } from './harness.mjs';

const env = withBatonAndBrowser();

test('phone: a conversation accepted elsewhere moves on an open list without a reload', async () => {
  const ctx = await env.chrome.browser.newContext({ viewport: PHONE });
  const page = await ctx.newPage();
  await signIn(page, env.baton.url, OPERATOR);
  await waitHydrated(page);
  await page.waitForSelector('.conn[data-state="live"]');
  const waiting = page.locator('section.group[data-state="waiting"]');
  const inProgress = page.locator('section.group[data-state="assigned"]');
  assert.ok(await waiting.getByText('Jonas Berg').isVisible());

  // The admin accepts Jonas Berg's conversation from another device.
  const admin = await env.chrome.browser.newContext();
  const adminPage = await admin.newPage();
  await signIn(adminPage, env.baton.url, ADMIN);
  const id = await page.locator('li.row', { hasText: 'Jonas Berg' }).getAttribute('data-id');
  const status = await adminPage.evaluate(async (id) => {
    const r = await fetch('/api/conversations/accept', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `id=${id}`,
    });
    return r.status;
  }, id);
  assert.equal(status, 200);

  await inProgress.getByText('Jonas Berg').waitFor({ timeout: 10_000 });
  assert.equal(await waiting.getByText('Jonas Berg').count(), 0);
  await admin.close();
  await ctx.close();
});

test('phone: the connection indicator shows a drop and the socket reconnects by itself', async () => {
  const ctx = await env.chrome.browser.newContext({ viewport: PHONE });
  const page = await ctx.newPage();
  await signIn(page, env.baton.url, OPERATOR);
  await waitHydrated(page);
  await page.waitForSelector('.conn[data-state="live"]');

  await env.baton.pause();
  await page.waitForSelector('.conn[data-state="reconnecting"]', { timeout: 10_000 });
  assert.equal(await page.locator('.conn-label').innerText(), 'Reconnecting…');

  await env.baton.resume();
  await page.waitForSelector('.conn[data-state="live"]', { timeout: 40_000 });
  assert.equal(await page.locator('.conn-label').innerText(), 'Live');
  await ctx.close();
});
