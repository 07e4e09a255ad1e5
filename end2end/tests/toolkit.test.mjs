// The operator's toolkit in the browser: an admin keeps a shared canned reply in Settings; an
// operator on a phone types `/` to use it (the customer's and the operator's names filled in),
// writes a private note that the customer never sees, and the colleague it mentions is told.
// The page title counts the waiting conversations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  withBatonAndBrowser, signIn, waitHydrated, shot, waitingCustomerOn, operatorAccepts, ADMIN, PHONE, DESKTOP,
} from './harness.mjs';

const env = withBatonAndBrowser();
const BEN = { email: 'ben@baton.demo', password: 'baton-operator-ben' };

test('canned replies, private notes and mentions', async () => {
  // An admin adds a shared reply on a desktop.
  const adminCtx = await env.chrome.browser.newContext({ viewport: DESKTOP });
  const admin = await adminCtx.newPage();
  await signIn(admin, env.baton.url, ADMIN);
  await admin.goto(`${env.baton.url}/settings`);
  await waitHydrated(admin);
  const editor = admin.getByRole('region', { name: 'Shared canned replies' });
  await editor.getByLabel('Shortcut').fill('hola');
  await editor.getByLabel('Text').fill('Hola {{name}}, soy {{agent}}. ¿En qué te ayudo?');
  await editor.getByRole('button', { name: 'Add reply' }).click();
  await editor.locator('.canned-item', { hasText: '/hola' }).waitFor();
  await editor.scrollIntoViewIfNeeded();
  await admin.screenshot({ path: shot('desktop-canned-replies') });
  await adminCtx.close();

  // Ben is signed in elsewhere: the title counts who waits, and he will be mentioned.
  const benCtx = await env.chrome.browser.newContext({ viewport: PHONE });
  const ben = await benCtx.newPage();
  await signIn(ben, env.baton.url, BEN);
  await waitHydrated(ben);

  const cust = await waitingCustomerOn(env);
  await ben.waitForFunction(() => /^\(\d+\) Baton$/.test(document.title), null, { timeout: 10_000 });

  const { ctx, page } = await operatorAccepts(env);

  // `/` opens the replies; Enter puts the chosen one in, names filled in (a web visitor has none).
  const composer = page.getByRole('textbox', { name: 'Message' });
  await composer.fill('/ho');
  const list = page.getByRole('listbox', { name: 'Canned replies' });
  await list.getByRole('option', { name: /\/hola/ }).waitFor();
  await page.screenshot({ path: shot('phone-canned-list') });
  await composer.press('Enter');
  assert.match(await composer.inputValue(), /^Hola, soy Ana[^{]*\. ¿En qué te ayudo\?$/);
  const before = await cust.replies.count();
  await composer.press('Enter');
  assert.match(await cust.nextReply(before), /Hola, soy Ana/);

  // A private note: shown to operators in its own style, never to the customer.
  await page.getByRole('switch', { name: 'Note' }).check();
  const noteBox = page.getByRole('textbox', { name: 'Private note' });
  await noteBox.fill('@Ben can you check the invoice?');
  await noteBox.press('Enter');
  await page.locator('.msg.note', { hasText: '@Ben can you check the invoice?' }).waitFor();
  await page.screenshot({ path: shot('phone-note') });
  await page.waitForTimeout(500);
  assert.equal(await cust.replies.count(), before + 1, 'the customer got the reply and not the note');
  assert.equal(await cust.page.getByText('can you check the invoice').count(), 0);

  // Ben is told, and goes there.
  const banner = ben.locator('.banner.mention');
  await banner.waitFor({ timeout: 10_000 });
  assert.match(await banner.innerText(), /Ana mentioned you/);
  await banner.getByRole('link', { name: 'Open' }).click();
  await ben.locator('.msg.note', { hasText: 'check the invoice' }).waitFor();
  await ben.screenshot({ path: shot('phone-mention') });

  await benCtx.close();
  await ctx.close();
  await cust.ctx.close();
});
