import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/open-database.js';
import { ApiError } from '../../server/domain/errors.js';
import { createWriteQueue } from '../../server/write-queue.js';
import { postJson, useTestApp } from '../helpers/test-app.js';

function setup(onRollback?: (error: unknown) => void) {
  const db = openDatabase(':memory:');
  db.exec('CREATE TABLE t (x INTEGER UNIQUE)');
  const insert = db.prepare('INSERT INTO t (x) VALUES (?)');
  const rows = () => db.prepare('SELECT x FROM t ORDER BY x').pluck().all();
  return { db, queue: createWriteQueue(db, { onRollback }), insert, rows };
}

describe('write queue (group commit)', () => {
  it('writes queued together commit together; a failing one rolls back only itself', async () => {
    const rollbacks: unknown[] = [];
    const { queue, insert, rows } = setup((e) => rollbacks.push(e));
    const results = await Promise.allSettled([
      queue.run(() => insert.run(1)),
      queue.run(() => {
        insert.run(2);
        throw new ApiError(400, 'nope');
      }),
      queue.run(() => insert.run(1)), // UNIQUE violation
      queue.run(() => insert.run(3)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(rows()).toEqual([1, 3]);
    // The two failures, and the batch roll-back that isolated the write that failed after writing.
    expect(rollbacks).toHaveLength(3);
    expect(rollbacks).toContain(results[1].status === 'rejected' && results[1].reason);
  });

  it('a write that fails before changing anything costs no replay of its batch', async () => {
    const { queue, insert, rows } = setup();
    let runs = 0;
    const results = await Promise.allSettled([
      queue.run(() => { runs++; insert.run(1); }),
      queue.run(() => { throw new ApiError(404, 'not found'); }),
      queue.run(() => insert.run(1)), // UNIQUE violation: SQLite undoes the statement itself
      queue.run(() => { runs++; insert.run(2); }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(rows()).toEqual([1, 2]);
    expect(runs).toBe(2);
  });

  it('a write that fails after changing rows is undone; the rest of its batch runs again and commits', async () => {
    const { queue, insert, rows } = setup();
    let runs = 0;
    const results = await Promise.allSettled([
      queue.run(() => { runs++; insert.run(1); return runs; }),
      queue.run(() => {
        insert.run(5);
        insert.run(1); // fails after one row was written
      }),
      queue.run(() => insert.run(3)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(rows()).toEqual([1, 3]);
    // The first write ran twice: once in the abandoned batch, once in the committed one, whose
    // result is the one returned.
    expect(runs).toBe(2);
    expect(results[0].status === 'fulfilled' && results[0].value).toBe(2);
  });

  it('a batch closes when its writes\' costs reach the cap: 64 visits, or 16 signup-sized writes', async () => {
    const { queue, insert } = setup();
    const events: string[] = [];
    const track = (i: number, cost: number) =>
      queue.run(() => { events.push(`run ${i}`); insert.run(i); }, cost).then(() => events.push(`done ${i}`));
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

  it('replies only after COMMIT: a settled write is visible to a fresh reader', async () => {
    const { queue, insert, db } = setup();
    let visibleInside = -1;
    await queue.run(() => {
      insert.run(7);
      visibleInside = db.inTransaction ? 1 : 0;
    });
    expect(visibleInside).toBe(1);
    expect(db.inTransaction).toBe(false);
  });

  it('when SQLite aborts the whole transaction, the rest of the batch is not run in autocommit', async () => {
    const { queue, insert, rows, db } = setup();
    const results = await Promise.allSettled([
      queue.run(() => insert.run(1)),
      queue.run(() => {
        db.exec('ROLLBACK'); // what SQLite does by itself on SQLITE_FULL / IOERR
        throw new Error('disk full');
      }),
      queue.run(() => insert.run(2)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(rows()).toEqual([]);
  });
});

describe('write queue and other connections', () => {
  it('a batch holds the write lock from its start, so another writer cannot slip in between its read and its write', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'refrocket-lock-'));
    const file = join(dir, 'db.sqlite');
    const db = openDatabase(file);
    const other = openDatabase(file);
    try {
      db.exec('CREATE TABLE t (x INTEGER)');
      other.pragma('busy_timeout = 0');
      const queue = createWriteQueue(db);
      let otherWrite = 'not tried';
      await queue.run(() => {
        db.prepare('SELECT count(*) FROM t').pluck().get(); // the batch reads first …
        try {
          other.prepare('INSERT INTO t (x) VALUES (1)').run(); // … another connection tries to commit …
          otherWrite = 'committed';
        } catch (error) {
          otherWrite = (error as { code?: string }).code ?? 'failed';
        }
        db.prepare('INSERT INTO t (x) VALUES (2)').run(); // … and the batch's write must still succeed.
      });
      // With a deferred BEGIN the other write would commit and this batch fail (SQLITE_BUSY_SNAPSHOT).
      expect(otherWrite).toBe('SQLITE_BUSY');
      expect(db.prepare('SELECT x FROM t').pluck().all()).toEqual([2]);
    } finally {
      other.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('closing the app', () => {
  it('commits writes still queued before it closes the database (closeDb)', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { buildApp } = await import('../../server/app.js');
    const dir = mkdtempSync(join(tmpdir(), 'refrocket-close-'));
    try {
      const file = join(dir, 'db.sqlite');
      const app = buildApp({ db: openDatabase(file), closeDb: true });
      await app.ready();
      const queued = app.writes.run('createContest', { input: { id: 'late', title: 'Queued at close' } });
      await app.close(); // before the queue's setImmediate has run
      await expect(queued).resolves.toMatchObject({ id: 'late' });
      const reopened = openDatabase(file);
      expect(reopened.prepare("SELECT title FROM contests WHERE id = 'late'").pluck().get()).toBe('Queued at close');
      reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('caches and failed writes', () => {
  const t = useTestApp();

  it('a 404 visit (nothing written) keeps the caches; the leaderboard cache key stays valid', async () => {
    t().contest({ id: 'c1' });
    t().entry('c1', { email: 'jane@example.com', referralCode: 'REF-XYZ789' });
    const before = t().app.store.changes.version;
    const res = await postJson(t().app, '/api/referral/track-visit', { contestId: 'c1', referralCode: 'REF-NOPE00' });
    expect(res.status).toBe(404);
    expect(t().app.store.changes.version).toBe(before);
  });
});
