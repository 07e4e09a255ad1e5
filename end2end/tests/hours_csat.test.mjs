// Business hours and satisfaction surveys, at 390x844 and 1280x800: an admin sets the hours
// (closed today) and switches surveys on in Settings; a widget visitor asking for a person gets
// the out-of-hours reply; the operator closes the conversation, the visitor rates it with the
// widget's buttons, and the operator's chat shows the rating as a history line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  withBatonAndBrowser, signIn, waitHydrated, shot, customerOn, operatorAccepts, ADMIN, PHONE, DESKTOP,
} from './harness.mjs';

const env = withBatonAndBrowser();

const utcDay = (ms) => new Date(ms).toISOString().slice(0, 10);
const CLOSED = 'We are closed right now. Your conversation stays in the queue and we will answer as soon as we open.';

async function adminSettings(viewport, name) {
  const ctx = await env.chrome.browser.newContext({ viewport });
  const page = await ctx.newPage();
  await signIn(page, env.baton.url, ADMIN);
  await page.goto(`${env.baton.url}/settings`, { waitUntil: 'networkidle' });
  await waitHydrated(page);
  const hours = page.getByRole('region', { name: 'Business hours' });
  await hours.getByLabel('Time zone').fill('Europe/Madrid');
  await hours.getByLabel('Monday').fill('09:00-18:00');
  await hours.getByLabel('Saturday').fill('10:00-14:00');
  const now = Date.now();
  await hours.getByLabel('Closed dates').fill(`${utcDay(now - 86_400_000)}\n${utcDay(now)}\n${utcDay(now + 86_400_000)}`);
  await hours.getByRole('button', { name: 'Save business hours' }).click();
  await hours.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  // A bad zone is refused next to its field.
  await hours.getByLabel('Time zone').fill('Mars/Olympus');
  await hours.getByRole('button', { name: 'Save business hours' }).click();
  await hours.getByText('Enter a time zone name such as Europe/Madrid.').waitFor();
  await hours.getByLabel('Time zone').fill('Europe/Madrid');
  await hours.getByRole('button', { name: 'Save business hours' }).click();
  await hours.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  await hours.screenshot({ path: shot(`${name}-business-hours`) });
  // Nothing wider than the screen.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);

  const csat = page.getByRole('region', { name: 'Customer satisfaction' });
  await csat.getByLabel('Ask customers to rate closed conversations').check();
  await csat.getByRole('button', { name: 'Save survey settings' }).click();
  await csat.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  await ctx.close();
}

/** Today's CSAT score and response rate, as an admin reads them on the Analytics page. */
async function csatToday(viewport) {
  const ctx = await env.chrome.browser.newContext({ viewport });
  const page = await ctx.newPage();
  await signIn(page, env.baton.url, ADMIN);
  await page.goto(`${env.baton.url}/analytics?range=today`);
  const summary = page.getByRole('region', { name: 'Summary' });
  const cell = async (name) =>
    (await summary.locator('tr', { has: page.getByRole('rowheader', { name }) }).locator('td').first().innerText()).trim();
  const out = { score: await cell(/^CSAT score/), responses: await cell(/^CSAT response rate/) };
  await ctx.close();
  return out;
}

// The phone's visitor gives 4 stars (positive), the desktop's 2: today's score moves each time.
for (const [name, viewport, stars] of [['phone', PHONE, 4], ['desktop', DESKTOP, 2]]) {
  test(`${name}: out of hours the widget gets the out-of-hours reply, and a rating shows in the chat and moves the CSAT score`, async () => {
    await adminSettings(viewport, name);
    const cust = await customerOn(env, viewport);
    assert.equal(await cust.say('I want to talk to a human please'), CLOSED);

    const { ctx, page } = await operatorAccepts(env, viewport);
    await page.getByRole('button', { name: 'Close conversation' }).click();
    await page.locator('.chat-state[data-owner="closed"]').waitFor();
    // The visitor is asked, with buttons; a press thanks them.
    await cust.page.getByText('How would you rate the help you got?').waitFor({ timeout: 10_000 });
    const before = await csatToday(viewport);
    await cust.page.getByRole('button', { name: `Rate: ${stars} ${'⭐'.repeat(stars)}` }).click();
    await cust.page.getByText('Thanks for your rating!').waitFor();
    await cust.page.screenshot({ path: shot(`${name}-widget-rated`) });
    // The operator sees the rating in the conversation's history, live.
    await page.locator('.msg.system', { hasText: `Customer rated ${stars}/5` }).waitFor({ timeout: 10_000 });
    // Analytics count it at once: the score and the response rate move.
    const after = await csatToday(viewport);
    assert.notEqual(after.score, before.score, JSON.stringify({ before, after }));
    assert.notEqual(after.responses, before.responses, JSON.stringify({ before, after }));
    await page.screenshot({ path: shot(`${name}-chat-rated`) });
    // The conversation stays closed.
    assert.equal(await page.locator('.chat-state').getAttribute('data-owner'), 'closed');
    await ctx.close();
    await cust.ctx.close();
  });
}
