// Errors arrive as stripe-node's typed errors with Stripe's codes and messages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Stripe from 'stripe';

import { client } from './emulator.mjs';

const stripe = client();
const { StripeCardError, StripeInvalidRequestError, StripeAuthenticationError } = Stripe.errors;

const CASES = [
  ['a declined card', () => stripe.charges.create({ amount: 2000, currency: 'usd', source: 'tok_chargeDeclinedInsufficientFunds' }),
    StripeCardError, 402, { code: 'card_declined', decline_code: 'insufficient_funds' }],
  ['an unknown parameter', () => stripe.charges.create({ amount: 2000, currency: 'usd', source: 'tok_visa', colour: 'red' }),
    StripeInvalidRequestError, 400, { code: 'parameter_unknown', param: 'colour', message: 'Received unknown parameter: colour' }],
  ['an unknown nested parameter', () => stripe.tokens.create({ card: { number: '4242424242424242', exp_month: 1, exp_year: 2035, colour: 'red' } }),
    StripeInvalidRequestError, 400, { code: 'parameter_unknown', param: 'card[colour]' }],
  ['a missing amount', () => stripe.charges.create({ currency: 'usd', source: 'tok_visa' }),
    StripeInvalidRequestError, 400, { code: 'parameter_missing', param: 'amount' }],
  ['an unknown charge', () => stripe.charges.retrieve('ch_nope'),
    StripeInvalidRequestError, 404, { code: 'resource_missing', message: "No such charge: 'ch_nope'" }],
  ['an unknown customer as a parameter', () => stripe.charges.create({ amount: 2000, currency: 'usd', customer: 'cus_nope' }),
    StripeInvalidRequestError, 400, { code: 'resource_missing', param: 'customer' }],
  ['a reused token', async () => {
    const token = await stripe.tokens.create({ card: { number: '4242424242424242', exp_month: 1, exp_year: 2035 } });
    await stripe.charges.create({ amount: 2000, currency: 'usd', source: token.id });
    return stripe.charges.create({ amount: 2000, currency: 'usd', source: token.id });
  }, StripeInvalidRequestError, 400, { code: 'token_already_used' }],
  ['an amount below the minimum', () => stripe.charges.create({ amount: 10, currency: 'usd', source: 'tok_visa' }),
    StripeInvalidRequestError, 400, { code: 'amount_too_small', param: 'amount' }],
  ['a live key', () => client('sk_live_nope_0000').charges.list(),
    StripeAuthenticationError, 401, {}],
  ['a publishable key on charges', () => client('pk_test_nope_0000').charges.list(),
    StripeAuthenticationError, 401, {}],
  ['an unknown API version', () => client(undefined, { apiVersion: '2019-2-19' }).charges.list(),
    StripeInvalidRequestError, 400, { message: 'Invalid Stripe API version: 2019-2-19' }],
];

for (const [name, call, type, status, fields] of CASES) {
  test(`${name} is a ${type.name} (${status})`, async () => {
    await assert.rejects(call(), (err) => {
      assert.ok(err instanceof type, `${err.constructor.name}: ${err.message}`);
      assert.equal(err.statusCode, status);
      assert.match(err.requestId, /^req_/);
      for (const [key, value] of Object.entries(fields)) assert.equal(err[key], value, key);
      return true;
    });
  });
}

test('a declined charge is stored as failed and named by the error', async () => {
  const err = await stripe.charges.create({ amount: 2000, currency: 'usd', source: 'tok_chargeDeclined' })
    .catch((e) => e);
  assert.ok(err instanceof StripeCardError);
  const failed = await stripe.charges.retrieve(err.raw.charge);
  assert.equal(failed.status, 'failed');
  assert.equal(failed.failure_code, 'card_declined');
  assert.equal(failed.outcome.type, 'issuer_declined');
  assert.equal('rule' in failed.outcome, false);
});
