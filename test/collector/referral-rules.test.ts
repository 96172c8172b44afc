import { describe, expect, it } from 'vitest';
import { BROWSER_UA, forEachEngine, postJson, T0, useTestApp } from '../helpers/test-app.js';

forEachEngine((engine) => describe('referral endpoints: rules CONTRACT.md settles', () => {
  const t = useTestApp({ engine });

  async function seed(settings = {}) {
    const { id } = await t().contest({ id: 'clx1abc123', settings });
    const jane = await t().entry(id, { email: 'jane@example.com', name: 'Jane Doe', referralCode: 'REF-XYZ789' });
    return { contestId: id, jane };
  }
  const signup = (body: Record<string, unknown>) =>
    postJson(t().app, '/api/referral/track-signup', { contestId: 'clx1abc123', referralCode: 'REF-XYZ789', ...body });
  const purchase = (body: Record<string, unknown>) =>
    postJson(t().app, '/api/referral/track-purchase', { contestId: 'clx1abc123', amount: 10, currency: 'USD', ...body });
  const points = async (id: string) => (await t().store.entries.get(id))!.points;

  describe('track-signup', () => {
    it('the same signup twice awards once and returns the same entry', async () => {
      const { jane } = await seed();
      const first = await signup({ email: 'friend@example.com' });
      const second = await signup({ email: 'Friend@Example.com ' });
      expect(second.body.data).toEqual({
        entryId: first.body.data.entryId,
        isReferred: true,
        pointsAwarded: { advocate: 0, friend: 0 },
      });
      expect(await points(jane.id)).toBe(10);
      expect(await points(first.body.data.entryId)).toBe(5);
    });

    it('identical signups arriving at the same moment award exactly once', async () => {
      const { jane } = await seed();
      const results = await Promise.all(Array.from({ length: 20 }, () => signup({ email: 'race@example.com' })));
      expect(new Set(results.map((r) => r.body.data.entryId)).size).toBe(1);
      expect(results.filter((r) => r.body.data.pointsAwarded.advocate === 10)).toHaveLength(1);
      expect(await points(jane.id)).toBe(10);
      expect((await t().counts()).entries).toBe(2);
    });

    it('self-referral (same email as the code owner) is not referred and awards nothing', async () => {
      const { jane } = await seed();
      const res = await signup({ email: 'JANE@example.com' });
      expect(res.body.data).toEqual({ entryId: jane.id, isReferred: false, pointsAwarded: { advocate: 0, friend: 0 } });
      expect(await points(jane.id)).toBe(0);
    });

    it('an unknown code still records the signup, not referred, 0/0', async () => {
      await seed();
      const res = await signup({ email: 'lost@example.com', referralCode: 'REF-NOPE99' });
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ isReferred: false, pointsAwarded: { advocate: 0, friend: 0 } });
      expect(await t().store.entries.get(res.body.data.entryId)).toMatchObject({ email: 'lost@example.com', referredBy: null });
    });

    it('codes match case-insensitively', async () => {
      const { jane } = await seed();
      await signup({ email: 'lower@example.com', referralCode: 'ref-xyz789' });
      expect(await points(jane.id)).toBe(10);
    });

    it('uses the contest settings for advocate and friend points', async () => {
      const { jane } = await seed({ advocatePoints: 25, friendPoints: 0 });
      const res = await signup({ email: 'friend@example.com' });
      expect(res.body.data.pointsAwarded).toEqual({ advocate: 25, friend: 0 });
      expect(await points(jane.id)).toBe(25);
    });

    it('a disqualified advocate earns nothing, the friend is still referred', async () => {
      const { jane } = await seed();
      await t().store.entries.disqualify(jane.id, 'fraud');
      const res = await signup({ email: 'friend@example.com' });
      expect(res.body.data).toMatchObject({ isReferred: true, pointsAwarded: { advocate: 0, friend: 5 } });
      expect(await points(jane.id)).toBe(0);
    });
  });

  describe('track-purchase', () => {
    it('the same orderId twice returns the original purchase and awards once', async () => {
      const { jane } = await seed();
      const first = await purchase({ email: 'buyer@example.com', orderId: 'order-1', referralCode: 'REF-XYZ789' });
      const second = await purchase({ email: 'buyer@example.com', orderId: 'order-1', referralCode: 'REF-XYZ789', amount: 500 });
      expect(second.body.data).toEqual({
        purchaseId: first.body.data.purchaseId,
        entryId: jane.id,
        pointsAwarded: 0,
        message: 'Purchase already recorded',
      });
      expect(await points(jane.id)).toBe(10);
      expect((await t().counts()).purchases).toBe(1);
    });

    it('50 identical purchases at the same moment: one purchase, one award', async () => {
      const { jane } = await seed();
      const results = await Promise.all(
        Array.from({ length: 50 }, () => purchase({ email: 'b@example.com', orderId: 'order-race', referralCode: 'REF-XYZ789' })),
      );
      expect(results.every((r) => r.status === 200)).toBe(true);
      expect(new Set(results.map((r) => r.body.data.purchaseId)).size).toBe(1);
      expect(results.filter((r) => r.body.data.pointsAwarded > 0)).toHaveLength(1);
      expect(await points(jane.id)).toBe(10);
    });

    it('without a code in the body, the rocket_ref cookie names the advocate', async () => {
      const { jane } = await seed();
      const res = await postJson(
        t().app,
        '/api/referral/track-purchase',
        { contestId: 'clx1abc123', email: 'c@example.com', orderId: 'o-cookie', amount: 20 },
        { cookie: 'other=1; rocket_ref=REF-XYZ789' },
      );
      expect(res.body.data).toMatchObject({ entryId: jane.id, pointsAwarded: 20 });
    });

    it('not attributable: stored, 0 points, entryId = the purchaser entry or null', async () => {
      const { jane } = await seed();
      const anonymous = await purchase({ email: 'nobody@example.com', orderId: 'o-anon' });
      expect(anonymous.body.data).toMatchObject({ entryId: null, pointsAwarded: 0, message: 'Purchase recorded successfully' });
      const own = await purchase({ email: 'jane@example.com', orderId: 'o-own', referralCode: 'REF-XYZ789' });
      expect(own.body.data).toMatchObject({ entryId: jane.id, pointsAwarded: 0 });
      expect((await t().counts()).purchases).toBe(2);
      expect(await points(jane.id)).toBe(0);
    });

    it('rounds amount × purchasePointsPerUnit and stores integer minor units per currency', async () => {
      const { jane } = await seed({ purchasePointsPerUnit: 2 });
      await purchase({ email: 'x@example.com', orderId: 'o-jpy', amount: 1234, currency: 'jpy', referralCode: 'REF-XYZ789' });
      await purchase({ email: 'x@example.com', orderId: 'o-bhd', amount: 1.2345, currency: 'BHD', referralCode: 'REF-XYZ789' });
      expect(await t().store.purchases.findByOrder('clx1abc123', 'o-jpy')).toMatchObject({ amountMinor: 1234, currency: 'JPY' });
      expect(await t().store.purchases.findByOrder('clx1abc123', 'o-bhd')).toMatchObject({ amountMinor: 1235, currency: 'BHD' });
      expect(await points(jane.id)).toBe(2468 + 2);
    });
  });

  describe('validate-code and track-visit', () => {
    it('unknown code and unknown contest answer the same 200 {valid: false}', async () => {
      await seed();
      for (const url of [
        '/api/referral/validate-code?code=REF-NOPE99&contestId=clx1abc123',
        '/api/referral/validate-code?code=REF-XYZ789&contestId=other',
      ]) {
        const res = await t().app.inject({ method: 'GET', url });
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual({ valid: false, contestId: new URL(url, 'http://x').searchParams.get('contestId') });
      }
    });

    it('validate-code without code or contestId → 400 naming the field', async () => {
      await seed();
      const res = await t().app.inject({ method: 'GET', url: '/api/referral/validate-code?contestId=clx1abc123' });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ success: false, error: 'code is required' });
    });

    it('track-visit: unknown contest → 404 Contest not found; unknown code → 404 Referral code not found', async () => {
      await seed();
      const noContest = await postJson(t().app, '/api/referral/track-visit', { contestId: 'nope', referralCode: 'REF-XYZ789' });
      expect(noContest).toMatchObject({ status: 404, body: { success: false, error: 'Contest not found' } });
      const noCode = await postJson(t().app, '/api/referral/track-visit', { contestId: 'clx1abc123', referralCode: 'REF-NOPE99' });
      expect(noCode).toMatchObject({ status: 404, body: { success: false, error: 'Referral code not found' } });
      expect((await t().counts()).visits).toBe(0);
    });

    it('a visit stores a salted visitor key, never the raw IP', async () => {
      await seed();
      await t().app.inject({
        method: 'POST',
        url: '/api/referral/track-visit',
        headers: { 'content-type': 'text/plain;charset=UTF-8', 'user-agent': BROWSER_UA },
        remoteAddress: '203.0.113.7',
        payload: JSON.stringify({ contestId: 'clx1abc123', referralCode: 'REF-XYZ789', url: 'https://s.example/?ref=REF-XYZ789' }),
      });
      const visits = await t().rows('visits');
      expect(visits).toHaveLength(1);
      const [row] = visits;
      expect(row.visitor_key).toMatch(/^[0-9a-f]{32}$/);
      expect(JSON.stringify(row)).not.toContain('203.0.113.7');
      expect(row.url).toBe('https://s.example/?ref=REF-XYZ789');
    });
  });

  describe('contests that are not running store nothing', () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ['draft', { status: 'draft' }],
      ['paused', { status: 'paused' }],
      ['ended', { status: 'ended' }],
      ['before its start date', { isEvergreen: false, startDate: T0 + 86_400_000 }],
      ['after its end date', { isEvergreen: false, endDate: T0 - 1 }],
    ];
    for (const [label, contest] of cases) {
      it(`${label}: visit, signup, purchase → 400 Contest is not active`, async () => {
        const { id } = await t().contest({ id: 'c-off', ...contest });
        await t().entry(id, { email: 'jane@example.com', referralCode: 'REF-XYZ789' });
        const before = await t().counts();
        const base = { contestId: 'c-off', referralCode: 'REF-XYZ789' };
        for (const [path, body] of [
          ['track-visit', base],
          ['track-signup', { ...base, email: 'f@example.com' }],
          ['track-purchase', { ...base, email: 'f@example.com', orderId: 'o1', amount: 5 }],
        ] as const) {
          const res = await postJson(t().app, `/api/referral/${path}`, body);
          expect(res).toMatchObject({ status: 400, body: { success: false, error: 'Contest is not active' } });
        }
        expect(await t().counts()).toEqual(before);
      });
    }

    it('an evergreen active contest ignores its dates', async () => {
      await t().contest({ id: 'c-ever', isEvergreen: true, endDate: T0 - 1, startDate: T0 - 2 });
      await t().entry('c-ever', { email: 'jane@example.com', referralCode: 'REF-XYZ789' });
      const res = await postJson(t().app, '/api/referral/track-visit', { contestId: 'c-ever', referralCode: 'REF-XYZ789' });
      expect(res.status).toBe(200);
    });
  });
}));
