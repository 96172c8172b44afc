import Database from 'better-sqlite3';
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../server/app.js';
import { ConfigError, DEFAULT_RATE_LIMIT, parseServerConfig } from '../../server/config.js';
import { migrate, MigrationError } from '../../server/db/sqlite/migrate.js';
import { migrations } from '../../server/db/sqlite/migrations.js';
import { openDatabase } from '../../server/db/sqlite/open-database.js';
import { createSqliteStore } from '../../server/store/sqlite/sqlite-store.js';
import { newReferralCode } from '../../server/domain/ids.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'refrocket-platform-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Runs `node <bin> serve ...args`, waits for its start-up line and hands the port it listens on
 * to `use`, then stops it with SIGTERM and expects exit code 0.
 */
async function whileServing(bin: string, args: string[], env: NodeJS.ProcessEnv, use: (port: number) => Promise<void>) {
  const child = spawn('node', [bin, 'serve', ...args], {
    env: { ...process.env, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    // Port 0 lets the OS choose; the start-up log line says which port it got.
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk) => {
        out += chunk;
        const match = out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
    });
    await use(port);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  } finally {
    child.kill('SIGKILL');
  }
}

/** Contest 'c' with entry 'e', inserted directly (the ledger tests below need no API). */
function seedContestAndEntry(db: Database.Database) {
  db.exec(`INSERT INTO contests (id, title, slug, status, mode, webhook_secret_hash, created_at, updated_at)
    VALUES ('c', 't', 's', 'active', 'leaderboard', 'h', 0, 0);
    INSERT INTO entries (id, contest_id, email, email_normalized, referral_code, created_at) VALUES ('e', 'c', 'a', 'a', 'R', 0);`);
}

describe('database: migrations and settings', () => {
  it('a new database is created, migrated to the latest version, in WAL mode', () => {
    const db = openDatabase(join(dir, 'fresh.db'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    const versions = db.prepare('SELECT version FROM schema_migrations').pluck().all();
    expect(versions).toEqual(migrations.map((m) => m.version));
    db.close();
    // Re-opening applies nothing twice.
    const again = openDatabase(join(dir, 'fresh.db'));
    expect(migrate(again)).toBe(0);
    again.close();
  });

  it('a failing migration throws, names itself, and leaves the database at the last good version', () => {
    const db = new Database(':memory:');
    const broken = [...migrations, { version: 999, name: 'broken on purpose', sql: 'CREATE TABLE t (x); INSERT INTO nope VALUES (1);' }];
    expect(() => migrate(db, broken)).toThrow(MigrationError);
    expect(() => migrate(db, broken)).toThrow(/migration 999 \(broken on purpose\) failed: no such table: nope/);
    expect(db.prepare('SELECT max(version) FROM schema_migrations').pluck().get()).toBe(migrations.at(-1)!.version);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 't'").pluck().get()).toBe(0);
  });

  it('migration 3 upgrades a database that already has ledger rows', () => {
    const db = new Database(':memory:');
    migrate(db, migrations.filter((m) => m.version < 3));
    seedContestAndEntry(db);
    db.exec(`INSERT INTO points_ledger (entry_id, contest_id, delta, reason, created_at) VALUES ('e', 'c', 4, 'adjustment', 0);
      INSERT INTO points_ledger (entry_id, contest_id, delta, reason, created_at) VALUES ('e', 'c', 6, 'adjustment', 0);`);
    expect(migrate(db, migrations.filter((m) => m.version <= 3))).toBe(1);
    expect(db.prepare("SELECT points, ledger_seq FROM entries WHERE id = 'e'").get()).toEqual({ points: 10, ledger_seq: 2 });
    db.exec("INSERT INTO points_ledger (entry_id, contest_id, delta, reason, created_at) VALUES ('e', 'c', 5, 'adjustment', 0)");
    expect(db.prepare("SELECT points FROM entries WHERE id = 'e'").pluck().get()).toBe(15);
    expect(() => db.exec("UPDATE entries SET points = points + 5 WHERE id = 'e'")).toThrow(/only through points_ledger/);
  });

  it('migration 4 keeps one ledger index: once-only awards still refused, entry lookups still indexed', () => {
    const db = new Database(':memory:');
    migrate(db, migrations.filter((m) => m.version < 4));
    seedContestAndEntry(db);
    db.exec(`INSERT INTO points_ledger (entry_id, contest_id, delta, reason, source_id, created_at) VALUES ('e', 'c', 5, 'referral_friend', 'f', 0);
      INSERT INTO points_ledger (entry_id, contest_id, delta, reason, created_at) VALUES ('e', 'c', 4, 'adjustment', 0);`);
    // Up to migration 4 only: later migrations (e.g. 6, attributions) are not this test's subject.
    expect(migrate(db, migrations.filter((m) => m.version <= 4))).toBe(1);
    const ledgerIndexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'points_ledger'").pluck().all();
    expect(ledgerIndexes).toEqual(['points_ledger_once']);
    const award = "INSERT INTO points_ledger (entry_id, contest_id, delta, reason, source_id, created_at) VALUES ('e', 'c', 5, 'referral_friend', 'f', 0)";
    expect(() => db.exec(award)).toThrow(/UNIQUE constraint failed/);
    // Adjustments carry no source id; NULLs never collide, so any number of them is allowed.
    db.exec("INSERT INTO points_ledger (entry_id, contest_id, delta, reason, created_at) VALUES ('e', 'c', 1, 'adjustment', 0)");
    expect(db.prepare("SELECT points FROM entries WHERE id = 'e'").pluck().get()).toBe(10);
    const plan = db.prepare("EXPLAIN QUERY PLAN SELECT id FROM points_ledger WHERE entry_id = 'e' ORDER BY id").all() as Array<{ detail: string }>;
    expect(plan.map((row) => row.detail).join('; ')).toMatch(/USING (COVERING )?INDEX points_ledger_once \(entry_id=\?\)/);
  });

  it('the ledger is append-only and points change only through it', () => {
    const db = openDatabase(':memory:');
    seedContestAndEntry(db);
    db.exec(`INSERT INTO points_ledger (entry_id, contest_id, delta, reason, created_at) VALUES ('e', 'c', 7, 'adjustment', 0);`);
    expect(db.prepare("SELECT points FROM entries WHERE id = 'e'").pluck().get()).toBe(7);
    expect(() => db.exec('UPDATE points_ledger SET delta = 100')).toThrow(/append-only/);
    expect(() => db.exec('DELETE FROM points_ledger')).toThrow(/append-only/);
    expect(() => db.exec("UPDATE entries SET points = 1000 WHERE id = 'e'")).toThrow(/only through points_ledger/);
    // Regression: the first guard only compared with the latest delta, so these slipped through.
    expect(() => db.exec("UPDATE entries SET points = points + 7 WHERE id = 'e'")).toThrow(/only through points_ledger/);
    expect(() => db.exec("UPDATE entries SET points = points + 7, ledger_seq = ledger_seq WHERE id = 'e'")).toThrow(/only through points_ledger/);
    db.exec("INSERT INTO entries (id, contest_id, email, email_normalized, referral_code, created_at) VALUES ('f', 'c', 'b', 'b', 'S', 0)");
    expect(() => db.exec("UPDATE entries SET points = 999 WHERE id = 'f'")).toThrow(/only through points_ledger/);
    expect(() => db.exec("UPDATE entries SET points = 7, ledger_seq = 1 WHERE id = 'f'")).toThrow(/only through points_ledger/);
    db.exec("INSERT INTO points_ledger (entry_id, contest_id, delta, reason, created_at) VALUES ('e', 'c', -2, 'adjustment', 0)");
    expect(db.prepare("SELECT points FROM entries WHERE id = 'e'").pluck().get()).toBe(5);
    expect(() => db.exec("DELETE FROM entries WHERE id = 'e'")).toThrow(/never deleted/);
    db.close();
  });
});

describe('health and codes', () => {
  it('GET /healthz → 200 while the database answers, 503 once it is gone', async () => {
    const store = createSqliteStore(':memory:');
    const app = buildApp({ store });
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    await store.close();
    const down = await app.inject({ method: 'GET', url: '/healthz' });
    expect(down.statusCode).toBe(503);
    expect(down.json().status).toBe('unavailable');
    await app.close();
  });

  it('referral codes are REF- + 6 symbols without look-alikes (0 O 1 I L)', () => {
    const codes = Array.from({ length: 2000 }, newReferralCode);
    for (const code of codes) expect(code).toMatch(/^REF-[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{6}$/);
    expect(new Set(codes).size).toBe(codes.length);
  });
});

describe('server config', () => {
  it('flags win over env; env works; defaults are documented ones', () => {
    expect(parseServerConfig({}, {})).toMatchObject({ port: 3000, host: '0.0.0.0', db: './refrocket.db', rateLimit: DEFAULT_RATE_LIMIT, trustProxy: false, synchronous: 'NORMAL', writeThread: true });
    expect(parseServerConfig({}, { REFROCKET_WRITE_THREAD: 'OFF' }).writeThread).toBe(false);
    expect(parseServerConfig({}, { PORT: '8080', HOST: '127.0.0.1', REFROCKET_DB: '/data/r.db', REFROCKET_RATE_LIMIT: 'off' }))
      .toMatchObject({ port: 8080, host: '127.0.0.1', db: '/data/r.db', rateLimit: false });
    expect(parseServerConfig({ port: '9000', db: 'x.db' }, { PORT: '8080', REFROCKET_DB: 'y.db' })).toMatchObject({ port: 9000, db: 'x.db' });
  });

  it('--trust-proxy alone trusts one hop; a number is a hop count; otherwise proxy addresses', () => {
    expect(parseServerConfig({ trustProxy: true }, {}).trustProxy).toBe(1);
    expect(parseServerConfig({ trustProxy: '2' }, {}).trustProxy).toBe(2);
    expect(parseServerConfig({}, { REFROCKET_TRUST_PROXY: 'loopback,10.0.0.0/8' }).trustProxy).toBe('loopback,10.0.0.0/8');
    expect(parseServerConfig({}, { REFROCKET_TRUST_PROXY: 'false' }).trustProxy).toBe(false);
  });

  it('a bad value stops start-up with a message naming the setting', () => {
    expect(() => parseServerConfig({ port: 'abc' }, {})).toThrow(new ConfigError('--port must be a port number (0-65535), got "abc"'));
    expect(() => parseServerConfig({}, { PORT: '70000' })).toThrow(/^PORT must be a port number/);
    expect(() => parseServerConfig({ rateLimit: '-3' }, {})).toThrow(/^--rate-limit must be a positive integer/);
    expect(() => parseServerConfig({}, { REFROCKET_RATE_LIMIT: 'lots' })).toThrow(/^REFROCKET_RATE_LIMIT /);
    expect(() => parseServerConfig({}, { REFROCKET_WRITE_THREAD: 'maybe' })).toThrow(/^REFROCKET_WRITE_THREAD must be "on" or "off"/);
    expect(() => parseServerConfig({}, { LOG_LEVEL: 'loud' })).toThrow(/^LOG_LEVEL must be one of fatal, error/);
    expect(() => parseServerConfig({ durability: 'max' }, {})).toThrow(new ConfigError('--durability must be "normal" or "full", got "max"'));
    expect(() => parseServerConfig({}, { REFROCKET_METRICS: 'yes please' })).toThrow(/^REFROCKET_METRICS must be "on" or "off"/);
    expect(() => parseServerConfig({ metricsPort: '99999' }, {})).toThrow(/^--metrics-port must be a port number/);
    expect(() => parseServerConfig({}, { REFROCKET_SHUTDOWN_TIMEOUT_MS: '0' })).toThrow(/^REFROCKET_SHUTDOWN_TIMEOUT_MS must be a positive number/);
  });

  it('metrics are off by default; --metrics, REFROCKET_METRICS=1 or a metrics port turn them on', () => {
    expect(parseServerConfig({}, {})).toMatchObject({ metrics: false, metricsPort: undefined, shutdownTimeoutMs: 10_000 });
    expect(parseServerConfig({ metrics: true }, {}).metrics).toBe(true);
    expect(parseServerConfig({}, { REFROCKET_METRICS: '1' }).metrics).toBe(true);
    expect(parseServerConfig({ metrics: true }, { REFROCKET_METRICS: '0' }).metrics).toBe(true);
    expect(parseServerConfig({ metricsPort: '9464' }, {})).toMatchObject({ metrics: true, metricsPort: 9464 });
  });

  it('slow-client and heavy-read settings: defaults, env, flags win, bad values name the setting', () => {
    expect(parseServerConfig({}, {})).toMatchObject({ requestTimeoutMs: 30_000, connectionTimeoutMs: 60_000, maxConnectionsPerIp: 100, heavyReadsPerClient: 4 });
    expect(parseServerConfig({}, { REFROCKET_REQUEST_TIMEOUT: '5', REFROCKET_CONNECTION_TIMEOUT: '7', REFROCKET_MAX_CONNECTIONS_PER_IP: '0', REFROCKET_HEAVY_READS: '2' }))
      .toMatchObject({ requestTimeoutMs: 5_000, connectionTimeoutMs: 7_000, maxConnectionsPerIp: 0, heavyReadsPerClient: 2 });
    expect(parseServerConfig({ requestTimeout: '9', heavyReads: '8' }, { REFROCKET_REQUEST_TIMEOUT: '5' })).toMatchObject({ requestTimeoutMs: 9_000, heavyReadsPerClient: 8 });
    expect(() => parseServerConfig({ requestTimeout: '0' }, {})).toThrow(/^--request-timeout must be a whole number of seconds from 1 to 3600, got "0"/);
    expect(() => parseServerConfig({}, { REFROCKET_MAX_CONNECTIONS_PER_IP: 'lots' })).toThrow(/^REFROCKET_MAX_CONNECTIONS_PER_IP /);
    expect(() => parseServerConfig({}, { REFROCKET_HEAVY_READS: '1.5' })).toThrow(/^REFROCKET_HEAVY_READS /);
  });
});

describe('CLI (the built bin, as npx runs it)', () => {
  const cli = (...args: string[]) => run('node', ['bin/refrocket.mjs', ...args], { cwd: process.cwd() });
  const db = join(dir, 'cli.db');

  it('contests create, entries create, keys create print JSON; the key works and is stored hashed', async () => {
    const contest = JSON.parse((await cli('contests', 'create', '--title', 'Summer Giveaway', '--id', 'clx1abc123', '--friend-points', '7', '--db', db)).stdout);
    expect(contest).toMatchObject({ id: 'clx1abc123', title: 'Summer Giveaway', status: 'active', isEvergreen: true, slug: 'summer-giveaway', webhookSecret: expect.stringMatching(/^whsec_/) });
    const entry = JSON.parse((await cli('entries', 'create', '--contest', 'clx1abc123', '--email', 'jane@example.com', '--name', 'Jane Doe', '--code', 'REF-XYZ789', '--db', db)).stdout);
    expect(entry).toMatchObject({ id: expect.stringMatching(/^entry_/), email: 'jane@example.com', referralCode: 'REF-XYZ789', points: 0 });
    const key = JSON.parse((await cli('keys', 'create', '--type', 'private', '--db', db)).stdout);
    expect(key).toEqual({ key: expect.stringMatching(/^rr_sk_/), type: 'private' });

    const raw = new Database(db, { readonly: true });
    expect(JSON.stringify(raw.prepare('SELECT * FROM api_keys').all())).not.toContain(key.key);
    expect(raw.prepare('SELECT friend_points FROM contests').pluck().get()).toBe(7);
    raw.close();

    const app = buildApp({ store: createSqliteStore(db), closeStore: true });
    const res = await app.inject({ method: 'GET', url: '/api/v1/contests/clx1abc123', headers: { 'x-api-key': key.key } });
    expect(res.json().data).toMatchObject({ id: 'clx1abc123', entriesCount: 1, settings: { friendPoints: 7 } });
    await app.close();
  });

  it('keys create --contest scopes a public key to that contest; a private key or an unknown contest is refused', async () => {
    await cli('contests', 'create', '--title', 'Scoped', '--id', 'scoped1', '--db', db);
    const scoped = JSON.parse((await cli('keys', 'create', '--type', 'public', '--contest', 'scoped1', '--db', db)).stdout);
    expect(scoped).toEqual({ key: expect.stringMatching(/^rr_pk_/), type: 'public', contestId: 'scoped1' });
    await expect(cli('keys', 'create', '--type', 'private', '--contest', 'scoped1', '--db', db)).rejects.toThrow(/only public keys can be scoped/);
    await expect(cli('keys', 'create', '--type', 'public', '--contest', 'nope', '--db', db)).rejects.toThrow(/Contest not found/);
    const app = buildApp({ store: createSqliteStore(db), closeStore: true });
    const own = await app.inject({ method: 'GET', url: '/api/v1/contests/scoped1', headers: { 'x-api-key': scoped.key } });
    expect(own.statusCode).toBe(200);
    const other = await app.inject({ method: 'GET', url: '/api/v1/contests/clx1abc123', headers: { 'x-api-key': scoped.key } });
    expect(other.statusCode).toBe(403);
    await app.close();
  });

  it('serve refuses to start on a database whose migration fails, naming the migration', async () => {
    const broken = join(dir, 'broken.db');
    const raw = new Database(broken);
    raw.exec('CREATE TABLE contests (something_else TEXT)'); // migration 1 cannot create it
    raw.close();
    const failure = await cli('serve', '--port', '0', '--db', broken).catch((e) => e);
    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(/^refrocket: migration 1 \(initial schema\) failed: table contests already exists/);
  });

  it('backup refuses a source that does not exist, and creates nothing', async () => {
    const missing = join(dir, 'no-such.db');
    const failure = await cli('backup', '--db', missing, '--out', join(dir, 'copy.db')).catch((e) => e);
    expect(failure.code).toBe(1);
    expect(existsSync(missing)).toBe(false);
    expect(existsSync(join(dir, 'copy.db'))).toBe(false);
  });

  it('keys list shows no key material; keys revoke stops a key (by id or by the key)', async () => {
    const { key } = JSON.parse((await cli('keys', 'create', '--type', 'public', '--label', 'widget', '--db', db)).stdout);
    const listing = JSON.parse((await cli('keys', 'list', '--db', db)).stdout) as Array<{ id: string; label: string | null; prefix: string; revokedAt: string | null }>;
    expect(JSON.stringify(listing)).not.toContain(key);
    const widget = listing.find((k) => k.label === 'widget')!;
    expect(key.startsWith(widget.prefix)).toBe(true);
    expect(JSON.parse((await cli('keys', 'revoke', '--key', widget.id, '--db', db)).stdout)).toEqual({ revoked: true });
    const again = await cli('keys', 'revoke', '--key', key, '--db', db).catch((e) => e);
    expect(again.code).toBe(1);
    const app = buildApp({ store: createSqliteStore(db), closeStore: true });
    const res = await app.inject({ method: 'GET', url: '/api/v1/contests', headers: { 'x-api-key': key } });
    expect(res.statusCode).toBe(401);
    await app.close();
  });

  it('errors go to stderr with a non-zero exit', async () => {
    const failure = await cli('entries', 'create', '--contest', 'missing', '--email', 'a@b.co', '--db', db).catch((e) => e);
    expect(failure.code).toBe(1);
    expect(failure.stderr).toBe('refrocket: Contest not found\n');
    expect(failure.stdout).toBe('');
    const badEmail = await cli('entries', 'create', '--contest', 'clx1abc123', '--email', 'not an email', '--db', db).catch((e) => e);
    expect(badEmail.stderr).toBe('refrocket: --email must be a valid email address\n');
    const badCode = await cli('entries', 'create', '--contest', 'clx1abc123', '--email', 'x@example.com', '--code', 'ref xyz', '--db', db).catch((e) => e);
    expect(badCode.stderr).toMatch(/^refrocket: --code must be 1-64 letters/);
    const badType = await cli('keys', 'create', '--type', 'root', '--db', db).catch((e) => e);
    expect(badType.code).not.toBe(0);
    expect(badType.stderr).toMatch(/--type/);
  });

  it('keeps V8 code cache beside the bundle; a corrupt or stale cache is replaced, never fatal', async () => {
    const cache = join(process.cwd(), 'dist', 'cli.cjs.cache');
    await cli('--version');
    expect(readFileSync(cache).length).toBeGreaterThan(10_000);
    writeFileSync(cache, 'not a code cache');
    expect((await cli('--version')).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(readFileSync(cache).length).toBeGreaterThan(10_000);
  });

  it('the code cache a serving collector writes is accepted at its next start', async () => {
    // serve sets V8 flags (server/heap-limits.ts), and V8 rejects a cache made under other flags:
    // bin/refrocket.mjs must compile under the same ones, or every start compiles from scratch.
    // A copy of bin/ and dist/ of its own, so other tests' runs cannot touch its cache.
    const copy = join(dir, 'cache-copy');
    for (const sub of ['bin', 'dist', 'server']) mkdirSync(join(copy, sub), { recursive: true });
    for (const file of ['bin/refrocket.mjs', 'server/heap-limits.json', 'dist/cli.cjs', 'dist/write-worker.cjs', 'dist/checkpointer.cjs']) {
      copyFileSync(join(process.cwd(), file), join(copy, file));
    }
    symlinkSync(join(process.cwd(), 'node_modules'), join(copy, 'node_modules'));
    const cache = join(copy, 'dist', 'cli.cjs.cache');
    // The cache is written when serve exits.
    const serveOnce = () =>
      whileServing(join(copy, 'bin/refrocket.mjs'), ['--port', '0', '--host', '127.0.0.1', '--db', join(copy, 'db.sqlite')], {}, async () => {});

    await serveOnce(); // no cache yet: compiles, then writes one
    const written = statSync(cache);
    expect(written.size).toBeGreaterThan(10_000);
    await serveOnce();
    // A rejected cache is replaced by a new file (written beside it, then renamed over it).
    expect(statSync(cache).ino).toBe(written.ino);
  });

  it('--version and --help', async () => {
    expect((await cli('--version')).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = (await cli('--help')).stdout;
    for (const command of ['serve', 'contests', 'entries', 'keys', 'backup']) expect(help).toContain(command);
  });

  it('serve starts on PORT/HOST/REFROCKET_DB from the environment, answers the seed curl, stops on SIGTERM', async () => {
    await whileServing('bin/refrocket.mjs', [], { PORT: '0', HOST: '127.0.0.1', REFROCKET_DB: db }, async (port) => {
      const res = await fetch(`http://127.0.0.1:${port}/api/referral/validate-code?code=REF-XYZ789&contestId=clx1abc123`);
      expect(await res.json()).toMatchObject({ valid: true, referrerName: 'Jane Doe' });
    });
  });

  it('the built bundle serves the participant pages and their hashed script (embedded, not built at start-up)', async () => {
    await whileServing('bin/refrocket.mjs', [], { PORT: '0', HOST: '127.0.0.1', REFROCKET_DB: db }, async (port) => {
      const base = `http://127.0.0.1:${port}`;
      const page = await fetch(`${base}/c/clx1abc123?ref=REF-XYZ789`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('data-ref="REF-XYZ789"');
      const script = /src="(\/c\/assets\/contest\.[\w-]+\.js)"/.exec(html)![1];
      const asset = await fetch(`${base}${script}`, { headers: { 'accept-encoding': 'br' } });
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-encoding')).toBe('br');
      expect(await asset.text()).toContain('/api/contest-pages/join');
      expect((await fetch(`${base}/c/clx1abc123/leaderboard`)).status).toBe(200);
      // Joining runs on the write thread (a file database): the answer crosses it as plain data.
      const joined = await fetch(`${base}/api/contest-pages/join`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ contestId: 'clx1abc123', email: 'platform-join@example.com', name: 'Pat', referralCode: 'REF-XYZ789' }),
      });
      const { data } = await joined.json();
      expect(data.status).toBe('joined');
      const me = await (await fetch(data.privateUrl)).text();
      expect(me).toMatch(/id="my-points">\d+<\/dd>/);
      expect(me).toContain('Hi Pat!');
    });
  });
});
