import { z } from 'zod';
import { parseRetrySchedule } from './outbound/delivery-loop.js';

/**
 * Server settings, parsed once at start-up from CLI flags and environment variables (flags win)
 * by one zod schema (`configSchema`). A bad value stops start-up with a message naming the
 * setting as it was given: the flag, or the environment variable.
 */
export interface ServerConfig {
  port: number;
  host: string;
  /** A SQLite file path, or a postgres:// URL (see store/open-store.ts). */
  db: string;
  /** Requests per minute per client IP on public routes; false disables per-IP limits. */
  rateLimit: number | false;
  /** false, a hop count, or proxy addresses/CIDRs (comma-separated). */
  trustProxy: false | number | string;
  synchronous: 'NORMAL' | 'FULL';
  logLevel: string;
  /** Run writes in a worker thread (default; see server/writer/). */
  writeThread: boolean;
  /** Prometheus metrics: GET /metrics on the main port for a private key. */
  metrics: boolean;
  /** Also serve /metrics without a key on this loopback port (implies metrics). */
  metricsPort: number | undefined;
  /** How long a graceful shutdown may take before the process exits anyway (ms). */
  shutdownTimeoutMs: number;
  /** A request (headers and body) must arrive within this many ms, or it is answered 408 and closed. */
  requestTimeoutMs: number;
  /** A connection with no traffic for this many ms is closed. */
  connectionTimeoutMs: number;
  /** Open connections one client address may hold; 0: no cap. */
  maxConnectionsPerIp: number;
  /** Concurrent heavy reads (entry lists and searches) per API key and per client IP. */
  heavyReadsPerClient: number;
  /** Outbound webhooks (server/outbound/). */
  webhooks: WebhookSettings;
}

export interface WebhookSettings {
  /** REFROCKET_ALLOW_PRIVATE_WEBHOOKS=1: endpoints may be loopback or private addresses. */
  allowPrivate: boolean;
  /** REFROCKET_WEBHOOK_RETRY_SCHEDULE, e.g. `1s,2s,4s`; default about 5s,5m,30m,2h,5h,10h,10h. */
  retryScheduleMs?: number[];
  /** REFROCKET_WEBHOOK_TIMEOUT_MS: per attempt (default 10000). */
  timeoutMs?: number;
}

export class ConfigError extends Error {}

/**
 * Requests per minute per client IP by default: 25 a second. A backend that sends every user's
 * signup from its own IP with no key (the hosted docs' Express and Flask examples) gets through at
 * 20 signups a second sustained; fake signups are the fraud checks' business, not this limit's.
 */
export const DEFAULT_RATE_LIMIT = 1500;

export interface RawServerSettings {
  port?: string;
  host?: string;
  db?: string;
  rateLimit?: string;
  trustProxy?: boolean | string;
  durability?: string;
  logLevel?: string;
  metrics?: boolean | string;
  metricsPort?: string;
  shutdownTimeout?: string;
  requestTimeout?: string;
  connectionTimeout?: string;
  maxConnectionsPerIp?: string;
  heavyReads?: string;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const portNumber = z
  .string()
  .refine((v) => /^\d+$/.test(v) && Number(v) <= 65535, { error: 'must be a port number (0-65535)' })
  .transform(Number);

/** `1`/`true`/`on` and `0`/`false`/`off` (any case); a bare flag arrives as true. */
const onOff = z.preprocess(
  (v) => (typeof v === 'boolean' ? String(v) : v),
  z
    .string()
    .toLowerCase()
    .refine((v) => ['1', 'true', 'on', '0', 'false', 'off', ''].includes(v), { error: 'must be "on" or "off"' })
    .transform((v) => ['1', 'true', 'on'].includes(v)),
);

/**
 * `--trust-proxy` alone means one hop: the proxy in front appends the client address, and
 * whatever the client itself wrote into X-Forwarded-For is ignored. A number is a hop count;
 * anything else is a list of proxy addresses or CIDRs (e.g. "127.0.0.1,10.0.0.0/8").
 */
const trustProxy = z.union([z.boolean(), z.string()]).transform((value): false | number | string => {
  if (value === false || value === '' || value === 'false' || value === '0') return false;
  if (value === true || value === 'true') return 1;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
});

/** A whole number within [min, max] of `unit`. */
const count = (min: number, max: number, unit: string) =>
  z
    .string()
    .refine((v) => /^\d+$/.test(v.trim()) && Number(v) >= min && Number(v) <= max, {
      error: `must be a whole number of ${unit} from ${min} to ${max}`,
    })
    .transform(Number);

/** Every setting, its flag, its environment variable and its default, in one schema. */
export const configSchema = z.object({
  port: portNumber,
  host: z.string().min(1, { error: 'must not be empty' }),
  db: z.string().min(1, { error: 'must not be empty' }),
  rateLimit: z.string().transform((value, ctx) => {
    if (value === 'off') return false as const;
    if (/^\d+$/.test(value) && Number(value) >= 1) return Number(value);
    ctx.addIssue({ code: 'custom', message: 'must be a positive integer (requests per minute) or "off"' });
    return z.NEVER;
  }),
  trustProxy,
  durability: z
    .string()
    .toLowerCase()
    .pipe(z.enum(['normal', 'full'], { error: 'must be "normal" or "full"' })),
  logLevel: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }),
  writeThread: z
    .string()
    .toLowerCase()
    .pipe(z.enum(['on', 'off'], { error: 'must be "on" or "off"' })),
  metrics: onOff,
  metricsPort: portNumber.optional(),
  shutdownTimeout: z
    .string()
    .refine((v) => /^\d+$/.test(v) && Number(v) >= 1, { error: 'must be a positive number of milliseconds' })
    .transform(Number),
  requestTimeout: count(1, 3600, 'seconds'),
  connectionTimeout: count(1, 3600, 'seconds'),
  maxConnectionsPerIp: count(0, 1_000_000, 'connections'),
  heavyReads: count(1, 1000, 'requests'),
  allowPrivateWebhooks: z.enum(['0', '1'], { error: 'must be 0 or 1' }).transform((v) => v === '1'),
  webhookRetrySchedule: z
    .string()
    .transform((value, ctx) => {
      try {
        return parseRetrySchedule(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message.replace(/^REFROCKET_WEBHOOK_RETRY_SCHEDULE: /, '') });
        return z.NEVER;
      }
    })
    .optional(),
  webhookTimeoutMs: z
    .string()
    .refine((v) => /^\d+$/.test(v) && Number(v) >= 100 && Number(v) <= 60_000, { error: 'must be an integer from 100 to 60000' })
    .transform(Number)
    .optional(),
});

type Key = keyof z.input<typeof configSchema>;

/** Where each setting comes from: [flag, environment variable, default]. */
const sources: Record<Key, [flag: string | null, env: string, fallback: string | undefined]> = {
  port: ['--port', 'PORT', '3000'],
  host: ['--host', 'HOST', '0.0.0.0'],
  db: ['--db', 'REFROCKET_DB', './refrocket.db'],
  rateLimit: ['--rate-limit', 'REFROCKET_RATE_LIMIT', String(DEFAULT_RATE_LIMIT)],
  trustProxy: ['--trust-proxy', 'REFROCKET_TRUST_PROXY', 'false'],
  durability: ['--durability', 'REFROCKET_DURABILITY', 'normal'],
  logLevel: ['--log-level', 'LOG_LEVEL', 'info'],
  writeThread: [null, 'REFROCKET_WRITE_THREAD', 'on'],
  metrics: ['--metrics', 'REFROCKET_METRICS', 'off'],
  metricsPort: ['--metrics-port', 'REFROCKET_METRICS_PORT', undefined],
  shutdownTimeout: ['--shutdown-timeout', 'REFROCKET_SHUTDOWN_TIMEOUT_MS', '10000'],
  requestTimeout: ['--request-timeout', 'REFROCKET_REQUEST_TIMEOUT', '30'],
  connectionTimeout: ['--connection-timeout', 'REFROCKET_CONNECTION_TIMEOUT', '60'],
  maxConnectionsPerIp: ['--max-connections-per-ip', 'REFROCKET_MAX_CONNECTIONS_PER_IP', '100'],
  heavyReads: ['--heavy-reads', 'REFROCKET_HEAVY_READS', '4'],
  allowPrivateWebhooks: [null, 'REFROCKET_ALLOW_PRIVATE_WEBHOOKS', '0'],
  webhookRetrySchedule: [null, 'REFROCKET_WEBHOOK_RETRY_SCHEDULE', undefined],
  webhookTimeoutMs: [null, 'REFROCKET_WEBHOOK_TIMEOUT_MS', undefined],
};

export function parseServerConfig(flags: RawServerSettings, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const raw: Record<string, unknown> = {};
  const givenAs: Record<string, string> = {};
  for (const [key, [flag, envName, fallback]] of Object.entries(sources)) {
    const fromFlag = (flags as Record<string, unknown>)[key];
    if (fromFlag !== undefined && flag) {
      raw[key] = fromFlag;
      givenAs[key] = flag;
    } else if (env[envName] !== undefined) {
      raw[key] = env[envName];
      givenAs[key] = envName;
    } else {
      raw[key] = fallback;
      givenAs[key] = flag ?? envName;
    }
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0]);
    throw new ConfigError(`${givenAs[key] ?? key} ${issue.message}, got "${String(raw[key])}"`);
  }
  const c = parsed.data;
  return {
    port: c.port,
    host: c.host,
    db: c.db,
    rateLimit: c.rateLimit,
    trustProxy: c.trustProxy,
    synchronous: c.durability === 'full' ? 'FULL' : 'NORMAL',
    logLevel: c.logLevel,
    writeThread: c.writeThread === 'on',
    metrics: c.metrics || c.metricsPort !== undefined,
    metricsPort: c.metricsPort,
    shutdownTimeoutMs: c.shutdownTimeout,
    requestTimeoutMs: 1000 * c.requestTimeout,
    connectionTimeoutMs: 1000 * c.connectionTimeout,
    maxConnectionsPerIp: c.maxConnectionsPerIp,
    heavyReadsPerClient: c.heavyReads,
    webhooks: {
      allowPrivate: c.allowPrivateWebhooks,
      ...(c.webhookRetrySchedule && { retryScheduleMs: c.webhookRetrySchedule }),
      ...(c.webhookTimeoutMs !== undefined && { timeoutMs: c.webhookTimeoutMs }),
    },
  };
}
