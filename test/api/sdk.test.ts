import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Refrocket, RefrocketError, RefrocketNetworkError } from '../../sdk/index.js';
import { forEachEngine, useTestApp } from '../helpers/test-app.js';
import { seedV1, type V1Fixture } from './v1-helpers.js';

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
