import { describe, expect, it } from 'vitest';
import { IDEMPOTENCY_LEASE_MS, IDEMPOTENCY_WINDOW_MS } from '../../server/collector/idempotency.js';
import { apiKeyCredential, idempotencyKeys } from '../../server/plugins/idempotency.js';
import { buildApp } from '../../server/app.js';
import { createTestApp, forEachEngine, useTestApp, type TestApp } from '../helpers/test-app.js';
import { seedV1 } from './v1-helpers.js';

/** One write through app.inject with an Idempotency-Key. */
async function send(t: TestApp, url: string, body: unknown, key: string | undefined, apiKey?: string, method: 'POST' | 'PUT' = 'POST') {
  const res = await t.app.inject({
    method,
    url,
    headers: {
      'content-type': 'application/json',
      ...(key !== undefined ? { 'idempotency-key': key } : {}),
      ...(apiKey ? { 'x-api-key': apiKey } : {}),
    },
    payload: JSON.stringify(body),
  });
  return { status: res.statusCode, body: res.json(), replayed: res.headers['idempotent-replayed'] === 'true' };
}

forEachEngine((engine) => describe('Idempotency-Key', () => {
  const t = useTestApp({ engine });

  it('a replay returns the first answer (status and body) and does not award again', async () => {
    const fx = await seedV1(t());
    const url = `/api/v1/contests/${fx.contestId}/purchases`;
    const purchase = { email: 'jane@example.com', orderId: 'ORD-1', amount: 49.99, currency: 'USD' };
    const first = await send(t(), url, purchase, 'key-1', fx.privateKey);
    expect(first.status).toBe(201);
    expect(first.replayed).toBe(false);
    const janeBefore = (await t().store.entries.get(fx.janeId))!.points;
    const again = await send(t(), url, purchase, 'key-1', fx.privateKey);
    // Without the key, a repeated orderId answers 200 "already recorded": the replay is the 201.
    expect(again).toEqual({ ...first, replayed: true });
    expect((await t().store.entries.get(fx.janeId))!.points).toBe(janeBefore);
    expect(await t().store.tables.count('purchases')).toBe(1);
  });

  it('a replay of a signup answers the same entry without a second ledger row', async () => {
    const fx = await seedV1(t());
    const signup = { email: 'friend@example.com', contestId: fx.contestId, referralCode: 'REF-XYZ789' };
    const first = await send(t(), '/api/referral/track-signup', signup, 'signup-1');
    expect(first.status).toBe(200);
    const ledgerRows = await t().store.tables.count('points_ledger');
    const again = await send(t(), '/api/referral/track-signup', signup, 'signup-1');
    expect(again.body).toEqual(first.body);
    expect(again.replayed).toBe(true);
    expect(await t().store.tables.count('points_ledger')).toBe(ledgerRows);
  });

  it('the same key with a different body answers 409 and changes nothing', async () => {
    const fx = await seedV1(t());
    const url = `/api/v1/entries/${fx.janeId}/points`;
    expect((await send(t(), url, { points: 5, reason: 'bonus' }, 'k', fx.privateKey)).status).toBe(200);
    const counts = await t().counts();
    const other = await send(t(), url, { points: 50, reason: 'bonus' }, 'k', fx.privateKey);
    expect(other).toEqual({ status: 409, body: { success: false, error: 'Idempotency-Key was already used with a different request' }, replayed: false });
    const otherRoute = await send(t(), `/api/v1/entries/${fx.johnId}/points`, { points: 5, reason: 'bonus' }, 'k', fx.privateKey);
    expect(otherRoute.status).toBe(409);
    expect(await t().counts()).toEqual(counts);
  });

  it('50 concurrent requests with one key do the work once and all get the same answer', async () => {
    const fx = await seedV1(t());
    const url = `/api/v1/entries/${fx.janeId}/points`;
    const results = await Promise.all(
      Array.from({ length: 50 }, () => send(t(), url, { points: 7, reason: 'concurrent' }, 'same-key', fx.privateKey)),
    );
    expect(new Set(results.map((r) => JSON.stringify([r.status, r.body]))).size).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    const ledger = await t().store.ledger.forEntry(fx.janeId);
    expect(ledger.filter((row) => row.reason === 'adjustment')).toHaveLength(1);
    expect((await t().store.entries.get(fx.janeId))!.points).toBe(7);
  });

  it('keys are scoped per credential, expire after 24 h, and bad keys are refused', async () => {
    const fx = await seedV1(t());
    const otherKey = await t().apiKey('private');
    const url = `/api/v1/entries/${fx.janeId}/points`;
    await send(t(), url, { points: 1, reason: 'a' }, 'shared', fx.privateKey);
    // Another credential's same key is another key: it runs.
    expect((await send(t(), url, { points: 2, reason: 'b' }, 'shared', otherKey)).replayed).toBe(false);
    expect((await t().store.entries.get(fx.janeId))!.points).toBe(3);
    t().advance(IDEMPOTENCY_WINDOW_MS + 1);
    const afterWindow = await send(t(), url, { points: 1, reason: 'a' }, 'shared', fx.privateKey);
    expect(afterWindow.replayed).toBe(false);
    expect((await t().store.entries.get(fx.janeId))!.points).toBe(4);
    const tooLong = await send(t(), url, { points: 1, reason: 'a' }, 'x'.repeat(256), fx.privateKey);
    expect(tooLong).toEqual({ status: 400, body: { success: false, error: 'Idempotency-Key must be 1-255 printable ASCII characters' }, replayed: false });
  });

  it('a 4xx answer is replayed, a validation error stores nothing, and the stored answer is encrypted', async () => {
    const fx = await seedV1(t());
    const invalid = await send(t(), `/api/v1/entries/${fx.janeId}/points`, { points: 0, reason: 'x' }, 'v', fx.privateKey);
    expect(invalid.status).toBe(400);
    const stored = (key: string) => t().store.idempotency.find(idempotencyKeys(apiKeyCredential(fx.privateKey), key).keyHash);
    expect(await stored('v')).toBeUndefined();
    const missing = await send(t(), '/api/v1/entries/nope/points', { points: 1, reason: 'x' }, 'm', fx.privateKey);
    expect(missing.status).toBe(404);
    expect(await send(t(), '/api/v1/entries/nope/points', { points: 1, reason: 'x' }, 'm', fx.privateKey)).toEqual({ ...missing, replayed: true });
    const created = await send(t(), '/api/v1/contests', { title: 'Secret holder' }, 'c', fx.privateKey);
    expect(created.status).toBe(201);
    const answer = (await stored('c'))!;
    expect(answer.statusCode).toBe(201);
    expect(answer.response).not.toContain(created.body.data.webhookSecret);
    expect(Buffer.from(answer.response!, 'base64').toString('latin1')).not.toContain('Secret holder');
  });

  it('a key left pending by a dead collector is taken over after its lease', async () => {
    const fx = await seedV1(t());
    const url = `/api/v1/entries/${fx.janeId}/points`;
    await send(t(), url, { points: 1, reason: 'a' }, 'lease', fx.privateKey);
    // Put the key back to pending, as a collector killed between the work and storing its answer leaves it.
    const { keyHash } = idempotencyKeys(apiKeyCredential(fx.privateKey), 'lease');
    const { fingerprint } = (await t().store.idempotency.find(keyHash))!;
    await t().store.transaction(async (tx) => {
      await tx.idempotency.remove(keyHash);
      await tx.idempotency.insert(keyHash, fingerprint, t().ctx.now());
    });
    const whilePending = await send(t(), url, { points: 1, reason: 'a' }, 'lease', fx.privateKey);
    expect(whilePending.status).toBe(409);
    expect(whilePending.body.error).toBe('A request with this Idempotency-Key is still in progress; retry later');
    t().advance(IDEMPOTENCY_LEASE_MS + 1);
    expect((await send(t(), url, { points: 1, reason: 'a' }, 'lease', fx.privateKey)).status).toBe(200);
    expect((await t().store.entries.get(fx.janeId))!.points).toBe(2);
  });
}));

describe('Idempotency-Key across two collectors on one PostgreSQL database', () => {
  it('concurrent requests with one key at two collectors award once', async () => {
    const a = await createTestApp({ engine: 'postgres' });
    try {
      // A second collector: another app (its own write queue and in-process key map) on the same database.
      const second = buildApp({ store: a.store, closeStore: false, now: a.ctx.now });
      await second.ready();
      try {
        const fx = await seedV1(a);
        const url = `/api/v1/entries/${fx.janeId}/points`;
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            (i % 2 ? { ...a, app: second } : a).app.inject({
              method: 'POST',
              url,
              headers: { 'content-type': 'application/json', 'idempotency-key': 'two-collectors', 'x-api-key': fx.privateKey },
              payload: JSON.stringify({ points: 3, reason: 'twice?' }),
            }),
          ),
        );
        for (const res of results) expect([200, 409]).toContain(res.statusCode);
        expect((await a.store.entries.get(fx.janeId))!.points).toBe(3);
        await a.expectInvariants();
      } finally {
        await second.close();
      }
    } finally {
      await a.app.close();
    }
  });
});
