import type { Db } from './db/open-database.js';

interface PendingWrite {
  op: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export interface WriteQueue {
  /** Runs op inside a transaction and resolves once that transaction has committed. */
  run<T>(op: () => T): Promise<T>;
  /** Commits whatever is queued now (used on shutdown). */
  flush(): void;
}

/**
 * Group commit. Writes that arrive in the same turn of the event loop are run one after another
 * in ONE transaction, each inside its own savepoint, and their promises settle only after the
 * COMMIT. So:
 *  - every acknowledged write is committed before its reply is sent (nothing is buffered);
 *  - one failing write (a 404, a constraint) rolls back only its own savepoint;
 *  - the per-transaction cost (WAL append, locking) is paid once per batch, not per request.
 * Writes still run strictly one at a time, so duplicate checks inside an op cannot race.
 */
export function createWriteQueue(
  db: Db,
  options: {
    maxBatch?: number;
    /** Called when a write failed (its savepoint rolled back) or a whole batch did not commit. */
    onRollback?: (error: unknown) => void;
  } = {},
): WriteQueue {
  const maxBatch = options.maxBatch ?? 256;
  let queue: PendingWrite[] = [];
  let scheduled = false;
  const inSavepoint = db.transaction((op: () => unknown) => op());
  const runBatch = db.transaction((batch: PendingWrite[], outcomes: Array<[boolean, unknown]>) => {
    for (const write of batch) {
      try {
        outcomes.push([true, inSavepoint(write.op)]);
      } catch (error) {
        // On SQLITE_FULL, IOERR, BUSY or NOMEM SQLite may roll back the whole transaction by
        // itself. Carrying on would run the rest of the batch in autocommit; fail it all instead.
        if (!db.inTransaction) throw error;
        outcomes.push([false, error]);
      }
    }
  });

  function flush(): void {
    scheduled = false;
    while (queue.length > 0) {
      const batch = queue.length > maxBatch ? queue.splice(0, maxBatch) : queue;
      if (batch === queue) queue = [];
      const outcomes: Array<[boolean, unknown]> = [];
      try {
        runBatch(batch, outcomes);
      } catch (commitError) {
        // The batch did not commit: none of it is durable, so none of it is acknowledged.
        options.onRollback?.(commitError);
        for (const write of batch) write.reject(commitError);
        continue;
      }
      for (const [ok, value] of outcomes) if (!ok) options.onRollback?.(value);
      batch.forEach((write, i) => {
        const [ok, value] = outcomes[i];
        if (ok) write.resolve(value);
        else write.reject(value);
      });
    }
  }

  return {
    run<T>(op: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ op, resolve: resolve as (v: unknown) => void, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    flush,
  };
}
