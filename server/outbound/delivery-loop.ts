import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { newId } from '../domain/ids.js';
import type { Writes } from '../collector/write-ops.js';
import type { ClaimedDelivery } from '../store/repositories.js';
import { guardedLookup, isForbiddenAddress } from './ssrf.js';

/** Standard Webhooks' suggested schedule: about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const DEFAULT_RETRY_SCHEDULE_MS = [5e3, 3e5, 18e5, 72e5, 18e6, 36e6, 36e6];
/** An endpoint failing every attempt for this long is disabled. */
export const DISABLE_AFTER_MS = 5 * 24 * 3600e3;

export interface DeliveryOptions {
  /** Delays between attempts: attempt n+1 waits schedule[n] (± 20% jitter). */
  retryScheduleMs?: number[];
  /** Per-attempt timeout (default 10 s). */
  timeoutMs?: number;
  /** How often the loop looks for due deliveries (default 500 ms). */
  pollMs?: number;
  /** Reach loopback and private addresses (REFROCKET_ALLOW_PRIVATE_WEBHOOKS=1). */
  allowPrivate?: boolean;
  /** Deliveries sent at once. */
  concurrency?: number;
  /** The loop's clock (tests move it to reach the 5-day limit). */
  now?: () => number;
  onError?: (error: unknown) => void;
}

/** Parses `1s,2s,4s` / `5s,5m,30m,2h` into milliseconds; a bad value names the setting. */
export function parseRetrySchedule(value: string): number[] {
  const units: Record<string, number> = { ms: 1, s: 1e3, m: 6e4, h: 36e5, d: 864e5 };
  return value.split(',').map((part) => {
    const match = /^\s*(\d+(?:\.\d+)?)(ms|s|m|h|d)\s*$/.exec(part);
    if (!match) throw new Error(`REFROCKET_WEBHOOK_RETRY_SCHEDULE: "${part}" is not a duration like 5s, 5m or 2h`);
    return Number(match[1]) * units[match[2]];
  });
}

interface AttemptOutcome {
  responseStatus: number | null;
  error: string | null;
}

/** One POST, signed, with a timeout; redirects are answers like any other (not followed). */
function send(delivery: ClaimedDelivery, options: Required<Pick<DeliveryOptions, 'timeoutMs' | 'allowPrivate'>>, signal: AbortSignal): Promise<AttemptOutcome> {
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL(delivery.url);
    } catch {
      return resolve({ responseStatus: null, error: 'invalid url' });
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!options.allowPrivate && isIP(host) && isForbiddenAddress(host)) {
      return resolve({ responseStatus: null, error: 'forbidden address' });
    }
    const timestamp = new Date();
    const signature = new Webhook(delivery.secret).sign(delivery.eventId, timestamp, delivery.payload);
    const body = Buffer.from(delivery.payload);
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': body.length,
        'user-agent': 'refrocket-webhooks',
        'webhook-id': delivery.eventId,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': signature,
      },
      lookup: guardedLookup(options.allowPrivate),
      timeout: options.timeoutMs,
      signal,
    });
    const timer = setTimeout(() => request.destroy(new Error(`timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
    request.on('response', (response) => {
      response.resume(); // the body is not read: only the status counts
      response.on('end', () => clearTimeout(timer));
      clearTimeout(timer);
      resolve({ responseStatus: response.statusCode ?? null, error: null });
    });
    request.on('timeout', () => request.destroy(new Error(`timed out after ${options.timeoutMs} ms`)));
    request.on('error', (error) => {
      clearTimeout(timer);
      resolve({ responseStatus: null, error: error.message.slice(0, 200) });
    });
    request.end(body);
  });
}

/**
 * Sends the outbox's deliveries: polls for due ones, leases them (through the writer, so on a
 * SQLite file the lease is written by the write thread, never blocking this one), sends each, and
 * records the attempt with the next one scheduled. At least once: a delivery is marked done only
 * after a 2xx, and a collector killed mid-send leaves it leased, due again when the lease ends.
 * Runs beside the request path (its own timer), and `stop()` waits for sends in flight.
 */
export function startDeliveryLoop(writes: Writes, options: DeliveryOptions = {}) {
  const schedule = options.retryScheduleMs ?? DEFAULT_RETRY_SCHEDULE_MS;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const pollMs = options.pollMs ?? 500;
  const concurrency = options.concurrency ?? 8;
  const now = options.now ?? Date.now;
  const allowPrivate = options.allowPrivate ?? false;
  // Longer than any attempt can take, so a lease never ends while its send is still running.
  const leaseMs = timeoutMs * 2 + 1_000;
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  function nextDelay(attemptsMade: number): number | null {
    const base = schedule[attemptsMade - 1];
    if (base === undefined) return null;
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  async function deliver(delivery: ClaimedDelivery) {
    const started = now();
    const startedAt = performance.now();
    const outcome = await send(delivery, { timeoutMs, allowPrivate }, abort.signal);
    if (stopped && outcome.responseStatus === null) return; // cut off by stop(): the lease brings it back
    const succeeded = outcome.responseStatus !== null && outcome.responseStatus >= 200 && outcome.responseStatus < 300;
    const delay = succeeded ? null : nextDelay(delivery.attempts + 1);
    await writes.run('recordWebhookAttempt', {
      deliveryId: delivery.deliveryId,
      endpointId: delivery.endpointId,
      attempt: {
        id: newId('att'),
        attemptedAt: started,
        durationMs: Math.round(performance.now() - startedAt),
        responseStatus: outcome.responseStatus,
        error: outcome.error,
        nextAttemptAt: delay === null ? null : now() + delay,
      },
      succeeded,
      exhausted: !succeeded && delay === null,
      disableAfterMs: DISABLE_AFTER_MS,
    });
  }

  async function tick(): Promise<boolean> {
    const at = now();
    const due = await writes.run('claimWebhookDeliveries', { now: at, leaseUntil: at + leaseMs, limit: concurrency });
    await Promise.all(due.map((d) => deliver(d).catch((error) => options.onError?.(error))));
    return due.length === concurrency;
  }

  function schedulePoll(delay: number) {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick()
        .catch((error) => {
          options.onError?.(error);
          return false;
        })
        .then((more) => schedulePoll(more ? 0 : pollMs));
    }, delay);
  }

  schedulePoll(0);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      abort.abort();
      await running?.catch(() => undefined);
    },
  };
}

export type DeliveryLoop = ReturnType<typeof startDeliveryLoop>;
