/* Stripe.js stand-in: PaymentMethods, PaymentIntents and SetupIntents (INTENTS §5).
 * createPaymentMethod, confirmPayment, confirmCardPayment, handleNextAction,
 * handleCardAction, confirmSetup, confirmCardSetup, retrievePaymentIntent,
 * retrieveSetupIntent. Results are Stripe.js's: {paymentIntent} / {setupIntent} /
 * {paymentMethod} or {error: {type, code, decline_code, message, payment_intent…}}; card
 * problems never reject. 3-D Secure opens the emulator's test page in a modal iframe (as
 * Stripe.js does) or, for a redirect_to_url next action, navigates to it. */
(function () {
  'use strict';
  var Stripe = window.Stripe, E = Stripe._emulator, IntegrationError = E.IntegrationError;
  var SUCCEEDED = ['succeeded', 'processing', 'requires_capture'];
  var NEVER = function () { return new Promise(function () {}); };

  // Which intent a client secret belongs to: {id, path, key (result field), kind}.
  function intentOf(secret, method) {
    var m = /^((pi|seti)_[A-Za-z0-9]+)_secret_[A-Za-z0-9]+$/.exec(String(secret || ''));
    if (!m) {
      throw IntegrationError('Invalid value for ' + method + ': clientSecret should be a ' +
                             'client secret of the form ${id}_secret_${secret}. You ' +
                             'specified: ' + secret + '.');
    }
    return m[2] === 'pi'
      ? { id: m[1], path: 'payment_intents', key: 'paymentIntent', kind: 'payment_intent',
          error: 'last_payment_error' }
      : { id: m[1], path: 'setup_intents', key: 'setupIntent', kind: 'setup_intent',
          error: 'last_setup_error' };
  }

  // A rejected promise (IntegrationErrors reject; card problems resolve {error}).
  function rejected(error) { return Promise.reject(error); }

  // url with params added to its query.
  function withParams(url, params) {
    var target = new URL(url, window.location.href);
    Object.keys(params).forEach(function (k) { target.searchParams.append(k, params[k]); });
    return target.toString();
  }

  // billing_details[name], billing_details[address][postal_code]… under ``prefix``.
  function appendBilling(body, prefix, details) {
    if (!details) return;
    ['name', 'email', 'phone'].forEach(function (k) {
      if (details[k]) body.append(prefix + '[' + k + ']', String(details[k]));
    });
    var address = details.address || {};
    ['line1', 'line2', 'city', 'state', 'postal_code', 'country'].forEach(function (k) {
      if (address[k]) body.append(prefix + '[address][' + k + ']', String(address[k]));
    });
  }

  // shipping[name], shipping[phone], shipping[address][line1]… (a PaymentIntent's).
  function appendShipping(body, shipping) {
    if (!shipping) return;
    ['name', 'phone', 'carrier', 'tracking_number'].forEach(function (k) {
      if (shipping[k]) body.append('shipping[' + k + ']', String(shipping[k]));
    });
    var address = shipping.address || {};
    ['line1', 'line2', 'city', 'state', 'postal_code', 'country'].forEach(function (k) {
      if (address[k]) body.append('shipping[address][' + k + ']', String(address[k]));
    });
  }

  // The billing details an Element collected (its ZIP field), merged under the page's.
  function billingFrom(data, extra) {
    var details = JSON.parse(JSON.stringify(extra || {}));
    if (data.showPostal && data.values.postal) {
      details.address = details.address || {};
      if (!details.address.postal_code) details.address.postal_code = data.values.postal;
    }
    return details;
  }

  // payment_method / payment_method_data[…] for a confirmation; returns a validation error.
  function appendMethod(body, method, prefix) {
    if (!method) return null;
    if (typeof method === 'string') { body.append('payment_method', method); return null; }
    var card = method.card;
    if (card && card.token) {
      body.append(prefix + '[type]', 'card');
      body.append(prefix + '[card][token]', card.token);
      appendBilling(body, prefix + '[billing_details]', method.billing_details);
      return null;
    }
    var data = E.cardDataOf(card);
    if (!data) {
      throw IntegrationError('Invalid value for payment_method: card should be a card, ' +
                             'cardNumber or payment Element, or {token}.');
    }
    var problem = E.validate(data.values, data.showPostal, true);
    if (problem) return problem;
    body.append(prefix + '[type]', 'card');
    E.appendCard(body, prefix + '[card]', data);
    appendBilling(body, prefix + '[billing_details]',
                  billingFrom(data, method.billing_details));
    return null;
  }

  // GET the intent with the publishable key and its client secret.
  function retrieve(stripe, info, secret) {
    var body = E.browserFields(new URLSearchParams({ client_secret: secret }), stripe._key);
    return E.request('GET', '/v1/' + info.path + '/' + info.id, body);
  }

  // {paymentIntent} — or, when the attempt failed, Stripe.js's error with the intent in it.
  function outcome(info, intent) {
    var failed = intent[info.error];
    if (intent.status === 'requires_payment_method' && failed) {
      var error = JSON.parse(JSON.stringify(failed));
      error[info.kind] = intent;
      return { error: error };
    }
    var result = {};
    result[info.key] = intent;
    return result;
  }

  // The modal Stripe.js shows for 3-D Secure: the test page in an iframe above the page.
  function authenticateInModal(url, source) {
    return new Promise(function (resolve) {
      var overlay = document.createElement('div');
      overlay.setAttribute('data-stripe-emulator', 'three-d-secure');
      overlay.style.cssText = 'position:fixed;inset:0;z-index:2147483647;display:flex;' +
        'align-items:center;justify-content:center;background:rgba(10,20,40,.55);';
      var dialog = document.createElement('div');
      dialog.setAttribute('role', 'dialog');
      dialog.setAttribute('aria-modal', 'true');
      dialog.setAttribute('aria-label', '3D Secure authentication');
      dialog.style.cssText = 'width:min(500px,96vw);height:min(600px,92vh);background:#fff;' +
        'border-radius:8px;overflow:hidden;box-shadow:0 10px 40px rgba(0,0,0,.35);';
      var frame = document.createElement('iframe');
      frame.name = 'stripe-emulator-3ds-' + source;
      frame.title = '3D Secure authentication';
      frame.src = url;
      frame.style.cssText = 'border:0;width:100%;height:100%;display:block;';
      dialog.appendChild(frame);
      overlay.appendChild(dialog);
      // The test page's outcome, from the emulator's origin only.
      function onMessage(event) {
        var data = event.data || {};
        if (event.origin !== E.origin || data.type !== 'stripe-emulator-3ds' ||
            data.source !== source) return;
        window.removeEventListener('message', onMessage);
        if (overlay.parentNode) overlay.parentNode.removeChild(overlay);
        resolve(data.outcome);
      }
      window.addEventListener('message', onMessage);
      document.body.appendChild(overlay);
      frame.focus();
    });
  }

  // Run an intent's next action, then read it again: the final {paymentIntent} or {error}.
  function handleAction(stripe, info, intent, secret) {
    var action = intent.next_action || {};
    if (action.type === 'redirect_to_url') {
      window.location.assign(action.redirect_to_url.url);
      return NEVER();
    }
    var sdk = action.use_stripe_sdk || {};
    if (action.type !== 'use_stripe_sdk' || sdk.type !== 'three_d_secure_redirect') {
      return Promise.resolve({ error: { type: 'invalid_request_error',
        message: 'The offline emulator cannot handle the next action ' + action.type + '.' } });
    }
    return authenticateInModal(sdk.stripe_js, sdk.source).then(function () {
      return retrieve(stripe, info, secret);
    }).then(function (r) {
      return r.ok ? outcome(info, r.json) : { error: r.json.error };
    });
  }

  // POST …/confirm from the browser with the publishable key and the client secret.
  function confirm(stripe, info, secret, body, handleActions) {
    body.append('client_secret', secret);
    body.append('use_stripe_sdk', 'true');
    body.append('expected_payment_method_type', 'card');
    E.browserFields(body, stripe._key, 'payment-element');
    return E.request('POST', '/v1/' + info.path + '/' + info.id + '/confirm', body)
      .then(function (r) {
        if (!r.ok) return { error: r.json.error };
        var intent = r.json;
        if (intent.status === 'requires_action' && handleActions !== false) {
          return handleAction(stripe, info, intent, secret);
        }
        return outcome(info, intent);
      });
  }

  // confirmCardPayment / confirmCardSetup.
  function confirmCard(stripe, method, secret, data, options, wanted) {
    var info;
    try { info = intentOf(secret, method); } catch (e) { return rejected(e); }
    if (info.kind !== wanted) {
      return rejected(IntegrationError(method + ': the client secret is for a ' + info.kind +
                                       ', not a ' + wanted + '.'));
    }
    data = data || {};
    var body = new URLSearchParams(), problem;
    try { problem = appendMethod(body, data.payment_method, 'payment_method_data'); }
    catch (e) { return rejected(e); }
    if (problem) return Promise.resolve({ error: problem });
    ['setup_future_usage', 'receipt_email', 'return_url'].forEach(function (k) {
      if (data[k] && wanted === 'payment_intent') body.append(k, data[k]);
    });
    if (wanted === 'payment_intent') appendShipping(body, data.shipping);
    if (data.return_url && wanted === 'setup_intent') body.append('return_url', data.return_url);
    return confirm(stripe, info, secret, body, (options || {}).handleActions);
  }

  // stripe.confirmCardPayment(clientSecret, data, options).
  Stripe.prototype.confirmCardPayment = function (clientSecret, data, options) {
    return confirmCard(this, 'confirmCardPayment', clientSecret, data, options,
                       'payment_intent');
  };

  // stripe.confirmCardSetup(clientSecret, data, options).
  Stripe.prototype.confirmCardSetup = function (clientSecret, data, options) {
    return confirmCard(this, 'confirmCardSetup', clientSecret, data, options, 'setup_intent');
  };

  // confirmPayment / confirmSetup: the Payment Element's card, return_url and redirect.
  function confirmWithElements(stripe, method, options, wanted) {
    options = options || {};
    var elements = options.elements, params = options.confirmParams || {};
    var redirect = options.redirect || 'always';
    var secret = options.clientSecret || (elements && elements._options.clientSecret);
    var info;
    try {
      if (!elements) throw IntegrationError(method + '(): the elements option is required.');
      if (!secret) {
        throw IntegrationError(method + '(): pass clientSecret when the Elements group was ' +
                               'created without one (deferred intent).');
      }
      info = intentOf(secret, method);
      if (info.kind !== wanted) {
        throw IntegrationError(method + '() needs a ' + wanted + ' client secret; use ' +
                               (wanted === 'payment_intent' ? 'confirmSetup' : 'confirmPayment') +
                               '() for this one.');
      }
      if (redirect !== 'always' && redirect !== 'if_required') {
        throw IntegrationError(method + "(): redirect should be 'always' or 'if_required'.");
      }
      if (redirect === 'always' && !params.return_url) {
        throw IntegrationError('stripe.' + method + '(): the `confirmParams.return_url` ' +
                               "argument is required unless passing `redirect: 'if_required'`");
      }
      if (elements._options.mode && !elements._submitted && !params.payment_method) {
        throw IntegrationError('elements.submit() must be called before stripe.' + method +
                               '(). Call elements.submit() as soon as your customer presses ' +
                               'pay, prior to any asynchronous work.');
      }
    } catch (e) { return rejected(e); }
    elements._submitted = false;  // each confirmation needs its own submit()
    var body = new URLSearchParams();
    var payment = elements.getElement('payment');
    if (params.payment_method) {
      body.append('payment_method', params.payment_method);
    } else {
      if (!payment) {
        return rejected(IntegrationError(method + '(): mount a Payment Element in this ' +
                                         'Elements group first.'));
      }
      var problem = payment._check();
      if (problem) return Promise.resolve({ error: problem });
      var data = payment._cardData();
      var address = elements.getElement('address');
      var extra = (params.payment_method_data || {}).billing_details || {};
      if (address && address._options.mode === 'billing') {
        var value = address._value();
        extra = JSON.parse(JSON.stringify(extra));
        if (!extra.name && value.name) extra.name = value.name;
        extra.address = extra.address || value.address;
      }
      body.append('payment_method_data[type]', 'card');
      E.appendCard(body, 'payment_method_data[card]', data);
      appendBilling(body, 'payment_method_data[billing_details]', billingFrom(data, extra));
    }
    if (params.return_url) body.append('return_url', params.return_url);
    if (params.receipt_email && wanted === 'payment_intent') {
      body.append('receipt_email', params.receipt_email);
    }
    // confirmParams.shipping, or what an Address Element in shipping mode collected.
    var shipping = params.shipping, shipTo = elements.getElement('address');
    if (!shipping && shipTo && shipTo._options.mode === 'shipping') {
      var collected = shipTo._value();
      shipping = { name: collected.name, phone: collected.phone, address: collected.address };
    }
    if (wanted === 'payment_intent') appendShipping(body, shipping);
    return confirm(stripe, info, secret, body, true).then(function (result) {
      var intent = result[info.key];
      if (intent && redirect === 'always' && SUCCEEDED.indexOf(intent.status) >= 0) {
        var back = {};
        back[info.kind] = intent.id;
        back[info.kind + '_client_secret'] = secret;
        back.redirect_status = 'succeeded';
        window.location.assign(withParams(params.return_url, back));
        return NEVER();
      }
      return result;
    });
  }

  // stripe.confirmPayment({elements, clientSecret, confirmParams, redirect}).
  Stripe.prototype.confirmPayment = function (options) {
    return confirmWithElements(this, 'confirmPayment', options, 'payment_intent');
  };

  // stripe.confirmSetup({elements, clientSecret, confirmParams, redirect}).
  Stripe.prototype.confirmSetup = function (options) {
    return confirmWithElements(this, 'confirmSetup', options, 'setup_intent');
  };

  // stripe.handleNextAction({clientSecret}).
  Stripe.prototype.handleNextAction = function (options) {
    var stripe = this, secret = (options || {}).clientSecret, info;
    try { info = intentOf(secret, 'handleNextAction'); } catch (e) { return rejected(e); }
    return retrieve(stripe, info, secret).then(function (r) {
      if (!r.ok) return { error: r.json.error };
      if (r.json.status !== 'requires_action') return outcome(info, r.json);
      return handleAction(stripe, info, r.json, secret);
    });
  };

  // stripe.handleCardAction(clientSecret): manual confirmation's 3-D Secure step.
  Stripe.prototype.handleCardAction = function (clientSecret) {
    var stripe = this, info;
    try { info = intentOf(clientSecret, 'handleCardAction'); } catch (e) { return rejected(e); }
    return retrieve(stripe, info, clientSecret).then(function (r) {
      if (!r.ok) return { error: r.json.error };
      if (r.json.status !== 'requires_action') {
        throw IntegrationError('handleCardAction: The PaymentIntent supplied is not in the ' +
                               'requires_action state (it is ' + r.json.status + ').');
      }
      return handleAction(stripe, info, r.json, clientSecret);
    });
  };

  // retrievePaymentIntent / retrieveSetupIntent.
  function retrieveIntent(stripe, secret, method, wanted) {
    var info;
    try { info = intentOf(secret, method); } catch (e) { return rejected(e); }
    if (info.kind !== wanted) {
      return rejected(IntegrationError(method + ': the client secret is for a ' + info.kind +
                                       '.'));
    }
    return retrieve(stripe, info, secret).then(function (r) {
      if (!r.ok) return { error: r.json.error };
      var result = {};
      result[info.key] = r.json;
      return result;
    });
  }

  // stripe.retrievePaymentIntent(clientSecret).
  Stripe.prototype.retrievePaymentIntent = function (clientSecret) {
    return retrieveIntent(this, clientSecret, 'retrievePaymentIntent', 'payment_intent');
  };

  // stripe.retrieveSetupIntent(clientSecret).
  Stripe.prototype.retrieveSetupIntent = function (clientSecret) {
    return retrieveIntent(this, clientSecret, 'retrieveSetupIntent', 'setup_intent');
  };

  // createPaymentMethod({type: 'card', card, billing_details}), ({elements, params}) or the
  // older ('card', element, {billing_details}).
  Stripe.prototype.createPaymentMethod = function (a, b, c) {
    var options = typeof a === 'string' ? { type: a, card: b,
                                             billing_details: (c || {}).billing_details } : a;
    options = options || {};
    var element = options.card, details = options.billing_details;
    if (options.elements) {
      element = options.elements.getElement('payment');
      details = ((options.params || {}).billing_details) || details;
      if (!element) {
        return rejected(IntegrationError('createPaymentMethod(): mount a Payment Element in ' +
                                         'this Elements group first.'));
      }
    } else if (options.type !== 'card') {
      return Promise.resolve({ error: { type: 'invalid_request_error', param: 'type',
        message: 'PaymentMethods of type ' + JSON.stringify(options.type) + ' are not ' +
                 'supported by the offline emulator: it emulates card payments only.' } });
    }
    var data = E.cardDataOf(element);
    if (!data) {
      return rejected(IntegrationError('createPaymentMethod(): card should be a card, ' +
                                       'cardNumber or payment Element.'));
    }
    var problem = element._check ? element._check() : E.validate(data.values, data.showPostal,
                                                                  true);
    if (problem) return Promise.resolve({ error: problem });
    var body = new URLSearchParams({ type: 'card' });
    E.appendCard(body, 'card', data);
    appendBilling(body, 'billing_details', billingFrom(data, details));
    E.browserFields(body, this._key);
    return E.request('POST', '/v1/payment_methods', body).then(function (r) {
      return r.ok ? { paymentMethod: r.json } : { error: r.json.error };
    });
  };

  // Removed from Stripe.js on 2026-03-25.dahlia: calling them throws (INTENTS §1).
  var REMOVED = { handleCardPayment: 'confirmCardPayment', confirmPaymentIntent: 'confirmPayment',
                  handleCardSetup: 'confirmCardSetup', confirmSetupIntent: 'confirmSetup',
                  createSource: 'createPaymentMethod' };
  Object.keys(REMOVED).forEach(function (name) {
    Stripe.prototype[name] = function () {
      throw IntegrationError('stripe.' + name + ' is no longer available (removed in ' +
                             '2026-03-25.dahlia): use stripe.' + REMOVED[name] + ' instead.');
    };
  });
})();
