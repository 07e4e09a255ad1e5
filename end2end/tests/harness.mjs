// Shared browser-test harness: starts the real `baton` binary on a free port with a fresh demo
// database, and opens Debian's Chromium through playwright-core (no browser download).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHOTS = join(ROOT, 'end2end', 'screenshots');
export const ADMIN = { email: 'admin@baton.demo', password: 'baton-admin-demo' };
export const OPERATOR = { email: 'ana@baton.demo', password: 'baton-operator-demo' };
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitReady(url, proc) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`baton exited with ${proc.exitCode}`);
    try {
      const r = await fetch(`${url}/readyz`);
      if (r.ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error('baton did not become ready in 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

function kill(proc) {
  proc.kill('SIGTERM');
  return new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
}

/**
 * Starts Baton in demo mode on a fresh database; returns { url, stop, pause, resume }.
 * `pause` stops the process and `resume` starts it again on the same port and database.
 * `opts.databaseUrl` and `opts.env` start it on a given database with more settings (a second
 * instance of a cluster).
 */
export async function startBaton(opts = {}) {
  const bin = process.env.BATON_BIN || join(ROOT, 'target', 'debug', 'baton');
  const dir = mkdtempSync(join(tmpdir(), 'baton-e2e-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const launch = async () => {
    const proc = spawn(bin, [], {
      env: {
        ...process.env,
        ...(opts.env || {}),
        DATABASE_URL: opts.databaseUrl || `sqlite://${join(dir, 'baton.db')}`,
        LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
        LEPTOS_SITE_ROOT: join(ROOT, 'target', 'site'),
        BATON_DEMO: '1',
        // The device test registers a plain-http loopback endpoint (tests only).
        BATON_PUSH_ALLOW_INSECURE: '1',
        RUST_LOG: process.env.RUST_LOG || 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await waitReady(url, proc);
    return proc;
  };
  let proc = await launch();
  return {
    url,
    async pause() {
      await kill(proc);
    },
    async resume() {
      proc = await launch();
    },
    async stop() {
      await kill(proc);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  // playwright-core gives every launch a fresh, temporary profile.
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  return {
    browser,
    async close() {
      await browser.close();
    },
  };
}

/** The sign-in form's words in each language the tests use. */
export const SIGN_IN_WORDS = {
  en: { email: 'Email', password: 'Password', button: 'Sign in' },
  es: { email: 'Correo electrónico', password: 'Contraseña', button: 'Entrar' },
};

export async function signIn(page, baseUrl, who, words = SIGN_IN_WORDS.en) {
  // Let the page hydrate first, so the hydrated form is what gets submitted (a submit before
  // hydration takes the no-JavaScript path, which the no-JS tests cover).
  await page.goto(`${baseUrl}/login`, { waitUntil: 'networkidle' });
  await page.getByLabel(words.email).fill(who.email);
  await page.getByLabel(words.password).fill(who.password);
  await Promise.all([
    page.waitForURL(`${baseUrl}/conversations`),
    page.getByRole('button', { name: words.button }).click(),
  ]);
}

/** Waits until the WASM has hydrated the page (the live indicator leaves its SSR state). */
export async function waitHydrated(page) {
  await page.waitForFunction(() => {
    const el = document.querySelector('.conn');
    return el && el.dataset.state !== 'idle';
  }, null, { timeout: 20_000 });
}

export function shot(name) {
  mkdirSync(SHOTS, { recursive: true });
  return join(SHOTS, `${name}.png`);
}

/** Registers before/after hooks for one Baton and one browser per test file; fills `env`. */
export function withBatonAndBrowser() {
  const env = {};
  before(async () => {
    env.baton = await startBaton();
    env.chrome = await launchBrowser();
  });
  after(async () => {
    await env.chrome?.close();
    await env.baton?.stop();
  });
  return env;
}

/** A customer on `env`'s /demo; returns { page, say(text) -> the next reply's text, ctx }. */
export async function customerOn(env, viewport = PHONE) {
  const ctx = await env.chrome.browser.newContext({ viewport });
  const page = await ctx.newPage();
  await page.goto(`${env.baton.url}/demo`);
  await page.getByRole('button', { name: 'Open chat' }).click();
  const replies = page.locator('.bw-bot, .bw-operator');
  return {
    ctx,
    page,
    async say(text) {
      const before = await replies.count();
      await page.getByLabel('Type your message').fill(text);
      await page.getByRole('button', { name: 'Send' }).click();
      await replies.nth(before).waitFor({ timeout: 10_000 });
      return replies.nth(before).innerText();
    },
    async nextReply(before) {
      await replies.nth(before).waitFor({ timeout: 10_000 });
      return replies.nth(before).innerText();
    },
    replies,
  };
}

/** A customer who asked for a person on `env`'s /demo (the conversation waits in the queue). */
export async function waitingCustomerOn(env) {
  const c = await customerOn(env);
  await c.say('hola');
  await c.say('quiero hablar con un humano');
  return c;
}

/** The demo operator (Ana) on a phone opens the newest waiting conversation and accepts it. */
export async function operatorAccepts(env, viewport = PHONE) {
  const ctx = await env.chrome.browser.newContext({ viewport });
  const page = await ctx.newPage();
  await signIn(page, env.baton.url, OPERATOR);
  await waitHydrated(page);
  await page.locator('section.group[data-state="waiting"] li.row a').last().click();
  await page.locator('article.chat').waitFor();
  await page.getByRole('button', { name: 'Accept' }).click();
  await page.locator('.msg.system', { hasText: 'Accepted by' }).waitFor();
  return { ctx, page };
}
