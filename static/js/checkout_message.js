// Course page: after a decline (or any news about the last try) the page opens where the
// message and the form are, not at the top: on a phone the form is far below. The
// message is focused, so screen readers read it, and scrolled into view with the form.
// Done on "load", after the browser has gone to the URL's #checkout (which resets focus).
(function () {
  "use strict";
  var message = document.querySelector("[data-focus-on-load]");
  if (!message) return;
  var box = message.closest("details");
  if (box) box.open = true;
  function bring() {
    message.focus({ preventScroll: true });
    message.scrollIntoView({ block: "start" });
  }
  if (document.readyState === "complete") bring();
  else window.addEventListener("load", function () { window.setTimeout(bring, 0); });
})();
