// Tokens and charges: create, idempotent replay, list, search, expand.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Stripe from 'stripe';

import { client, privateKeys, unique } from './emulator.mjs';

const stripe = client();
const CARD = { number: '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123' };

test('a token is created with cvc_check unchecked until the card is charged', async () => {
  const token = await stripe.tokens.create({ card: { ...CARD, address_zip: '94107' } });
  assert.match(token.id, /^tok_/);
  assert.equal(token.object, 'token');
  assert.equal(token.used, false);
  assert.equal(token.card.brand, 'Visa');
  assert.equal(token.card.last4, '4242');
  assert.equal(token.card.cvc_check, 'unchecked');
  assert.equal('wallet' in token.card, false);
  const charge = await stripe.charges.create({ amount: 1500, currency: 'usd', source: token.id });
  assert.equal(charge.payment_method_details.card.checks.cvc_check, 'pass');
  assert.equal((await stripe.tokens.retrieve(token.id)).used, true);
});

test('a token with a wrong card number is refused at tokenization', async () => {
  await assert.rejects(
    stripe.tokens.create({ card: { ...CARD, number: '4242424242424241' } }),
    (err) => err instanceof Stripe.errors.StripeCardError && err.code === 'incorrect_number'
      && err.statusCode === 402,
  );
});

test('a charge succeeds with the fields stripe-node types declare', async () => {
  const charge = await stripe.charges.create({
    amount: 2000, currency: 'usd', source: 'tok_visa', description: 'Course',
    metadata: { order_id: unique('o') }, receipt_email: 'buyer@example.com',
  });
  assert.match(charge.id, /^ch_/);
  assert.equal(charge.status, 'succeeded');
  assert.equal(charge.paid, true);
  assert.equal(charge.captured, true);
  assert.equal(charge.amount_captured, 2000);
  assert.match(charge.balance_transaction, /^txn_/);
  assert.equal(charge.outcome.type, 'authorized');
  assert.equal('rule' in charge.outcome, false);
  assert.equal('refunds' in charge, false);
  const card = charge.payment_method_details.card;
  assert.equal(card.brand, 'visa');
  assert.equal(card.electronic_commerce_indicator, null);
  assert.equal(card.transaction_link_id, null);
  assert.equal(charge.source.object, 'card');
  assert.equal('wallet' in charge.source, false);
  assert.equal(charge.lastResponse.statusCode, 200);
  assert.match(charge.lastResponse.requestId, /^req_/);
});

test('an idempotent charge is replayed, and other params under the key are refused', async () => {
  const key = unique('idem');
  const params = { amount: 3100, currency: 'eur', source: 'tok_mastercard' };
  const first = await stripe.charges.create(params, { idempotencyKey: key });
  const again = await stripe.charges.create(params, { idempotencyKey: key });
  assert.equal(again.id, first.id);
  assert.equal(again.lastResponse.headers['idempotent-replayed'], 'true');
  assert.equal(again.lastResponse.headers['original-request'], first.lastResponse.requestId);
  await assert.rejects(
    stripe.charges.create({ ...params, amount: 3200 }, { idempotencyKey: key }),
    (err) => err instanceof Stripe.errors.StripeIdempotencyError && err.statusCode === 400,
  );
});

test('charges list newest first, page by page', async () => {
  const customer = await stripe.customers.create({ source: 'tok_visa' });
  const ids = [];
  for (const amount of [1000, 1100, 1200]) {
    ids.push((await stripe.charges.create({ amount, currency: 'usd', customer: customer.id })).id);
  }
  const page = await stripe.charges.list({ customer: customer.id, limit: 2 });
  assert.equal(page.object, 'list');
  assert.equal(page.has_more, true);
  assert.deepEqual(page.data.map((c) => c.id), [ids[2], ids[1]]);
  const all = await stripe.charges.list({ customer: customer.id, limit: 2 }).autoPagingToArray({ limit: 10 });
  assert.deepEqual(all.map((c) => c.id), [...ids].reverse());
  const expanded = await stripe.charges.list({ customer: customer.id, limit: 1, expand: ['data.customer'] });
  assert.equal(expanded.data[0].customer.id, customer.id);
  assert.deepEqual(privateKeys(expanded), []);
});

test('charges search by metadata, with pages', async () => {
  const order = unique('order');
  const made = [];
  for (let i = 0; i < 3; i += 1) {
    made.push((await stripe.charges.create({
      amount: 500 + i, currency: 'usd', source: 'tok_visa', metadata: { order_id: order },
    })).id);
  }
  const query = `metadata['order_id']:'${order}'`;
  const first = await stripe.charges.search({ query, limit: 2 });
  assert.equal(first.object, 'search_result');
  assert.equal(first.data.length, 2);
  assert.equal(first.has_more, true);
  const found = await stripe.charges.search({ query, limit: 2 }).autoPagingToArray({ limit: 10 });
  assert.deepEqual(found.map((c) => c.id).sort(), [...made].sort());
  const none = await stripe.charges.search({ query: `metadata['order_id']:'${unique('none')}'` });
  assert.deepEqual(none.data, []);
});

test('a charge expanded with its customer does not leak internal fields', async () => {
  const customer = await stripe.customers.create({ source: 'tok_visa', email: 'x@example.com' });
  const charge = await stripe.charges.create({ amount: 900, currency: 'usd', customer: customer.id });
  const got = await stripe.charges.retrieve(charge.id, { expand: ['customer', 'balance_transaction'] });
  assert.equal(got.customer.id, customer.id);
  assert.equal(got.balance_transaction.object, 'balance_transaction');
  assert.deepEqual(privateKeys(got), []);
});
