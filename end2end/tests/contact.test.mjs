// The contact panel and typing, on a phone: the operator sees the widget visitor typing and the
// visitor sees the operator typing; after the conversation is closed and the visitor comes back,
// `Contact` shows the earlier conversation (openable), and a name and notes the operator keeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  withBatonAndBrowser, signIn, waitHydrated, shot, waitingCustomerOn, operatorAccepts, OPERATOR, DESKTOP,
} from './harness.mjs';

const env = withBatonAndBrowser();

test('typing both ways, then the contact panel with the earlier conversation', async () => {
  const cust = await waitingCustomerOn(env);
  const { ctx, page } = await operatorAccepts(env);

  // The visitor types (without sending), key by key for a few seconds (the widget says so at most
  // every 2.5 s, and it said so while they typed their last message): the operator sees it.
  await cust.page.getByLabel('Type your message').pressSequentially('un momento, busco el número', { delay: 120 });
  await page.locator('p.typing', { hasText: 'is typing' }).waitFor({ timeout: 10_000 });
  await page.screenshot({ path: shot('phone-customer-typing') });
  // The operator types: the visitor sees their name.
  await page.getByRole('textbox', { name: 'Message' }).fill('Claro, te espero');
  await cust.page.locator('.bw-typing', { hasText: 'Ana is typing' }).waitFor({ timeout: 10_000 });
  const before = await cust.replies.count();
  await page.getByRole('textbox', { name: 'Message' }).press('Enter');
  assert.match(await cust.nextReply(before), /Claro, te espero/);
  assert.equal(await cust.page.locator('.bw-typing').innerText(), '', 'the reply ends the typing line');

  // Closed; the visitor comes back with something else.
  await page.getByRole('button', { name: 'Close conversation' }).click();
  await page.locator('.chat-state[data-owner="closed"]').waitFor();
  await cust.page.getByLabel('Type your message').fill('otra pregunta');
  await cust.page.getByRole('button', { name: 'Send' }).click();
  await page.locator('.chat-state[data-owner="bot"]').waitFor({ timeout: 10_000 });

  // The panel lists the earlier conversation; it opens on what the customer said then.
  await page.getByRole('button', { name: 'Contact', exact: true }).click();
  const panel = page.getByRole('complementary', { name: 'Contact' });
  const past = panel.getByRole('region', { name: 'Previous conversations' });
  const item = past.getByRole('button', { name: /“hola”/ });
  await item.waitFor({ timeout: 10_000 });
  assert.equal(await past.getByRole('button').count(), 1, 'one earlier conversation');
  assert.match(await item.innerText(), /With Ana/);
  await page.screenshot({ path: shot('phone-contact-panel') });
  await item.click();
  const transcript = past.getByRole('list', { name: 'Messages of that conversation' });
  await transcript.getByText('Claro, te espero').waitFor();
  assert.equal(await transcript.getByText('otra pregunta').count(), 0, 'only that conversation');
  await page.screenshot({ path: shot('phone-contact-past') });
  await past.getByRole('button', { name: 'All previous conversations' }).click();

  // A name and notes, kept for every operator; the chat's header follows.
  await panel.getByLabel('Name', { exact: true }).fill('Lucía (shop visitor)');
  await panel.getByLabel('Notes about this contact').fill('Asked about order 1182 twice.');
  await panel.getByRole('button', { name: 'Save contact' }).click();
  await panel.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
  await page.locator('#chat-title', { hasText: 'Lucía (shop visitor)' }).waitFor();
  await ctx.close();

  // On a desktop the panel sits beside the messages.
  const desk = await env.chrome.browser.newContext({ viewport: DESKTOP });
  const dp = await desk.newPage();
  await signIn(dp, env.baton.url, OPERATOR);
  await waitHydrated(dp);
  await dp.getByRole('link', { name: /Lucía \(shop visitor\)/ }).first().click();
  await dp.locator('article.chat').waitFor();
  await dp.getByRole('button', { name: 'Contact', exact: true }).click();
  const notes = dp.getByRole('complementary', { name: 'Contact' }).getByLabel('Notes about this contact');
  await notes.waitFor();
  assert.equal(await notes.inputValue(), 'Asked about order 1182 twice.');
  await dp.screenshot({ path: shot('desktop-contact-panel') });
  await desk.close();
  await cust.ctx.close();
});
