import Database from 'better-sqlite3';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, startTestPostgres } from '../helpers/postgres.js';

/**
 * The single executable, used the way the README says: built by `npm run build`, copied alone into
 * an empty directory and run there with a PATH holding no node and no node_modules in reach.
 * REFROCKET_BINARY=<file> tests an already built executable instead of building one.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version as string;

let dir: string;
let env: NodeJS.ProcessEnv;
let server: ChildProcess | undefined;
/** The browser script built together with the executable (unknown for REFROCKET_BINARY). */
let builtScript: string | undefined;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `./refrocket ...args` in the temp directory. */
function run(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile('./refrocket', args, { cwd: dir, env, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

async function runJson(...args: string[]) {
  const result = await run(...args);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout);
}

/** Starts `./refrocket serve` on a free port; resolves with the base URL from its start-up log line. */
function startServer(...args: string[]): Promise<string> {
  const child = spawn('./refrocket', ['serve', '--host', '127.0.0.1', '--port', '0', ...args], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server = child;
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
}

function stopServer(): Promise<number | null> {
  const child = server!;
  server = undefined;
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

async function postJson(base: string, path: string, body: unknown) {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

beforeAll(() => {
  let binary = process.env.REFROCKET_BINARY;
  if (!binary) {
    execFileSync(process.execPath, ['build.mjs'], { cwd: root, stdio: 'pipe' });
    binary = join(root, 'dist', 'refrocket');
    builtScript = readFileSync(join(root, 'dist', 'referral-tracker.js'), 'utf8');
  }
  dir = mkdtempSync(join(tmpdir(), 'refrocket-binary-'));
  copyFileSync(binary, join(dir, 'refrocket'));
  execFileSync('chmod', ['755', join(dir, 'refrocket')]);
  // A PATH with nothing on it, and nothing inherited from this environment (no NODE_OPTIONS,
  // no NODE_PATH): only what the executable carries.
  const emptyBin = join(dir, 'empty-bin');
  const home = join(dir, 'home');
  mkdirSync(emptyBin);
  mkdirSync(home);
  env = { PATH: emptyBin, HOME: home, TMPDIR: dir, LANG: 'C' };
});

afterAll(async () => {
  if (server) await stopServer();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('dist/refrocket, alone in an empty directory without node', () => {
  it('the directory holds only the executable and the PATH has no node', () => {
    expect(readdirSync(dir).sort()).toEqual(['empty-bin', 'home', 'refrocket']);
    expect(readdirSync(env.PATH!)).toEqual([]);
    expect(statSync(join(dir, 'refrocket')).size).toBeGreaterThan(50e6);
  });

  it('--version and --help', async () => {
    expect(await run('--version')).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    const help = await run('--help');
    expect(help.code).toBe(0);
    for (const command of ['serve', 'contests', 'entries', 'keys', 'backup']) expect(help.stdout).toContain(command);
    // Neither needs the addon, so neither unpacks anything.
    expect(readdirSync(join(dir, 'home'))).toEqual([]);
  });

  it('CLI errors go to stderr with exit code 1', async () => {
    const result = await run('entries', 'create', '--contest', 'nope', '--email', 'a@example.com', '--db', './data.db');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^refrocket: .*not found/i);
  });

  it('contests, entries, keys, serve (API, script, docs), graceful stop, backup', async () => {
    const contest = await runJson('contests', 'create', '--title', 'Binary Launch', '--id', 'clxbin001', '--db', './data.db');
    expect(contest).toMatchObject({ id: 'clxbin001', title: 'Binary Launch', status: 'active', webhookSecret: expect.stringMatching(/^whsec_/) });
    const jane = await runJson('entries', 'create', '--contest', 'clxbin001', '--email', 'jane@example.com', '--name', 'Jane', '--code', 'REF-XYZ789', '--db', './data.db');
    expect(jane).toMatchObject({ email: 'jane@example.com', referralCode: 'REF-XYZ789', points: 0 });
    const key = await runJson('keys', 'create', '--type', 'private', '--label', 'binary test', '--db', './data.db');
    expect(key).toMatchObject({ type: 'private', key: expect.any(String) });

    // The addon was unpacked once into a private per-build cache directory.
    const cacheRoot = join(dir, 'home', '.cache', 'refrocket');
    const [buildDir] = readdirSync(cacheRoot);
    expect(buildDir).toMatch(new RegExp(`^${version.replace(/\./g, '\\.')}-[0-9a-f]{12}$`));
    const addon = join(cacheRoot, buildDir!, 'better_sqlite3.node');
    expect(statSync(join(cacheRoot, buildDir!)).mode & 0o777).toBe(0o700);
    expect(statSync(addon).mode & 0o777).toBe(0o600);
    const unpackedAt = statSync(addon).mtimeMs;

    const base = await startServer('--db', './data.db', '--rate-limit', 'off');
    expect(statSync(addon).mtimeMs).toBe(unpackedAt); // reused, not rewritten

    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });

    const script = await fetch(`${base}/referral-tracker.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    const served = await script.text();
    expect(served).toContain('RocketTracker');
    if (builtScript !== undefined) expect(served).toBe(builtScript);

    const validate = await fetch(`${base}/api/referral/validate-code?code=REF-XYZ789&contestId=clxbin001`);
    expect(await validate.json()).toEqual({ valid: true, referrerEmail: 'jane@example.com', referrerName: 'Jane', contestId: 'clxbin001' });

    const signup = await postJson(base, '/api/referral/track-signup', {
      email: 'friend@example.com',
      contestId: 'clxbin001',
      referralCode: 'REF-XYZ789',
      name: 'Friend',
    });
    expect(signup).toEqual({
      status: 200,
      body: { success: true, data: { entryId: expect.stringMatching(/^entry_/), isReferred: true, pointsAwarded: { advocate: 10, friend: 5 } } },
    });

    // No code: the purchase is credited to the friend's referrer.
    const purchase = await postJson(base, '/api/referral/track-purchase', {
      email: 'friend@example.com',
      contestId: 'clxbin001',
      orderId: 'order-bin-1',
      amount: 99.99,
      currency: 'USD',
    });
    expect(purchase).toEqual({
      status: 200,
      body: {
        success: true,
        data: { purchaseId: expect.stringMatching(/^purchase_/), entryId: jane.id, pointsAwarded: 100, message: 'Purchase recorded successfully' },
      },
    });

    const docs = await fetch(`${base}/docs`);
    expect(docs.status).toBe(200);

    expect(docs.headers.get('content-type')).toMatch(/^text\/html/);
    const docsHtml = await docs.text();
    // The Swagger UI files come from the executable's assets, unpacked on start-up.
    const bundleUrl = new URL(/src="([^"]*swagger-ui-bundle\.js)"/.exec(docsHtml)![1]!, `${base}/docs/`);
    const bundle = await fetch(bundleUrl);
    expect(bundle.status).toBe(200);
    expect((await bundle.text()).length).toBeGreaterThan(100_000);
    const openapi = await fetch(`${base}/openapi.json`);
    expect(openapi.status).toBe(200);
    expect(await openapi.json()).toMatchObject({ openapi: expect.stringMatching(/^3\./), info: { version } });

    expect(await stopServer()).toBe(0);

    const backup = await runJson('backup', '--out', './backup.db', '--db', './data.db');
    expect(backup).toMatchObject({ destination: './backup.db', bytes: expect.any(Number) });
    const copy = new Database(join(dir, 'backup.db'), { readonly: true });
    try {
      const points = copy.prepare('SELECT email, points FROM entries ORDER BY email').all();
      expect(points).toEqual([
        { email: 'friend@example.com', points: 5 },
        { email: 'jane@example.com', points: 110 },
      ]);
    } finally {
      copy.close();
    }
  });

  it('the dashboard ships inside the executable: admins create, /admin and its hashed script, sign-in', async () => {
    const base = await startServer('--db', './data.db', '--rate-limit', 'off');
    expect(await runJson('admins', 'create', '--email', 'ops@example.com', '--password', 'binary test password', '--db', './data.db'))
      .toMatchObject({ email: 'ops@example.com' });
    const adminPage = await (await fetch(`${base}/admin`)).text();
    const scriptPath = /src="(\/admin\/assets\/admin\.[\w-]+\.js)"/.exec(adminPage)?.[1];
    expect(scriptPath).toBeDefined();
    const adminScript = await fetch(`${base}${scriptPath}`);
    expect(adminScript.status).toBe(200);
    expect(adminScript.headers.get('content-type')).toMatch(/^text\/javascript/);
    const signIn = await fetch(`${base}/admin/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: base },
      body: JSON.stringify({ email: 'ops@example.com', password: 'binary test password' }),
    });
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0];
    expect((await (await fetch(`${base}/admin/api/me`, { headers: { cookie } })).json()).data.email).toBe('ops@example.com');
    expect(await stopServer()).toBe(0);
  });
});

describe('dist/refrocket on PostgreSQL', () => {
  let postgres: Awaited<ReturnType<typeof startTestPostgres>> | undefined;
  let url: string;
  beforeAll(async () => {
    postgres = await startTestPostgres();
    url = await freshDatabase(postgres.url);
  }, 120_000);
  afterAll(async () => {
    if (server) await stopServer();
    await postgres?.stop();
  });

  it('serve --db postgres://… and the CLI work from the executable alone', async () => {
    const contest = await runJson('contests', 'create', '--title', 'Binary PG', '--id', 'clxbinpg1', '--db', url);
    expect(contest).toMatchObject({ id: 'clxbinpg1', webhookSecret: expect.stringMatching(/^whsec_/) });
    await runJson('entries', 'create', '--contest', 'clxbinpg1', '--email', 'jane@example.com', '--code', 'REF-BINPG1', '--db', url);
    const base = await startServer('--db', url, '--rate-limit', 'off');
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    const signup = await postJson(base, '/api/referral/track-signup', { email: 'friend@example.com', contestId: 'clxbinpg1', referralCode: 'REF-BINPG1' });
    expect(signup.body.data).toMatchObject({ isReferred: true, pointsAwarded: { advocate: 10, friend: 5 } });
    expect(await stopServer()).toBe(0);
    const refused = await run('backup', '--out', './pg.db', '--db', url);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/pg_dump/);
  }, 60_000);
});
