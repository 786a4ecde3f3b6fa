// Page data made safe to use: addresses and texts. The build puts this module into the widget
// files whose registry entry names "text".

// A part of an address: percent-encoded as RFC 3986 and RFC 6068 (mailto:) want it.
const e = encodeURIComponent;

// An absolute http(s) address, or null: nothing else may become a shared link.
const web = (value) => {
  try {
    const url = value && new URL(value, document.baseURI);
    return url && /^https?:$/.test(url.protocol) ? url : null;
  } catch {
    return null;
  }
};

// Text for the server and the networks: no control characters, at most `max` characters
// (counted whole, so that an emoji is never cut in half).
const clean = (text, max) =>
  Array.from(String(text || '').replace(/[\0-\x1f\x7f]+/g, ' ').trim()).slice(0, max).join('');
