// Webhook deliveries verified with stripe.webhooks.constructEvent.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';

import { client, control } from './emulator.mjs';

const stripe = client();
const SECRET = 'whsec_node_suite_secret';
const deliveries = [];
let waiters = [];
let server;

before(async () => {
  server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      deliveries.push({ body: Buffer.concat(chunks), headers: req.headers });
      waiters = waiters.filter((w) => !w());
      res.writeHead(200).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  await control('POST', 'webhooks', { url: `http://127.0.0.1:${server.address().port}/hook`, secret: SECRET });
});

after(async () => {
  await control('DELETE', 'webhooks');
  await new Promise((resolve) => server.close(resolve));
});

/** The first delivery whose verified event matches, waiting up to 5 s. */
function delivery(match) {
  const find = () => deliveries.find((d) => match(JSON.parse(d.body.toString('utf8'))));
  return new Promise((resolve, reject) => {
    const found = find();
    if (found) return resolve(found);
    const timer = setTimeout(() => reject(new Error('no matching delivery in 5 s')), 5000);
    waiters.push(() => {
      const hit = find();
      if (hit) { clearTimeout(timer); resolve(hit); }
      return Boolean(hit);
    });
  });
}

test('a charge event is signed so constructEvent accepts it', async () => {
  const charge = await stripe.charges.create({ amount: 4200, currency: 'usd', source: 'tok_visa' });
  const { body, headers } = await delivery((e) => e.type === 'charge.succeeded' && e.data.object.id === charge.id);
  const signature = headers['stripe-signature'];
  assert.deepEqual(signature.split(',').map((p) => p.split('=')[0]), ['t', 'v1', 'v0']);
  assert.equal(headers['user-agent'], 'Stripe/1.0 (+https://stripe.com/docs/webhooks)');
  const event = stripe.webhooks.constructEvent(body, signature, SECRET);
  assert.equal(event.type, 'charge.succeeded');
  assert.equal(event.data.object.id, charge.id);
  assert.equal(event.object, 'event');
  assert.match(event.request.id, /^req_/);
  const stored = await stripe.events.retrieve(event.id);
  assert.equal(stored.data.object.amount, 4200);
});

test('constructEvent rejects a wrong secret, a changed payload and a v0-only header', async () => {
  const customer = await stripe.customers.create({ source: 'tok_visa' });
  const { body, headers } = await delivery((e) => e.type === 'customer.source.created' && e.data.object.customer === customer.id);
  const signature = headers['stripe-signature'];
  assert.equal(stripe.webhooks.constructEvent(body, signature, SECRET).data.object.customer, customer.id);
  const { StripeSignatureVerificationError } = stripe.errors;
  assert.throws(() => stripe.webhooks.constructEvent(body, signature, 'whsec_other'), StripeSignatureVerificationError);
  const changed = Buffer.from(body.toString('utf8').replace(customer.id, 'cus_forged'));
  assert.throws(() => stripe.webhooks.constructEvent(changed, signature, SECRET), StripeSignatureVerificationError);
  const parts = Object.fromEntries(signature.split(',').map((p) => p.split('=')));
  assert.throws(() => stripe.webhooks.constructEvent(body, `t=${parts.t},v1=${parts.v0}`, SECRET),
    StripeSignatureVerificationError);
});

test('a header made by stripe-node for the same payload matches the emulator', async () => {
  const refundCharge = await stripe.charges.create({ amount: 1000, currency: 'usd', source: 'tok_visa' });
  await stripe.refunds.create({ charge: refundCharge.id });
  const { body, headers } = await delivery((e) => e.type === 'refund.created' && e.data.object.charge === refundCharge.id);
  const parts = Object.fromEntries(headers['stripe-signature'].split(',').map((p) => p.split('=')));
  const ours = stripe.webhooks.generateTestHeaderString({
    payload: body.toString('utf8'), secret: SECRET, timestamp: Number(parts.t),
  });
  assert.equal(ours, `t=${parts.t},v1=${parts.v1}`);
});
