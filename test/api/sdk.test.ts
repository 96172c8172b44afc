import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Refrocket, RefrocketError, RefrocketNetworkError } from '../../sdk/index.js';
import { startReceiver } from '../integrations/webhook-receiver.js';
import { forEachEngine, useTestApp } from '../helpers/test-app.js';
import { call, seedV1, type V1Fixture } from './v1-helpers.js';

type Fault = 'ok' | '429' | 'drop-before' | 'drop-after';

/**
 * A pass-through proxy on loopback in front of the collector that injects faults, one per
 * request in order: a 429 with Retry-After: 0, a connection dropped before the collector saw the
 * request, or dropped after the collector answered (the work is done, the answer lost).
 */
async function faultyProxy(target: string) {
  const faults: Fault[] = [];
  const seen: Array<{ method: string; url: string; idempotencyKey?: string }> = [];
  const server = http.createServer((req, res) => {
    const fault = faults.shift() ?? 'ok';
    seen.push({ method: req.method!, url: req.url!, idempotencyKey: req.headers['idempotency-key'] as string | undefined });
    if (fault === '429') {
      req.resume();
      res.writeHead(429, { 'retry-after': '0', 'content-type': 'application/json' });
      res.end(JSON.stringify({ success: false, error: 'Rate limit exceeded. Please try again later.' }));
      return;
    }
    if (fault === 'drop-before') {
      req.socket.destroy();
      return;
    }
    const upstream = http.request(new URL(req.url!, target), { method: req.method, headers: req.headers }, (answer) => {
      if (fault === 'drop-after') {
        answer.resume();
        answer.on('end', () => req.socket.destroy());
        return;
      }
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    faults,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

forEachEngine((engine) => describe('refrocket/sdk against a running collector', () => {
  const t = useTestApp({ engine });
  let baseUrl: string;
  let fx: V1Fixture;
  let proxy: Awaited<ReturnType<typeof faultyProxy>>;
  const client = (options: Partial<ConstructorParameters<typeof Refrocket>[0]> = {}) =>
    new Refrocket({ baseUrl: proxy.url, apiKey: fx.privateKey, retryDelayMs: 1, ...options });

  beforeEach(async () => {
    baseUrl = await t().app.listen({ port: 0, host: '127.0.0.1' });
    fx = await seedV1(t());
    proxy = await faultyProxy(baseUrl);
  });
  afterEach(async () => proxy.close());

  it('every method answers what the route answers', async () => {
    const rr = client({ webhookSecret: fx.webhookSecret });
    const { contestId, janeId } = fx;
    expect((await rr.listContests()).data.map((c) => c.id)).toEqual([contestId]);
    const created = await rr.createContest({ title: 'SDK contest', bonusActions: [{ action: 'newsletter', points: 3 }] });
    expect(created.data.webhookSecret).toMatch(/\S{20,}/);
    expect((await rr.getContest(created.data.id)).data.title).toBe('SDK contest');
    expect((await rr.updateContest(created.data.id, { title: 'Renamed' })).data.title).toBe('Renamed');
    expect((await rr.validateCode({ code: 'REF-XYZ789', contestId })).valid).toBe(true);
    expect(await rr.trackVisit({ referralCode: 'REF-XYZ789', contestId, url: 'https://shop.test/' })).toEqual({ success: true });
    const signup = await rr.trackSignup({ email: 'amy@example.com', contestId, referralCode: 'REF-XYZ789' });
    expect(signup.data.isReferred).toBe(true);
    expect((await rr.trackPurchase({ email: 'amy@example.com', contestId, orderId: 'o-1', amount: 10, referralCode: 'REF-XYZ789' })).data.pointsAwarded).toBe(10);
    expect((await rr.webhookSignup(contestId, { email: 'bo@example.com' })).data.alreadyExists).toBe(false);
    expect((await rr.webhookPurchase(contestId, { email: 'bo@example.com', orderId: 'o-2', amount: 5 })).data.alreadyExists).toBe(false);
    const entries = await rr.listEntries(contestId, { search: 'example.com', limit: 2 });
    expect(entries.pagination).toEqual({ page: 1, limit: 2, total: 4, totalPages: 2 });
    const entry = await rr.createEntry(contestId, { email: 'cy@example.com', name: 'Cy' });
    expect(entry.data.alreadyExists).toBe(false);
    expect((await rr.leaderboard(contestId, { limit: 1 })).data[0].id).toBe(janeId);
    expect((await rr.analytics(contestId)).data.totalEntries).toBe(5);
    const days = (await rr.dailyAnalytics(contestId, { from: '2026-01-14', to: '2026-01-15' })).data;
    expect(days.map((d) => d.date)).toEqual(['2026-01-14', '2026-01-15']);
    expect(days[0].signups + days[1].signups).toBe(5); // what analytics counts as totalEntries
    const link = (await rr.hubLink(janeId)).data;
    expect(link).toMatchObject({ entryId: janeId, contestId });
    expect(link.url).toMatch(new RegExp(`/c/${contestId}/me/[A-Za-z0-9_-]{20,}$`));
    expect((await rr.revokeHubLinks(janeId)).data).toEqual({ entryId: janeId, revoked: 1 });
    expect((await rr.recordPurchase(contestId, { email: 'jane@example.com', orderId: 'o-3', amount: 2 })).data.pointsAwarded).toBe(2);
    expect((await rr.getEntry(janeId)).data.referralsCount).toBe(1);
    expect((await rr.updateEntry(entry.data.id, { name: 'Cyrus' })).data.name).toBe('Cyrus');
    expect((await rr.adjustPoints(entry.data.id, { points: 4, reason: 'thanks' })).data.points).toBe(4);
    expect((await rr.entryBonusActions(janeId)).data.bonusActionsTotal).toBe(2);
    expect((await rr.lookupBonusActions({ email: 'jane@example.com', contestId })).data.entryId).toBe(janeId);
    expect((await rr.completeBonusAction(janeId, fx.bonusActionId)).data.pointsAwarded).toBe(15);
    expect((await rr.disqualifyEntry(entry.data.id, { reason: 'bot' })).data.disqualified).toBe(true);
    expect((await rr.eraseEntry(entry.data.id)).data.email).toBeNull();
    await t().expectInvariants();
  });

  it('errors are typed: status and the server message', async () => {
    const error = await client().getEntry('nope').catch((e) => e);
    expect(error).toBeInstanceOf(RefrocketError);
    expect(error).toMatchObject({ status: 404, message: 'Entry not found' });
    const forbidden = await client({ apiKey: fx.publicKey }).adjustPoints(fx.janeId, { points: 1, reason: 'x' }).catch((e) => e);
    expect(forbidden).toMatchObject({ status: 403, message: 'This endpoint requires a private API key' });
    const invalid = await client().adjustPoints(fx.janeId, { points: 0, reason: 'x' }).catch((e) => e);
    expect(invalid).toMatchObject({ status: 400, message: 'points must not be 0' });
    const closed = await new Refrocket({ baseUrl: 'http://127.0.0.1:9', maxRetries: 1, retryDelayMs: 1 }).listContests().catch((e) => e);
    expect(closed).toBeInstanceOf(RefrocketNetworkError);
    expect(closed.timedOut).toBe(false);
  });

  it('retries a 429 after its Retry-After, and a connection dropped before the collector saw it', async () => {
    proxy.faults.push('429', 'drop-before');
    const result = await client().adjustPoints(fx.janeId, { points: 3, reason: 'retried' });
    expect(result.data.points).toBe(3);
    expect(proxy.seen).toHaveLength(3);
    expect(new Set(proxy.seen.map((r) => r.idempotencyKey)).size).toBe(1);
  });

  it('a purchase whose answer was lost is retried with its Idempotency-Key and awarded once', async () => {
    proxy.faults.push('drop-after');
    const result = await client().recordPurchase(fx.contestId, { email: 'jane@example.com', orderId: 'lost-answer', amount: 25 });
    // The collector did the work on the first attempt; the retry gets that first answer (201).
    expect(result.data).toMatchObject({ pointsAwarded: 25, alreadyExists: false });
    expect(proxy.seen).toHaveLength(2);
    const ledger = await t().store.ledger.forEntry(fx.janeId);
    expect(ledger.filter((row) => row.reason === 'purchase')).toHaveLength(1);
  });

  it('gives up after maxRetries and on a timeout says so', async () => {
    proxy.faults.push('429', '429');
    const error = await client({ maxRetries: 1 }).listContests().catch((e) => e);
    expect(error).toMatchObject({ status: 429 });
    const slow = http.createServer(() => undefined); // never answers
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = slow.address() as AddressInfo;
      const timedOut = await new Refrocket({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 50, maxRetries: 0 }).listContests().catch((e) => e);
      expect(timedOut).toBeInstanceOf(RefrocketNetworkError);
      expect(timedOut.timedOut).toBe(true);
    } finally {
      slow.closeAllConnections();
      await new Promise((resolve) => slow.close(resolve));
    }
  });
}));

/** Outbound deliveries fast enough for a test (retries after 30 ms, polls every 10 ms); loopback allowed. */
const fastWebhooks = { allowPrivate: true, retryScheduleMs: [30, 30, 30, 30], pollMs: 10, timeoutMs: 2_000 };

forEachEngine((engine) => describe('refrocket/sdk: the methods for webhook endpoints, refunds, fraud review, erasure and attribution', () => {
  const t = useTestApp({ engine, webhooks: fastWebhooks });
  let fx: V1Fixture;
  let proxy: Awaited<ReturnType<typeof faultyProxy>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const client = () => new Refrocket({ baseUrl: proxy.url, apiKey: fx.privateKey, webhookSecret: fx.webhookSecret, retryDelayMs: 1 });
  /** The same route's answer, asked directly (app.inject, no SDK). */
  const direct = async (url: string) => (await call(t(), 'GET', url, fx.privateKey)).body;

  beforeEach(async () => {
    const baseUrl = await t().app.listen({ port: 0, host: '127.0.0.1' });
    fx = await seedV1(t());
    proxy = await faultyProxy(baseUrl);
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await proxy.close();
    await receiver.close();
  });

  it('webhook endpoints: create, list, get, update, deliveries, retry a delivery, delete', async () => {
    const rr = client();
    const created = await rr.createWebhookEndpoint({ url: `${receiver.url}/hooks`, events: ['entry.created'], description: 'crm' });
    expect(created.data).toMatchObject({ url: `${receiver.url}/hooks`, events: ['entry.created'], description: 'crm', status: 'enabled' });
    expect(created.data.secret).toMatch(/^whsec_/);
    const endpointId = created.data.id;
    const listed = await rr.listWebhookEndpoints();
    expect(listed).toEqual(await direct('/api/v1/webhook-endpoints'));
    expect(listed.data.map((e) => e.id)).toEqual([endpointId]);
    expect(await rr.getWebhookEndpoint(endpointId)).toEqual(await direct(`/api/v1/webhook-endpoints/${endpointId}`));

    await rr.createEntry(fx.contestId, { email: 'hooked@example.com' });
    await receiver.waitFor(1);
    await expect.poll(async () => (await rr.listWebhookDeliveries(endpointId)).data.map((d) => d.status)).toEqual(['succeeded']);
    const deliveries = await rr.listWebhookDeliveries(endpointId, { limit: 5 });
    expect(deliveries).toEqual(await direct(`/api/v1/webhook-endpoints/${endpointId}/deliveries?limit=5`));
    const [delivery] = deliveries.data;
    expect(delivery).toMatchObject({ eventId: receiver.received[0].id, eventType: 'entry.created', attempts: 1, lastResponseStatus: 204 });
    expect(await rr.retryWebhookDelivery(endpointId, delivery.id)).toEqual({ success: true, data: { queued: true } });
    await receiver.waitFor(2);
    expect(receiver.received[1].id).toBe(receiver.received[0].id);

    const disabled = await rr.updateWebhookEndpoint(endpointId, { disabled: true, description: null });
    expect(disabled.data).toMatchObject({ id: endpointId, status: 'disabled', description: null });
    expect(disabled).toEqual(await direct(`/api/v1/webhook-endpoints/${endpointId}`));
    expect(await rr.deleteWebhookEndpoint(endpointId)).toEqual({ success: true, data: { deleted: true } });
    const gone = await rr.getWebhookEndpoint(endpointId).catch((e) => e);
    expect(gone).toBeInstanceOf(RefrocketError);
    expect(gone).toMatchObject({ status: 404, message: (await call(t(), 'GET', `/api/v1/webhook-endpoints/${endpointId}`, fx.privateKey)).body.error });
    expect((await rr.listWebhookEndpoints()).data).toEqual([]);
  });

  it('purchases by id: read, explain, refund (REST and webhook); a refund whose answer was lost reverses once', async () => {
    const rr = client();
    const { contestId, janeId } = fx;
    const signup = await rr.trackSignup({ email: 'amy@example.com', contestId, referralCode: 'REF-XYZ789' });
    const amyId = signup.data.entryId;
    const bought = await rr.recordPurchase(contestId, { email: 'amy@example.com', orderId: 'o-refund', amount: 40 });
    const purchaseId = bought.data.purchaseId;
    expect(bought.data).toMatchObject({ advocateEntryId: janeId, advocatePointsAwarded: 40 });

    const purchase = await rr.getPurchase(purchaseId);
    expect(purchase).toEqual(await direct(`/api/v1/purchases/${purchaseId}`));
    expect(purchase.data).toMatchObject({ orderId: 'o-refund', amount: 40, advocateEntryId: janeId, status: 'paid', refundedAmount: 0 });
    const explained = await rr.purchaseAttribution(purchaseId);
    expect(explained).toEqual(await direct(`/api/v1/purchases/${purchaseId}/attribution`));
    expect(explained.data).toMatchObject({ purchaseId, referred: true, advocate: { id: janeId }, creditRule: 'referrer' });
    const entryExplained = await rr.entryAttribution(amyId);
    expect(entryExplained).toEqual(await direct(`/api/v1/entries/${amyId}/attribution`));
    expect(entryExplained.data).toMatchObject({ entryId: amyId, referred: true, advocate: { id: janeId, referralCode: 'REF-XYZ789' } });

    // The collector refunds on the first attempt, the answer is lost, the SDK retries with the
    // same Idempotency-Key: the first answer comes back and a single reversal exists. (No
    // refundId, so only the Idempotency-Key keeps the retry from refunding 10 more.)
    proxy.faults.push('drop-after');
    const refund = await rr.refundPurchase(purchaseId, { amount: 10, reason: 'damaged' });
    expect(proxy.seen.filter((r) => r.url.endsWith('/refund'))).toHaveLength(2);
    expect(new Set(proxy.seen.filter((r) => r.url.endsWith('/refund')).map((r) => r.idempotencyKey)).size).toBe(1);
    // A quarter refunded: a quarter of the advocate's 40 points and of the purchaser's 40.
    expect(refund.data).toMatchObject({ purchaseId, status: 'partially_refunded', amountRefunded: 10, refundedAmount: 10, pointsReversed: 20, alreadyProcessed: false });
    expect(await t().rows('purchase_refunds')).toHaveLength(1);
    for (const entryId of [janeId, amyId]) {
      const reversals = (await t().store.ledger.forEntry(entryId)).filter((row) => row.reason === 'purchase_refunded');
      expect(reversals.map((row) => row.delta)).toEqual([-10]);
    }
    expect((await rr.getPurchase(purchaseId)).data).toMatchObject({ refundedAmount: 10, pointsReversed: 20, status: 'partially_refunded' });

    // The inbound webhook refund, by orderId, with the contest's secret; again with its refundId → no change.
    await rr.webhookPurchase(contestId, { email: 'bo@example.com', orderId: 'o-hook', amount: 6, referralCode: 'REF-XYZ789' });
    const hookRefund = await rr.webhookRefund(contestId, { orderId: 'o-hook', refundId: 're_1' });
    expect(hookRefund.data).toMatchObject({ orderId: 'o-hook', refundId: expect.any(String), status: 'refunded', amountRefunded: 6, alreadyProcessed: false });
    expect((await rr.webhookRefund(contestId, { orderId: 'o-hook', refundId: 're_1' })).data).toMatchObject({ status: 'refunded', amountRefunded: 0, alreadyProcessed: true });
    const wrongSecret = await new Refrocket({ baseUrl: proxy.url, webhookSecret: 'nope' }).webhookRefund(contestId, { orderId: 'o-hook' }).catch((e) => e);
    expect(wrongSecret).toMatchObject({ status: 401 });
    await t().expectInvariants();
  });

  it('fraud review: list flags, approve, reject (a second decision is a typed 409), the ledger explained', async () => {
    const rr = client();
    const { contestId, janeId } = fx;
    const held = await rr.trackSignup({ email: 'held@mailinator.com', contestId, referralCode: 'REF-XYZ789' });
    t().advance(1000); // the queue is oldest first
    const dropped = await rr.trackSignup({ email: 'dropped@mailinator.com', contestId, referralCode: 'REF-XYZ789' });
    const flags = await rr.listFlags(contestId);
    expect(flags).toEqual(await direct(`/api/v1/contests/${contestId}/flags`));
    expect(flags.data.map((f) => [f.entry.id, f.reasons])).toEqual([[held.data.entryId, ['disposable_email']], [dropped.data.entryId, ['disposable_email']]]);
    expect(flags.pagination).toEqual({ page: 1, limit: 20, total: 2, totalPages: 1 });
    const [toApprove, toReject] = flags.data;

    const approved = await rr.approveFlag(toApprove.id);
    expect(approved.data).toMatchObject({ id: toApprove.id, status: 'approved', advocate: { id: janeId } });
    const rejected = await rr.rejectFlag(toReject.id, { reason: 'throwaway address' });
    expect(rejected.data).toMatchObject({ id: toReject.id, status: 'rejected', decisionReason: 'throwaway address' });
    expect((await rr.listFlags(contestId, { status: 'approved' })).data.map((f) => f.id)).toEqual([toApprove.id]);
    const refused = await rr.approveFlag(toReject.id).catch((e) => e);
    expect(refused).toBeInstanceOf(RefrocketError);
    expect(refused.status).toBe(409);
    expect(refused.message).toBe((await call(t(), 'POST', `/api/v1/flags/${toReject.id}/approve`, fx.privateKey)).body.error);

    const ledger = await rr.entryLedger(janeId);
    expect(ledger).toEqual(await direct(`/api/v1/entries/${janeId}/ledger`));
    expect(ledger.data.points).toBe((await t().store.entries.get(janeId))!.points);
    expect(ledger.data.ledger.map((line) => [line.status, line.flagId])).toEqual(expect.arrayContaining([['released', toApprove.id], ['rejected', toReject.id]]));
    await t().expectInvariants();
  });

  it('erasure: a person erased by email from every contest, with the report', async () => {
    const rr = client();
    const other = await rr.createContest({ title: 'Second contest' });
    await rr.createEntry(other.data.id, { email: 'jane@example.com', name: 'Jane again' });
    const report = await rr.erasePerson({ email: 'Jane@Example.com' });
    expect(report.data).toMatchObject({ entries: 2, purchases: 0 });
    expect([...report.data.contestIds].sort()).toEqual([fx.contestId, other.data.id].sort());
    expect((await rr.getEntry(fx.janeId)).data).toMatchObject({ email: null, name: null });
    const invalid = await rr.erasePerson({ email: 'not-an-email' }).catch((e) => e);
    expect(invalid).toMatchObject({ status: 400 });
    expect(invalid.message).toMatch(/email/);
  });
}));

describe('coverage of the API', () => {
  const t = useTestApp();

  it('every documented route has an SDK method (except the health check and Stripe, which no backend calls)', async () => {
    // Call every method with placeholder ids through a fetch that records and answers 200.
    const called = new Set<string>();
    const recording: typeof fetch = async (url, init) => {
      const { pathname } = new URL(String(url));
      called.add(`${init?.method} ${pathname.replace(/\/ID\d(?=\/|$)/g, '/{}')}`);
      return new Response('{}', { status: 200 });
    };
    const rr = new Refrocket({ baseUrl: 'http://sdk.test', apiKey: 'k', fetch: recording });
    const methods = Object.getOwnPropertyNames(Refrocket.prototype).filter((name) => !['constructor', 'call', 'backoff'].includes(name));
    for (const name of methods) {
      await (rr as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[name]('ID1', 'ID2', {});
    }
    const doc = (await t().app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, object> };
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path.replace(/\{\w+\}/g, '{}')}`))
      .filter((route) => route !== 'GET /healthz' && !route.startsWith('POST /api/integrations/stripe/'));
    expect([...called].sort()).toEqual(documented.sort());
    expect(methods).toHaveLength(called.size);
  });
});

describe('the package export', () => {
  it('`refrocket/sdk` resolves to the built ESM bundle, which imports nothing', () => {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', `
      const sdk = await import('refrocket/sdk');
      const { readFileSync } = await import('node:fs');
      const { fileURLToPath } = await import('node:url');
      const file = fileURLToPath(import.meta.resolve('refrocket/sdk'));
      console.log(JSON.stringify({ names: Object.keys(sdk).sort(), imports: /\\bimport\\b|require\\(/.test(readFileSync(file, 'utf8')) }));
    `], { cwd: process.cwd(), encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ names: ['Refrocket', 'RefrocketError', 'RefrocketNetworkError'], imports: false });
  });
});
