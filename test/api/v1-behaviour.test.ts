import { describe, expect, it } from 'vitest';
import { forEachEngine, postJson, useTestApp } from '../helpers/test-app.js';
import { call, seedV1 } from './v1-helpers.js';

forEachEngine((engine) => describe('REST API v1: behaviour', () => {
  const t = useTestApp({ engine });

  async function many(contestId: string, n: number) {
    for (let i = 0; i < n; i++) {
      await t().entry(contestId, { email: `user${String(i).padStart(2, '0')}@example.com`, name: i % 2 ? `Odd ${i}` : `Even ${i}` });
      t().advance(1000);
    }
  }

  describe('pagination', () => {
    it('last page, beyond the last page, totalPages', async () => {
      const fx = await seedV1(t());
      await many(fx.contestId, 23); // 25 entries in all
      const last = await call(t(), 'GET', `/api/v1/contests/${fx.contestId}/entries?page=3&limit=10`, fx.publicKey);
      expect(last.body.data).toHaveLength(5);
      expect(last.body.pagination).toEqual({ page: 3, limit: 10, total: 25, totalPages: 3 });
      const beyond = await call(t(), 'GET', `/api/v1/contests/${fx.contestId}/entries?page=4&limit=10`, fx.publicKey);
      expect(beyond.body).toEqual({ success: true, data: [], pagination: { page: 4, limit: 10, total: 25, totalPages: 3 } });
      const defaults = await call(t(), 'GET', `/api/v1/contests/${fx.contestId}/entries`, fx.publicKey);
      expect(defaults.body.pagination).toEqual({ page: 1, limit: 20, total: 25, totalPages: 2 });
    });

    it('pages do not overlap and cover every entry once', async () => {
      const fx = await seedV1(t());
      await many(fx.contestId, 13);
      const ids: string[] = [];
      for (let page = 1; page <= 3; page++) {
        const res = await call(t(), 'GET', `/api/v1/contests/${fx.contestId}/entries?page=${page}&limit=6`, fx.publicKey);
        ids.push(...res.body.data.map((e: { id: string }) => e.id));
      }
      expect(ids).toHaveLength(15);
      expect(new Set(ids).size).toBe(15);
    });

    for (const [query, message] of [
      ['limit=0', 'limit must be at least 1'],
      ['limit=101', 'limit must be at most 100'],
      ['limit=abc', 'limit must be a number'],
      ['page=0', 'page must be at least 1'],
      ['page=1.5', 'page must be an integer'],
    ]) {
      it(`${query} → 400 "${message}"`, async () => {
        const fx = await seedV1(t());
        const res = await call(t(), 'GET', `/api/v1/contests/${fx.contestId}/entries?${query}`, fx.publicKey);
        expect(res).toEqual({ status: 400, body: { success: false, error: message } });
      });
    }

    it('leaderboard limit 0/101/abc → 400; default 25', async () => {
      const fx = await seedV1(t());
      await many(fx.contestId, 30);
      for (const q of ['0', '101', 'abc']) {
        const res = await call(t(), 'GET', `/api/v1/contests/${fx.contestId}/leaderboard?limit=${q}`, fx.publicKey);
        expect(res.status).toBe(400);
        expect(res.body.error).toMatch(/^limit /);
      }
      const res = await call(t(), 'GET', `/api/v1/contests/${fx.contestId}/leaderboard`, fx.publicKey);
      expect(res.body.data).toHaveLength(25);
      expect(res.body.data.map((r: { rank: number }) => r.rank)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    });
  });

  it('search matches email or name, case-insensitively, and counts only matches', async () => {
    const fx = await seedV1(t());
    await many(fx.contestId, 10);
    const byName = await call(t(), 'GET', `/api/v1/contests/${fx.contestId}/entries?search=ODD`, fx.publicKey);
    expect(byName.body.data.map((e: { name: string }) => e.name)).toEqual(['Odd 1', 'Odd 3', 'Odd 5', 'Odd 7', 'Odd 9']);
    expect(byName.body.pagination.total).toBe(5);
    const byEmail = await call(t(), 'GET', `/api/v1/contests/${fx.contestId}/entries?search=JANE@EXAMPLE`, fx.publicKey);
    expect(byEmail.body.data.map((e: { id: string }) => e.id)).toEqual([fx.janeId]);
    const wildcard = await call(t(), 'GET', `/api/v1/contests/${fx.contestId}/entries?search=%25%25%25`, fx.publicKey);
    expect(wildcard.body.pagination.total).toBe(0);
  });

  describe('leaderboard', () => {
    it('ties: equal points rank by earlier joinedAt, then id; ranks are 1..n', async () => {
      const fx = await seedV1(t());
      t().advance(1000);
      // Two entries joining in the same millisecond: the id decides.
      const twins = [await t().entry(fx.contestId, { email: 'a-twin@example.com' }), await t().entry(fx.contestId, { email: 'b-twin@example.com' })]
        .map((e) => e.id)
        .sort();
      for (const id of [fx.janeId, fx.johnId, ...twins]) {
        await call(t(), 'POST', `/api/v1/entries/${id}/points`, fx.privateKey, { points: 40, reason: 'tie' });
      }
      const res = await call(t(), 'GET', `/api/v1/contests/${fx.contestId}/leaderboard`, fx.publicKey);
      expect(res.body.data.map((r: { id: string; rank: number }) => [r.rank, r.id])).toEqual([
        [1, fx.janeId],
        [2, fx.johnId],
        [3, twins[0]],
        [4, twins[1]],
      ]);
    });

    it('disqualified entries leave at once; their ledger stays', async () => {
      const fx = await seedV1(t());
      await call(t(), 'POST', `/api/v1/entries/${fx.janeId}/points`, fx.privateKey, { points: 100, reason: 'x' });
      const dq = await call(t(), 'POST', `/api/v1/entries/${fx.janeId}/disqualify`, fx.privateKey, { reason: 'fraud' });
      expect(dq.body.data).toMatchObject({ id: fx.janeId, disqualified: true, points: 100 });
      const board = await call(t(), 'GET', `/api/v1/contests/${fx.contestId}/leaderboard`, fx.publicKey);
      expect(board.body.data.map((r: { id: string }) => r.id)).toEqual([fx.johnId]);
      const stats = await call(t(), 'GET', `/api/v1/contests/${fx.contestId}/analytics`, fx.publicKey);
      expect(stats.body.data).toMatchObject({ disqualifiedEntries: 1, points: { total: 100, highest: 100 } });
      expect(await t().store.ledger.forEntry(fx.janeId)).toHaveLength(1);
    });

    it('with requireEmailConfirmation only confirmed entries are ranked', async () => {
      const fx = await seedV1(t());
      await call(t(), 'PUT', `/api/v1/contests/${fx.contestId}`, fx.privateKey, { settings: { requireEmailConfirmation: true } });
      const pending = await t().entry(fx.contestId, { email: 'pending@example.com' });
      await call(t(), 'POST', `/api/v1/entries/${pending.id}/points`, fx.privateKey, { points: 999, reason: 'x' });
      let board = await call(t(), 'GET', `/api/v1/contests/${fx.contestId}/leaderboard`, fx.publicKey);
      expect(board.body.data.map((r: { id: string }) => r.id)).not.toContain(pending.id);
      await call(t(), 'PUT', `/api/v1/entries/${pending.id}`, fx.privateKey, { emailConfirmed: true });
      board = await call(t(), 'GET', `/api/v1/contests/${fx.contestId}/leaderboard`, fx.publicKey);
      expect(board.body.data[0]).toMatchObject({ rank: 1, id: pending.id, points: 999 });
    });
  });

  it('analytics arithmetic: counts, views, bonus completions, total/average/highest', async () => {
    const fx = await seedV1(t());
    const extra = await t().entry(fx.contestId, { email: 'third@example.com' });
    for (let i = 0; i < 3; i++) {
      await postJson(t().app, '/api/referral/track-visit', { contestId: fx.contestId, referralCode: 'REF-XYZ789' });
    }
    await call(t(), 'POST', `/api/v1/entries/${fx.janeId}/points`, fx.privateKey, { points: 50, reason: 'x' });
    await call(t(), 'POST', `/api/v1/entries/${fx.johnId}/points`, fx.privateKey, { points: 21, reason: 'x' });
    await call(t(), 'POST', `/api/v1/entries/${fx.johnId}/bonus-actions/${fx.bonusActionId}/complete`, fx.publicKey);
    await call(t(), 'POST', `/api/v1/entries/${extra.id}/disqualify`, fx.privateKey, {});
    const res = await call(t(), 'GET', `/api/v1/contests/${fx.contestId}/analytics`, fx.publicKey);
    // total = 50 + 21 + 15 = 86 over 3 entries → 28.666… → 28.7
    expect(res.body.data).toEqual({
      totalEntries: 3,
      confirmedEntries: 2,
      disqualifiedEntries: 1,
      totalViews: 3,
      totalBonusCompletions: 1,
      points: { total: 86, average: 28.7, highest: 50 },
    });
  });

  it('manual adjustments write ledger rows and show at once in leaderboard and analytics', async () => {
    const fx = await seedV1(t());
    const up = await call(t(), 'POST', `/api/v1/entries/${fx.johnId}/points`, fx.privateKey, { points: 30, reason: 'contest bonus' });
    expect(up.body.data).toEqual({
      entryId: fx.johnId,
      points: 30,
      adjustment: { points: 30, reason: 'contest bonus', createdAt: expect.any(String) },
    });
    const down = await call(t(), 'POST', `/api/v1/entries/${fx.johnId}/points`, fx.privateKey, { points: -12, reason: 'correction' });
    expect(down.body.data.points).toBe(18);
    expect((await t().store.ledger.forEntry(fx.johnId)).map((r) => [r.delta, r.reason, r.note])).toEqual([
      [30, 'adjustment', 'contest bonus'],
      [-12, 'adjustment', 'correction'],
    ]);
    const board = await call(t(), 'GET', `/api/v1/contests/${fx.contestId}/leaderboard?limit=1`, fx.publicKey);
    expect(board.body.data[0]).toMatchObject({ id: fx.johnId, points: 18 });
    for (const bad of [{ points: 0, reason: 'x' }, { points: 1.5, reason: 'x' }, { points: 5 }]) {
      const res = await call(t(), 'POST', `/api/v1/entries/${fx.johnId}/points`, fx.privateKey, bad);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/^(points|reason) /);
    }
  });

  describe('entries', () => {
    it('create: 201 with a fresh code, referrer credited; same email again → 200 alreadyExists', async () => {
      const fx = await seedV1(t());
      const res = await call(t(), 'POST', `/api/v1/contests/${fx.contestId}/entries`, fx.privateKey, { email: 'new@example.com', name: 'New', referralCode: 'REF-XYZ789' });
      expect(res.status).toBe(201);
      expect(res.body.data).toMatchObject({ email: 'new@example.com', points: 5, referredBy: fx.janeId, referralsCount: 0, alreadyExists: false });
      expect(res.body.data.referralCode).toMatch(/^REF-[A-Z2-9]{6}$/);
      const again = await call(t(), 'POST', `/api/v1/contests/${fx.contestId}/entries`, fx.privateKey, { email: 'NEW@example.com' });
      expect(again).toMatchObject({ status: 200, body: { data: { id: res.body.data.id, alreadyExists: true } } });
      const jane = await call(t(), 'GET', `/api/v1/entries/${fx.janeId}`, fx.publicKey);
      expect(jane.body.data).toMatchObject({ points: 10, referralsCount: 1, referredBy: null });
    });

    it('create on a contest that is not running records the referrer but awards no points', async () => {
      const fx = await seedV1(t());
      await call(t(), 'PUT', `/api/v1/contests/${fx.contestId}`, fx.privateKey, { status: 'ended' });
      const res = await call(t(), 'POST', `/api/v1/contests/${fx.contestId}/entries`, fx.privateKey, { email: 'late@example.com', referralCode: 'REF-XYZ789' });
      expect(res.status).toBe(201);
      expect(res.body.data).toMatchObject({ referredBy: fx.janeId, points: 0 });
      expect(await t().store.entries.get(fx.janeId)).toMatchObject({ points: 0, referralsCount: 1 });
    });

    it('create with a phone only works; an unknown contest → 404', async () => {
      const fx = await seedV1(t());
      const res = await call(t(), 'POST', `/api/v1/contests/${fx.contestId}/entries`, fx.privateKey, { phone: '+15550001' });
      expect(res.body.data).toMatchObject({ email: null, phone: '+15550001' });
      const missing = await call(t(), 'POST', '/api/v1/contests/nope/entries', fx.privateKey, { email: 'a@example.com' });
      expect(missing).toEqual({ status: 404, body: { success: false, error: 'Contest not found' } });
    });

    it('update refuses an email another entry has; unknown entry → 404', async () => {
      const fx = await seedV1(t());
      const clash = await call(t(), 'PUT', `/api/v1/entries/${fx.johnId}`, fx.privateKey, { email: 'jane@example.com' });
      expect(clash).toEqual({ status: 400, body: { success: false, error: 'email is already used by another entry in this contest' } });
      const ok = await call(t(), 'PUT', `/api/v1/entries/${fx.johnId}`, fx.privateKey, { email: 'johnny@example.com', name: null });
      expect(ok.body.data).toMatchObject({ email: 'johnny@example.com', name: null, phone: '+1234567890' });
      const missing = await call(t(), 'GET', '/api/v1/entries/entry_nope', fx.publicKey);
      expect(missing).toEqual({ status: 404, body: { success: false, error: 'Entry not found' } });
    });

    it('DELETE erases personal data but keeps points, code and counts', async () => {
      const fx = await seedV1(t());
      await postJson(t().app, '/api/referral/track-signup', { email: 'f@example.com', contestId: fx.contestId, referralCode: 'REF-XYZ789' });
      await postJson(t().app, '/api/referral/track-purchase', { email: 'jane@example.com', contestId: fx.contestId, orderId: 'o1', amount: 3, referralCode: 'REF-ABC456' });
      // A purchase stored before the person had an entry carries only the email.
      const bob = { email: 'bob@example.com', orderId: 'o-before', amount: 2 };
      await postJson(t().app, `/api/webhooks/purchase/${fx.contestId}`, bob, { 'x-webhook-secret': fx.webhookSecret });
      const bobEntry = await call(t(), 'POST', `/api/v1/contests/${fx.contestId}/entries`, fx.privateKey, { email: 'bob@example.com', name: 'Bob' });
      await call(t(), 'DELETE', `/api/v1/entries/${bobEntry.body.data.id}`, fx.privateKey);
      const res = await call(t(), 'DELETE', `/api/v1/entries/${fx.janeId}`, fx.privateKey);
      expect(res.body.data).toMatchObject({ id: fx.janeId, email: null, name: null, phone: null, points: 10, referralCode: 'REF-XYZ789', referralsCount: 1 });
      const dump = JSON.stringify(await t().rows('entries')) + JSON.stringify(await t().rows('purchases'));
      for (const personal of ['jane@example.com', 'Jane Doe', 'bob@example.com', 'Bob']) expect(dump).not.toContain(personal);
      const stats = await call(t(), 'GET', `/api/v1/contests/${fx.contestId}/analytics`, fx.publicKey);
      expect(stats.body.data).toMatchObject({ totalEntries: 4, points: { total: 10 + 5 + 3 } });
    });
  });

  describe('bonus actions', () => {
    it('completing is idempotent: second call awards nothing', async () => {
      const fx = await seedV1(t());
      const url = `/api/v1/entries/${fx.janeId}/bonus-actions/${fx.bonusActionId}/complete`;
      const first = await call(t(), 'POST', url, fx.publicKey);
      expect(first.body.data).toEqual({ entryId: fx.janeId, bonusActionId: fx.bonusActionId, pointsAwarded: 15, alreadyCompleted: false, totalPoints: 15 });
      const second = await call(t(), 'POST', url, fx.publicKey);
      expect(second.body.data).toEqual({ entryId: fx.janeId, bonusActionId: fx.bonusActionId, pointsAwarded: 0, alreadyCompleted: true, totalPoints: 15 });
    });

    it('50 parallel completions award once', async () => {
      const fx = await seedV1(t());
      const url = `/api/v1/entries/${fx.janeId}/bonus-actions/${fx.bonusActionId}/complete`;
      const all = await Promise.all(Array.from({ length: 50 }, () => call(t(), 'POST', url, fx.publicKey)));
      expect(all.filter((r) => r.body.data.pointsAwarded === 15)).toHaveLength(1);
      expect((await t().store.entries.get(fx.janeId))!.points).toBe(15);
    });

    it('an action of another contest, or unknown → 404 Bonus action not found', async () => {
      const fx = await seedV1(t());
      const res = await call(t(), 'POST', `/api/v1/entries/${fx.janeId}/bonus-actions/ba_nope/complete`, fx.publicKey);
      expect(res).toEqual({ status: 404, body: { success: false, error: 'Bonus action not found' } });
    });

    it('lookup needs email and contestId; unknown email → 404', async () => {
      const fx = await seedV1(t());
      const missing = await call(t(), 'GET', '/api/v1/entries/lookup/bonus-actions?email=jane@example.com', fx.publicKey);
      expect(missing).toEqual({ status: 400, body: { success: false, error: 'contestId is required' } });
      const unknown = await call(t(), 'GET', `/api/v1/entries/lookup/bonus-actions?email=x@example.com&contestId=${fx.contestId}`, fx.publicKey);
      expect(unknown.status).toBe(404);
    });
  });

  describe('contests (self-hoster extension)', () => {
    it('POST creates an active evergreen contest with settings, bonus actions and a webhook secret', async () => {
      const fx = await seedV1(t());
      const res = await call(t(), 'POST', '/api/v1/contests', fx.privateKey, {
        title: 'Launch Week',
        settings: { advocatePoints: 20, purchasePointsPerUnit: 0.5 },
        bonusActions: [{ action: 'follow_twitter', points: 5 }],
      });
      expect(res.status).toBe(201);
      expect(res.body.data).toMatchObject({
        title: 'Launch Week',
        slug: 'launch-week',
        status: 'active',
        isEvergreen: true,
        settings: { advocatePoints: 20, friendPoints: 5, purchasePointsPerUnit: 0.5 },
        bonusActions: [{ action: 'follow_twitter', points: 5, description: null }],
        webhookSecret: expect.stringMatching(/^whsec_/),
      });
      const hook = await postJson(t().app, `/api/webhooks/signup/${res.body.data.id}`, { email: 'a@example.com' }, { 'x-webhook-secret': res.body.data.webhookSecret });
      expect(hook.status).toBe(200);
    });

    it('PUT changes status and dates; a paused contest refuses tracking', async () => {
      const fx = await seedV1(t());
      const res = await call(t(), 'PUT', `/api/v1/contests/${fx.contestId}`, fx.privateKey, {
        status: 'paused',
        startDate: '2026-01-01T00:00:00.000Z',
        endDate: '2026-12-31T23:59:59.000Z',
        isEvergreen: false,
      });
      expect(res.body.data).toMatchObject({ status: 'paused', startDate: '2026-01-01T00:00:00.000Z', endDate: '2026-12-31T23:59:59.000Z', isEvergreen: false });
      const visit = await postJson(t().app, '/api/referral/track-visit', { contestId: fx.contestId, referralCode: 'REF-XYZ789' });
      expect(visit.body).toEqual({ success: false, error: 'Contest is not active' });
    });

    it('bad contest input → 400 naming the field', async () => {
      const fx = await seedV1(t());
      for (const [body, message] of [
        [{}, 'title is required'],
        [{ title: 'x', status: 'live' }, 'status must be one of: draft, active, ended, paused'],
        [{ title: 'x', startDate: 'tomorrow' }, 'startDate must be an ISO 8601 date-time'],
        [{ title: 'x', settings: { advocatePoints: -1 } }, 'settings.advocatePoints must be at least 0'],
        [{ title: 'x', slug: 'summer-giveaway-2025' }, 'slug summer-giveaway-2025 is already used by another contest'],
        [{ title: 'x', startDate: '2026-02-01T00:00:00Z', endDate: '2026-01-01T00:00:00Z' }, 'endDate must not be before startDate'],
      ] as const) {
        const res = await call(t(), 'POST', '/api/v1/contests', fx.privateKey, body);
        expect(res).toEqual({ status: 400, body: { success: false, error: message } });
      }
      expect((await t().counts()).contests).toBe(1);
    });
  });

  it('50 parallel identical POST /contests/:id/purchases → one purchase, one award', async () => {
    const fx = await seedV1(t());
    const body = { email: 'john@example.com', orderId: 'order-race', amount: 12.5, currency: 'EUR' };
    const all = await Promise.all(
      Array.from({ length: 50 }, () => call(t(), 'POST', `/api/v1/contests/${fx.contestId}/purchases`, fx.privateKey, body)),
    );
    expect(all.filter((r) => r.status === 201)).toHaveLength(1);
    expect(all.filter((r) => r.status === 200)).toHaveLength(49);
    expect(new Set(all.map((r) => r.body.data.purchaseId)).size).toBe(1);
    expect((await t().counts()).purchases).toBe(1);
    expect((await t().store.entries.get(fx.johnId))!.points).toBe(13);
  });
}));
