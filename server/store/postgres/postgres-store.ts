import type pg from 'pg';
import { migratePostgres } from '../../db/postgres/migrate.js';
import { createPool, describeUrl, isUnavailable } from '../../db/postgres/pool.js';
import { ApiError } from '../../domain/errors.js';
import { ChangeCounter } from '../changes.js';
import {
  ReplayBatch,
  type Outcome,
  type Repositories,
  type Row,
  type Store,
  type TransactionalOp,
} from '../repositories.js';
import { createLocalWriter } from '../writer.js';
import { createApiKeysRepo } from './api-keys.js';
import { createHubTokensRepo } from './hub-tokens.js';
import { createOperatorsRepo } from './operators.js';
import { createBonusActionsRepo } from './bonus-actions.js';
import { ReadCaches } from './caches.js';
import { createContestsRepo } from './contests.js';
import { createEntriesRepo } from './entries.js';
import { createFraudRepo } from './fraud.js';
import { createLedgerRepo } from './ledger.js';
import { createPurchasesRepo } from './purchases.js';
import { createErasureRepo } from './erasure.js';
import { ScrubRequests } from '../scrub.js';
import { createIdempotencyRepo } from './idempotency.js';
import { exportQueries, pageStart } from '../export-queries.js';
import { databaseUnavailable, mapUnavailable, poolQueryable, TrackedClient, type Queryable } from './queryable.js';
import { createTableAccess, invariantViolations } from './tables.js';
import { createVisitsRepo } from './visits.js';
import { createWebhooksRepo } from './webhooks.js';
import { createAttributionsRepo } from './attributions.js';

export interface PostgresStoreOptions {
  /** Told about failures of idle pooled connections (logged; the pool replaces them). */
  onIdleError?: (error: Error) => void;
  /** Pooled connections (default 10). */
  maxConnections?: number;
  /** The clock the read caches' ages are read on (default Date.now; tests pin it). */
  now?: () => number;
}

/**
 * Writers take turns, as on SQLite: every write transaction (a batch, or a CLI command's) first
 * takes this transaction-level advisory lock, across all collectors on the database. Without it,
 * batches crediting the same few advocates locked their rows in different orders and deadlocked;
 * PostgreSQL breaks a deadlock only after deadlock_timeout (1 s by default, settable only by a
 * superuser), and a crash-safety run with 5 advocates took 90 s instead of 10. Reads never wait
 * for it, so several collectors still spread the HTTP, validation and read work; writes go
 * through one transaction at a time, group-committed.
 */
const WRITER_LOCK = 0x7265_6672; // "refr"

/** One batch at a time per collector: more would only queue on WRITER_LOCK, holding connections. */
const CONCURRENT_BATCHES = 1;

/** How many times isolated mode runs a write again after a conflict with another transaction. */
const MAX_RETRIES = 3;
/** unique_violation, serialization_failure, deadlock_detected: another transaction got there first. */
const RETRYABLE = new Set(['23505', '40001', '40P01']);

const PING_TIMEOUT_MS = 2_000;

export const PG_BACKUP_HINT =
  'refrocket backup copies SQLite databases only; for PostgreSQL use pg_dump (e.g. pg_dump --format=custom --file=refrocket.dump "$REFROCKET_DB")';

/**
 * The PostgreSQL engine. Reads run on the pool; a transaction or a batch holds one pooled
 * connection from BEGIN to COMMIT, with repositories bound to it. Several collectors may share the
 * database: unique keys, triggers and row locks keep them correct, and caches of rows another
 * collector may change expire after CROSS_PROCESS_STALENESS_MS.
 */
export async function createPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  const description = describeUrl(url);
  const pool = createPool(url, { onIdleError: options.onIdleError, max: options.maxConnections });
  try {
    await migratePostgres(pool);
  } catch (error) {
    await pool.end().catch(() => undefined);
    if (!isUnavailable(error)) throw error;
    throw new Error(`PostgreSQL at ${description} is unavailable: ${(error as Error).message}`, { cause: error });
  }

  const changes = new ChangeCounter();
  const caches = new ReadCaches(options.now);
  const repositories = (q: Queryable, scrubs = new ScrubRequests()): Repositories => ({
    contests: createContestsRepo(q, changes, caches),
    entries: createEntriesRepo(q, changes, caches),
    ledger: createLedgerRepo(q, changes),
    purchases: createPurchasesRepo(q),
    visits: createVisitsRepo(q, caches, scrubs),
    apiKeys: createApiKeysRepo(q, caches),
    bonusActions: createBonusActionsRepo(q),
    webhooks: createWebhooksRepo(q),
    erasure: createErasureRepo(q, scrubs),
    fraud: createFraudRepo(q),
    attributions: createAttributionsRepo(q),
    idempotency: createIdempotencyRepo(q),
    hubTokens: createHubTokensRepo(q),
    operators: createOperatorsRepo(q),
  });

  /**
   * After an erasure or a salt rotation committed: the old row versions are dead tuples, still in
   * the table files until VACUUM removes them. VACUUM cannot run inside a transaction, so it runs
   * on a connection of its own, without the request bound. What it does not guarantee (bytes in
   * free space and WAL segments until overwritten) is in the README.
   */
  async function vacuum(scrubs: ScrubRequests): Promise<void> {
    const tables = scrubs.take();
    if (tables.length === 0) return;
    const client = await pool.connect().catch((error) => {
      throw mapUnavailable(error);
    });
    try {
      await client.query('SET statement_timeout = 0');
      await client.query({ text: `VACUUM ${tables.join(', ')}`, query_timeout: 10 * 60_000 } as pg.QueryConfig);
      await client.query('RESET statement_timeout');
      client.release();
    } catch (error) {
      client.release(error as Error);
      throw mapUnavailable(error);
    }
  }

  /**
   * Runs fn on one pooled connection. A connection-class failure becomes the 503 ApiError, and
   * the connection is handed back with the error so the pool discards it.
   */
  async function withClient<T>(fn: (tx: TrackedClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw mapUnavailable(error);
    }
    let broken: Error | undefined;
    // A checked-out client has no pool listener: its connection failing would otherwise throw an
    // uncaught 'error' event and crash the process. Its next query fails too; that answers 503.
    const onError = (error: Error) => void (broken ??= error);
    client.on('error', onError);
    const tx = new TrackedClient(client);
    try {
      return await fn(tx);
    } catch (error) {
      // Whatever fn made of it, a transaction whose connection failed did not commit.
      if (broken || isUnavailable(error)) {
        broken ??= error as Error;
        throw databaseUnavailable();
      }
      throw error;
    } finally {
      // A connection whose ROLLBACK failed is in an unknown state: the pool must not reuse it.
      if (!broken && tx.broken) broken = new Error('rollback failed');
      // A broken client keeps the listener: it is discarded, and may still report its end.
      if (!broken) client.off('error', onError);
      client.release(broken);
    }
  }

  /**
   * BEGIN … COMMIT around fn; ROLLBACK when it throws. After a connection-class failure there is
   * nothing to roll back on: the connection is dropped, and the server rolls back when it closes.
   */
  async function inTransaction<T>(tx: TrackedClient, fn: () => Promise<T>): Promise<T> {
    // One round trip: BEGIN and the writers' lock in one simple-protocol message.
    await tx.control(`BEGIN; SELECT pg_advisory_xact_lock(${WRITER_LOCK})`);
    try {
      const result = await fn();
      await commit(tx);
      return result;
    } catch (error) {
      if (!isUnavailable(error)) await tx.control('ROLLBACK').catch(() => (tx.broken = true));
      throw error;
    }
  }

  const store: Store = {
    ...repositories(poolQueryable(pool)),
    changes,
    tables: createTableAccess(pool, withClient, inTransaction),
    description,
    async transaction(fn) {
      const scrubs = new ScrubRequests();
      const result = await withClient((tx) =>
        inTransaction(tx, () => fn(repositories(tx, scrubs))).catch((error) => {
          // Rows read or written inside the rolled-back transaction may sit in the caches.
          caches.clear();
          throw error;
        }),
      );
      await vacuum(scrubs);
      return result;
    },
    async runBatch(ops, isolated) {
      const scrubs = new ScrubRequests();
      const outcomes = await withClient((tx) =>
        inTransaction(tx, async () => {
          const repos = repositories(tx, scrubs);
          const results: Outcome[] = [];
          for (const op of ops) {
            results.push(await (isolated ? runIsolated(tx, repos, op, () => caches.clear()) : runFast(tx, repos, op)));
          }
          return results;
        }),
      );
      // A write that failed in its savepoint may have asked too: vacuuming anyway is harmless.
      await vacuum(scrubs);
      return outcomes;
    },
    openWriter(runner, { onBatch }) {
      // The pool reconnects by itself, so nothing here is ever fatal: failed batches answer 503.
      return createLocalWriter(store, runner, { maxConcurrentBatches: CONCURRENT_BATCHES, onBatch });
    },
    forgetCachedReads() {
      caches.clear();
      changes.bump();
    },
    async ping() {
      try {
        await pool.query({ text: 'SELECT 1', query_timeout: PING_TIMEOUT_MS } as pg.QueryConfig);
      } catch {
        throw databaseUnavailable();
      }
    },
    async exportPage(kind, contestId, after, limit) {
      const query = exportQueries[kind];
      const [k1, k2] = pageStart(kind, after);
      // k2 is only in the entries query, and PostgreSQL wants every numbered parameter used: last.
      const placeholders: Record<string, string> = { contest: '$1', k1: '$2', limit: '$3', k2: '$4' };
      const text = query.sql.replace(/\$(contest|k1|k2|limit)/g, (_, name: string) => placeholders[name]);
      const values = query.key.length === 2 ? [contestId, k1, limit, k2] : [contestId, k1, limit];
      const rows = await poolQueryable(pool).rows<Row>({ name: `rr_export_${kind}`, text, values });
      for (const row of rows) for (const column of query.numeric) if (row[column] !== null) row[column] = Number(row[column]);
      return rows;
    },
    async databaseStats() {
      const { rows } = await pool.query<{ size: string }>('SELECT pg_database_size(current_database()) AS size').catch((error) => {
        throw mapUnavailable(error);
      });
      const max = (pool as unknown as { options: { max: number } }).options.max;
      return {
        engine: 'postgres' as const,
        sizeBytes: Number(rows[0].size),
        pool: { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max },
      };
    },
    async invariantViolations() {
      try {
        return await invariantViolations(pool);
      } catch (error) {
        throw mapUnavailable(error);
      }
    },
    async backup() {
      throw new ApiError(400, PG_BACKUP_HINT);
    },
    async close() {
      await pool.end();
    },
  };
  return store;
}

/**
 * PostgreSQL reports COMMIT of a transaction that an error already aborted as a successful
 * "ROLLBACK": treat that as the failure it is, never as committed writes.
 */
async function commit(tx: TrackedClient): Promise<void> {
  const result = await tx.client.query('COMMIT');
  if (result.command !== 'COMMIT') throw new Error('the transaction was rolled back instead of committed');
}

/**
 * One write of a batch without a savepoint. Only a write that failed with a 4xx-style ApiError
 * before issuing any write statement can be reported alone; anything else — a failed statement
 * (PostgreSQL then aborts the whole transaction), or a failure after writing — rolls the batch
 * back (ReplayBatch), and the queue runs it again isolated.
 */
async function runFast(tx: TrackedClient, repos: Repositories, op: TransactionalOp): Promise<Outcome> {
  const writesBefore = tx.writes;
  tx.failed = undefined;
  let value: unknown;
  try {
    value = await op(repos);
  } catch (error) {
    const cause = tx.failed ?? error;
    if (isUnavailable(cause)) throw cause;
    if (tx.failed === undefined && error instanceof ApiError && tx.writes === writesBefore) return [false, error];
    throw new ReplayBatch();
  }
  // The op caught a failed statement itself: the transaction is aborted all the same.
  if (tx.failed !== undefined) throw isUnavailable(tx.failed) ? tx.failed : new ReplayBatch();
  return [true, value];
}

/**
 * One write of a batch in its own savepoint: a failure undoes only that write. A write that lost
 * a race with another transaction (the same orderId or email committed meanwhile, a deadlock)
 * runs again; it then sees the other's row and answers as the rules do for a repeat.
 * `forgetCaches` runs when a rollback undid rows the write may have put in a cache.
 */
async function runIsolated(
  tx: TrackedClient,
  repos: Repositories,
  op: TransactionalOp,
  forgetCaches: () => void,
): Promise<Outcome> {
  for (let attempt = 0; ; attempt++) {
    await tx.control('SAVEPOINT write_op');
    tx.failed = undefined;
    const writesBefore = tx.writes;
    let failure: { error: unknown } | undefined;
    try {
      const value = await op(repos);
      if (tx.failed === undefined) {
        await tx.control('RELEASE SAVEPOINT write_op');
        return [true, value];
      }
      failure = { error: tx.failed };
    } catch (error) {
      failure = { error };
    }
    const cause = tx.failed ?? failure.error;
    if (isUnavailable(cause)) throw cause;
    await tx.control('ROLLBACK TO SAVEPOINT write_op');
    await tx.control('RELEASE SAVEPOINT write_op');
    if (tx.writes !== writesBefore) forgetCaches();
    if (attempt < MAX_RETRIES && (isRetryable(cause) || isRetryable(failure.error))) continue;
    return [false, failure.error];
  }
}

function isRetryable(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && RETRYABLE.has(code)) return true;
  }
  return false;
}
