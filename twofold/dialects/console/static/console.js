// twofold Admin Console: small progressive enhancements; every page works without them.
(function () {
  "use strict";
  // A form that changes a lot asks first (data-confirm="…").
  document.addEventListener("submit", function (event) {
    var text = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (text && !window.confirm(text)) { event.preventDefault(); }
  });
  document.addEventListener("click", function (event) {
    var back = event.target.closest && event.target.closest("[data-back]");
    if (back && window.history.length > 1) { event.preventDefault(); window.history.back(); }
  });
  // A dialog page: Escape cancels (follows the dialog's Cancel link); focus starts inside it.
  var dialog = document.querySelector("[role=dialog]");
  if (dialog) {
    var first = dialog.querySelector("input:not([type=hidden]), select, textarea, button, a[href]");
    if (first && !document.querySelector("[autofocus]")) { first.focus(); }
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        var cancel = dialog.querySelector("[data-cancel]");
        if (cancel) { window.location.href = cancel.getAttribute("href"); }
      }
    });
  }
})();
