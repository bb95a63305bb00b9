// Stripe Tax through stripe-node: the head office (tax settings), a business buyer's VAT
// number reverse charged across an EU border, and an automatic_tax Checkout Session paid
// on the hosted page with the tax read back (total_details.breakdown).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { client } from './emulator.mjs';

const stripe = client();

function calculation(country, taxIds = []) {
  return stripe.tax.calculations.create({
    currency: 'eur',
    line_items: [{ amount: 6900, reference: 'course', tax_behavior: 'exclusive' }],
    customer_details: { address: { country }, address_source: 'billing', tax_ids: taxIds },
  });
}

test('an EU business abroad is reverse charged, a consumer pays VAT', async () => {
  const settings = await stripe.tax.settings.update({
    head_office: { address: { country: 'DE' } } });
  assert.equal(settings.status, 'active');
  const business = await calculation('FR', [{ type: 'eu_vat', value: 'FR12345678901' }]);
  assert.equal(business.tax_amount_exclusive, 0);
  assert.equal(business.tax_breakdown[0].taxability_reason, 'reverse_charge');
  assert.equal(business.customer_details.tax_ids[0].value, 'FR12345678901');
  const consumer = await calculation('FR');
  assert.equal(consumer.tax_amount_exclusive, 1380);
  const err = await calculation('FR', [{ type: 'eu_vat', value: 'ZZ1' }]).catch((e) => e);
  assert.equal(err.code, 'tax_id_invalid');
});

test('an automatic_tax Session is taxed for the billing country', async () => {
  const session = await stripe.checkout.sessions.create({
    mode: 'payment', success_url: 'https://shop.example/ok', automatic_tax: { enabled: true },
    line_items: [{ quantity: 1, price_data: {
      currency: 'eur', unit_amount: 6900, tax_behavior: 'exclusive',
      product_data: { name: 'Course', tax_code: 'txcd_10000000' } } }],
  });
  const body = {
    email: 'node@example.com', cardNumber: '4242424242424242', cardExpiry: '12 / 34',
    cardCvc: '123', billingName: 'Node Buyer', billingPostalCode: '10115',
    billingCountry: 'DE' };
  const shown = await fetch(session.url, { method: 'POST', redirect: 'manual',
    body: new URLSearchParams({ ...body, shownTotal: '6900' }) });
  assert.equal(shown.status, 400);  // the taxed total is shown before it is charged
  const paid = await fetch(session.url, { method: 'POST', redirect: 'manual',
    body: new URLSearchParams({ ...body, shownTotal: '8211' }) });
  assert.equal(paid.status, 303);
  const done = await stripe.checkout.sessions.retrieve(session.id, {
    expand: ['total_details.breakdown'] });
  assert.equal(done.amount_total, 8211);
  assert.equal(done.total_details.amount_tax, 1311);
  assert.equal(done.total_details.breakdown.taxes[0].rate.percentage, 19);
  assert.equal(done.automatic_tax.status, 'complete');
});
