// The audit log and erasure (issue 15): an admin changes an operator's role and finds the entry
// in `Audit log` (desktop, then a phone), and erases a customer from the contact panel after
// confirming (phone): the conversation is gone from the list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  withBatonAndBrowser, signIn, waitHydrated, shot, waitingCustomerOn, ADMIN, DESKTOP, PHONE,
} from './harness.mjs';

const env = withBatonAndBrowser();

async function adminOn(viewport) {
  const ctx = await env.chrome.browser.newContext({ viewport });
  const page = await ctx.newPage();
  await signIn(page, env.baton.url, ADMIN);
  await waitHydrated(page);
  return { ctx, page };
}

/** No sideways scrolling: the page fits the screen's width. */
async function fitsWidth(page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

test('the audit log shows a role change, with who and from where', async () => {
  const { ctx, page } = await adminOn(DESKTOP);
  await page.getByRole('link', { name: 'Operators' }).click();
  const ben = page.locator('li.person[data-email="ben@baton.demo"]');
  await ben.getByRole('button', { name: 'Make admin' }).click();
  await ben.getByRole('button', { name: 'Make operator' }).waitFor();

  await page.getByRole('link', { name: 'Audit log' }).click();
  await page.getByRole('heading', { name: 'Audit log' }).waitFor();
  const entry = page.locator('li.audit-entry[data-kind="role_changed"]').first();
  await entry.waitFor();
  assert.match(await entry.innerText(), /Role changed/);
  assert.match(await entry.locator('.audit-who').innerText(), /Admin · admin@baton\.demo/);
  assert.match(await entry.innerText(), /127\.0\.0\.1/);
  assert.match(await entry.innerText(), /user:\d+/);
  await entry.getByText('Details').click();
  const details = await entry.locator('pre').innerText();
  assert.match(details, /"before":\{"role":"operator"\}/);
  assert.match(details, /"after":\{"role":"admin"\}/);
  assert.match(details, /ben@baton\.demo/);
  // The newest entry comes first; the sign-in that started this session is below it.
  assert.equal(await page.locator('li.audit-entry').first().getAttribute('data-kind'), 'role_changed');
  assert.ok(await page.locator('li.audit-entry[data-kind="sign_in"]').count() >= 1);

  // Filtered by kind (a GET form, so the address keeps the filter), and the CSV under it.
  await page.getByLabel('Kind').selectOption('role_changed');
  await Promise.all([
    page.waitForURL(/kind=role_changed/),
    page.getByRole('button', { name: 'Filter' }).click(),
  ]);
  await page.locator('li.audit-entry').first().waitFor();
  assert.equal(await page.locator('li.audit-entry[data-kind="sign_in"]').count(), 0);
  const csvHref = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
  assert.match(csvHref, /^\/audit\/export\.csv\?.*kind=role_changed/);
  const csv = await page.evaluate(async (href) => (await fetch(href)).text(), csvHref);
  assert.match(csv.split('\n')[0], /^id,time_utc,actor_id,actor_email/);
  assert.match(csv, /role_changed/);
  assert.doesNotMatch(csv, /,sign_in,/);
  await page.screenshot({ path: shot('desktop-audit-log') });
  await ctx.close();

  // On a phone the same page reads without sideways scrolling.
  const phone = await adminOn(PHONE);
  await phone.page.goto(`${env.baton.url}/audit`);
  await phone.page.locator('li.audit-entry[data-kind="role_changed"]').first().waitFor();
  assert.ok(await fitsWidth(phone.page), 'the audit log fits 390 px');
  await phone.page.screenshot({ path: shot('phone-audit-log') });
  await phone.ctx.close();
});

for (const [size, viewport] of [['phone', PHONE], ['desktop', DESKTOP]]) test(`${size}: an admin erases a contact after confirming; it is gone`, async () => {
  const cust = await waitingCustomerOn(env);
  const { ctx, page } = await adminOn(viewport);
  const row = page.locator('section.group[data-state="waiting"] li.row a').last();
  const name = (await row.locator('.name, .contact-name').first().innerText().catch(() => '')).trim();
  const href = await row.getAttribute('href');
  await row.click();
  await page.locator('article.chat').waitFor();
  await page.getByRole('button', { name: 'Contact', exact: true }).click();
  const panel = page.getByRole('complementary', { name: 'Contact' });
  await panel.getByRole('link', { name: 'Export contact data' }).waitFor();
  await panel.getByRole('button', { name: 'Erase contact' }).click();
  // Nothing is erased before the confirmation.
  const warning = panel.getByRole('alertdialog');
  await warning.getByText('cannot be undone').waitFor();
  await page.screenshot({ path: shot(`${size}-erase-confirm`) });
  await warning.getByRole('button', { name: 'Cancel' }).click();
  await panel.getByRole('button', { name: 'Erase contact' }).click();
  await Promise.all([
    page.waitForURL(`${env.baton.url}/conversations`),
    panel.getByRole('alertdialog').getByRole('button', { name: 'Erase for good' }).click(),
  ]);
  await page.locator('section.group').first().waitFor();
  // The list may still be showing a load that began before the erasure; the erasure's live event
  // refreshes it.
  await page.locator(`a[href="${href}"]`).waitFor({ state: 'detached', timeout: 5000 }).catch(() => {});
  assert.equal(await page.locator(`a[href="${href}"]`).count(), 0, `${name || href} is gone from the list`);
  // Opening it now finds nothing.
  const r = await page.request.post(`${env.baton.url}/api/conversations/open`, {
    form: { id: href.split('/').pop() },
    headers: { origin: env.baton.url },
  });
  assert.equal(r.status(), 404);
  await page.screenshot({ path: shot(`${size}-after-erase`) });

  // The erasure is in the audit log, without the customer's words.
  await page.goto(`${env.baton.url}/audit?kind=contact_erased`);
  const entry = page.locator('li.audit-entry[data-kind="contact_erased"]').first();
  await entry.waitFor();
  assert.match(await entry.innerText(), /Contact erased/);
  await entry.getByText('Details').click();
  assert.doesNotMatch(await entry.innerText(), /humano|hola/);
  await ctx.close();
  await cust.ctx.close();
});
