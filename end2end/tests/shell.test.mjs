// The sign-in page and the signed-in layout, at phone and desktop sizes, hydrated and with
// JavaScript disabled (server rendering alone).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBatonAndBrowser, signIn, waitHydrated, shot, ADMIN, OPERATOR, PHONE, DESKTOP } from './harness.mjs';

const env = withBatonAndBrowser();

const NAV = ['Conversations', 'Monitoring', 'Scenarios', 'Operators', 'Settings'];

for (const [sizeName, viewport] of [['phone', PHONE], ['desktop', DESKTOP]]) {
  for (const js of [true, false]) {
    const mode = js ? 'hydrated' : 'no-js';
    test(`${sizeName} ${mode}: an admin signs in and sees the whole console`, async () => {
      const ctx = await env.chrome.browser.newContext({ viewport, javaScriptEnabled: js });
      const page = await ctx.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${env.baton.url}/login`);
      assert.ok(await page.getByLabel('Email').isVisible());
      assert.ok(await page.getByLabel('Password').isVisible());
      assert.ok(await page.getByRole('button', { name: 'Sign in' }).isVisible());
      if (sizeName === 'phone' && js) await page.screenshot({ path: shot('phone-sign-in') });

      await signIn(page, env.baton.url, ADMIN);
      if (js) await waitHydrated(page);
      const nav = page.getByRole('navigation', { name: 'Main' });
      for (const item of NAV) {
        assert.ok(await nav.getByText(item, { exact: true }).isVisible(), `${item} visible`);
      }
      assert.equal(await page.locator('[aria-disabled="true"]').count(), 0, 'admins have nothing locked');
      for (const heading of ['Awaiting operator', 'In progress', 'Active with bot', 'Closed']) {
        assert.ok(await page.getByRole('heading', { name: heading }).isVisible(), heading);
      }
      assert.ok(await page.getByText('María López').isVisible(), 'demo conversation listed');
      // Everything fits the screen: no sideways scrolling on a phone.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
      if (js) {
        await page.waitForSelector('.conn[data-state="live"]', { timeout: 15_000 });
        await page.screenshot({ path: shot(`${sizeName}-conversations`) });
      }
      assert.deepEqual(errors, []);
      await ctx.close();
    });
  }
}

for (const js of [true, false]) {
  test(`phone ${js ? 'hydrated' : 'no-js'}: an operator sees admin items locked and gets 403 on their URLs`, async () => {
    const ctx = await env.chrome.browser.newContext({ viewport: PHONE, javaScriptEnabled: js });
    const page = await ctx.newPage();
    await signIn(page, env.baton.url, OPERATOR);
    const locked = page.locator('.nav [aria-disabled="true"]');
    assert.deepEqual((await locked.allInnerTexts()).map((t) => t.trim()), ['Analytics', 'Operators', 'Settings', 'Audit log']);
    assert.equal(await locked.locator('svg.lock').count(), 4, 'each locked item shows a lock icon');
    const res = await page.goto(`${env.baton.url}/operators`);
    assert.equal(res.status(), 403);
    assert.ok(await page.getByRole('heading', { name: '403 · Admins only' }).isVisible());
    await ctx.close();
  });
}

test('phone: a wrong password shows a message next to the form, hydrated and without JavaScript', async () => {
  for (const js of [true, false]) {
    const ctx = await env.chrome.browser.newContext({ viewport: PHONE, javaScriptEnabled: js });
    const page = await ctx.newPage();
    await page.goto(`${env.baton.url}/login`);
    await page.getByLabel('Email').fill(OPERATOR.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    assert.match(await page.getByRole('alert').innerText(), /do not match an active account/);
    await ctx.close();
  }
});

test('desktop: an admin adds an operator; field errors show next to their field', async () => {
  const ctx = await env.chrome.browser.newContext({ viewport: DESKTOP });
  const page = await ctx.newPage();
  await signIn(page, env.baton.url, ADMIN);
  await page.getByRole('link', { name: 'Operators' }).click();
  await page.waitForURL(`${env.baton.url}/operators`);
  await waitHydrated(page);
  await page.locator('.person').first().waitFor();
  const form = page.locator('form.grid');
  await form.getByLabel('Email').fill('not-an-email');
  await form.getByLabel('Name').fill('Zoe');
  await form.getByLabel('Initial password').fill('short');
  await form.getByRole('button', { name: 'Create operator' }).click();
  const emailField = form.locator('label.field', { hasText: 'Email' });
  await emailField.locator('.field-error').waitFor();
  assert.match(await emailField.locator('.field-error').innerText(), /email address/);
  const pwField = form.locator('label.field', { hasText: 'Initial password' });
  assert.match(await pwField.locator('.field-error').innerText(), /at least 10 characters/);

  await form.getByLabel('Email').fill('zoe@baton.demo');
  await form.getByLabel('Initial password').fill('zoe long password');
  await form.getByRole('button', { name: 'Create operator' }).click();
  await page.locator('.person[data-email="zoe@baton.demo"]').waitFor();
  await page.screenshot({ path: shot('desktop-operators'), fullPage: true });
  await ctx.close();
});
