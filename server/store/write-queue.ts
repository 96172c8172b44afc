import { ReplayBatch, type Outcome, type Store, type TransactionalOp } from './repositories.js';

interface PendingWrite {
  op: TransactionalOp;
  cost: number;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export interface WriteQueue {
  /**
   * Runs op inside a transaction and resolves once that transaction has committed. `cost` is
   * roughly how many simple inserts the write is worth (default 1); see maxBatchCost.
   */
  run(op: TransactionalOp, cost?: number): Promise<unknown>;
  /** Commits whatever is queued now and waits for batches in flight (shutdown). */
  flush(): Promise<void>;
}

export interface WriteQueueOptions {
  /** A batch closes once its writes' costs add up to this (it always takes at least one). */
  maxBatchCost?: number;
  /**
   * Batches committing at once. 1 on SQLite (one writer by design). More on PostgreSQL, where a
   * batch waits on round trips and its commit's fsync: the next batch runs meanwhile, and the
   * database's unique keys and row locks keep concurrent batches correct.
   */
  maxConcurrentBatches?: number;
  /** Called when a write failed (its changes rolled back) or a whole batch did not commit. */
  onRollback?: (error: unknown) => void;
  /** Called after each batch settled: how many writes, and how long its transaction took (ms). */
  onBatch?: BatchObserver;
}

export type BatchObserver = (size: number, ms: number) => void;

/**
 * Group commit, on either engine. Writes that arrive in the same turn of the event loop run one
 * after another in ONE transaction (Store.runBatch), and their promises settle only after the
 * COMMIT. So:
 *  - every acknowledged write is committed before its reply is sent (nothing is buffered);
 *  - a failing write leaves no trace, and the others in its batch still commit;
 *  - the per-transaction cost (WAL append, locking, fsync) is paid once per batch, not per request.
 *
 * A batch first runs without a savepoint per write (they cost about an eighth of a signup's
 * database time on SQLite, and a round trip each on PostgreSQL). A write that fails having changed
 * nothing needs no undo; one that fails after changing rows makes the engine throw ReplayBatch,
 * and the batch runs again with a savepoint per write. No write of it was acknowledged, so
 * running it again is safe.
 */
export function createWriteQueue(store: Pick<Store, 'runBatch'>, options: WriteQueueOptions = {}): WriteQueue {
  const maxBatchCost = options.maxBatchCost ?? 64;
  const maxConcurrent = options.maxConcurrentBatches ?? 1;
  let queue: PendingWrite[] = [];
  let inFlight = 0;
  let scheduled = false;
  const idle: Array<() => void> = [];

  async function commitBatch(batch: PendingWrite[]): Promise<void> {
    const ops = batch.map((write) => write.op);
    let outcomes: Outcome[];
    const started = performance.now();
    try {
      try {
        outcomes = await store.runBatch(ops, false);
      } catch (error) {
        if (!(error instanceof ReplayBatch)) throw error;
        // Rows a rolled-back write read or wrote may sit in caches: let the owner forget them.
        options.onRollback?.(error);
        outcomes = await store.runBatch(ops, true);
      }
    } catch (commitError) {
      // The batch did not commit: none of it is durable, so none of it is acknowledged.
      options.onBatch?.(batch.length, performance.now() - started);
      options.onRollback?.(commitError);
      for (const write of batch) write.reject(commitError);
      return;
    }
    options.onBatch?.(batch.length, performance.now() - started);
    for (const [ok, value] of outcomes) if (!ok) options.onRollback?.(value);
    batch.forEach((write, i) => {
      const [ok, value] = outcomes[i];
      if (ok) write.resolve(value);
      else write.reject(value);
    });
  }

  /** The oldest queued writes whose costs fit in one batch (at least one). */
  function takeBatch(): PendingWrite[] {
    let cost = queue[0].cost;
    let size = 1;
    while (size < queue.length && cost + queue[size].cost <= maxBatchCost) cost += queue[size++].cost;
    if (size === queue.length) {
      const batch = queue;
      queue = [];
      return batch;
    }
    return queue.splice(0, size);
  }

  /**
   * One batch per turn of the event loop, so a batch's replies go out before the next batch
   * starts: callers answered early send their next request while the following batch commits.
   */
  function startScheduled(): void {
    scheduled = false;
    if (queue.length === 0 || inFlight >= maxConcurrent) return;
    inFlight++;
    void commitBatch(takeBatch()).finally(() => {
      inFlight--;
      if (queue.length === 0 && inFlight === 0) for (const wake of idle.splice(0)) wake();
      schedule();
    });
    schedule();
  }

  function schedule(): void {
    if (!scheduled && queue.length > 0 && inFlight < maxConcurrent) {
      scheduled = true;
      setImmediate(startScheduled);
    }
  }

  return {
    run(op, cost = 1) {
      return new Promise((resolve, reject) => {
        queue.push({ op, cost, resolve, reject });
        schedule();
      });
    },
    flush() {
      if (queue.length === 0 && inFlight === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idle.push(resolve));
    },
  };
}
