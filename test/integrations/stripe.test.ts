import { describe, expect, it } from 'vitest';
import { call } from '../api/v1-helpers.js';
import { forEachEngine, useTestApp, type TestApp } from '../helpers/test-app.js';
import { charge, checkoutSession, sendStripe, stripeEvent, STRIPE_SECRET } from './stripe-helpers.js';

/** A contest connected to Stripe; Ada (REF-ADA234) refers Bob; Cy is an unrelated advocate. */
async function connected(t: TestApp, settings: Record<string, unknown> = {}) {
  const { id } = await t.contest({ id: 'c_stripe', settings: { purchasePointsPerUnit: 1, ...settings } });
  const ada = await t.entry(id, { email: 'ada@example.com', referralCode: 'REF-ADA234' });
  const cy = await t.entry(id, { email: 'cy@example.com', referralCode: 'REF-CYY234' });
  const bob = await t.entry(id, { email: 'bob@example.com', referredBy: ada.id });
  const key = await t.apiKey('private');
  const put = await call(t, 'PUT', `/api/v1/contests/${id}`, key, { stripeWebhookSecret: STRIPE_SECRET });
  expect(put.status).toBe(200);
  return { id, ada, bob, cy, key };
}

const points = async (t: TestApp, entryId: string) => (await t.store.entries.get(entryId))!.points;
const leaderboard = async (t: TestApp, contestId: string, key: string) =>
  (await call(t, 'GET', `/api/v1/contests/${contestId}/leaderboard`, key)).body.data.map((r: { referralCode: string; points: number }) => [r.referralCode, r.points]);

forEachEngine((engine) => describe('Stripe webhooks', () => {
  const t = useTestApp({ engine });

  it('connecting: the secret is write-only, GET shows stripeConnected; a bad secret shape is a 400 naming the field', async () => {
    const { id, key } = await connected(t());
    const res = await call(t(), 'GET', `/api/v1/contests/${id}`, key);
    expect(res.body.data.stripeConnected).toBe(true);
    expect(JSON.stringify(res.body)).not.toContain('whsec_');
    const bad = await call(t(), 'PUT', `/api/v1/contests/${id}`, key, { stripeWebhookSecret: 'sk_live_oops' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/stripeWebhookSecret/);
    const off = await call(t(), 'PUT', `/api/v1/contests/${id}`, key, { stripeWebhookSecret: null });
    expect(off.body.data.stripeConnected).toBe(false);
  });

  it('checkout.session.completed credits the advocate from client_reference_id once; a replay changes nothing', async () => {
    const { id, ada, bob, cy, key } = await connected(t());
    const event = stripeEvent('checkout.session.completed', checkoutSession({ id: 'cs_test_1', amount: 4999, email: 'bob@example.com', clientReferenceId: 'REF-CYY234', paymentIntent: 'pi_1' }));
    const first = await sendStripe(t().app, id, event);
    expect(first).toMatchObject({ status: 200, body: { received: true, outcome: 'purchase_recorded' } });
    // client_reference_id wins over Bob's own referrer (Ada).
    expect(await points(t(), cy.id)).toBe(50);
    expect(await points(t(), ada.id)).toBe(0);
    expect(await points(t(), bob.id)).toBe(0);
    const before = await t().counts();
    const replay = await sendStripe(t().app, id, event);
    expect(replay).toMatchObject({ status: 200, body: { outcome: 'replayed_event' } });
    expect(await t().counts()).toEqual(before);
    // Ada and Bob tie at 0, created in the same pinned millisecond: their order is the id's, not asserted.
    const ranks = await leaderboard(t(), id, key);
    expect(ranks[0]).toEqual(['REF-CYY234', 50]);
    expect(ranks.slice(1)).toEqual(expect.arrayContaining([['REF-ADA234', 0], [expect.any(String), 0]]));
    expect(ranks).toHaveLength(3);
  });

  it('without client_reference_id: metadata.referralCode, else the purchaser\'s own referrer', async () => {
    const { id, ada, cy } = await connected(t());
    await sendStripe(t().app, id, stripeEvent('checkout.session.completed', checkoutSession({ id: 'cs_m', amount: 1000, email: 'new@example.com', metadata: { referralCode: 'REF-CYY234' } })));
    expect(await points(t(), cy.id)).toBe(10);
    await sendStripe(t().app, id, stripeEvent('checkout.session.completed', checkoutSession({ id: 'cs_r', amount: 2000, email: 'bob@example.com', clientReferenceId: 'user_42' })));
    expect(await points(t(), ada.id)).toBe(20);
  });

  it('bad, missing and stale signatures → 400 and nothing stored; unknown contest → 404; unused types → 200 ignored', async () => {
    const { id } = await connected(t());
    const event = stripeEvent('checkout.session.completed', checkoutSession({ id: 'cs_bad', amount: 1000, email: 'bob@example.com', clientReferenceId: 'REF-CYY234' }));
    const before = await t().counts();
    expect((await sendStripe(t().app, id, event, { secret: 'whsec_wrong_secret_value' })).status).toBe(400);
    expect((await sendStripe(t().app, id, event, { signature: null })).status).toBe(400);
    const stale = await sendStripe(t().app, id, event, { timestamp: Math.floor(Date.now() / 1000) - 301 });
    expect(stale.status).toBe(400);
    expect(stale.body).toMatchObject({ success: false, error: expect.stringMatching(/Invalid Stripe signature/) });
    // A body altered after signing fails too.
    const tampered = await t().app.inject({
      method: 'POST', url: `/api/integrations/stripe/${id}`,
      headers: { 'content-type': 'application/json', 'stripe-signature': (await import('stripe')).default.webhooks.generateTestHeaderString({ payload: JSON.stringify(event), secret: STRIPE_SECRET }) },
      payload: JSON.stringify(event).replace('1000', '9999'),
    });
    expect(tampered.statusCode).toBe(400);
    expect(await t().counts()).toEqual(before);
    expect((await sendStripe(t().app, 'nope', event)).status).toBe(404);
    const ignored = await sendStripe(t().app, id, stripeEvent('customer.created', { id: 'cus_1' }));
    expect(ignored).toMatchObject({ status: 200, body: { outcome: 'ignored_event_type' } });
  });

  it('partial then full refund (charge.refunded) reverses in proportion, never beyond; leaderboard re-ranks after each step', async () => {
    const { id, ada, cy, key } = await connected(t());
    await sendStripe(t().app, id, stripeEvent('checkout.session.completed', checkoutSession({ id: 'cs_a', amount: 10000, email: 'x@example.com', clientReferenceId: 'REF-ADA234', paymentIntent: 'pi_a' })));
    await sendStripe(t().app, id, stripeEvent('checkout.session.completed', checkoutSession({ id: 'cs_c', amount: 6000, email: 'y@example.com', clientReferenceId: 'REF-CYY234', paymentIntent: 'pi_c' })));
    expect(await leaderboard(t(), id, key)).toEqual([['REF-ADA234', 100], ['REF-CYY234', 60], [expect.any(String), 0]]);

    const partial = await sendStripe(t().app, id, stripeEvent('charge.refunded', charge({ id: 'ch_a', paymentIntent: 'pi_a', amount: 10000, refunded: 5000 })));
    expect(partial.body.outcome).toBe('refund_applied');
    expect(await points(t(), ada.id)).toBe(50);
    expect(await leaderboard(t(), id, key)).toEqual([['REF-CYY234', 60], ['REF-ADA234', 50], [expect.any(String), 0]]);

    // A second partial refund: Stripe reports the charge's refunded total (7,500 of 10,000).
    await sendStripe(t().app, id, stripeEvent('charge.refunded', charge({ id: 'ch_a', paymentIntent: 'pi_a', amount: 10000, refunded: 7500 })));
    expect(await points(t(), ada.id)).toBe(25);
    // The full refund takes back the rest and no more; the same total again changes nothing.
    await sendStripe(t().app, id, stripeEvent('charge.refunded', charge({ id: 'ch_a', paymentIntent: 'pi_a', amount: 10000, refunded: 10000 })));
    const again = await sendStripe(t().app, id, stripeEvent('charge.refunded', charge({ id: 'ch_a', paymentIntent: 'pi_a', amount: 10000, refunded: 10000 })));
    expect(again.body.outcome).toBe('nothing_to_refund');
    expect(await points(t(), ada.id)).toBe(0);
    const purchase = (await t().store.purchases.findByOrder(id, 'cs_a'))!;
    expect(purchase).toMatchObject({ status: 'refunded', refundedMinor: 10000, pointsReversed: 100 });
    const ledger = await t().store.ledger.forEntry(ada.id);
    expect(ledger.map((r) => [r.reason, r.delta])).toEqual([['purchase', 100], ['purchase_refunded', -50], ['purchase_refunded', -25], ['purchase_refunded', -25]]);

    // A dispute reverses in full.
    const dispute = await sendStripe(t().app, id, stripeEvent('charge.dispute.created', { id: 'dp_1', object: 'dispute', charge: 'ch_c', payment_intent: 'pi_c', amount: 6000, reason: 'fraudulent' }));
    expect(dispute.body.outcome).toBe('dispute_applied');
    expect(await points(t(), cy.id)).toBe(0);
    expect((await t().store.purchases.findByOrder(id, 'cs_c'))!.status).toBe('disputed');
    expect((await t().store.ledger.forEntry(cy.id)).at(-1)).toMatchObject({ reason: 'purchase_disputed', delta: -60 });
  });

  it('invoice.paid renewals credit the same advocate only with recurringPurchases; the first invoice never', async () => {
    const { id, ada, key } = await connected(t());
    await sendStripe(t().app, id, stripeEvent('checkout.session.completed', checkoutSession({ id: 'cs_sub', amount: 1500, email: 'sub@example.com', clientReferenceId: 'REF-ADA234', customer: 'cus_9', subscription: 'sub_9', paymentIntent: 'pi_first' })));
    const invoice = (n: number, reason: string) => ({ id: `in_${n}`, object: 'invoice', billing_reason: reason, customer: 'cus_9', subscription: 'sub_9', amount_paid: 1500, currency: 'usd', customer_email: 'sub@example.com', payment_intent: `pi_in_${n}` });
    expect((await sendStripe(t().app, id, stripeEvent('invoice.paid', invoice(1, 'subscription_create')))).body.outcome).toBe('first_invoice');
    expect((await sendStripe(t().app, id, stripeEvent('invoice.paid', invoice(2, 'subscription_cycle')))).body.outcome).toBe('recurring_purchases_off');
    expect(await points(t(), ada.id)).toBe(15);
    await call(t(), 'PUT', `/api/v1/contests/${id}`, key, { settings: { recurringPurchases: true } });
    const renewal = await sendStripe(t().app, id, stripeEvent('invoice.paid', invoice(3, 'subscription_cycle')));
    expect(renewal.body.outcome).toBe('renewal_recorded');
    expect(await points(t(), ada.id)).toBe(30);
    // A refund of the renewal's charge finds it by its payment intent.
    await sendStripe(t().app, id, stripeEvent('charge.refunded', charge({ id: 'ch_in3', paymentIntent: 'pi_in_3', amount: 1500, refunded: 1500 })));
    expect(await points(t(), ada.id)).toBe(15);
  });
}));

describe('Stripe and the per-IP rate limit', () => {
  const t = useTestApp({ rateLimit: 2 });

  it('events Stripe signed are exempt (Stripe sends every shop\'s events from a few addresses); unsigned ones are limited', async () => {
    const { id } = await connected(t());
    for (let i = 0; i < 4; i++) {
      const res = await sendStripe(t().app, id, stripeEvent('checkout.session.completed', checkoutSession({ id: `cs_rl_${i}`, amount: 100, email: 'bob@example.com' })));
      expect(res.status).toBe(200);
    }
    const unsigned = [];
    for (let i = 0; i < 3; i++) unsigned.push((await sendStripe(t().app, id, stripeEvent('x', {}), { signature: 't=1,v1=00' })).status);
    expect(unsigned).toContain(429);
  });
});
