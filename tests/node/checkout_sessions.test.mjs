// Checkout Sessions through stripe-node: create, pay on the hosted page, retrieve with
// expand, list by payment_intent, line items, expire.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Stripe from 'stripe';

import { client } from './emulator.mjs';

const stripe = client();
const LINE_ITEMS = [{
  price_data: { currency: 'usd', unit_amount: 6900, product_data: { name: 'Python Jumpstart' } },
  quantity: 1,
}];

function payOnPage(url, cardNumber) {
  return fetch(url, {
    method: 'POST', redirect: 'manual',
    body: new URLSearchParams({
      email: 'node@example.com', cardNumber, cardExpiry: '12 / 34', cardCvc: '123',
      billingName: 'Node Buyer', billingPostalCode: '94107',
    }),
  });
}

test('a Session paid on its hosted page completes and redirects with its id', async () => {
  const session = await stripe.checkout.sessions.create({
    mode: 'payment', line_items: LINE_ITEMS, client_reference_id: 'n-1',
    success_url: 'https://shop.example/paid?session_id={CHECKOUT_SESSION_ID}',
    payment_intent_data: { metadata: { order_id: 'n-1' } },
  });
  assert.equal(session.status, 'open');
  assert.equal(session.ui_mode, 'hosted_page');
  const answer = await payOnPage(session.url, '4242424242424242');
  assert.equal(answer.status, 303);
  assert.equal(answer.headers.get('location'), `https://shop.example/paid?session_id=${session.id}`);
  const done = await stripe.checkout.sessions.retrieve(session.id, {
    expand: ['line_items', 'payment_intent'],
  });
  assert.equal(done.payment_status, 'paid');
  assert.equal(done.line_items.data[0].description, 'Python Jumpstart');
  assert.equal(done.payment_intent.metadata.order_id, 'n-1');
  const found = await stripe.checkout.sessions.list({ payment_intent: done.payment_intent.id });
  assert.deepEqual(found.data.map((s) => s.id), [session.id]);
  const items = await stripe.checkout.sessions.listLineItems(session.id);
  assert.equal(items.data[0].amount_total, 6900);
});

test('a decline stays on the page; expire ends the Session and cancels its intent', async () => {
  const session = await stripe.checkout.sessions.create({ mode: 'payment', line_items: LINE_ITEMS });
  const answer = await payOnPage(session.url, '4000000000009995');
  assert.equal(answer.status, 402);
  assert.match(await answer.text(), /Your card has insufficient funds\./);
  const expired = await stripe.checkout.sessions.expire(session.id);
  assert.equal(expired.status, 'expired');
  assert.equal((await stripe.paymentIntents.retrieve(expired.payment_intent)).status, 'canceled');
  const err = await stripe.checkout.sessions.expire(session.id).catch((e) => e);
  assert.ok(err instanceof Stripe.errors.StripeInvalidRequestError);
});

test('automatic tax needs a tax behavior, then waits for the location', async () => {
  const err = await stripe.checkout.sessions.create({
    mode: 'payment', line_items: LINE_ITEMS, automatic_tax: { enabled: true },
  }).catch((e) => e);
  assert.equal(err.statusCode, 400);
  assert.equal(err.param, 'line_items[0][price_data][tax_behavior]');
  const items = LINE_ITEMS.map((item) => ({
    ...item, price_data: { ...item.price_data, tax_behavior: 'exclusive' } }));
  const session = await stripe.checkout.sessions.create({
    mode: 'payment', line_items: items, automatic_tax: { enabled: true },
  });
  assert.equal(session.automatic_tax.enabled, true);
  assert.equal(session.automatic_tax.status, 'requires_location_inputs');
  assert.equal(session.total_details.amount_tax, 0);
  const read = await stripe.checkout.sessions.retrieve(session.id, {
    expand: ['total_details.breakdown'] });
  assert.deepEqual(read.total_details.breakdown.taxes, []);
});
