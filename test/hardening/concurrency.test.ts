import { describe, expect, it } from 'vitest';
import { configureBonusActions } from '../../server/collector/bonus-actions.js';
import { forEachEngine, postJson, useTestApp } from '../helpers/test-app.js';

/** 100 identical requests at the same moment → exactly one record and one award each. */
describe('concurrency: 100 parallel identical writes', () => forEachEngine((engine) => {
  const t = useTestApp({ engine });
  const N = 100;

  async function seed() {
    const contest = await t().contest({ id: 'c1' });
    const jane = await t().entry('c1', { email: 'jane@example.com', referralCode: 'REF-XYZ789' });
    return { jane, secret: contest.webhookSecret };
  }

  it('signups (referral endpoint and webhook mixed)', async () => {
    const { jane, secret } = await seed();
    const body = { email: 'twin@example.com', referralCode: 'REF-XYZ789' };
    const results = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        i % 2
          ? postJson(t().app, '/api/referral/track-signup', { ...body, contestId: 'c1' })
          : postJson(t().app, '/api/webhooks/signup/c1', body, { 'x-webhook-secret': secret }),
      ),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(new Set(results.map((r) => r.body.data.entryId)).size).toBe(1);
    expect(results.filter((r) => r.body.data.pointsAwarded.advocate > 0)).toHaveLength(1);
    expect((await t().counts()).entries).toBe(2);
    expect((await t().store.entries.get(jane.id))!.points).toBe(10);
  });

  it('purchases (referral endpoint, webhook and REST mixed)', async () => {
    const { jane, secret } = await seed();
    const privateKey = await t().apiKey('private');
    const body = { email: 'jane@example.com', orderId: 'order-1', amount: 10 };
    const results = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        [
          () => postJson(t().app, '/api/webhooks/purchase/c1', body, { 'x-webhook-secret': secret }),
          () => postJson(t().app, '/api/v1/contests/c1/purchases', body, { 'x-api-key': privateKey }),
        ][i % 2](),
      ),
    );
    expect(results.every((r) => r.status === 200 || r.status === 201)).toBe(true);
    expect(new Set(results.map((r) => r.body.data.purchaseId)).size).toBe(1);
    expect(results.filter((r) => r.body.data.pointsAwarded > 0)).toHaveLength(1);
    expect((await t().counts()).purchases).toBe(1);
    expect((await t().store.entries.get(jane.id))!.points).toBe(10);
  });

  it('bonus completions', async () => {
    const { jane } = await seed();
    const [action] = await t().store.transaction((tx) =>
      configureBonusActions({ store: tx, now: t().ctx.now }, 'c1', [{ action: 'follow', points: 7 }]),
    );
    const key = await t().apiKey('public');
    const results = await Promise.all(
      Array.from({ length: N }, () =>
        t().app.inject({ method: 'POST', url: `/api/v1/entries/${jane.id}/bonus-actions/${action.id}/complete`, headers: { 'x-api-key': key } }),
      ),
    );
    const awarded = results.map((r) => r.json().data.pointsAwarded);
    expect(awarded.filter((p) => p === 7)).toHaveLength(1);
    expect((await t().counts()).bonus_completions).toBe(1);
    expect((await t().store.entries.get(jane.id))!.points).toBe(7);
  });
}));
