import { describe, expect, it } from 'vitest';
import { forEachEngine, useTestApp } from '../helpers/test-app.js';
import { call, seedV1 } from './v1-helpers.js';

/** The request examples of the hosted docs' API reference (research file §2.2), host replaced. */
forEachEngine((engine) => describe('REST API v1: documented examples', () => {
  const t = useTestApp({ engine });
  const iso = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

  it('GET /contests (curl -H "x-api-key: …") lists contests in the documented shape', async () => {
    const fx = await seedV1(t());
    const res = await call(t(), 'GET', '/api/v1/contests', fx.publicKey);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      success: true,
      data: [
        {
          id: 'clx1abc123def456',
          title: 'Summer Giveaway 2025',
          description: null,
          status: 'active',
          startDate: null,
          endDate: null,
          isEvergreen: true,
          mode: 'leaderboard',
          slug: 'summer-giveaway-2025',
          entriesCount: 2,
        },
      ],
    });
  });

  it('?apiKey= works like the header', async () => {
    const fx = await seedV1(t());
    const res = await call(t(), 'GET', `/api/v1/contests?apiKey=${fx.publicKey}`);
    expect(res.status).toBe(200);
  });

  it('GET /contests/:id adds settings', async () => {
    const fx = await seedV1(t());
    const res = await call(t(), 'GET', `/api/v1/contests/${fx.contestId}`, fx.publicKey);
    expect(res.body.data.settings).toEqual({
      advocatePoints: 10,
      friendPoints: 5,
      purchasePointsPerUnit: 1,
      requireEmailConfirmation: false,
      cookieDays: 30,
      // refrocket extensions (issues 15, 16, 20)
      recurringPurchases: false,
      browserPurchases: 'record',
      publicKeyContacts: 'masked',
      referralUrl: null,
      publicPages: true,
      leaderboardFrameAncestors: [],
    });
    expect(res.body.data.stripeConnected).toBe(false);
    expect(res.body.data.entriesCount).toBe(2);
  });

  // The documented answers carry full emails and phones: a private key's view. Public keys get
  // them masked (test/api/public-key-contacts.test.ts).
  it('GET /contests/:id/entries?page=1&limit=10 returns entries and pagination', async () => {
    const fx = await seedV1(t());
    const res = await call(t(), 'GET', `/api/v1/contests/${fx.contestId}/entries?page=1&limit=10`, fx.privateKey);
    expect(res.body).toEqual({
      success: true,
      data: [
        {
          id: fx.janeId,
          email: 'jane@example.com',
          name: 'Jane Doe',
          phone: null,
          points: 0,
          emailConfirmed: true,
          disqualified: false,
          referralCode: 'REF-XYZ789',
          createdAt: iso,
        },
        expect.objectContaining({ id: fx.johnId, phone: '+1234567890', referralCode: 'REF-ABC456' }),
      ],
      pagination: { page: 1, limit: 10, total: 2, totalPages: 1 },
    });
  });

  it('GET /contests/:id/leaderboard?limit=10: rank, referralsCount, joinedAt', async () => {
    const fx = await seedV1(t());
    await call(t(), 'POST', `/api/v1/entries/${fx.johnId}/points`, fx.privateKey, { points: 85, reason: 'import' });
    const res = await call(t(), 'GET', `/api/v1/contests/${fx.contestId}/leaderboard?limit=10`, fx.privateKey);
    expect(res.body).toEqual({
      success: true,
      data: [
        { rank: 1, id: fx.johnId, email: 'john@example.com', name: 'John Smith', points: 85, referralCode: 'REF-ABC456', referralsCount: 0, joinedAt: iso },
        { rank: 2, id: fx.janeId, email: 'jane@example.com', name: 'Jane Doe', points: 0, referralCode: 'REF-XYZ789', referralsCount: 0, joinedAt: iso },
      ],
    });
  });

  it('GET /contests/:id/analytics returns the documented fields', async () => {
    const fx = await seedV1(t());
    const res = await call(t(), 'GET', `/api/v1/contests/${fx.contestId}/analytics`, fx.publicKey);
    expect(res.body).toEqual({
      success: true,
      data: {
        totalEntries: 2,
        confirmedEntries: 2,
        disqualifiedEntries: 0,
        totalViews: 0,
        totalBonusCompletions: 0,
        points: { total: 0, average: 0, highest: 0 },
      },
    });
  });

  it('GET /entries/:id/bonus-actions and the email lookup return the documented shape', async () => {
    const fx = await seedV1(t());
    await call(t(), 'POST', `/api/v1/entries/${fx.janeId}/bonus-actions/${fx.bonusActionId}/complete`, fx.publicKey);
    const byId = await call(t(), 'GET', `/api/v1/entries/${fx.janeId}/bonus-actions`, fx.privateKey);
    expect(byId.body).toEqual({
      success: true,
      data: {
        entryId: fx.janeId,
        email: 'jane@example.com',
        totalPoints: 15,
        bonusActionsCompleted: 1,
        bonusActionsTotal: 2,
        bonusPointsEarned: 15,
        actions: [
          { id: fx.bonusActionId, action: 'follow_twitter', description: 'Follow us on Twitter', points: 15, completed: true, completedAt: iso },
          { id: expect.stringMatching(/^ba_/), action: 'share_facebook', description: 'Share on Facebook', points: 10, completed: false, completedAt: null },
        ],
      },
    });
    const lookup = await call(t(), 'GET', `/api/v1/entries/lookup/bonus-actions?email=jane@example.com&contestId=${fx.contestId}`, fx.privateKey);
    expect(lookup.body).toEqual(byId.body);
  });

  it('POST /contests/:id/purchases (docs body, 49.99) awards 50 to the purchaser; repeat is 200 with 0', async () => {
    const fx = await seedV1(t());
    const body = { email: 'jane@example.com', orderId: 'order-12345', amount: 49.99, currency: 'USD' };
    const first = await call(t(), 'POST', `/api/v1/contests/${fx.contestId}/purchases`, fx.privateKey, body);
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      success: true,
      data: {
        purchaseId: expect.stringMatching(/^purchase_/), entryId: fx.janeId, pointsAwarded: 50, alreadyExists: false, message: 'Purchase recorded successfully',
        // refrocket extension: the referrer credited (Jane has none)
        advocateEntryId: null, advocatePointsAwarded: 0,
      },
    });
    const again = await call(t(), 'POST', `/api/v1/contests/${fx.contestId}/purchases`, fx.privateKey, body);
    expect(again).toMatchObject({ status: 200, body: { data: { purchaseId: first.body.data.purchaseId, pointsAwarded: 0, alreadyExists: true } } });
  });

  it('POST /contests/:id/purchases with an unknown email → 404 Entry not found', async () => {
    const fx = await seedV1(t());
    const res = await call(t(), 'POST', `/api/v1/contests/${fx.contestId}/purchases`, fx.privateKey, { email: 'ghost@example.com', orderId: 'o', amount: 1 });
    expect(res).toEqual({ status: 404, body: { success: false, error: 'Entry not found' } });
    expect((await t().counts()).purchases).toBe(0);
  });

  it('the docs error-handling client sees success/error/data as documented', async () => {
    const fx = await seedV1(t());
    const missing = await call(t(), 'GET', `/api/v1/contests/nope`, fx.publicKey);
    expect(missing).toEqual({ status: 404, body: { success: false, error: 'Contest not found' } });
    const noKey = await call(t(), 'GET', '/api/v1/contests');
    expect(noKey).toEqual({ status: 401, body: { success: false, error: 'Missing or invalid API key' } });
    const publicOnPrivate = await call(t(), 'POST', `/api/v1/entries/${fx.janeId}/points`, fx.publicKey, { points: 1, reason: 'x' });
    expect(publicOnPrivate).toEqual({ status: 403, body: { success: false, error: 'This endpoint requires a private API key' } });
    const noEmail = await call(t(), 'POST', `/api/v1/contests/${fx.contestId}/entries`, fx.privateKey, { name: 'Nobody' });
    expect(noEmail).toEqual({ status: 400, body: { success: false, error: 'Either email or phone is required' } });
  });
}));
