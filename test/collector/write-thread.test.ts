import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../server/app.js';
import { createApiKey } from '../../server/collector/api-keys.js';
import { createContest } from '../../server/collector/contests.js';
import { insertEntry } from '../../server/collector/entries.js';
import { requireContest } from '../../server/collector/context.js';
import type { Store } from '../../server/store/repositories.js';
import { createSqliteStore } from '../../server/store/sqlite/sqlite-store.js';
import { createThreadWriter } from '../../server/store/sqlite/thread-writer.js';
import { entriesInFileAlone } from '../helpers/db-file.js';
import { postJson } from '../helpers/test-app.js';

// serve runs every write on a SQLite file in a worker thread (server/store/sqlite/). These run the
// API that way, on a database file, through dist/write-worker.cjs as built by the global setup.
describe('writes in the write thread', () => {
  let dir: string;
  let dbFile: string;
  let app: App;
  let store: Store;
  let key: string;
  let jane: { id: string };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'refrocket-thread-'));
    dbFile = join(dir, 'db.sqlite');
    store = createSqliteStore(dbFile, { writeThread: true });
    app = buildApp({ store, closeStore: true });
    await app.ready();
    // Seeded on the main connection before the first write, so no cache in the thread predates it.
    ({ jane, key } = await store.transaction(async (tx) => {
      const ctx = { store: tx, now: Date.now };
      await createContest(ctx, { id: 'c1', title: 'Thread contest' });
      const entry = await insertEntry(ctx, await requireContest(ctx, 'c1'), { email: 'jane@example.com', referralCode: 'REF-JANE22' });
      return { jane: entry, key: (await createApiKey(ctx, 'private')).key };
    }));
  });

  afterEach(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const signup = (email: string) =>
    postJson(app, '/api/referral/track-signup', { contestId: 'c1', email, referralCode: 'REF-JANE22' });
  const leaderboard = async () =>
    (await app.inject({ url: '/api/v1/contests/c1/leaderboard', headers: { 'x-api-key': key } })).json().data;

  it('a referred signup awards both sides, and the reply comes after the commit', async () => {
    const res = await signup('friend@example.com');
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ isReferred: true, pointsAwarded: { advocate: 10, friend: 5 } });
    // Read on the main thread's own connection: already committed.
    expect((await store.entries.get(jane.id))!.points).toBe(10);
    expect(await store.invariantViolations()).toEqual([]);
  });

  it('the checkpointer thread copies committed writes from the WAL into the database file', async () => {
    expect((await signup('checkpointed@example.com')).status).toBe(200);
    // The writer's own automatic checkpoint waits for 8,000 WAL pages; this is one signup. So the
    // row reaches the database file (read here without its WAL) only through the checkpointer.
    await expect.poll(() => entriesInFileAlone(dbFile, 'checkpointed@example.com'), { timeout: 5000, interval: 50 }).toBe(1);
  });

  it('identical signups at the same moment award once', async () => {
    const results = await Promise.all(Array.from({ length: 30 }, () => signup('race@example.com')));
    expect(new Set(results.map((r) => r.body.data.entryId)).size).toBe(1);
    expect(results.filter((r) => r.body.data.pointsAwarded.advocate === 10)).toHaveLength(1);
    expect((await store.entries.get(jane.id))!.points).toBe(10);
  });

  it('errors keep their status and documented message across the thread', async () => {
    const visit = await postJson(app, '/api/referral/track-visit', { contestId: 'c1', referralCode: 'REF-NOPE99' });
    expect(visit).toMatchObject({ status: 404, body: { success: false, error: 'Referral code not found' } });
    const unknown = await postJson(app, '/api/referral/track-signup', { contestId: 'nope', email: 'a@example.com', referralCode: 'REF-JANE22' });
    expect(unknown).toMatchObject({ status: 404, body: { error: 'Contest not found' } });
  });

  it('cached reads on the main thread follow writes made in the thread', async () => {
    expect((await leaderboard())[0]).toMatchObject({ points: 0 });
    await signup('friend@example.com');
    expect((await leaderboard())[0]).toMatchObject({ points: 10 });

    // Pausing the contest (a write in the thread) is seen at once by both threads' contest caches.
    expect((await store.contests.get('c1'))!.status).toBe('active');
    const paused = await app.inject({
      method: 'PUT', url: '/api/v1/contests/c1', headers: { 'x-api-key': key }, payload: { status: 'paused' },
    });
    expect(paused.statusCode).toBe(200);
    expect((await store.contests.get('c1'))!.status).toBe('paused');
    expect(await signup('late@example.com')).toMatchObject({ status: 400, body: { error: 'Contest is not active' } });
  });

  it('writes still queued when the app closes are committed first', async () => {
    const write = (email: string) => app.writes.run('signup', { contestId: 'c1', email, referralCode: 'REF-JANE22' });
    const queued = Promise.all([write('a@example.com'), write('b@example.com')]);
    await app.close(); // before they were even sent to the thread
    expect((await queued).map((r) => r.pointsAwarded)).toEqual([{ advocate: 10, friend: 5 }, { advocate: 10, friend: 5 }]);
    const reopened = createSqliteStore(dbFile);
    const emails = (await reopened.tables.page('entries', undefined, 100)).map((row) => row.email);
    expect(emails.filter((email) => email === 'a@example.com' || email === 'b@example.com')).toHaveLength(2);
    await reopened.close();
  });
});

describe('the write thread\'s bundle', () => {
  it('holds the collector and the store, not zod (the routes validate; zod would cost its heap ~5 MB)', () => {
    const map = JSON.parse(readFileSync(join(process.cwd(), 'dist', 'write-worker.cjs.map'), 'utf8')) as { sources: string[] };
    expect(map.sources.some((source) => source.includes('server/collector/write-ops.ts'))).toBe(true);
    // From node_modules only: the disposable-email-domains list, in a lazily run module (fraud
    // checks), and lru-cache (the store's read caches; no dependencies of its own).
    const packages = new Set(map.sources.filter((source) => source.includes('node_modules/')).map((source) => /node_modules\/([^/]+)/.exec(source)![1]));
    expect([...packages].sort()).toEqual(['disposable-email-domains', 'lru-cache']);
  });
});

describe('a write thread that cannot start', () => {
  it('reports a fatal error and refuses writes instead of hanging', async () => {
    const fatal: Error[] = [];
    const writer = createThreadWriter({
      dbPath: ':memory:',
      workerFile: join(tmpdir(), 'no-such-write-worker.cjs'),
      onCommitted: () => {},
      onFatal: (error) => fatal.push(error),
    });
    const write = writer.run('trackVisit', { contestId: 'c1', referralCode: 'REF-X', ip: '127.0.0.1', userAgent: 'test' });
    await expect(write).rejects.toThrow();
    expect(fatal).toHaveLength(1);
    await writer.close();
  });
});
