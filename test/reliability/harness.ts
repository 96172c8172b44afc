/**
 * Shared helpers for the child-process reliability tests: run the built CLI (`node bin/refrocket.mjs`,
 * dist/ is built by test/global-setup.ts), start/stop a collector on 127.0.0.1, free ports, temp
 * directories under os.tmpdir(), databases on either engine (a SQLite file in the workspace, or a
 * fresh database on the test PostgreSQL server), bounded-concurrency request firing and ledger
 * invariant checks read through a store opened on the collector's own target.
 */
import Database from 'better-sqlite3';
import { BROWSER_UA } from '../helpers/test-app.js';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, inject } from 'vitest';
import { isPostgresUrl, openStore } from '../../server/store/open-store.js';
import type { Row, Store, TableName } from '../../server/store/repositories.js';
import { dropDatabase, freshDatabase } from '../helpers/postgres.js';
import type { Engine } from '../helpers/test-app.js';

export { ENGINES, type Engine } from '../helpers/test-app.js';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(repoRoot, 'bin', 'refrocket.mjs');

/**
 * A test file's scratch space: a fresh directory under os.tmpdir() and the collectors started in
 * it. After the file's tests every collector still running is killed and the directory removed.
 */
export function useWorkspace(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), `refrocket-${prefix}-`));
  const running: Collector[] = [];
  const databases: string[] = [];
  afterAll(async () => {
    for (const collector of running) await collector.stop('SIGKILL');
    for (const url of databases) await dropDatabase(url);
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    path: (name: string) => join(dir, name),
    /**
     * A new, empty database for `refrocket --db`: the SQLite file `<name>.db` in this workspace
     * (created by the first command that opens it), or a fresh migrated database on the test
     * PostgreSQL server (its URL), dropped after the file's tests.
     */
    async database(engine: Engine, name: string): Promise<string> {
      if (engine === 'sqlite') return join(dir, `${name}.db`);
      const url = await freshDatabase(inject('pgUrl'));
      databases.push(url);
      return url;
    },
    /** `db`: a SQLite path or a postgres:// URL, as `--db` takes it. */
    async startCollector(db: string, extraArgs?: string[]): Promise<Collector> {
      const collector = await startCollector(db, extraArgs);
      running.push(collector);
      return collector;
    },
  };
}

/** Runs `node bin/refrocket.mjs ...args` from the repo root and parses its JSON output. */
export function cli(args: string[], timeoutMs = 20_000): Promise<any> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [bin, ...args], { cwd: repoRoot, timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`refrocket ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      try {
        resolve(JSON.parse(stdout));
      } catch {
        reject(new Error(`refrocket ${args.join(' ')}: output is not JSON:\n${stdout}\n${stderr}`));
      }
    });
  });
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/refrocket.mjs ...args` and resolves with how it ended, whatever that was. */
export function cliRun(args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 20_000): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: repoRoot, env, timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A port nobody listens on right now (bind 127.0.0.1:0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Collector {
  child: ChildProcess;
  port: number;
  base: string;
  /** Settles when the process has exited. */
  exited: Promise<Exit>;
  /** Everything the process printed so far (stdout + stderr), for failure messages. */
  output(): string;
  /** Sends a signal and resolves with the exit (SIGKILL as a fallback after timeoutMs). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Starts `refrocket serve` on a free port of 127.0.0.1 with rate limits off and warn-level logs,
 * and resolves once GET /healthz answers 200. Retries on another port if the chosen one was taken.
 */
export async function startCollector(db: string, extraArgs: string[] = [], attempts = 3): Promise<Collector> {
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [bin, 'serve', '--host', '127.0.0.1', '--port', String(port), '--db', db, '--rate-limit', 'off', '--log-level', 'warn', ...extraArgs],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout!.on('data', (c: Buffer) => void (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => void (output += c.toString()));
    const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    let hasExited = false;
    void exited.then(() => void (hasExited = true));
    const base = `http://127.0.0.1:${port}`;
    const collector: Collector = {
      child,
      port,
      base,
      exited,
      output: () => output,
      async stop(signal = 'SIGTERM', timeoutMs = 10_000) {
        if (!hasExited) child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        const exit = await exited;
        clearTimeout(timer);
        return exit;
      },
    };
    const deadline = Date.now() + 15_000;
    while (!hasExited && Date.now() < deadline) {
      try {
        const res = await fetch(`${base}/healthz`);
        if (res.status === 200) return collector;
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    lastError = new Error(`collector did not become healthy on port ${port}:\n${output}`);
    await collector.stop('SIGKILL');
  }
  throw lastError;
}

export interface JsonResponse {
  status: number;
  body: any;
}

/** POSTs JSON with fetch. Connection errors reject (the request was never acknowledged). */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<JsonResponse> {
  const res = await fetch(url, {
    method: 'POST',
    // A browser's user agent: Node's own ("node") is a bot to the isbot list, whose visits are not stored.
    headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA, ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep the text
  }
  return { status: res.status, body: parsed };
}

export async function getJson(url: string, headers: Record<string, string> = {}): Promise<JsonResponse> {
  const res = await fetch(url, { headers });
  return { status: res.status, body: await res.json() };
}

/**
 * Runs task(i) for i in [0, count) with at most `concurrency` in flight. `shouldStop()` is checked
 * before each new task starts; tasks must not throw (catch inside).
 */
export async function runBounded(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
  shouldStop: () => boolean = () => false,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count && !shouldStop()) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/**
 * Opens a store on what a collector was given as `--db`, to check what it committed: a SQLite
 * file read-only (nothing created, migrated or checkpointed by the check), or the PostgreSQL
 * database. Runs fn and closes the store whatever happens.
 */
export async function withStoreOn<T>(target: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(target, isPostgresUrl(target) ? {} : { readonly: true });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Every row of a table, in primary-key order, as the engine stored it. */
export async function allRows(store: Store, table: TableName): Promise<Row[]> {
  const rows: Row[] = [];
  for (;;) {
    const page = await store.tables.page(table, rows.at(-1), 10_000);
    rows.push(...page);
    if (page.length < 10_000) return rows;
  }
}

/** `SELECT key, count(*) … GROUP BY key HAVING count(*) > 1`, over rows already read. */
function duplicates(rows: Row[], columns: string[]) {
  const counts = new Map<string, { key: Row; n: number }>();
  for (const row of rows) {
    const key = Object.fromEntries(columns.map((c) => [c, row[c]]));
    const id = JSON.stringify(key);
    const seen = counts.get(id);
    if (seen) seen.n++;
    else counts.set(id, { key, n: 1 });
  }
  return [...counts.values()].filter(({ n }) => n > 1).map(({ key, n }) => ({ ...key, n }));
}

/** SQLite's own check of the file's structure ('ok', or the problems it found). */
export function sqliteIntegrity(dbPath: string): unknown[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.pragma('integrity_check', { simple: true }) === 'ok' ? [] : [db.pragma('integrity_check')];
  } finally {
    db.close();
  }
}

/**
 * Every way the stored data can contradict itself; each list must be empty. Read through the
 * store (raw rows and contest_stats), so the same checks run on both engines. `integrity` is
 * SQLite's integrity_check of the file, and is only run for a SQLite target: PostgreSQL has no
 * counterpart to ask (its pages are checked as it reads them).
 */
export async function invariantViolations(store: Store, target: string) {
  const [contests, entries, ledger, visits, purchases] = await Promise.all(
    (['contests', 'entries', 'points_ledger', 'visits', 'purchases'] as const).map((table) => allRows(store, table)),
  );
  const ledgerSum = new Map<string, number>();
  for (const l of ledger) ledgerSum.set(l.entry_id as string, (ledgerSum.get(l.entry_id as string) ?? 0) + (l.delta as number));
  const statsVsEntries = [];
  for (const contest of contests) {
    const id = contest.id as string;
    const stats = await store.contests.stats(id);
    const mine = entries.filter((e) => e.contest_id === id);
    const actual = {
      pointsSum: mine.reduce((sum, e) => sum + (e.points as number), 0),
      entriesRows: mine.length,
      visitRows: visits.filter((v) => v.contest_id === id).length,
    };
    if (!stats || stats.pointsTotal !== actual.pointsSum || stats.entriesCount !== actual.entriesRows || stats.viewsCount !== actual.visitRows)
      statsVsEntries.push({ contestId: id, stats, ...actual });
  }
  return {
    integrity: isPostgresUrl(target) ? [] : sqliteIntegrity(target),
    entryPointsVsLedger: entries
      .filter((e) => e.points !== (ledgerSum.get(e.id as string) ?? 0))
      .map((e) => ({ id: e.id, points: e.points, ledger: ledgerSum.get(e.id as string) ?? 0 })),
    statsVsEntries,
    duplicateOrders: duplicates(purchases, ['contest_id', 'order_id']),
    duplicateAwards: duplicates(ledger.filter((l) => l.reason !== 'adjustment'), ['entry_id', 'reason', 'source_id']),
    // A friend is rewarded once, ever: at most one referral_friend row per entry, and one
    // referral_advocate row per friend (source_id = the friend's entry id).
    friendAwardedTwice: duplicates(ledger.filter((l) => l.reason === 'referral_friend'), ['entry_id']),
    advocateAwardedTwicePerFriend: duplicates(ledger.filter((l) => l.reason === 'referral_advocate'), ['source_id']),
    // The engine's own check of the same invariants (ledger sums, contest counters).
    store: await store.invariantViolations(),
  };
}

export const noViolations = {
  integrity: [],
  entryPointsVsLedger: [],
  statsVsEntries: [],
  duplicateOrders: [],
  duplicateAwards: [],
  friendAwardedTwice: [],
  advocateAwardedTwicePerFriend: [],
  store: [],
};

/** Sets up a contest (id `contestId`), advocates REF-AAAAA1.. and a private key with the CLI. */
export async function seed(db: string, contestId: string, advocates: number) {
  const contest = await cli(['contests', 'create', '--title', 'T', '--id', contestId, '--db', db]);
  const entries: Array<{ id: string; email: string; code: string }> = [];
  for (let i = 1; i <= advocates; i++) {
    const email = `a${i}@x.com`;
    const code = `REF-AAAAA${i}`;
    const entry = await cli(['entries', 'create', '--contest', contestId, '--email', email, '--code', code, '--db', db]);
    entries.push({ id: entry.id, email, code });
  }
  const { key } = await cli(['keys', 'create', '--type', 'private', '--db', db]);
  return { webhookSecret: contest.webhookSecret as string, advocates: entries, privateKey: key as string };
}

/**
 * GET /healthz on a brand-new connection (never a pooled one): `status 200`, `status 503`, or the
 * connection error code (`ECONNREFUSED` once nothing listens).
 */
export function probe(port: number, timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/healthz', agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(`status ${res.statusCode}`));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    req.end();
  });
}

/** Every email with an entry in the contest, read page by page through the store. */
export async function storedEmails(store: Store, contestId: string): Promise<Set<string>> {
  const emails = new Set<string>();
  for (let offset = 0; ; offset += 1000) {
    const page = await store.entries.list(contestId, { limit: 1000, offset });
    for (const entry of page.rows) if (entry.email) emails.add(entry.email);
    if (page.rows.length < 1000) return emails;
  }
}
