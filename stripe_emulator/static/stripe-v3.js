/* Stripe.js v3 stand-in for the offline Stripe emulator: the core.
 * Stripe(pk), the Elements group, the combined `card` Element and stripe.createToken.
 * stripe-v3-elements.js adds the other Elements and paymentRequest, stripe-v3-intents.js
 * the PaymentMethod, PaymentIntent and SetupIntent calls (the emulator serves the three
 * files as one script). Requests go to <origin of this script>/v1/… with key=pk_…. */
(function () {
  'use strict';
  var current = document.currentScript;
  var ORIGIN = (function () {
    try { return new URL(current && current.src ? current.src : window.location.href).origin; }
    catch (e) { return ''; }
  })();

  var MESSAGES = {
    incomplete_number: "Your card number is incomplete.",
    invalid_number: "Your card number is invalid.",
    incomplete_expiry: "Your card's expiration date is incomplete.",
    invalid_expiry_month: "Your card's expiration date is invalid.",
    invalid_expiry_month_past: "Your card's expiration date is in the past.",
    invalid_expiry_year_past: "Your card's expiration year is in the past.",
    incomplete_cvc: "Your card's security code is incomplete.",
    incomplete_zip: "Your postal code is incomplete."
  };
  var PARAMS = {
    incomplete_number: 'number', invalid_number: 'number', incomplete_expiry: 'exp_month',
    invalid_expiry_month: 'exp_month', invalid_expiry_month_past: 'exp_month',
    invalid_expiry_year_past: 'exp_year', incomplete_cvc: 'cvc', incomplete_zip: 'address_zip'
  };

  function digits(s) { return String(s || '').replace(/\D/g, ''); }

  function brandOf(n) {
    if (/^3[47]/.test(n)) return 'amex';
    if (/^(6011|65|64[4-9])/.test(n)) return 'discover';
    if (/^(30[0-5]|36|38)/.test(n)) return 'diners';
    if (/^35/.test(n)) return 'jcb';
    if (/^62/.test(n)) return 'unionpay';
    if (/^4/.test(n)) return 'visa';
    if (/^(5[1-5]|2[2-7])/.test(n)) return 'mastercard';
    return 'unknown';
  }

  function numberLengths(brand) {
    return { amex: [15], diners: [14, 16], unionpay: [16, 17, 18, 19] }[brand] || [16];
  }

  function luhn(n) {
    var sum = 0;
    for (var i = 0; i < n.length; i++) {
      var d = +n.charAt(n.length - 1 - i);
      if (i % 2) { d *= 2; if (d > 9) d -= 9; }
      sum += d;
    }
    return sum % 10 === 0;
  }

  function formatNumber(n, brand) {
    var groups = brand === 'amex' ? [4, 6, 5] : [4, 4, 4, 4, 3];
    var out = [], pos = 0;
    for (var i = 0; i < groups.length && pos < n.length; i++) {
      out.push(n.substr(pos, groups[i])); pos += groups[i];
    }
    return out.join(' ');
  }

  function formatExpiry(raw) {
    var d = digits(raw).substr(0, 6);
    if (d.length === 1 && d > '1') d = '0' + d;
    if (d.length <= 2) return d;
    return d.substr(0, 2) + ' / ' + d.substr(2);
  }

  function parseExpiry(raw) {
    var d = digits(raw);
    if (d.length !== 4 && d.length !== 6) return null;
    var month = +d.substr(0, 2), year = +d.substr(2);
    if (year < 100) year += 2000;
    return { month: month, year: year };
  }

  function err(code) {
    return { type: 'validation_error', code: code, message: MESSAGES[code], param: PARAMS[code] };
  }

  // Returns the first problem with the card data, or null. `strict` also reports incomplete
  // fields (at token time); without it only invalid complete values are reported (typing).
  function validate(v, showPostal, strict) {
    var n = digits(v.number), brand = brandOf(n), lengths = numberLengths(brand);
    var max = lengths[lengths.length - 1];
    if (n.length < lengths[0]) { if (strict) return err('incomplete_number'); }
    else if (n.length > max || !luhn(n)) return err('invalid_number');
    var exp = parseExpiry(v.expiry), now = new Date();
    if (!exp) { if (strict || digits(v.expiry).length > 4) return err('incomplete_expiry'); }
    else {
      if (exp.month < 1 || exp.month > 12) return err('invalid_expiry_month');
      if (exp.year < now.getFullYear()) return err('invalid_expiry_year_past');
      if (exp.year === now.getFullYear() && exp.month < now.getMonth() + 1) {
        return err('invalid_expiry_month_past');
      }
    }
    var cvc = digits(v.cvc), cvcLen = brand === 'amex' ? 4 : 3;
    if (cvc.length < cvcLen && strict) return err('incomplete_cvc');
    if (showPostal && strict && !String(v.postal || '').trim()) return err('incomplete_zip');
    return null;
  }

  // Stripe.js throws IntegrationError for calls no page should make (a wrong Element type…).
  function IntegrationError(message) {
    var e = new Error(message);
    e.name = 'IntegrationError';
    Object.setPrototypeOf(e, IntegrationError.prototype);
    return e;
  }
  IntegrationError.prototype = Object.create(Error.prototype);
  IntegrationError.prototype.constructor = IntegrationError;
  IntegrationError.prototype.name = 'IntegrationError';

  // Like Stripe.js's iframe, the stand-in draws no border of its own: the page styles the
  // container (the mount target), which gets the StripeElement--focus/--invalid classes.
  // The fields wrap on a narrow screen so the card number keeps room for all 19 characters.
  var BOX = 'display:flex;flex-wrap:wrap;align-items:center;gap:8px 12px;padding:0;' +
    'border:0;background:transparent;box-sizing:border-box;font:16px/1.3 system-ui,sans-serif;';
  var INPUT = 'border:0;outline:0;background:transparent;font:inherit;color:inherit;' +
    'padding:0;margin:0;min-width:0;';

  // A card input like the ones in Stripe's iframes. Real Stripe.js keeps card fields in an
  // iframe, so the page's form never submits them: pointing `form` at an id no element has
  // gives these inputs no form owner, and the shop's own form.submit() cannot send them.
  function cardInput(element, s) {
    var input = document.createElement('input');
    input.name = s.name; input.placeholder = s.placeholder; input.autocomplete = s.autocomplete;
    input.type = 'text';
    input.setAttribute('form', 'stripe-emulator-no-form');
    input.setAttribute('aria-label', s.label || s.placeholder);
    if (s.numeric) input.inputMode = 'numeric';
    input.style.cssText = INPUT + (s.css || '');
    input.addEventListener('input', function () { element._onInput(s.field); });
    input.addEventListener('focus', function () {
      element._setClass('StripeElement--focus', true);
      element._emit('focus', { elementType: element._type });
    });
    input.addEventListener('blur', function () {
      element._setClass('StripeElement--focus', false);
      element._emit('blur', { elementType: element._type });
    });
    input.addEventListener('keydown', function (event) {
      // Stripe.js submits the form around the Element when Enter is pressed in it.
      if (event.key !== 'Enter') return;
      event.preventDefault();
      var form = element._parent && element._parent.closest('form');
      if (form && form.requestSubmit) form.requestSubmit();
    });
    return input;
  }

  // Reformat what was typed in a card field (spaces in the number, "MM / YY", digits only).
  function reformat(input, field) {
    if (field === 'number') {
      var n = digits(input.value).substr(0, 19);
      input.value = formatNumber(n, brandOf(n));
    } else if (field === 'expiry') {
      input.value = formatExpiry(input.value);
    } else if (field === 'cvc') {
      input.value = digits(input.value).substr(0, 4);
    }
  }

  // What every Element shares: events, mounting, the StripeElement classes, destroy.
  var ElementBase = {
    // Set up an Element of ``type`` in ``group``.
    _init: function (type, group, options) {
      this._type = type;
      this._group = group;
      this._options = options || {};
      this._handlers = {};
      this._container = null;
      this._parent = null;
      this._destroyed = false;
      this._inputs = {};
    },
    // Toggle a StripeElement--… class.
    _setClass: function (name, on) {
      // On the stand-in's box and, as Stripe.js does, on the container it is mounted in.
      if (this._container) this._container.classList.toggle(name, on);
      if (this._parent) this._parent.classList.toggle(name, on);
    },
    // Call the page's handlers (their errors do not break the Element).
    _emit: function (name, payload) {
      (this._handlers[name] || []).slice().forEach(function (cb) {
        try { cb(payload); } catch (e) { setTimeout(function () { throw e; }); }
      });
    },
    // What the ready event carries.
    _readyPayload: function () { return { elementType: this._type }; },
    // element.on(event, handler).
    on: function (name, cb) {
      (this._handlers[name] = this._handlers[name] || []).push(cb); return this;
    },
    // element.once(event, handler).
    once: function (name, cb) {
      var self = this;
      // Runs once, then unsubscribes.
      function wrapped(payload) { self.off(name, wrapped); cb(payload); }
      return this.on(name, wrapped);
    },
    // element.off(event[, handler]).
    off: function (name, cb) {
      var list = this._handlers[name] || [];
      this._handlers[name] = cb ? list.filter(function (h) { return h !== cb; }) : [];
      return this;
    },
    // element.mount(selector or DOM element); ready follows.
    mount: function (target) {
      if (this._destroyed) throw IntegrationError('This Element has already been destroyed.');
      var parent = typeof target === 'string' ? document.querySelector(target) : target;
      if (!parent) {
        throw IntegrationError('The selector you specified (' + target +
                               ') applies to no DOM elements that are currently on the page.');
      }
      if (!this._container) this._build();
      parent.appendChild(this._container);
      this._parent = parent;
      parent.classList.add('StripeElement');
      parent.classList.toggle('StripeElement--empty',
                              this._container.classList.contains('StripeElement--empty'));
      var self = this;
      setTimeout(function () { self._emit('ready', self._readyPayload()); }, 0);
      return this;
    },
    // element.unmount(): out of the page, can be mounted again.
    unmount: function () {
      if (this._container && this._container.parentNode) {
        this._container.parentNode.removeChild(this._container);
      }
      if (this._parent) {
        this._parent.classList.remove('StripeElement', 'StripeElement--focus',
                                      'StripeElement--invalid', 'StripeElement--complete',
                                      'StripeElement--empty');
      }
      this._parent = null;
      return this;
    },
    // element.destroy(): gone for good (its type may be created again).
    destroy: function () {
      this.unmount(); this._destroyed = true; this._handlers = {};
      if (this._group) this._group._forget(this);
      return this;
    },
    // element.clear(): empty every field.
    clear: function () {
      var i = this._inputs;
      Object.keys(i).forEach(function (k) { i[k].value = ''; });
      if (this._container) this._emitChange();
      return this;
    },
    // element.focus(): the first field.
    focus: function () {
      var first = this._inputs[Object.keys(this._inputs)[0]];
      if (first) first.focus();
      return this;
    },
    // element.blur().
    blur: function () {
      var a = document.activeElement;
      if (a && this._container && this._container.contains(a)) a.blur();
      return this;
    },
    // element.update(options).
    update: function (opts) {
      for (var k in opts) this._options[k] = opts[k];
      return this;
    },
    // Update the classes and send the change event.
    _emitChange: function () {
      var st = this._state();
      this._setClass('StripeElement--empty', st.empty);
      this._setClass('StripeElement--complete', st.complete);
      this._setClass('StripeElement--invalid', !!st.error);
      this._emit('change', st);
    }
  };
  ElementBase.addEventListener = ElementBase.on;
  ElementBase.removeEventListener = ElementBase.off;

  // Copy methods onto a prototype.
  function extend(proto, methods) {
    Object.keys(methods).forEach(function (k) { proto[k] = methods[k]; });
    return proto;
  }

  // The combined `card` Element: number, MM / YY, CVC and (unless hidePostalCode) ZIP.
  function CardElement(group, options) {
    this._init('card', group, options);
    this._isCardElement = true;
  }
  extend(CardElement.prototype, ElementBase);
  extend(CardElement.prototype, {
    // The four inputs, styled from options.style.base.
    _build: function () {
      var self = this, opts = this._options, base = (opts.style && opts.style.base) || {};
      var box = document.createElement('div');
      box.className = 'StripeElement StripeElement--empty';
      box.setAttribute('data-stripe-emulator', 'card');
      box.style.cssText = BOX + (base.color ? 'color:' + base.color + ';' : '') +
        (base.fontSize ? 'font-size:' + base.fontSize + ';' : '');
      [
        { name: 'cardnumber', placeholder: 'Card number', autocomplete: 'cc-number',
          css: 'flex:1 0 12em;', field: 'number', numeric: true },
        { name: 'exp-date', placeholder: 'MM / YY', autocomplete: 'cc-exp',
          css: 'flex:0 0 4.6em;', field: 'expiry', numeric: true },
        { name: 'cvc', placeholder: 'CVC', autocomplete: 'cc-csc', css: 'flex:0 0 3.2em;',
          field: 'cvc', numeric: true },
        { name: 'postal', placeholder: 'ZIP', autocomplete: 'postal-code',
          css: 'flex:0 0 5em;', field: 'postal' }
      ].forEach(function (s) {
        var input = cardInput(self, s);
        if (s.field === 'postal') {
          if (opts.hidePostalCode) input.style.display = 'none';
          if (opts.value && opts.value.postalCode) input.value = opts.value.postalCode;
        }
        self._inputs[s.field] = input;
        box.appendChild(input);
      });
      this._container = box;
    },
    // The four fields' values.
    _values: function () {
      var i = this._inputs;
      return { number: i.number.value, expiry: i.expiry.value, cvc: i.cvc.value,
               postal: i.postal.value };
    },
    // Whether the ZIP field is shown.
    _showPostal: function () { return !this._options.hidePostalCode; },
    // The card data createToken / createPaymentMethod / confirmCardPayment send.
    _cardData: function () {
      if (!this._container) this._build();
      return { values: this._values(), showPostal: this._showPostal() };
    },
    // Reformat, then tell the page.
    _onInput: function (field) { reformat(this._inputs[field], field); this._emitChange(); },
    // The change event's payload.
    _state: function () {
      var v = this._values(), n = digits(v.number);
      var empty = !n && !digits(v.expiry) && !digits(v.cvc) && !String(v.postal).trim();
      var error = validate(v, this._showPostal(), false);
      var complete = !validate(v, this._showPostal(), true);
      return { elementType: 'card', empty: empty, complete: complete,
               error: error || undefined, brand: n ? brandOf(n) : 'unknown',
               value: { postalCode: v.postal } };
    },
    // card.focus(): the number field.
    focus: function () { if (this._inputs.number) this._inputs.number.focus(); return this; },
    // card.update(options), e.g. hidePostalCode.
    update: function (opts) {
      for (var k in opts) this._options[k] = opts[k];
      if (this._inputs.postal) {
        this._inputs.postal.style.display = this._options.hidePostalCode ? 'none' : '';
      }
      return this;
    }
  });

  function randomId() {
    return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, function (c) {
      var r = Math.random() * 16 | 0; return (c === 'x' ? r : (r & 3 | 8)).toString(16);
    });
  }

  var LOADED_AT = Date.now();

  // Element types: the ones emulated register a constructor(group, options); Stripe's
  // others are refused with an IntegrationError that names the emulator.
  var ELEMENT_TYPES = { card: CardElement };
  var NOT_EMULATED = ['iban', 'idealBank', 'p24Bank', 'epsBank', 'fpxBank', 'auBankAccount',
    'linkAuthentication', 'shippingAddress', 'affirmMessage', 'afterpayClearpayMessage',
    'paymentMethodMessaging', 'cartElement', 'currencySelector', 'taxId',
    'issuingCardNumberDisplay', 'issuingCardCvcDisplay', 'issuingCardExpiryDisplay',
    'issuingCardPinDisplay', 'issuingCardCopyButton'];

  // The Elements group stripe.elements() returns.
  function ElementsGroup(stripe, options) {
    this._stripe = stripe;
    this._options = options || {};
    this._created = {};
    if (typeof this._init === 'function') this._init();
  }
  // elements.create(type, options).
  ElementsGroup.prototype.create = function (type, opts) {
    var Ctor = ELEMENT_TYPES[type];
    if (!Ctor) {
      if (NOT_EMULATED.indexOf(type) >= 0) {
        throw IntegrationError('The "' + type + '" Element is not emulated by the offline ' +
                               "Stripe emulator's Stripe.js (it emulates card payments only).");
      }
      throw IntegrationError('A valid Element name must be provided. Valid Elements are: ' +
                             Object.keys(ELEMENT_TYPES).concat(NOT_EMULATED).join(', ') +
                             '; you passed: ' + type + '.');
    }
    if (this._created[type]) {
      throw IntegrationError('Can only create one Element of type ' + type + '.');
    }
    var element = new Ctor(this, opts || {});
    this._created[type] = element;
    this._stripe._elements.push(element);
    return element;
  };
  // elements.getElement(type).
  ElementsGroup.prototype.getElement = function (type) { return this._created[type] || null; };
  // A destroyed Element's type may be created again.
  ElementsGroup.prototype._forget = function (element) {
    if (this._created[element._type] === element) delete this._created[element._type];
  };
  // elements.update(options).
  ElementsGroup.prototype.update = function (opts) {
    for (var k in opts) this._options[k] = opts[k];
    return this;
  };

  // Stripe(publishableKey, options).
  function Stripe(key, options) {
    if (!(this instanceof Stripe)) return new Stripe(key, options);
    if (typeof key !== 'string' || !/^pk_(test|live)_/.test(key)) {
      throw IntegrationError('Invalid value for Stripe(): apiKey should be a publishable key ' +
                             '(pk_test_...). You passed: ' + key + '.');
    }
    this._key = key;
    this._options = options || {};
    this._elements = [];
  }

  // stripe.elements(options).
  Stripe.prototype.elements = function (options) { return new ElementsGroup(this, options); };

  // Telemetry fields Stripe.js sends with every call (the emulator ignores them), and the key.
  function browserFields(body, key, elementName) {
    body.append('guid', randomId()); body.append('muid', randomId());
    body.append('sid', randomId());
    body.append('payment_user_agent', 'stripe.js/emulator; stripe-js-v3/emulator; ' +
                (elementName || 'card-element'));
    body.append('time_on_page', String(Date.now() - LOADED_AT));
    body.append('key', key);
    return body;
  }

  // One call to the emulator: resolves {ok, status, json}; a network failure resolves with
  // Stripe.js's api_connection_error (Stripe.js never rejects for these).
  function request(method, path, body) {
    var url = ORIGIN + path, init = { method: method };
    if (method === 'GET') url += '?' + body.toString();
    else {
      init.headers = { 'Content-Type': 'application/x-www-form-urlencoded' };
      init.body = body.toString();
    }
    return fetch(url, init).then(function (resp) {
      return resp.json().then(function (json) {
        return { ok: resp.ok, status: resp.status, json: json };
      });
    }).catch(function (e) {
      return { ok: false, status: 0, json: { error: { type: 'api_connection_error',
        message: 'Could not reach the Stripe emulator at ' + ORIGIN + ': ' + e } } };
    });
  }

  // The card fields of an Element that carries them (card, cardNumber…, payment), or null.
  function cardDataOf(element) {
    return element && typeof element._cardData === 'function' ? element._cardData() : null;
  }

  // card[number]… (prefix 'card') or payment_method_data[card][…] from an Element's fields.
  function appendCard(body, prefix, data) {
    var values = data.values, exp = parseExpiry(values.expiry);
    body.append(prefix + '[number]', digits(values.number));
    body.append(prefix + '[cvc]', digits(values.cvc));
    body.append(prefix + '[exp_month]', String(exp.month));
    body.append(prefix + '[exp_year]', String(exp.year % 100));
    return body;
  }

  // stripe.createToken(cardElement or cardNumber Element, data).
  Stripe.prototype.createToken = function (element, data) {
    var card = element && (element._isCardElement || element._type === 'cardNumber')
      ? cardDataOf(element) : null;
    if (!card) {
      return Promise.reject(new Error('You must provide a Stripe Element or a valid token ' +
                                      'type to create a Token.'));
    }
    var problem = validate(card.values, card.showPostal, true);
    if (problem) return Promise.resolve({ error: problem });
    var body = appendCard(new URLSearchParams(), 'card', card);
    if (card.showPostal && card.values.postal) {
      body.append('card[address_zip]', card.values.postal);
    }
    data = data || {};
    Object.keys(data).forEach(function (k) {
      if (data[k] !== undefined && data[k] !== null && data[k] !== '') {
        body.append('card[' + k + ']', String(data[k]));
      }
    });
    browserFields(body, this._key);
    return request('POST', '/v1/tokens', body).then(function (r) {
      return r.ok ? { token: r.json } : { error: r.json.error };
    });
  };

  Stripe.version = 3;
  Stripe._emulator = {
    origin: ORIGIN, validate: validate, digits: digits, brandOf: brandOf, luhn: luhn,
    numberLengths: numberLengths,
    formatNumber: formatNumber, formatExpiry: formatExpiry, parseExpiry: parseExpiry,
    err: err, BOX: BOX, INPUT: INPUT, cardInput: cardInput, reformat: reformat,
    ElementBase: ElementBase, extend: extend, ElementsGroup: ElementsGroup,
    ELEMENT_TYPES: ELEMENT_TYPES, IntegrationError: IntegrationError,
    browserFields: browserFields, request: request, cardDataOf: cardDataOf,
    appendCard: appendCard
  };
  window.Stripe = Stripe;
})();
