// The public portal's only script: a Print button on the action-plan
// document. Without JavaScript the button stays hidden and the page says
// how to print with the browser's own command.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll(".ogp-print-howto").forEach(function (p) { p.classList.add("usa-sr-only"); });
})();
