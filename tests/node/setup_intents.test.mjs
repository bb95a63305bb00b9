// SetupIntents through stripe-node: save a card, 3-D Secure on setup, then pay off-session.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Stripe from 'stripe';

import { client, EMULATOR_URL } from './emulator.mjs';

const stripe = client();
const RETURN_URL = 'https://shop.example/saved';

async function complete(nextAction) {
  const page = await (await fetch(nextAction.redirect_to_url.url)).text();
  const fields = Object.fromEntries(
    [...page.matchAll(/type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  return fetch(`${EMULATOR_URL}/3d_secure_2/authenticate`, {
    method: 'POST', redirect: 'manual', body: new URLSearchParams({ ...fields, outcome: 'complete' }),
  });
}

test('a card saved with a SetupIntent is attached and pays off-session', async () => {
  const customer = await stripe.customers.create();
  const si = await stripe.setupIntents.create({
    customer: customer.id, payment_method: 'pm_card_visa', confirm: true, return_url: RETURN_URL,
  });
  assert.equal(si.status, 'succeeded');
  const pm = await stripe.paymentMethods.retrieve(si.payment_method);
  assert.equal(pm.customer, customer.id);
  const pi = await stripe.paymentIntents.create({
    amount: 1200, currency: 'usd', customer: customer.id, payment_method: pm.id,
    confirm: true, off_session: true,
  });
  assert.equal(pi.status, 'succeeded');
});

test('3155 authenticated at setup pays off-session without a challenge', async () => {
  const customer = await stripe.customers.create();
  const si = await stripe.setupIntents.create({
    customer: customer.id, payment_method: 'pm_card_authenticationRequiredOnSetup',
    confirm: true, return_url: RETURN_URL,
  });
  assert.equal(si.status, 'requires_action');
  assert.equal((await complete(si.next_action)).status, 303);
  const saved = await stripe.setupIntents.retrieve(si.id);
  assert.equal(saved.status, 'succeeded');
  const pi = await stripe.paymentIntents.create({
    amount: 1200, currency: 'usd', customer: customer.id, payment_method: saved.payment_method,
    confirm: true, off_session: true,
  });
  assert.equal(pi.status, 'succeeded');
});

test('a decline card fails the setup with the SetupIntent in the error', async () => {
  const customer = await stripe.customers.create();
  const err = await stripe.setupIntents.create({
    customer: customer.id, payment_method: 'pm_card_visa_chargeDeclined', confirm: true,
    return_url: RETURN_URL,
  }).catch((e) => e);
  assert.ok(err instanceof Stripe.errors.StripeCardError);
  assert.equal(err.raw.setup_intent.status, 'requires_payment_method');
  const listed = await stripe.setupIntents.list({ customer: customer.id });
  assert.equal(listed.data[0].last_setup_error.decline_code, 'generic_decline');
});
