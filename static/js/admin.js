// Admin enhancements; every page works without this script.
(function () {
  "use strict";
  // Load the totals for the current filters in the background, so the list shows at once.
  document.querySelectorAll("[data-totals-src]").forEach(function (box) {
    fetch(box.getAttribute("data-totals-src"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { box.innerHTML = html; })
      .catch(function () { /* keep the link to the totals page */ });
  });
  // Disable a refund button once its form is sent, so a double click sends one request.
  document.querySelectorAll("form.refund-form").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (button) { setTimeout(function () { button.disabled = true; }, 0); }
    });
  });
  // An error the admin must read (a refund that was not sent) is brought into view.
  var alertBox = document.querySelector("[data-scroll-into-view]");
  if (alertBox) {
    alertBox.scrollIntoView({ block: "center" });
    alertBox.focus({ preventScroll: true });
  }
})();
