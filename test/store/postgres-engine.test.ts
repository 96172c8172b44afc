import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migratePostgres, MigrationError } from '../../server/db/postgres/migrate.js';
import { migrations } from '../../server/db/postgres/migrations.js';
import { createPool, describeUrl, isUnavailable } from '../../server/db/postgres/pool.js';
import { ApiError } from '../../server/domain/errors.js';
import { createPostgresStore } from '../../server/store/postgres/postgres-store.js';
import { ReplayBatch, type Outcome, type Repositories, type Store, type TransactionalOp } from '../../server/store/repositories.js';
import { defaultContestSettings } from '../../server/store/types.js';
import { dropDatabase, freshDatabase, withClient } from '../helpers/postgres.js';

/*
 * What is specific to the PostgreSQL engine: migrations under concurrent start-up, the triggers'
 * guards under concurrent transactions, runBatch's replay and retry, and two collectors sharing
 * one database. (The behaviour both engines share is the contract suite's.)
 */

let serverUrl = '';
const databases: string[] = [];
const stores: Store[] = [];

beforeAll(async () => {
  // The run's server (test/global-setup.ts), or REFROCKET_TEST_PG_URL.
  serverUrl = inject('pgUrl');
}, 120_000);

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close().catch(() => undefined)));
  await Promise.all(databases.map(dropDatabase));
});

async function database(options: { empty?: boolean } = {}): Promise<string> {
  const url = await freshDatabase(serverUrl, options);
  databases.push(url);
  return url;
}

async function openStore(url: string, options: { maxConnections?: number } = {}): Promise<Store> {
  const store = await createPostgresStore(url, options);
  stores.push(store);
  return store;
}

async function seedContest(store: Store, id = 'c1') {
  const contest = await store.contests.insert(
    {
      id,
      title: 'Launch',
      slug: `launch-${id}`,
      description: null,
      status: 'active',
      mode: 'leaderboard',
      startDate: null,
      endDate: null,
      isEvergreen: true,
      settings: defaultContestSettings,
      webhookSecretHash: 'ab'.repeat(32),
    },
    1_000,
  );
  const entry = (await store.entries.insert({
    id: `entry_${id}`,
    contestId: id,
    email: `${id}@example.com`,
    emailNormalized: `${id}@example.com`,
    name: null,
    phone: null,
    referralCode: `REF-${id.toUpperCase()}`,
    referredBy: null,
    emailConfirmed: true,
    createdAt: 2_000,
  }))!;
  return { contest, entry };
}

/** What the write queue does: a fast batch, then the same batch isolated if it must be replayed. */
let replays = 0;
async function commitBatch(store: Store, ops: TransactionalOp[]): Promise<Outcome[]> {
  try {
    return await store.runBatch(ops, false);
  } catch (error) {
    if (!(error instanceof ReplayBatch)) throw error;
    replays++;
    return store.runBatch(ops, true);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PostgreSQL engine', () => {
  describe('migrations', () => {
    it('applies each migration once when three collectors start together', async () => {
      const url = await database({ empty: true });
      const pools = [createPool(url), createPool(url), createPool(url)];
      try {
        const applied = await Promise.all(pools.map((pool) => migratePostgres(pool)));
        expect(applied.reduce((a, b) => a + b, 0)).toBe(migrations.length);
        const { rows } = await pools[0].query('SELECT version FROM schema_migrations ORDER BY version');
        expect(rows.map((r) => r.version)).toEqual(migrations.map((m) => m.version));
      } finally {
        await Promise.all(pools.map((pool) => pool.end()));
      }
      // Three stores opening the now-migrated database at once all come up.
      const opened = await Promise.all([openStore(url), openStore(url), openStore(url)]);
      await Promise.all(opened.map((store) => store.ping()));
    });

    it('stops at a failing migration with MigrationError, leaving the last good version', async () => {
      const url = await database({ empty: true });
      const broken = [
        ...migrations,
        { version: 98, name: 'fine', sql: 'CREATE TABLE fine (id int)' },
        { version: 99, name: 'broken', sql: 'CREATE TABLE half_done (id int); SELECT nope FROM nowhere' },
        { version: 100, name: 'after', sql: 'CREATE TABLE after_broken (id int)' },
      ];
      await withClient(url, async (client) => {
        const failure = await migratePostgres(client, broken).catch((error) => error);
        expect(failure).toBeInstanceOf(MigrationError);
        expect(failure.message).toMatch(/migration 99 \(broken\) failed: .*nowhere/);
        const { rows } = await client.query('SELECT max(version) AS v FROM schema_migrations');
        expect(rows[0].v).toBe(98);
        const tables = await client.query(
          "SELECT table_name FROM information_schema.tables WHERE table_name IN ('fine', 'half_done', 'after_broken')",
        );
        expect(tables.rows.map((r) => r.table_name)).toEqual(['fine']);
        // The advisory lock was released: migrating again (fixed) goes through.
        expect(await migratePostgres(client, broken.filter((m) => m.version !== 99))).toBe(1);
      });
    });
  });

  describe('repositories', () => {
    it('answers every repository method with the values the SQLite engine returns', async () => {
      const store = await openStore(await database());
      const { contest: inserted, entry } = await seedContest(store);
      const { webhookSecretHash, ...contest } = inserted as typeof inserted & { webhookSecretHash: string };
      expect(webhookSecretHash).toBe('ab'.repeat(32));
      expect(await store.contests.get('c1')).toEqual(contest);
      expect(await store.contests.getBySlug('launch-c1')).toEqual(contest);
      expect(await store.contests.list()).toEqual([{ ...contest, entriesCount: 1 }]);
      const updated = await store.contests.update({ ...contest, title: 'Renamed' }, 5_000);
      expect(await store.contests.get('c1')).toEqual(updated);
      await store.contests.setWebhookSecretHash('c1', 'cd'.repeat(32), 6_000);
      expect(await store.contests.webhookSecretHash('c1')).toBe('cd'.repeat(32));

      const friend = (await store.entries.insert({
        id: 'entry_friend', contestId: 'c1', email: 'Bob_1%@Example.com', emailNormalized: 'bob_1%@example.com',
        name: 'Bob', phone: '+15550000', referralCode: 'REF-BOB', referredBy: entry.id, emailConfirmed: false, createdAt: 3_000,
      }))!;
      await store.ledger.award(entry, 10, 'referral_advocate', friend.id, 3_000);
      await store.ledger.award(friend, 5, 'referral_friend', entry.id, 3_000, 'welcome');
      expect(await store.entries.get(entry.id)).toMatchObject({ points: 10, referralsCount: 1, emailConfirmed: true });
      expect(await store.entries.findByEmail('c1', 'bob_1%@example.com')).toEqual({ ...friend, points: 5 });
      expect((await store.entries.findByPhone('c1', '+15550000'))?.id).toBe(friend.id);
      expect((await store.entries.findByCode('c1', 'REF-BOB'))?.id).toBe(friend.id);
      expect(await store.entries.findIdByCode('c1', 'REF-BOB')).toBe(friend.id);
      expect(await store.entries.findIdByCode('c1', 'REF-NONE')).toBeUndefined();
      // Search is a literal, ASCII-case-insensitive substring: % and _ are not wildcards.
      expect((await store.entries.list('c1', { limit: 10, offset: 0, search: 'b_1%@EX' })).rows.map((e) => e.id)).toEqual([friend.id]);
      expect((await store.entries.list('c1', { limit: 10, offset: 0, search: 'b_1_' })).total).toBe(0);
      expect(await store.entries.list('c1', { limit: 1, offset: 1 })).toMatchObject({ total: 2, rows: [{ id: friend.id }] });
      expect((await store.entries.leaderboard('c1', 10, false)).map((e) => e.id)).toEqual([entry.id, friend.id]);
      expect((await store.entries.leaderboard('c1', 10, true)).map((e) => e.id)).toEqual([entry.id]);
      await store.entries.update(friend, { emailConfirmed: true, name: 'Robert' }, 'bob_1%@example.com');
      await store.entries.disqualify(entry.id, 'fraud');
      expect(await store.contests.stats('c1')).toEqual({
        entriesCount: 2, confirmedCount: 2, disqualifiedCount: 1, viewsCount: 0,
        bonusCompletionsCount: 0, pointsTotal: 15, highestPoints: 10,
      });
      await store.purchases.insert({
        id: 'purchase_1', contestId: 'c1', orderId: 'o1', purchaserEntryId: friend.id, creditedEntryId: entry.id,
        amountMinor: 1999, currency: 'usd', pointsAwarded: 20, createdAt: 4_000,
        email: 'Bob_1%@Example.com', emailNormalized: 'bob_1%@example.com', source: 'api',
      });
      expect(await store.purchases.findByOrder('c1', 'o1')).toEqual({
        id: 'purchase_1', contestId: 'c1', orderId: 'o1', purchaserEntryId: friend.id, creditedEntryId: entry.id,
        amountMinor: 1999, currency: 'usd', pointsAwarded: 20, createdAt: 4_000,
        email: 'Bob_1%@Example.com', emailNormalized: 'bob_1%@example.com', source: 'api',
        purchaserPoints: 0, refundedMinor: 0, pointsReversed: 0, purchaserPointsReversed: 0, status: 'paid',
        supersededBy: null, stripePaymentIntent: null, stripeCustomer: null, stripeSubscription: null,
      });
      await store.purchases.erasePurchaserEmail(friend, 'bob_1%@example.com');
      await store.entries.erase(friend.id, 7_000);
      const [, erased] = await store.tables.page('entries', undefined, 10);
      expect(erased).toMatchObject({ email: null, name: null, phone: null, erased_at: 7_000, points: 5 });
      expect((await store.tables.page('purchases', undefined, 1))[0]).toMatchObject({ email: null, email_normalized: null });
      expect(await store.ledger.forEntry(friend.id)).toEqual([
        { id: 2, entryId: friend.id, delta: 5, reason: 'referral_friend', sourceId: entry.id, note: 'welcome', createdAt: 3_000 },
      ]);

      const salt = await store.visits.saltForDay('2025-01-02');
      expect(salt).toMatch(/^[0-9a-f]{64}$/);
      store.forgetCachedReads();
      expect(await store.visits.saltForDay('2025-01-02')).toBe(salt);
      await store.visits.saltForDay('2025-01-03');
      expect((await store.tables.page('visitor_salts', undefined, 10)).map((r) => r.day)).toEqual(['2025-01-03']);
      await store.visits.insert({ contestId: 'c1', entryId: entry.id, url: 'https://x', referrer: null, visitorKey: 'k', createdAt: 8_000 });

      await store.apiKeys.insert('key_1', 'private', 'rr_sk_secretsecret', 'ops', 9_000);
      expect(await store.apiKeys.find('rr_sk_secretsecret')).toMatchObject({ id: 'key_1', type: 'private' });
      expect(await store.apiKeys.list()).toEqual([
        { id: 'key_1', type: 'private', prefix: 'rr_sk_secret', label: 'ops', createdAt: 9_000, revokedAt: null, contestId: null },
      ]);
      expect(await store.apiKeys.revoke('key_1', 9_500)).toBe(true);
      expect(await store.apiKeys.revoke('rr_sk_secretsecret', 9_600)).toBe(false);
      expect(await store.apiKeys.find('rr_sk_secretsecret')).toBeUndefined();

      const action = { id: 'ba_1', contestId: 'c1', action: 'follow', description: null, points: 3, position: 1 };
      await store.bonusActions.insert(action, 10_000);
      await store.bonusActions.update({ ...action, description: 'Follow us' });
      expect(await store.bonusActions.listForContest('c1')).toEqual([{ ...action, description: 'Follow us' }]);
      expect(await store.bonusActions.findByAction('c1', 'follow')).toMatchObject({ id: 'ba_1' });
      await store.bonusActions.complete(entry.id, action, 3, 11_000);
      expect(await store.bonusActions.completion(entry.id, 'ba_1')).toEqual({ completedAt: 11_000, pointsAwarded: 3 });
      await store.bonusActions.archive('ba_1');
      expect(await store.bonusActions.get('ba_1')).toMatchObject({ archived: true });
      expect(await store.bonusActions.listForContest('c1')).toEqual([]);
      expect(await store.bonusActions.statusForEntry(entry.id, 'c1')).toMatchObject([
        { id: 'ba_1', completed: true, completedAt: 11_000, pointsAwarded: 3 },
      ]);
      expect(await store.bonusActions.statusForEntry(friend.id, 'c1')).toEqual([]);
      expect(await store.contests.stats('c1')).toMatchObject({ viewsCount: 1, bonusCompletionsCount: 1 });
      expect(await store.invariantViolations()).toEqual([]);
    });
  });

  describe('triggers', () => {
    it('refuses a direct change of entries.points or ledger_seq; the ledger is append-only', async () => {
      const url = await database();
      const store = await openStore(url);
      const { entry } = await seedContest(store);
      await store.ledger.award(entry, 10, 'adjustment', null, 3_000);
      await withClient(url, async (client) => {
        await expect(client.query(`UPDATE entries SET points = 99 WHERE id = $1`, [entry.id])).rejects.toThrow(
          'entries.points changes only through points_ledger',
        );
        await expect(client.query(`UPDATE entries SET ledger_seq = 99 WHERE id = $1`, [entry.id])).rejects.toThrow(
          'entries.points changes only through points_ledger',
        );
        // The ledger's own mark is transaction-local: it does not leak to the next statement.
        await client.query('BEGIN');
        await client.query(
          `INSERT INTO points_ledger (entry_id, contest_id, delta, reason, created_at)
           VALUES ($1, 'c1', 5, 'adjustment', 4000)`,
          [entry.id],
        );
        await expect(client.query(`UPDATE entries SET points = 1 WHERE id = $1`, [entry.id])).rejects.toThrow(
          /only through points_ledger/,
        );
        await client.query('ROLLBACK');
        await client.query(`UPDATE entries SET name = 'Ada' WHERE id = $1`, [entry.id]);
        await expect(client.query('UPDATE points_ledger SET delta = 1')).rejects.toThrow(/append-only/);
        await expect(client.query('DELETE FROM points_ledger')).rejects.toThrow(/append-only/);
        await expect(client.query('DELETE FROM entries')).rejects.toThrow(/never deleted/);
        const { rows } = await client.query('SELECT points, ledger_seq, name FROM entries WHERE id = $1', [entry.id]);
        expect(rows[0]).toMatchObject({ points: '10', name: 'Ada' });
      });
      expect((await store.entries.get(entry.id))?.points).toBe(10);
      expect(await store.invariantViolations()).toEqual([]);
    });

    it('keeps points equal to the ledger sum under 20 concurrent transactions on one entry', async () => {
      const url = await database();
      const store = await openStore(url, { maxConnections: 20 });
      const { entry } = await seedContest(store);
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.transaction(async (tx) => {
            await tx.ledger.award(entry, i + 1, 'adjustment', null, 3_000 + i);
            await sleep(5 + ((i * 7) % 20)); // commits in another order than ids were handed out
            await tx.ledger.award(entry, 1, 'purchase', `order-${i}`, 3_000 + i);
          }),
        ),
      );
      expect((await store.entries.get(entry.id))?.points).toBe(210 + 20);
      expect((await store.contests.stats('c1'))?.pointsTotal).toBe(230);
      expect(await store.invariantViolations()).toEqual([]);
      const [row] = await store.tables.page('entries', undefined, 1);
      const ledger = await store.ledger.forEntry(entry.id);
      expect(row.ledger_seq).toBe(Math.max(...ledger.map((l) => l.id)));
    });
  });

  describe('runBatch', () => {
    const visit = (entryId: string): TransactionalOp => async (tx) => {
      await tx.visits.insert({ contestId: 'c1', entryId, url: null, referrer: null, visitorKey: null, createdAt: 5 });
      return 'visited';
    };
    const failsAfterWriting: TransactionalOp = async (tx) => {
      await tx.visits.insert({ contestId: 'c1', entryId: 'x', url: null, referrer: null, visitorKey: null, createdAt: 5 });
      throw new ApiError(400, 'changed my mind');
    };
    const failsBeforeWriting: TransactionalOp = async (tx) => {
      await tx.contests.get('c1');
      throw new ApiError(404, 'Entry not found');
    };

    it('reports a write that failed before writing, and commits the rest of the batch', async () => {
      const store = await openStore(await database());
      const { entry } = await seedContest(store);
      const outcomes = await store.runBatch([visit(entry.id), failsBeforeWriting, visit(entry.id)], false);
      expect(outcomes.map(([ok]) => ok)).toEqual([true, false, true]);
      expect((outcomes[1][1] as ApiError).statusCode).toBe(404);
      expect(await store.tables.count('visits')).toBe(2);
    });

    it('replays the batch isolated when a write fails after writing, undoing only that write', async () => {
      const store = await openStore(await database());
      const { entry } = await seedContest(store);
      const ops = [visit(entry.id), failsAfterWriting, visit(entry.id)];
      await expect(store.runBatch(ops, false)).rejects.toBeInstanceOf(ReplayBatch);
      expect(await store.tables.count('visits')).toBe(0);
      const outcomes = await store.runBatch(ops, true);
      expect(outcomes.map(([ok]) => ok)).toEqual([true, false, true]);
      expect((outcomes[1][1] as Error).message).toBe('changed my mind');
      expect(await store.tables.count('visits')).toBe(2);
      expect((await store.contests.stats('c1'))?.viewsCount).toBe(2);
    });

    it('replays a batch whose statement failed (PostgreSQL aborts the whole transaction)', async () => {
      const store = await openStore(await database());
      const { entry } = await seedContest(store);
      const duplicate: TransactionalOp = (tx) => tx.ledger.award(entry, 1, 'purchase', 'same-order', 6);
      await expect(store.runBatch([duplicate, duplicate], false)).rejects.toBeInstanceOf(ReplayBatch);
      const outcomes = await store.runBatch([duplicate, duplicate, visit(entry.id)], true);
      expect(outcomes.map(([ok]) => ok)).toEqual([true, false, true]);
      expect((outcomes[1][1] as { code?: string }).code).toBe('23505');
      expect((await store.entries.get(entry.id))?.points).toBe(1);
    });

    it('two collectors recording the same orders at once end with one purchase per order', async () => {
      const url = await database();
      const [a, b] = [await openStore(url), await openStore(url)];
      const { entry } = await seedContest(a);
      /** The purchase rule's shape: look the order up, else record it and award its points. */
      const recordOrder = (orderId: string): TransactionalOp => async (tx: Repositories) => {
        if (await tx.purchases.findByOrder('c1', orderId)) return 'already recorded';
        await tx.purchases.insert({
          id: `purchase_${orderId}_${Math.random()}`,
          contestId: 'c1',
          orderId,
          purchaserEntryId: null,
          creditedEntryId: entry.id,
          amountMinor: 1_000,
          currency: 'usd',
          pointsAwarded: 10,
          createdAt: 7,
          email: null,
          emailNormalized: null,
          source: 'webhook',
        });
        await sleep(20); // without the writers' lock both transactions would be open at once
        await tx.ledger.award(entry, 10, 'purchase', orderId, 7);
        return 'recorded';
      };
      const orders = ['o1', 'o2', 'o3', 'o4'];
      replays = 0;
      const [fromA, fromB] = await Promise.all([
        commitBatch(a, orders.map(recordOrder)),
        commitBatch(b, [...orders].reverse().map(recordOrder)),
      ]);
      for (const [i, order] of orders.entries()) {
        const results = [fromA[i], fromB[orders.length - 1 - i]].map(([ok, value]) => (ok ? value : `failed: ${value}`));
        expect(results.sort(), order).toEqual(['already recorded', 'recorded']);
      }
      // The writers' lock (postgres-store.ts) made the two batches take turns: no race, no replay.
      expect(replays).toBe(0);
      expect(await a.tables.count('purchases')).toBe(orders.length);
      expect((await a.entries.get(entry.id))?.points).toBe(10 * orders.length);
      expect(await a.invariantViolations()).toEqual([]);
    });
  });

  describe('tables', () => {
    it('pages rows with numbers as numbers, copies rows with their ids, and moves sequences past them', async () => {
      const source = await openStore(await database());
      const { entry } = await seedContest(source);
      await source.ledger.award(entry, 3, 'adjustment', null, 3_000);
      await source.ledger.award(entry, 4, 'adjustment', null, 3_001);
      const target = await openStore(await database());
      for (const table of ['contests', 'entries', 'points_ledger'] as const) {
        const rows = await source.tables.page(table, undefined, 100);
        const copied = rows.map((row) => (table === 'entries' ? { ...row, points: 0, ledger_seq: 0 } : row));
        await target.tables.insertCopied(table, copied);
      }
      await target.tables.finishCopy();
      expect(await target.tables.page('entries', undefined, 10)).toEqual(await source.tables.page('entries', undefined, 10));
      const [first] = await target.tables.page('points_ledger', undefined, 1);
      expect(first).toMatchObject({ entry_id: entry.id, delta: 3, created_at: 3_000 });
      expect(await target.tables.page('points_ledger', first, 10)).toHaveLength(1);
      await target.ledger.award(entry, 1, 'adjustment', null, 3_002);
      expect((await target.ledger.forEntry(entry.id)).map((l) => l.id)).toEqual([1, 2, 3]);
      expect(await target.invariantViolations()).toEqual([]);
    });
  });

  describe('availability', () => {
    it('classifies a refused connection as unavailable, and describes URLs without passwords', async () => {
      const pool = createPool('postgres://u:secret@127.0.0.1:1/db');
      const error = await pool.query('SELECT 1').catch((e) => e);
      await pool.end();
      expect(isUnavailable(error)).toBe(true);
      expect(isUnavailable(Object.assign(new Error('x'), { code: '23505' }))).toBe(false);
      const unreachable = await createPostgresStore('postgres://u:hunter2@127.0.0.1:1/db').catch((e) => e);
      expect(unreachable.message).toMatch(/^PostgreSQL at postgres:\/\/u@127\.0\.0\.1:1\/db is unavailable/);
      expect(unreachable.message).not.toContain('hunter2');
      expect(describeUrl('postgres://u:secret@db.example:5432/rr?sslpassword=p&sslmode=require')).toBe(
        'postgres://u@db.example:5432/rr?sslmode=require',
      );
    });

    it('answers 503 when its connection is cut mid-batch, then recovers with new connections', async () => {
      const url = await database();
      const store = await openStore(url);
      const { entry } = await seedContest(store);
      const slowVisit: TransactionalOp = async (tx) => {
        await tx.visits.insert({ contestId: 'c1', entryId: entry.id, url: null, referrer: null, visitorKey: null, createdAt: 5 });
        await sleep(300);
        return tx.visits.insert({ contestId: 'c1', entryId: entry.id, url: null, referrer: null, visitorKey: null, createdAt: 6 });
      };
      const batch = store.runBatch([slowVisit], false).catch((error) => error);
      await sleep(100);
      await withClient(url, (client) =>
        client.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE application_name = 'refrocket' AND datname = current_database()`),
      );
      expect(await batch).toMatchObject({ statusCode: 503, message: 'Database unavailable' });
      await store.ping();
      expect(await store.tables.count('visits')).toBe(0);
      expect(await store.entries.get(entry.id)).toMatchObject({ id: entry.id });
    });

    it('refuses backup with a pointer to pg_dump', async () => {
      const store = await openStore(await database());
      await expect(store.backup('/tmp/x')).rejects.toMatchObject({ statusCode: 400, message: /pg_dump/ });
    });
  });
});
