// The tax before paying (templates/checkout/_tax_line.html, TAX_MODE on): when the buyer
// chooses a country (and a US state), ask the server's pricing step for the tax, its rate
// and the total (GET /courses/<slug>/tax.json, app/checkout/tax_preview.py), show them
// beside Pay and put the total on the button. The server prices the order again when
// Pay is pressed; this only shows the buyer what it will charge.
(function () {
  "use strict";
  var line = document.getElementById("tax-line");
  var country = document.getElementById("country");
  if (!line || !country) return;
  var form = line.closest("form");
  var state = document.getElementById("state");
  var vat = document.getElementById("vat-number");
  var button = form ? form.querySelector("[data-label]") : null;
  var original = button ? button.textContent : "";
  var note = form ? form.querySelector("[data-testid=tax-note]") : null;  // without JS
  var asked = 0;

  function show(text, total) {
    line.textContent = text || "";
    line.hidden = !text;
    if (note) note.hidden = !!text;
    if (!button) return;
    button.textContent = total ? button.dataset.label.replace("%s", total) : original;
  }

  function update() {
    if (!country.value) { show(""); return; }
    var params = new URLSearchParams({country: country.value});
    if (state && country.value === "US") params.append("state", state.value);
    if (vat && vat.value.trim()) params.append("vat", vat.value.trim());
    var code = form && form.elements.code;
    if (code && code.value) params.append("code", code.value);
    var mine = ++asked;
    line.setAttribute("aria-busy", "true");
    fetch(line.dataset.url + "?" + params.toString(), {
      headers: {"Accept": "application/json"}, credentials: "same-origin"
    }).then(function (response) {
      return response.json();
    }).then(function (body) {
      if (mine !== asked) return;  // the buyer chose again meanwhile
      line.removeAttribute("aria-busy");
      if (body.error) { show(body.error); return; }
      show(body.line, body.amount_text);
      if (form && body.amount) {
        form.dataset.amount = String(body.amount);
        form.dispatchEvent(new CustomEvent("taxpreview", {detail: body}));
      }
    }).catch(function () {
      if (mine !== asked) return;
      line.removeAttribute("aria-busy");
      show("");
    });
  }

  country.addEventListener("change", update);
  if (state) state.addEventListener("change", update);
  if (vat) vat.addEventListener("change", update);
  update();
})();
