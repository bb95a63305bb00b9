// Customers with card sources, refunds and disputes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Stripe from 'stripe';

import { client } from './emulator.mjs';

const stripe = client();

async function eventsFor(type, objectId) {
  const events = await stripe.events.list({ type, limit: 100 });
  return events.data.filter((e) => e.data.object.id === objectId
    || e.data.object.customer === objectId);
}

test('a customer created with a source has it as default, with a source event', async () => {
  const customer = await stripe.customers.create({ source: 'tok_visa', email: 'c@example.com' });
  assert.match(customer.id, /^cus_/);
  assert.match(customer.default_source, /^card_/);
  assert.equal('sources' in customer, false);
  const expanded = await stripe.customers.retrieve(customer.id, { expand: ['sources'] });
  assert.deepEqual(expanded.sources.data.map((s) => s.id), [customer.default_source]);
  const [event] = await eventsFor('customer.source.created', customer.id);
  assert.equal(event.data.object.id, customer.default_source);
  assert.equal(event.data.object.cvc_check, 'pass');
  assert.equal((await eventsFor('customer.created', customer.id)).length, 1);
});

test('sources are added, listed and charged', async () => {
  const customer = await stripe.customers.create({ email: 'n@example.com' });
  const card = await stripe.customers.createSource(customer.id, { source: 'tok_mastercard' });
  assert.equal(card.object, 'card');
  assert.equal(card.customer, customer.id);
  assert.equal(card.brand, 'MasterCard');
  const second = await stripe.customers.createSource(customer.id, { source: 'tok_amex' });
  const sources = await stripe.customers.listSources(customer.id, { object: 'card' });
  assert.deepEqual(sources.data.map((s) => s.id), [second.id, card.id]);
  assert.equal((await stripe.customers.retrieve(customer.id)).default_source, card.id);
  const charge = await stripe.charges.create({ amount: 700, currency: 'usd', customer: customer.id });
  assert.equal(charge.payment_method, card.id);
  const explicit = await stripe.charges.create({
    amount: 800, currency: 'usd', customer: customer.id, source: second.id,
  });
  assert.equal(explicit.payment_method_details.card.brand, 'amex');
  assert.equal((await eventsFor('customer.source.created', customer.id)).length, 2);
  assert.equal((await stripe.customers.retrieveSource(customer.id, second.id)).last4, '0005');
  const deleted = await stripe.customers.deleteSource(customer.id, card.id);
  assert.deepEqual([deleted.id, deleted.object, deleted.deleted], [card.id, 'card', true]);
  assert.equal((await stripe.customers.retrieve(customer.id)).default_source, second.id);
});

test('a decline card cannot be attached to a customer', async () => {
  await assert.rejects(
    stripe.customers.create({ source: 'tok_chargeDeclined' }),
    (err) => err instanceof Stripe.errors.StripeCardError && err.code === 'card_declined',
  );
});

test('customers are updated, searched and deleted', async () => {
  const email = `s${Date.now()}@example.com`;
  const customer = await stripe.customers.create({ email, metadata: { plan: 'a' } });
  const updated = await stripe.customers.update(customer.id, { name: 'Ada', metadata: { plan: '' } });
  assert.equal(updated.name, 'Ada');
  assert.deepEqual(updated.metadata, {});
  const found = await stripe.customers.search({ query: `email:'${email}'` });
  assert.deepEqual(found.data.map((c) => c.id), [customer.id]);
  const deleted = await stripe.customers.del(customer.id);
  assert.deepEqual([deleted.id, deleted.deleted], [customer.id, true]);
});

test('partial and full refunds keep the charge in step', async () => {
  const charge = await stripe.charges.create({ amount: 2000, currency: 'usd', source: 'tok_visa' });
  const part = await stripe.refunds.create({ charge: charge.id, amount: 500, reason: 'requested_by_customer' });
  assert.equal(part.status, 'succeeded');
  assert.equal(part.amount, 500);
  assert.equal('reference' in part.destination_details.card, false);
  let now = await stripe.charges.retrieve(charge.id);
  assert.deepEqual([now.amount_refunded, now.refunded], [500, false]);
  const rest = await stripe.refunds.create({ charge: charge.id });
  assert.equal(rest.amount, 1500);
  now = await stripe.charges.retrieve(charge.id, { expand: ['refunds'] });
  assert.deepEqual([now.amount_refunded, now.refunded], [2000, true]);
  assert.deepEqual(now.refunds.data.map((r) => r.id), [rest.id, part.id]);
  const listed = await stripe.refunds.list({ charge: charge.id });
  assert.deepEqual(listed.data.map((r) => r.id), [rest.id, part.id]);
  await assert.rejects(
    stripe.refunds.create({ charge: charge.id, amount: 1 }),
    (err) => err instanceof Stripe.errors.StripeInvalidRequestError
      && /greater than unrefunded amount/.test(err.message),
  );
  const txn = await stripe.balanceTransactions.retrieve(rest.balance_transaction);
  assert.deepEqual([txn.type, txn.amount], ['refund', -1500]);
});

test('a dispute card opens a dispute with full evidence fields', async () => {
  const charge = await stripe.charges.create({ amount: 2500, currency: 'usd', source: 'tok_createDispute' });
  const { data: [dispute] } = await stripe.disputes.list({ charge: charge.id });
  assert.equal(dispute.reason, 'fraudulent');
  assert.equal(dispute.status, 'needs_response');
  assert.equal(dispute.evidence.customer_purchase_ip, null);
  assert.equal(dispute.evidence.shipping_tracking_number, null);
  assert.deepEqual(dispute.evidence.enhanced_evidence, {});
  assert.equal(dispute.evidence_details.submission_method, 'not_submitted');
  assert.equal(typeof dispute.evidence_details.due_by, 'number');
  assert.equal((await stripe.disputes.retrieve(dispute.id)).charge, charge.id);
});
