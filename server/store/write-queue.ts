import type { Db } from './db/open-database.js';

interface PendingWrite {
  op: () => unknown;
  cost: number;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export interface WriteQueue {
  /**
   * Runs op inside a transaction and resolves once that transaction has committed. `cost` is
   * roughly how many simple inserts the write is worth (default 1); see maxBatchCost.
   */
  run<T>(op: () => T, cost?: number): Promise<T>;
  /** Commits whatever is queued now (used on shutdown). */
  flush(): void;
}

type Outcome = [ok: boolean, value: unknown];

/** Thrown inside a batch to abandon it and run it again, one savepoint per write. */
class ReplayBatch extends Error {}

/**
 * Group commit. Writes that arrive in the same turn of the event loop are run one after another
 * in ONE transaction, and their promises settle only after the COMMIT. So:
 *  - every acknowledged write is committed before its reply is sent (nothing is buffered);
 *  - a failing write leaves no trace, and the others in its batch still commit;
 *  - the per-transaction cost (WAL append, locking) is paid once per batch, not per request.
 * Writes still run strictly one at a time, so duplicate checks inside an op cannot race.
 *
 * Isolating each write in its own savepoint would cost about an eighth of a signup's database
 * time, so a batch first runs without savepoints. A write that fails having changed nothing
 * (SQLite's total_changes() did not move: the usual 400/404, or a statement that SQLite itself
 * undid) needs no undo. Only a write that fails after changing rows makes the batch roll back
 * and run again with one savepoint per write; no write of it was acknowledged, so re-running is
 * safe.
 */
export function createWriteQueue(
  db: Db,
  options: {
    /** A batch closes once its writes' costs add up to this (it always takes at least one). */
    maxBatchCost?: number;
    /** Called when a write failed (its changes rolled back) or a whole batch did not commit. */
    onRollback?: (error: unknown) => void;
  } = {},
): WriteQueue {
  const maxBatchCost = options.maxBatchCost ?? 64;
  let queue: PendingWrite[] = [];
  let scheduled = false;
  const totalChanges = db.prepare('SELECT total_changes()').pluck();
  const inSavepoint = db.transaction((op: () => unknown) => op());

  /** On SQLITE_FULL, IOERR, BUSY or NOMEM SQLite may roll back the whole transaction itself. */
  const transactionLost = () => !db.inTransaction;

  const runFast = db.transaction((batch: PendingWrite[], outcomes: Outcome[]) => {
    let changes = totalChanges.get();
    for (const write of batch) {
      try {
        outcomes.push([true, write.op()]);
        changes = totalChanges.get();
      } catch (error) {
        if (transactionLost()) throw error;
        if (totalChanges.get() !== changes) throw new ReplayBatch();
        outcomes.push([false, error]);
      }
    }
  });
  const runIsolated = db.transaction((batch: PendingWrite[], outcomes: Outcome[]) => {
    for (const write of batch) {
      try {
        outcomes.push([true, inSavepoint(write.op)]);
      } catch (error) {
        // Carrying on after SQLite dropped the transaction would run the rest in autocommit.
        if (transactionLost()) throw error;
        outcomes.push([false, error]);
      }
    }
  });

  /**
   * Runs and commits one batch; returns each write's outcome, or throws if nothing committed.
   * BEGIN IMMEDIATE: the write lock is taken (waiting up to busy_timeout) before the first read.
   * A deferred BEGIN would read first, and if another connection (the main thread storing the
   * day's visitor salt, the CLI) committed before this batch's first write, SQLite refuses the
   * upgrade at once with SQLITE_BUSY_SNAPSHOT: a failed batch, not a wait.
   */
  function commitBatch(batch: PendingWrite[]): Outcome[] {
    const outcomes: Outcome[] = [];
    try {
      runFast.immediate(batch, outcomes);
      return outcomes;
    } catch (error) {
      if (!(error instanceof ReplayBatch)) throw error;
    }
    // Rows a rolled-back write read or wrote may sit in caches: let the owner forget them.
    options.onRollback?.(new Error('batch rolled back to isolate a failed write'));
    const isolated: Outcome[] = [];
    runIsolated.immediate(batch, isolated);
    return isolated;
  }

  /** The number of oldest queued writes whose costs fit in one batch (at least one). */
  function nextBatchSize(): number {
    let cost = queue[0].cost;
    let size = 1;
    while (size < queue.length && cost + queue[size].cost <= maxBatchCost) cost += queue[size++].cost;
    return size;
  }

  /** Commits the oldest queued writes, as many as fit in one batch, and settles their promises. */
  function commitNext(): void {
    const size = nextBatchSize();
    const batch = size < queue.length ? queue.splice(0, size) : queue;
    if (batch === queue) queue = [];
    let outcomes: Outcome[];
    try {
      outcomes = commitBatch(batch);
    } catch (commitError) {
      // The batch did not commit: none of it is durable, so none of it is acknowledged.
      options.onRollback?.(commitError);
      for (const write of batch) write.reject(commitError);
      return;
    }
    for (const [ok, value] of outcomes) if (!ok) options.onRollback?.(value);
    batch.forEach((write, i) => {
      const [ok, value] = outcomes[i];
      if (ok) write.resolve(value);
      else write.reject(value);
    });
  }

  /**
   * One batch per turn of the event loop, so a batch's replies go out before the next batch runs.
   * In the write thread that is what keeps the pipeline full: callers answered early send their
   * next request while the following batch commits (see writeOpCost in collector/write-ops.ts).
   */
  function commitScheduled(): void {
    scheduled = false;
    if (queue.length > 0) commitNext();
    schedule();
  }

  function schedule(): void {
    if (!scheduled && queue.length > 0) {
      scheduled = true;
      setImmediate(commitScheduled);
    }
  }

  /** Commits everything queued now, synchronously (shutdown). */
  function flush(): void {
    while (queue.length > 0) commitNext();
  }

  return {
    run<T>(op: () => T, cost = 1): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ op, cost, resolve: resolve as (v: unknown) => void, reject });
        schedule();
      });
    },
    flush,
  };
}
