/**
 * Server settings, parsed once at start-up from CLI flags and environment variables (flags win).
 * A bad value stops start-up with a message naming the setting.
 */
export interface ServerConfig {
  port: number;
  host: string;
  dbPath: string;
  /** Requests per minute per client IP on public routes; false disables per-IP limits. */
  rateLimit: number | false;
  trustProxy: boolean;
  synchronous: 'NORMAL' | 'FULL';
  logLevel: string;
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

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function parseServerConfig(flags: RawServerSettings, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const port = flags.port ?? env.PORT ?? '3000';
  const rateLimit = flags.rateLimit ?? env.REFROCKET_RATE_LIMIT ?? '100';
  const durability = (flags.durability ?? env.REFROCKET_DURABILITY ?? 'normal').toLowerCase();
  if (durability !== 'normal' && durability !== 'full') {
    throw new ConfigError(`--durability must be "normal" or "full", got "${durability}"`);
  }
  const logLevel = flags.logLevel ?? env.LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const trustProxy = flags.trustProxy ?? env.REFROCKET_TRUST_PROXY ?? false;
  return {
    port: parsePort(port, flags.port !== undefined ? '--port' : 'PORT'),
    host: flags.host ?? env.HOST ?? '0.0.0.0',
    dbPath: flags.db ?? env.REFROCKET_DB ?? './refrocket.db',
    rateLimit: parseRateLimit(rateLimit, flags.rateLimit !== undefined ? '--rate-limit' : 'REFROCKET_RATE_LIMIT'),
    trustProxy: trustProxy === true || trustProxy === 'true' || trustProxy === '1',
    synchronous: durability === 'full' ? 'FULL' : 'NORMAL',
    logLevel,
  };
}
