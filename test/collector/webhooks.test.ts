import { describe, expect, it } from 'vitest';
import { forEachEngine, postJson, useTestApp } from '../helpers/test-app.js';

forEachEngine((engine) => describe('inbound webhooks', () => {
  const t = useTestApp({ engine });

  async function seed() {
    const contest = await t().contest({ id: 'clx1abc123' });
    const jane = await t().entry(contest.id, { email: 'jane@example.com', name: 'Jane Doe', referralCode: 'REF-XYZ789' });
    return { secret: contest.webhookSecret, jane };
  }

  it('signup webhook (docs example) creates a non-referred entry: 0/0, alreadyExists false', async () => {
    const { secret } = await seed();
    const res = await postJson(t().app, '/api/webhooks/signup/clx1abc123', { email: 'new@example.com', name: 'New User' }, { 'x-webhook-secret': secret });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      success: true,
      data: {
        entryId: expect.stringMatching(/^entry_/),
        email: 'new@example.com',
        alreadyExists: false,
        isReferred: false,
        pointsAwarded: { advocate: 0, friend: 0 },
      },
    });
  });

  it('signup webhook with a referralCode awards 10/5 once; a repeat says alreadyExists', async () => {
    const { secret, jane } = await seed();
    const body = { email: 'f@example.com', referralCode: 'REF-XYZ789' };
    const first = await postJson(t().app, '/api/webhooks/signup/clx1abc123', body, { authorization: `Bearer ${secret}` });
    const again = await postJson(t().app, '/api/webhooks/signup/clx1abc123', { ...body, secret });
    expect(first.body.data).toMatchObject({ alreadyExists: false, isReferred: true, pointsAwarded: { advocate: 10, friend: 5 } });
    expect(again.body.data).toMatchObject({ entryId: first.body.data.entryId, alreadyExists: true, isReferred: true, pointsAwarded: { advocate: 0, friend: 0 } });
    expect((await t().store.entries.get(jane.id))!.points).toBe(10);
  });

  it('purchase webhook (docs example): 79.99 → 80 points to the purchaser; repeat → alreadyExists, 0', async () => {
    const { secret } = await seed();
    const body = { email: 'jane@example.com', orderId: 'order-12345', amount: 79.99, currency: 'USD' };
    const first = await postJson(t().app, '/api/webhooks/purchase/clx1abc123', body, { 'x-webhook-secret': secret });
    expect(first.body).toEqual({
      success: true,
      data: {
        purchaseId: expect.stringMatching(/^purchase_/),
        entryId: expect.stringMatching(/^entry_/),
        pointsAwarded: 80,
        alreadyExists: false,
        message: 'Purchase recorded successfully',
        // refrocket extension: the referrer credited (Jane has none)
        advocateEntryId: null,
        advocatePointsAwarded: 0,
      },
    });
    const again = await postJson(t().app, '/api/webhooks/purchase/clx1abc123', body, { 'x-webhook-secret': secret });
    expect(again.body.data).toEqual({ ...first.body.data, pointsAwarded: 0, alreadyExists: true, message: 'Purchase already recorded' });
    expect((await t().store.entries.get(first.body.data.entryId))!.points).toBe(80);
  });

  it('purchase webhook for an email without entry: stored unattributed, entryId null', async () => {
    const { secret } = await seed();
    const res = await postJson(t().app, '/api/webhooks/purchase/clx1abc123', { email: 'stranger@example.com', orderId: 'o9', amount: 5 }, { 'x-webhook-secret': secret });
    expect(res.body.data).toMatchObject({ entryId: null, pointsAwarded: 0, alreadyExists: false });
    expect((await t().counts()).purchases).toBe(1);
  });

  const badSecrets: Array<[string, Record<string, string>, Record<string, unknown>]> = [
    ['no secret', {}, {}],
    ['wrong header', { 'x-webhook-secret': 'whsec_wrong' }, {}],
    ['wrong bearer', { authorization: 'Bearer whsec_wrong' }, {}],
    ['wrong body secret', {}, { secret: 'whsec_wrong' }],
    ['empty header', { 'x-webhook-secret': '' }, {}],
  ];
  for (const [label, headers, extra] of badSecrets) {
    for (const kind of ['signup', 'purchase']) {
      it(`${kind}: ${label} → 401 Invalid webhook secret, nothing stored`, async () => {
        await seed();
        const before = await t().counts();
        const res = await postJson(t().app, `/api/webhooks/${kind}/clx1abc123`, { email: 'x@example.com', orderId: 'o', amount: 5, ...extra }, headers);
        expect(res).toMatchObject({ status: 401, body: { success: false, error: 'Invalid webhook secret' } });
        expect(await t().counts()).toEqual(before);
      });
    }
  }

  it('the secret of another contest does not open this one', async () => {
    await seed();
    const other = await t().contest({ id: 'other' });
    const res = await postJson(t().app, '/api/webhooks/signup/clx1abc123', { email: 'x@example.com' }, { 'x-webhook-secret': other.webhookSecret });
    expect(res.status).toBe(401);
  });

  it('an unknown contest → 404 Contest not found', async () => {
    await seed();
    const res = await postJson(t().app, '/api/webhooks/signup/nope', { email: 'x@example.com' }, { 'x-webhook-secret': 'whsec_x' });
    expect(res).toMatchObject({ status: 404, body: { error: 'Contest not found' } });
  });

  it('a rotated secret replaces the old one at once', async () => {
    const { secret } = await seed();
    const { rotateWebhookSecret } = await import('../../server/collector/contests.js');
    const fresh = await t().store.transaction((tx) => rotateWebhookSecret({ store: tx, now: t().ctx.now }, 'clx1abc123'));
    const old = await postJson(t().app, '/api/webhooks/signup/clx1abc123', { email: 'x@example.com' }, { 'x-webhook-secret': secret });
    const now = await postJson(t().app, '/api/webhooks/signup/clx1abc123', { email: 'x@example.com' }, { 'x-webhook-secret': fresh });
    expect([old.status, now.status]).toEqual([401, 200]);
  });

  it('valid secret but bad body → 400 naming the field', async () => {
    const { secret } = await seed();
    const res = await postJson(t().app, '/api/webhooks/purchase/clx1abc123', { email: 'x@example.com', orderId: 'o', amount: -1 }, { 'x-webhook-secret': secret });
    expect(res).toMatchObject({ status: 400, body: { error: 'amount must be greater than 0' } });
  });
}));
