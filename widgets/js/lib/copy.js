// Copying a text for the visitor. The build puts this module into the widget files whose
// registry entry names "copy"; it uses h() of dom.js.

// The Clipboard API, and on pages without HTTPS (which have none) the browser's copy command
// on a text area put into the widget's shadow `root` for the moment.
const copy = (root, text) => navigator.clipboard
  ? navigator.clipboard.writeText(text)
  : new Promise((done, fail) => {
    const area = root.appendChild(h('textarea', {}, text));
    area.select();
    (document.execCommand('copy') ? done : fail)();
    area.remove();
  });
