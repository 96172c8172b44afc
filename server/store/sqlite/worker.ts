// Entry of the write thread (bundled to dist/write-worker.cjs; see thread-writer.ts). It owns the
// write connection: every API write runs here, group-committed, and its result goes back to the
// main thread only after COMMIT.
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../db/open-database.js';
import { createStore } from '../store/store.js';
import { errorToWire, type FromWriter, type ToWriter } from './protocol.js';
import { createLocalWriter } from './writer.js';

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
  const db = openDatabase(dbPath, { synchronous });
  db.pragma(`wal_autocheckpoint = ${WRITER_AUTOCHECKPOINT_PAGES}`);
  const store = createStore(db);
  // The same writer as on the main thread; here it is the only one touching this connection.
  const writer = createLocalWriter({ store, now: Date.now });

  let results: Array<[number, boolean, unknown]> = [];
  let sentVersion = store.changes.version;
  let replyScheduled = false;

  /**
   * One reply per committed batch: the queue settles a batch's promises together, and their
   * reactions all run before this microtask, which was queued by the first of them.
   */
  function sendResults(): void {
    replyScheduled = false;
    if (results.length === 0) return;
    const message: FromWriter = { type: 'done', results, rankingsChanged: store.changes.version !== sentVersion };
    sentVersion = store.changes.version;
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
        writer.run(name, args as never).then(
          (value) => settle(id, true, value),
          (error) => settle(id, false, error),
        );
      }
    } else if (message.type === 'close') {
      void writer.close(); // commits what is queued, synchronously
      // Microtasks (the last results) run before this.
      setImmediate(() => {
        sendResults();
        db.close();
        port!.postMessage({ type: 'closed' } satisfies FromWriter);
        port!.close();
      });
    }
  });
}
