/*! Social Widget Kit test widget */
// A widget that exists only in the tests: it shows that a registry entry and these files are
// all a widget needs. It greets in the container's language, draws an icon, and keeps how
// often it was shown where the site's storage policy allows.
const mount = (host, ctx) => {
  const root = shadow(host);
  const seen = (ctx.kept('hello:seen') || 0) + 1;
  ctx.keep('hello:seen', seen);
  root.replaceChildren(h('p', { class: 'hello' }, icon('copy'), clean(`${T.hello} ${ctx.site}`, 64)));
  host.dataset.seen = String(seen);
};
