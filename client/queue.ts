/**
 * The pre-load queue. The documented stub defines `RocketTracker.q` and methods that push
 * `[method, arguments, resolve]` and return a Promise; once the script loads, each queued call runs
 * in order and its Promise settles with the real call's result.
 */
import { failure } from './transport.js';

export type QueuedCall = [method: string, args: ArrayLike<unknown>, resolve?: (value: unknown) => void];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Api = Record<string, (...args: any[]) => unknown>;

export function drain(queue: QueuedCall[] | undefined, api: Api): void {
  for (const [method, args, resolve] of queue || []) {
    let result: unknown;
    try {
      result = api[method].apply(api, args as unknown[]);
    } catch (error) {
      result = failure(error);
    }
    if (resolve) resolve(result);
  }
}
