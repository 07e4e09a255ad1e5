// Two Baton processes on one PostgreSQL database, joined through RabbitMQ: the operator console
// open on instance B updates live for a customer who asks for a human on instance A.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { startBaton, launchBrowser, signIn, waitHydrated, shot, ADMIN, OPERATOR, PHONE, DESKTOP } from './harness.mjs';

const PG = process.env.BATON_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const BROKER = process.env.BATON_TEST_BROKER_URL ?? 'amqp://guest:guest@127.0.0.1:5672/%2f';
const skip = !BROKER || !process.env.BATON_TEST_POSTGRES_URL
  ? 'needs PostgreSQL and RabbitMQ (BATON_TEST_POSTGRES_URL, BATON_TEST_BROKER_URL)'
  : false;
if (skip && process.env.CI === 'true') throw new Error(`CI=true but the cluster browser test ${skip}`);

const env = {};
const db = `baton_t_e2e_${randomBytes(6).toString('hex')}`;
const psql = (sql) => execFileSync('psql', [PG, '-qc', sql]);

before(async () => {
  if (skip) return;
  psql(`CREATE DATABASE ${db}`);
  const databaseUrl = `${PG.replace(/\/[^/]*$/, '')}/${db}`;
  // A first (it creates the demo data), then B on the same database.
  env.a = await startBaton({ databaseUrl, env: { BATON_BROKER_URL: BROKER, BATON_INSTANCE_ID: 'e2e-a' } });
  env.b = await startBaton({ databaseUrl, env: { BATON_BROKER_URL: BROKER, BATON_INSTANCE_ID: 'e2e-b' } });
  env.chrome = await launchBrowser();
});

after(async () => {
  await env.chrome?.close();
  await env.a?.stop();
  await env.b?.stop();
  if (!skip) psql(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
});

test('phone: the console on instance B shows, live, a customer escalated on instance A', { skip }, async () => {
  const ctx = await env.chrome.browser.newContext({ viewport: PHONE });
  const page = await ctx.newPage();
  await signIn(page, env.b.url, OPERATOR);
  await waitHydrated(page);
  await page.waitForSelector('.conn[data-state="live"]');
  const waiting = page.locator('section.group[data-state="waiting"]');
  const before = await waiting.locator('li.row').count();

  // A customer on instance A's demo shop asks for a person.
  const shop = await env.chrome.browser.newContext({ viewport: PHONE });
  const widget = await shop.newPage();
  await widget.goto(`${env.a.url}/demo`);
  await widget.getByRole('button', { name: 'Open chat' }).click();
  await widget.getByLabel('Type your message').fill('quiero hablar con un humano');
  await widget.getByRole('button', { name: 'Send' }).click();
  await widget.getByText('Enseguida te comunico con alguien de nuestro equipo.').waitFor({ timeout: 10_000 });

  // B's list grows by one waiting conversation without a reload.
  await waiting.locator('li.row').nth(before).waitFor({ timeout: 10_000 });
  assert.equal(await waiting.locator('li.row').count(), before + 1);
  await page.screenshot({ path: shot('phone-cluster-live') });
  await shop.close();
  await ctx.close();
});

test('desktop: the monitoring page lists both instances and the broker', { skip }, async () => {
  const ctx = await env.chrome.browser.newContext({ viewport: DESKTOP });
  const page = await ctx.newPage();
  await signIn(page, env.a.url, ADMIN);
  await page.goto(`${env.a.url}/monitoring`);
  const list = page.locator('.instance-list li');
  await list.nth(1).waitFor({ timeout: 10_000 });
  assert.match(await list.nth(0).innerText(), /^e2e-a \(this page\) · up/);
  assert.match(await list.nth(1).innerText(), /^e2e-b · up/);
  assert.equal(await page.locator('.instances').getAttribute('data-broker'), 'connected');
  await page.screenshot({ path: shot('desktop-monitoring-cluster'), fullPage: true });
  await ctx.close();
});
