import { describe, expect, it } from 'vitest';
import { forEachEngine, postJson, useTestApp } from '../helpers/test-app.js';

/**
 * Every request example on the hosted service's "Referral API Endpoints" page
 * (shared/seeds/referral-api-endpoints.txt), sent as written with only the host replaced.
 * The page obfuscates emails; jane@example.com owns REF-XYZ789 as in its examples.
 */
forEachEngine((engine) => describe('seed page examples', () => {
  const t = useTestApp({ engine });

  async function seed() {
    const { id } = await t().contest({ id: 'clx1abc123' });
    const jane = await t().entry(id, { email: 'jane@example.com', name: 'Jane Doe', referralCode: 'REF-XYZ789' });
    return { contestId: id, jane };
  }

  it('GET validate-code (curl, fetch, requests) returns the referrer', async () => {
    const { jane } = await seed();
    const res = await t().app.inject({
      method: 'GET',
      url: '/api/referral/validate-code?code=REF-XYZ789&contestId=clx1abc123',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      valid: true,
      referrerEmail: jane.email,
      referrerName: 'Jane Doe',
      contestId: 'clx1abc123',
    });
  });

  it('POST track-visit stores one visit and answers {"success": true}', async () => {
    const { jane } = await seed();
    const res = await postJson(t().app, '/api/referral/track-visit', {
      referralCode: 'REF-XYZ789',
      contestId: 'clx1abc123',
      url: 'https://yoursite.com/landing-page',
    });
    expect(res).toMatchObject({ status: 200, body: { success: true } });
    expect(Object.keys(res.body)).toEqual(['success']);
    expect((await t().rows('visits')).map(({ entry_id, url }) => ({ entry_id, url }))).toEqual([
      { entry_id: jane.id, url: 'https://yoursite.com/landing-page' },
    ]);
  });

  it('POST track-signup creates the friend and awards 10 to the advocate and 5 to the friend', async () => {
    const { jane } = await seed();
    const res = await postJson(t().app, '/api/referral/track-signup', {
      email: 'newuser@example.com',
      contestId: 'clx1abc123',
      referralCode: 'REF-XYZ789',
      name: 'New User',
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      success: true,
      data: { entryId: expect.stringMatching(/^entry_/), isReferred: true, pointsAwarded: { advocate: 10, friend: 5 } },
    });
    const friend = (await t().store.entries.get(res.body.data.entryId))!;
    expect(friend).toMatchObject({ email: 'newuser@example.com', name: 'New User', points: 5, referredBy: jane.id });
    expect(friend.referralCode).toMatch(/^REF-[A-HJ-KM-NP-Z2-9]{6}$/);
    expect(await t().store.entries.get(jane.id)).toMatchObject({ points: 10, referralsCount: 1 });
  });

  it('POST track-purchase: 99.99 USD with REF-XYZ789 credits the advocate 100 points', async () => {
    const { jane } = await seed();
    const res = await postJson(t().app, '/api/referral/track-purchase', {
      email: 'newuser@example.com',
      contestId: 'clx1abc123',
      orderId: 'order-12345',
      amount: 99.99,
      currency: 'USD',
      referralCode: 'REF-XYZ789',
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      success: true,
      data: {
        purchaseId: expect.stringMatching(/^purchase_/),
        entryId: jane.id,
        pointsAwarded: 100,
        message: 'Purchase recorded successfully',
      },
    });
    const purchase = (await t().store.purchases.findByOrder('clx1abc123', 'order-12345'))!;
    expect(purchase).toMatchObject({ amountMinor: 9999, currency: 'USD', creditedEntryId: jane.id });
    expect((await t().store.entries.get(jane.id))!.points).toBe(100);
  });

  it('the Express/Flask example flow: signup with a code, then a purchase without one credits the referrer', async () => {
    const { jane } = await seed();
    await postJson(t().app, '/api/referral/track-signup', {
      email: 'friend@example.com',
      name: null, // Flask sends data.get("name") → null
      contestId: 'clx1abc123',
      referralCode: 'REF-XYZ789',
    });
    const res = await postJson(t().app, '/api/referral/track-purchase', {
      email: 'friend@example.com',
      contestId: 'clx1abc123',
      orderId: 'order-123',
      amount: 49.99,
      currency: 'USD',
    });
    expect(res.body.data).toMatchObject({ entryId: jane.id, pointsAwarded: 50 });
    expect((await t().store.entries.get(jane.id))!.points).toBe(10 + 50);
  });

  it('the Express example omits currency: USD is the default', async () => {
    await seed();
    const res = await postJson(t().app, '/api/referral/track-purchase', {
      email: 'buyer@example.com',
      contestId: 'clx1abc123',
      orderId: 'order-9',
      amount: 10,
      referralCode: 'REF-XYZ789',
    });
    expect(res.status).toBe(200);
    expect((await t().store.purchases.findByOrder('clx1abc123', 'order-9'))!.currency).toBe('USD');
  });
}));
