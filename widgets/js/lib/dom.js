// Elements, icons and the shadow root every widget draws into. The build puts this module into
// the widget files whose registry entry names "dom"; it uses the file's ICONS and CSS.

// An element with attributes (null and undefined ones left out) and children.
const h = (tag, attrs, ...children) => {
  const el = document.createElement(tag);
  Object.keys(attrs).forEach((k) => attrs[k] != null && el.setAttribute(k, attrs[k]));
  el.append(...children);
  return el;
};

// An inline SVG icon from ICONS ({name: [label, colour, path]}).
const icon = (n) => {
  const tag = document.createElement('template');
  tag.innerHTML = `<svg viewBox="0 0 24 24" aria-hidden="true"><path d="${ICONS[n][2]}"/></svg>`;
  return tag.content.firstChild; // our own constant, never page data
};

let sheet; // one style sheet shared by every container of the widget

// The container's shadow root, with the widget's style sheet adopted. An element that cannot
// have a shadow root (<li>, <td>, ...) gets a <div> inside that has one.
const shadow = (host) => {
  let root = host.shadowRoot;
  try {
    root = root || host.attachShadow({ mode: 'open' });
  } catch {
    root = host.appendChild(h('div', {})).attachShadow({ mode: 'open' });
  }
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
  }
  root.adoptedStyleSheets = [sheet];
  return root;
};
