// Shared set-up for the stripe-node suite: a client aimed at the emulator and its control API.
import Stripe from 'stripe';

export const EMULATOR_URL = process.env.STRIPE_EMULATOR_URL;
if (!EMULATOR_URL) {
  throw new Error('STRIPE_EMULATOR_URL is not set (run through tests/emulator/test_stripe_node.py)');
}
export const API_KEY = 'sk_test_emulator_node_0000000000004242';

/** A stripe-node client talking plain HTTP to the emulator, without retries. */
export function client(key = API_KEY, options = {}) {
  const url = new URL(EMULATOR_URL);
  return new Stripe(key, {
    host: url.hostname,
    port: Number(url.port),
    protocol: url.protocol.replace(':', ''),
    maxNetworkRetries: 0,
    telemetry: false,
    ...options,
  });
}

/** Call the emulator's unauthenticated control API (`/_emulator/...`). */
export async function control(method, path, body) {
  const resp = await fetch(`${EMULATOR_URL}/_emulator/${path}`, {
    method,
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!resp.ok) throw new Error(`control ${method} ${path}: ${resp.status}`);
  return resp.json();
}

/** A value no other test uses, for metadata and search queries. */
export function unique(prefix) {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

/** Every key starting with `_` anywhere in `obj` (the emulator's private bookkeeping). */
export function privateKeys(obj, path = '') {
  if (Array.isArray(obj)) return obj.flatMap((v, i) => privateKeys(v, `${path}[${i}]`));
  if (obj && typeof obj === 'object') {
    return Object.entries(obj).flatMap(([k, v]) => [
      ...(k.startsWith('_') ? [`${path}.${k}`] : []),
      ...privateKeys(v, `${path}.${k}`),
    ]);
  }
  return [];
}
