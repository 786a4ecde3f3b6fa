// Reference codes and the tracked links that carry them. The build puts this module into the
// widget files whose registry entry names "link"; it uses e() of text.js.

// 96 random bits as 21 characters of [0-9a-z].
const newCode = () => Array.from(
  crypto.getRandomValues(new Uint32Array(3)), (n) => n.toString(36).padStart(7, '0'),
).join('');

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
