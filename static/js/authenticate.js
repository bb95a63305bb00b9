// A one-click payment the bank wants the buyer to authenticate: Stripe.js confirms the
// order's PaymentIntent with the saved card (3-D Secure in its window), then the return
// page reads the intent on the server.
(function () {
  "use strict";
  var box = document.getElementById("authenticate");
  if (!box) return;
  var button = document.getElementById("authenticate-button");
  var error = document.getElementById("authenticate-error");
  if (typeof Stripe !== "function") {
    error.textContent = "The confirmation could not load. Check your connection and reload.";
    button.disabled = true;
    return;
  }
  var stripe = Stripe(box.dataset.publishableKey);
  // Stripe's error for a failed 3-D Secure is written for developers ("The provided
  // PaymentMethod has failed authentication. You can provide payment_method_data…").
  var AUTHENTICATION_FAILED = "Your bank did not confirm this payment, and you have not " +
                              "been charged. Try again, or pay another way.";

  function confirm() {
    button.disabled = true;
    error.textContent = "";
    stripe.confirmCardPayment(box.dataset.clientSecret,
                              { payment_method: box.dataset.paymentMethod })
      .then(function (result) {
        if (result.error) {
          error.textContent = result.error.code === "payment_intent_authentication_failure"
            ? AUTHENTICATION_FAILED : result.error.message;
          error.focus();
          button.disabled = false;
          return;
        }
        window.location.assign(box.dataset.returnUrl);
      }, function () {
        error.textContent = "We could not reach our payment provider. Please try again.";
        button.disabled = false;
      });
  }

  button.addEventListener("click", confirm);
  confirm();  // the buyer came here to confirm: open the bank's window at once
})();
