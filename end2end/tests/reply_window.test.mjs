// WhatsApp's 24-hour customer service window on a phone: an admin adds a template in Settings, a
// WhatsApp customer who last wrote more than a day ago is accepted, the chat shows the closed
// window and offers only templates, and `Send template` sends one with its parameters filled,
// as a template message at a local stand-in of the Graph API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHmac } from 'node:crypto';
import {
  startBaton, launchBrowser, signIn, waitHydrated, shot, ADMIN, OPERATOR, PHONE,
} from './harness.mjs';

const APP_SECRET = 'e2e-wa-secret';
const PHONE_NUMBER_ID = '106540352242922';
const CUSTOMER = '34611222333';
const HOUR = 3600;

/** A local Graph API: records every request and answers each with a new message id. */
function startGraph() {
  const requests = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      let json = null;
      try { json = JSON.parse(body); } catch { /* not JSON */ }
      requests.push({ path: req.url, authorization: req.headers.authorization, json });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ messaging_product: 'whatsapp', messages: [{ id: `wamid.OUT${requests.length}` }] }));
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({
      url: `http://127.0.0.1:${server.address().port}`,
      requests,
      close: () => new Promise((r) => server.close(r)),
    }));
  });
}

const env = {};
before(async () => {
  env.graph = await startGraph();
  env.baton = await startBaton({
    env: {
      BATON_WHATSAPP_VERIFY_TOKEN: 'e2e-verify',
      BATON_WHATSAPP_APP_SECRET: APP_SECRET,
      BATON_WHATSAPP_ACCESS_TOKEN: 'e2e-wa-token',
      BATON_WHATSAPP_API_BASE: env.graph.url,
    },
  });
  env.chrome = await launchBrowser();
});
after(async () => {
  await env.chrome?.close();
  await env.baton?.stop();
  await env.graph?.close();
});

/** A signed WhatsApp webhook: a text from the customer sent `hoursAgo` by WhatsApp's clock. */
async function customerWrote(id, text, hoursAgo) {
  const body = JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: '1', changes: [{ field: 'messages', value: {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_NUMBER_ID },
      contacts: [{ profile: { name: 'Rosa Vidal' }, wa_id: CUSTOMER }],
      messages: [{
        from: CUSTOMER, id, type: 'text', text: { body: text },
        timestamp: String(Math.floor(Date.now() / 1000) - hoursAgo * HOUR),
      }],
    } }] }],
  });
  const signature = `sha256=${createHmac('sha256', APP_SECRET).update(body).digest('hex')}`;
  const r = await fetch(`${env.baton.url}/webhooks/whatsapp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
    body,
  });
  assert.equal(r.status, 200);
}

async function until(what, check) {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('phone: past the 24-hour window the chat offers only templates, and Send template sends one', async () => {
  // The customer wrote yesterday and asked for a person; the bot answered both at the time.
  await customerWrote('wamid.e2e.1', 'hola', 26);
  await customerWrote('wamid.e2e.2', 'quiero hablar con un humano', 25);
  await until('the bot answered both', async () => env.graph.requests.length >= 2);

  // An admin adds the approved template in Settings (a phone works too).
  const adminCtx = await env.chrome.browser.newContext({ viewport: PHONE });
  const admin = await adminCtx.newPage();
  await signIn(admin, env.baton.url, ADMIN);
  await admin.goto(`${env.baton.url}/settings`);
  await waitHydrated(admin);
  const section = admin.locator('section.templates');
  await section.getByLabel('Name').fill('Pedido Enviado');
  await section.getByLabel('Language code').fill('es');
  await section.getByLabel('Category').selectOption('UTILITY');
  await section.getByLabel('Body').fill('Hola {{1}}, tu pedido {{2}} ya salió.');
  await section.getByRole('button', { name: 'Add template' }).click();
  // Meta's naming rule, explained next to the field.
  const nameField = section.locator('label.field', { hasText: 'Name' });
  await nameField.locator('.field-error').waitFor();
  assert.match(await nameField.locator('.field-error').innerText(), /lowercase letters, digits and underscores/);
  await section.getByLabel('Name').fill('pedido_enviado');
  await section.getByRole('button', { name: 'Add template' }).click();
  await section.locator('li.template[data-name="pedido_enviado"]').waitFor();
  await adminCtx.close();

  // Ana accepts the conversation on her phone.
  const ctx = await env.chrome.browser.newContext({ viewport: PHONE });
  const page = await ctx.newPage();
  await signIn(page, env.baton.url, OPERATOR);
  await waitHydrated(page);
  const row = page.locator('section.group[data-state="waiting"] li.row', { hasText: 'Rosa Vidal' });
  await row.locator('a').click();
  await page.waitForURL(/\/conversations\/\d+/);
  await page.locator('article.chat').waitFor();
  await page.getByRole('button', { name: 'Accept' }).click();
  await page.locator('.msg.system', { hasText: 'Accepted by Ana' }).waitFor();

  // The window closed a day after her last message: a banner, and no free-form composer.
  await page.getByText('The 24-hour reply window has closed').waitFor();
  assert.equal(await page.getByRole('textbox', { name: 'Message' }).count(), 0);

  await page.getByRole('button', { name: 'Send template' }).click();
  await page.getByLabel('Template').selectOption({ label: 'pedido_enviado · es' });
  await page.getByLabel('Parameter 1').fill('Rosa');
  await page.getByLabel('Parameter 2').fill('#5521');
  const preview = page.locator('.template-preview');
  assert.match(await preview.innerText(), /Hola Rosa, tu pedido #5521 ya salió\./);
  await page.screenshot({ path: shot('phone-template-picker') });
  await page.getByRole('button', { name: 'Send to customer', exact: true }).click();

  // Stored as Ana's message with the filled text, sent as a WhatsApp template.
  const sent = page.locator('.msg.operator', { hasText: 'Hola Rosa, tu pedido #5521 ya salió.' });
  await sent.waitFor();
  await page.locator('.msg.operator[data-status="sent"]', { hasText: 'Hola Rosa' }).waitFor({ timeout: 10_000 });
  assert.equal(await page.locator('.template-picker').count(), 0, 'the picker closes after sending');
  const templates = env.graph.requests.filter((r) => r.json?.type === 'template');
  assert.equal(templates.length, 1);
  assert.equal(templates[0].path, `/${PHONE_NUMBER_ID}/messages`);
  assert.deepEqual(templates[0].json, {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to: CUSTOMER,
    type: 'template',
    template: {
      name: 'pedido_enviado',
      language: { code: 'es' },
      components: [{ type: 'body', parameters: [{ type: 'text', text: 'Rosa' }, { type: 'text', text: '#5521' }] }],
    },
  });
  await page.screenshot({ path: shot('phone-template-sent') });

  // The customer answers: the window reopens and the composer is back.
  await customerWrote('wamid.e2e.3', '¡Gracias!', 0);
  await page.locator('.msg.customer', { hasText: '¡Gracias!' }).waitFor();
  await page.getByRole('textbox', { name: 'Message' }).waitFor();
  assert.equal(await page.getByText('The 24-hour reply window has closed').count(), 0);
  await ctx.close();
});
