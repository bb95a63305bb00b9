// A small checkout page driving the Stripe.js stand-in the way shops do (no inline code:
// it runs under the store's Content-Security-Policy). data-flow picks the integration.
(function () {
  'use strict';
  var d = document.body.dataset, params = new URLSearchParams(window.location.search);
  var stripe = Stripe(d.key);
  var form = document.getElementById('checkout');
  var out = document.getElementById('out');
  window.stripe = stripe;
  window.events = [];
  window.results = [];

  // Keep the stand-in's result for the test and show it.
  function show(result) {
    window.result = result;
    window.results.push(result);
    out.textContent = JSON.stringify(result);
  }

  // Keep an Element's ready and change events for the test.
  function record(element) {
    element.on('ready', function (e) { window.events.push(e); });
    element.on('change', function (e) { window.lastChange = e; });
    return element;
  }

  // Run ``action`` (a promise) when the form is submitted or ``button`` clicked.
  function onSubmit(action, button) {
    // The shop's submit handler.
    function run(event) {
      if (event) event.preventDefault();
      window.result = null;
      action().then(show, function (e) { show({ thrown: e.name + ': ' + e.message }); });
    }
    if (button) document.getElementById(button).addEventListener('click', run);
    else form.addEventListener('submit', run);
  }

  // Where redirects come back to.
  function returnUrl() { return window.location.origin + '/return'; }

  var flows = {
    // The Payment Element on a PaymentIntent's client secret.
    payment: function () {
      var elements = stripe.elements({ clientSecret: d.secret });
      window.elements = elements;
      record(elements.create('payment')).mount('#payment');
      onSubmit(function () {
        return stripe.confirmPayment({ elements: elements, redirect: d.redirect || 'if_required',
                                       confirmParams: { return_url: returnUrl() } });
      });
    },
    // The Address Element (billing) beside the Payment Element.
    address: function () {
      var elements = stripe.elements({ clientSecret: d.secret });
      window.elements = elements;
      record(elements.create('address', { mode: 'billing' })).mount('#address');
      record(elements.create('payment')).mount('#payment');
      onSubmit(function () {
        return stripe.confirmPayment({ elements: elements, redirect: 'if_required',
                                       confirmParams: { return_url: returnUrl() } });
      });
    },
    // The Address Element in shipping mode: confirmPayment sends it as the shipping.
    shipping: function () {
      var elements = stripe.elements({ clientSecret: d.secret });
      window.elements = elements;
      record(elements.create('address', { mode: 'shipping' })).mount('#address');
      record(elements.create('payment')).mount('#payment');
      onSubmit(function () {
        return stripe.confirmPayment({ elements: elements, redirect: 'if_required',
                                       confirmParams: { return_url: returnUrl() } });
      });
    },
    // A deferred intent: submit(), the shop's server makes the intent, confirm.
    deferred: function () {
      var elements = stripe.elements({ mode: 'payment', amount: 2500, currency: 'usd' });
      window.elements = elements;
      record(elements.create('payment')).mount('#payment');
      onSubmit(function () {
        return elements.submit().then(function (submitted) {
          if (submitted.error) return submitted;
          return fetch('/create-intent', { method: 'POST' }).then(function (r) {
            return r.json();
          }).then(function (made) {
            return stripe.confirmPayment({ elements: elements, clientSecret: made.client_secret,
                                           redirect: 'if_required',
                                           confirmParams: { return_url: returnUrl() } });
          });
        });
      });
    },
    // Split card fields: token, PaymentMethod, confirmCardPayment.
    split: function () {
      var elements = stripe.elements();
      var number = record(elements.create('cardNumber'));
      number.mount('#number');
      record(elements.create('cardExpiry')).mount('#expiry');
      record(elements.create('cardCvc')).mount('#cvc');
      onSubmit(function () { return stripe.createToken(number, { name: 'Jenny Rosen' }); },
               'token');
      onSubmit(function () {
        return stripe.createPaymentMethod({ type: 'card', card: number,
                                            billing_details: { name: 'Jenny Rosen' } });
      }, 'pm');
      onSubmit(function () {
        return stripe.confirmCardPayment(d.secret, { payment_method: { card: number } });
      });
    },
    // Probe for wallets, then pay by card.
    wallet: function () {
      // The pattern of many checkout pages: probe for a wallet first, then wire the card.
      var elements = stripe.elements({ clientSecret: d.secret });
      var express = elements.create('expressCheckout');
      express.on('ready', function (e) { window.expressReady = e; });
      express.mount('#express');
      var request = stripe.paymentRequest({ country: 'US', currency: 'usd',
                                            total: { label: 'Course', amount: 2000 } });
      request.canMakePayment().then(function (wallets) {
        window.canMakePayment = wallets;
        document.getElementById('wallet-status').textContent =
          wallets ? 'wallet available' : 'no wallet: pay by card';
        var card = record(stripe.elements().create('card', { hidePostalCode: true }));
        card.mount('#card');
        onSubmit(function () {
          return stripe.confirmCardPayment(d.secret, { payment_method: {
            card: card, billing_details: { name: 'Wallet-less Buyer' } } });
        });
      });
    },
    // Save a card with the Payment Element and confirmSetup.
    setupelement: function () {
      var elements = stripe.elements({ clientSecret: d.secret });
      window.elements = elements;
      record(elements.create('payment')).mount('#payment');
      onSubmit(function () {
        return stripe.confirmSetup({ elements: elements, redirect: 'if_required',
                                     confirmParams: { return_url: returnUrl() } });
      });
    },
    // Save a card with confirmCardSetup.
    setup: function () {
      var card = record(stripe.elements().create('card'));
      card.mount('#card');
      onSubmit(function () {
        return stripe.confirmCardSetup(d.secret, { payment_method: { card: card } });
      });
    },
    // Finish a server-confirmed intent with handleNextAction.
    nextaction: function () {
      onSubmit(function () { return stripe.handleNextAction({ clientSecret: d.secret }); });
    },
    // The return page: read the intent from the client secret in the URL.
    'return': function () {
      if (params.get('session_id')) {  // back from hosted Checkout: the shop's server reads it
        show({ checkoutSession: params.get('session_id'), canceled: params.has('canceled') });
        return;
      }
      if (params.has('canceled')) { show({ canceled: true }); return; }
      var secret = params.get('payment_intent_client_secret');
      var retrieve = secret ? stripe.retrievePaymentIntent(secret)
        : stripe.retrieveSetupIntent(params.get('setup_intent_client_secret'));
      retrieve.then(show);
    }
  };
  flows[d.flow]();
})();
