// Checkout on a course page: Stripe.js tokenizes the card, we post the token.
(function () {
  "use strict";
  var form = document.getElementById("checkout-form");
  if (!form) return;
  var button = document.getElementById("pay-button");
  var errors = document.getElementById("card-errors");
  var tokenField = document.getElementById("stripe-token");
  var email = document.getElementById("email");
  var busy = false;

  function showError(message) {
    errors.textContent = message || "";
  }

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
    button.disabled = value;
    button.setAttribute("aria-busy", value ? "true" : "false");
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (busy) return;
    if (!email.value || !email.checkValidity()) {
      showError("Enter a valid email address for your receipt.");
      email.focus();
      return;
    }
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
