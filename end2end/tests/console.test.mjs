// The operator console as operators use it: the takeover flow on a phone with a real customer on
// the widget, the list without JavaScript and side by side on a desktop, a dropped socket that
// resumes without loss or repeats, and two operators pressing Accept together.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  withBatonAndBrowser, signIn, waitHydrated, shot, waitingCustomerOn, ADMIN, OPERATOR, PHONE, DESKTOP,
} from './harness.mjs';

const env = withBatonAndBrowser();
const waitingCustomer = () => waitingCustomerOn(env);
const BEN = { email: 'ben@baton.demo', password: 'baton-operator-ben' };

/** The list row of the conversation whose preview is `text` (the newest such). */
function rowWithPreview(page, text) {
  return page.locator('section.group[data-state="waiting"] li.row', { hasText: text }).last();
}

const CONFIRMATION = 'Enseguida te comunico con alguien de nuestro equipo.';

test('phone: an operator accepts a waiting customer, replies, and returns them to the bot', async () => {
  const cust = await waitingCustomer();
  const ctx = await env.chrome.browser.newContext({ viewport: PHONE });
  const page = await ctx.newPage();
  await signIn(page, env.baton.url, OPERATOR);
  await waitHydrated(page);

  // Waiting conversations come first, each with a ticking wait badge.
  const first = page.locator('section.group').first();
  assert.equal(await first.getAttribute('data-state'), 'waiting');
  assert.match(await first.locator('h2').textContent(), /Awaiting operator/);
  assert.match(await first.locator('li.row .badge.wait').first().innerText(), /\d+( s|:\d\d| min| h)/);
  await page.screenshot({ path: shot('phone-list') });

  const row = rowWithPreview(page, CONFIRMATION);
  await row.waitFor();
  await row.locator('a').click();
  await page.waitForURL(/\/conversations\/\d+/);
  // On a phone the chat replaces the list.
  await page.locator('article.chat').waitFor();
  assert.equal(await page.locator('.list-pane').isVisible(), false);
  assert.ok(await page.locator('.msg.system', { hasText: 'Escalated: keyword' }).count() >= 1);

  await page.getByRole('button', { name: 'Accept' }).click();
  await page.locator('.msg.system', { hasText: 'Accepted by Ana' }).waitFor();
  const composer = page.getByRole('textbox', { name: 'Message' });
  await composer.fill('Hola, soy Ana. ¿En qué te puedo ayudar?');
  const before = await cust.replies.count();
  await composer.press('Enter');
  assert.equal(await cust.nextReply(before), 'Ana\nHola, soy Ana. ¿En qué te puedo ayudar?');
  await page.locator('.msg.operator[data-status="sent"]').waitFor({ timeout: 10_000 });
  await page.screenshot({ path: shot('phone-chat') });

  await page.getByRole('button', { name: 'Return to bot' }).click();
  await page.locator('.msg.system', { hasText: 'Returned to bot' }).waitFor();
  assert.match(await cust.say('hola'), /asistente de Casa Lumen/);

  // Browser back returns to the list.
  await page.goBack();
  await page.waitForURL(`${env.baton.url}/conversations`);
  await page.locator('.list-pane').waitFor();
  await ctx.close();
  await cust.ctx.close();
});

test('the list renders without JavaScript, and side by side with the chat on a desktop', async () => {
  const noJs = await env.chrome.browser.newContext({ viewport: PHONE, javaScriptEnabled: false });
  const page = await noJs.newPage();
  await page.goto(`${env.baton.url}/login`);
  await page.getByLabel('Email').fill(OPERATOR.email);
  await page.getByLabel('Password').fill(OPERATOR.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${env.baton.url}/conversations`);
  const groups = await page.locator('section.group h2 > span:first-child').allTextContents();
  assert.deepEqual(groups, ['Awaiting operator', 'In progress', 'Active with bot', 'Closed']);
  assert.ok((await page.locator('li.row').count()) > 3);
  // Search and filters are plain links and a GET form: they work without JavaScript too.
  await page.getByRole('link', { name: 'Bot', exact: true }).click();
  await page.waitForURL(/filter=bot/);
  assert.deepEqual(await page.locator('section.group').evaluateAll((g) => g.map((x) => x.dataset.state)), ['bot']);
  await noJs.close();

  const ctx = await env.chrome.browser.newContext({ viewport: DESKTOP });
  const desk = await ctx.newPage();
  await signIn(desk, env.baton.url, ADMIN);
  await waitHydrated(desk);
  await desk.locator('section.group[data-state="assigned"] li.row a').first().click();
  await desk.locator('article.chat').waitFor();
  const list = await desk.locator('.list-pane').boundingBox();
  const chat = await desk.locator('article.chat').boundingBox();
  assert.ok(list && chat && list.x + list.width <= chat.x + 1, 'list on the left, chat on the right');
  assert.ok(Math.abs(list.y - chat.y) < 120, 'side by side');
  // Someone else's conversation: read-only for the admin until an explicit take-over.
  assert.equal(await desk.getByRole('textbox', { name: 'Message' }).count(), 0);
  await desk.getByRole('button', { name: 'Take over' }).waitFor();
  await desk.screenshot({ path: shot('desktop-console') });
  await ctx.close();
});

test('a dropped socket resumes: messages sent meanwhile appear once each', async () => {
  const cust = await waitingCustomer();
  const ctx = await env.chrome.browser.newContext({ viewport: DESKTOP });
  // Keep a handle on the app's sockets, and a switch that keeps new ones from connecting.
  await ctx.addInitScript(() => {
    const Native = window.WebSocket;
    window.__sockets = [];
    window.__blockSockets = false;
    window.WebSocket = function (url, protocols) {
      const target = window.__blockSockets ? 'ws://127.0.0.1:9/blocked' : url;
      const s = new Native(target, protocols);
      window.__sockets.push(s);
      return s;
    };
    window.WebSocket.prototype = Native.prototype;
    Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  });
  const page = await ctx.newPage();
  await signIn(page, env.baton.url, OPERATOR);
  await waitHydrated(page);
  const row = rowWithPreview(page, CONFIRMATION);
  await row.waitFor();
  await row.locator('a').click();
  await page.locator('article.chat').waitFor();
  await page.getByRole('button', { name: 'Accept' }).click();
  await page.locator('.msg.system', { hasText: 'Accepted by Ana' }).waitFor();
  await page.waitForFunction(() => document.querySelector('.conn').dataset.state === 'live');

  await page.evaluate(() => {
    window.__blockSockets = true;
    window.__sockets.forEach((s) => s.close());
  });
  await page.waitForFunction(() => document.querySelector('.conn').dataset.state !== 'live');
  const texts = ['uno (offline)', 'dos (offline)', 'tres (offline)'];
  for (const t of texts) {
    await cust.page.getByLabel('Type your message').fill(t);
    await cust.page.getByRole('button', { name: 'Send' }).click();
    await cust.page.locator('.bw-customer:not(.bw-pending)', { hasText: t }).waitFor();
  }
  assert.equal(await page.locator('.msg.customer', { hasText: '(offline)' }).count(), 0, 'nothing arrives while offline');
  await page.evaluate(() => { window.__blockSockets = false; });
  await page.waitForFunction(() => document.querySelector('.conn').dataset.state === 'live', null, { timeout: 40_000 });
  for (const t of texts) {
    await page.locator('.msg.customer', { hasText: t }).waitFor();
  }
  await page.waitForTimeout(500);
  for (const t of texts) {
    assert.equal(await page.locator('.msg.customer', { hasText: t }).count(), 1, `${t} shown once`);
  }
  await ctx.close();
  await cust.ctx.close();
});

test('two operators press Accept together: one gets it, the other is told who has it', async () => {
  const cust = await waitingCustomer();
  const open = async (who) => {
    const ctx = await env.chrome.browser.newContext({ viewport: PHONE });
    const page = await ctx.newPage();
    await signIn(page, env.baton.url, who);
    await waitHydrated(page);
    const row = rowWithPreview(page, CONFIRMATION);
    await row.waitFor();
    await row.locator('a').click();
    await page.getByRole('button', { name: 'Accept' }).waitFor();
    return { ctx, page };
  };
  const [ana, ben] = await Promise.all([open(OPERATOR), open(BEN)]);
  // Both presses at the same instant (a Playwright click waits for stability, and the loser's
  // button disappears as soon as the winner's event arrives).
  const at = Date.now() + 400;
  const press = (p) => p.evaluate((t) => new Promise((resolve) => setTimeout(() => {
    [...document.querySelectorAll('.chat-actions button')].find((b) => b.textContent === 'Accept').click();
    resolve();
  }, t - Date.now())), at);
  await Promise.all([press(ana.page), press(ben.page)]);
  const outcome = async (p) => {
    await p.waitForFunction(() => document.querySelector('.chat-header [role="alert"]')
      || document.querySelector('.chat-state').innerText.startsWith('With you'));
    const alert = p.locator('.chat-header [role="alert"]');
    return (await alert.count()) ? alert.innerText() : 'won';
  };
  const results = await Promise.all([outcome(ana.page), outcome(ben.page)]);
  assert.equal(results.filter((r) => r === 'won').length, 1, `one winner: ${results}`);
  assert.match(results.find((r) => r !== 'won'), /Taken by (Ana|Ben)/);
  await ana.ctx.close();
  await ben.ctx.close();
  await cust.ctx.close();
});

test('a new escalation shows a banner with Accept while the app is open', async () => {
  const ctx = await env.chrome.browser.newContext({ viewport: PHONE });
  const page = await ctx.newPage();
  await signIn(page, env.baton.url, OPERATOR);
  await page.getByRole('link', { name: 'Monitoring' }).click();
  await page.waitForURL(`${env.baton.url}/monitoring`);
  await waitHydrated(page);
  await page.waitForFunction(() => document.querySelector('.conn').dataset.state === 'live');
  const cust = await waitingCustomer();
  const banner = page.locator('.banner');
  await banner.waitFor();
  assert.match(await banner.innerText(), /Customer waiting: Web visitor/);
  await banner.getByRole('button', { name: 'Accept' }).click();
  await page.waitForURL(/\/conversations\/\d+$/);
  await page.locator('.chat-state', { hasText: 'With you' }).waitFor();
  await banner.waitFor({ state: 'detached' });
  await ctx.close();
  await cust.ctx.close();
});
