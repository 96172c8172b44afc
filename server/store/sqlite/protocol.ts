import { ApiError } from '../../domain/errors.js';

/** Main thread → write thread. */
export type ToWriter =
  | { type: 'ops'; ops: Array<[id: number, name: string, args: unknown]> }
  | { type: 'close' };

/** Write thread → main thread. */
export type FromWriter =
  | {
      type: 'done';
      results: Array<[id: number, ok: boolean, value: unknown]>;
      /** Whether the batch changed anything a ranking is computed from (see ChangeCounter). */
      rankingsChanged: boolean;
      /** Whether it changed a contest (the main thread's cached contests must be read again). */
      contestsChanged: boolean;
      /** The batches this message answers: [writes, transaction ms] each (metrics). */
      batches: Array<[size: number, ms: number]>;
    }
  | { type: 'closed' };

export interface WireError {
  statusCode?: number;
  name: string;
  message: string;
  code?: string;
  stack?: string;
}

/** Errors cross the thread boundary as plain data; an ApiError keeps its status and message. */
export function errorToWire(error: unknown): WireError {
  if (error instanceof ApiError) return { statusCode: error.statusCode, name: error.name, message: error.message };
  const e = error instanceof Error ? error : new Error(String(error));
  return { name: e.name, message: e.message, code: (e as { code?: string }).code, stack: e.stack };
}

export function errorFromWire(wire: WireError): Error {
  if (wire.statusCode !== undefined) return new ApiError(wire.statusCode, wire.message);
  const error = new Error(wire.message) as Error & { code?: string };
  error.name = wire.name;
  if (wire.code) error.code = wire.code;
  if (wire.stack) error.stack = `${wire.stack}\n    (in the write thread)`;
  return error;
}
