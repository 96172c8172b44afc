import { parseRetrySchedule } from './outbound/delivery-loop.js';

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

/** The outbound-webhook settings from the environment; a bad value names the setting. */
export function parseWebhookSettings(env: NodeJS.ProcessEnv): WebhookSettings {
  const allow = env.REFROCKET_ALLOW_PRIVATE_WEBHOOKS ?? '0';
  if (allow !== '0' && allow !== '1') throw new ConfigError(`REFROCKET_ALLOW_PRIVATE_WEBHOOKS must be 0 or 1, got "${allow}"`);
  const settings: WebhookSettings = { allowPrivate: allow === '1' };
  if (env.REFROCKET_WEBHOOK_RETRY_SCHEDULE) {
    try {
      settings.retryScheduleMs = parseRetrySchedule(env.REFROCKET_WEBHOOK_RETRY_SCHEDULE);
    } catch (error) {
      throw new ConfigError((error as Error).message);
    }
  }
  if (env.REFROCKET_WEBHOOK_TIMEOUT_MS !== undefined) {
    const timeout = Number(env.REFROCKET_WEBHOOK_TIMEOUT_MS);
    if (!Number.isInteger(timeout) || timeout < 100 || timeout > 60_000) {
      throw new ConfigError(`REFROCKET_WEBHOOK_TIMEOUT_MS must be an integer from 100 to 60000, got "${env.REFROCKET_WEBHOOK_TIMEOUT_MS}"`);
    }
    settings.timeoutMs = timeout;
  }
  return settings;
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
  requestTimeout?: string;
  connectionTimeout?: string;
  maxConnectionsPerIp?: string;
  heavyReads?: string;
}

/** A whole number within [min, max], or the ConfigError naming the setting. */
function parseCount(value: string, setting: string, min: number, max: number, unit: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${setting} must be a whole number of ${unit} from ${min} to ${max}, got "${value}"`);
  }
  return n;
}

/** The flag's name when the flag was given, else the environment variable's. */
const settingName = (flag: string | undefined, flagName: string, envName: string) => (flag !== undefined ? flagName : envName);

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
  const requestTimeout = flags.requestTimeout ?? env.REFROCKET_REQUEST_TIMEOUT ?? '30';
  const connectionTimeout = flags.connectionTimeout ?? env.REFROCKET_CONNECTION_TIMEOUT ?? '60';
  const maxConnectionsPerIp = flags.maxConnectionsPerIp ?? env.REFROCKET_MAX_CONNECTIONS_PER_IP ?? '100';
  const heavyReads = flags.heavyReads ?? env.REFROCKET_HEAVY_READS ?? '4';
  return {
    requestTimeoutMs: 1000 * parseCount(requestTimeout,
      settingName(flags.requestTimeout, '--request-timeout', 'REFROCKET_REQUEST_TIMEOUT'), 1, 3600, 'seconds'),
    connectionTimeoutMs: 1000 * parseCount(connectionTimeout,
      settingName(flags.connectionTimeout, '--connection-timeout', 'REFROCKET_CONNECTION_TIMEOUT'), 1, 3600, 'seconds'),
    maxConnectionsPerIp: parseCount(maxConnectionsPerIp,
      settingName(flags.maxConnectionsPerIp, '--max-connections-per-ip', 'REFROCKET_MAX_CONNECTIONS_PER_IP'), 0, 1_000_000, 'connections'),
    heavyReadsPerClient: parseCount(heavyReads,
      settingName(flags.heavyReads, '--heavy-reads', 'REFROCKET_HEAVY_READS'), 1, 1000, 'requests'),
    port: parsePort(port, flags.port !== undefined ? '--port' : 'PORT'),
    host: flags.host ?? env.HOST ?? '0.0.0.0',
    db: flags.db ?? env.REFROCKET_DB ?? './refrocket.db',
    rateLimit: parseRateLimit(rateLimit, flags.rateLimit !== undefined ? '--rate-limit' : 'REFROCKET_RATE_LIMIT'),
    trustProxy,
    synchronous: durability === 'full' ? 'FULL' : 'NORMAL',
    logLevel,
    writeThread: writeThread === 'on',
    webhooks: parseWebhookSettings(env),
  };
}
