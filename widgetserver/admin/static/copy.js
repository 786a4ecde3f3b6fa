// The copy buttons of the owners' pages: copy the text of the element named in data-copy.
// Without JavaScript the buttons stay hidden and the text can be selected as usual.
(function () {
  "use strict";
  if (!navigator.clipboard) return;
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    var status = button.parentNode.querySelector(".copy-status");
    if (!source) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.textContent.trim()).then(
        function () { if (status) status.textContent = status.getAttribute("data-copied"); },
        function () { if (status) status.textContent = status.getAttribute("data-failed"); }
      );
    });
  });
})();
