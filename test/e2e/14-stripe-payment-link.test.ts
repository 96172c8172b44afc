import Stripe from 'stripe';
import { expect, it } from 'vitest';
import { setStripeWebhookSecret } from '../../server/collector/contests.js';
import { checkoutSession, stripeEvent, STRIPE_SECRET } from '../integrations/stripe-helpers.js';
import { describeBrowser, useE2E } from './harness.js';

describeBrowser('Stripe Payment Link → signed Stripe event → the referrer is credited', () => {
  const e = useE2E();

  it('the client_reference_id the script put on the Payment Link credits the advocate who referred the visitor', async () => {
    await e.t.store.transaction((tx) => setStripeWebhookSecret({ store: tx, now: e.t.ctx.now }, e.contestId, STRIPE_SECRET));
    e.serve('/', e.html({ query: '&autoInject=stripe', body: '<a id="buy" href="https://buy.stripe.com/test_14k9AB">Buy</a>' }));
    // The visitor arrives through the second advocate's link.
    await e.open('/?ref=REF-ABC234');
    const href = await e.page.getAttribute('#buy', 'href');
    const clientReferenceId = new URL(href!).searchParams.get('client_reference_id');
    expect(clientReferenceId).toBe('REF-ABC234');

    // What Stripe sends once the visitor pays through that link.
    const payload = JSON.stringify(stripeEvent('checkout.session.completed', checkoutSession({
      id: 'cs_test_e2e_1', amount: 2900, email: 'visitor@example.com', clientReferenceId, paymentIntent: 'pi_e2e',
    })));
    const send = () => fetch(`${e.collector}/api/integrations/stripe/${e.contestId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET }) },
      body: payload,
    });
    const res = await send();
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ received: true, outcome: 'purchase_recorded' });
    expect(await send().then((r) => r.json())).toMatchObject({ outcome: 'replayed_event' });

    expect((await e.t.store.entries.get(e.secondAdvocateId))!.points).toBe(29);
    expect((await e.t.store.entries.get(e.advocateId))!.points).toBe(0);
    expect(await e.purchases()).toEqual([expect.objectContaining({ order_id: 'cs_test_e2e_1', credited_entry_id: e.secondAdvocateId, amount_minor: 2900, currency: 'USD' })]);
  });
});
