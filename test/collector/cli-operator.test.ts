import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { runCli } from '../../server/cli.js';
import { repoRoot, useWorkspace } from '../reliability/harness.js';

const bin = join(repoRoot, 'bin', 'refrocket.mjs');

/** Runs the CLI in this process (commander, the same code the bin runs), capturing its output. */
async function refrocketHere(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  const exitCode = process.exitCode;
  try {
    await runCli(['node', 'refrocket', ...args]);
    return { code: Number(process.exitCode ?? 0), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = exitCode;
  }
}

/** Runs the built CLI; resolves with its exit code and output, whatever the code. */
function refrocket(args: string[], cwd = repoRoot): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env.REFROCKET_DB;
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, env, timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('the operator CLI (SQLite file; the commands share the store code tested on both engines)', () => {
  // In this process (fast); the last test runs the built bin, in a directory of its own.
  const workspace = useWorkspace('cli-operator');

  it('list, update, leaderboard, stats, export → import round trip, tables and --json', async () => {
    const db = workspace.path('ops.db');
    const ok = async (...args: string[]) => {
      const run = await refrocketHere([...args, '--db', db]);
      expect(run.code, run.stderr).toBe(0);
      return run;
    };
    await ok('contests', 'create', '--title', 'Spring Launch', '--id', 'spring');
    await ok('entries', 'create', '--contest', 'spring', '--email', 'ann@example.com', '--name', 'Ann', '--code', 'ANN');
    await ok('entries', 'create', '--contest', 'spring', '--email', 'bob@example.com', '--name', 'Bob');

    const table = (await ok('contests', 'list')).stdout;
    expect(table).toMatch(/│ spring\s+│ Spring Launch\s+│ active\s+│ leaderboard\s+│ 2\s+│/);
    expect(JSON.parse((await ok('contests', 'update', '--contest', 'spring', '--status', 'paused', '--json')).stdout)).toMatchObject({ status: 'paused' });
    const page = JSON.parse((await ok('entries', 'list', '--contest', 'spring', '--search', 'bob', '--json')).stdout);
    expect(page.data.map((e: { email: string }) => e.email)).toEqual(['bob@example.com']);
    expect(page.pagination).toEqual({ page: 1, limit: 50, total: 1, totalPages: 1 });
    expect(JSON.parse((await ok('stats', '--contest', 'spring', '--json')).stdout)).toMatchObject({ totalEntries: 2 });
    expect((await ok('stats', '--contest', 'spring')).stdout).toMatch(/│ entries\s+│ 2\s+│/);

    const csv = workspace.path('entries.csv');
    const exported = await ok('export', '--contest', 'spring', '--what', 'entries', '--format', 'csv', '--out', csv);
    expect(exported.stderr).toContain('exported 2 entries rows');
    expect(readFileSync(csv, 'utf8').split('\n')[0]).toBe('id,email,name,phone,code,referrer_code,points,email_confirmed,disqualified,created_at');
    const ndjson = (await ok('export', '--contest', 'spring', '--what', 'entries', '--format', 'ndjson')).stdout.trim().split('\n');
    expect(ndjson.map((line) => JSON.parse(line).email)).toEqual(['ann@example.com', 'bob@example.com']);

    await ok('contests', 'create', '--title', 'Copy', '--id', 'copy');
    const dry = JSON.parse((await ok('import', 'entries', '--contest', 'copy', '--file', csv, '--dry-run', '--json')).stdout);
    expect(dry).toMatchObject({ dryRun: true, rows: 2, imported: 2 });
    expect(JSON.parse((await ok('stats', '--contest', 'copy', '--json')).stdout).totalEntries).toBe(0);
    const summary = (await ok('import', 'entries', '--contest', 'copy', '--file', csv)).stdout;
    expect(summary).toContain('imported 2 of 2 rows in 1 batches; 0 skipped, 0 rejected');
    const ranks = async (contest: string) =>
      JSON.parse((await ok('leaderboard', '--contest', contest, '--json')).stdout).map((r: { rank: number; email: string; points: number }) => [r.rank, r.email, r.points]);
    expect(await ranks('copy')).toEqual(await ranks('spring'));
    expect((await ok('leaderboard', '--contest', 'copy')).stdout).toMatch(/│ 1\s+│ ann@example.com/);
  });


  it('a bad import row is reported with its line and reason', async () => {
    const db = workspace.path('bad.db');
    await refrocketHere(['contests', 'create', '--title', 'T', '--id', 't', '--db', db]);
    const csv = workspace.path('bad.csv');
    writeFileSync(csv, 'email,name,points\nok@example.com,Ok,3\nnope,Bad,1\n');
    const run = await refrocketHere(['import', 'entries', '--contest', 't', '--file', csv, '--db', db]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('imported 1 of 2 rows in 1 batches; 0 skipped, 1 rejected');
    expect(run.stdout).toMatch(/│ 2\s+│ rejected\s+│ email must be a valid email address\s+│/);
  });

  it('a command that would create ./refrocket.db because --db was left out says so on stderr', async () => {
    const cwd = workspace.path('fresh-dir');
    mkdirSync(cwd);
    const run = await refrocket(['keys', 'create', '--type', 'private'], cwd);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('warning: no --db given (nor REFROCKET_DB), and ./refrocket.db does not exist');
    expect(existsSync(join(cwd, 'refrocket.db'))).toBe(true);
    // Once it exists, or with --db, nothing is said.
    expect((await refrocket(['keys', 'list'], cwd)).stderr).toBe('');
    expect((await refrocket(['keys', 'list', '--db', join(cwd, 'other.db')], cwd)).stderr).toBe('');
  });
});
