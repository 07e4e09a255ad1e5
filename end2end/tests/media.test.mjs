// Media in the operator's chat on a phone (390x844): a WhatsApp customer's voice note is fetched
// from a local stand-in of the Graph API, transcribed by a local stand-in of the transcription
// endpoint (the spoken "operador" hands it to a person), and plays in the chat with its
// transcript under it; the customer's photo shows inline and enlarges; and an operator attaches
// an image that the web widget's visitor sees, and the visitor attaches one the operator sees.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHmac } from 'node:crypto';
import { deflateSync, crc32 } from 'node:zlib';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startBaton, launchBrowser, signIn, waitHydrated, shot, customerOn, OPERATOR, PHONE, SIGN_IN_WORDS,
} from './harness.mjs';

const APP_SECRET = 'e2e-wa-secret';
const PHONE_NUMBER_ID = '106540352242922';
const CUSTOMER = '34611222444';

/** A `w`x`h` PNG in two colours (a real image the browser decodes). */
function png(w, h) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; ihdr[9] = 2; // 8-bit RGB
  const rows = [];
  for (let y = 0; y < h; y++) {
    const row = Buffer.alloc(1 + w * 3);
    for (let x = 0; x < w; x++) {
      const warm = (x + y) % 40 < 20;
      row.set(warm ? [230, 120, 40] : [40, 110, 200], 1 + x * 3);
    }
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** One second of a 440 Hz tone as 16-bit mono WAV (a file Chromium plays). */
function wav() {
  const rate = 8000;
  const n = rate;
  const data = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) data.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), i * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0); h.writeUInt32LE(36 + data.length, 4); h.write('WAVE', 8);
  h.write('fmt ', 12); h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24); h.writeUInt32LE(rate * 2, 28); h.writeUInt16LE(2, 32); h.writeUInt16LE(16, 34);
  h.write('data', 36); h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

const FILES = {
  VOICE1: { mime: 'audio/wav', bytes: wav() },
  PHOTO1: { mime: 'image/png', bytes: png(240, 160) },
};

/** Local Graph API and transcription endpoint: media lookups, files (bearer checked), sends. */
function startApis() {
  const requests = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const base = `http://127.0.0.1:${server.address().port}`;
      requests.push({ method: req.method, path: req.url, authorization: req.headers.authorization });
      const json = (v) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify(v)); };
      const authed = req.headers.authorization === 'Bearer e2e-wa-token';
      if (req.url === '/v1/audio/transcriptions') return json({ text: 'Hola, quiero hablar con un operador, por favor' });
      const file = req.url.match(/^\/files\/(\w+)$/);
      if (req.method === 'GET' && file && FILES[file[1]] && authed) {
        res.writeHead(200, { 'content-type': FILES[file[1]].mime });
        return res.end(FILES[file[1]].bytes);
      }
      const lookup = req.url.match(/^\/(\w+)$/);
      if (req.method === 'GET' && lookup && FILES[lookup[1]] && authed) {
        return json({ url: `${base}/files/${lookup[1]}`, mime_type: FILES[lookup[1]].mime, id: lookup[1] });
      }
      if (req.method === 'POST') return json({ messaging_product: 'whatsapp', id: 'UP1', messages: [{ id: `wamid.OUT${requests.length}` }] });
      res.writeHead(404);
      res.end();
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

function webhook(id, type, media) {
  const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'messages', value: {
    messaging_product: 'whatsapp',
    metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_NUMBER_ID },
    contacts: [{ profile: { name: 'Marta Voz' }, wa_id: CUSTOMER }],
    messages: [{ from: CUSTOMER, id, timestamp: String(Math.floor(Date.now() / 1000)), type, [type]: media }],
  } }] }] });
  const signature = 'sha256=' + createHmac('sha256', APP_SECRET).update(body).digest('hex');
  return { body, signature };
}

const env = {};
before(async () => {
  env.apis = await startApis();
  env.mediaDir = mkdtempSync(join(tmpdir(), 'baton-media-e2e-'));
  env.baton = await startBaton({
    env: {
      BATON_WHATSAPP_VERIFY_TOKEN: 'e2e-verify',
      BATON_WHATSAPP_APP_SECRET: APP_SECRET,
      BATON_WHATSAPP_ACCESS_TOKEN: 'e2e-wa-token',
      BATON_WHATSAPP_API_BASE: env.apis.url,
      BATON_TRANSCRIBE_URL: `${env.apis.url}/v1/audio/transcriptions`,
      BATON_MEDIA_DIR: env.mediaDir,
    },
  });
  env.chrome = await launchBrowser();
});
after(async () => {
  await env.chrome?.close();
  await env.baton?.stop();
  await env.apis?.close();
  rmSync(env.mediaDir, { recursive: true, force: true });
});

async function post(w) {
  const r = await fetch(`${env.baton.url}/webhooks/whatsapp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': w.signature },
    body: w.body,
  });
  assert.equal(r.status, 200);
}

test('a voice note plays with its transcript, a photo shows, and images go both ways with the widget', async () => {
  await post(webhook('wamid.voice1', 'audio', { id: 'VOICE1', mime_type: 'audio/wav', voice: true }));
  await post(webhook('wamid.photo1', 'image', { id: 'PHOTO1', mime_type: 'image/png', caption: 'Así llegó la caja' }));

  const ctx = await env.chrome.browser.newContext({ viewport: PHONE });
  const page = await ctx.newPage();
  await signIn(page, env.baton.url, OPERATOR);
  await waitHydrated(page);
  // The spoken "operador" (read from the transcript) put the conversation in the queue.
  const row = page.locator('section.group[data-state="waiting"] li.row', { hasText: 'Marta Voz' });
  await row.waitFor({ timeout: 15_000 });
  await row.locator('a').first().click();
  await page.locator('article.chat').waitFor();

  // The voice note: a player that can play, and the transcript under it.
  const transcript = page.locator('.media-audio .transcript-text');
  await transcript.waitFor({ timeout: 15_000 });
  assert.equal(await transcript.innerText(), 'Hola, quiero hablar con un operador, por favor');
  const audio = page.locator('.media-audio audio');
  const played = await audio.evaluate(async (a) => {
    const result = await a.play().then(() => 'playing', (e) => e.name);
    await new Promise((r) => setTimeout(r, 300));
    return { result, readyState: a.readyState, error: a.error && a.error.code, duration: a.duration };
  });
  assert.equal(played.error, null, 'the audio loaded without an error');
  assert.ok(played.readyState >= 2, `the audio has data to play (readyState ${played.readyState})`);
  assert.equal(played.result, 'playing');
  assert.ok(played.duration > 0.9 && played.duration < 1.1, `one second of audio (${played.duration})`);

  // The photo: decoded, with its caption; a tap enlarges it.
  const img = page.locator('.media-image img');
  await img.waitFor();
  await page.waitForFunction(() => document.querySelector('.media-image img')?.naturalWidth > 0);
  assert.equal(await img.evaluate((i) => i.naturalWidth), 240);
  await page.locator('.msg', { hasText: 'Así llegó la caja' }).waitFor();
  await page.getByRole('link', { name: 'Enlarge the image' }).click();
  const overlay = page.getByRole('dialog', { name: 'Image' });
  await overlay.waitFor();
  await page.screenshot({ path: shot('phone-media-enlarged') });
  await overlay.getByRole('button', { name: 'Close' }).click();
  await overlay.waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Accept' }).click();
  await page.locator('.msg.system', { hasText: 'Accepted by' }).waitFor();
  await page.locator('.media-audio').scrollIntoViewIfNeeded();
  await page.screenshot({ path: shot('phone-media-chat') });

  // The same chat in Spanish.
  const es = await env.chrome.browser.newContext({ viewport: PHONE, locale: 'es-ES' });
  const esPage = await es.newPage();
  await signIn(esPage, env.baton.url, OPERATOR, SIGN_IN_WORDS.es);
  await esPage.goto(page.url());
  await waitHydrated(esPage);
  await esPage.locator('.media-audio .transcript-label', { hasText: 'Transcripción' }).waitFor();
  await esPage.locator('.media-audio').scrollIntoViewIfNeeded();
  await esPage.screenshot({ path: shot('phone-es-media-chat') });
  await es.close();

  // A web visitor asks for a person; the operator accepts and attaches an image.
  const cust = await customerOn(env);
  await cust.say('hola');
  await cust.say('quiero hablar con un humano');
  await page.goto(`${env.baton.url}/conversations`);
  await waitHydrated(page);
  await page.locator('section.group[data-state="waiting"] li.row a').last().click();
  await page.locator('article.chat').waitFor();
  await page.getByRole('button', { name: 'Accept' }).click();
  await page.locator('.msg.system', { hasText: 'Accepted by' }).waitFor();
  const [chooser] = await Promise.all([
    page.waitForEvent('filechooser'),
    page.getByRole('button', { name: 'Attach' }).click(),
  ]);
  await chooser.setFiles({ name: 'pedido.png', mimeType: 'image/png', buffer: png(200, 120) });
  await page.getByText('Attached: pedido.png').waitFor();
  await page.getByRole('textbox', { name: 'Message' }).fill('Aquí tienes la foto del pedido');
  await page.screenshot({ path: shot('phone-media-attach') });
  await page.getByRole('textbox', { name: 'Message' }).press('Enter');
  await page.locator('.msg.operator .media-image img').waitFor();

  // The visitor sees it, decoded, with its caption.
  const seen = cust.page.locator('.bw-operator img.bw-img');
  await seen.waitFor({ timeout: 10_000 });
  await cust.page.waitForFunction(() => document.querySelector('.bw-operator img.bw-img')?.naturalWidth > 0);
  assert.equal(await seen.evaluate((i) => i.naturalWidth), 200);
  await cust.page.locator('.bw-operator', { hasText: 'Aquí tienes la foto del pedido' }).waitFor();
  await cust.page.screenshot({ path: shot('phone-widget-media') });
  await page.screenshot({ path: shot('phone-media-sent') });

  // The visitor attaches a photo with the widget's `Attach`; the operator sees it in the chat.
  const [visitorChooser] = await Promise.all([
    cust.page.waitForEvent('filechooser'),
    cust.page.getByRole('button', { name: 'Attach' }).click(),
  ]);
  await visitorChooser.setFiles({ name: 'roto.png', mimeType: 'image/png', buffer: png(160, 100) });
  await cust.page.locator('.bw-customer img.bw-img').waitFor({ timeout: 10_000 });
  const fromVisitor = page.locator('.msg.customer .media-image img');
  await fromVisitor.waitFor({ timeout: 10_000 });
  await page.waitForFunction(() => document.querySelector('.msg.customer .media-image img')?.naturalWidth > 0);
  assert.equal(await fromVisitor.evaluate((i) => i.naturalWidth), 160);

  await cust.ctx.close();
  await ctx.close();
});
