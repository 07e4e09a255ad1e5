// Scenario versions, as an admin uses them on a desktop and on a phone: an edit goes to the draft
// (the page says there are unpublished changes), `Try a message` against the draft shows the new
// answer while the published version still gives the old one, `Publish` makes it live, `Versions`
// lists it with what changed, and `Restore` brings the old answer back as a new version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBatonAndBrowser, signIn, waitHydrated, shot, ADMIN, DESKTOP, PHONE } from './harness.mjs';

const env = withBatonAndBrowser();
const OLD = 'Enviamos a todo el país en 2 a 3 días hábiles; gratis desde 50 €.';

async function tryAgainst(page, source) {
  const box = page.getByRole('region', { name: 'Try a message' });
  await box.getByLabel('Customer message').fill('¿Hacéis envio a Sevilla?');
  await box.getByLabel('Try against').selectOption({ label: source });
  await box.getByRole('button', { name: 'Try', exact: true }).click();
  const result = box.locator('.try-result');
  await result.waitFor();
  return result;
}

for (const [name, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
  test(`${name}: edit, try against the draft, publish, restore`, async () => {
    const ctx = await env.chrome.browser.newContext({ viewport });
    const page = await ctx.newPage();
    await signIn(page, env.baton.url, ADMIN);
    await page.goto(`${env.baton.url}/scenarios`);
    await waitHydrated(page);
    const status = page.locator('#draft-status');
    await status.filter({ hasText: 'Everything is published' }).waitFor();
    const versions = page.getByRole('region', { name: 'Versions' });
    const liveBefore = Number(await versions.locator('li.version.live').getAttribute('data-version'));

    // Edit: the draft changes, the bot does not.
    const fresh = `Enviamos en 24 horas (${name}).`;
    await page.getByRole('button', { name: 'Edit Shipping' }).click();
    const editor = page.locator('section.editor');
    await editor.getByLabel('Response').fill(fresh);
    await editor.getByRole('button', { name: 'Save scenario' }).click();
    await status.filter({ hasText: `Unpublished changes: the bot still answers from version ${liveBefore}` }).waitFor();
    assert.equal(await status.getAttribute('data-unpublished'), 'true');

    let result = await tryAgainst(page, 'Draft');
    await result.filter({ hasText: fresh }).waitFor();
    assert.match(await result.innerText(), /“Shipping” answers/);
    await page.getByRole('region', { name: 'Try a message' }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: shot(`${name}-scenarios-draft`) });
    result = await tryAgainst(page, 'Published version');
    await result.filter({ hasText: OLD }).waitFor();

    // Publish with a note: live at once, listed with what changed.
    await page.getByLabel('Note (optional)').fill(`faster shipping (${name})`);
    await page.getByRole('button', { name: 'Publish' }).click();
    const published = liveBefore + 1;
    await page.getByRole('status').filter({ hasText: `Version ${published} is live.` }).waitFor();
    await status.filter({ hasText: `Everything is published: the bot answers from version ${published}` }).waitFor();
    const item = versions.locator(`li.version[data-version="${published}"]`);
    await item.filter({ hasText: `faster shipping (${name})` }).waitFor();
    assert.ok(await item.locator('.badge.live').isVisible());
    const change = item.locator('li.change[data-kind="changed"][data-name="Shipping"]');
    assert.equal(await change.locator('.side.before .response').innerText(), OLD);
    assert.equal(await change.locator('.side.after .response').innerText(), fresh);
    result = await tryAgainst(page, 'Published version');
    await result.filter({ hasText: fresh }).waitFor();
    await item.scrollIntoViewIfNeeded();
    await page.screenshot({ path: shot(`${name}-scenarios-versions`) });

    // Restore the version before: published again as a new version; the old answer is back.
    await versions.locator(`li.version[data-version="${liveBefore}"]`).getByRole('button', { name: 'Restore' }).click();
    await page.getByRole('status').filter({ hasText: `Version ${published + 1} is live (a copy of version ${liveBefore}).` }).waitFor();
    await versions.locator(`li.version.live[data-version="${published + 1}"]`).filter({ hasText: `Restore of version ${liveBefore}` }).waitFor();
    await page.locator('li.scenario[data-name="Shipping"] .response', { hasText: OLD }).waitFor();
    result = await tryAgainst(page, 'Published version');
    await result.filter({ hasText: OLD }).waitFor();
    await status.filter({ hasText: 'Everything is published' }).waitFor();
    // Nothing sticks out sideways on a phone.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `no horizontal scroll (${overflow}px)`);
    await ctx.close();
  });
}
