import type { TrackResult } from '../server/wire.js';

export type Result = TrackResult | Record<string, unknown>;

/** A settled `{success: false, error}`; `error` is an Error's message or the string given. */
export const failure = (error: unknown): Promise<TrackResult> =>
  Promise.resolve({ success: false, error: '' + ((error as Error).message || error) });

/**
 * POSTs `body` as a `text/plain` JSON string (a CORS "simple" request: no preflight) with
 * `fetch(…, {keepalive: true})`, so it survives the page navigating away, and resolves with the
 * collector's JSON answer, or `{success: false, error}` when the network or the answer fails.
 * Where fetch is missing or refuses the request synchronously (e.g. the keepalive quota is used
 * up), falls back to `navigator.sendBeacon`, which gives no answer: `{success: true}` once queued.
 * `read` turns the response into the result (default: its JSON). Throws only when neither exists;
 * callers guard.
 */
export function send(url: string, body: object, read = (response: Response): Promise<Result> | unknown => response.json()): Promise<Result> {
  const data = JSON.stringify(body);
  try {
    return fetch(url, { method: 'POST', body: data, keepalive: true })
      .then(read)
      .catch(failure) as Promise<Result>;
  } catch {
    return navigator.sendBeacon(url, data) ? Promise.resolve({ success: true }) : failure('beacon refused');
  }
}
