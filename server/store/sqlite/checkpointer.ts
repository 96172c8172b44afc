// Entry of the checkpoint thread (bundled to dist/checkpointer.cjs; started by thread-writer.ts).
// Deliberately tiny — better-sqlite3 and nothing else — since it lives as long as the collector.
//
// A checkpoint copies committed pages from the WAL into the database file (and, with
// synchronous=NORMAL, fsyncs it). Done by the writer, it stalls every write batch queued behind
// it; done here, on a connection of its own, it overlaps with the writer's work (PASSIVE never
// takes the write lock). Durability does not depend on it: a commit is durable once in the WAL.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

const CHECKPOINT_EVERY_MS = 25;

const port = parentPort;
if (!port) throw new Error('checkpointer runs only as a worker thread');
const { dbPath, synchronous } = workerData as { dbPath: string; synchronous?: 'NORMAL' | 'FULL' };

const db = new Database(dbPath, { fileMustExist: true });
db.pragma(`synchronous = ${synchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);
db.pragma('busy_timeout = 5000');
db.pragma('wal_autocheckpoint = 0');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const timer = setInterval(() => checkpoint.run(), CHECKPOINT_EVERY_MS);

port.on('message', (message: { type: string }) => {
  if (message.type !== 'close') return;
  clearInterval(timer);
  db.close();
  port.close();
});
