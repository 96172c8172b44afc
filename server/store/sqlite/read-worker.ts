// Entry of the read thread (bundled to dist/read-worker.cjs; see read-thread.ts). It answers the
// entry lists and searches of a SQLite file on a read-only connection of its own, so a search
// that matches most of a contest (sorting and counting every match) keeps this thread busy, not
// the one answering HTTP.
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../../db/sqlite/open-database.js';
import { ChangeCounter } from '../changes.js';
import { createEntriesRepo } from './entries.js';
import type { ReadReply, ReadRequest } from './read-thread.js';

const port = parentPort;
if (!port) throw new Error('read-worker runs only as a worker thread');
const { dbPath } = workerData as { dbPath: string };
const entries = createEntriesRepo(openDatabase(dbPath, { readonly: true }), new ChangeCounter());

port.on('message', async ({ id, contestId, opts }: ReadRequest) => {
  try {
    port.postMessage({ id, ok: true, value: await entries.list(contestId, opts) } satisfies ReadReply);
  } catch (error) {
    port.postMessage({ id, ok: false, message: (error as Error).message } satisfies ReadReply);
  }
});
