import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addOperator, newOperator, passwordMatches } from '../../server/collector/operators.js';
import { createHash } from 'node:crypto';
import { createTestApp, forEachEngine, useTestApp, type TestApp } from '../helpers/test-app.js';
import { seedV1 } from '../api/v1-helpers.js';

const ORIGIN = 'http://localhost:80';
const EMAIL = 'ops@example.com';
const PASSWORD = 'correct horse battery';

async function addOps(t: TestApp, email = EMAIL, password = PASSWORD) {
  const operator = await newOperator(email, password, t.ctx.now());
  await t.store.transaction((tx) => addOperator({ store: tx, now: t.ctx.now }, operator));
}

type Req = { method?: 'GET' | 'POST' | 'PUT' | 'DELETE'; cookie?: string; origin?: string | null; body?: unknown; ip?: string; headers?: Record<string, string> };

async function send(t: TestApp, url: string, req: Req = {}) {
  const { method = 'GET', cookie, origin = ORIGIN, body, ip = '203.0.113.7' } = req;
  const res = await t.app.inject({
    method,
    url,
    remoteAddress: ip,
    headers: {
      host: 'localhost:80',
      ...(cookie ? { cookie } : {}),
      ...(origin && method !== 'GET' ? { origin } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...req.headers,
    },
    payload: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.statusCode, body: String(res.headers['content-type']).includes('json') ? res.json() : res.body, headers: res.headers };
}

const login = (t: TestApp, email: string, password: string, ip?: string) =>
  send(t, '/admin/api/login', { method: 'POST', body: { email, password }, ip });

async function signIn(t: TestApp): Promise<string> {
  const res = await login(t, EMAIL, PASSWORD);
  expect(res.status).toBe(200);
  return String(res.headers['set-cookie']).split(';')[0];
}

forEachEngine((engine) => describe('dashboard operators: sign-in, sessions, CSRF, audit, export', () => {
  const t = useTestApp({ engine });

  it('stores a scrypt hash, never the password; refuses short passwords and a second account per email', async () => {
    await addOps(t());
    const [row] = await t().rows('operators');
    expect(row.email).toBe(EMAIL);
    expect(String(row.password_hash)).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(JSON.stringify(row)).not.toContain(PASSWORD);
    expect(await passwordMatches(PASSWORD, String(row.password_hash))).toBe(true);
    expect(await passwordMatches('wrong password!', String(row.password_hash))).toBe(false);
    await expect(newOperator('a@example.com', 'short', 0)).rejects.toThrow('password must be at least 12 characters');
    await expect(addOps(t(), 'OPS@example.com')).rejects.toThrow(`an operator with email ${EMAIL} already exists`);
  });

  it('signs in with an HttpOnly, SameSite=Strict cookie; a wrong password and an unknown email get the same answer', async () => {
    await addOps(t());
    const wrongPassword = await login(t(), EMAIL, 'not the password');
    const unknownEmail = await login(t(), 'nobody@example.com', PASSWORD);
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    expect(wrongPassword.body).toEqual({ success: false, error: 'Invalid email or password' });
    expect(unknownEmail.body).toEqual(wrongPassword.body);
    expect(wrongPassword.headers['set-cookie']).toBeUndefined();

    const ok = await login(t(), 'Ops@Example.com', PASSWORD);
    expect(ok.status).toBe(200);
    const cookie = String(ok.headers['set-cookie']);
    expect(cookie).toMatch(/^rr_admin=[A-Za-z0-9_-]{43}; Max-Age=43200; Path=\/; HttpOnly; SameSite=Strict$/);
    const me = await send(t(), '/admin/api/me', { cookie: cookie.split(';')[0] });
    expect(me.body.data.email).toBe(EMAIL);
    // The session is found by the cookie's SHA-256 (the schema has no column for the token itself).
    const token = cookie.split(';')[0].slice('rr_admin='.length);
    expect(await t().store.operators.session(createHash('sha256').update(token).digest('hex'))).toMatchObject({ email: EMAIL });
  });

  it('marks the cookie Secure behind https (a trusted proxy says so); an untrusted X-Forwarded-Proto changes nothing', async () => {
    const https = { method: 'POST' as const, origin: 'https://localhost:80', body: { email: EMAIL, password: PASSWORD }, headers: { 'x-forwarded-proto': 'https' } };
    await addOps(t());
    // Not trusted: plain http, so the https Origin is another origin.
    expect((await send(t(), '/admin/api/login', https)).status).toBe(403);
    const behindProxy = await createTestApp({ engine, trustProxy: 1 });
    try {
      await addOps(behindProxy);
      const res = await send(behindProxy, '/admin/api/login', https);
      expect(res.status).toBe(200);
      expect(String(res.headers['set-cookie'])).toMatch(/; HttpOnly; SameSite=Strict; Secure$/);
    } finally {
      await behindProxy.app.close();
    }
  });

  it('refuses every dashboard data route without a session (401), with a forged one, and after 12 h idle', async () => {
    await addOps(t());
    const fx = await seedV1(t());
    const routes = ['/admin/api/me', '/admin/api/operators', '/admin/api/audit', '/admin/api/keys',
      `/admin/api/entries/${fx.janeId}/ledger`, `/admin/api/contests/${fx.contestId}/export/entries.csv`,
      `/admin/api/contests/${fx.contestId}/export/purchases.csv`];
    const writes: Array<[string, unknown]> = [['/admin/api/keys', { type: 'public' }], [`/admin/api/contests/${fx.contestId}/webhook-secret`, undefined],
      [`/admin/api/entries/${fx.janeId}/requalify`, { reason: 'x' }]];
    for (const url of routes) expect((await send(t(), url)).status, url).toBe(401);
    for (const [url, body] of writes) expect((await send(t(), url, { method: 'POST', body })).status, url).toBe(401);
    expect((await send(t(), `/api/v1/contests/${fx.contestId}/entries`)).status).toBe(401);

    const forged = `rr_admin=${'A'.repeat(43)}`;
    expect((await send(t(), '/admin/api/me', { cookie: forged })).status).toBe(401);
    expect((await send(t(), `/api/v1/contests/${fx.contestId}/entries`, { cookie: forged })).status).toBe(401);

    const cookie = await signIn(t());
    expect((await send(t(), '/admin/api/me', { cookie })).status).toBe(200);
    t().advance(12 * 60 * 60 * 1000 - 1); // seen just now, so the idle clock restarts here
    expect((await send(t(), '/admin/api/me', { cookie })).status).toBe(200);
    t().advance(12 * 60 * 60 * 1000 + 1);
    expect((await send(t(), '/admin/api/me', { cookie })).status).toBe(401);
  });

  it('a session reads /api/v1 as a private key would (full contacts), and logout ends it', async () => {
    await addOps(t());
    const fx = await seedV1(t());
    const cookie = await signIn(t());
    const entries = await send(t(), `/api/v1/contests/${fx.contestId}/entries`, { cookie });
    expect(entries.status).toBe(200);
    expect(entries.body.data.map((e: { email: string }) => e.email)).toEqual(['jane@example.com', 'john@example.com']);
    expect((await send(t(), '/admin/api/logout', { method: 'POST', cookie })).headers['set-cookie']).toMatch(/^rr_admin=; Max-Age=0/);
    expect((await send(t(), `/api/v1/contests/${fx.contestId}/entries`, { cookie })).status).toBe(401);
    expect((await send(t(), '/admin/api/me', { cookie })).status).toBe(401);
  });

  it('refuses cross-site writes (403) and changes nothing; same-origin writes are audited', async () => {
    await addOps(t());
    const fx = await seedV1(t());
    const cookie = await signIn(t());
    const url = `/api/v1/entries/${fx.janeId}/points`;
    const before = await t().counts();
    const body = { points: 7, reason: 'welcome bonus' };
    expect((await send(t(), url, { method: 'POST', cookie, body, origin: 'https://evil.example' })).body)
      .toEqual({ success: false, error: 'Cross-site request refused' });
    expect((await send(t(), url, { method: 'POST', cookie, body, origin: null })).status).toBe(403);
    expect((await send(t(), '/admin/api/keys', { method: 'POST', cookie, body: { type: 'public' }, origin: 'https://evil.example' })).status).toBe(403);
    expect(await t().counts()).toEqual(before);
    expect(await t().rows('audit_log')).toEqual([]);

    const sameSite = await send(t(), url, { method: 'POST', cookie, body, origin: null, headers: { 'sec-fetch-site': 'same-origin' } });
    expect(sameSite.status).toBe(200);
    expect((await send(t(), `/api/v1/entries/${fx.janeId}/disqualify`, { method: 'POST', cookie, body: { reason: 'bot' } })).status).toBe(200);
    expect((await send(t(), `/admin/api/entries/${fx.janeId}/requalify`, { method: 'POST', cookie, body: { reason: 'appeal accepted' } })).body.data)
      .toEqual({ id: fx.janeId, disqualified: false });
    const audit = await send(t(), `/admin/api/audit?contestId=${fx.contestId}`, { cookie });
    expect(audit.body.data.map((r: { action: string; detail: string; operatorEmail: string; entryId: string; contestId: string }) =>
      [r.operatorEmail, r.action, r.contestId, r.entryId, r.detail])).toEqual([
      [EMAIL, 'POST /admin/api/entries/:entryId/requalify', fx.contestId, fx.janeId, '{"reason":"appeal accepted"}'],
      [EMAIL, 'POST /api/v1/entries/:entryId/disqualify', fx.contestId, fx.janeId, '{"reason":"bot"}'],
      [EMAIL, 'POST /api/v1/entries/:entryId/points', fx.contestId, fx.janeId, '{"points":7,"reason":"welcome bonus"}'],
    ]);
    // API-key writes are not an operator's: not in the operators' audit log.
    await send(t(), url, { method: 'POST', body, headers: { 'x-api-key': fx.privateKey } });
    expect(await t().rows('audit_log')).toHaveLength(3);
  });

  it('limits sign-in: after 5 failures in 15 min per email (from any IP) or per IP (any email), 429 even with the right password', async () => {
    await addOps(t());
    for (let i = 0; i < 5; i++) expect((await login(t(), EMAIL, `wrong password ${i}`, `198.51.100.${i}`)).status).toBe(401);
    const blocked = await login(t(), EMAIL, PASSWORD, '198.51.100.99');
    expect(blocked).toMatchObject({ status: 429, body: { success: false, error: 'Too many failed sign-ins; try again in 15 minutes' } });
    t().advance(15 * 60 * 1000 + 1);
    expect((await login(t(), EMAIL, PASSWORD, '198.51.100.99')).status).toBe(200);

    for (let i = 0; i < 5; i++) expect((await login(t(), `guess${i}@example.com`, 'whatever password', '192.0.2.1')).status).toBe(401);
    expect((await login(t(), EMAIL, PASSWORD, '192.0.2.1')).status).toBe(429);
    expect((await login(t(), EMAIL, PASSWORD, '192.0.2.2')).status).toBe(200);
  });

  it('API keys: created (shown once), listed without the key, revoked', async () => {
    await addOps(t());
    const cookie = await signIn(t());
    const created = await send(t(), '/admin/api/keys', { method: 'POST', cookie, body: { type: 'public', label: 'widget' } });
    expect(created.status).toBe(201);
    expect(created.body.data.key).toMatch(/^rr_pk_/);
    const listed = await send(t(), '/admin/api/keys', { cookie });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.data.key);
    expect(listed.body.data).toEqual([expect.objectContaining({ id: created.body.data.id, type: 'public', label: 'widget', revokedAt: null })]);
    expect((await send(t(), `/admin/api/keys/${created.body.data.id}`, { method: 'DELETE', cookie })).status).toBe(200);
    expect((await send(t(), '/api/v1/contests', { headers: { 'x-api-key': created.body.data.key } })).status).toBe(401);
  });

  it('rotates a webhook secret (shown once): the old one stops working', async () => {
    await addOps(t());
    const fx = await seedV1(t());
    const cookie = await signIn(t());
    const rotated = await send(t(), `/admin/api/contests/${fx.contestId}/webhook-secret`, { method: 'POST', cookie });
    expect(rotated.body.data.webhookSecret).toMatch(/^whsec_/);
    const purchase = (secret: string, orderId: string) => send(t(), `/api/webhooks/purchase/${fx.contestId}`, {
      method: 'POST', origin: null, body: { email: 'jane@example.com', orderId, amount: 1, currency: 'USD' }, headers: { 'x-webhook-secret': secret },
    });
    expect((await purchase(fx.webhookSecret, 'o-old')).status).toBe(401);
    expect((await purchase(rotated.body.data.webhookSecret, 'o-new')).status).toBe(200);
  });

  it('exports entries and purchases as CSV with a header row, matching the API', async () => {
    await addOps(t());
    const fx = await seedV1(t());
    await send(t(), '/api/referral/track-signup', { method: 'POST', origin: null, body: { email: 'friend@example.com', contestId: fx.contestId, referralCode: 'REF-XYZ789' } });
    await send(t(), `/api/v1/contests/${fx.contestId}/purchases`, { method: 'POST', origin: null, headers: { 'x-api-key': fx.privateKey }, body: { email: 'john@example.com', orderId: 'o-1', amount: 12.5, currency: 'EUR' } });
    await send(t(), `/api/v1/entries/${fx.johnId}`, { method: 'PUT', origin: null, headers: { 'x-api-key': fx.privateKey }, body: { name: '=HYPERLINK("x"), "quoted"' } });
    const cookie = await signIn(t());
    const entries = await send(t(), `/admin/api/contests/${fx.contestId}/export/entries.csv`, { cookie });
    expect(entries.headers['content-type']).toBe('text/csv; charset=utf-8');
    const lines = String(entries.body).trimEnd().split('\r\n');
    expect(lines[0]).toBe('id,email,name,phone,referral_code,points,referrals,referrer_code,email_confirmed,disqualified,created_at');
    const api = (await send(t(), `/api/v1/contests/${fx.contestId}/entries?limit=100`, { cookie })).body.data;
    expect(lines).toHaveLength(api.length + 1);
    const friend = api.find((e: { email: string }) => e.email === 'friend@example.com');
    expect(lines).toContain(`${friend.id},friend@example.com,,,${friend.referralCode},${friend.points},0,REF-XYZ789,false,false,${friend.createdAt}`);
    expect(lines.find((l) => l.startsWith(fx.johnId))).toContain(`"'=HYPERLINK(""x""), ""quoted"""`);

    const purchases = await send(t(), `/admin/api/contests/${fx.contestId}/export/purchases.csv`, { cookie });
    const rows = String(purchases.body).trimEnd().split('\r\n');
    expect(rows[0]).toBe('id,order_id,email,amount,currency,status,refunded_amount,advocate_points,purchaser_points,purchaser_entry_id,credited_entry_id,created_at');
    expect(rows).toHaveLength(2);
    // John has no referrer: no advocate is credited, and he earns his own 13 points.
    expect(rows[1]).toMatch(new RegExp(`^purchase_\\w+,o-1,john@example.com,12.50,EUR,paid,0.00,0,13,${fx.johnId},,`));
  });

  it("an entry's full ledger: every change with its reason", async () => {
    await addOps(t());
    const fx = await seedV1(t());
    const cookie = await signIn(t());
    await send(t(), `/api/v1/entries/${fx.janeId}/points`, { method: 'POST', cookie, body: { points: 5, reason: 'welcome' } });
    await send(t(), `/api/v1/entries/${fx.janeId}/points`, { method: 'POST', cookie, body: { points: -2, reason: 'correction' } });
    const ledger = await send(t(), `/admin/api/entries/${fx.janeId}/ledger`, { cookie });
    expect(ledger.body.data.map((r: { delta: number; reason: string; note: string }) => [r.delta, r.reason, r.note]))
      .toEqual([[5, 'adjustment', 'welcome'], [-2, 'adjustment', 'correction']]);
  });
}));

describe('refrocket admins (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rr-admins-'));
  const db = join(dir, 'admins.db');
  const cli = (args: string[], input?: string) => new Promise<{ stdout: string; stderr: string; code: number }>((resolve) => {
    const child = execFile('node', ['bin/refrocket.mjs', ...args, '--db', db], (error, stdout, stderr) =>
      resolve({ stdout, stderr, code: error ? (error as { code?: number }).code ?? 1 : 0 }));
    if (input !== undefined) child.stdin!.end(input);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('create (--password and --password-stdin), list, delete', async () => {
    const created = await cli(['admins', 'create', '--email', 'a@example.com', '--password', 'twelve chars!']);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ email: 'a@example.com' });
    const fromStdin = await cli(['admins', 'create', '--email', 'B@example.com', '--password-stdin'], 'another long secret\n');
    expect(fromStdin.code).toBe(0);
    const short = await cli(['admins', 'create', '--email', 'c@example.com', '--password', 'short']);
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('password must be at least 12 characters');
    const listed = JSON.parse((await cli(['admins', 'list'])).stdout);
    expect(listed.map((o: { email: string }) => o.email)).toEqual(['a@example.com', 'b@example.com']);
    expect((await cli(['admins', 'delete', '--email', 'a@example.com'])).code).toBe(0);
    expect((await cli(['admins', 'delete', '--email', 'a@example.com'])).code).toBe(1);
    expect(JSON.parse((await cli(['admins', 'list'])).stdout)).toHaveLength(1);
  });
});
