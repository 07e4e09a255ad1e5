// Takes the README's screenshots from a running Baton in demo mode (scripts/run.sh):
//   node end2end/tools/readme-shots.mjs [http://127.0.0.1:3000]
// Writes docs/screenshots/*.png. Not a test: it only drives the real UI and captures it.
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, signIn, waitHydrated, ADMIN, OPERATOR, PHONE, DESKTOP } from '../tests/harness.mjs';

const base = process.argv[2] || 'http://127.0.0.1:3000';
const out = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'screenshots');
mkdirSync(out, { recursive: true });
const chrome = await launchBrowser();

async function shoot(viewport, name, go) {
  const ctx = await chrome.browser.newContext({ viewport });
  const page = await ctx.newPage();
  await go(page);
  await page.screenshot({ path: join(out, `${name}.png`) });
  await ctx.close();
}

await shoot(PHONE, 'phone-sign-in', async (p) => {
  await p.goto(`${base}/login`);
  await p.getByLabel('Email').fill(ADMIN.email);
});
for (const [size, vp] of [['phone', PHONE], ['desktop', DESKTOP]]) {
  await shoot(vp, `${size}-conversations`, async (p) => {
    await signIn(p, base, ADMIN);
    await waitHydrated(p);
    await p.waitForSelector('.conn[data-state="live"]');
  });
  await shoot(vp, `${size}-scenarios`, async (p) => {
    await signIn(p, base, ADMIN);
    await p.goto(`${base}/scenarios`);
    await waitHydrated(p);
    await p.getByLabel('Customer message').fill('¿A qué hora abren?');
    await p.getByRole('button', { name: 'Try', exact: true }).click();
    await p.locator('.try-result').waitFor();
  });
}
// The chat: an operator in her conversation on a phone; an admin reading a waiting one on a desktop.
await shoot(PHONE, 'phone-chat', async (p) => {
  await signIn(p, base, OPERATOR);
  await waitHydrated(p);
  await p.locator('section.group[data-state="assigned"] li.row a').first().click();
  await p.locator('article.chat').waitFor();
  await p.getByRole('textbox', { name: 'Message' }).fill('Listo, ya te envío la factura corregida.');
});
await shoot(DESKTOP, 'desktop-chat', async (p) => {
  await signIn(p, base, ADMIN);
  await waitHydrated(p);
  await p.locator('section.group[data-state="waiting"] li.row a').first().click();
  await p.locator('article.chat').waitFor();
  await p.waitForSelector('.conn[data-state="live"]');
});
await shoot(PHONE, 'phone-widget', async (p) => {
  await p.goto(`${base}/demo`);
  await p.getByRole('button', { name: 'Open chat' }).click();
  for (const text of ['hola', 'quiero hablar con un humano']) {
    const n = await p.locator('.bw-bot').count();
    await p.getByLabel('Type your message').fill(text);
    await p.getByRole('button', { name: 'Send' }).click();
    await p.locator('.bw-bot').nth(n).waitFor();
  }
});
await chrome.close();
console.log(`screenshots written to ${out}`);
