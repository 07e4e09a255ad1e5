// The console in Spanish: a Spanish phone gets Spanish from the first byte (server-rendered, before
// any JavaScript), signs in, finds the waiting customer in its group and accepts; the history line
// reads in each reader's language; and a person's own choice on the Account page wins over the
// browser's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  withBatonAndBrowser, signIn, waitHydrated, shot, waitingCustomerOn, SIGN_IN_WORDS, ADMIN,
  OPERATOR, PHONE, DESKTOP,
} from './harness.mjs';

const env = withBatonAndBrowser();
const CONFIRMATION = 'Enseguida te comunico con alguien de nuestro equipo.';

test('a Spanish phone signs in, finds the waiting customer and accepts, all in Spanish', async () => {
  const cust = await waitingCustomerOn(env);
  const ctx = await env.chrome.browser.newContext({ viewport: PHONE, locale: 'es-MX' });
  const page = await ctx.newPage();

  // Without JavaScript the server already speaks Spanish.
  const nojs = await env.chrome.browser.newContext({ viewport: PHONE, locale: 'es-MX', javaScriptEnabled: false });
  const plain = await nojs.newPage();
  await plain.goto(`${env.baton.url}/login`);
  for (const label of ['Correo electrónico', 'Contraseña']) await plain.getByLabel(label).waitFor();
  await plain.getByRole('button', { name: 'Entrar' }).waitFor();
  assert.equal(await plain.locator('html').getAttribute('lang'), 'es');
  await nojs.close();
  await signIn(page, env.baton.url, OPERATOR, SIGN_IN_WORDS.es);
  await waitHydrated(page);
  assert.equal(await page.locator('html').getAttribute('lang'), 'es');

  // The groups, the navigation and the live indicator are Spanish.
  const first = page.locator('section.group').first();
  assert.equal(await first.getAttribute('data-state'), 'waiting');
  assert.equal((await first.locator('h2 span').first().textContent()).trim(), 'Esperando operador');
  await page.getByRole('link', { name: 'Chats' }).first().waitFor();
  await page.screenshot({ path: shot('phone-es-list') });

  const row = page.locator('section.group[data-state="waiting"] li.row', { hasText: CONFIRMATION }).last();
  await row.locator('a').click();
  await page.waitForURL(/\/conversations\/\d+/);
  await page.getByRole('button', { name: 'Aceptar' }).click();
  await page.locator('.msg.system', { hasText: 'Aceptada por Ana' }).waitFor();
  const composer = page.getByRole('textbox', { name: 'Mensaje' });
  await composer.fill('Hola, soy Ana.');
  const before = await cust.replies.count();
  await page.getByRole('button', { name: 'Enviar' }).click();
  assert.equal(await cust.nextReply(before), 'Ana\nHola, soy Ana.');
  await page.screenshot({ path: shot('phone-es-chat') });
  const chatUrl = page.url();

  // An English reader of the same conversation reads the same line in English.
  const en = await env.chrome.browser.newContext({ viewport: DESKTOP, locale: 'en-US' });
  const admin = await en.newPage();
  await signIn(admin, env.baton.url, ADMIN);
  await admin.goto(chatUrl);
  await admin.locator('.msg.system', { hasText: 'Accepted by Ana' }).waitFor();
  assert.equal(await admin.locator('.msg.system', { hasText: 'Aceptada' }).count(), 0);
  await Promise.all([en.close(), ctx.close(), cust.ctx.close()]);
});

test('a person who chooses a language on the Account page keeps it on any browser', async () => {
  const ctx = await env.chrome.browser.newContext({ viewport: DESKTOP, locale: 'en-US' });
  const page = await ctx.newPage();
  await signIn(page, env.baton.url, ADMIN);
  await waitHydrated(page);
  await page.goto(`${env.baton.url}/account`);
  await waitHydrated(page);
  await page.getByLabel('Interface language').selectOption('es');
  // The page switches in place, without a reload.
  await page.getByRole('heading', { name: 'Idioma' }).waitFor();
  await page.getByRole('link', { name: 'Chats' }).first().waitFor();
  await page.screenshot({ path: shot('desktop-es-account') });
  await page.reload();
  await page.getByRole('heading', { name: 'Idioma' }).waitFor();

  // Another English browser: signing in brings her choice with her.
  const other = await env.chrome.browser.newContext({ viewport: PHONE, locale: 'en-GB' });
  const phone = await other.newPage();
  await signIn(phone, env.baton.url, ADMIN);
  await phone.getByRole('link', { name: 'Chats' }).first().waitFor();

  // Back to the browser's language.
  await page.getByLabel('Idioma de la interfaz').selectOption('');
  await page.getByRole('heading', { name: 'Language' }).waitFor({ timeout: 15_000 });
  await Promise.all([ctx.close(), other.close()]);
});

test('phone: the widget speaks the visitor\'s language (Spanish browser)', async () => {
  const ctx = await env.chrome.browser.newContext({ viewport: PHONE, locale: 'es-MX' });
  const page = await ctx.newPage();
  await page.goto(`${env.baton.url}/demo`);
  await page.getByRole('button', { name: 'Abrir chat' }).click();
  const input = page.getByLabel('Escribe tu mensaje');
  assert.equal(await input.getAttribute('placeholder'), 'Escribe tu mensaje…');
  await input.fill('hola');
  await page.getByRole('button', { name: 'Enviar' }).click();
  await page.locator('.bw-bot').first().waitFor({ timeout: 10_000 });
  await page.getByRole('button', { name: 'Cerrar chat' }).first().waitFor();
  await ctx.close();
});
