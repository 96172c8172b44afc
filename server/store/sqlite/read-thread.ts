import { Worker } from 'node:worker_threads';
import { restoreHeapLimits } from '../../heap-limits.js';
import type { EntriesRepo } from '../repositories.js';
import { distFile } from './thread-writer.js';

type ListArgs = Parameters<EntriesRepo['list']>;
type ListResult = Awaited<ReturnType<EntriesRepo['list']>>;

export interface ReadRequest {
  id: number;
  contestId: ListArgs[0];
  opts: ListArgs[1];
}
export type ReadReply = { id: number; ok: true; value: ListResult } | { id: number; ok: false; message: string };

/**
 * Entry lists and searches of a SQLite file, answered by a worker thread with its own read-only
 * connection (read-worker.ts): the only reads whose cost grows with the contest, so they run off
 * the HTTP thread. Started on first use (as the write thread, after start-up); one at a time
 * there, and the heavy-read cap (plugins/heavy-reads.ts) bounds how many wait.
 */
export function createReadThread(dbPath: string) {
  let worker: Worker | undefined;
  const pending = new Map<number, { resolve(value: ListResult): void; reject(error: Error): void }>();
  let nextId = 1;

  function start(): Worker {
    const thread = new Worker(distFile('read-worker.cjs'), { workerData: { dbPath }, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    thread.once('online', restoreHeapLimits);
    thread.once('exit', restoreHeapLimits);
    thread.on('message', (reply: ReadReply) => {
      const waiting = pending.get(reply.id);
      pending.delete(reply.id);
      if (reply.ok) waiting?.resolve(reply.value);
      else waiting?.reject(new Error(reply.message));
    });
    // A dead read thread fails what it held; the next list starts a new one.
    const fail = (error: Error) => {
      if (worker === thread) worker = undefined;
      for (const waiting of pending.values()) waiting.reject(error);
      pending.clear();
    };
    thread.on('error', fail);
    thread.on('exit', () => fail(new Error('the read thread exited')));
    // An idle read thread must not keep the process alive.
    thread.unref();
    return thread;
  }

  return {
    list(...[contestId, opts]: ListArgs): Promise<ListResult> {
      worker ??= start();
      const id = nextId++;
      return new Promise<ListResult>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker!.postMessage({ id, contestId, opts } satisfies ReadRequest);
      });
    },
    async close(): Promise<void> {
      const thread = worker;
      worker = undefined;
      await thread?.terminate();
    },
  };
}
