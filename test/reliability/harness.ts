/**
 * Shared helpers for the child-process reliability tests: run the built CLI (`node bin/refrocket.mjs`,
 * dist/ is built by test/global-setup.ts), start/stop a collector on 127.0.0.1, free ports, temp
 * directories under os.tmpdir(), bounded-concurrency request firing and ledger invariant checks.
 */
import Database from 'better-sqlite3';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(repoRoot, 'bin', 'refrocket.mjs');

/**
 * A test file's scratch space: a fresh directory under os.tmpdir() and the collectors started in
 * it. After the file's tests every collector still running is killed and the directory removed.
 */
export function useWorkspace(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), `refrocket-${prefix}-`));
  const running: Collector[] = [];
  afterAll(async () => {
    for (const collector of running) await collector.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    path: (name: string) => join(dir, name),
    async startCollector(dbPath: string, extraArgs?: string[]): Promise<Collector> {
      const collector = await startCollector(dbPath, extraArgs);
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
export async function startCollector(dbPath: string, extraArgs: string[] = [], attempts = 3): Promise<Collector> {
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [bin, 'serve', '--host', '127.0.0.1', '--port', String(port), '--db', dbPath, '--rate-limit', 'off', '--log-level', 'warn', ...extraArgs],
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
    headers: { 'content-type': 'application/json', ...headers },
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

/** Every way the stored data can contradict itself; each list must be empty. */
export function invariantViolations(db: Database.Database) {
  return {
    integrity: db.pragma('integrity_check', { simple: true }) === 'ok' ? [] : [db.pragma('integrity_check')],
    entryPointsVsLedger: db
      .prepare(
        `SELECT e.id, e.points, coalesce((SELECT sum(delta) FROM points_ledger l WHERE l.entry_id = e.id), 0) AS ledger
         FROM entries e WHERE e.points <> coalesce((SELECT sum(delta) FROM points_ledger l WHERE l.entry_id = e.id), 0)`,
      )
      .all(),
    statsVsEntries: db
      .prepare(
        `SELECT s.contest_id, s.points_total, s.entries_count, s.views_count,
            (SELECT coalesce(sum(points), 0) FROM entries e WHERE e.contest_id = s.contest_id) AS points_sum,
            (SELECT count(*) FROM entries e WHERE e.contest_id = s.contest_id) AS entries_rows,
            (SELECT count(*) FROM visits v WHERE v.contest_id = s.contest_id) AS visit_rows
         FROM contest_stats s
         WHERE s.points_total <> points_sum OR s.entries_count <> entries_rows OR s.views_count <> visit_rows`,
      )
      .all(),
    duplicateOrders: db
      .prepare(`SELECT contest_id, order_id, count(*) AS n FROM purchases GROUP BY contest_id, order_id HAVING n > 1`)
      .all(),
    duplicateAwards: db
      .prepare(
        `SELECT entry_id, reason, source_id, count(*) AS n FROM points_ledger
         WHERE reason <> 'adjustment' GROUP BY entry_id, reason, source_id HAVING n > 1`,
      )
      .all(),
    // A friend is rewarded once, ever: at most one referral_friend row per entry, and one
    // referral_advocate row per friend (source_id = the friend's entry id).
    friendAwardedTwice: db
      .prepare(`SELECT entry_id, count(*) AS n FROM points_ledger WHERE reason = 'referral_friend' GROUP BY entry_id HAVING n > 1`)
      .all(),
    advocateAwardedTwicePerFriend: db
      .prepare(`SELECT source_id, count(*) AS n FROM points_ledger WHERE reason = 'referral_advocate' GROUP BY source_id HAVING n > 1`)
      .all(),
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
};

/** Sets up a contest (id `contestId`), advocates REF-AAAAA1.. and a private key with the CLI. */
export async function seed(dbPath: string, contestId: string, advocates: number) {
  const contest = await cli(['contests', 'create', '--title', 'T', '--id', contestId, '--db', dbPath]);
  const entries: Array<{ id: string; email: string; code: string }> = [];
  for (let i = 1; i <= advocates; i++) {
    const email = `a${i}@x.com`;
    const code = `REF-AAAAA${i}`;
    const entry = await cli(['entries', 'create', '--contest', contestId, '--email', email, '--code', code, '--db', dbPath]);
    entries.push({ id: entry.id, email, code });
  }
  const { key } = await cli(['keys', 'create', '--type', 'private', '--db', dbPath]);
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
