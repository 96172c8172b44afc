import Stripe from 'stripe';
import type { App } from '../../server/app.js';

export const STRIPE_SECRET = 'whsec_test_c2VjcmV0X2Zvcl90ZXN0cw';

let counter = 0;
/** An event shaped like Stripe's (API version 2025-x): id, type, created, data.object. */
export function stripeEvent(type: string, object: Record<string, unknown>, id = `evt_test_${++counter}_${Date.now()}`) {
  return { id, object: 'event', api_version: '2025-09-30.clover', created: Math.floor(Date.now() / 1000), livemode: false, type, data: { object } };
}

export function checkoutSession(o: { id: string; amount: number; email: string; clientReferenceId?: string | null; metadata?: Record<string, string>; paymentIntent?: string; customer?: string; subscription?: string }) {
  return {
    id: o.id,
    object: 'checkout.session',
    amount_total: o.amount,
    currency: 'usd',
    client_reference_id: o.clientReferenceId ?? null,
    customer: o.customer ?? null,
    customer_details: { email: o.email, name: 'Buyer' },
    metadata: o.metadata ?? {},
    mode: o.subscription ? 'subscription' : 'payment',
    payment_intent: o.paymentIntent ?? null,
    payment_status: 'paid',
    status: 'complete',
    subscription: o.subscription ?? null,
  };
}

export function charge(o: { id: string; paymentIntent: string; amount: number; refunded: number }) {
  return {
    id: o.id,
    object: 'charge',
    amount: o.amount,
    amount_refunded: o.refunded,
    currency: 'usd',
    payment_intent: o.paymentIntent,
    refunded: o.refunded >= o.amount,
    refunds: { object: 'list', data: [{ id: `re_${o.refunded}`, amount: o.refunded, reason: 'requested_by_customer' }] },
  };
}

/** Sends an event the way Stripe does: raw JSON body, Stripe-Signature over it. */
export async function sendStripe(app: App, contestId: string, event: unknown, options: { secret?: string; timestamp?: number; signature?: string | null } = {}) {
  const payload = JSON.stringify(event);
  const header = options.signature !== undefined
    ? options.signature
    : Stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? STRIPE_SECRET, timestamp: options.timestamp });
  const res = await app.inject({
    method: 'POST',
    url: `/api/integrations/stripe/${contestId}`,
    headers: { 'content-type': 'application/json; charset=utf-8', ...(header === null ? {} : { 'stripe-signature': header }) },
    payload,
  });
  return { status: res.statusCode, body: res.json() };
}
