// PaymentMethods: test ids, attach/detach rules, listing, legacy cards read as PaymentMethods.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Stripe from 'stripe';

import { client } from './emulator.mjs';

const stripe = client();
const { StripeCardError, StripeInvalidRequestError } = Stripe.errors;

test('a test id attaches as a fresh PaymentMethod, listed for the customer', async () => {
  const customer = await stripe.customers.create({ email: 'pm@example.com' });
  const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
  assert.match(pm.id, /^pm_(?!card_)/);
  assert.equal(pm.customer, customer.id);
  assert.equal(pm.card.brand, 'visa');
  assert.equal(pm.card.checks.cvc_check, 'pass');
  const listed = await stripe.paymentMethods.list({ customer: customer.id, type: 'card' });
  assert.deepEqual(listed.data.map((p) => p.id), [pm.id]);
  const own = await stripe.customers.listPaymentMethods(customer.id);
  assert.deepEqual(own.data.map((p) => p.id), [pm.id]);
  const events = await stripe.events.list({ type: 'payment_method.attached', limit: 100 });
  assert.ok(events.data.some((e) => e.data.object.id === pm.id));
});

test('a decline card is refused when attached, with the card error', async () => {
  const customer = await stripe.customers.create();
  const err = await stripe.paymentMethods.attach('pm_card_visa_chargeDeclinedInsufficientFunds',
    { customer: customer.id }).catch((e) => e);
  assert.ok(err instanceof StripeCardError, err.message);
  assert.equal(err.statusCode, 402);
  assert.equal(err.decline_code, 'insufficient_funds');
});

test('a detached PaymentMethod cannot be used again', async () => {
  const customer = await stripe.customers.create();
  const pm = await stripe.paymentMethods.attach('pm_card_mastercard', { customer: customer.id });
  const detached = await stripe.paymentMethods.detach(pm.id);
  assert.equal(detached.customer, null);
  const err = await stripe.paymentMethods.attach(pm.id, { customer: customer.id }).catch((e) => e);
  assert.ok(err instanceof StripeInvalidRequestError);
  assert.match(err.message, /may not be used again/);
  const twice = await stripe.paymentMethods.detach(pm.id).catch((e) => e);
  assert.match(twice.message, /not attached to a customer/);
});

test('a legacy card is read as a PaymentMethod', async () => {
  const customer = await stripe.customers.create({ source: 'tok_visa' });
  const pm = await stripe.paymentMethods.retrieve(customer.default_source);
  assert.deepEqual([pm.id, pm.object, pm.type, pm.customer],
    [customer.default_source, 'payment_method', 'card', customer.id]);
  assert.equal(pm.card.last4, '4242');
});

test('an unknown PaymentMethod is a 404 naming it', async () => {
  const err = await stripe.paymentMethods.retrieve('pm_nope').catch((e) => e);
  assert.equal(err.statusCode, 404);
  assert.equal(err.message, "No such PaymentMethod: 'pm_nope'");
});
