import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { TABLES } from '../../server/store/repositories.js';
import { call, seedV1 } from '../api/v1-helpers.js';
import { pooledDatabasesHandedOut } from '../helpers/postgres.js';
import { openTestStore, postJson, useTestApp } from '../helpers/test-app.js';

/**
 * openTestStore('postgres') recycles databases (test/helpers/postgres.ts): a database handed out
 * again must hold nothing of its previous test, identities included. The two tests run in order,
 * the second on the database the first filled.
 */
describe('recycled PostgreSQL test databases', () => {
  const t = useTestApp({ engine: 'postgres', webhooks: { allowPrivate: true, deliver: false } });
  const rawCount = async (url: string, sql: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return Number((await client.query(sql)).rows[0].n);
    } finally {
      await client.end();
    }
  };

  it('one test fills every table', async () => {
    const fx = await seedV1(t());
    const signup = await postJson(t().app, '/api/referral/track-signup', {
      contestId: fx.contestId, referralCode: 'REF-XYZ789', email: 'friend@example.com',
    });
    expect(signup.status).toBe(200);
    // A throwaway address: held for review (referral_flags).
    expect((await postJson(t().app, '/api/referral/track-signup', { contestId: fx.contestId, referralCode: 'REF-XYZ789', email: 'x@mailinator.com' })).status).toBe(200);
    await postJson(t().app, '/api/referral/track-visit', { contestId: fx.contestId, referralCode: 'REF-XYZ789' });
    await postJson(t().app, '/api/referral/track-purchase', {
      contestId: fx.contestId, referralCode: 'REF-XYZ789', email: 'friend@example.com', orderId: 'o1', amount: 3, currency: 'USD',
    });
    const bonus = await call(t(), 'POST', `/api/v1/entries/${fx.janeId}/bonus-actions/${fx.bonusActionId}/complete`, fx.publicKey);
    expect(bonus.status).toBe(200);
    // Issue 16's tables: a refund, a Stripe event, an outbound endpoint with an event, a delivery and an attempt.
    const refund = await call(t(), 'POST', `/api/webhooks/refund/${fx.contestId}?secret=${encodeURIComponent(fx.webhookSecret)}`, undefined, { orderId: 'o1', amount: 1 });
    expect(refund.status).toBe(200);
    await t().store.transaction((tx) => tx.purchases.markStripeEvent(fx.contestId, 'evt_1', 'customer.created', 0));
    const endpoint = await call(t(), 'POST', '/api/v1/webhook-endpoints', fx.privateKey, { url: 'http://127.0.0.1:9/' });
    expect(endpoint.status).toBe(201);
    await postJson(t().app, '/api/referral/track-signup', { contestId: fx.contestId, referralCode: 'REF-XYZ789', email: 'friend2@example.com' });
    await t().store.transaction(async (tx) => {
      const [claimed] = await tx.webhooks.claimDue(Date.now(), Date.now() + 1000, 1);
      await tx.webhooks.recordAttempt(claimed.deliveryId, { id: 'att_1', attemptedAt: 0, durationMs: 1, responseStatus: 500, error: null, nextAttemptAt: null }, 'failed');
    });
    expect((await call(t(), 'GET', `/api/v1/entries/${fx.janeId}/hub-link`, fx.privateKey)).status).toBe(200);
    await t().store.transaction(async (tx) => {
      await tx.operators.insert({ id: 'op_1', email: 'ops@example.com', passwordHash: 'x', createdAt: 0 });
      await tx.operators.appendAudit({ operatorEmail: 'ops@example.com', action: 'test', contestId: null, entryId: null, detail: null, createdAt: 0 });
    });
    for (const table of TABLES) expect(await t().store.tables.count(table), table).toBeGreaterThan(0);
  });

  it('the next test gets that database back, empty, with its identities restarted', async () => {
    const handedOut = pooledDatabasesHandedOut();
    expect(handedOut.length).toBeGreaterThanOrEqual(2);
    const url = handedOut.at(-1)!;
    expect(url, 'recycled, not a new database').toBe(handedOut.at(-2));
    for (const table of TABLES) expect(await t().store.tables.count(table), table).toBe(0);
    expect(await rawCount(url, 'SELECT count(*) AS n FROM contest_stats')).toBe(0);
    // The triggers are back on: counters and the ledger work, and the ledger's ids start again at 1.
    const fx = await seedV1(t());
    await postJson(t().app, '/api/referral/track-signup', { contestId: fx.contestId, referralCode: 'REF-XYZ789', email: 'f@example.com' });
    expect((await t().rows('points_ledger')).map((row) => row.id)).toEqual([1, 2]);
    expect((await t().store.contests.stats(fx.contestId))?.entriesCount).toBe(3);
    await expect(rawCount(url, 'DELETE FROM points_ledger RETURNING 1 AS n')).rejects.toThrow(/append-only/);
  });

  it('stores open at the same time get different databases', async () => {
    const other = await openTestStore('postgres');
    try {
      expect(pooledDatabasesHandedOut().at(-1)).not.toBe(pooledDatabasesHandedOut().at(-2));
      await seedV1(t());
      expect(await other.tables.count('entries')).toBe(0);
    } finally {
      await other.close();
    }
  });
});
