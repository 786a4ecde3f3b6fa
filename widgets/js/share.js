/*! Social Widget Kit share buttons */
// Share buttons inside each container's shadow root. Every click makes a fresh reference code,
// opens the network's own share page at once (a real link, so no popup blocker interferes) and
// reports a `share` event to the widget server. Until a click nothing goes to any other host.
// The build puts in one language's strings (T), the icons ({name: [label, colour, path]}) and
// the minified CSS.
(() => {
  'use strict';
  const T = __SWK_STRINGS__;
  const ICONS = __SWK_ICONS__;
  const CSS = __SWK_CSS__;
  // Each network's documented share address: {u} the link, {t} the title, {b} both, {i} image.
  const TARGETS = {
    whatsapp: 'https://wa.me/?text={b}',
    facebook: 'https://www.facebook.com/sharer/sharer.php?u={u}',
    x: 'https://x.com/intent/tweet?url={u}&text={t}',
    linkedin: 'https://www.linkedin.com/sharing/share-offsite/?url={u}',
    xing: 'https://www.xing.com/spi/shares/new?url={u}',
    pinterest: 'https://www.pinterest.com/pin/create/button/?url={u}&description={t}&media={i}',
    telegram: 'https://t.me/share/url?url={u}&text={t}',
    reddit: 'https://www.reddit.com/submit?url={u}&title={t}',
    threads: 'https://www.threads.net/intent/post?text={b}',
    bluesky: 'https://bsky.app/intent/compose?text={b}',
    mastodon: 'https://{s}/share?text={b}',
    email: 'mailto:?subject={t}&body={m}',
  };
  const SERVER = /^[a-z0-9-]+(\.[a-z0-9-]+)+(:\d{1,5})?$/;
  const KEPT = 'swk:mastodon';
  const e = encodeURIComponent;

  const address = (n, s, server) => {
    const values = {
      u: s.url,
      t: s.title,
      b: s.title ? `${s.title} ${s.url}` : s.url,
      m: s.title ? `${s.title}\n\n${s.url}` : s.url,
      i: s.image,
    };
    return TARGETS[n].replace(/\{(\w)\}/g, (_, k) => (k === 's' ? server : e(values[k])));
  };
  // 96 random bits as 21 characters of [0-9a-z].
  const newCode = () => Array.from(
    crypto.getRandomValues(new Uint32Array(3)), (n) => n.toString(36).padStart(7, '0'),
  ).join('');

  const h = (tag, attrs, ...children) => {
    const el = document.createElement(tag);
    Object.keys(attrs).forEach((k) => attrs[k] != null && el.setAttribute(k, attrs[k]));
    el.append(...children);
    return el;
  };
  const icon = (n) => {
    const tag = document.createElement('template');
    tag.innerHTML = `<svg viewBox="0 0 24 24" aria-hidden="true"><path d="${ICONS[n][2]}"/></svg>`;
    return tag.content.firstChild; // our own constant, never page data
  };

  let sheet; // one style sheet shared by every container
  const style = (root) => {
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
    }
    root.adoptedStyleSheets = [sheet];
  };

  // An absolute http(s) address, or null: nothing else may become a shared link.
  const web = (value) => {
    try {
      const url = value && new URL(value, document.baseURI);
      return url && /^https?:$/.test(url.protocol) ? url : null;
    } catch {
      return null;
    }
  };
  const meta = (selector, attribute) => {
    const el = document.querySelector(selector);
    return el && el.getAttribute(attribute);
  };
  // Text for the server and the networks: no control characters, at most `max` characters
  // (counted whole, so that an emoji is never cut in half).
  const clean = (text, max) =>
    Array.from(String(text || '').replace(/[\0-\x1f\x7f]+/g, ' ').trim()).slice(0, max).join('');
  // What a click shares: the container's choice, else the page's canonical or Open Graph data.
  const subject = (d) => {
    const image = web(d.swkImage || meta('meta[property="og:image"]', 'content'));
    return {
      url:
        web(d.swkUrl) ||
        web(meta('link[rel="canonical"]', 'href')) ||
        web(meta('meta[property="og:url"]', 'content')) ||
        new URL(window.location.href),
      title: [d.swkTitle, meta('meta[property="og:title"]', 'content'), document.title]
        .map((text) => clean(text, 300))
        .find(Boolean) || '',
      image: image ? image.href : '',
    };
  };

  // The address with the code (and UTM) added; the page's own query and fragment stay intact.
  const tracked = (url, ctx, channel, code) => {
    const config = ctx.config;
    const add = { [config.ref_param]: code };
    if (config.utm.enabled) {
      add.utm_source = channel;
      add.utm_medium = channel === 'email' ? 'email' : 'social';
      add.utm_campaign = config.utm.campaign;
    }
    const keys = Object.keys(add);
    const link = new URL(url.href);
    link.search = link.search.slice(1).split('&')
      .filter((pair) => pair && !keys.includes(pair.split('=')[0]))
      .concat(keys.map((k) => `${k}=${e(add[k])}`)).join('&');
    return link.href;
  };

  const mount = (host, ctx) => {
    const d = host.dataset;
    const config = ctx.config;
    const pick = (value, options, fallback) => (options.includes(value) ? value : fallback);
    const layout = pick(d.swkLayout, ['icons', 'labels', 'compact'], config.layout);
    const menuitem = layout === 'compact' ? 'menuitem' : null;
    const usable = (list) => list.filter(
      (n, i) => Object.hasOwn(ICONS, n) && list.indexOf(n) === i && (n !== 'native' || navigator.share),
    );
    const chosen = usable(String(d.swkNetworks || '').split(/[\s,]+/));
    const networks = chosen.length ? chosen : usable(config.networks);
    if (!networks.length) return;
    let root = host.shadowRoot;
    try {
      root = root || host.attachShadow({ mode: 'open' });
    } catch { // an element that cannot have a shadow root (<li>, <td>, ...) gets a <div> inside
      root = host.appendChild(h('div', {})).attachShadow({ mode: 'open' });
    }
    const theme = pick(d.swkTheme, ['auto', 'light', 'dark'], config.theme);
    const colours = pick(d.swkColours, ['brand', 'mono'], config.colours);
    const wrap = h('div', { class: `swk ${layout} ${theme} ${colours}` });
    const status = h('div', { class: 'status', role: 'status' });
    let menu;
    let toggle;
    let panel;

    const report = (channel, code) => {
      const page = subject(d).url;
      ctx.post('/v1/events', {
        site: ctx.site,
        events: [{
          type: 'share',
          code,
          channel,
          url: (page.origin + page.pathname).slice(0, 2048),
          product: clean(d.swkProduct, 128) || null,
          parent: ctx.code(),
        }],
      });
    };

    const button = (n) => {
      const link = Object.hasOwn(TARGETS, n) && n !== 'mastodon';
      const label = ICONS[n][0] || T[n];
      let name = ICONS[n][0] ? T.share_on.replace('{name}', label) : T[`${n}_long`] || label;
      if (link && n !== 'email') name += ` (${T.new_window})`;
      const el = h(link ? 'a' : 'button', {
        class: 'b',
        'data-n': n,
        'aria-label': name,
        role: menuitem,
        tabindex: menuitem && '-1',
        type: link ? null : 'button',
        href: link ? address(n, { url: subject(d).url.href, title: '', image: '' }) : null,
        target: link && n !== 'email' ? '_blank' : null,
        rel: link ? 'noopener noreferrer' : null,
      }, icon(n), h('span', { class: 't' }, label));
      el.style.setProperty('--c', ICONS[n][1]);
      return el;
    };
    const items = networks.map(button);

    // Menus and questions open below their button, towards the middle of the screen.
    const place = (anchor) => {
      const box = anchor.getBoundingClientRect();
      wrap.classList.toggle('end', box.left + box.right > innerWidth);
    };
    const openMenu = (index) => {
      place(toggle);
      menu.hidden = false;
      toggle.setAttribute('aria-expanded', 'true');
      items[(index + items.length) % items.length].focus();
    };
    const closeMenu = (refocus) => {
      if (menu && !menu.hidden) {
        menu.hidden = true;
        toggle.setAttribute('aria-expanded', 'false');
        if (refocus) toggle.focus();
      }
    };

    // Mastodon has no single address: the visitor names their server once.
    const ask = (share, back) => {
      const input = h('input', {
        type: 'text',
        id: 'server',
        placeholder: 'mastodon.social',
        spellcheck: 'false',
        'aria-describedby': 'err',
      });
      const keep = h('input', { type: 'checkbox', checked: '' });
      const error = h('p', { class: 'err', id: 'err' });
      const close = () => {
        panel.remove();
        panel = null;
        back.focus();
      };
      panel = h('form', { class: 'panel', 'aria-label': 'Mastodon' },
        h('label', { for: 'server' }, T.server), input,
        h('label', {}, keep, ` ${T.remember}`), error,
        h('div', { class: 'row' },
          h('button', { class: 'b', type: 'submit' }, T.share),
          h('button', { class: 'b', type: 'reset' }, T.cancel)));
      panel.onsubmit = (event) => {
        event.preventDefault();
        const server = input.value.trim().toLowerCase()
          .replace(/^https?:\/\//, '').replace(/^@?[^@/]*@/, '').replace(/\/.*/, '');
        if (!SERVER.test(server)) {
          error.textContent = T.bad_server;
          input.setAttribute('aria-invalid', 'true');
          return input.focus();
        }
        share(server);
        if (keep.checked) {
          try { localStorage.setItem(KEPT, server); } catch { /* storage blocked */ }
        }
        close();
      };
      panel.onreset = close;
      panel.onkeydown = (event) => {
        if (event.key === 'Escape') close();
      };
      place(back);
      wrap.append(panel);
      input.focus();
    };

    const copy = (text) => navigator.clipboard
      ? navigator.clipboard.writeText(text)
      : new Promise((done, fail) => { // pages without HTTPS have no clipboard API
        const area = root.appendChild(h('textarea', {}, text));
        area.select();
        (document.execCommand('copy') ? done : fail)();
        area.remove();
      });

    const activate = (el) => {
      const n = el.dataset.n;
      const page = subject(d);
      closeMenu(true);
      const code = newCode();
      const share = { ...page, url: tracked(page.url, ctx, n, code) };
      if (n === 'copy') {
        copy(share.url).then(() => {
          status.textContent = T.copied;
          setTimeout(() => { status.textContent = ''; }, 3000);
          report(n, code);
        }, () => {});
      } else if (n === 'native') {
        navigator.share({ title: page.title, url: share.url }).then(() => report(n, code), () => {});
      } else if (n === 'mastodon') {
        const open = (server) => {
          window.open(address(n, share, server), '_blank', 'noopener');
          report(n, code);
        };
        let server;
        try { server = localStorage.getItem(KEPT); } catch { /* storage blocked */ }
        if (SERVER.test(server)) open(server);
        else if (!panel) ask(open, toggle || el);
      } else {
        el.href = address(n, share); // the browser follows the fresh address when the click ends
        report(n, code);
      }
    };

    // Clicks, and middle clicks that open a link in a new tab: each needs its own fresh code.
    wrap.onclick = wrap.onauxclick = (event) => {
      const el = event.target.closest('.b[data-n]');
      if (!el || event.button > 1 || (event.button && el.tagName !== 'A')) return;
      if (el !== toggle) activate(el);
      else if (menu.hidden) openMenu(0);
      else closeMenu(true);
    };

    if (menuitem) {
      toggle = h('button', {
        class: 'b',
        type: 'button',
        'data-n': 'menu',
        'aria-haspopup': 'menu',
        'aria-expanded': 'false',
        'aria-controls': 'menu',
      }, icon('native'), h('span', { class: 't' }, T.share));
      menu = h('div', { role: 'menu', id: 'menu', 'aria-label': T.share, hidden: '' }, ...items);
      toggle.onkeydown = (event) => {
        if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
          event.preventDefault();
          openMenu(event.key === 'ArrowDown' ? 0 : -1);
        }
      };
      menu.onkeydown = (event) => {
        const at = items.indexOf(root.activeElement);
        const to = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: -1 }[event.key];
        if (to != null) items[(to + items.length) % items.length].focus();
        else if (event.key === 'Escape') closeMenu(true);
        else if (event.key === ' ') root.activeElement.click();
        else {
          if (event.key === 'Tab') closeMenu(true); // Tab goes on from the menu's button
          return; // the key keeps its usual effect
        }
        event.preventDefault();
      };
      document.addEventListener('click', (event) => {
        if (!event.composedPath().includes(host)) closeMenu(false);
      });
      wrap.append(toggle, menu, status);
    } else {
      const row = h('div', { class: 'row' }, ...items);
      // Labels that do not fit give way to icons; icons that do not fit scroll, and fade out at
      // the edge while there is more to see.
      const fit = () => {
        wrap.className = wrap.className.replace('icons', layout);
        if (row.scrollWidth > row.clientWidth) wrap.classList.replace('labels', 'icons');
        const hidden = row.scrollWidth - row.clientWidth - Math.abs(row.scrollLeft);
        wrap.classList.toggle('more', hidden > 1);
      };
      row.onscroll = fit;
      new ResizeObserver(fit).observe(row);
      wrap.append(row, status);
    }
    root.replaceChildren(wrap);
    style(root);
  };

  window.swk('define', `share:${T.lang}`, mount);
})();
