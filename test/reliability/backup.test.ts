import Database from 'better-sqlite3';
import { copyFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  cli,
  cliRun,
  getJson,
  invariantViolations,
  noViolations,
  postJson,
  seed,
  sleep,
  useWorkspace,
  withStoreOn,
} from './harness.js';

/**
 * `refrocket backup` while the collector keeps writing: the copy is a consistent snapshot (a prefix
 * of the live history, with every invariant holding), and a collector started on it serves it.
 * SQLite only: the command copies a SQLite file; on PostgreSQL it refuses and points to pg_dump.
 */
const CONTEST = 'bk';
const WRITERS = 8;

const workspace = useWorkspace('backup');

type Row = Record<string, unknown>;
const byId = (rows: Row[], key = 'id') => new Map(rows.map((r) => [String(r[key]), r]));

describe('backup while the collector is writing (SQLite only: a copy of the database file)', () => {
  it('produces a consistent prefix of the live database that a new collector can serve', { timeout: 30_000 }, async () => {
    const livePath = workspace.path('live.db');
    const backupPath = workspace.path('backup.db');
    const { advocates, privateKey, webhookSecret } = await seed(livePath, CONTEST, 3);
    const server = await workspace.startCollector(livePath);

    // Background writers: signups (referred), purchases through a code, webhook purchases, visits.
    let stop = false;
    let acknowledged = 0;
    // Entries and purchases acknowledged so far, with when the answer arrived.
    const acks: Array<{ table: 'entries' | 'purchases'; id: string; at: number }> = [];
    const failures: unknown[] = [];
    let n = 0;
    const writer = async () => {
      while (!stop) {
        const i = n++;
        const advocate = advocates[i % advocates.length]!;
        let res;
        switch (i % 4) {
          case 0:
            res = await postJson(`${server.base}/api/referral/track-signup`, { email: `b${i}@x.com`, contestId: CONTEST, referralCode: advocate.code });
            break;
          case 1:
            res = await postJson(`${server.base}/api/referral/track-purchase`, { email: `b${i - 1}@x.com`, contestId: CONTEST, orderId: `o-${i}`, amount: 12.5, referralCode: advocate.code });
            break;
          case 2:
            res = await postJson(`${server.base}/api/webhooks/purchase/${CONTEST}`, { email: advocate.email, orderId: `w-${i}`, amount: 3 }, { 'x-webhook-secret': webhookSecret });
            break;
          default:
            res = await postJson(`${server.base}/api/referral/track-visit`, { referralCode: advocate.code, contestId: CONTEST });
        }
        if (res.status >= 200 && res.status < 300) {
          acknowledged++;
          const data = res.body.data;
          if (data?.purchaseId) acks.push({ table: 'purchases', id: data.purchaseId, at: Date.now() });
          else if (data?.entryId) acks.push({ table: 'entries', id: data.entryId, at: Date.now() });
        }
        else failures.push(res);
      }
    };
    const writers = Array.from({ length: WRITERS }, writer);

    await sleep(700);
    const ackBefore = acknowledged;
    const started = Date.now();
    const result = await cli(['backup', '--out', backupPath, '--db', livePath]);
    const backupMs = Date.now() - started;
    const ackDuring = acknowledged - ackBefore;
    await sleep(300);
    stop = true;
    await Promise.all(writers);
    expect(failures).toEqual([]);
    expect(ackDuring, 'writes kept being acknowledged while the backup ran').toBeGreaterThan(0);
    expect(result).toMatchObject({ destination: backupPath, bytes: statSync(backupPath).size });

    const backup = new Database(backupPath, { readonly: true, fileMustExist: true });
    const live = new Database(livePath, { readonly: true, fileMustExist: true });
    try {
      expect(backup.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(await withStoreOn(backupPath, (store) => invariantViolations(store, backupPath))).toEqual(noViolations);
      expect(await withStoreOn(livePath, (store) => invariantViolations(store, livePath))).toEqual(noViolations);

      const all = (db: Database.Database, sql: string) => db.prepare(sql).all() as Row[];
      // Immutable columns of entries (points and referrals_count keep growing on the live side).
      const entrySql = 'SELECT id, contest_id, email, email_normalized, name, referral_code, referred_by, created_at FROM entries';
      const tables: Array<[string, string, string]> = [
        ['entries', entrySql, 'id'],
        ['purchases', 'SELECT * FROM purchases', 'id'],
        ['points_ledger', 'SELECT * FROM points_ledger', 'id'],
        ['visits', 'SELECT * FROM visits', 'id'],
        ['api_keys', 'SELECT * FROM api_keys', 'id'],
        ['contests', 'SELECT * FROM contests', 'id'],
      ];
      const counts: Record<string, [number, number]> = {};
      for (const [name, sql, key] of tables) {
        const backupRows = all(backup, sql);
        const liveRows = byId(all(live, sql), key);
        const differing = backupRows.filter((row) => JSON.stringify(liveRows.get(String(row[key]))) !== JSON.stringify(row));
        expect(differing, `${name} rows in the backup that differ from or are missing in the live database`).toEqual([]);
        counts[name] = [backupRows.length, liveRows.size];
        expect(backupRows.length).toBeLessThanOrEqual(liveRows.size);
      }
      // Everything acknowledged before the backup command started is in the snapshot.
      const missing = acks
        .filter((a) => a.at < started)
        .filter((a) => backup.prepare(`SELECT 1 FROM ${a.table} WHERE id = ?`).get(a.id) === undefined);
      expect(missing, 'writes acknowledged before the backup began but absent from it').toEqual([]);

      // A prefix, not just a subset: the ledger and visits are append-only with increasing ids, so
      // the backup holds exactly the live rows up to its highest id.
      for (const table of ['points_ledger', 'visits']) {
        const max = backup.prepare(`SELECT coalesce(max(id), 0) FROM ${table}`).pluck().get() as number;
        const liveUpTo = live.prepare(`SELECT count(*) FROM ${table} WHERE id <= ?`).pluck().get(max);
        expect(liveUpTo, `${table}: live rows up to the backup's last id`).toBe(counts[table]![0]);
      }
      // Entry points in the snapshot never exceed the live ones (every write in this test adds points).
      const livePoints = byId(all(live, 'SELECT id, points FROM entries'));
      const ahead = all(backup, 'SELECT id, points FROM entries').filter((r) => (r.points as number) > (livePoints.get(String(r.id))!.points as number));
      expect(ahead).toEqual([]);

      console.info(
        `[backup] ${result.bytes} bytes in ${result.ms} ms (CLI ${backupMs} ms) while ${ackDuring} writes were acknowledged; ` +
          `backup/live rows: ${Object.entries(counts).map(([t, [b, l]]) => `${t} ${b}/${l}`).join(', ')}`,
      );

      // Restore: a collector on a copy of the backup serves exactly the snapshot's numbers.
      const stats = backup.prepare('SELECT * FROM contest_stats WHERE contest_id = ?').get(CONTEST) as Row;
      const friend = backup
        .prepare(`SELECT email, name, referral_code FROM entries WHERE referred_by IS NOT NULL ORDER BY created_at DESC, id LIMIT 1`)
        .get() as { email: string; name: string | null; referral_code: string };
      expect(friend).toBeDefined();

      const restoredPath = workspace.path('restored.db');
      copyFileSync(backupPath, restoredPath);
      const restored = await workspace.startCollector(restoredPath);
      const analytics = await getJson(`${restored.base}/api/v1/contests/${CONTEST}/analytics`, { 'x-api-key': privateKey });
      expect(analytics.status).toBe(200);
      expect(analytics.body.data).toMatchObject({
        totalEntries: stats.entries_count,
        confirmedEntries: stats.confirmed_count,
        disqualifiedEntries: stats.disqualified_count,
        totalViews: stats.views_count,
        totalBonusCompletions: stats.bonus_completions_count,
        points: { total: stats.points_total },
      });
      const validate = await getJson(
        `${restored.base}/api/referral/validate-code?code=${encodeURIComponent(friend.referral_code)}&contestId=${CONTEST}`,
      );
      expect(validate).toEqual({
        status: 200,
        body: { valid: true, referrerEmail: friend.email, referrerName: friend.name, contestId: CONTEST },
      });
      expect((await restored.stop('SIGTERM')).code).toBe(0);
    } finally {
      backup.close();
      live.close();
    }
    expect((await server.stop('SIGTERM')).code, server.output()).toBe(0);
  });
});

describe('backup of a PostgreSQL database', () => {
  it('is refused: exit 1, a message naming pg_dump, and no output file', async () => {
    const url = await workspace.database('postgres', 'pg-backup');
    // The database exists and holds data: the refusal is about the engine, not a failed connection.
    await seed(url, CONTEST, 1);
    const before = readdirSync(workspace.path('.'));

    const out = workspace.path('pg-backup.db');
    const result = await cliRun(['backup', '--out', out, '--db', url]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^refrocket: .*pg_dump/);
    expect(existsSync(out), 'no output file').toBe(false);

    // The same through REFROCKET_DB, as `serve` takes it.
    const viaEnv = await cliRun(['backup', '--out', out], { ...process.env, REFROCKET_DB: url });
    expect(viaEnv.code, viaEnv.stderr).toBe(1);
    expect(viaEnv.stderr).toMatch(/^refrocket: .*pg_dump/);
    expect(existsSync(out), 'no output file').toBe(false);
    expect(readdirSync(workspace.path('.')), 'nothing written to the workspace').toEqual(before);
  });
});
