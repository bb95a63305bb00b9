// Checkout on a course page: Stripe.js tokenizes the card, we post the token.
(function () {
  "use strict";
  var form = document.getElementById("checkout-form");
  if (!form) return;
  var button = document.getElementById("pay-button");
  var errors = document.getElementById("card-errors");
  var emailError = document.getElementById("email-error");
  var tokenField = document.getElementById("stripe-token");
  var email = document.getElementById("email");
  var paused = form.dataset.paused === "true";  // card-testing pause: Pay stays off
  var busy = false;
  // The server's rule (app/checkout/forms.py), also in the input's pattern attribute.
  var EMAIL_MESSAGE = "Enter a valid email address for your receipt, like name@example.com.";

  function showError(message) {
    errors.textContent = message || "";
  }

  function showEmailError(message) {
    emailError.textContent = message || "";
    if (message) email.setAttribute("aria-invalid", "true");
    else email.removeAttribute("aria-invalid");
  }

  function emailValid() {
    var value = email.value.trim();
    email.value = value;
    return value !== "" && email.checkValidity();
  }

  email.addEventListener("blur", function () {
    if (email.value.trim() !== "") showEmailError(emailValid() ? "" : EMAIL_MESSAGE);
  });
  email.addEventListener("input", function () {
    if (email.getAttribute("aria-invalid") && emailValid()) showEmailError("");
  });

  if (typeof Stripe !== "function") {
    showError("The payment form could not load. Check your connection and reload the page.");
    button.disabled = true;
    return;
  }
  var stripe = Stripe(form.dataset.publishableKey);
  var card = stripe.elements().create("card", { hidePostalCode: false });
  card.mount("#card-element");
  card.on("change", function (event) {
    showError(event.error ? event.error.message : "");
  });

  function setBusy(value) {
    busy = value;
    button.disabled = value || paused;
    button.setAttribute("aria-busy", value ? "true" : "false");
  }

  // The country select (templates/checkout/_consent.html): chosen before a token is made.
  var country = document.getElementById("country");
  var countryError = document.getElementById("country-error");
  var COUNTRY_MESSAGE = "Choose the country you live in from the list.";

  function countryValid() {
    var ok = !country || country.value !== "";
    if (countryError) countryError.textContent = ok ? "" : COUNTRY_MESSAGE;
    if (country) {
      if (ok) country.removeAttribute("aria-invalid");
      else country.setAttribute("aria-invalid", "true");
    }
    return ok;
  }

  form.addEventListener("submit", function (event) {
    // Apply (the coupon code) is an ordinary POST: the server shows the page again.
    if (event.submitter && event.submitter.id === "apply-code") return;
    event.preventDefault();
    if (busy || paused) return;
    if (!emailValid()) {
      showEmailError(EMAIL_MESSAGE);
      email.focus();
      return;
    }
    if (!countryValid()) {
      country.focus();
      return;
    }
    if (window.consentMissing && window.consentMissing()) return;  // consent.js
    showEmailError("");
    showError("");
    setBusy(true);
    stripe.createToken(card, { name: email.value }).then(function (result) {
      if (result.error) {
        showError(result.error.message);
        setBusy(false);
        return;
      }
      tokenField.value = result.token.id;
      form.submit();  // the button stays disabled: one token, one POST
    }, function () {
      showError("We could not reach our payment provider. Please try again.");
      setBusy(false);
    });
  });
})();
