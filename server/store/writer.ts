import { runWriteOp, writeOpCost, type WriteOpArgs, type WriteOpName, type WriteOpResult } from '../collector/write-ops.js';
import type { CollectorContext } from '../collector/context.js';
import { ApiError } from '../domain/errors.js';
import { createWriteQueue } from '../write-queue.js';

/**
 * Where the API's writes run. Two implementations with one contract — the promise settles only
 * after the write's transaction has committed:
 *  - createLocalWriter: on the calling thread, through a write queue (tests, `:memory:`, and
 *    inside the write thread itself);
 *  - createThreadWriter (thread-writer.ts): in a worker thread that owns the write connection,
 *    so SQLite's work runs on the second core while this thread parses and answers HTTP.
 */
export interface Writer {
  run<K extends WriteOpName>(name: K, args: WriteOpArgs<K>): Promise<WriteOpResult<K>>;
  /** Commits what is queued and releases the writer (the thread writer then refuses new runs). */
  close(): Promise<void>;
}

export function createLocalWriter(ctx: CollectorContext): Writer {
  const queue = createWriteQueue(ctx.store.db, {
    // Collector steps throw ApiError (404, 400 …) only before they write anything, so those
    // leave no trace to forget; anything else may have been read into a cache and rolled back.
    onRollback: (error) => {
      if (!(error instanceof ApiError)) ctx.store.forgetCachedReads();
    },
  });
  return {
    run: (name, args) => queue.run(() => runWriteOp(ctx, name, args), writeOpCost(name)),
    async close() {
      queue.flush();
    },
  };
}
