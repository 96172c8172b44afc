import { z } from 'zod';

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
}

export class ConfigError extends Error {}

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
});

type Key = keyof z.input<typeof configSchema>;

/** Where each setting comes from: [flag, environment variable, default]. */
const sources: Record<Key, [flag: string | null, env: string, fallback: string | undefined]> = {
  port: ['--port', 'PORT', '3000'],
  host: ['--host', 'HOST', '0.0.0.0'],
  db: ['--db', 'REFROCKET_DB', './refrocket.db'],
  rateLimit: ['--rate-limit', 'REFROCKET_RATE_LIMIT', '100'],
  trustProxy: ['--trust-proxy', 'REFROCKET_TRUST_PROXY', 'false'],
  durability: ['--durability', 'REFROCKET_DURABILITY', 'normal'],
  logLevel: ['--log-level', 'LOG_LEVEL', 'info'],
  writeThread: [null, 'REFROCKET_WRITE_THREAD', 'on'],
  metrics: ['--metrics', 'REFROCKET_METRICS', 'off'],
  metricsPort: ['--metrics-port', 'REFROCKET_METRICS_PORT', undefined],
  shutdownTimeout: ['--shutdown-timeout', 'REFROCKET_SHUTDOWN_TIMEOUT_MS', '10000'],
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
  };
}
