import { describe, expect, it } from 'vitest';
import { forEachEngine, postJson, T0, useTestApp } from '../helpers/test-app.js';
import { call, seedV1 } from './v1-helpers.js';

const DAY = 86_400_000;
// T0 is 2026-01-15T12:00Z; these are the last and first milliseconds of UTC days around it.
const JAN_14_LAST_MS = Date.parse('2026-01-14T23:59:59.999Z');
const JAN_15_FIRST_MS = Date.parse('2026-01-15T00:00:00.000Z');

const zero = (date: string) => ({ date, visits: 0, signups: 0, referredSignups: 0, purchases: 0, revenue: {} });

forEachEngine((engine) => describe('GET /api/v1/contests/:id/analytics/daily', () => {
  const t = useTestApp({ engine });

  const daily = (contestId: string, key: string, query = '') =>
    call(t(), 'GET', `/api/v1/contests/${contestId}/analytics/daily${query}`, key);

  it('counts visits, signups, referred signups, purchases and revenue per UTC day, zeros included', async () => {
    const fx = await seedV1(t()); // Jane and John joined on Jan 15 (no referrer)
    // These signups come in the millisecond of their visit: the fraud checks' too_fast would hold
    // them (not referred until approved), which is not what this test counts.
    const settings = { fraud: { checks: { tooFast: { enabled: false } } } };
    expect((await call(t(), 'PUT', `/api/v1/contests/${fx.contestId}`, fx.privateKey, { settings })).status).toBe(200);
    const visit = () => postJson(t().app, '/api/referral/track-visit', { referralCode: 'REF-XYZ789', contestId: fx.contestId });
    const signup = (email: string) =>
      postJson(t().app, '/api/referral/track-signup', { email, contestId: fx.contestId, referralCode: 'REF-XYZ789' });
    const purchase = (orderId: string, amount: number, currency: string) =>
      call(t(), 'POST', `/api/v1/contests/${fx.contestId}/purchases`, fx.privateKey, { email: 'jane@example.com', orderId, amount, currency });

    t().setNow(JAN_14_LAST_MS); // the last millisecond of Jan 14 belongs to Jan 14
    expect((await visit()).status).toBe(200);
    expect((await signup('a@example.com')).status).toBe(200);
    expect((await purchase('o-1', 10, 'USD')).status).toBe(201);
    t().setNow(JAN_15_FIRST_MS);
    await visit();
    await visit();
    await signup('b@example.com');
    await purchase('o-2', 5.5, 'USD');
    await purchase('o-3', 7, 'EUR');
    expect((await purchase('o-3', 7, 'EUR')).status).toBe(200); // a repeated orderId is not a second purchase
    t().setNow(T0 + 2 * DAY);
    await visit();

    const res = await daily(fx.contestId, fx.publicKey, '?from=2026-01-13&to=2026-01-18');
    expect(res).toEqual({
      status: 200,
      body: {
        success: true,
        data: [
          zero('2026-01-13'),
          { date: '2026-01-14', visits: 1, signups: 1, referredSignups: 1, purchases: 1, revenue: { USD: 1000 } },
          { date: '2026-01-15', visits: 2, signups: 3, referredSignups: 1, purchases: 2, revenue: { USD: 550, EUR: 700 } },
          zero('2026-01-16'),
          { ...zero('2026-01-17'), visits: 1 },
          zero('2026-01-18'),
        ],
      },
    });
    // Same numbers for a private key, and the same totals as the counters behind /analytics.
    expect((await daily(fx.contestId, fx.privateKey, '?from=2026-01-13&to=2026-01-18')).body).toEqual(res.body);
    const totals = (await call(t(), 'GET', `/api/v1/contests/${fx.contestId}/analytics`, fx.publicKey)).body.data;
    const sum = (field: 'visits' | 'signups') => res.body.data.reduce((n: number, d: Record<string, number>) => n + d[field], 0);
    expect(sum('visits')).toBe(totals.totalViews);
    expect(sum('signups')).toBe(totals.totalEntries);
  });

  it('defaults to the 30 days ending today (UTC), and answers a one-day range', async () => {
    const fx = await seedV1(t());
    const res = await daily(fx.contestId, fx.publicKey);
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(30);
    expect(res.body.data[0].date).toBe('2025-12-17');
    expect(res.body.data[29]).toEqual({ ...zero('2026-01-15'), signups: 2 });
    const oneDay = await daily(fx.contestId, fx.publicKey, '?from=2026-01-15&to=2026-01-15');
    expect(oneDay.body.data).toEqual([{ ...zero('2026-01-15'), signups: 2 }]);
  });

  it('a held referral counts as referred once approved; a browser purchase superseded by an authenticated one counts once', async () => {
    const fx = await seedV1(t());
    // Default fraud checks: a signup in the millisecond of its visit is held (too_fast).
    await postJson(t().app, '/api/referral/track-visit', { referralCode: 'REF-XYZ789', contestId: fx.contestId });
    expect((await postJson(t().app, '/api/referral/track-signup', { email: 'quick@example.com', contestId: fx.contestId, referralCode: 'REF-XYZ789' })).status).toBe(200);
    const today = async () => (await daily(fx.contestId, fx.publicKey, '?from=2026-01-15&to=2026-01-15')).body.data[0];
    expect(await today()).toMatchObject({ signups: 3, referredSignups: 0 });
    const flags = await call(t(), 'GET', `/api/v1/contests/${fx.contestId}/flags`, fx.privateKey);
    expect(flags.body.data).toHaveLength(1);
    expect((await call(t(), 'POST', `/api/v1/flags/${flags.body.data[0].id}/approve`, fx.privateKey)).status).toBe(200);
    expect(await today()).toMatchObject({ signups: 3, referredSignups: 1 });

    const order = { email: 'jane@example.com', orderId: 'o-squat', amount: 12, currency: 'USD' };
    expect((await postJson(t().app, '/api/referral/track-purchase', { ...order, contestId: fx.contestId, referralCode: 'REF-ABC456' })).status).toBe(200);
    expect(await today()).toMatchObject({ purchases: 1, revenue: { USD: 1200 } });
    const authenticated = await call(t(), 'POST', `/api/v1/contests/${fx.contestId}/purchases`, fx.privateKey, { ...order, amount: 15 });
    expect(authenticated.body.data.superseded).toMatchObject({ conflicts: ['amount'] });
    expect(await today()).toMatchObject({ purchases: 1, revenue: { USD: 1500 } });
  });

  it('keeps contests apart', async () => {
    const fx = await seedV1(t());
    const other = await t().contest({ id: 'other-contest' });
    await t().entry(other.id, { email: 'x@example.com' });
    const res = await daily(fx.contestId, fx.publicKey, '?from=2026-01-15&to=2026-01-15');
    expect(res.body.data[0].signups).toBe(2);
    const otherRes = await daily(other.id, fx.publicKey, '?from=2026-01-15&to=2026-01-15');
    expect(otherRes.body.data[0].signups).toBe(1);
  });

  it.each([
    ['?from=2026-1-5', 'from must be a date as YYYY-MM-DD'],
    ['?to=2026-02-30', 'to must be a real date'],
    ['?from=2026-13-01', 'from must be a real date'],
    ['?from=2026-01-10&to=2026-01-09', 'from must not be after to'],
    ['?from=2025-01-01&to=2026-01-15', 'from..to must span at most 366 days'],
  ])('refuses %s with a 400 naming the field', async (query, message) => {
    const fx = await seedV1(t());
    const before = await t().counts();
    expect(await daily(fx.contestId, fx.publicKey, query)).toEqual({ status: 400, body: { success: false, error: message } });
    expect(await t().counts()).toEqual(before);
  });

  it('answers 404 for an unknown contest', async () => {
    const fx = await seedV1(t());
    expect(await daily('nope', fx.publicKey)).toEqual({ status: 404, body: { success: false, error: 'Contest not found' } });
  });
}));
