// The installable PWA: manifest, service worker, and the offline page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBatonAndBrowser, signIn, waitHydrated, OPERATOR, PHONE } from './harness.mjs';

const env = withBatonAndBrowser();

test('the manifest makes Baton installable', async () => {
  const m = await (await fetch(`${env.baton.url}/manifest.webmanifest`)).json();
  assert.equal(m.name, 'Baton');
  assert.equal(m.short_name, 'Baton');
  assert.equal(m.display, 'standalone');
  assert.ok(m.start_url && m.theme_color);
  for (const [size, purpose] of [['192x192', 'any'], ['512x512', 'any'], ['192x192', 'maskable'], ['512x512', 'maskable']]) {
    const icon = m.icons.find((i) => i.sizes === size && i.purpose === purpose);
    assert.ok(icon, `${size} ${purpose} icon`);
    const r = await fetch(`${env.baton.url}${icon.src}`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'image/png');
  }
});

test('the service worker caches the shell and shows the offline page without a network', async () => {
  const ctx = await env.chrome.browser.newContext({ viewport: PHONE });
  const page = await ctx.newPage();
  await signIn(page, env.baton.url, OPERATOR);
  await waitHydrated(page);
  const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
  assert.equal(scope, `${env.baton.url}/`);
  // Wait until the shell is in the cache.
  await page.waitForFunction(async () => {
    const keys = await caches.keys();
    if (!keys.length) return false;
    const c = await caches.open(keys[0]);
    // The bundle this page loaded, by its content-derived name.
    const css = new URL(document.querySelector('link[rel="stylesheet"]').href).pathname;
    return !!(await c.match('/offline.html')) && !!(await c.match(css.replace(/\.css$/, '_bg.wasm')));
  }, null, { timeout: 15_000, polling: 200 });
  await ctx.setOffline(true);
  await page.goto(`${env.baton.url}/monitoring`);
  assert.ok(await page.getByRole('heading', { name: 'You are offline' }).isVisible());
  await ctx.setOffline(false);
  await ctx.close();
});
