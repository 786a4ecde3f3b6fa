/*! Social Widget Kit loader */
// The one script a shop embeds. It keeps the command queue, records a visit when the page was
// opened through a shared or recommended link, keeps that link's code as the site's storage
// mode and the visitor's consent allow, reports browser conversions, and fills every
// `data-swk` container, now and later, loading only the widgets (and the one language) the page
// needs. It talks to no host but the widget server it was loaded from, and sets no cookie.
(() => {
  'use strict';
  const w = window;
  const script = document.currentScript;
  const site = script && script.dataset.site;
  if (!site || (w.swk && w.swk.loaded)) return; // a tag without a site leaves room for one with


  const endpoint = (script.dataset.endpoint || new URL(script.src).origin).replace(/\/$/, '');
  const queued = (w.swk && w.swk.q) || [];
  const VERSION = __SWK_VERSION__; // of this build's widget files (put in by the build)
  const LANGS = __SWK_LANGS__;
  const files = {}; // "share:de" -> the containers waiting for that file, then its mount function
  const seen = new WeakSet();
  const CODE = /^[A-Za-z0-9_-]{6,32}$/;
  const KEY = 'swk:' + site;
  const DAY = 864e5;
  let config = null;
  let consent = null;
  let code = null; // the code this visitor arrived with (this page or an earlier one)

  const post = (path, body) =>
    fetch(endpoint + path, {
      method: 'POST',
      body: JSON.stringify(body), // a string body is text/plain: no CORS preflight
      keepalive: true,
      credentials: 'omit',
    }).catch(() => {});

  const gpc = () => navigator.globalPrivacyControl === true;

  // The storage the site's mode and the visitor's choices allow right now, or null: none at
  // all under Global Privacy Control or once the visitor has said no.
  const storage = () => {
    if (gpc() || consent === false) return null;
    try {
      if (config.storage_mode === 'session') return w.sessionStorage;
      if (config.storage_mode === 'persistent' && (consent || !config.consent_required)) {
        return w.localStorage;
      }
    } catch { /* storage disabled by the browser */ }
    return null;
  };

  const forget = () => {
    ['localStorage', 'sessionStorage'].forEach((name) => {
      try { w[name].removeItem(KEY); } catch { /* nothing stored */ }
    });
  };

  // Everything kept for the site is one record under KEY, where storage() allows: the arrival
  // code and when it came (`code`, `at`), and what widgets keep (`<widget>:<name>`). `keep`
  // sets one entry, or deletes it when given no value.
  const record = () => {
    try { return JSON.parse(storage().getItem(KEY)) || {}; } catch { return {}; }
  };
  const kept = (name) => record()[name];
  const keep = (name, value) => {
    try {
      storage().setItem(KEY, JSON.stringify({ ...record(), [name]: value }));
    } catch { /* no storage allowed, or full */ }
  };
  const save = () => {
    if (code) {
      keep('at', Date.now());
      keep('code', code);
    }
  };

  const recall = () => {
    const given = kept('code');
    if (CODE.test(given) && Date.now() - kept('at') < config.attribution_window_days * DAY) {
      return given;
    }
    if (given) keep('code');
    return null;
  };

  // A landing through a link: report the visit, keep the code, and take the code (only it)
  // out of the address bar, so that it is not shared again.
  const land = () => {
    const at = w.location;
    const given = new URLSearchParams(at.search).get(config.ref_param);
    if (!given) return;
    const search = at.search.slice(1).split('&')
      .filter((pair) => pair && pair.split('=')[0] !== config.ref_param).join('&');
    w.history.replaceState(w.history.state, '', at.pathname + (search && `?${search}`) + at.hash);
    if (!CODE.test(given)) return;
    code = given;
    post('/v1/events', { site, events: [{ type: 'visit', code, url: at.origin + at.pathname }] });
    save();
  };

  // The container's language, then the page's, then the site's default, then English. Before
  // the site's settings have arrived (`settled` false) it is null when they could decide it.
  const language = (host, settled) => {
    for (const tag of [
      host.dataset.swkLang, document.documentElement.lang, config && config.lang,
    ]) {
      const lang = (tag || '').split(/[-_]/)[0].toLowerCase();
      if (LANGS.includes(lang)) return lang;
    }
    return settled ? 'en' : null;
  };

  // What a widget's mount(host, ctx) gets. ctx.keep(name, value) and ctx.kept(name) keep values
  // under the same policy as the code; ctx.keeping() is the storage mode that allows it now;
  // ctx.endpoint is the widget server, for a widget's own requests that need their answer.
  const context = {
    site,
    endpoint,
    post,
    get config() { return config; },
    code: () => code,
    keep,
    kept,
    keeping: () => storage() && config.storage_mode,
  };
  const start = (mount, host) => {
    try { mount(host, context); } catch { /* one broken container must not stop the rest */ }
  };

  // Ask for a widget's file in one language, once.
  const load = (type, lang) => {
    const key = `${type}:${lang}`;
    if (!files[key]) {
      files[key] = [];
      const tag = document.createElement('script'); // async, as added by a script
      tag.src = `${endpoint}/v1/assets/${type}.${VERSION}.${lang}.js`;
      document.head.append(tag);
    }
    return key;
  };

  const fill = (host) => {
    if (seen.has(host)) return;
    seen.add(host);
    const file = files[load(host.dataset.swk, language(host, true))];
    if (file.push) file.push(host);
    else start(file, host);
  };

  // An element, or a shadow root the shop names with swk('scan', root).
  const scan = (node) => {
    if (node.matches && node.matches('[data-swk]')) fill(node);
    if (node.querySelectorAll) node.querySelectorAll('[data-swk]').forEach(fill);
  };

  const commands = {
    scan,
    // Called by a widget bundle once it has arrived.
    define(key, mount) {
      const hosts = files[key] || [];
      files[key] = mount;
      hosts.forEach((host) => start(mount, host));
    },
    consent(value) {
      consent = value === true;
      if (consent) save();
      else forget();
    },
    conversion({ order_id: id, amount, currency, token }) {
      // Without an order id every such order would merge into one: report nothing instead.
      if (id == null || amount == null || !currency) return;
      post('/v1/conversions/browser', {
        site,
        order_id: `${id}`,
        amount: `${amount}`,
        currency: `${currency}`,
        ref: code || recall(),
        token,
      });
    },
  };

  const run = ([name, ...args]) => {
    try { commands[name](...args); } catch { /* an unknown or bad call must not break the page */ }
  };

  const api = function swk(...args) {
    if (config) run(args);
    else api.q.push(args);
  };
  api.q = Array.from(queued, (args) => Array.from(args));
  api.loaded = true;
  w.swk = api;

  // Widgets already on the page are asked for beside the settings, not after them, when their
  // language does not depend on the settings (their code waits in the queue until then).
  document.querySelectorAll('[data-swk]').forEach((host) => {
    const lang = language(host, false);
    if (lang) load(host.dataset.swk, lang);
  });
  fetch(`${endpoint}/v1/sites/${encodeURIComponent(site)}/config`, { credentials: 'omit' })
    .then((response) => response.ok ? response.json() : Promise.reject())
    .then((loaded) => {
      config = loaded;
      if (gpc()) forget();
      land();
      if (!code) code = recall();
      // The friend's offer as a notice of its own, where the site wants one (offer.js).
      if (code && config.referral?.offer === 'notice') {
        document.body.insertAdjacentHTML('beforeend', '<div data-swk=offer data-swk-notice></div>');
      }
      api.q.splice(0).forEach(run);
      scan(document.documentElement);
      // New containers, and elements that become containers (attributeFilter: attributes too).
      new MutationObserver((records) => records.forEach((r) => {
        r.addedNodes.forEach(scan);
        scan(r.target);
      })).observe(document.documentElement, {
        childList: true, subtree: true, attributeFilter: ['data-swk'],
      });
    })
    .catch(() => { /* the shop's page works without us */ });
})();
