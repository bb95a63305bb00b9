/* Stripe.js stand-in: the Elements beyond `card` and the wallet probes (INTENTS §5).
 * Split card fields (cardNumber, cardExpiry, cardCvc, postalCode), the Payment Element
 * (card fields: the only method the emulator has), the Address Element, the Express
 * Checkout Element and paymentRequest: without a wallet in the browser, the last two show
 * nothing and canMakePayment() resolves null, as Stripe.js does. Also the Elements group's
 * clientSecret / deferred-intent options, submit() and fetchUpdates(). */
(function () {
  'use strict';
  var Stripe = window.Stripe, E = Stripe._emulator;
  var IntegrationError = E.IntegrationError, extend = E.extend, ElementBase = E.ElementBase;
  var counter = 0;

  // The validation error of that code.
  function problem(code) { return E.err(code); }

  // One field of a card, checked alone: ``strict`` reports incomplete values too.
  function fieldError(field, value, brand, strict) {
    var d = E.digits(value);
    if (field === 'number') {
      var lengths = E.numberLengths(E.brandOf(d));
      if (d.length < lengths[0]) return strict ? problem('incomplete_number') : null;
      if (d.length > lengths[lengths.length - 1] || !E.luhn(d)) {
        return problem('invalid_number');
      }
      return null;
    }
    if (field === 'expiry') {
      var both = E.validate({ number: '4242424242424242', expiry: value, cvc: '123' },
                            false, strict);
      return both && /expir/.test(both.code) ? both : null;
    }
    if (field === 'cvc') {
      var want = brand === 'amex' ? 4 : 3;
      return strict && d.length < want ? problem('incomplete_cvc') : null;
    }
    if (field === 'postal') {
      return strict && !String(value || '').trim() ? problem('incomplete_zip') : null;
    }
    return null;
  }

  // --- split card Elements: cardNumber, cardExpiry, cardCvc, postalCode ------------------
  var FIELDS = {
    cardNumber: { name: 'cardnumber', placeholder: '1234 1234 1234 1234',
                  autocomplete: 'cc-number', field: 'number', numeric: true,
                  label: 'Card number' },
    cardExpiry: { name: 'exp-date', placeholder: 'MM / YY', autocomplete: 'cc-exp',
                  field: 'expiry', numeric: true, label: 'Expiration date' },
    cardCvc: { name: 'cvc', placeholder: 'CVC', autocomplete: 'cc-csc', field: 'cvc',
               numeric: true, label: 'Security code' },
    postalCode: { name: 'postal', placeholder: 'ZIP', autocomplete: 'postal-code',
                  field: 'postal', label: 'Postal code' }
  };

  // One of the split card fields (its own input, the card read across the group).
  function FieldElement(type, group, options) {
    this._init(type, group, options);
    this._spec = FIELDS[type];
  }
  extend(FieldElement.prototype, ElementBase);
  extend(FieldElement.prototype, {
    // The one input, with the page's placeholder if it gave one.
    _build: function () {
      var box = document.createElement('div');
      box.className = 'StripeElement StripeElement--empty';
      box.setAttribute('data-stripe-emulator', this._type);
      box.style.cssText = E.BOX;
      var spec = extend({}, this._spec);
      if (this._options.placeholder) spec.placeholder = this._options.placeholder;
      spec.css = 'flex:1 1 auto;width:100%;';
      var input = E.cardInput(this, spec);
      this._inputs[spec.field] = input;
      box.appendChild(input);
      this._container = box;
    },
    // What was typed.
    _value: function () {
      if (!this._container) this._build();
      return this._inputs[this._spec.field].value;
    },
    // The brand of the number typed in the group's cardNumber Element.
    _brand: function () {
      var number = this._group.getElement('cardNumber');
      return number ? E.brandOf(E.digits(number._value())) : 'unknown';
    },
    // Reformat, then tell the page.
    _onInput: function (field) { E.reformat(this._inputs[field], field); this._emitChange(); },
    // The change event's payload.
    _state: function () {
      var value = this._value(), field = this._spec.field;
      var st = { elementType: this._type, empty: !String(value).trim(),
                 complete: !fieldError(field, value, this._brand(), true),
                 error: fieldError(field, value, this._brand(), false) || undefined };
      if (this._type === 'cardNumber') {
        var d = E.digits(value);
        st.brand = d ? E.brandOf(d) : 'unknown';
      }
      if (this._type === 'postalCode') st.value = value;
      return st;
    },
    // Only cardNumber carries the card; the others are read from the same group.
    _cardData: function () {
      if (this._type !== 'cardNumber') return null;
      var g = this._group;
      // The value of a sibling field (empty when it is not there).
      function read(type) { var el = g.getElement(type); return el ? el._value() : ''; }
      return { values: { number: this._value(), expiry: read('cardExpiry'),
                         cvc: read('cardCvc'), postal: read('postalCode') },
               showPostal: !!g.getElement('postalCode') };
    }
  });
  Object.keys(FIELDS).forEach(function (type) {
    E.ELEMENT_TYPES[type] = function (group, options) {
      return new FieldElement(type, group, options);
    };
  });

  // Small DOM helpers for the multi-field Elements (styles through CSSOM: the pages' CSP
  // allows no inline style attributes).
  function node(tag, css, text) {
    var el = document.createElement(tag);
    if (css) el.style.cssText = css;
    if (text) el.textContent = text;
    return el;
  }
  var LABEL = 'display:block;font-size:.85em;margin:0 0 4px;';
  var FIELD = 'box-sizing:border-box;width:100%;padding:8px 10px;border:1px solid #c4c9d4;' +
    'border-radius:5px;background:#fff;color:inherit;font:inherit;';

  // A labelled card input inside a multi-field Element.
  function labelled(element, box, spec, css) {
    var wrap = node('div', 'flex:1 1 ' + (css || '100%') + ';min-width:6em;');
    var id = 'stripe-emulator-' + element._type + '-' + element._uid + '-' + spec.field;
    var label = node('label', LABEL, spec.label);
    label.htmlFor = id;
    var input = E.cardInput(element, spec);
    input.id = id;
    input.style.cssText = FIELD;
    element._inputs[spec.field] = input;
    wrap.appendChild(label);
    wrap.appendChild(input);
    box.appendChild(wrap);
    return input;
  }

  // --- the Payment Element (card only) ------------------------------------------------------
  function PaymentElement(group, options) {
    var g = group._options;
    if (!g.clientSecret && !g.mode) {
      throw IntegrationError('In order to create a payment element, you must pass a ' +
                             'clientSecret or mode when creating the Elements group.');
    }
    this._init('payment', group, options);
    this._uid = ++counter;
  }
  extend(PaymentElement.prototype, ElementBase);
  extend(PaymentElement.prototype, {
    // Whether the ZIP field is shown (fields.billingDetails.address.postalCode).
    _showPostal: function () {
      var fields = this._options.fields || {};
      var bd = fields.billingDetails;
      if (bd === 'never') return false;
      var address = bd && bd.address;
      return !(address === 'never' || (address && address.postalCode === 'never'));
    },
    // The tab and the card fields.
    _build: function () {
      var box = node('div', 'font:16px/1.3 system-ui,sans-serif;');
      box.className = 'StripeElement StripeElement--empty';
      box.setAttribute('data-stripe-emulator', 'payment');
      var tab = node('div', 'display:inline-block;padding:6px 12px;margin:0 0 10px;' +
                     'border:2px solid #0b57d0;border-radius:6px;font-weight:600;', 'Card');
      tab.setAttribute('role', 'heading');
      tab.setAttribute('aria-level', '3');
      box.appendChild(tab);
      var rows = node('div', 'display:flex;flex-wrap:wrap;gap:10px 12px;');
      box.appendChild(rows);
      labelled(this, rows, { name: 'number', placeholder: '1234 1234 1234 1234',
                             autocomplete: 'cc-number', field: 'number', numeric: true,
                             label: 'Card number' });
      labelled(this, rows, { name: 'expiry', placeholder: 'MM / YY', autocomplete: 'cc-exp',
                             field: 'expiry', numeric: true, label: 'Expiration date' },
               '40%');
      labelled(this, rows, { name: 'cvc', placeholder: 'CVC', autocomplete: 'cc-csc',
                             field: 'cvc', numeric: true, label: 'Security code' }, '40%');
      var postal = labelled(this, rows, { name: 'postalCode', placeholder: '90210',
                                          autocomplete: 'postal-code', field: 'postal',
                                          label: 'ZIP code' });
      if (!this._showPostal()) postal.parentNode.style.display = 'none';
      this._error = node('p', 'color:#a3123a;margin:8px 0 0;font-size:.9em;');
      this._error.setAttribute('role', 'alert');
      box.appendChild(this._error);
      this._container = box;
    },
    // The four fields' values.
    _values: function () {
      if (!this._container) this._build();
      var i = this._inputs;
      return { number: i.number.value, expiry: i.expiry.value, cvc: i.cvc.value,
               postal: i.postal.value };
    },
    // The card confirmPayment / createPaymentMethod send.
    _cardData: function () { return { values: this._values(), showPostal: this._showPostal() }; },
    // Reformat, show an invalid value, tell the page; a change needs a new submit().
    _onInput: function (field) {
      E.reformat(this._inputs[field], field);
      this._group._submitted = false;
      this._showError(E.validate(this._values(), this._showPostal(), false));
      this._emitChange();
    },
    // The message under the fields (empty when none).
    _showError: function (error) { if (this._error) this._error.textContent = error ? error.message : ''; },
    // The change event's payload.
    _state: function () {
      var v = this._values();
      var empty = !E.digits(v.number) && !E.digits(v.expiry) && !E.digits(v.cvc) &&
        !String(v.postal).trim();
      return { elementType: 'payment', empty: empty, collapsed: false,
               complete: !E.validate(v, this._showPostal(), true),
               value: { type: 'card' } };
    },
    // Validate for submit/confirm, showing the problem in the Element.
    _check: function () {
      var error = E.validate(this._values(), this._showPostal(), true);
      this._showError(error);
      return error;
    },
    // Nothing to collapse: the card is the only method.
    collapse: function () { return this; }
  });
  E.ELEMENT_TYPES.payment = PaymentElement;

  // --- the Address Element ------------------------------------------------------------------
  var ADDRESS_FIELDS = [
    { field: 'name', label: 'Full name', autocomplete: 'name' },
    { field: 'country', label: 'Country', autocomplete: 'country' },
    { field: 'line1', label: 'Address line 1', autocomplete: 'address-line1' },
    { field: 'line2', label: 'Address line 2 (optional)', autocomplete: 'address-line2' },
    { field: 'city', label: 'City', autocomplete: 'address-level2', css: '45%' },
    { field: 'state', label: 'State', autocomplete: 'address-level1', css: '20%' },
    { field: 'postal_code', label: 'ZIP code', autocomplete: 'postal-code', css: '25%' }
  ];
  var REQUIRED_ADDRESS = ['name', 'country', 'line1', 'city', 'postal_code'];

  // The Address Element (billing or shipping).
  function AddressElement(group, options) {
    if (!options || (options.mode !== 'billing' && options.mode !== 'shipping')) {
      throw IntegrationError('The Address Element needs a mode: "billing" or "shipping".');
    }
    this._init('address', group, options);
    this._uid = ++counter;
  }
  extend(AddressElement.prototype, ElementBase);
  extend(AddressElement.prototype, {
    // The address fields, prefilled from defaultValues.
    _build: function () {
      var self = this, box = node('div', 'display:flex;flex-wrap:wrap;gap:10px 12px;' +
                                  'font:16px/1.3 system-ui,sans-serif;');
      box.className = 'StripeElement StripeElement--empty';
      box.setAttribute('data-stripe-emulator', 'address');
      var defaults = this._options.defaultValues || {};
      var address = defaults.address || {};
      ADDRESS_FIELDS.forEach(function (spec) {
        var input = labelled(self, box, { name: spec.field, placeholder: '',
                                          autocomplete: spec.autocomplete, field: spec.field,
                                          label: spec.label }, spec.css);
        input.inputMode = 'text';
        var value = spec.field === 'name' ? defaults.name : address[spec.field];
        if (spec.field === 'country' && !value) value = 'US';
        if (value) input.value = value;
      });
      this._container = box;
    },
    // Tell the page.
    _onInput: function () { this._emitChange(); },
    // {name, address} as Stripe.js gives it.
    _value: function () {
      if (!this._container) this._build();
      var i = this._inputs;
      // A trimmed field, or null.
      function v(k) { return String(i[k].value || '').trim() || null; }
      return { name: v('name'), address: { line1: v('line1'), line2: v('line2'),
                                           city: v('city'), state: v('state'),
                                           postal_code: v('postal_code'),
                                           country: v('country') } };
    },
    // The change event's payload.
    _state: function () {
      var value = this._value(), i = this._inputs;
      var empty = ADDRESS_FIELDS.every(function (s) {
        return s.field === 'country' || !String(i[s.field].value).trim();
      });
      var complete = REQUIRED_ADDRESS.every(function (k) {
        return !!(k === 'name' ? value.name : value.address[k]);
      });
      return { elementType: 'address', empty: empty, complete: complete, isNewAddress: true,
               value: value };
    },
    // Resolves {complete, isNewAddress, value}.
    getValue: function () {
      var st = this._state();
      return Promise.resolve({ complete: st.complete, isNewAddress: true, value: st.value });
    }
  });
  E.ELEMENT_TYPES.address = AddressElement;

  // --- wallets: none in a browser without one ----------------------------------------------
  // The Express Checkout Element shows no button and says so in its ready event
  // (availablePaymentMethods undefined), as Stripe.js does without Apple/Google Pay or Link.
  function WalletElement(type, group, options) { this._init(type, group, options); }
  extend(WalletElement.prototype, ElementBase);
  extend(WalletElement.prototype, {
    // An empty, hidden box: no wallet button to show.
    _build: function () {
      var box = node('div', 'display:none;');
      box.className = 'StripeElement StripeElement--empty';
      box.setAttribute('data-stripe-emulator', this._type);
      this._container = box;
    },
    // No wallet available.
    _readyPayload: function () {
      return { elementType: this._type, availablePaymentMethods: undefined };
    },
    // Always empty.
    _state: function () { return { elementType: this._type, empty: true, complete: false }; }
  });
  E.ELEMENT_TYPES.expressCheckout = function (group, options) {
    return new WalletElement('expressCheckout', group, options);
  };
  E.ELEMENT_TYPES.paymentRequestButton = function (group, options) {
    if (!options || !options.paymentRequest) {
      throw IntegrationError('Missing value for paymentRequestButton: paymentRequest ' +
                             'should be a PaymentRequest object.');
    }
    return new WalletElement('paymentRequestButton', group, options);
  };

  // A payment request, checked as Stripe.js checks it.
  function PaymentRequest(options) {
    options = options || {};
    if (typeof options.country !== 'string' || !/^[A-Z]{2}$/.test(options.country)) {
      throw IntegrationError('Invalid value for paymentRequest(): country should be a ' +
                             'two-letter country code. You specified: ' + options.country + '.');
    }
    if (typeof options.currency !== 'string' || !options.currency) {
      throw IntegrationError('Missing value for paymentRequest(): currency should be a ' +
                             'string.');
    }
    var total = options.total;
    if (!total || typeof total.label !== 'string' || typeof total.amount !== 'number') {
      throw IntegrationError('Missing value for paymentRequest(): total should be an ' +
                             'object with a label (string) and an amount (integer).');
    }
    this._options = options;
    this._handlers = {};
  }
  extend(PaymentRequest.prototype, {
    // No wallet here: Stripe.js resolves null in a browser without one.
    canMakePayment: function () { return Promise.resolve(null); },
    // There is no wallet sheet to show.
    show: function () {
      throw IntegrationError('paymentRequest.show() was called, but no wallet (Apple Pay, ' +
                             'Google Pay, Link) is available: check canMakePayment() first.');
    },
    // Change the request's options.
    update: function (opts) { for (var k in opts) this._options[k] = opts[k]; return this; },
    // Nothing is showing.
    abort: function () {},
    // Never showing.
    isShowing: function () { return false; },
    on: ElementBase.on, once: ElementBase.once, off: ElementBase.off
  });
  // stripe.paymentRequest(options).
  Stripe.prototype.paymentRequest = function (options) { return new PaymentRequest(options); };

  // --- the Elements group: clientSecret or a deferred intent, submit, fetchUpdates ----------
  var Group = E.ElementsGroup.prototype;
  Group._init = function () {
    var o = this._options;
    if (o.clientSecret !== undefined &&
        !/^(pi|seti)_[A-Za-z0-9]+_secret_[A-Za-z0-9]+$/.test(String(o.clientSecret))) {
      throw IntegrationError('Invalid value for elements(): clientSecret should be a client ' +
                             'secret of the form ${id}_secret_${secret}. You specified: ' +
                             o.clientSecret + '.');
    }
    if (o.clientSecret && o.mode) {
      throw IntegrationError('elements(): pass either clientSecret or mode, not both.');
    }
    if (o.paymentMethodTypes) {
      throw IntegrationError('elements(): paymentMethodTypes is no longer supported ' +
                             '(2026-09-30.endive); use allowedPaymentMethodTypes.');
    }
    if (o.mode !== undefined) {
      if (['payment', 'setup', 'subscription'].indexOf(o.mode) < 0) {
        throw IntegrationError('Invalid value for elements(): mode should be one of ' +
                               'payment, setup, subscription. You specified: ' + o.mode + '.');
      }
      if (o.mode !== 'setup' && (typeof o.amount !== 'number' || o.amount < 0)) {
        throw IntegrationError('elements(): amount is required (an integer) when mode is ' +
                               o.mode + '.');
      }
      if (o.mode !== 'setup' && !o.currency) {
        throw IntegrationError('elements(): currency is required when mode is ' + o.mode + '.');
      }
    }
    this._submitted = false;
  };

  // Validate what the Elements collect (Stripe.js shows the problem in the Element too).
  Group.submit = function () {
    var payment = this.getElement('payment');
    var address = this.getElement('address');
    if (!payment && !address) {
      return Promise.resolve({ error: { type: 'validation_error', code: 'incomplete',
        message: 'elements.submit() needs a Payment Element (or an Address Element).' } });
    }
    var error = payment ? payment._check() : null;
    if (!error && address && !address._state().complete) {
      error = { type: 'validation_error', code: 'incomplete_address',
                message: 'Your address is incomplete.' };
    }
    this._submitted = !error;
    return Promise.resolve(error ? { error: error } : {});
  };

  // Re-read the intent behind a clientSecret group (its amount may have changed).
  Group.fetchUpdates = function () {
    var secret = this._options.clientSecret;
    if (!secret) return Promise.resolve({});
    var kind = secret.indexOf('seti_') === 0 ? 'setup_intents' : 'payment_intents';
    var id = secret.split('_secret_')[0];
    var body = E.browserFields(new URLSearchParams({ client_secret: secret }),
                               this._stripe._key);
    return E.request('GET', '/v1/' + kind + '/' + id, body).then(function (r) {
      return r.ok ? {} : { error: r.json.error };
    });
  };

  Group.update = function (opts) {
    if (opts && opts.paymentMethodTypes) {
      throw IntegrationError('elements.update(): paymentMethodTypes is no longer supported ' +
                             '(2026-09-30.endive); use allowedPaymentMethodTypes.');
    }
    for (var k in opts) this._options[k] = opts[k];
    return this;
  };
})();
