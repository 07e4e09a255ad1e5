// Monitoring (the unprocessed queue, operators, channels, SLA breaches) and the account page's
// alert devices, as an operator sees them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBatonAndBrowser, signIn, waitHydrated, OPERATOR, PHONE, DESKTOP, shot } from './harness.mjs';

const env = withBatonAndBrowser();

test('monitoring shows the waiting queue with SLA state, operators with load, and channels', async () => {
  const ctx = await env.chrome.browser.newContext({ viewport: DESKTOP });
  const page = await ctx.newPage();
  await signIn(page, env.baton.url, OPERATOR);
  await page.getByRole('link', { name: 'Monitoring' }).click();
  await page.waitForURL(`${env.baton.url}/monitoring`);
  await waitHydrated(page);
  const queue = page.getByRole('region', { name: 'Unprocessed queue' });
  await queue.waitFor();
  // The demo's longest wait is over the 2-minute target.
  assert.ok((await queue.locator('li.row').count()) >= 3);
  assert.ok((await queue.locator('li.row[data-breached="true"]').count()) >= 1);
  assert.match(await page.getByText(/SLA breaches today/).innerText(), /target 2 min/);
  const ops = page.getByRole('region', { name: 'Operators', exact: true });
  assert.match(await ops.innerText(), /Ana[\s\S]*online/);
  assert.match(await page.locator('dl.kv').innerText(), /WhatsApp/);
  await page.screenshot({ path: shot('desktop-monitoring') });
  await ctx.close();
});

test('an operator sees their alert devices, sends a test notification and removes one', async () => {
  const ctx = await env.chrome.browser.newContext({ viewport: PHONE });
  const page = await ctx.newPage();
  await signIn(page, env.baton.url, OPERATOR);
  await waitHydrated(page);
  // A browser subscription as the PWA registers it (RFC 8291's example keys; nobody listens on
  // port 9, so the test notification fails and the device shows it).
  const r = await page.evaluate(async () => {
    const body = new URLSearchParams({
      endpoint: 'http://127.0.0.1:9/push/e2e',
      p256dh: 'BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4',
      auth: 'BTBZMqHH6r4Tts7J_aSIgg',
      label: 'Ana test phone',
    });
    return (await fetch('/api/devices/subscribe_webpush', { method: 'POST', body })).status;
  });
  assert.equal(r, 200);
  await page.getByRole('link', { name: 'Your account' }).click();
  await page.waitForURL(`${env.baton.url}/account`);
  const device = page.locator('li.device', { hasText: 'Ana test phone' });
  await device.waitFor();
  assert.match(await device.innerText(), /No alert sent yet/);
  await device.getByRole('button', { name: 'Send test notification' }).click();
  await page.getByText('Test notification sent.').waitFor();
  await page.screenshot({ path: shot('phone-account') });
  await device.getByRole('button', { name: 'Remove' }).click();
  await device.waitFor({ state: 'detached' });
  assert.ok(await page.getByText('No device gets alerts yet.').isVisible());
  await ctx.close();
});

test('an admin switches routing to round robin, with the timing checked', async () => {
  const ctx = await env.chrome.browser.newContext({ viewport: DESKTOP });
  const page = await ctx.newPage();
  await signIn(page, env.baton.url, { email: 'admin@baton.demo', password: 'baton-admin-demo' });
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.waitForURL(`${env.baton.url}/settings`);
  await waitHydrated(page);
  const card = page.getByRole('region', { name: 'Queue and alerts' });
  await card.getByLabel('Routing').selectOption('round_robin');
  await card.getByLabel('Round-robin offer (seconds)').fill('45');
  await card.getByLabel('Repeat alerts every (seconds)').fill('5');
  await card.getByRole('button', { name: 'Save queue settings' }).click();
  await card.locator('.field-error').waitFor();
  assert.match(await card.locator('.field-error').innerText(), /30 to 3600/);
  await card.getByLabel('Repeat alerts every (seconds)').fill('90');
  await card.getByRole('button', { name: 'Save queue settings' }).click();
  await card.getByText('Saved. New escalations use these rules.').waitFor();
  await page.reload();
  await waitHydrated(page);
  assert.equal(await card.getByLabel('Routing').inputValue(), 'round_robin');
  assert.equal(await card.getByLabel('Round-robin offer (seconds)').inputValue(), '45');
  await ctx.close();
});
