/*! Social Widget Kit share buttons */
// Share buttons inside each container's shadow root. Every click makes a fresh reference code,
// opens the network's own share page at once (a real link, so no popup blocker interferes) and
// reports a `share` event to the widget server. Until a click nothing goes to any other host.
// The build wraps this in one function with one language's strings (T), the icons ({name:
// [label, colour, path]}), the minified CSS and the helpers of lib/dom.js, text.js, link.js,
// net.js (the networks' addresses) and copy.js, and hands `mount` to the loader. What it keeps in the browser goes through ctx.keep.

const SERVER = /^[a-z0-9-]+(\.[a-z0-9-]+)+(:\d{1,5})?$/;
// Earlier versions kept the Mastodon server outside the storage policy: it is dropped unread.
try { localStorage.removeItem('swk:mastodon'); } catch { /* no storage here */ }

const meta = (selector, attribute) => {
  const el = document.querySelector(selector);
  return el && el.getAttribute(attribute);
};
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
  const root = shadow(host);
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
    // Remembering is the visitor's choice, offered only where the site's storage policy
    // lets the loader keep it (and for as long as it does).
    const mode = ctx.keeping();
    const keep = h('input', { type: 'checkbox' });
    const error = h('p', { class: 'err', id: 'err' });
    const close = () => {
      panel.remove();
      panel = null;
      back.focus();
    };
    panel = h('form', { class: 'panel', 'aria-label': 'Mastodon' },
      h('label', { for: 'server' }, T.server), input,
      ...mode ? [h('label', {}, keep, ` ${mode === 'session' ? T.remember_tab : T.remember}`)] : [],
      error,
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
      if (keep.checked) ctx.keep('share:mastodon', server);
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

  const activate = (el) => {
    const n = el.dataset.n;
    const page = subject(d);
    closeMenu(true);
    const code = newCode();
    const share = { ...page, url: tracked(page.url, ctx, n, code) };
    if (n === 'copy') {
      copy(root, share.url).then(() => {
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
      const server = ctx.kept('share:mastodon');
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
};

