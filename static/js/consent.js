// The checkout's EU/EEA/UK box (templates/checkout/_consent.html): shown only while the
// selected country is one whose buyers are asked (and the state, for the US). The server decides again; this only
// keeps the form short for everyone else.
(function () {
  "use strict";
  var select = document.getElementById("country");
  var box = document.getElementById("consent-box");
  if (!select || !box) return;
  var codes = (box.dataset.consentCountries || "").split(" ");
  var stateField = document.getElementById("state-field");
  var confirmed = document.getElementById("country-confirmed");  // "I live in …"
  function update() {
    box.hidden = codes.indexOf(select.value) === -1;
    if (stateField) stateField.hidden = select.value !== "US";  // a US buyer's state
    if (confirmed) {
      confirmed.parentNode.hidden = select.value !== confirmed.value;
      if (confirmed.parentNode.hidden) confirmed.checked = false;
    }
  }
  select.addEventListener("change", update);
  update();

  // When the store requires the tick to pay (CONSENT_OFFER_START_LATER=false), the page's
  // payment scripts ask this before anything is sent; the server checks it again.
  var tick = document.getElementById("immediate-access-consent");
  var error = document.getElementById("consent-error");
  window.consentMissing = function () {
    var missing = !box.hidden && tick && tick.dataset.required === "true" && !tick.checked;
    if (error) error.textContent = missing ? (box.dataset.requiredMessage || "") : "";
    if (missing) tick.focus();
    return missing;
  };
})();
