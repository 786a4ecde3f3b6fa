/*! Social Widget Kit recommend */
// Recommend-a-friend: one click asks the widget server for the visitor's personal link
// (POST /v1/referrals), which they then pass on through their own channel: their own mail
// program, the share sheet, WhatsApp, copy, or the site's networks. The friend's name and
// address and the personal line never leave the browser: they only fill the visitor's own
// mailto: link. Each channel used is reported as an `invite` event: the channel, nothing else.
// Until the click nothing is sent at all. The build puts in T, ICONS, CSS and the helpers of
// lib/dom.js, text.js, net.js and copy.js.

// A mailto: address (RFC 6068): every part percent-encoded, spaces as %20, lines as CRLF.
const mailto = (to, subject, body) =>
  `mailto:${to.split('@').map(e).join('@')}?subject=${e(subject)}&body=${e(body.join('\r\n'))}`;

const mount = (host, ctx) => {
  const d = host.dataset;
  const config = ctx.config;
  const referral = config.referral || {};
  const own = (referral.texts || {})[T.lang] || {};
  const pick = (value, options, fallback) => (options.includes(value) ? value : fallback);
  const layout = pick(d.swkLayout, ['icons', 'labels', 'compact'], config.layout);
  const theme = pick(d.swkTheme, ['auto', 'light', 'dark'], config.theme);
  const page = web(d.swkUrl);
  // The owner's text, else ours (the friend's gift only where the owner set one up).
  const says = (key, fallback) => clean(own[key], 500) || fallback;
  const gift = ['fixed', 'pool'].includes(referral.friend_coupon) && T.friend;
  const root = shadow(host);
  let id = 0;
  const field = (label, attrs) => {
    const input = h('input', { id: `f${++id}`, autocomplete: 'off', ...attrs });
    return [input, h('div', { class: 'f' }, h('label', { for: input.id }, label), input)];
  };
  const [name, nameRow] = field(T.name, { type: 'text', maxlength: 100 });
  const [to, toRow] = field(T.address, { type: 'email', maxlength: 254 });
  const [line, lineRow] = field(T.line, { type: 'text', maxlength: 500 });
  // For bots only: hidden from people and screen readers, never focused, never autofilled.
  const [trap, trapRow] = field(T.trap, { type: 'text', tabindex: '-1' });
  trapRow.className = 'hp';
  trapRow.setAttribute('aria-hidden', 'true');
  const get = h('button', { class: 'go b', type: 'submit' }, T.get);
  const fields = [nameRow, toRow, lineRow, h('p', { class: 'n' }, T.private)];
  const form = h('form', {},
    layout === 'compact'
      ? h('details', {}, h('summary', {}, T.more), ...fields)
      : h('div', { class: 'fs' }, ...fields),
    trapRow, get);
  const status = h('p', { class: 'st', role: 'status', 'aria-live': 'polite' });
  const out = h('div', { class: 'out', hidden: '' });
  const wrap = h('div', { class: `swk ${layout} ${theme}` },
    h('p', { class: 'hd' }, says('headline', T.headline)),
    ...[says('friend', gift), says('referrer')]
      .filter(Boolean).map((text) => h('p', { class: 't' }, text)),
    form, status, out);
  root.replaceChildren(wrap);

  let made; // the server's answer: {code, link, claim?}
  const invite = (channel) => ctx.post('/v1/events', {
    site: ctx.site, events: [{ type: 'invite', code: made.code, channel }],
  });
  const say = (text) => { status.textContent = text; };
  const box = (label, value) => {
    const [input, row] = field(label, { type: 'text', readonly: '', value });
    input.onfocus = () => input.select();
    return [input, row];
  };
  // A channel: a real link (its address set at the click) or a button.
  // A network the widget draws no icon for shows its name (the label still says it all).
  const channel = (n, label, href, blank) => {
    const drawn = ICONS[n][2];
    const el = h(href ? 'a' : 'button', {
      class: drawn ? 'b' : 'b w',
      'data-n': n,
      'aria-label': blank ? `${label} (${T.new_window})` : label,
      type: href ? null : 'button',
      href,
      target: blank && '_blank',
      rel: href && 'noopener noreferrer',
    }, ...drawn ? [icon(n), h('span', { class: 'l' }, label)] : [ICONS[n][0]]);
    if (blank) el.style.setProperty('--c', ICONS[n][1]); // a network's own colour
    return el;
  };

  const show = () => {
    const link = made.link;
    const [linkBox, linkRow] = box(T.link, link);
    const row = [channel('email', T.email, 'mailto:')];
    if (navigator.share) row.push(channel('native', T.native));
    row.push(channel('copy', T.copy));
    // WhatsApp and the site's networks that this widget draws (ICONS), in the site's order.
    const networks = ['whatsapp', ...config.networks]
      .filter((n, i, all) => ICONS[n] && TARGETS[n] && n !== 'email' && all.indexOf(n) === i);
    networks.forEach((n) => row.push(channel(
      n, T.share_on.replace('{name}', ICONS[n][0]), address(n, { url: link, title: T.tip }), true,
    )));
    const channels = h('div', { class: 'row', role: 'group', 'aria-labelledby': 'via' }, ...row);
    channels.onclick = (event) => {
      const el = event.target.closest('[data-n]');
      if (!el) return;
      const n = el.dataset.n;
      if (n === 'email') {
        if (!to.reportValidity()) return event.preventDefault();
        const who = clean(name.value, 100);
        el.href = mailto(to.value.trim(), T.subject, [
          who ? T.hi.replace('{name}', who) : T.hi_all,
          '',
          ...line.value.trim() ? [clean(line.value, 500), ''] : [],
          T.body,
          link,
        ]); // the browser follows the fresh address when the click ends
        invite(n);
      } else if (n === 'copy') {
        copy(root, link).then(() => { say(T.copied); invite(n); }, () => linkBox.select());
      } else if (n === 'native') {
        navigator.share({ title: T.tip, url: link }).then(() => invite(n), () => {});
      } else {
        invite(n);
      }
    };
    const parts = [linkRow, h('p', { class: 'n', id: 'via' }, T.via), channels];
    if (made.claim) {
      const [, claimRow] = box(T.claim, made.claim);
      parts.push(h('p', {}, T.keep), claimRow, h('a', {
        href: mailto('', T.me_subject, [T.link, link, '', T.claim, made.claim]),
      }, T.me));
    }
    out.replaceChildren(...parts);
    out.hidden = false;
    get.hidden = true;
    say(`${T.ready} ${link}`);
    linkBox.focus();
  };

  form.onsubmit = (event) => {
    event.preventDefault();
    get.disabled = true; // no second request while one is under way
    // Only the site, the shop's token and page, and the trap: nothing the visitor typed.
    fetch(`${ctx.endpoint}/v1/referrals`, {
      method: 'POST',
      body: JSON.stringify({
        site: ctx.site, token: d.swkToken || undefined, url: page ? page.href : undefined,
        hp: trap.value,
      }),
      credentials: 'omit',
    })
      .then((response) => response.json().then((body) => {
        if (response.status !== 201) throw response.status;
        made = body;
        show();
      }))
      .catch((code) => {
        get.disabled = false;
        say({ 429: T.busy, 403: T.refused }[code] || T.failed);
      });
  };
};
