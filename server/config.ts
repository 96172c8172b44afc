/**
 * Server settings, parsed once at start-up from CLI flags and environment variables (flags win).
 * A bad value stops start-up with a message naming the setting.
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
}

function parsePort(value: string, setting: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`${setting} must be a port number (0-65535), got "${value}"`);
  }
  return port;
}

function parseRateLimit(value: string, setting: string): number | false {
  if (value === 'off') return false;
  const perMinute = Number(value);
  if (!Number.isInteger(perMinute) || perMinute < 1) {
    throw new ConfigError(`${setting} must be a positive integer (requests per minute) or "off", got "${value}"`);
  }
  return perMinute;
}

/**
 * `--trust-proxy` alone means one hop: the proxy in front appends the client address, and
 * whatever the client itself wrote into X-Forwarded-For is ignored. A number is a hop count;
 * anything else is a list of proxy addresses or CIDRs (e.g. "127.0.0.1,10.0.0.0/8").
 */
function parseTrustProxy(value: boolean | string): false | number | string {
  if (value === false || value === '' || value === 'false' || value === '0') return false;
  if (value === true || value === 'true') return 1;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function parseServerConfig(flags: RawServerSettings, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const port = flags.port ?? env.PORT ?? '3000';
  const rateLimit = flags.rateLimit ?? env.REFROCKET_RATE_LIMIT ?? String(DEFAULT_RATE_LIMIT);
  const durability = (flags.durability ?? env.REFROCKET_DURABILITY ?? 'normal').toLowerCase();
  if (durability !== 'normal' && durability !== 'full') {
    throw new ConfigError(`--durability must be "normal" or "full", got "${durability}"`);
  }
  const logLevel = flags.logLevel ?? env.LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const trustProxy = parseTrustProxy(flags.trustProxy ?? env.REFROCKET_TRUST_PROXY ?? false);
  const writeThread = (env.REFROCKET_WRITE_THREAD ?? 'on').toLowerCase();
  if (writeThread !== 'on' && writeThread !== 'off') {
    throw new ConfigError(`REFROCKET_WRITE_THREAD must be "on" or "off", got "${writeThread}"`);
  }
  return {
    port: parsePort(port, flags.port !== undefined ? '--port' : 'PORT'),
    host: flags.host ?? env.HOST ?? '0.0.0.0',
    db: flags.db ?? env.REFROCKET_DB ?? './refrocket.db',
    rateLimit: parseRateLimit(rateLimit, flags.rateLimit !== undefined ? '--rate-limit' : 'REFROCKET_RATE_LIMIT'),
    trustProxy,
    synchronous: durability === 'full' ? 'FULL' : 'NORMAL',
    logLevel,
    writeThread: writeThread === 'on',
  };
}
