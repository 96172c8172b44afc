// Entry of the write thread (bundled to dist/write-worker.cjs; see thread-writer.ts). It owns the
// write connection: every API write runs here, group-committed, and its result goes back to the
// main thread only after COMMIT. As an entry point it composes the layers: the rules' named
// write operations run on this thread's SQLite store.
import { parentPort, workerData } from 'node:worker_threads';
import { writeOpRunner } from '../../collector/write-ops.js';
import { createLocalWriter } from '../writer.js';
import { errorToWire, type FromWriter, type ToWriter } from './protocol.js';
import { createSqliteStore } from './sqlite-store.js';

export interface WriterWorkerData {
  dbPath: string;
  synchronous?: 'NORMAL' | 'FULL';
}

/**
 * WAL pages the writer's own connection lets pile up before it checkpoints by itself: a backstop
 * for when the checkpointer thread (checkpointer.ts) falls behind (SQLite's default is 1,000).
 */
const WRITER_AUTOCHECKPOINT_PAGES = 8_000;

const port = parentPort;
if (!port) throw new Error('write-worker runs only as a worker thread');
const { dbPath, synchronous } = workerData as WriterWorkerData;
runWriter();

/** The write connection: runs the queued operations, group-committed, and replies per batch. */
function runWriter(): void {
  const store = createSqliteStore(dbPath, { synchronous, walAutocheckpoint: WRITER_AUTOCHECKPOINT_PAGES });
  // The same writer as on the main thread; here it is the only one touching this connection.
  let batches: Array<[number, number]> = [];
  const writer = createLocalWriter(store, writeOpRunner(Date.now), { onBatch: (size, ms) => batches.push([size, ms]) });

  let results: Array<[number, boolean, unknown]> = [];
  let sentRankings = store.changes.version;
  let sentContests = store.contestChanges.version;
  let replyScheduled = false;

  /**
   * One reply per committed batch: the queue settles a batch's promises together, and their
   * reactions all run before this microtask, which was queued by the first of them.
   */
  function sendResults(): void {
    replyScheduled = false;
    if (results.length === 0) return;
    const message: FromWriter = {
      type: 'done',
      results,
      rankingsChanged: store.changes.version !== sentRankings,
      contestsChanged: store.contestChanges.version !== sentContests,
      batches,
    };
    batches = [];
    sentRankings = store.changes.version;
    sentContests = store.contestChanges.version;
    results = [];
    port!.postMessage(message);
  }

  function settle(id: number, ok: boolean, value: unknown): void {
    results.push([id, ok, ok ? value : errorToWire(value)]);
    if (!replyScheduled) {
      replyScheduled = true;
      queueMicrotask(sendResults);
    }
  }

  port!.on('message', (message: ToWriter) => {
    if (message.type === 'ops') {
      for (const [id, name, args] of message.ops) {
        writer.run(name, args).then(
          (value) => settle(id, true, value),
          (error) => settle(id, false, error),
        );
      }
    } else if (message.type === 'close') {
      void writer.close().then(() => {
        // Microtasks (the last results) run before this.
        setImmediate(() => {
          sendResults();
          void store.close().then(() => {
            port!.postMessage({ type: 'closed' } satisfies FromWriter);
            port!.close();
          });
        });
      });
    }
  });
}
