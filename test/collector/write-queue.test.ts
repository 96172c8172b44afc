import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../server/app.js';
import { ApiError } from '../../server/domain/errors.js';
import { openStore } from '../../server/store/open-store.js';
import type { Repositories, Store } from '../../server/store/repositories.js';
import { createWriteQueue } from '../../server/store/write-queue.js';
import { forEachEngine, openTestStore, postJson, useTestApp } from '../helpers/test-app.js';
import { freshDatabase } from '../helpers/postgres.js';
import { inject } from 'vitest';

/** A write that stores API key `n` (ids and hashes are unique, so the same n twice fails). */
const insertKey = (tx: Repositories, n: number) => tx.apiKeys.insert(`key_${n}`, 'private', `rr_sk_${n}`, null, 0);

forEachEngine((engine) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  async function setup(onRollback?: (error: unknown) => void) {
    store = await openTestStore(engine);
    const s = store;
    const rows = async () => (await s.tables.page('api_keys', undefined, 100)).map((r) => Number(String(r.id).slice(4)));
    return { store: s, queue: createWriteQueue(s, { onRollback }), rows };
  }

  describe('write queue (group commit)', () => {
    it('writes queued together commit together; a failing one rolls back only itself', async () => {
      const rollbacks: unknown[] = [];
      const { queue, rows } = await setup((e) => rollbacks.push(e));
      const results = await Promise.allSettled([
        queue.run((tx) => insertKey(tx, 1)),
        queue.run(async (tx) => {
          await insertKey(tx, 2);
          throw new ApiError(400, 'nope');
        }),
        queue.run((tx) => insertKey(tx, 1)), // UNIQUE violation
        queue.run((tx) => insertKey(tx, 3)),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
      expect(await rows()).toEqual([1, 3]);
      // The two failures, and the batch roll-back that isolated the write that failed after writing.
      expect(rollbacks).toHaveLength(3);
      expect(rollbacks).toContain(results[1].status === 'rejected' && results[1].reason);
    });

    it('a write that fails before changing anything (a 404) costs no replay of its batch', async () => {
      const { queue, rows } = await setup();
      let runs = 0;
      const results = await Promise.allSettled([
        queue.run(async (tx) => { runs++; await insertKey(tx, 1); }),
        queue.run(async () => { throw new ApiError(404, 'not found'); }),
        queue.run(async (tx) => { runs++; await insertKey(tx, 2); }),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(await rows()).toEqual([1, 2]);
      expect(runs).toBe(2);
    });

    it('a write that fails after changing rows is undone; the rest of its batch runs again and commits', async () => {
      const { queue, rows } = await setup();
      let runs = 0;
      const results = await Promise.allSettled([
        queue.run(async (tx) => { runs++; await insertKey(tx, 1); return runs; }),
        queue.run(async (tx) => {
          await insertKey(tx, 5);
          await insertKey(tx, 1); // fails after one row was written
        }),
        queue.run((tx) => insertKey(tx, 3)),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(await rows()).toEqual([1, 3]);
      // The first write ran twice: once in the abandoned batch, once in the committed one, whose
      // result is the one returned.
      expect(runs).toBe(2);
      expect(results[0].status === 'fulfilled' && results[0].value).toBe(2);
    });

    it("a batch closes when its writes' costs reach the cap: 64 visits, or 16 signup-sized writes", async () => {
      const { queue } = await setup();
      const events: string[] = [];
      const track = (i: number, cost: number) =>
        queue.run(async (tx) => { events.push(`run ${i}`); await insertKey(tx, i); }, cost).then(() => events.push(`done ${i}`));
      // 20 writes of cost 4: the first 16 commit (and are answered) before the last 4 run.
      await Promise.all(Array.from({ length: 20 }, (_, i) => track(i, 4)));
      expect(events.indexOf('done 15')).toBeLessThan(events.indexOf('run 16'));
      expect(events.indexOf('run 15')).toBeLessThan(events.indexOf('done 0'));
      events.length = 0;
      // Cost 1 (the default for visits): 64 fit in one batch.
      await Promise.all(Array.from({ length: 70 }, (_, i) => track(100 + i, 1)));
      expect(events.indexOf('run 163')).toBeLessThan(events.indexOf('done 100'));
      expect(events.indexOf('done 163')).toBeLessThan(events.indexOf('run 164'));
    });
  });

  describe('closing the app', () => {
    it('commits writes still queued before it closes the store, and a new store on the same database sees them', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'refrocket-close-'));
      const target = engine === 'sqlite' ? join(dir, 'db.sqlite') : await freshDatabase(inject('pgUrl'));
      try {
        const app = buildApp({ store: await openStore(target), closeStore: true });
        await app.ready();
        const queued = app.writes.run('createContest', { input: { id: 'late', title: 'Queued at close' } });
        await app.close(); // before the queue's setImmediate has run
        await expect(queued).resolves.toMatchObject({ id: 'late' });
        const reopened = await openStore(target);
        expect((await reopened.contests.get('late'))?.title).toBe('Queued at close');
        await reopened.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('caches and failed writes', () => {
    const t = useTestApp({ engine });

    it('a 404 visit (nothing written) keeps the caches; the leaderboard cache key stays valid', async () => {
      await t().contest({ id: 'c1' });
      await t().entry('c1', { email: 'jane@example.com', referralCode: 'REF-XYZ789' });
      const before = t().store.changes.version;
      const res = await postJson(t().app, '/api/referral/track-visit', { contestId: 'c1', referralCode: 'REF-NOPE00' });
      expect(res.status).toBe(404);
      expect(t().store.changes.version).toBe(before);
    });
  });
});

describe('write queue on SQLite', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('a UNIQUE violation SQLite undid by itself changes nothing, so its batch is not replayed', async () => {
    const store = await openTestStore('sqlite');
    const queue = createWriteQueue(store);
    let runs = 0;
    const results = await Promise.allSettled([
      queue.run(async (tx) => { runs++; await insertKey(tx, 1); }),
      queue.run((tx) => insertKey(tx, 1)),
      queue.run(async (tx) => { runs++; await insertKey(tx, 2); }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(runs).toBe(2);
    await store.close();
  });

  it('a batch holds the write lock from its start, so another writer cannot slip in between its read and its write', async () => {
    dir = mkdtempSync(join(tmpdir(), 'refrocket-lock-'));
    const file = join(dir, 'db.sqlite');
    const store = await openStore(file);
    const other = new Database(file);
    try {
      other.pragma('busy_timeout = 0');
      const queue = createWriteQueue(store);
      let otherWrite = 'not tried';
      await queue.run(async (tx) => {
        await tx.apiKeys.list(); // the batch reads first …
        try {
          other.prepare("INSERT INTO visitor_salts (day, salt) VALUES ('2000-01-01', 'x')").run(); // … another connection tries to commit …
          otherWrite = 'committed';
        } catch (error) {
          otherWrite = (error as { code?: string }).code ?? 'failed';
        }
        await insertKey(tx, 2); // … and the batch's write must still succeed.
      });
      // With a deferred BEGIN the other write would commit and this batch fail (SQLITE_BUSY_SNAPSHOT).
      expect(otherWrite).toBe('SQLITE_BUSY');
      expect((await store.tables.page('api_keys', undefined, 10)).map((r) => r.id)).toEqual(['key_2']);
    } finally {
      other.close();
      await store.close();
    }
  });
});

