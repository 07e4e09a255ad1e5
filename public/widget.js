/*! Baton web chat widget. Embed with one tag:
 *    <script src="https://YOUR-BATON/widget.js" data-title="Chat with us" defer></script>
 * No dependencies. Talks to Baton over a WebSocket (/widget/ws), so bot and operator replies
 * arrive live. The server issues this visitor's identity (a random token, kept in localStorage
 * and presented on every connection); messages typed while offline are sent on reconnect, each
 * with a client id, so a resend is never stored twice. While the visitor types, the widget says
 * so (at most every 2.5 s) and operators see it; an operator's typing shows here the same way.
 */
(function () {
  'use strict';
  if (window.__batonWidget) return;
  window.__batonWidget = true;

  var script = document.currentScript || document.querySelector('script[src$="widget.js"]');
  var origin = new URL(script ? script.src : location.href).origin;
  // The visitor's language: `data-lang` on the script tag, else the browser's (English or Spanish).
  var WORDS = {
    en: {
      title: 'Chat with us', open: 'Open chat', close: 'Close chat', message: 'Type your message',
      placeholder: 'Type your message\u2026', send: 'Send', attach: 'Attach', attachImage: 'Attach an image',
      image: 'Image', file: 'file', imageFailed: 'The image could not be sent.', typing: ' is typing\u2026',
      someone: 'Someone', rate: 'Rate: {t}', thanks: 'Thanks for your rating!',
      tooFast: 'You are sending messages too fast. Your message is kept and sent again in {s} s.',
      status: { 413: 'The image is too large.', 415: 'Only JPEG, PNG, WebP or GIF images can be sent.', 429: 'Too many images for now; try again later.' },
      closed: {},
    },
    es: {
      title: 'Escr\u00edbenos', open: 'Abrir chat', close: 'Cerrar chat', message: 'Escribe tu mensaje',
      placeholder: 'Escribe tu mensaje\u2026', send: 'Enviar', attach: 'Adjuntar', attachImage: 'Adjuntar una imagen',
      image: 'Imagen', file: 'archivo', imageFailed: 'No se pudo enviar la imagen.', typing: ' est\u00e1 escribiendo\u2026',
      someone: 'Alguien', rate: 'Valorar: {t}', thanks: '\u00a1Gracias por tu valoraci\u00f3n!',
      tooFast: 'Est\u00e1s enviando mensajes demasiado r\u00e1pido. Tu mensaje se guarda y se env\u00eda de nuevo en {s} s.',
      status: { 413: 'La imagen es demasiado grande.', 415: 'Solo se pueden enviar im\u00e1genes JPEG, PNG, WebP o GIF.', 429: 'Demasiadas im\u00e1genes por ahora; int\u00e9ntalo m\u00e1s tarde.' },
      // The server's reasons for closing the socket, by close code (its own words are English).
      closed: {
        1000: 'El chat se paus\u00f3 por inactividad; se reconecta al escribir.',
        1008: 'Demasiadas conversaciones desde tu red; int\u00e9ntalo m\u00e1s tarde.',
        1009: 'El mensaje es demasiado largo.',
      },
    },
  };
  var lang = ((script && script.dataset.lang) || navigator.language || 'en').slice(0, 2).toLowerCase();
  var W = WORDS[lang] || WORDS.en;
  var title = (script && script.dataset.title) || W.title;
  var KEY = 'baton_widget_token';

  // Message ids: 128 random bits from the browser's CSPRNG (available on http pages too).
  function uid() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
  }
  var token = null; // issued by the server; storage blocked means a per-page identity
  try {
    token = localStorage.getItem(KEY);
  } catch (e) {}

  var css =
    '.bw-bubble{position:fixed;right:20px;bottom:20px;width:60px;height:60px;border-radius:50%;border:0;' +
    'background:#1f6feb;color:#fff;box-shadow:0 6px 20px rgba(0,0,0,.25);cursor:pointer;z-index:2147483000;' +
    'display:grid;place-items:center}' +
    '.bw-bubble svg{width:28px;height:28px}' +
    '.bw-panel{position:fixed;right:20px;bottom:92px;width:min(370px,calc(100vw - 24px));height:min(560px,calc(100vh - 120px));' +
    'background:#fff;color:#1f2328;border-radius:16px;box-shadow:0 12px 40px rgba(0,0,0,.25);display:none;' +
    'flex-direction:column;overflow:hidden;z-index:2147483000;font:15px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif}' +
    '.bw-panel.bw-open{display:flex}' +
    '.bw-head{background:#1f6feb;color:#fff;padding:14px 16px;font-weight:700;display:flex;align-items:center;gap:8px}' +
    '.bw-head .bw-dot{width:8px;height:8px;border-radius:50%;background:#8fd19e}' +
    '.bw-head .bw-dot.bw-off{background:#f0b429}' +
    '.bw-close{margin-left:auto;background:none;border:0;color:#fff;font-size:22px;cursor:pointer;min-width:44px;min-height:44px}' +
    '.bw-log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;background:#f6f8fa}' +
    '.bw-msg{max-width:80%;padding:8px 12px;border-radius:14px;white-space:pre-wrap;word-wrap:break-word}' +
    '.bw-customer{align-self:flex-end;background:#1f6feb;color:#fff;border-bottom-right-radius:4px}' +
    '.bw-bot,.bw-operator{align-self:flex-start;background:#fff;border:1px solid #d1d9e0;border-bottom-left-radius:4px}' +
    '.bw-who{display:block;font-size:11px;color:#59636e;margin-bottom:2px}' +
    '.bw-pending{opacity:.6}' +
    '.bw-notice{align-self:center;font-size:12px;color:#9a6700;text-align:center}' +
    '.bw-typing{min-height:18px;padding:2px 12px;font-size:12px;font-style:italic;color:#59636e}' +
    '.bw-form{display:flex;gap:8px;padding:10px;border-top:1px solid #d1d9e0;background:#fff}' +
    '.bw-input{flex:1;min-height:44px;border:1px solid #d1d9e0;border-radius:10px;padding:0 12px;font:inherit}' +
    '.bw-img{display:block;max-width:100%;max-height:240px;border-radius:10px;margin-top:4px}' +
    '.bw-doc{display:block;color:inherit;font-weight:600;margin-top:4px}' +
    '.bw-attach{min-height:44px;min-width:44px;border:1px solid #d1d9e0;border-radius:10px;background:none;color:inherit;cursor:pointer;display:grid;place-items:center}' +
    '.bw-rate{display:flex;flex-wrap:wrap;gap:6px;margin-top:8px}' +
    '.bw-rate button{min-height:44px;min-width:44px;padding:0 10px;border:1px solid #d1d9e0;border-radius:10px;background:none;color:inherit;font:inherit;cursor:pointer}' +
    '.bw-rate button:disabled{opacity:.5;cursor:default}' +
    '.bw-send{min-height:44px;min-width:64px;border:0;border-radius:10px;background:#1f6feb;color:#fff;font-weight:700;cursor:pointer}' +
    '@media (prefers-color-scheme:dark){.bw-panel{background:#161b22;color:#e6edf3}.bw-log{background:#0d1117}' +
    '.bw-bot,.bw-operator{background:#161b22;border-color:#30363d}.bw-form{background:#161b22;border-color:#30363d}' +
    '.bw-input{background:#0d1117;color:#e6edf3;border-color:#30363d}}';

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  var style = el('style');
  style.textContent = css;
  document.head.appendChild(style);

  var bubble = el('button', 'bw-bubble');
  bubble.type = 'button';
  bubble.setAttribute('aria-label', W.open);
  bubble.innerHTML =
    '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true">' +
    '<path d="M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z"/></svg>';
  var panel = el('section', 'bw-panel');
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-label', title);
  var head = el('div', 'bw-head');
  var dot = el('span', 'bw-dot bw-off');
  var close = el('button', 'bw-close', '\u00d7');
  close.type = 'button';
  close.setAttribute('aria-label', W.close);
  head.appendChild(dot);
  head.appendChild(el('span', null, title));
  head.appendChild(close);
  var log = el('div', 'bw-log');
  log.setAttribute('aria-live', 'polite');
  var typing = el('div', 'bw-typing');
  typing.setAttribute('aria-live', 'polite');
  var typingTimer = null;
  function showTyping(author) {
    typing.textContent = author ? author + W.typing : '';
    clearTimeout(typingTimer);
    if (author) typingTimer = setTimeout(function () { showTyping(null); }, 6000);
  }
  var form = el('form', 'bw-form');
  var input = el('input', 'bw-input');
  input.setAttribute('aria-label', W.message);
  input.placeholder = W.placeholder;
  input.autocomplete = 'off';
  input.maxLength = 4000;
  var send = el('button', 'bw-send', W.send);
  send.type = 'submit';
  // Attach an image: uploaded over HTTP with this visitor's token (limited in size, type, rate).
  var attach = el('button', 'bw-attach');
  attach.type = 'button';
  attach.innerHTML =
    '<svg viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" stroke-width="2" ' +
    'stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M21.44 11.05l-9.19 9.19a6 6 0 0 1-8.49-8.49l9.19-9.19a4 4 0 0 1 5.66 5.66l-9.2 9.19a2 2 0 0 1-2.83-2.83l8.49-8.48"/></svg>';
  attach.setAttribute('aria-label', W.attach);
  var file = el('input');
  file.type = 'file';
  file.accept = 'image/jpeg,image/png,image/webp,image/gif';
  file.hidden = true;
  file.setAttribute('aria-label', W.attachImage);
  form.appendChild(attach);
  form.appendChild(file);
  form.appendChild(input);
  form.appendChild(send);
  panel.appendChild(head);
  panel.appendChild(log);
  panel.appendChild(typing);
  panel.appendChild(form);
  document.body.appendChild(panel);
  document.body.appendChild(bubble);

  var shown = {}; // message ids (server) and client ids already on screen
  var outbox = []; // {client_id, text} not yet acknowledged by the server

  function render(m) {
    var key = m.client_id || 'id' + m.id;
    var existing = m.client_id && shown[m.client_id];
    if (existing) {
      existing.classList.remove('bw-pending');
      if (m.id) shown['id' + m.id] = existing;
      return;
    }
    if (m.id && shown['id' + m.id]) return;
    var b = el('div', 'bw-msg bw-' + m.from + (m.pending ? ' bw-pending' : ''));
    if (m.from === 'operator' && m.author) b.appendChild(el('span', 'bw-who', m.author));
    if (m.text) b.appendChild(document.createTextNode(m.text));
    if (m.media) b.appendChild(media(m.media));
    if (m.survey) b.appendChild(survey(m.survey));
    log.appendChild(b);
    shown[key] = b;
    if (m.id) shown['id' + m.id] = b;
    log.scrollTop = log.scrollHeight;
  }

  // An image inline, anything else as a named link; fetched by its per-message capability URL.
  function media(x) {
    var url = origin + x.url;
    var a = el('a', x.kind === 'image' ? null : 'bw-doc', x.kind === 'image' ? null : (x.name || W.file));
    a.href = url;
    a.target = '_blank';
    a.rel = 'noopener';
    if (x.kind === 'image') {
      var img = el('img', 'bw-img');
      img.src = url;
      img.alt = x.name || W.image;
      img.onload = function () { log.scrollTop = log.scrollHeight; };
      a.appendChild(img);
    }
    return a;
  }

  // A satisfaction survey's buttons: one press sends `{type: "rating", survey, score}`.
  var surveys = {};
  function survey(s) {
    var row = el('div', 'bw-rate');
    row.setAttribute('role', 'group');
    s.choices.forEach(function (c) {
      var btn = el('button', null, c.title);
      btn.type = 'button';
      btn.setAttribute('aria-label', W.rate.replace('{t}', c.title));
      btn.addEventListener('click', function () {
        if (!ws || ws.readyState !== 1) return;
        ws.send(JSON.stringify({ type: 'rating', survey: s.id, score: c.score }));
        Array.prototype.forEach.call(row.querySelectorAll('button'), function (x) { x.disabled = true; });
      });
      row.appendChild(btn);
    });
    surveys[s.id] = row;
    return row;
  }

  function upload(f) {
    var caption = input.value.trim();
    input.value = '';
    var body = new FormData();
    body.append('token', token || '');
    body.append('text', caption);
    body.append('file', f, f.name);
    fetch(origin + '/widget/upload', { method: 'POST', body: body })
      .then(function (r) {
        return r.json().then(function (j) { return { ok: r.ok, status: r.status, j: j }; });
      })
      .then(function (res) {
        if (res.ok) render({ id: res.j.id, from: 'customer', text: caption, media: { kind: 'image', name: f.name, url: res.j.url } });
        else say(W.status[res.status] || res.j.error || W.imageFailed);
      })
      .catch(function () { say(W.imageFailed); });
  }

  var notice = null;
  function say(text) {
    if (!notice) notice = el('div', 'bw-notice');
    notice.textContent = text;
    log.appendChild(notice);
    log.scrollTop = log.scrollHeight;
  }

  function transmit(m) {
    if (ws && ws.readyState === 1) {
      ws.send(JSON.stringify({ type: 'message', text: m.text, client_id: m.client_id }));
    }
  }

  var ws = null;
  var backoff = 500;
  function connect() {
    ws = new WebSocket(origin.replace(/^http/, 'ws') + '/widget/ws');
    ws.onopen = function () {
      backoff = 500;
      ws.send(JSON.stringify({ type: 'hello', token: token }));
    };
    ws.onmessage = function (ev) {
      var data;
      try {
        data = JSON.parse(ev.data);
      } catch (e) {
        return;
      }
      if (data.type === 'welcome') {
        if (data.token) {
          token = data.token;
          try {
            localStorage.setItem(KEY, token);
          } catch (e) {}
        }
        dot.classList.remove('bw-off');
        if (notice && notice.parentNode) notice.parentNode.removeChild(notice);
        outbox.forEach(transmit);
      }
      if (data.type === 'history') data.messages.forEach(render);
      if (data.type === 'message') {
        if (data.message.from !== 'customer') showTyping(null);
        render(data.message);
      }
      if (data.type === 'rated') {
        var row = surveys[data.survey];
        if (row) row.parentNode.replaceChild(el('div', 'bw-who', W.thanks), row);
      }
      if (data.type === 'typing') showTyping(data.author || W.someone);
      if (data.type === 'ack') {
        outbox = outbox.filter(function (m) {
          return m.client_id !== data.client_id;
        });
        render({ client_id: data.client_id, id: data.id });
      }
      if (data.type === 'error') {
        say(data.retry_after ? W.tooFast.replace('{s}', data.retry_after) : data.error);
        var m = outbox.filter(function (x) { return x.client_id === data.client_id; })[0];
        if (m && data.retry_after) setTimeout(function () { transmit(m); }, data.retry_after * 1000);
      }
    };
    ws.onclose = function (ev) {
      dot.classList.add('bw-off');
      if (ev.reason) say(W.closed[ev.code] || ev.reason);
      setTimeout(connect, backoff + Math.random() * 250);
      backoff = Math.min(backoff * 2, 30000);
    };
  }

  bubble.addEventListener('click', function () {
    var open = panel.classList.toggle('bw-open');
    bubble.setAttribute('aria-label', open ? W.close : W.open);
    if (open) input.focus();
  });
  close.addEventListener('click', function () {
    panel.classList.remove('bw-open');
    bubble.setAttribute('aria-label', W.open);
  });
  var toldTyping = 0;
  input.addEventListener('input', function () {
    var now = Date.now();
    if (!input.value.trim() || now - toldTyping < 2500 || !ws || ws.readyState !== 1) return;
    toldTyping = now;
    ws.send(JSON.stringify({ type: 'typing' }));
  });
  attach.addEventListener('click', function () { file.click(); });
  file.addEventListener('change', function () {
    if (file.files && file.files[0]) upload(file.files[0]);
    file.value = '';
  });
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = '';
    var m = { client_id: uid(), text: text };
    outbox.push(m);
    render({ client_id: m.client_id, from: 'customer', text: text, pending: true });
    transmit(m);
  });

  connect();
})();
