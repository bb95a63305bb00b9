// PaymentIntents through stripe-node: success, declines with the intent in the error,
// 3-D Secure via the emulator's test page, off-session authentication_required, refunds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Stripe from 'stripe';

import { client, EMULATOR_URL } from './emulator.mjs';

const stripe = client();
const { StripeCardError, StripeInvalidRequestError } = Stripe.errors;
const RETURN_URL = 'https://shop.example/return';

async function pressOnTestPage(nextAction, outcome) {
  const url = nextAction.type === 'redirect_to_url'
    ? nextAction.redirect_to_url.url : nextAction.use_stripe_sdk.stripe_js;
  const page = await (await fetch(url)).text();
  const fields = Object.fromEntries(
    [...page.matchAll(/type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  return fetch(`${EMULATOR_URL}/3d_secure_2/authenticate`, {
    method: 'POST', redirect: 'manual', body: new URLSearchParams({ ...fields, outcome }),
  });
}

test('a card pays: succeeded, with a charge carrying the intent', async () => {
  const pi = await stripe.paymentIntents.create({
    amount: 2000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true,
    return_url: RETURN_URL, metadata: { order_id: 'n1' },
  });
  assert.equal(pi.status, 'succeeded');
  const charge = await stripe.charges.retrieve(pi.latest_charge);
  assert.equal(charge.payment_intent, pi.id);
  assert.equal(charge.metadata.order_id, 'n1');
  const found = await stripe.paymentIntents.search({ query: "metadata['order_id']:'n1'" });
  assert.deepEqual(found.data.map((p) => p.id), [pi.id]);
});

test('a decline is a StripeCardError whose raw body carries the intent', async () => {
  const err = await stripe.paymentIntents.create({
    amount: 2000, currency: 'usd', payment_method: 'pm_card_visa_chargeDeclined', confirm: true,
    return_url: RETURN_URL,
  }).catch((e) => e);
  assert.ok(err instanceof StripeCardError, err.message);
  assert.equal(err.decline_code, 'generic_decline');
  assert.equal(err.raw.payment_intent.status, 'requires_payment_method');
  assert.equal(err.payment_intent.last_payment_error.code, 'card_declined');
  assert.match(err.raw.payment_method.id, /^pm_/);
});

test('3-D Secure: requires_action, then Complete on the test page pays', async () => {
  const pi = await stripe.paymentIntents.create({
    amount: 2000, currency: 'eur', payment_method: 'pm_card_authenticationRequired',
    confirm: true, return_url: RETURN_URL,
  });
  assert.equal(pi.status, 'requires_action');
  const answer = await pressOnTestPage(pi.next_action, 'complete');
  assert.equal(answer.status, 303);
  const back = new URL(answer.headers.get('location'));
  assert.equal(back.searchParams.get('payment_intent'), pi.id);
  assert.equal(back.searchParams.get('redirect_status'), 'succeeded');
  assert.equal((await stripe.paymentIntents.retrieve(pi.id)).status, 'succeeded');
});

test('3-D Secure failed: requires_payment_method and no charge', async () => {
  const pi = await stripe.paymentIntents.create({
    amount: 2000, currency: 'eur', payment_method: 'pm_card_threeDSecure2Required',
    confirm: true, return_url: RETURN_URL,
  });
  await pressOnTestPage(pi.next_action, 'fail');
  const after = await stripe.paymentIntents.retrieve(pi.id);
  assert.equal(after.status, 'requires_payment_method');
  assert.equal(after.last_payment_error.code, 'payment_intent_authentication_failure');
  assert.equal(after.latest_charge, null);
});

test('off-session with a card that always authenticates: authentication_required', async () => {
  const customer = await stripe.customers.create();
  const pm = await stripe.paymentMethods.attach('pm_card_authenticationRequired',
    { customer: customer.id });
  const err = await stripe.paymentIntents.create({
    amount: 1500, currency: 'usd', customer: customer.id, payment_method: pm.id,
    confirm: true, off_session: true,
  }).catch((e) => e);
  assert.ok(err instanceof StripeCardError);
  assert.equal(err.code, 'authentication_required');
  assert.equal(err.raw.payment_intent.status, 'requires_payment_method');
});

test('capture, cancel and refunds by payment_intent', async () => {
  const held = await stripe.paymentIntents.create({
    amount: 3000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true,
    return_url: RETURN_URL, capture_method: 'manual',
  });
  assert.equal(held.status, 'requires_capture');
  const captured = await stripe.paymentIntents.capture(held.id);
  assert.equal(captured.amount_received, 3000);
  const refund = await stripe.refunds.create({ payment_intent: held.id, amount: 1000 });
  assert.equal(refund.payment_intent, held.id);
  const open = await stripe.paymentIntents.create({ amount: 900, currency: 'usd' });
  const canceled = await stripe.paymentIntents.cancel(open.id);
  assert.equal(canceled.status, 'canceled');
  const err = await stripe.paymentIntents.cancel(open.id).catch((e) => e);
  assert.ok(err instanceof StripeInvalidRequestError);
  assert.equal(err.code, 'payment_intent_unexpected_state');
});

test('payment_method_types is refused on endive', async () => {
  const err = await stripe.paymentIntents.create({
    amount: 2000, currency: 'usd', payment_method_types: ['card'],
  }).catch((e) => e);
  assert.equal(err.code, 'payment_method_types_no_longer_supported');
});

test('shipping and card options are stored; Connect parameters are refused as not emulated',
  async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 2000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true,
      return_url: RETURN_URL,
      shipping: { name: 'Jenny Rosen', address: { line1: '1 Main St', country: 'US' } },
      payment_method_options: { card: { capture_method: 'manual' } },
    });
    assert.equal(pi.status, 'requires_capture');
    assert.equal(pi.payment_method_options.card.capture_method, 'manual');
    const charge = await stripe.charges.retrieve(pi.latest_charge);
    assert.equal(charge.shipping.address.line1, '1 Main St');
    const err = await stripe.paymentIntents.create({
      amount: 2000, currency: 'usd', application_fee_amount: 100,
    }).catch((e) => e);
    assert.ok(err instanceof StripeInvalidRequestError);
    assert.equal(err.code, 'parameter_not_supported_by_emulator');
    assert.equal(err.param, 'application_fee_amount');
  });
