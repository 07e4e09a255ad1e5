// Baton service worker.
//
// Goal: the installed PWA opens fast and shows something sensible when the
// phone has no signal. Baton is a live console, so fresh data always wins:
// we only cache the shell, and never anything that talks to the backend.

// The server fills in the bundle's folder, named after its content (pkg/<hash>), when it serves
// this file, so every deploy changes this script: the browser installs the new worker, which caches
// the new bundle, and the activate step drops every older cache. Bump RULES when the shell list
// or the caching rules change without a new bundle.
const BUNDLE = '__BATON_BUNDLE__';
const RULES = 4;
const CACHE = `baton-shell-${RULES}-${BUNDLE}`;
const OFFLINE_URL = '/offline.html';

const SHELL = [
  OFFLINE_URL,
  '/manifest.webmanifest',
  '/icons/icon-192.png',
  '/icons/icon-512.png',
  `/${BUNDLE}/baton.css`,
  `/${BUNDLE}/baton.js`,
  `/${BUNDLE}/baton_bg.wasm`,
  `/${BUNDLE}/__wasm_split.______________________.js`,
];

// Live traffic: server functions, the websocket, the embeddable widget and
// inbound webhooks. Serving any of these from a cache would be wrong.
// Written with a trailing slash so '/ws' and '/ws/...' match but '/wsx' does not.
const BYPASS = ['/api/', '/ws/', '/widget/', '/webhooks/'];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      // Add one by one instead of a single addAll: addAll is all-or-nothing,
      // and a single missing asset (e.g. a dev build without a CSS file)
      // should not leave us with no service worker at all.
      Promise.all(
        SHELL.map((url) =>
          // 'reload' skips the HTTP cache so we never precache a stale copy.
          cache.add(new Request(url, { cache: 'reload' })).catch((err) => {
            console.warn('[sw] precache failed for', url, err);
          }),
        ),
      ),
    ),
  );
  // Operators should not have to close every tab to get a new version.
  self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

function isBypassed(path) {
  return BYPASS.some((p) => (path + '/').startsWith(p));
}

function isStaticAsset(path) {
  return path.startsWith('/icons/') || path === '/manifest.webmanifest';
}

// The bundle's files are named after their content: a name never changes meaning, so the cached
// copy is always right (and a phone on a slow network starts from it at once).
function isBundle(path) {
  return path.startsWith('/pkg/');
}

// Only keep responses that are safe to replay: same-origin, successful and not
// the result of a redirect (browsers reject a redirected response for a
// navigation, e.g. after a bounce to the login page).
function cacheable(res) {
  return res && res.ok && res.type === 'basic' && !res.redirected;
}

function put(request, res) {
  return caches.open(CACHE).then((cache) => cache.put(request, res));
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;

  const url = new URL(request.url);
  if (url.origin !== self.location.origin || isBypassed(url.pathname)) return;

  if (request.mode === 'navigate') {
    // Network first: pages are server-rendered with live, signed-in data, so
    // they are never stored on the phone. Offline, the offline page explains
    // what is going on instead of the browser's error screen.
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE_URL)));
    return;
  }

  if (isBundle(url.pathname)) {
    event.respondWith(
      caches.match(request).then(
        (hit) =>
          hit ||
          fetch(request).then((res) => {
            if (cacheable(res)) event.waitUntil(put(request, res.clone()));
            return res;
          }),
      ),
    );
    return;
  }

  if (isStaticAsset(url.pathname)) {
    // Network first, refreshing the cache (icons and the manifest keep their names). Offline,
    // the cached copy still serves.
    event.respondWith(
      fetch(request)
        .then((res) => {
          if (cacheable(res)) event.waitUntil(put(request, res.clone()));
          return res;
        })
        .catch(() => caches.match(request).then((hit) => hit || Response.error())),
    );
    return;
  }

  // Everything else: the network is the source of truth; the cache only
  // covers for it when offline. Nothing new is stored here.
  event.respondWith(
    fetch(request).catch(() =>
      caches.match(request).then((hit) => hit || Response.error()),
    ),
  );
});

// ---------------------------------------------------------------------------
// Push notifications: "Customer waiting" alerts from the paging ladder.
// Payload: {conversation_id, contact_name, preview, wait_secs, step} and, written by the server in
// the reader's language, {title, waited, accept} (older servers sent none: English then).
// ---------------------------------------------------------------------------

function chatPath(id) {
  return `/conversations/${id}`;
}

// What each window shows. The app routes in the page (history.pushState), which a WindowClient's
// url does not follow, so the page tells us: postMessage('viewing:/conversations/12').
const viewing = new Map();
self.addEventListener('message', (event) => {
  const text = typeof event.data === 'string' ? event.data : '';
  if (text.startsWith('viewing:') && event.source) viewing.set(event.source.id, text.slice(8));
});

// A visible, focused Baton window already showing this conversation needs no alert.
function showingConversation(id) {
  return self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((wins) =>
    wins.some((w) => {
      const path = viewing.get(w.id) || new URL(w.url).pathname;
      return w.visibilityState === 'visible' && w.focused && path === chatPath(id);
    }),
  );
}

function alertFor(data) {
  const english = data.wait_secs >= 60 ? ` · waiting ${Math.floor(data.wait_secs / 60)} min` : '';
  const waited = data.title ? (data.waited ? ` ${data.waited}` : '') : english;
  return {
    title: data.title || `Customer waiting: ${data.contact_name}`,
    options: {
      body: `${data.preview || ''}${waited}`,
      // One notification per conversation: a newer alert replaces the older one, and still rings.
      tag: `conv-${data.conversation_id}`,
      renotify: true,
      requireInteraction: true,
      icon: '/icons/icon-192.png',
      badge: '/icons/icon-192.png',
      data: { conversation_id: data.conversation_id },
      // A mention is worded with no Accept: it is a colleague's note, not an offer.
      actions: data.title && !data.accept ? [] : [{ action: 'accept', title: data.accept || 'Accept' }],
    },
  };
}

self.addEventListener('push', (event) => {
  let data = null;
  try {
    data = event.data ? event.data.json() : null;
  } catch (err) {
    console.warn('[sw] unreadable push payload', err);
  }
  if (!data) return;
  if (!data.conversation_id) {
    // "Send test notification" from the account page.
    event.waitUntil(
      self.registration.showNotification(data.title || 'Baton test notification', {
        body: data.title ? data.preview : 'Alerts reach this device.',
        tag: 'baton-test',
        icon: '/icons/icon-192.png',
      }),
    );
    return;
  }
  event.waitUntil(
    showingConversation(data.conversation_id).then((showing) => {
      if (showing) return undefined;
      const { title, options } = alertFor(data);
      return self.registration.showNotification(title, options);
    }),
  );
});

// Opens (or focuses) Baton on the conversation; `Accept` claims it first, so the operator lands
// in a chat that is already theirs (or sees who was faster).
function openConversation(id) {
  const path = chatPath(id);
  return self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((wins) => {
    // focus() and openWindow() need the click's user activation; without it they reject, and
    // navigating an open Baton window is still the right outcome.
    const focus = (w) => (w && w.focus ? w.focus().catch(() => w) : w);
    const same = wins.find((w) => new URL(w.url).pathname === path);
    if (same) return focus(same);
    const any = wins.find((w) => new URL(w.url).origin === self.location.origin);
    if (any && 'navigate' in any) return any.navigate(path).then((w) => focus(w || any));
    return self.clients.openWindow(path).catch(() => undefined);
  });
}

self.addEventListener('notificationclick', (event) => {
  const id = event.notification.data && event.notification.data.conversation_id;
  event.notification.close();
  if (!id) return;
  const accept =
    event.action === 'accept'
      ? fetch('/api/conversations/accept', {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `id=${encodeURIComponent(id)}`,
        }).catch(() => undefined)
      : Promise.resolve();
  event.waitUntil(accept.then(() => openConversation(id)));
});
