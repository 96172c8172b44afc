import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp, type App } from '../../server/app.js';
import { createApiKey, revokeApiKey } from '../../server/collector/api-keys.js';
import { createContest } from '../../server/collector/contests.js';
import { migrateStore, type MigrateProgress } from '../../server/store/migrate-store.js';
import { openStore } from '../../server/store/open-store.js';
import { TABLES, type Row, type Store, type TableName } from '../../server/store/repositories.js';
import { dropDatabase, freshDatabase } from '../helpers/postgres.js';
import { BROWSER_UA, T0 } from '../helpers/test-app.js';
import { callApp } from '../api/v1-helpers.js';

/**
 * `refrocket migrate-store`: an install built through the real API on a SQLite file is moved to
 * PostgreSQL by the CLI, as a user would run it, and both stores must then answer the API alike.
 */

const DAY = 86_400_000;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile('node', ['bin/refrocket.mjs', ...args], { cwd: process.cwd() }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function counts(store: Store): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const table of TABLES) result[table] = await store.tables.count(table);
  return result;
}

async function allRows(store: Store, table: TableName): Promise<Row[]> {
  return store.tables.page(table, undefined, 1_000_000);
}

async function appOn(store: Store, clock: { now: number }): Promise<App> {
  const app = buildApp({ store, closeStore: true, now: () => clock.now, validateResponses: true, webhooks: { deliver: false } });
  await app.ready();
  return app;
}


interface Fixture {
  privateKey: string;
  publicKey: string;
  revokedKey: string;
  contestIds: string[];
  webhookSecret: string;
}

/** Every kind of row, made through the API and the rules (the clock pinned, moved between steps). */
async function seed(app: App, store: Store, clock: { now: number }): Promise<Fixture> {
  const ctx = { store, now: () => clock.now };
  const { key: privateKey } = await store.transaction((tx) => createApiKey({ ...ctx, store: tx }, 'private', 'admin'));
  const { key: publicKey } = await store.transaction((tx) => createApiKey({ ...ctx, store: tx }, 'public', 'widget'));
  const { key: revokedKey } = await store.transaction((tx) => createApiKey({ ...ctx, store: tx }, 'private', 'old'));
  clock.now += 1000;
  expect(await store.transaction((tx) => revokeApiKey({ ...ctx, store: tx }, revokedKey))).toBe(true);

  const ok = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown, key = privateKey) => {
    const res = await callApp(app, method, url, key, body);
    expect(res.status, `${method} ${url}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
    clock.now += 1000;
    return res.body;
  };
  const post = async (url: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA, ...headers }, payload: JSON.stringify(body) });
    expect(res.statusCode, `POST ${url}: ${res.body}`).toBeLessThan(300);
    clock.now += 1000;
    return res.json();
  };

  // Contest A: bonus actions, settings changed afterwards (and one bonus action dropped: archived).
  const a = await ok('POST', '/api/v1/contests', {
    id: 'contest_a',
    title: 'Spring Launch',
    description: 'Refer friends, win things',
    mode: 'leaderboard',
    settings: { advocatePoints: 20, friendPoints: 7, purchasePointsPerUnit: 2 },
    bonusActions: [
      { action: 'follow_twitter', description: 'Follow us', points: 15 },
      { action: 'share_facebook', description: 'Share', points: 10 },
      { action: 'newsletter', points: 3 },
    ],
  });
  const webhookSecret = a.data.webhookSecret as string;
  await ok('PUT', '/api/v1/contests/contest_a', {
    settings: { advocatePoints: 25, cookieDays: 60 },
    bonusActions: [
      { action: 'follow_twitter', description: 'Follow us on Twitter', points: 15 },
      { action: 'newsletter', points: 4 },
    ],
  });
  // Contest B: a few entries and a visit, then paused.
  await ok('POST', '/api/v1/contests', { id: 'contest_b', title: 'Autumn Waitlist', mode: 'waitlist' });
  // Contest C: created by the rules directly, empty (a contest with no rows anywhere else).
  await store.transaction((tx) => createContest({ ...ctx, store: tx }, { id: 'contest_c', title: 'Empty one' }));

  const entry = async (contestId: string, body: Record<string, unknown>) =>
    (await ok('POST', `/api/v1/contests/${contestId}/entries`, body)).data as { id: string; referralCode: string };

  const jane = await entry('contest_a', { email: 'Jane@Example.com', name: 'Jane Doe' });
  const phoneOnly = await entry('contest_a', { phone: '+15550001111', name: 'Phone Only' });
  // Referred signups: through the browser endpoint, the API, and the signup webhook.
  const john = (await post('/api/referral/track-signup', { email: 'john@example.com', contestId: 'contest_a', referralCode: jane.referralCode, name: 'John' })).data;
  expect(john.isReferred).toBe(true);
  const johnCode = (await ok('GET', `/api/v1/entries/${john.entryId}`)).data.referralCode;
  const mia = await entry('contest_a', { email: 'mia@example.com', name: 'Mia', referralCode: johnCode });
  await post('/api/webhooks/signup/contest_a', { email: 'webhook@example.com', name: 'Via Webhook', referralCode: jane.referralCode }, { 'x-webhook-secret': webhookSecret });
  await entry('contest_a', { email: 'phonefriend@example.com', referralCode: phoneOnly.referralCode });
  // Self-referral: Jane signing up with her own code earns nothing and creates nothing.
  const self = await post('/api/referral/track-signup', { email: 'jane@example.com', contestId: 'contest_a', referralCode: jane.referralCode });
  expect(self.data.isReferred).toBe(false);
  // Unknown code: an entry, not referred.
  await post('/api/referral/track-signup', { email: 'lost@example.com', contestId: 'contest_a', referralCode: 'REF-NOPE99' });
  // Fraud review: two throwaway-address referrals held, one approved (released), one left pending.
  for (const email of ['burner1@mailinator.com', 'burner2@mailinator.com']) {
    await post('/api/referral/track-signup', { email, contestId: 'contest_a', referralCode: jane.referralCode });
  }
  const held = (await ok('GET', '/api/v1/contests/contest_a/flags')).data as Array<{ id: string }>;
  expect(held).toHaveLength(2);
  await ok('POST', `/api/v1/flags/${held[0].id}/approve`);
  // Many plain entries (several pages of the entries list), some referred by Mia.
  for (let i = 0; i < 23; i++) {
    await entry('contest_a', {
      email: `user${String(i).padStart(2, '0')}@example.com`,
      name: i % 3 === 0 ? null : `User ${i}`,
      ...(i % 4 === 0 ? { referralCode: mia.referralCode } : {}),
    });
  }
  const cheater = await entry('contest_a', { email: 'cheater@example.com', name: 'Cheater', referralCode: jane.referralCode });
  const gone = await entry('contest_a', { email: 'gone@example.com', name: 'To Be Erased', phone: '+15550002222', referralCode: mia.referralCode });

  // Visits (a visitor salt for the day), purchases, bonus completions, an adjustment.
  for (const code of [jane.referralCode, jane.referralCode, mia.referralCode, phoneOnly.referralCode]) {
    await post('/api/referral/track-visit', { referralCode: code, contestId: 'contest_a', url: 'https://shop.example.com/landing', referrer: 'https://social.example.com/' });
  }
  await ok('POST', '/api/v1/contests/contest_a/purchases', { email: 'jane@example.com', orderId: 'order-1', amount: 19.99, currency: 'USD' });
  await post('/api/referral/track-purchase', { email: 'john@example.com', contestId: 'contest_a', orderId: 'order-2', amount: 50, currency: 'EUR', referralCode: jane.referralCode });
  await post('/api/webhooks/purchase/contest_a', { email: 'stranger@example.com', orderId: 'order-3', amount: 5, currency: 'USD' }, { 'x-webhook-secret': webhookSecret });
  await post('/api/webhooks/purchase/contest_a', { email: 'gone@example.com', orderId: 'order-4', amount: 12, currency: 'USD' }, { 'x-webhook-secret': webhookSecret });
  const bonus = (await ok('GET', `/api/v1/entries/${jane.id}/bonus-actions`)).data.actions as Array<{ id: string; action: string }>;
  for (const action of bonus) await ok('POST', `/api/v1/entries/${jane.id}/bonus-actions/${action.id}/complete`, undefined, publicKey);
  await ok('POST', `/api/v1/entries/${mia.id}/bonus-actions/${bonus[0].id}/complete`, undefined, publicKey);
  await ok('POST', `/api/v1/entries/${cheater.id}/points`, { points: 40, reason: 'contest win' });
  await ok('POST', `/api/v1/entries/${cheater.id}/points`, { points: -12, reason: 'correction' });
  await ok('POST', `/api/v1/entries/${john.entryId}/points`, { points: -3, reason: 'spam penalty' });
  // Issue 16: a refund, a processed Stripe event, an outbound endpoint with an event, a delivery and an attempt.
  await post('/api/webhooks/refund/contest_a', { orderId: 'order-2', amount: 20, refundId: 're_fixture' }, { 'x-webhook-secret': webhookSecret });
  await store.transaction((tx) => tx.purchases.markStripeEvent('contest_a', 'evt_fixture', 'customer.created', 5_000));
  await store.transaction((tx) => tx.webhooks.insertEndpoint({
    id: 'we_fixture', url: 'https://hooks.example.com/refrocket', description: 'fixture', events: ['entry.created'],
    disabled: false, disabledReason: null, failingSince: null, createdAt: 5_000, updatedAt: 5_000,
  }, 'whsec_Zml4dHVyZWZpeHR1cmVmaXh0dXJl'));
  await entry('contest_a', { email: 'hooked@example.com', name: 'Hooked' });
  await store.transaction(async (tx) => {
    const [claimed] = await tx.webhooks.claimDue(Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER, 1);
    await tx.webhooks.recordAttempt(claimed.deliveryId, { id: 'att_fixture', attemptedAt: 6_000, durationMs: 12, responseStatus: 503, error: null, nextAttemptAt: 9_000 }, 'pending');
  });
  // A participant page link, an operator and an audit row.
  await ok('GET', `/api/v1/entries/${jane.id}/hub-link`);
  await store.transaction(async (tx) => {
    await tx.operators.insert({ id: 'op_1', email: 'ops@example.com', passwordHash: 'scrypt$1$1$1$AA==$AA==', createdAt: clock.now });
    await tx.operators.appendAudit({ operatorEmail: 'ops@example.com', action: 'POST /api/v1/entries/:entryId/points', contestId: 'contest_a', entryId: john.entryId, detail: null, createdAt: clock.now });
  });

  // Confirmed, disqualified with a reason, erased.
  await ok('PUT', `/api/v1/entries/${jane.id}`, { emailConfirmed: true });
  await ok('PUT', `/api/v1/entries/${mia.id}`, { emailConfirmed: true, name: 'Mia Renamed' });
  await ok('POST', `/api/v1/entries/${cheater.id}/disqualify`, { reason: 'duplicate accounts' });
  await ok('DELETE', `/api/v1/entries/${gone.id}`);

  // Contest B: entries, a referral, a visit on another day (its salt replaces the first), paused.
  clock.now += DAY;
  const ann = await entry('contest_b', { email: 'ann@example.com', name: 'Ann' });
  await post('/api/referral/track-signup', { email: 'bob@example.com', contestId: 'contest_b', referralCode: ann.referralCode });
  await post('/api/referral/track-visit', { referralCode: ann.referralCode, contestId: 'contest_b', url: null, referrer: null });
  await ok('PUT', '/api/v1/contests/contest_b', { status: 'paused', description: 'On hold' });

  return { privateKey, publicKey, revokedKey, contestIds: ['contest_a', 'contest_b', 'contest_c'], webhookSecret };
}

/** Every API answer the install gives, in a fixed order, for comparing two stores. */
async function answers(app: App, fx: Fixture) {
  const out: Array<[string, unknown]> = [];
  const get = async (url: string, key = fx.privateKey) => {
    const res = await callApp(app, 'GET', url, key);
    out.push([url, res]);
    return res.body;
  };
  await get('/api/v1/contests');
  await get('/api/v1/contests', fx.publicKey);
  for (const contestId of fx.contestIds) {
    await get(`/api/v1/contests/${contestId}`);
    await get(`/api/v1/contests/${contestId}/leaderboard?limit=100`);
    await get(`/api/v1/contests/${contestId}/leaderboard`);
    await get(`/api/v1/contests/${contestId}/analytics`);
    for (const status of ['pending', 'approved']) await get(`/api/v1/contests/${contestId}/flags?status=${status}`);
    const entries: Array<{ id: string; referralCode: string; email: string | null }> = [];
    for (let page = 1; ; page++) {
      const body = await get(`/api/v1/contests/${contestId}/entries?page=${page}&limit=7`);
      entries.push(...body.data);
      if (page >= body.pagination.totalPages) break;
    }
    await get(`/api/v1/contests/${contestId}/entries?search=user1&limit=100`);
    for (const e of entries) {
      await get(`/api/v1/entries/${e.id}`);
      await get(`/api/v1/entries/${e.id}/ledger`);
      await get(`/api/v1/entries/${e.id}/bonus-actions`);
      await get(`/api/referral/validate-code?code=${encodeURIComponent(e.referralCode)}&contestId=${contestId}`, '');
      if (e.email) await get(`/api/v1/entries/lookup/bonus-actions?email=${encodeURIComponent(e.email)}&contestId=${contestId}`);
    }
    await get(`/api/referral/validate-code?code=REF-NOPE99&contestId=${contestId}`, '');
  }
  return out;
}

const pgServer = inject('pgUrl');

describe('refrocket migrate-store (CLI), SQLite file → PostgreSQL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'refrocket-migrate-'));
  const file = join(dir, 'source.db');
  const clock = { now: T0 };
  let fx: Fixture;
  let target = '';
  let migration: CliResult;

  beforeAll(async () => {
    const store = await openStore(file);
    const app = await appOn(store, clock);
    try {
      fx = await seed(app, store, clock);
      expect(await store.invariantViolations()).toEqual([]);
    } finally {
      await app.close();
    }
    target = await freshDatabase(pgServer);
    migration = await cli('migrate-store', '--from', file, '--to', target);
  }, 120_000);

  afterAll(async () => {
    if (target) await dropDatabase(target);
    rmSync(dir, { recursive: true, force: true });
  });

  it('the fixture holds every kind of row', async () => {
    const store = await openStore(file);
    try {
      const n = await counts(store);
      for (const table of TABLES) expect(n[table], table).toBeGreaterThan(0);
      const entries = await allRows(store, 'entries');
      expect(entries.some((e) => e.referred_by !== null)).toBe(true);
      expect(entries.some((e) => e.disqualified === 1 && e.disqualified_reason === 'duplicate accounts')).toBe(true);
      expect(entries.some((e) => e.erased_at !== null && e.email === null)).toBe(true);
      expect(entries.some((e) => e.email === null && e.phone !== null && e.erased_at === null)).toBe(true);
      expect(entries.some((e) => e.email_confirmed === 1)).toBe(true);
      const ledger = await allRows(store, 'points_ledger');
      for (const reason of ['referral_advocate', 'referral_friend', 'purchase', 'bonus_action', 'adjustment']) {
        expect(ledger.some((l) => l.reason === reason), reason).toBe(true);
      }
      expect(ledger.some((l) => (l.delta as number) < 0)).toBe(true);
      const purchases = await allRows(store, 'purchases');
      expect(purchases.some((p) => p.purchaser_entry_id === null)).toBe(true);
      expect((await allRows(store, 'api_keys')).some((k) => k.revoked_at !== null)).toBe(true);
      expect((await allRows(store, 'bonus_actions')).some((b) => b.archived === 1)).toBe(true);
      const contests = await allRows(store, 'contests');
      expect(contests.find((c) => c.id === 'contest_b')?.status).toBe('paused');
      expect(contests.find((c) => c.id === 'contest_a')?.advocate_points).toBe(25);
    } finally {
      await store.close();
    }
  });

  it('exits 0, prints the summary JSON, reports progress on stderr, never the password', async () => {
    expect(migration.stderr).not.toMatch(/^refrocket: (?!migrating)/m);
    expect(migration.code).toBe(0);
    const summary = JSON.parse(migration.stdout);
    expect(summary.from).toBe(file);
    expect(Object.keys(summary.tables)).toEqual([...TABLES]);
    const source = await openStore(file);
    try {
      expect(summary.tables).toEqual(await counts(source));
    } finally {
      await source.close();
    }
    expect(summary.rows).toBe(Object.values(summary.tables as Record<string, number>).reduce((a, b) => a + b, 0));
    expect(summary.ms).toBeGreaterThanOrEqual(0);
    // Not a terminal: a line per step (start, ~10% steps, end).
    for (const table of TABLES) expect(migration.stderr).toMatch(new RegExp(`^copying ${table}: \\d+/\\d+ rows \\(100%\\)$`, 'm'));
    expect(migration.stderr).toMatch(/^verifying entry points and referral counts: .*\(100%\)$/m);
    expect(migration.stderr).toMatch(/^verifying invariants: 1\/1 \(100%\)$/m);
    expect(migration.stderr).not.toContain('\r');
    const password = new URL(target).password;
    expect(password.length).toBeGreaterThan(0);
    expect(migration.stdout).not.toContain(password);
    expect(migration.stderr).not.toContain(password);
    expect(summary.to).toBe(new URL(target).toString().replace(`:${password}@`, '@'));
  });

  it('PostgreSQL answers the API exactly as the SQLite file does', async () => {
    expect(migration.code).toBe(0);
    const sqlite = await appOn(await openStore(file), clock);
    const postgres = await appOn(await openStore(target), clock);
    try {
      const expected = await answers(sqlite, fx);
      const actual = await answers(postgres, fx);
      expect(actual.map(([url]) => url)).toEqual(expected.map(([url]) => url));
      for (const [i, [url, res]] of expected.entries()) {
        expect(actual[i][1], url).toEqual(res);
        expect((res as { status: number }).status, url).toBe(200);
      }
      expect(expected.length).toBeGreaterThan(100);

      // The keys: live ones authenticate on PostgreSQL, the revoked one does not.
      for (const app of [sqlite, postgres]) {
        expect((await callApp(app, 'GET', '/api/v1/contests', fx.publicKey)).status).toBe(200);
        expect((await callApp(app, 'GET', '/api/v1/contests', fx.revokedKey)).status).toBe(401);
        expect((await callApp(app, 'GET', '/api/v1/contests', 'rr_sk_not-a-key')).status).toBe(401);
        // The public key may not write; the private one may.
        expect((await callApp(app, 'PUT', '/api/v1/contests/contest_c', fx.publicKey, { description: 'x' })).status).toBe(403);
      }
      // New writes on PostgreSQL continue after the copied ids (sequences moved past them).
      const jane = (await callApp(postgres, 'GET', '/api/v1/contests/contest_a/entries?search=jane', fx.privateKey)).body.data[0];
      const adjusted = await callApp(postgres, 'POST', `/api/v1/entries/${jane.id}/points`, fx.privateKey, { points: 5, reason: 'after the move' });
      expect(adjusted.status).toBe(200);
      expect(adjusted.body.data.points).toBe(jane.points + 5);
      const visit = await postgres.inject({
        method: 'POST',
        url: '/api/referral/track-visit',
        headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA },
        payload: JSON.stringify({ referralCode: jane.referralCode, contestId: 'contest_a', url: null, referrer: null }),
      });
      expect(visit.statusCode).toBe(200);
      const signup = await callApp(postgres, 'POST', '/api/v1/contests/contest_a/entries', fx.privateKey, { email: 'after@example.com', referralCode: jane.referralCode });
      expect(signup.status).toBe(201);
      const analytics = (await callApp(postgres, 'GET', '/api/v1/contests/contest_a/analytics', fx.privateKey)).body.data;
      const before = (await callApp(sqlite, 'GET', '/api/v1/contests/contest_a/analytics', fx.privateKey)).body.data;
      expect(analytics.totalViews).toBe(before.totalViews + 1);
      expect(analytics.totalEntries).toBe(before.totalEntries + 1);
    } finally {
      await sqlite.close();
      await postgres.close();
    }
    const check = await openStore(target);
    try {
      expect(await check.invariantViolations()).toEqual([]);
    } finally {
      await check.close();
    }
  });

  it('refuses a target that holds rows: exit 1, names the table, changes nothing there', async () => {
    expect(migration.code).toBe(0);
    const store = await openStore(target);
    const before = await counts(store);
    const rows = await allRows(store, 'entries');
    await store.close();
    const again = await cli('migrate-store', '--from', file, '--to', target);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(/^refrocket: the target .* is not empty: table contests holds \d+ rows/m);
    expect(again.stderr).not.toContain(new URL(target).password);
    const after = await openStore(target);
    try {
      expect(await counts(after)).toEqual(before);
      expect(await allRows(after, 'entries')).toEqual(rows);
    } finally {
      await after.close();
    }
  });

  it('refuses a source file that does not exist (instead of creating an empty one)', async () => {
    const missing = join(dir, 'missing.db');
    const res = await cli('migrate-store', '--from', missing, '--to', join(dir, 'never.db'));
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`refrocket: --from: no database at ${missing}`);
  });
});

describe('migrateStore', () => {
  /** A source with one contest and entries given ids and referrers directly. */
  async function sourceWith(entries: Array<{ id: string; referredBy?: string }>) {
    const store = await openStore(':memory:');
    const ctx = { store, now: () => T0 };
    await store.transaction((tx) => createContest({ ...ctx, store: tx }, { id: 'contest_m', title: 'Same millisecond' }));
    for (const [i, e] of entries.entries()) {
      const entry = (await store.entries.insert({
        id: e.id,
        contestId: 'contest_m',
        email: `${i}@example.com`,
        emailNormalized: `${i}@example.com`,
        name: null,
        phone: null,
        referralCode: `REF-M${i}`,
        referredBy: e.referredBy ?? null,
        emailConfirmed: false,
        createdAt: T0,
      }))!;
      await store.ledger.award(entry, 5, 'referral_friend', entry.id, T0);
      if (e.referredBy) await store.ledger.award({ id: e.referredBy, contestId: 'contest_m' }, 10, 'referral_advocate', entry.id, T0);
    }
    return store;
  }

  // Created in one millisecond (the same 9-symbol time prefix), the friends' random parts sort
  // before their referrers': id order puts friends first.
  const ms = 'entry_01jb2c3d4';
  const chain = [
    { id: `${ms}zzzzzzzzzzzz` },
    { id: `${ms}mmmmmmmmmmmm`, referredBy: `${ms}zzzzzzzzzzzz` },
    { id: `${ms}aaaaaaaaaaaa`, referredBy: `${ms}mmmmmmmmmmmm` },
    { id: `${ms}bbbbbbbbbbbb`, referredBy: `${ms}zzzzzzzzzzzz` },
    { id: `entry_00000000000000000000`, referredBy: `${ms}aaaaaaaaaaaa` },
  ];

  for (const engine of ['sqlite', 'postgres'] as const) {
    for (const pageSize of [1, 2, 5_000]) {
      it(`copies friends whose ids sort before their referrer's (→ ${engine}, pages of ${pageSize})`, async () => {
        const from = await sourceWith(chain);
        const url = engine === 'postgres' ? await freshDatabase(pgServer) : '';
        const to = await openStore(url || ':memory:');
        try {
          const events: MigrateProgress[] = [];
          const summary = await migrateStore(from, to, (p) => events.push(p), { pageSize });
          expect(summary.tables.entries).toBe(chain.length);
          expect(summary.tables.points_ledger).toBe(9);
          const copied = await allRows(to, 'entries');
          expect(copied.map((e) => [e.id, e.referred_by, e.points, e.referrals_count])).toEqual(
            (await allRows(from, 'entries')).map((e) => [e.id, e.referred_by, e.points, e.referrals_count]),
          );
          expect(copied.find((e) => e.id === `${ms}zzzzzzzzzzzz`)?.referrals_count).toBe(2);
          expect(await to.contests.stats('contest_m')).toEqual(await from.contests.stats('contest_m'));
          const entryEvents = events.filter((e) => e.phase === 'copy' && e.table === 'entries');
          expect(entryEvents.at(-1)).toEqual({ phase: 'copy', table: 'entries', done: 5, total: 5 });
        } finally {
          await from.close();
          await to.close();
          if (url) await dropDatabase(url);
        }
      });
    }
  }

  it('refuses a non-empty target, naming the table, before copying anything', async () => {
    const from = await sourceWith([{ id: 'entry_1' }]);
    const to = await openStore(':memory:');
    try {
      await to.transaction((tx) => createApiKey({ store: tx, now: () => T0 }, 'public'));
      await expect(migrateStore(from, to)).rejects.toThrow(/table api_keys holds 1 row;/);
      expect(await to.tables.count('contests')).toBe(0);
    } finally {
      await from.close();
      await to.close();
    }
  });

  /** The target with its insertCopied rewriting rows of one table on the way in. */
  function tampered(store: Store, table: TableName, change: (rows: Row[]) => Row[]): Store {
    return {
      ...store,
      tables: {
        ...store.tables,
        insertCopied: (t, rows) => store.tables.insertCopied(t, t === table ? change(rows) : rows),
      },
    };
  }

  it('reports a referral counter that does not match the source', async () => {
    const from = await sourceWith(chain);
    const to = await openStore(':memory:');
    try {
      // The link from bbbb… to its referrer is lost: the referrer's referrals_count is 1, not 2.
      const bad = tampered(to, 'entries', (rows) =>
        rows.map((r) => (r.id === `${ms}bbbbbbbbbbbb` ? { ...r, referred_by: null } : r)));
      await expect(migrateStore(from, bad)).rejects.toThrow(
        `entry ${ms}zzzzzzzzzzzz: referrals_count 2 in the source, 1 in the target`,
      );
    } finally {
      await from.close();
      await to.close();
    }
  });

  it('reports points and contest totals that do not match the source', async () => {
    const from = await sourceWith(chain);
    const url = await freshDatabase(pgServer);
    const to = await openStore(url);
    try {
      const bad = tampered(to, 'points_ledger', (rows) =>
        rows.map((r, i) => (i === 0 ? { ...r, delta: (r.delta as number) + 1 } : r)));
      const error = await migrateStore(from, bad).then(() => undefined, (e: Error) => e);
      expect(error?.message).toMatch(/^the copy does not match the source .*: entry entry_\w+: points \d+ in the source, \d+ in the target/);
    } finally {
      await from.close();
      await to.close();
      await dropDatabase(url);
    }
  });

  it('reports missing rows per table', async () => {
    const from = await sourceWith(chain);
    const to = await openStore(':memory:');
    try {
      const bad = tampered(to, 'points_ledger', (rows) => rows.slice(1));
      await expect(migrateStore(from, bad)).rejects.toThrow('table points_ledger: 9 rows in the source, 8 in the target');
    } finally {
      await from.close();
      await to.close();
    }
  });

  it('reports contest stats that differ (views counted without a visit row)', async () => {
    const from = await sourceWith(chain);
    const to = await openStore(':memory:');
    try {
      // Visits of another contest id: the rows arrive, but contest_m's views do not.
      await from.visits.insert({ contestId: 'contest_m', entryId: `${ms}zzzzzzzzzzzz`, url: null, referrer: null, visitorKey: null, createdAt: T0 });
      const bad = tampered(to, 'visits', (rows) => rows.map((r) => ({ ...r, contest_id: 'elsewhere' })));
      await expect(migrateStore(from, bad)).rejects.toThrow('contest contest_m: viewsCount 1 in the source, 0 in the target');
    } finally {
      await from.close();
      await to.close();
    }
  });
});
