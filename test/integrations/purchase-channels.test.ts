import { describe, expect, it } from 'vitest';
import { call } from '../api/v1-helpers.js';
import { forEachEngine, postJson, useTestApp, type TestApp } from '../helpers/test-app.js';
import { checkoutSession, sendStripe, stripeEvent, STRIPE_SECRET } from './stripe-helpers.js';

/** Ada (REF-ADA234) referred Fay; Fay buys. */
async function world(t: TestApp) {
  const { id, webhookSecret } = await t.contest({ id: 'c_channels' });
  const ada = await t.entry(id, { email: 'ada@example.com', referralCode: 'REF-ADA234' });
  const fay = await t.entry(id, { email: 'fay@example.com', referredBy: ada.id });
  const key = await t.apiKey('private');
  await call(t, 'PUT', `/api/v1/contests/${id}`, key, { stripeWebhookSecret: STRIPE_SECRET });
  return { id, webhookSecret, ada, fay, key };
}
const points = async (t: TestApp, entryId: string) => (await t.store.entries.get(entryId))!.points;
const order = (orderId: string, amount = 25) => ({ email: 'fay@example.com', orderId, amount, currency: 'USD' });

forEachEngine((engine) => describe('every purchase channel credits the referrer', () => {
  const t = useTestApp({ engine });

  it('track-purchase: the advocate earns, the purchaser does not (as documented)', async () => {
    const { id, ada, fay } = await world(t());
    const res = await postJson(t().app, '/api/referral/track-purchase', { ...order('o-track'), contestId: id });
    expect(res.body.data).toMatchObject({ entryId: ada.id, pointsAwarded: 25 });
    expect([await points(t(), ada.id), await points(t(), fay.id)]).toEqual([25, 0]);
  });

  it('purchase webhook: the purchaser earns as documented, and the referrer too (extra fields); ?secret= works', async () => {
    const { id, webhookSecret, ada, fay } = await world(t());
    const res = await postJson(t().app, `/api/webhooks/purchase/${id}?secret=${encodeURIComponent(webhookSecret)}`, order('o-hook'));
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ entryId: fay.id, pointsAwarded: 25, advocateEntryId: ada.id, advocatePointsAwarded: 25, alreadyExists: false });
    expect([await points(t(), ada.id), await points(t(), fay.id)]).toEqual([25, 25]);
  });

  it('purchase webhook honours a referralCode field instead of ignoring it', async () => {
    const { id, webhookSecret, fay } = await world(t());
    const cy = await t().entry(id, { email: 'cy@example.com', referralCode: 'REF-CYY234' });
    const res = await postJson(t().app, `/api/webhooks/purchase/${id}`, { ...order('o-code'), referralCode: 'ref-cyy234' }, { 'x-webhook-secret': webhookSecret });
    expect(res.body.data).toMatchObject({ entryId: fay.id, advocateEntryId: cy.id, advocatePointsAwarded: 25 });
    expect(await points(t(), cy.id)).toBe(25);
  });

  it('REST purchases: purchaser and referrer, 201 then 200 alreadyExists', async () => {
    const { id, key, ada, fay } = await world(t());
    const first = await call(t(), 'POST', `/api/v1/contests/${id}/purchases`, key, order('o-rest'));
    expect(first.status).toBe(201);
    expect(first.body.data).toMatchObject({ entryId: fay.id, pointsAwarded: 25, advocateEntryId: ada.id, advocatePointsAwarded: 25 });
    const again = await call(t(), 'POST', `/api/v1/contests/${id}/purchases`, key, order('o-rest'));
    expect(again.body.data).toMatchObject({ alreadyExists: true, pointsAwarded: 0, advocatePointsAwarded: 0 });
    expect(await points(t(), ada.id)).toBe(25);
  });

  it('the same order through two authenticated channels credits the advocate once', async () => {
    const { id, webhookSecret, key, ada } = await world(t());
    await postJson(t().app, `/api/webhooks/purchase/${id}`, order('o-twice'), { 'x-webhook-secret': webhookSecret });
    const rest = await call(t(), 'POST', `/api/v1/contests/${id}/purchases`, key, order('o-twice'));
    expect(rest.body.data.alreadyExists).toBe(true);
    const stripe = await sendStripe(t().app, id, stripeEvent('checkout.session.completed', checkoutSession({ id: 'cs_once', amount: 2500, email: 'fay@example.com' })));
    expect(stripe.body.outcome).toBe('purchase_recorded');
    const stripeAgainAsHook = await postJson(t().app, `/api/webhooks/purchase/${id}`, order('cs_once'), { 'x-webhook-secret': webhookSecret });
    expect(stripeAgainAsHook.body.data.alreadyExists).toBe(true);
    expect(await points(t(), ada.id)).toBe(50); // o-twice once + cs_once once
  });

  it('browser then authenticated, same order: the advocate ends with exactly one award', async () => {
    const { id, webhookSecret, ada } = await world(t());
    await postJson(t().app, '/api/referral/track-purchase', { ...order('o-both'), contestId: id });
    const hook = await postJson(t().app, `/api/webhooks/purchase/${id}`, order('o-both'), { 'x-webhook-secret': webhookSecret });
    expect(hook.body.data).toMatchObject({ alreadyExists: false, advocatePointsAwarded: 25, superseded: { conflicts: [], pointsReversed: 25 } });
    expect(await points(t(), ada.id)).toBe(25);
    const ledger = (await t().store.ledger.forEntry(ada.id)).map((r) => [r.reason, r.delta]);
    expect(ledger).toEqual([['purchase', 25], ['purchase_superseded', -25], ['purchase', 25]]);
  });
}));

forEachEngine((engine) => describe('order ids cannot be squatted (issue 20, item 2)', () => {
  const t = useTestApp({ engine });

  it('an anonymous 0.01 track-purchase of ORDER-1001 does not pre-empt the real order: webhook and REST award it, the squat is reversed, the conflict reported and logged', async () => {
    const { id, webhookSecret, key, ada, fay } = await world(t());
    const mallory = await t().entry(id, { email: 'mallory@example.com', referralCode: 'REF-MMM234' });
    // The attacker reports the victim's order id first, for 0.01, crediting themselves.
    const squat = await postJson(t().app, '/api/referral/track-purchase', { email: 'someone@example.com', orderId: 'ORDER-1001', amount: 0.01, contestId: id, referralCode: 'REF-MMM234' });
    expect(squat.status).toBe(200);
    const squatId = squat.body.data.purchaseId;
    // A second anonymous report of the same order stays a repeat: browsers never supersede.
    const again = await postJson(t().app, '/api/referral/track-purchase', { ...order('ORDER-1001', 500), contestId: id });
    expect(again.body.data).toMatchObject({ purchaseId: squatId, pointsAwarded: 0 });

    const hook = await postJson(t().app, `/api/webhooks/purchase/${id}`, order('ORDER-1001', 79.99), { 'x-webhook-secret': webhookSecret });
    expect(hook.body.data).toMatchObject({
      alreadyExists: false,
      entryId: fay.id,
      pointsAwarded: 80,
      advocateEntryId: ada.id,
      advocatePointsAwarded: 80,
      superseded: { purchaseId: squatId, conflicts: ['amount', 'email'], pointsReversed: 0 },
    });
    expect(hook.body.data.purchaseId).not.toBe(squatId);
    // The REST purchase of the real order is now a plain repeat of the authenticated one.
    const rest = await call(t(), 'POST', `/api/v1/contests/${id}/purchases`, key, order('ORDER-1001', 79.99));
    expect(rest.body.data).toMatchObject({ alreadyExists: true, purchaseId: hook.body.data.purchaseId });
    expect([await points(t(), ada.id), await points(t(), fay.id), await points(t(), mallory.id)]).toEqual([80, 80, 0]);
    const squatRow = (await t().rows('purchases')).find((r) => r.id === squatId)!;
    expect(squatRow).toMatchObject({ status: 'superseded', superseded_by: hook.body.data.purchaseId });
  });

  it('the squatter\'s points, when there were any, are reversed by a new ledger row; REST supersedes too', async () => {
    const { id, key, ada } = await world(t());
    const mallory = await t().entry(id, { email: 'mallory@example.com', referralCode: 'REF-MMM234' });
    await postJson(t().app, '/api/referral/track-purchase', { email: 'fay@example.com', orderId: 'ORDER-2002', amount: 900, contestId: id, referralCode: 'REF-MMM234' });
    expect(await points(t(), mallory.id)).toBe(900);
    const rest = await call(t(), 'POST', `/api/v1/contests/${id}/purchases`, key, order('ORDER-2002', 9));
    expect(rest.status).toBe(201);
    expect(rest.body.data.superseded).toMatchObject({ conflicts: ['amount'], pointsReversed: 900 });
    expect(await points(t(), mallory.id)).toBe(0);
    expect(await points(t(), ada.id)).toBe(9);
    expect((await t().store.ledger.forEntry(mallory.id)).map((r) => [r.reason, r.delta])).toEqual([['purchase', 900], ['purchase_superseded', -900]]);
  });

  it('browserPurchases "ignore": track-purchase is refused with 403 and stores nothing; server-side purchases still work', async () => {
    const { id, key, webhookSecret, ada } = await world(t());
    const put = await call(t(), 'PUT', `/api/v1/contests/${id}`, key, { settings: { browserPurchases: 'ignore' } });
    expect(put.body.data.settings.browserPurchases).toBe('ignore');
    const before = await t().counts();
    const res = await postJson(t().app, '/api/referral/track-purchase', { ...order('o-ign'), contestId: id });
    expect(res).toMatchObject({ status: 403, body: { success: false, error: 'This contest does not accept browser-reported purchases' } });
    expect(await t().counts()).toEqual(before);
    await postJson(t().app, `/api/webhooks/purchase/${id}`, order('o-ign'), { 'x-webhook-secret': webhookSecret });
    expect(await points(t(), ada.id)).toBe(25);
    const bad = await call(t(), 'PUT', `/api/v1/contests/${id}`, key, { settings: { browserPurchases: 'sometimes' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/browserPurchases/);
  });
}));

forEachEngine((engine) => describe('refunds without Stripe', () => {
  const t = useTestApp({ engine });

  it('REST refund by purchase id: partial, idempotent on refundId, then full; the purchase shows refundedAmount and status', async () => {
    const { id, key, ada, fay } = await world(t());
    const bought = await call(t(), 'POST', `/api/v1/contests/${id}/purchases`, key, order('o-ref', 40));
    const purchaseId = bought.body.data.purchaseId;
    const partial = await call(t(), 'POST', `/api/v1/purchases/${purchaseId}/refund`, key, { amount: 10, refundId: 're_1', reason: 'damaged' });
    expect(partial.body.data).toMatchObject({ status: 'partially_refunded', amountRefunded: 10, refundedAmount: 10, pointsReversed: 20, alreadyProcessed: false });
    expect([await points(t(), ada.id), await points(t(), fay.id)]).toEqual([30, 30]);
    const repeat = await call(t(), 'POST', `/api/v1/purchases/${purchaseId}/refund`, key, { amount: 10, refundId: 're_1' });
    expect(repeat.body.data).toMatchObject({ alreadyProcessed: true, pointsReversed: 0, refundedAmount: 10 });
    expect(await points(t(), ada.id)).toBe(30);
    const full = await call(t(), 'POST', `/api/v1/purchases/${purchaseId}/refund`, key, {});
    expect(full.body.data).toMatchObject({ status: 'refunded', refundedAmount: 40, pointsReversed: 60 });
    expect([await points(t(), ada.id), await points(t(), fay.id)]).toEqual([0, 0]);
    const more = await call(t(), 'POST', `/api/v1/purchases/${purchaseId}/refund`, key, { amount: 5 });
    expect(more.body.data).toMatchObject({ alreadyProcessed: true, pointsReversed: 0 });
    const shown = await call(t(), 'GET', `/api/v1/purchases/${purchaseId}`, key);
    expect(shown.body.data).toMatchObject({ status: 'refunded', refundedAmount: 40, amount: 40, pointsAwarded: 40, purchaserPoints: 40, pointsReversed: 80 });
    const ledger = (await t().store.ledger.forEntry(ada.id)).map((r) => [r.reason, r.delta]);
    expect(ledger).toEqual([['purchase', 40], ['purchase_refunded', -10], ['purchase_refunded', -30]]);
  });

  it('refund webhook by orderId with the contest secret; wrong secret 401, unknown order 404, bad amount 400 naming it', async () => {
    const { id, webhookSecret, key, ada } = await world(t());
    await postJson(t().app, '/api/referral/track-purchase', { ...order('o-wh', 20), contestId: id });
    const before = await t().counts();
    expect((await postJson(t().app, `/api/webhooks/refund/${id}`, { orderId: 'o-wh' }, { 'x-webhook-secret': 'whsec_nope' })).status).toBe(401);
    expect((await postJson(t().app, `/api/webhooks/refund/${id}`, { orderId: 'nope' }, { 'x-webhook-secret': webhookSecret })).status).toBe(404);
    const bad = await postJson(t().app, `/api/webhooks/refund/${id}`, { orderId: 'o-wh', amount: -3 }, { 'x-webhook-secret': webhookSecret });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/amount/);
    expect(await t().counts()).toEqual(before);
    const res = await postJson(t().app, `/api/webhooks/refund/${id}`, { orderId: 'o-wh', amount: 5, refundId: 'r-1' }, { 'x-webhook-secret': webhookSecret });
    expect(res.body.data).toMatchObject({ status: 'partially_refunded', pointsReversed: 5 });
    expect(await points(t(), ada.id)).toBe(15);
    const lb = await call(t(), 'GET', `/api/v1/contests/${id}/leaderboard`, key);
    expect(lb.body.data[0]).toMatchObject({ id: ada.id, points: 15 });
    expect((await call(t(), 'POST', '/api/v1/purchases/purchase_nope/refund', key, {})).status).toBe(404);
  });
}));

forEachEngine((engine) => describe('a squatting conflict is logged', () => {
  const lines: string[] = [];
  const t = useTestApp({ engine, logger: { level: 'warn', stream: { write: (line: string) => void lines.push(line) } } });

  it('with the purchase ids and the fields that disagreed, and no email', async () => {
    const { id, webhookSecret } = await world(t());
    await postJson(t().app, '/api/referral/track-purchase', { email: 'squatter@example.com', orderId: 'ORDER-1001', amount: 0.01, contestId: id });
    const hook = await postJson(t().app, `/api/webhooks/purchase/${id}`, order('ORDER-1001', 79.99), { 'x-webhook-secret': webhookSecret });
    const logged = lines.map((l) => JSON.parse(l)).filter((l) => l.supersededPurchaseId);
    expect(logged).toEqual([expect.objectContaining({ level: 40, purchaseId: hook.body.data.purchaseId, conflicts: ['amount', 'email'] })]);
    expect(lines.join('\n')).not.toContain('@example.com');
  });
}));
