// Checkout with the Payment Element (PAYMENT_FLOW=payment_intents): on Pay, ask the server
// for the order's PaymentIntent, then let Stripe.js confirm it (3-D Secure included).
// The server reads the intent itself on the return page; nothing here is trusted.
(function () {
  "use strict";
  var form = document.getElementById("checkout-form");
  if (!form) return;
  var button = document.getElementById("pay-button");
  var errors = document.getElementById("card-errors");
  var emailError = document.getElementById("email-error");
  var email = document.getElementById("email");
  var codeMessage = document.getElementById("code-message");
  var saveCard = document.getElementById("save-card");
  var paused = form.dataset.paused === "true";  // card-testing pause: Pay stays off
  var busy = false;
  // The server's rule (app/checkout/forms.py), also in the input's pattern attribute.
  var EMAIL_MESSAGE = "Enter a valid email address for your receipt, like name@example.com.";
  var AUTHENTICATION_FAILED = "Your bank did not confirm this payment, and you have not " +
                              "been charged. Try again, or use another card.";
  var UNREACHABLE = "We could not reach our payment provider. You have not been charged. " +
                    "Please try again.";

  function showError(message) {
    errors.textContent = message || "";
    if (message) {  // where the buyer looks next, also on a phone
      errors.scrollIntoView({ block: "center" });
      errors.focus({ preventScroll: true });
    }
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
  var elements = stripe.elements({
    mode: "payment",
    amount: parseInt(form.dataset.amount, 10),
    currency: form.dataset.currency,
    allowedPaymentMethodTypes: ["card"]
  });
  // The tax line (tax_preview.js) found the taxed total: the Element charges that amount.
  form.addEventListener("taxpreview", function () {
    if (elements.update) elements.update({amount: parseInt(form.dataset.amount, 10)});
  });
  var paymentElement = elements.create("payment");
  paymentElement.mount("#payment-element");
  paymentElement.on("change", function () { showError(""); });

  function setBusy(value) {
    busy = value;
    button.disabled = value || paused;
    button.setAttribute("aria-busy", value ? "true" : "false");
  }

  // The order's PaymentIntent: the same one again when the buyer retries after a decline.
  function askForIntent() {
    var body = new URLSearchParams();
    body.append("csrf_token", form.elements.csrf_token.value);
    body.append("email", email.value);
    if (saveCard && saveCard.checked) body.append("save_card", "y");
    var country = document.getElementById("country");
    var consent = document.getElementById("immediate-access-consent");
    if (country) body.append("country", country.value);
    var state = document.getElementById("state");
    if (state && !state.closest("[hidden]")) body.append("state", state.value);
    var vat = document.getElementById("vat-number");
    if (vat) body.append("vat_number", vat.value);
    if (consent && consent.checked) body.append("immediate_access_consent", "y");
    if (form.elements.code) body.append("code", form.elements.code.value);
    if (form.elements.policy_versions) body.append("policy_versions", form.elements.policy_versions.value);
    return fetch(form.action, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (json) {
        return { ok: response.ok, json: json };
      }, function () { return { ok: false, json: {} }; });
    });
  }

  var countrySelect = document.getElementById("country");
  var countryError = document.getElementById("country-error");
  var COUNTRY_MESSAGE = "Choose the country you live in from the list.";

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
    if (countrySelect && countrySelect.value === "") {  // asked before any intent exists
      countryError.textContent = COUNTRY_MESSAGE;
      countrySelect.setAttribute("aria-invalid", "true");
      countrySelect.focus();
      return;
    }
    if (countrySelect) {
      countryError.textContent = "";
      countrySelect.removeAttribute("aria-invalid");
    }
    if (window.consentMissing && window.consentMissing()) return;  // consent.js
    showEmailError("");
    showError("");
    setBusy(true);
    elements.submit().then(function (submitted) {
      if (submitted.error) {  // the card fields are incomplete: nothing was sent
        showError(submitted.error.message);
        setBusy(false);
        return null;
      }
      return askForIntent();
    }).then(function (answer) {
      if (answer === null) return null;
      if (!answer.ok || !answer.json.client_secret) {
        var fieldError = answer.json.field === "country" ? "country-error"
          : answer.json.field === "state" ? "state-error"
          : answer.json.field === "vat_number" ? "vat-number-error"
          : answer.json.field === "immediate_access_consent" ? "consent-error" : null;
        if (answer.json.field === "email") showEmailError(answer.json.error);
        else if (fieldError) document.getElementById(fieldError).textContent = answer.json.error;
        else if (answer.json.field === "code" && codeMessage) {
          codeMessage.textContent = answer.json.error;
          codeMessage.className = "field-error";
        }
        else showError(answer.json.error || UNREACHABLE);
        setBusy(false);
        return null;
      }
      var returnUrl = answer.json.return_url;
      return stripe.confirmPayment({
        elements: elements,
        clientSecret: answer.json.client_secret,
        confirmParams: { return_url: returnUrl },
        redirect: "if_required"
      }).then(function (result) {
        if (result.error) {  // declined, or authentication failed: try another card
          showError(result.error.code === "payment_intent_authentication_failure"
                    ? AUTHENTICATION_FAILED : result.error.message);
          setBusy(false);
          return;
        }
        window.location.assign(returnUrl);  // the server reads the intent there
      });
    }).catch(function () {
      showError(UNREACHABLE);
      setBusy(false);
    });
  });
})();
