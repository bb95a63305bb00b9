/* Stripe.js v3 stand-in for the offline Stripe emulator.
 * Supports Stripe(pk).elements().create('card') and stripe.createToken(card, data).
 * Tokens are created by POSTing to <origin of this script>/v1/tokens with key=pk_... */
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

  // Like Stripe.js's iframe, the stand-in draws no border of its own: the page styles the
  // container (the mount target), which gets the StripeElement--focus/--invalid classes.
  // The fields wrap on a narrow screen so the card number keeps room for all 19 characters.
  var BOX = 'display:flex;flex-wrap:wrap;align-items:center;gap:8px 12px;padding:0;' +
    'border:0;background:transparent;box-sizing:border-box;font:16px/1.3 system-ui,sans-serif;';
  var INPUT = 'border:0;outline:0;background:transparent;font:inherit;color:inherit;' +
    'padding:0;margin:0;min-width:0;';

  function CardElement(options) {
    this._isCardElement = true;
    this._options = options || {};
    this._handlers = {};
    this._container = null;
    this._parent = null;
    this._destroyed = false;
    this._inputs = {};
    this._lastComplete = false;
  }

  CardElement.prototype._build = function () {
    var self = this, opts = this._options, base = (opts.style && opts.style.base) || {};
    var box = document.createElement('div');
    box.className = 'StripeElement StripeElement--empty';
    box.setAttribute('data-stripe-emulator', 'card');
    box.style.cssText = BOX + (base.color ? 'color:' + base.color + ';' : '') +
      (base.fontSize ? 'font-size:' + base.fontSize + ';' : '');
    var specs = [
      ['cardnumber', 'Card number', 'cc-number', 'flex:1 0 12em;', 'number'],
      ['exp-date', 'MM / YY', 'cc-exp', 'flex:0 0 4.6em;', 'expiry'],
      ['cvc', 'CVC', 'cc-csc', 'flex:0 0 3.2em;', 'cvc'],
      ['postal', 'ZIP', 'postal-code', 'flex:0 0 5em;', 'postal']
    ];
    specs.forEach(function (s) {
      var input = document.createElement('input');
      input.name = s[0]; input.placeholder = s[1]; input.autocomplete = s[2];
      input.type = 'text';
      // Real Stripe.js keeps card fields in an iframe, so the page's form never submits
      // them. Pointing `form` at an id no element has gives these inputs no form owner:
      // the shop's own form.submit() cannot send the card number to the shop's server.
      input.setAttribute('form', 'stripe-emulator-no-form');
      input.setAttribute('aria-label', s[1]);
      if (s[4] !== 'postal') input.inputMode = 'numeric';
      input.style.cssText = INPUT + s[3];
      if (s[4] === 'postal') {
        if (opts.hidePostalCode) input.style.display = 'none';
        if (opts.value && opts.value.postalCode) input.value = opts.value.postalCode;
      }
      input.addEventListener('input', function () { self._onInput(s[4]); });
      input.addEventListener('focus', function () {
        self._setClass('StripeElement--focus', true); self._emit('focus', { elementType: 'card' });
      });
      input.addEventListener('blur', function () {
        self._setClass('StripeElement--focus', false); self._emit('blur', { elementType: 'card' });
      });
      input.addEventListener('keydown', function (event) {
        // Stripe.js submits the form around the Element when Enter is pressed in it.
        if (event.key !== 'Enter') return;
        event.preventDefault();
        var form = self._parent && self._parent.closest('form');
        if (form && form.requestSubmit) form.requestSubmit();
      });
      self._inputs[s[4]] = input;
      box.appendChild(input);
    });
    this._container = box;
  };

  CardElement.prototype._setClass = function (name, on) {
    // On the stand-in's box and, as Stripe.js does, on the container it is mounted in.
    if (this._container) this._container.classList.toggle(name, on);
    if (this._parent) this._parent.classList.toggle(name, on);
  };
  CardElement.prototype._values = function () {
    var i = this._inputs;
    return { number: i.number.value, expiry: i.expiry.value, cvc: i.cvc.value,
             postal: i.postal.value };
  };

  CardElement.prototype._showPostal = function () { return !this._options.hidePostalCode; };

  CardElement.prototype._onInput = function (field) {
    var i = this._inputs;
    if (field === 'number') {
      var n = digits(i.number.value).substr(0, 19);
      i.number.value = formatNumber(n, brandOf(n));
    } else if (field === 'expiry') {
      i.expiry.value = formatExpiry(i.expiry.value);
    } else if (field === 'cvc') {
      i.cvc.value = digits(i.cvc.value).substr(0, 4);
    }
    this._emitChange();
  };

  CardElement.prototype._state = function () {
    var v = this._values(), n = digits(v.number);
    var empty = !n && !digits(v.expiry) && !digits(v.cvc) && !String(v.postal).trim();
    var error = validate(v, this._showPostal(), false);
    var complete = !validate(v, this._showPostal(), true);
    return { elementType: 'card', empty: empty, complete: complete,
             error: error || undefined, brand: n ? brandOf(n) : 'unknown',
             value: { postalCode: v.postal } };
  };

  CardElement.prototype._emitChange = function () {
    var st = this._state();
    this._setClass('StripeElement--empty', st.empty);
    this._setClass('StripeElement--complete', st.complete);
    this._setClass('StripeElement--invalid', !!st.error);
    this._emit('change', st);
  };

  CardElement.prototype._emit = function (name, payload) {
    (this._handlers[name] || []).slice().forEach(function (cb) {
      try { cb(payload); } catch (e) { setTimeout(function () { throw e; }); }
    });
  };

  CardElement.prototype.on = function (name, cb) {
    (this._handlers[name] = this._handlers[name] || []).push(cb); return this;
  };
  CardElement.prototype.addEventListener = CardElement.prototype.on;
  CardElement.prototype.off = function (name, cb) {
    var list = this._handlers[name] || [];
    this._handlers[name] = cb ? list.filter(function (h) { return h !== cb; }) : [];
    return this;
  };
  CardElement.prototype.mount = function (target) {
    if (this._destroyed) throw new Error('This Element has already been destroyed.');
    var parent = typeof target === 'string' ? document.querySelector(target) : target;
    if (!parent) throw new Error('The selector you specified (' + target +
                                 ') applies to no DOM elements that are currently on the page.');
    if (!this._container) this._build();
    parent.appendChild(this._container);
    this._parent = parent;
    parent.classList.add('StripeElement');
    parent.classList.toggle('StripeElement--empty',
                            this._container.classList.contains('StripeElement--empty'));
    var self = this;
    setTimeout(function () { self._emit('ready', { elementType: 'card' }); }, 0);
    return this;
  };
  CardElement.prototype.unmount = function () {
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
  };
  CardElement.prototype.destroy = function () {
    this.unmount(); this._destroyed = true; this._handlers = {}; return this;
  };
  CardElement.prototype.clear = function () {
    var i = this._inputs;
    Object.keys(i).forEach(function (k) { i[k].value = ''; });
    if (this._container) this._emitChange();
    return this;
  };
  CardElement.prototype.focus = function () {
    if (this._inputs.number) this._inputs.number.focus(); return this;
  };
  CardElement.prototype.blur = function () {
    var a = document.activeElement;
    if (a && this._container && this._container.contains(a)) a.blur();
    return this;
  };
  CardElement.prototype.update = function (opts) {
    for (var k in opts) this._options[k] = opts[k];
    if (this._inputs.postal) {
      this._inputs.postal.style.display = this._options.hidePostalCode ? 'none' : '';
    }
    return this;
  };

  function randomId() {
    return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, function (c) {
      var r = Math.random() * 16 | 0; return (c === 'x' ? r : (r & 3 | 8)).toString(16);
    });
  }

  var LOADED_AT = Date.now();

  function Stripe(key, options) {
    if (!(this instanceof Stripe)) return new Stripe(key, options);
    if (typeof key !== 'string' || !/^pk_(test|live)_/.test(key)) {
      throw new Error('Invalid value for Stripe(): apiKey should be a publishable key ' +
                      '(pk_test_...). You passed: ' + key + '.');
    }
    this._key = key;
    this._options = options || {};
    this._elements = [];
  }

  Stripe.prototype.elements = function (options) {
    var self = this, created = {};
    return {
      create: function (type, opts) {
        if (type !== 'card') {
          throw new Error('The Stripe emulator only supports the "card" Element, not "' +
                          type + '".');
        }
        if (created.card) throw new Error('Can only create one Element of type card.');
        created.card = new CardElement(opts);
        self._elements.push(created.card);
        return created.card;
      },
      getElement: function (type) { return created[type] || null; },
      update: function () {}
    };
  };

  Stripe.prototype.createToken = function (element, data) {
    if (!element || !element._isCardElement) {
      return Promise.reject(new Error('You must provide a Stripe Element or a valid token ' +
                                      'type to create a Token.'));
    }
    var values = element._values(), problem = validate(values, element._showPostal(), true);
    if (problem) return Promise.resolve({ error: problem });
    var exp = parseExpiry(values.expiry), body = new URLSearchParams();
    body.append('card[number]', digits(values.number));
    body.append('card[cvc]', digits(values.cvc));
    body.append('card[exp_month]', String(exp.month));
    body.append('card[exp_year]', String(exp.year % 100));
    if (element._showPostal() && values.postal) body.append('card[address_zip]', values.postal);
    data = data || {};
    Object.keys(data).forEach(function (k) {
      if (data[k] !== undefined && data[k] !== null && data[k] !== '') {
        body.append('card[' + k + ']', String(data[k]));
      }
    });
    body.append('guid', randomId()); body.append('muid', randomId());
    body.append('sid', randomId());
    body.append('payment_user_agent', 'stripe.js/emulator; stripe-js-v3/emulator; card-element');
    body.append('time_on_page', String(Date.now() - LOADED_AT));
    body.append('key', this._key);
    return fetch(ORIGIN + '/v1/tokens', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: body.toString()
    }).then(function (resp) {
      return resp.json().then(function (json) {
        return resp.ok ? { token: json } : { error: json.error };
      });
    }).catch(function (e) {
      return { error: { type: 'api_connection_error',
                        message: 'Could not reach the Stripe emulator at ' + ORIGIN + ': ' + e } };
    });
  };

  Stripe.prototype.createPaymentMethod = function () {
    return Promise.resolve({ error: { type: 'invalid_request_error',
      message: 'createPaymentMethod is not emulated yet; use createToken.' } });
  };

  Stripe.version = 3;
  Stripe._emulator = { origin: ORIGIN, validate: validate };
  window.Stripe = Stripe;
})();
