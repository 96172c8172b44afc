import pg from 'pg';

/** Type OIDs parsed differently from pg's defaults (which return strings for both). */
const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * Row values as SQLite returns them: bigint columns (times, points, counters) and numeric results
 * (sum() of bigint) as JS numbers. Values stay far below 2^53 (epoch ms, points). Set per pool so
 * pg's global parsers, shared with any other user of the library in this process, stay untouched.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

export interface PoolOptions {
  /** Told about errors of idle clients (the server restarted, a network blip). */
  onIdleError?: (error: Error) => void;
  max?: number;
}

/** Client-side bound on any one query; the server's statement_timeout fires first. */
export const QUERY_TIMEOUT_MS = 5_000;

/**
 * A bounded pool. Requests wait at most connectionTimeoutMillis for a connection and
 * QUERY_TIMEOUT_MS for an answer, so a database that stops answering turns into quick 503s
 * instead of requests piling up behind it.
 */
export function createPool(url: string, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: 2_000,
    idleTimeoutMillis: 30_000,
    query_timeout: QUERY_TIMEOUT_MS,
    // The server cancels a statement a little before the client gives up on it, so a slow query
    // ends as an ordinary error on a connection that is still usable.
    statement_timeout: QUERY_TIMEOUT_MS - 1_000,
    // A collector that dies mid-transaction must not hold its locks for long.
    idle_in_transaction_session_timeout: 30_000,
    keepAlive: true,
    application_name: 'refrocket',
    types,
  });
  // An idle client's connection can fail at any time (server restart). Without a listener the
  // pool's 'error' event would crash the process; the pool already drops that client.
  pool.on('error', (error) => options.onIdleError?.(error));
  return pool;
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down)
  '53300', // too_many_connections
]);

const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Query read timeout',
  'is not queryable',
];

/**
 * True when the error says the database cannot be reached or stopped answering (not that a
 * statement was wrong): the caller answers 503 and the connection is not reused.
 */
export function isUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((m) => message.includes(m))) return true;
  }
  return false;
}

/** The URL without its password or secret parameters, for logs and `description`. */
export function describeUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'postgresql (unparseable connection string)';
  }
  parsed.password = '';
  for (const key of [...parsed.searchParams.keys()]) {
    if (/pass|secret|key|token/i.test(key)) parsed.searchParams.delete(key);
  }
  return parsed.toString();
}
