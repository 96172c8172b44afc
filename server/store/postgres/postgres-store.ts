import type pg from 'pg';
import { migratePostgres } from '../../db/postgres/migrate.js';
import { createPool, describeUrl, isUnavailable } from '../../db/postgres/pool.js';
import { ApiError } from '../../domain/errors.js';
import { ChangeCounter } from '../changes.js';
import {
  ReplayBatch,
  type Outcome,
  type Repositories,
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
import { createLedgerRepo } from './ledger.js';
import { createPurchasesRepo } from './purchases.js';
import { databaseUnavailable, mapUnavailable, poolQueryable, TrackedClient, type Queryable } from './queryable.js';
import { createTableAccess, invariantViolations } from './tables.js';
import { createVisitsRepo } from './visits.js';

export interface PostgresStoreOptions {
  /** Told about failures of idle pooled connections (logged; the pool replaces them). */
  onIdleError?: (error: Error) => void;
  /** Pooled connections (default 10). */
  maxConnections?: number;
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
  const caches = new ReadCaches();
  const repositories = (q: Queryable): Repositories => ({
    contests: createContestsRepo(q, changes, caches),
    entries: createEntriesRepo(q, changes, caches),
    ledger: createLedgerRepo(q, changes),
    purchases: createPurchasesRepo(q),
    visits: createVisitsRepo(q, caches),
    apiKeys: createApiKeysRepo(q, caches),
    bonusActions: createBonusActionsRepo(q),
    hubTokens: createHubTokensRepo(q),
    operators: createOperatorsRepo(q),
  });

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
    transaction(fn) {
      return withClient((tx) =>
        inTransaction(tx, () => fn(repositories(tx))).catch((error) => {
          // Rows read or written inside the rolled-back transaction may sit in the caches.
          caches.clear();
          throw error;
        }),
      );
    },
    runBatch(ops, isolated) {
      return withClient((tx) =>
        inTransaction(tx, async () => {
          const repos = repositories(tx);
          const outcomes: Outcome[] = [];
          for (const op of ops) {
            outcomes.push(await (isolated ? runIsolated(tx, repos, op, () => caches.clear()) : runFast(tx, repos, op)));
          }
          return outcomes;
        }),
      );
    },
    openWriter(runner) {
      // The pool reconnects by itself, so nothing here is ever fatal: failed batches answer 503.
      return createLocalWriter(store, runner, { maxConcurrentBatches: CONCURRENT_BATCHES });
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
