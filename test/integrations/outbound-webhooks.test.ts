import { afterEach, describe, expect, inject, it } from 'vitest';
import { openStore } from '../../server/store/open-store.js';
import { acquirePooledDatabase } from '../helpers/postgres.js';
import { emit } from '../../server/collector/events.js';
import { call } from '../api/v1-helpers.js';
import { createTestApp, forEachEngine, postJson, useTestApp, type TestApp } from '../helpers/test-app.js';
import { startReceiver } from './webhook-receiver.js';

type Receiver = Awaited<ReturnType<typeof startReceiver>>;
const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});
async function receiver(options: Parameters<typeof startReceiver>[0] = {}) {
  const r = await startReceiver(options);
  receivers.push(r);
  return r;
}

/** Fast delivery for tests: retries after 30 ms, polls every 10 ms; loopback allowed. */
const fastWebhooks = { allowPrivate: true, retryScheduleMs: [30, 30, 30, 30], pollMs: 10, timeoutMs: 2_000 };

async function seed(t: TestApp) {
  const { id, webhookSecret } = await t.contest({ id: 'c_out' });
  const ada = await t.entry(id, { email: 'ada@example.com', referralCode: 'REF-ADA234' });
  const key = await t.apiKey('private');
  return { id, webhookSecret, ada, key };
}

async function register(t: TestApp, key: string, url: string, events?: string[]) {
  const res = await call(t, 'POST', '/api/v1/webhook-endpoints', key, { url, ...(events ? { events } : {}), description: 'test' });
  expect(res.status).toBe(201);
  return res.body.data as { id: string; secret: string };
}

forEachEngine((engine) => describe('outbound webhooks', () => {
  const t = useTestApp({ engine, webhooks: fastWebhooks });

  it('signed deliveries of entry.created, referral.converted, points.changed and purchase.created, verified by standardwebhooks; no personal data', async () => {
    const { id, key, ada } = await seed(t());
    let secret: string | undefined;
    const r = await receiver({ secret: () => secret });
    const endpoint = await register(t(), key, `${r.url}/hooks`);
    secret = endpoint.secret;
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
    const listed = await call(t(), 'GET', '/api/v1/webhook-endpoints', key);
    expect(listed.body.data).toEqual([expect.objectContaining({ id: endpoint.id, status: 'enabled', events: [] })]);
    expect(JSON.stringify(listed.body)).not.toContain('whsec_');

    await postJson(t().app, '/api/referral/track-signup', { email: 'bo@example.com', contestId: id, referralCode: 'REF-ADA234' });
    await postJson(t().app, '/api/referral/track-purchase', { email: 'bo@example.com', contestId: id, orderId: 'o-1', amount: 12 });
    // entry.created, referral.converted, 2 × points.changed; purchase.created, points.changed
    await r.waitFor(6);
    expect(r.received.every((d) => d.verified !== undefined)).toBe(true);
    const types = r.received.map((d) => d.verified!.type).sort();
    expect(types).toEqual(['entry.created', 'points.changed', 'points.changed', 'points.changed', 'purchase.created', 'referral.converted']);
    const purchase = r.received.find((d) => d.verified!.type === 'purchase.created')!.verified!;
    expect(purchase.data).toMatchObject({ contestId: id, orderId: 'o-1', amount: 1200, currency: 'USD', referrerEntryId: ada.id, points: 12 });
    expect(r.received.map((d) => d.body).join()).not.toContain('@example.com');
    expect(new Set(r.received.map((d) => d.id)).size).toBe(6);
    expect(r.received[0].headers['webhook-signature']).toMatch(/^v1,/);
  });

  it('a failing receiver is retried with the same webhook-id; deliveries show every attempt; a manual retry re-sends', async () => {
    const { id, key } = await seed(t());
    let secret: string | undefined;
    const r = await receiver({ secret: () => secret, respond: (_d, n) => ({ status: n <= 2 ? 503 : 200 }) });
    const endpoint = await register(t(), key, r.url, ['entry.created']);
    secret = endpoint.secret;
    await postJson(t().app, '/api/referral/track-signup', { email: 'x@example.com', contestId: id, referralCode: 'REF-ADA234' });
    await r.waitFor(3);
    expect(new Set(r.received.map((d) => d.id)).size).toBe(1);
    expect(r.received.every((d) => d.verified?.type === 'entry.created')).toBe(true);
    const deliveries = async () => (await call(t(), 'GET', `/api/v1/webhook-endpoints/${endpoint.id}/deliveries`, key)).body.data;
    await expect.poll(async () => (await deliveries())[0].status).toBe('succeeded');
    const [delivery] = await deliveries();
    expect(delivery).toMatchObject({ eventId: r.received[0].id, eventType: 'entry.created', attempts: 3, lastResponseStatus: 200, nextAttemptAt: null });
    expect(delivery.attemptLog.map((a: { responseStatus: number }) => a.responseStatus)).toEqual([503, 503, 200]);
    expect(delivery.attemptLog[0].nextAttemptAt).not.toBeNull();
    expect(delivery.attemptLog[0].durationMs).toBeGreaterThanOrEqual(0);

    const retry = await call(t(), 'POST', `/api/v1/webhook-endpoints/${endpoint.id}/deliveries/${delivery.id}/retry`, key);
    expect(retry.status).toBe(202);
    await r.waitFor(4);
    expect(r.received[3].id).toBe(r.received[0].id);
    expect((await call(t(), 'POST', `/api/v1/webhook-endpoints/${endpoint.id}/deliveries/dlv_nope/retry`, key)).status).toBe(404);
  });

  it('redirects are not followed: a 302 is a failed attempt and its Location is never requested', async () => {
    const { id, key } = await seed(t());
    const r = await receiver({ respond: (d) => (d.path === '/start' ? { status: 302, headers: { location: '/elsewhere' } } : { status: 200 }) });
    const endpoint = await register(t(), key, `${r.url}/start`, ['entry.created']);
    await postJson(t().app, '/api/referral/track-signup', { email: 'y@example.com', contestId: id, referralCode: 'REF-ADA234' });
    await r.waitFor(2); // the first attempt and one retry, both to /start
    expect(r.received.map((d) => d.path)).toEqual(['/start', '/start']);
    const [delivery] = (await call(t(), 'GET', `/api/v1/webhook-endpoints/${endpoint.id}/deliveries`, key)).body.data;
    expect(delivery.attemptLog[0].responseStatus).toBe(302);
  });

  it('100 parallel duplicate purchases emit exactly one purchase.created', async () => {
    const { id, key, webhookSecret } = await seed(t());
    const r = await receiver();
    await register(t(), key, r.url, ['purchase.created']);
    const body = { email: 'ada@example.com', orderId: 'dup-1', amount: 5 };
    const answers = await Promise.all(Array.from({ length: 100 }, () =>
      postJson(t().app, `/api/webhooks/purchase/${id}`, body, { 'x-webhook-secret': webhookSecret })));
    expect(answers.filter((a) => a.body.data.alreadyExists === false)).toHaveLength(1);
    await r.waitFor(1);
    const events = (await t().rows('webhook_events')).filter((e) => e.type === 'purchase.created');
    expect(events).toHaveLength(1);
    await expect.poll(async () => (await t().rows('webhook_deliveries')).map((d) => d.status)).toEqual(['succeeded']);
    expect(r.received).toHaveLength(1);
  });

  it('a rolled-back write emits nothing; events no endpoint wants are not stored; a disabled endpoint gets nothing', async () => {
    const { id, key } = await seed(t());
    const r = await receiver();
    const endpoint = await register(t(), key, r.url, ['purchase.refunded']);
    await t().store.transaction(async (tx) => {
      await emit({ store: tx, now: t().ctx.now }, [{ type: 'purchase.refunded', contestId: id, data: {} }]);
      expect((await tx.webhooks.listEndpoints()).length).toBe(1);
    }).catch(() => undefined);
    expect((await t().rows('webhook_events')).length).toBe(1); // committed: the control case
    await expect(t().store.transaction(async (tx) => {
      await emit({ store: tx, now: t().ctx.now }, [{ type: 'purchase.refunded', contestId: id, data: {} }]);
      throw new Error('rolled back');
    })).rejects.toThrow('rolled back');
    expect((await t().rows('webhook_events')).length).toBe(1);
    await postJson(t().app, '/api/referral/track-signup', { email: 'z@example.com', contestId: id, referralCode: 'REF-ADA234' });
    expect((await t().rows('webhook_events')).length).toBe(1);
    await r.waitFor(1);
    const off = await call(t(), 'PUT', `/api/v1/webhook-endpoints/${endpoint.id}`, key, { disabled: true, events: [] });
    expect(off.body.data).toMatchObject({ status: 'disabled', events: [] });
    await postJson(t().app, '/api/referral/track-signup', { email: 'w@example.com', contestId: id, referralCode: 'REF-ADA234' });
    expect((await t().rows('webhook_deliveries')).length).toBe(1);
    expect((await call(t(), 'DELETE', `/api/v1/webhook-endpoints/${endpoint.id}`, key)).status).toBe(200);
    expect((await call(t(), 'GET', `/api/v1/webhook-endpoints/${endpoint.id}`, key)).status).toBe(404);
    expect((await call(t(), 'DELETE', `/api/v1/webhook-endpoints/${endpoint.id}`, key)).status).toBe(404);
  });

  it('a flagged referral emits referral.flagged (reasons, points held); approving it emits referral.converted and the points', async () => {
    const { id, key, ada } = await seed(t());
    let secret: string | undefined;
    const r = await receiver({ secret: () => secret });
    const endpoint = await register(t(), key, r.url, ['referral.flagged', 'referral.converted', 'points.changed']);
    secret = endpoint.secret;
    // A throwaway domain: the default fraud mode (flag) holds the referral's points.
    await postJson(t().app, '/api/referral/track-signup', { email: 'held@mailinator.com', contestId: id, referralCode: 'REF-ADA234' });
    await r.waitFor(1);
    const flagged = r.received[0].verified!;
    expect(flagged.type).toBe('referral.flagged');
    expect(flagged.data).toMatchObject({ contestId: id, referrerEntryId: ada.id, status: 'pending', reasons: ['disposable_email'] });
    expect(r.received[0].body).not.toContain('mailinator');

    const approved = await call(t(), 'POST', `/api/v1/flags/${flagged.data.flagId}/approve`, key);
    expect(approved.status).toBe(200);
    await r.waitFor(4);
    const later = r.received.slice(1).map((d) => d.verified!);
    expect(later.map((e) => e.type).sort()).toEqual(['points.changed', 'points.changed', 'referral.converted']);
    expect(later.find((e) => e.type === 'referral.converted')!.data).toMatchObject({ referrerEntryId: ada.id, flagId: flagged.data.flagId });
    // Approving again changes nothing: no ledger row, no event in the outbox.
    const state = async () => ({ ...(await t().counts()), outbox: await t().store.tables.count('webhook_events') });
    const before = await state();
    expect((await call(t(), 'POST', `/api/v1/flags/${flagged.data.flagId}/approve`, key)).status).toBe(200);
    expect(await state()).toEqual(before);
  });
}));

forEachEngine((engine) => describe('outbound webhooks: failing endpoints and SSRF', () => {
  let app: TestApp | undefined;
  afterEach(async () => {
    if (app) {
      await app.expectInvariants();
      await app.app.close();
    }
    app = undefined;
  });

  it('an endpoint failing every attempt for 5 days is disabled and shown as such', async () => {
    let clock = Date.now();
    app = await createTestApp({ engine, webhooks: { ...fastWebhooks, retryScheduleMs: Array(10).fill(20), now: () => clock } });
    const { id, key } = await seed(app);
    const r = await receiver({ respond: () => ({ status: 500 }) });
    const endpoint = await register(app, key, r.url, ['entry.created']);
    await postJson(app.app, '/api/referral/track-signup', { email: 'f@example.com', contestId: id, referralCode: 'REF-ADA234' });
    await r.waitFor(1);
    const shown = async () => (await call(app!, 'GET', `/api/v1/webhook-endpoints/${endpoint.id}`, key)).body.data;
    await expect.poll(async () => (await shown()).failingSince).not.toBeNull();
    expect((await shown()).status).toBe('enabled');
    clock += 5 * 24 * 3600e3;
    await expect.poll(async () => (await shown()).status).toBe('disabled');
    expect((await shown()).disabledReason).toMatch(/5 days/);
    // Enabled again by the operator: the failure state starts over.
    const on = await call(app, 'PUT', `/api/v1/webhook-endpoints/${endpoint.id}`, key, { disabled: false });
    expect(on.body.data).toMatchObject({ status: 'enabled', failingSince: null, disabledReason: null });
  });

  it('SSRF: loopback, private, link-local and metadata URLs are refused at registration, and at delivery after DNS', async () => {
    app = await createTestApp({ engine, webhooks: { ...fastWebhooks, allowPrivate: false } });
    const { id, key } = await seed(app);
    const before = await app.counts();
    for (const url of [
      'http://127.0.0.1:9/x', 'http://localhost/x', 'http://169.254.169.254/latest/meta-data', 'http://10.1.2.3/',
      'http://192.168.0.10/', 'http://172.16.5.5/', 'http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'http://0.0.0.0/',
      'http://[fe80::1]/', 'ftp://example.com/', 'file:///etc/passwd', 'not a url', 'http://user:pw@example.com/',
    ]) {
      const res = await call(app, 'POST', '/api/v1/webhook-endpoints', key, { url });
      expect(res.status, url).toBe(400);
      expect(res.body.success).toBe(false);
    }
    expect((await call(app, 'GET', '/api/v1/webhook-endpoints', key)).body.data).toEqual([]);
    expect(await app.counts()).toEqual(before);

    // An endpoint whose name later points at loopback (stored directly, as if DNS changed after
    // registration) is refused when the delivery connects: the receiver never sees a request.
    const r = await receiver();
    const now = Date.now();
    await app.store.transaction((tx) => tx.webhooks.insertEndpoint({
      id: 'we_rebound', url: `http://localhost:${r.port}/`, description: null, events: ['entry.created'],
      disabled: false, disabledReason: null, failingSince: null, createdAt: now, updatedAt: now,
    }, 'whsec_dGVzdHRlc3R0ZXN0dGVzdHRlc3Q='));
    await postJson(app.app, '/api/referral/track-signup', { email: 's@example.com', contestId: id, referralCode: 'REF-ADA234' });
    const deliveries = async () => (await call(app!, 'GET', '/api/v1/webhook-endpoints/we_rebound/deliveries', key)).body.data;
    await expect.poll(async () => (await deliveries())[0]?.attemptLog.length ?? 0).toBeGreaterThanOrEqual(1);
    expect((await deliveries())[0].attemptLog[0]).toMatchObject({ responseStatus: null, error: expect.stringMatching(/forbidden/) });
    expect(r.received).toEqual([]);
  });
}));

describe('outbound webhooks: several collectors on one PostgreSQL database', () => {
  it('each event is sent by exactly one collector (leases taken FOR UPDATE SKIP LOCKED)', async () => {
    const database = await acquirePooledDatabase(inject('pgUrl'));
    const stores = [await openStore(database.url), await openStore(database.url)];
    const apps = await Promise.all(stores.map((store) => createTestApp({ store, engine: 'postgres', webhooks: { ...fastWebhooks, pollMs: 1 } })));
    try {
      const [a, b] = apps;
      const { id, key } = await seed(a);
      const r = await receiver();
      await register(a, key, r.url, ['entry.created']);
      const SIGNUPS = 40;
      await Promise.all(Array.from({ length: SIGNUPS }, (_, i) =>
        postJson((i % 2 ? a : b).app, '/api/referral/track-signup', { email: `m${i}@example.com`, contestId: id, referralCode: 'REF-ADA234' })));
      await r.waitFor(SIGNUPS);
      await expect.poll(async () => (await a.rows('webhook_deliveries')).filter((d) => d.status === 'succeeded').length).toBe(SIGNUPS);
      expect(r.received).toHaveLength(SIGNUPS);
      expect(new Set(r.received.map((d) => d.id)).size).toBe(SIGNUPS);
    } finally {
      for (const app of apps) await app.app.close();
      database.release();
    }
  });
});
