// Time to interactive on a mid-range phone: Chromium through the DevTools protocol with a 4x CPU
// slowdown and DevTools' "Fast 3G" network (562.5 ms latency, 180 kB/s down, 84 kB/s up), at
// 390x844, as an operator opens a push alert's link.
//   node end2end/bench/phone.mjs BASE_URL [RUNS]
// Measures, median over RUNS (default 5):
//   - cold: a fresh browser profile (no HTTP cache, no service worker) opening /conversations and
//     a chat, until the console is interactive (hydrated, its live socket started);
//   - warm: the same, once the service worker has cached the bundle;
//   - the bytes transferred (compressed) for /conversations on the cold visit, JS and WASM apart.
// Prints one JSON line.
import { chromium } from 'playwright-core';

const [base, runsArg] = process.argv.slice(2);
if (!base) {
  console.error('usage: node end2end/bench/phone.mjs BASE_URL [RUNS]');
  process.exit(2);
}
const RUNS = Number(runsArg || 5);
const PHONE = { width: 390, height: 844 };
const FAST_3G = { offline: false, latency: 562.5, downloadThroughput: 180_000, uploadThroughput: 84_375 };
const OPERATOR = { email: 'ana@baton.demo', password: 'baton-operator-demo' };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});

// One session for every run (signing in is not what is measured).
const signer = await browser.newContext();
const r = await signer.request.post(`${base}/api/sign_in`, {
  headers: { origin: base },
  form: { email: OPERATOR.email, password: OPERATOR.password },
});
if (!r.ok()) throw new Error(`sign in: ${r.status()}`);
const cookies = await signer.cookies();
const chatPath = await (async () => {
  const html = await (await signer.request.get(`${base}/conversations`)).text();
  const m = html.match(/href="(\/conversations\/\d+)"/);
  if (!m) throw new Error('the list shows no conversation');
  return m[1];
})();
await signer.close();

async function phoneContext() {
  const ctx = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
  await ctx.addCookies(cookies);
  return ctx;
}

async function throttled(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', FAST_3G);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  return cdp;
}

async function interactive(page, path) {
  const t0 = performance.now();
  await page.goto(`${base}${path}`, { waitUntil: 'commit' });
  await page.waitForFunction(() => {
    const el = document.querySelector('.conn');
    return el && el.dataset.state !== 'idle';
  }, null, { timeout: 120_000, polling: 50 });
  return performance.now() - t0;
}

/** Counts the bytes on the wire per kind of response while `run` goes. */
async function transferred(cdp, run) {
  const kinds = new Map();
  const bytes = { js: 0, wasm: 0, other: 0 };
  const onResponse = (e) => {
    const u = e.response.url;
    kinds.set(e.requestId, u.endsWith('.wasm') ? 'wasm' : u.endsWith('.js') ? 'js' : 'other');
  };
  const onFinished = (e) => {
    bytes[kinds.get(e.requestId) || 'other'] += e.encodedDataLength;
  };
  cdp.on('Network.responseReceived', onResponse);
  cdp.on('Network.loadingFinished', onFinished);
  const result = await run();
  await new Promise((r) => setTimeout(r, 500));
  cdp.off('Network.responseReceived', onResponse);
  cdp.off('Network.loadingFinished', onFinished);
  return { result, bytes };
}

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const times = { list_cold: [], chat_cold: [], list_warm: [], chat_warm: [] };
let firstVisit;
for (let i = 0; i < RUNS; i++) {
  // Cold list (and what it transfers).
  let ctx = await phoneContext();
  let page = await ctx.newPage();
  let cdp = await throttled(page);
  const { result, bytes } = await transferred(cdp, () => interactive(page, '/conversations'));
  times.list_cold.push(result);
  firstVisit ??= bytes;
  // The service worker caches the bundle; then a new tab opens the list and a chat again.
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await page.waitForFunction(async () => {
    const keys = await caches.keys();
    if (!keys.length) return false;
    const c = await caches.open(keys[0]);
    const css = new URL(document.querySelector('link[rel="stylesheet"]').href).pathname;
    return !!(await c.match(css.replace(/\.css$/, '_bg.wasm')));
  }, null, { timeout: 120_000, polling: 250 });
  await page.close();
  page = await ctx.newPage();
  await throttled(page);
  times.list_warm.push(await interactive(page, '/conversations'));
  times.chat_warm.push(await interactive(page, chatPath));
  await ctx.close();
  // Cold chat: a fresh profile opening the alert's link straight away.
  ctx = await phoneContext();
  page = await ctx.newPage();
  await throttled(page);
  times.chat_cold.push(await interactive(page, chatPath));
  await ctx.close();
}
await browser.close();

const out = { runs: RUNS, network: 'Fast 3G', cpu_slowdown: 4, viewport: '390x844' };
for (const [k, v] of Object.entries(times)) out[`${k}_ms`] = Math.round(median(v));
out.first_visit_bytes = firstVisit;
console.log(JSON.stringify(out));
