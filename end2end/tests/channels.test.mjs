// The web chat widget on /demo, and the scenario editor, as people use them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBatonAndBrowser, signIn, waitHydrated, shot, ADMIN, OPERATOR, PHONE, DESKTOP } from './harness.mjs';

const env = withBatonAndBrowser();

async function widgetSay(page, text) {
  const before = await page.locator('.bw-bot').count();
  await page.getByLabel('Type your message').fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('.bw-bot').nth(before).waitFor({ timeout: 10_000 });
  return page.locator('.bw-bot').nth(before).innerText();
}

test('phone: a customer on /demo gets a scenario reply, asks for a human and is queued', async () => {
  const ctx = await env.chrome.browser.newContext({ viewport: PHONE });
  const page = await ctx.newPage();
  await page.goto(`${env.baton.url}/demo`);
  await page.getByRole('button', { name: 'Open chat' }).click();
  assert.match(await widgetSay(page, 'hola'), /asistente de Casa Lumen/);
  assert.equal(
    await widgetSay(page, 'quiero hablar con un humano'),
    'Enseguida te comunico con alguien de nuestro equipo.',
  );
  await page.screenshot({ path: shot('phone-widget') });

  // The console shows the conversation waiting, escalated by keyword.
  const admin = await env.chrome.browser.newContext();
  const console_ = await admin.newPage();
  await signIn(console_, env.baton.url, ADMIN);
  const list = await console_.evaluate(async () => {
    const r = await fetch('/api/conversations/list', { method: 'POST' });
    return r.json();
  });
  const waiting = list.groups.find((g) => g.state === 'waiting').items;
  const mine = waiting.find(
    (c) => c.channel === 'web' && c.preview === 'Enseguida te comunico con alguien de nuestro equipo.',
  );
  assert.ok(mine, 'the widget conversation is waiting');
  assert.equal(mine.escalation_reason, 'keyword');
  assert.equal(mine.ai_enabled, false);
  await admin.close();
  await ctx.close();
});

for (const [name, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
  test(`${name}: an admin edits scenarios with inline validation and tries a message`, async () => {
    const ctx = await env.chrome.browser.newContext({ viewport });
    const page = await ctx.newPage();
    await signIn(page, env.baton.url, ADMIN);
    await page.getByRole('link', { name: 'Scenarios' }).click();
    await page.waitForURL(`${env.baton.url}/scenarios`);
    await waitHydrated(page);
    await page.getByRole('button', { name: 'New scenario' }).click();
    const editor = page.locator('section.editor');
    await editor.getByLabel('Name').fill('Greeting');
    await editor.getByLabel('Triggers').fill('re: (unclosed');
    await editor.getByRole('button', { name: 'Save scenario' }).click();
    const triggersField = editor.locator('label.field', { hasText: 'Triggers' });
    await triggersField.locator('.field-error').waitFor();
    assert.match(await triggersField.locator('.field-error').innerText(), /not a valid regular expression/);
    assert.ok(await editor.locator('label.field', { hasText: 'Response' }).locator('.field-error').isVisible());

    const unique = `Returns ${name}`;
    await editor.getByLabel('Name').fill(unique);
    await editor.getByLabel('Triggers').fill('devolver, devolucion, refund');
    await editor.getByLabel('Response').fill('Tienes 30 días para devolver cualquier producto.');
    await editor.getByRole('button', { name: 'Save scenario' }).click();
    await page.locator(`li.scenario[data-name="${unique}"]`).waitFor();

    await page.getByLabel('Customer message').fill('Quiero una DEVOLUCIÓN');
    await page.getByRole('button', { name: 'Try', exact: true }).click();
    await page.locator('.try-result').waitFor();
    assert.match(await page.locator('.try-result').innerText(), new RegExp(unique));

    // Switch it off: the try box no longer picks it.
    await page.getByRole('switch', { name: `Enabled: ${unique}` }).click();
    await page.locator(`li.scenario.disabled[data-name="${unique}"]`).waitFor();
    await page.getByRole('button', { name: 'Try', exact: true }).click();
    await page.waitForFunction((u) => !document.querySelector('.try-result')?.innerText.includes(u), unique);
    await page.screenshot({ path: shot(`${name}-scenarios`), fullPage: name === 'desktop' });

    // Delete asks first.
    const row = page.locator(`li.scenario[data-name="${unique}"]`);
    await row.getByRole('button', { name: 'Delete' }).click();
    await row.getByRole('button', { name: 'Yes, delete' }).click();
    await row.waitFor({ state: 'detached' });
    await ctx.close();
  });
}

test('phone: operators see scenarios read-only', async () => {
  const ctx = await env.chrome.browser.newContext({ viewport: PHONE });
  const page = await ctx.newPage();
  await signIn(page, env.baton.url, OPERATOR);
  await page.getByRole('link', { name: 'Scenarios' }).click();
  await page.waitForURL(`${env.baton.url}/scenarios`);
  await waitHydrated(page);
  assert.ok(await page.getByText('Read only').isVisible());
  assert.equal(await page.getByRole('button', { name: 'New scenario' }).count(), 0);
  assert.equal(await page.getByRole('button', { name: /^Edit / }).count(), 0);
  assert.ok(await page.locator('li.scenario').getByRole('switch').first().isDisabled());
  await ctx.close();
});
