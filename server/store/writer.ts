import { ApiError } from '../domain/errors.js';
import type { Repositories, Store } from './repositories.js';
import { createWriteQueue, type BatchObserver, type WriteQueueOptions } from './write-queue.js';

/**
 * Where the API's writes run. Every implementation keeps one contract: the promise settles only
 * after the write's transaction has committed. Writes are named operations with plain-data
 * arguments (server/collector/write-ops.ts), so a write thread can run them too.
 */
export interface Writer {
  run(name: string, args: unknown): Promise<unknown>;
  /** Boots what the writer needs once the app is ready (the SQLite write thread); optional. */
  start(): void;
  /** Commits what is queued and releases the writer (a thread writer then refuses new runs). */
  close(): Promise<void>;
}

/** What Store.openWriter reports: a fatal writer, and each batch's size and commit time (metrics). */
export interface WriterEvents {
  onFatal(error: Error): void;
  onBatch?: BatchObserver;
}

/** How a writer runs a named operation: supplied by the rules' layer, so the store imports no rule. */
export interface WriteOpRunner {
  run(tx: Repositories, name: string, args: unknown): Promise<unknown>;
  /** Roughly how many simple inserts the operation is worth (closes batches by cost). */
  cost(name: string): number;
}

/**
 * A group-commit writer on the calling thread (tests, `:memory:`, PostgreSQL, and inside the
 * SQLite write thread itself).
 */
export function createLocalWriter(
  store: Store,
  runner: WriteOpRunner,
  options: Pick<WriteQueueOptions, 'maxConcurrentBatches' | 'onBatch'> = {},
): Writer {
  const queue = createWriteQueue(store, {
    ...options,
    // Collector steps throw 4xx ApiErrors only before they write anything, so those leave no
    // trace to forget; anything else may have been read into a cache and rolled back.
    onRollback: (error) => {
      if (!(error instanceof ApiError && error.statusCode < 500)) store.forgetCachedReads();
    },
  });
  return {
    run: (name, args) => queue.run((tx) => runner.run(tx, name, args), runner.cost(name)),
    start() {},
    close: () => queue.flush(),
  };
}
