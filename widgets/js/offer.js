/*! Social Widget Kit offer */
// The friend's welcome gift: a visitor who arrived through a referral link is shown the coupon
// the shop's owner set up for friends, with a copy button. It asks the widget server once per
// page (POST /v1/offers) and only where the site's settings say so; without an offer it draws
// nothing and takes no space. The loader adds a `data-swk-notice` container of its own when
// the site's offer mode is "notice"; otherwise only containers the shop placed are filled.
// The build puts in T, ICONS, CSS and the helpers of lib/dom.js and copy.js.

let asked; // the one answer for every container of the page
let closed = false; // dismissed on this page
const shown = []; // what each container drew: its shadow root, or the loader's notice

// A text of the server's answer or the owner's settings, shown as text (never markup).
const text = (value) => (typeof value === 'string' ? value.trim() : '');

const mount = (host, ctx) => {
  const referral = ctx.config.referral || {};
  const code = ctx.code();
  const notice = 'swkNotice' in host.dataset;
  if (!code || closed || ctx.kept('offer:closed') === code
    || referral.offer !== (notice ? 'notice' : 'container')
    || !['fixed', 'pool'].includes(referral.friend_coupon)) return;
  asked = asked || fetch(`${ctx.endpoint}/v1/offers`, {
    method: 'POST',
    body: JSON.stringify({ site: ctx.site, code }),
    credentials: 'omit',
  }).then((response) => response.status === 200 && response.json()).catch(() => null);
  asked.then((answer) => {
    const coupon = text(answer && answer.coupon);
    if (!coupon || closed) return;
    const own = (referral.texts || {})[T.lang] || {};
    const theme = ['auto', 'light', 'dark'].includes(host.dataset.swkTheme)
      ? host.dataset.swkTheme : ctx.config.theme;
    const root = shadow(host);
    const status = h('p', { class: 'st', role: 'status' });
    const copier = h('button', { class: 'b', type: 'button' }, T.copy);
    const close = h('button', { class: 'x', type: 'button', 'aria-label': T.close }, '×');
    copier.onclick = () => copy(root, coupon).then(() => {
      status.textContent = copier.lastChild.data = T.copied;
    }, () => {});
    close.onclick = () => {
      closed = true;
      ctx.keep('offer:closed', code);
      shown.forEach((drawn) => (drawn.host ? drawn.replaceChildren() : drawn.remove()));
    };
    if (notice) {
      host.setAttribute('role', 'region');
      host.setAttribute('aria-label', T.region);
    }
    shown.push(notice ? host : root);
    root.replaceChildren(h('div', { class: `swk ${theme}` },
      h('p', { class: 't' }, text(own.friend) || T.gift),
      h('p', { class: 'c' }, `${T.code} `, h('strong', {}, coupon)),
      copier, close, status));
  });
};
