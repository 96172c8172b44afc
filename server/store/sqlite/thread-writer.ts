import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { restoreHeapLimits } from '../../heap-limits.js';
import type { Writer } from '../writer.js';
import { errorFromWire, type FromWriter, type ToWriter, type WireError } from './protocol.js';
import type { WriterWorkerData } from './worker.js';

declare const __dirname: string | undefined;

/** dist/<name>: beside the running bundle, or as built from the sources (tests). */
export function distFile(name: string): string {
  if (typeof __dirname === 'string' && existsSync(join(__dirname, name))) return join(__dirname, name);
  return fileURLToPath(new URL(`../../../dist/${name}`, import.meta.url));
}

export interface ThreadWriterOptions extends WriterWorkerData {
  workerFile?: string;
  /**
   * Called after a batch committed, before its callers are answered: the main thread's cached
   * reads (rankings, contests) must not outlive what the write thread changed.
   */
  onCommitted: (change: { rankings: boolean; contests: boolean }) => void;
  /** The write thread died: no write can be acknowledged any more. */
  onFatal: (error: Error) => void;
  onBatch?: (size: number, ms: number) => void;
}

/**
 * Each worker is a V8 isolate of its own; left to defaults, their young generations alone add
 * tens of MB of RSS. Writes allocate little and briefly, so a small nursery costs nothing (4 and
 * 8 MB measured the same on the signup load); the checkpointer allocates next to nothing.
 */
const writerLimits = { maxYoungGenerationSizeMb: 4 };
const checkpointerLimits = { maxYoungGenerationSizeMb: 1 };

interface Pending {
  resolve: (value: never) => void;
  reject: (error: unknown) => void;
}

/**
 * Runs the API's writes in a worker thread that owns the write connection (store/sqlite/worker.ts).
 * Requests that arrive in one turn of the event loop travel in one message, and come back in one
 * message per committed batch, so the thread hop costs a structured clone per batch, not per
 * write. The main thread keeps its own connection for reads (WAL: readers never wait for the
 * writer) and answers a write's request only once the write thread reports its COMMIT. A second
 * thread checkpoints the WAL, so that I/O does not stall the writer either.
 */
export function createThreadWriter(options: ThreadWriterOptions): Writer {
  const workerData: WriterWorkerData = { dbPath: options.dbPath, synchronous: options.synchronous };
  /**
   * A worker of this writer. Creating its isolate puts V8's heap growth factor back to its
   * default until the worker is online (heap-limits.ts): restored then, or when it exits first.
   */
  const spawn = (file: string, resourceLimits: ResourceLimits) => {
    const thread = new Worker(file, { workerData, resourceLimits });
    thread.once('online', restoreHeapLimits);
    thread.once('exit', restoreHeapLimits);
    return thread;
  };
  // Started by start() (buildApp calls it once the app is ready) or by the first write, not
  // earlier: during that window the main thread's own start-up would grow its young generation
  // for good.
  let worker: Worker | undefined;
  // Started once the write thread is online, for the same reason: both boot after start-up and
  // one after the other, never in the middle of a burst of requests.
  let checkpointer: Worker | undefined;
  const startCheckpointer = () => {
    checkpointer = spawn(distFile('checkpointer.cjs'), checkpointerLimits);
    // Losing the checkpointer loses no data: the writer's connection then checkpoints by itself
    // once the WAL reaches its backstop (worker.ts).
    checkpointer.on('error', () => {});
  };
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let outbox: ToWriter & { type: 'ops' } = { type: 'ops', ops: [] };
  let sendScheduled = false;
  let dead: Error | undefined;
  let closing: Promise<void> | undefined;

  const failAll = (error: Error) => {
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  const die = (error: Error) => {
    if (dead) return;
    dead = error;
    failAll(error);
    if (!closing) options.onFatal(error);
  };

  const onMessage = (message: FromWriter) => {
    if (message.type !== 'done') return;
    options.onCommitted({ rankings: message.rankingsChanged, contests: message.contestsChanged });
    if (options.onBatch) for (const [size, ms] of message.batches) options.onBatch(size, ms);
    for (const [id, ok, value] of message.results) {
      const p = pending.get(id);
      if (!p) continue;
      pending.delete(id);
      if (ok) p.resolve(value as never);
      else p.reject(errorFromWire(value as WireError));
    }
  };

  function ensureWorker(): Worker | undefined {
    if (worker || dead) return worker;
    try {
      worker = spawn(options.workerFile ?? distFile('write-worker.cjs'), writerLimits);
    } catch (error) {
      die(error as Error);
      return undefined;
    }
    worker.on('message', onMessage);
    worker.once('online', () => {
      if (!closing) startCheckpointer();
    });
    worker.on('error', (error) => die(error));
    worker.on('exit', (code) => die(new Error(`the write thread exited (code ${code})`)));
    return worker;
  }

  function send(): void {
    sendScheduled = false;
    if (outbox.ops.length === 0) return;
    ensureWorker()?.postMessage(outbox); // without a worker, die() has failed these writes
    outbox = { type: 'ops', ops: [] };
  }

  return {
    start() {
      if (!closing) ensureWorker();
    },
    run(name, args) {
      if (dead) return Promise.reject(dead);
      if (closing) return Promise.reject(new Error('the writer is closed'));
      return new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve: resolve as Pending['resolve'], reject });
        outbox.ops.push([id, name, args]);
        // After this turn's other requests (same batching point as the write queue).
        if (!sendScheduled) {
          sendScheduled = true;
          setImmediate(send);
        }
      });
    },
    close() {
      const stop = (w: Worker) =>
        new Promise<void>((resolve) => {
          if (w.threadId === -1) return resolve(); // already gone (the checkpointer may die alone)
          w.once('exit', () => resolve());
          w.postMessage({ type: 'close' } satisfies ToWriter);
        });
      closing ??= (async () => {
        if (!dead) {
          send();
          if (worker) await stop(worker);
        }
        if (checkpointer) await stop(checkpointer);
      })();
      return closing;
    },
  };
}
