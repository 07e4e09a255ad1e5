// The service worker's push handler and notification click, driven through Chromium's DevTools
// protocol (ServiceWorker.deliverPushMessage delivers a push exactly as a push service would).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBatonAndBrowser, signIn, waitHydrated, OPERATOR, PHONE } from './harness.mjs';

const env = withBatonAndBrowser();

/** Waits for the page's service worker to control it; returns its DevTools registration id. */
async function swRegistration(ctx, page, origin) {
  const cdp = await ctx.newCDPSession(page);
  const found = new Promise((resolve) => {
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
      const r = registrations.find((x) => x.scopeURL.startsWith(origin) && !x.isDeleted);
      if (r) resolve(r.registrationId);
    });
  });
  await cdp.send('ServiceWorker.enable');
  await page.evaluate(() => navigator.serviceWorker.ready);
  // The first page load happens before the worker claims it; reload once so it is controlled.
  if (!(await page.evaluate(() => !!navigator.serviceWorker.controller))) {
    await page.reload();
    await waitHydrated(page);
  }
  return { cdp, registrationId: await found };
}

async function notifications(page) {
  return page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    const list = await reg.getNotifications();
    return list.map((n) => ({ title: n.title, body: n.body, tag: n.tag, actions: n.actions.map((a) => a.title), data: n.data }));
  });
}

/** Polls until exactly `n` notifications are shown (15 s at most: on a loaded CI machine the
 * service worker can take a few seconds to wake for a push). */
async function expectNotifications(page, n) {
  for (let i = 0; i < 150; i++) {
    if ((await notifications(page)).length === n) return;
    await page.waitForTimeout(100);
  }
  assert.fail(`expected ${n} notifications, saw ${JSON.stringify(await notifications(page))}`);
}

async function clearNotifications(page) {
  await page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    (await reg.getNotifications()).forEach((n) => n.close());
  });
}

async function waitingConversation(page) {
  const list = await page.evaluate(async () => (await fetch('/api/conversations/list', { method: 'POST' })).json());
  return list.groups.find((g) => g.state === 'waiting').items;
}

test('a push shows "Customer waiting", not while that chat is on screen, and Accept opens it claimed', async () => {
  const origin = env.baton.url;
  const ctx = await env.chrome.browser.newContext({ viewport: PHONE });
  await ctx.grantPermissions(['notifications'], { origin });
  const page = await ctx.newPage();
  await signIn(page, origin, OPERATOR);
  await waitHydrated(page);
  const { cdp, registrationId } = await swRegistration(ctx, page, origin);
  const [first, second] = await waitingConversation(page);
  const push = (c, step = 0) =>
    cdp.send('ServiceWorker.deliverPushMessage', {
      origin,
      registrationId,
      data: JSON.stringify({ conversation_id: c.id, contact_name: c.contact_name, preview: c.preview, wait_secs: 150, step }),
    });

  // On the list: the alert shows, with the preview and an Accept action.
  await push(first);
  await expectNotifications(page, 1);
  const [n] = await notifications(page);
  assert.equal(n.title, `Customer waiting: ${first.contact_name}`);
  assert.ok(n.body.startsWith(first.preview.slice(0, 20)), n.body);
  assert.equal(n.tag, `conv-${first.id}`);
  assert.deepEqual(n.actions, ['Accept']);
  // A newer alert for the same conversation replaces it (same tag), never stacks.
  await push(first, 1);
  await page.waitForTimeout(300);
  assert.equal((await notifications(page)).length, 1);
  await clearNotifications(page);

  // While the operator is looking at that very conversation, no duplicate alert. (Headless
  // Chromium has no window focus of its own; DevTools emulates it.)
  await page.bringToFront();
  await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: true });
  await page.locator(`li.row[data-id="${second.id}"] a`).click();
  await page.waitForURL(`${origin}/conversations/${second.id}`);
  await page.locator('article.chat').waitFor();
  await push(second);
  await page.waitForTimeout(500);
  assert.equal((await notifications(page)).length, 0, 'no alert for the chat on screen');
  // Another conversation still alerts.
  await push(first);
  await expectNotifications(page, 1);

  // Clicking Accept claims the conversation and brings Baton to it.
  const [sw] = ctx.serviceWorkers();
  assert.ok(sw, 'the service worker is running');
  await sw.evaluate(async () => {
    const [note] = await self.registration.getNotifications();
    self.dispatchEvent(new NotificationEvent('notificationclick', { notification: note, action: 'accept' }));
  });
  await page.waitForURL(`${origin}/conversations/${first.id}`);
  await page.locator('.chat-state', { hasText: 'With you' }).waitFor();
  assert.equal((await notifications(page)).length, 0, 'the clicked alert is closed');
  await ctx.close();
});
