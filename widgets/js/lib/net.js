// The networks' own share addresses. The build puts this module into the widget files whose
// registry entry names "net"; it uses e() of text.js.

// Each network's documented share address: {u} the link, {t} the title, {b} both, {i} image,
// {s} the visitor's own server (Mastodon).
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

// The address that shares `s` ({url, title, image}) on network `n`.
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
