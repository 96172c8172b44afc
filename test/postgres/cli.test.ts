import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dropDatabase, freshDatabase } from '../helpers/postgres.js';
import { freePort, repoRoot } from '../reliability/harness.js';

const run = promisify(execFile);
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  run(process.execPath, ['bin/refrocket.mjs', ...args], { cwd: repoRoot, env: { ...process.env, ...env }, timeout: 30_000 });
const json = async (args: string[], env?: NodeJS.ProcessEnv) => JSON.parse((await cli(args, env)).stdout);

/** Runs `serve` until it prints its start-up line (or exits); returns everything it printed. */
async function serveOnce(db: string): Promise<{ output: string; code: number | null }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['bin/refrocket.mjs', 'serve', '--host', '127.0.0.1', '--port', String(port), '--db', db], {
    cwd: repoRoot,
    env: { ...process.env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c) => void (output += c));
  child.stderr.on('data', (c) => void (output += c));
  const code = await new Promise<number | null>((resolve) => {
    child.once('exit', resolve);
    child.stdout.on('data', () => {
      if (output.includes('listening on')) child.kill('SIGTERM');
    });
  });
  return { output, code };
}

describe('the CLI on PostgreSQL (--db postgres://… or REFROCKET_DB)', () => {
  let url: string;
  let password: string;
  beforeAll(async () => {
    url = await freshDatabase(inject('pgUrl'));
    password = decodeURIComponent(new URL(url).password);
  });
  afterAll(async () => {
    if (url) await dropDatabase(url);
  });

  it('contests, entries and keys commands work there as on SQLite', async () => {
    const contest = await json(['contests', 'create', '--title', 'PG Giveaway', '--id', 'pgc1', '--friend-points', '7', '--db', url]);
    expect(contest).toMatchObject({ id: 'pgc1', slug: 'pg-giveaway', webhookSecret: expect.stringMatching(/^whsec_/) });
    const rotated = await json(['contests', 'rotate-secret', '--contest', 'pgc1'], { REFROCKET_DB: url });
    expect(rotated.webhookSecret).not.toBe(contest.webhookSecret);
    const entry = await json(['entries', 'create', '--contest', 'pgc1', '--email', 'jane@example.com', '--code', 'REF-PGJANE', '--db', url]);
    expect(entry).toMatchObject({ email: 'jane@example.com', referralCode: 'REF-PGJANE', points: 0 });
    const duplicate = await cli(['entries', 'create', '--contest', 'pgc1', '--email', 'JANE@example.com', '--db', url]).catch((e) => e);
    expect(duplicate.stderr).toBe('refrocket: email JANE@example.com already has an entry in contest pgc1\n');
    const { key } = await json(['keys', 'create', '--type', 'private', '--label', 'backend', '--db', url]);
    const listing = await json(['keys', 'list', '--db', url]);
    expect(listing).toHaveLength(1);
    expect(JSON.stringify(listing)).not.toContain(key);
    expect(await json(['keys', 'revoke', '--key', key, '--db', url])).toEqual({ revoked: true });
    expect((await json(['keys', 'list', '--db', url]))[0].revokedAt).not.toBeNull();
  });

  it('backup refuses PostgreSQL and points to pg_dump', async () => {
    const failure = await cli(['backup', '--db', url, '--out', '/tmp/refrocket-never-written.db']).catch((e) => e);
    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(/pg_dump/);
    expect(failure.stderr).not.toContain(password);
  });

  it('serve logs the database without its password', async () => {
    const { output } = await serveOnce(url);
    expect(output).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+ \(db postgres(ql)?:\/\/postgres@127\.0\.0\.1:\d+\/rr_/);
    expect(output).not.toContain(password);
  });

  it('a wrong password or an unreachable server stops start-up with a message that holds no secret', async () => {
    const wrong = new URL(url);
    wrong.password = 'not-the-password-4711';
    const refused = await serveOnce(wrong.toString());
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/refrocket: .*password authentication failed/);
    expect(refused.output).not.toContain('not-the-password-4711');

    const nowhere = new URL(url);
    nowhere.port = String(await freePort());
    const unreachable = await serveOnce(nowhere.toString());
    expect(unreachable.code).toBe(1);
    expect(unreachable.output).toMatch(/refrocket: .*unavailable/i);
    expect(unreachable.output).not.toContain(password);
  });

  it('a migration that fails stops start-up and names the migration', async () => {
    const broken = await freshDatabase(inject('pgUrl'), { empty: true });
    const client = new pg.Client({ connectionString: broken });
    await client.connect();
    await client.query('CREATE TABLE contests (something_else text)'); // migration 1 cannot create it
    await client.end();
    try {
      const { code, output } = await serveOnce(broken);
      expect(code).toBe(1);
      expect(output).toMatch(/refrocket: PostgreSQL migration 1 \(.*\) failed: relation "contests" already exists/);
    } finally {
      await dropDatabase(broken);
    }
  });
});
