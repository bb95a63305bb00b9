// The checkout's EU/EEA/UK box (templates/checkout/_consent.html): shown only while the
// selected country is one whose buyers are asked. The server decides again; this only
// keeps the form short for everyone else.
(function () {
  "use strict";
  var select = document.getElementById("country");
  var box = document.getElementById("consent-box");
  if (!select || !box) return;
  var codes = (box.dataset.consentCountries || "").split(" ");
  function update() {
    box.hidden = codes.indexOf(select.value) === -1;
  }
  select.addEventListener("change", update);
  update();
})();
