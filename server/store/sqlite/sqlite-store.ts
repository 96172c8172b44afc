import type Database from 'better-sqlite3';
import { backupDatabase } from '../../db/sqlite/backup.js';
import { openDatabase, type Db, type OpenDatabaseOptions } from '../../db/sqlite/open-database.js';
import { ApiError } from '../../domain/errors.js';
import { ChangeCounter } from '../changes.js';
import {
  ReplayBatch,
  type Outcome,
  type Repositories,
  type Row,
  type Store,
  type TableAccess,
  type TransactionalOp,
} from '../repositories.js';
import { createLocalWriter, type WriteOpRunner } from '../writer.js';
import { createApiKeysRepo } from './api-keys.js';
import { createHubTokensRepo } from './hub-tokens.js';
import { createOperatorsRepo } from './operators.js';
import { createBonusActionsRepo } from './bonus-actions.js';
import { createContestsRepo } from './contests.js';
import { createEntriesRepo } from './entries.js';
import { createErasureRepo } from './erasure.js';
import { ScrubRequests } from '../scrub.js';
import { createFraudRepo } from './fraud.js';
import { createLedgerRepo } from './ledger.js';
import { createPurchasesRepo } from './purchases.js';
import { createReadThread } from './read-thread.js';
import { createIdempotencyRepo } from './idempotency.js';
import { EXPORT_KINDS, exportQueries, pageStart, type ExportKind } from '../export-queries.js';
import { createThreadWriter } from './thread-writer.js';
import { createVisitsRepo } from './visits.js';
import { createWebhooksRepo } from './webhooks.js';
import { createAttributionsRepo } from './attributions.js';
import { PRIMARY_KEYS } from '../rows.js';

export interface SqliteStoreOptions extends OpenDatabaseOptions {
  /** Run the API's writes in a worker thread with its own connection (serve does; files only). */
  writeThread?: boolean;
  /** The clock the read caches' ages are read on (default Date.now; tests pin it). */
  now?: () => number;
}

/** The SQLite store, plus what only the SQLite write thread needs to see. */
export type SqliteStore = Store & {
  /** Bumped by every change to a contest (the write thread reports it to the main thread). */
  readonly contestChanges: ChangeCounter;
};

/**
 * The SQLite engine: one connection, every statement prepared once in the repositories. Its
 * repositories are synchronous underneath, so their promises are already settled: a transaction
 * opened here is never left open across real I/O. Transactions on this connection run one at a
 * time (`exclusive`), since SQLite has one transaction per connection.
 */
export function createSqliteStore(path: string, options: SqliteStoreOptions = {}): SqliteStore {
  const db = openDatabase(path, options);
  const changes = new ChangeCounter();
  const contestChanges = new ChangeCounter();
  const now = options.now ?? Date.now;
  const contests = createContestsRepo(db, changes, contestChanges, now);
  const entries = createEntriesRepo(db, changes);
  const ledger = createLedgerRepo(db, changes);
  const scrubs = new ScrubRequests();
  const visits = createVisitsRepo(db, scrubs);
  const apiKeys = createApiKeysRepo(db, now);
  const repos: Repositories = {
    contests,
    entries,
    ledger,
    purchases: createPurchasesRepo(db),
    visits,
    apiKeys,
    bonusActions: createBonusActionsRepo(db),
    webhooks: createWebhooksRepo(db),
    erasure: createErasureRepo(db, scrubs),
    fraud: createFraudRepo(db),
    attributions: createAttributionsRepo(db),
    idempotency: createIdempotencyRepo(db),
    hubTokens: createHubTokensRepo(db),
    operators: createOperatorsRepo(db),
  };
  // With a write thread (serve, on a file), entry lists and searches get a thread of their own too.
  const readThread = options.writeThread && path !== ':memory:' ? createReadThread(path) : undefined;
  if (readThread) repos.entries = { ...entries, list: readThread.list };
  const ping = db.prepare('SELECT 1').pluck();
  const exportStatements = Object.fromEntries(
    EXPORT_KINDS.map((kind) => [kind, db.prepare(exportQueries[kind].sql.replace(/\$(contest|k1|k2|limit)/g, '@$1'))]),
  ) as Record<ExportKind, Database.Statement>;
  const sizeBytes = db.prepare('SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()').pluck();
  const totalChanges = db.prepare('SELECT total_changes()').pluck();
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  const savepoint = db.prepare('SAVEPOINT write_op');
  const release = db.prepare('RELEASE write_op');
  const rollbackToSavepoint = db.prepare('ROLLBACK TO write_op');

  let tail: Promise<unknown> = Promise.resolve();
  /** Runs fn after every transaction queued before it on this connection has finished. */
  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = tail.then(fn);
    tail = run.catch(() => {});
    return run;
  }

  /**
   * BEGIN IMMEDIATE: the write lock is taken (waiting up to busy_timeout) before the first read.
   * A deferred BEGIN would read first, and if another connection (the CLI, a backup) committed
   * before this transaction's first write, SQLite refuses the upgrade at once with
   * SQLITE_BUSY_SNAPSHOT: a failed batch, not a wait.
   */
  async function inTransaction<T>(fn: () => Promise<T>): Promise<T> {
    begin.run();
    try {
      const result = await fn();
      commit.run();
      if (scrubs.take().length > 0) scrubWal();
      return result;
    } catch (error) {
      scrubs.take();
      // On SQLITE_FULL, IOERR, BUSY or NOMEM SQLite may have rolled back the transaction itself.
      if (db.inTransaction) rollback.run();
      throw error;
    }
  }

  /**
   * After an erasure or a salt rotation: secure_delete (open-database.ts) zeroed the old bytes in
   * the pages this transaction wrote, but the WAL still holds earlier images of those pages. A
   * TRUNCATE checkpoint copies the new pages into the file and empties the WAL (it waits, up to
   * busy_timeout, for readers still on an older snapshot). Nothing to do in memory.
   */
  function scrubWal(): void {
    if (path === ':memory:') return;
    // The transaction has committed, so failing here would misreport it: a reader holding an old
    // snapshot past every attempt leaves the emptying to the next checkpoint.
    for (let attempt = 0; attempt < 3; attempt++) {
      const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
      if (!result?.busy) return;
    }
  }

  /** One write of a batch, isolated in a savepoint: its failure undoes only its own changes. */
  async function runIsolated(op: TransactionalOp): Promise<Outcome> {
    savepoint.run();
    try {
      const value = await op(repos);
      release.run();
      return [true, value];
    } catch (error) {
      // Carrying on after SQLite dropped the transaction would run the rest in autocommit.
      if (!db.inTransaction) throw error;
      rollbackToSavepoint.run();
      release.run();
      return [false, error];
    }
  }

  /** One write of a batch without a savepoint: only a failure that changed nothing is survivable. */
  async function runFast(op: TransactionalOp): Promise<Outcome> {
    const before = totalChanges.get();
    try {
      return [true, await op(repos)];
    } catch (error) {
      if (!db.inTransaction) throw error;
      // SQLite's total_changes() moved: the write changed rows before failing, and only
      // rolling back the whole batch undoes them.
      if (totalChanges.get() !== before) throw new ReplayBatch();
      return [false, error];
    }
  }

  const tables: TableAccess = {
    async count(table) {
      return db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    },
    async page(table, after, limit) {
      const keys = PRIMARY_KEYS[table];
      const where = after ? `WHERE (${keys.join(', ')}) > (${keys.map(() => '?').join(', ')})` : '';
      const values = after ? keys.map((k) => after[k]) : [];
      return db
        .prepare(`SELECT * FROM ${table} ${where} ORDER BY ${keys.join(', ')} LIMIT ?`)
        .all(...values, limit) as Row[];
    },
    async insertCopied(table, rows) {
      if (rows.length === 0) return;
      const columns = Object.keys(rows[0]);
      const insert = db.prepare(
        `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`,
      );
      await exclusive(() => inTransaction(async () => {
        for (const row of rows) insert.run(row);
      }));
    },
    async finishCopy() {},
  };

  const store: SqliteStore = {
    ...repos,
    changes,
    contestChanges,
    tables,
    description: path,
    transaction: (fn) => exclusive(() => inTransaction(() => fn(repos))),
    runBatch: (ops, isolated) =>
      exclusive(() => inTransaction(async () => {
        const outcomes: Outcome[] = [];
        for (const op of ops) outcomes.push(await (isolated ? runIsolated(op) : runFast(op)));
        return outcomes;
      })),
    openWriter(runner: WriteOpRunner, { onFatal, onBatch }) {
      // Not for `:memory:` (a second connection would see another, empty database).
      if (!options.writeThread || path === ':memory:') return createLocalWriter(store, runner, { onBatch });
      return createThreadWriter({
        dbPath: path,
        synchronous: options.synchronous,
        onCommitted({ rankings, contests: contestsChanged }) {
          if (rankings) changes.bump();
          if (contestsChanged) contests.forgetCached();
        },
        onFatal,
        onBatch,
      });
    },
    forgetCachedReads() {
      contests.forgetCached();
      entries.forgetCached();
      visits.forgetCached();
      apiKeys.forgetCached();
      changes.bump();
    },
    async ping() {
      try {
        ping.get();
      } catch (error) {
        throw new ApiError(503, `Database unavailable: ${(error as Error).message}`);
      }
    },
    async exportPage(kind, contestId, after, limit) {
      const [k1, k2] = pageStart(kind, after);
      return exportStatements[kind].all({ contest: contestId, k1, k2, limit }) as Row[];
    },
    async databaseStats() {
      return { engine: 'sqlite' as const, sizeBytes: sizeBytes.get() as number };
    },
    async invariantViolations() {
      const problems = ledger.mismatches().map(
        (m) => `entry ${m.id}: points ${m.points}, ledger sum ${m.ledger}`,
      );
      const totals = db.prepare(`SELECT s.contest_id AS id, s.points_total AS pointsTotal,
          coalesce(sum(e.points), 0) AS entriesSum, s.entries_count AS entriesCount,
          count(e.id) AS entriesRows
        FROM contest_stats s LEFT JOIN entries e ON e.contest_id = s.contest_id
        GROUP BY s.contest_id`).all() as Array<Record<string, number | string>>;
      for (const t of totals) {
        if (t.pointsTotal !== t.entriesSum) problems.push(`contest ${t.id}: points_total ${t.pointsTotal}, entries sum ${t.entriesSum}`);
        if (t.entriesCount !== t.entriesRows) problems.push(`contest ${t.id}: entries_count ${t.entriesCount}, rows ${t.entriesRows}`);
      }
      // The daily counters against the rows they count (both ways, so a missing day shows too).
      const daily = db.prepare(`WITH counted AS (SELECT contest_id, day, visits, signups,
            referred_signups AS referred, purchases FROM contest_daily),
          actual AS (SELECT contest_id, day, sum(v) AS visits, sum(s) AS signups, sum(r) AS referred, sum(p) AS purchases FROM (
          SELECT contest_id, created_at / 86400000 AS day, 1 AS v, 0 AS s, 0 AS r, 0 AS p FROM visits
          UNION ALL SELECT contest_id, created_at / 86400000, 0, 1, referred_by IS NOT NULL, 0 FROM entries
          UNION ALL SELECT contest_id, created_at / 86400000, 0, 0, 0, 1 FROM purchases WHERE status <> 'superseded'
        ) GROUP BY contest_id, day),
          revenue AS (SELECT contest_id, day, currency, amount_minor FROM contest_daily_revenue),
          actual_revenue AS (SELECT contest_id, created_at / 86400000 AS day, currency, sum(amount_minor)
            FROM purchases WHERE status <> 'superseded' GROUP BY 1, 2, 3)
        SELECT 'counters' AS side, contest_id, day FROM (SELECT * FROM counted EXCEPT SELECT * FROM actual)
        UNION ALL SELECT 'rows', contest_id, day FROM (SELECT * FROM actual EXCEPT SELECT * FROM counted)
        UNION ALL SELECT 'revenue counters', contest_id, day FROM (SELECT * FROM revenue EXCEPT SELECT * FROM actual_revenue)
        UNION ALL SELECT 'revenue rows', contest_id, day FROM (SELECT * FROM actual_revenue EXCEPT SELECT * FROM revenue)`)
        .all() as Array<{ side: string; contest_id: string; day: number }>;
      for (const d of daily) problems.push(`contest ${d.contest_id}: daily ${d.side} of day ${d.day} differ`);
      return problems;
    },
    async backup(destination) {
      if (path === ':memory:') throw new ApiError(400, 'an in-memory database cannot be backed up');
      return backupDatabase(path, destination, options);
    },
    async close() {
      await tail;
      await readThread?.close();
      db.close();
    },
  };
  return store;
}

export type { Db };
