import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configureBonusActions } from '../../server/collector/bonus-actions.js';
import type { Row } from '../../server/store/repositories.js';
import { createTestApp, forEachEngine, type Engine, type TestApp } from '../helpers/test-app.js';

async function world(engine: Engine) {
  const t = await createTestApp({ engine });
  try {
    const contest = await t.contest({ id: 'c1' });
    const jane = await t.entry('c1', { email: 'jane@example.com', referralCode: 'REF-XYZ789' });
    const [action] = await t.store.transaction((tx) =>
      configureBonusActions({ store: tx, now: t.ctx.now }, 'c1', [{ action: 'follow', points: 3 }]),
    );
    return { t, secret: contest.webhookSecret, janeId: jane.id, actionId: action.id, privateKey: await t.apiKey('private') };
  } catch (error) {
    await t.app.close();
    throw error;
  }
}

/** Like `SELECT column, count(*) AS n FROM rows GROUP BY column HAVING n > 1`. */
function duplicates(rows: Row[], column: string): Array<Record<string, unknown>> {
  const counts = new Map<unknown, number>();
  for (const row of rows) counts.set(row[column], (counts.get(row[column]) ?? 0) + 1);
  return [...counts].filter(([, n]) => n > 1).map(([value, n]) => ({ [column]: value, n }));
}

type World = Awaited<ReturnType<typeof world>>;

const routes: Array<{ method: 'GET' | 'POST' | 'PUT' | 'DELETE'; url: (w: World) => string; auth?: 'private' | 'webhook' }> = [
  { method: 'POST', url: () => '/api/referral/track-visit' },
  { method: 'POST', url: () => '/api/referral/track-signup' },
  { method: 'POST', url: () => '/api/referral/track-purchase' },
  { method: 'POST', url: () => '/api/webhooks/signup/c1', auth: 'webhook' },
  { method: 'POST', url: () => '/api/webhooks/purchase/c1', auth: 'webhook' },
  { method: 'POST', url: () => '/api/v1/contests', auth: 'private' },
  { method: 'PUT', url: () => '/api/v1/contests/c1', auth: 'private' },
  { method: 'POST', url: () => '/api/v1/contests/c1/entries', auth: 'private' },
  { method: 'POST', url: () => '/api/v1/contests/c1/purchases', auth: 'private' },
  { method: 'PUT', url: (w) => `/api/v1/entries/${w.janeId}`, auth: 'private' },
  { method: 'POST', url: (w) => `/api/v1/entries/${w.janeId}/disqualify`, auth: 'private' },
  { method: 'POST', url: (w) => `/api/v1/entries/${w.janeId}/points`, auth: 'private' },
  { method: 'POST', url: (w) => `/api/v1/entries/${w.janeId}/bonus-actions/${w.actionId}/complete`, auth: 'private' },
];

const fieldNames = ['email', 'contestId', 'referralCode', 'orderId', 'amount', 'currency', 'name', 'phone', 'url', 'points',
  'reason', 'title', 'status', 'settings', 'startDate', 'emailConfirmed', 'bonusActions', 'secret', '__proto__', 'constructor'];
const plausibleValue = fc.oneof(
  fc.constantFrom('c1', 'REF-XYZ789', 'jane@example.com', 'USD', 'active', '2026-01-01T00:00:00Z', ''),
  fc.emailAddress(),
  fc.string({ maxLength: 300 }),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 2 }),
);
/** Bodies near the real shapes (known field names, any values) and arbitrary JSON. */
const body = fc.oneof(
  fc.dictionary(fc.constantFrom(...fieldNames), plausibleValue, { maxKeys: 8 }).map((o) => JSON.stringify(o)),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
);

describe('property: random bodies never produce a 500', () => forEachEngine((engine) => {
  for (const route of routes) {
    it(`${route.method} ${route.url({ janeId: ':entryId', actionId: ':id' } as World)}`, async () => {
      const w = await world(engine);
      try {
        await fc.assert(
          fc.asyncProperty(body, fc.constantFrom('application/json', 'text/plain'), async (payload, contentType) => {
            const headers: Record<string, string> = { 'content-type': contentType };
            if (route.auth === 'private') headers['x-api-key'] = w.privateKey;
            if (route.auth === 'webhook') headers['x-webhook-secret'] = w.secret;
            const res = await w.t.app.inject({ method: route.method, url: route.url(w), headers, payload });
            expect(res.statusCode, `${payload} → ${res.body}`).toBeLessThan(500);
            expect(res.json()).toHaveProperty('success');
          }),
          { numRuns: 60 },
        );
        await w.t.expectInvariants();
      } finally {
        await w.t.app.close();
      }
    });
  }
}));

type Op =
  | { kind: 'signup'; email: number; code: number }
  | { kind: 'purchase'; email: number; order: number; amount: number; code: number | null }
  | { kind: 'webhookPurchase'; email: number; order: number; amount: number }
  | { kind: 'adjust'; entry: number; points: number }
  | { kind: 'disqualify'; entry: number }
  | { kind: 'bonus'; entry: number };

const emails = ['a@x.com', 'b@x.com', 'c@x.com', 'd@x.com', 'e@x.com', 'jane@example.com'];
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('signup' as const), email: fc.nat(5), code: fc.nat(6) }),
  fc.record({ kind: fc.constant('purchase' as const), email: fc.nat(5), order: fc.nat(6), amount: fc.double({ min: 0.01, max: 500, noNaN: true }), code: fc.option(fc.nat(6)) }),
  fc.record({ kind: fc.constant('webhookPurchase' as const), email: fc.nat(5), order: fc.nat(6), amount: fc.double({ min: 0.01, max: 500, noNaN: true }) }),
  fc.record({ kind: fc.constant('adjust' as const), entry: fc.nat(6), points: fc.integer({ min: -50, max: 50 }).filter((n) => n !== 0) }),
  fc.record({ kind: fc.constant('disqualify' as const), entry: fc.nat(6) }),
  fc.record({ kind: fc.constant('bonus' as const), entry: fc.nat(6) }),
);

async function apply(w: World, o: Op, concurrent: boolean) {
  const t: TestApp = w.t;
  // Entries in (created_at, id) order.
  const entries = ((await t.rows('entries')) as Array<{ id: string; referral_code: string; created_at: number }>)
    .sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const pick = (i: number) => entries[i % entries.length];
  const json = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify(payload) });
  const run = () => {
    switch (o.kind) {
      case 'signup':
        return json('/api/referral/track-signup', { contestId: 'c1', email: emails[o.email], referralCode: pick(o.code).referral_code });
      case 'purchase':
        return json('/api/referral/track-purchase', { contestId: 'c1', email: emails[o.email], orderId: `o${o.order}`, amount: o.amount, ...(o.code === null ? {} : { referralCode: pick(o.code).referral_code }) });
      case 'webhookPurchase':
        return json('/api/webhooks/purchase/c1', { email: emails[o.email], orderId: `o${o.order}`, amount: o.amount }, { 'x-webhook-secret': w.secret });
      case 'adjust':
        return json(`/api/v1/entries/${pick(o.entry).id}/points`, { points: o.points, reason: 'prop' }, { 'x-api-key': w.privateKey });
      case 'disqualify':
        return json(`/api/v1/entries/${pick(o.entry).id}/disqualify`, {}, { 'x-api-key': w.privateKey });
      case 'bonus':
        return json(`/api/v1/entries/${pick(o.entry).id}/bonus-actions/${w.actionId}/complete`, {}, { 'x-api-key': w.privateKey });
    }
  };
  // Run each op twice, possibly at the same moment, to exercise duplicate handling.
  const results = concurrent ? await Promise.all([run(), run()]) : [await run(), await run()];
  for (const res of results) expect(res.statusCode, res.body).toBeLessThan(500);
}

describe('property: random operation sequences keep every invariant', () => forEachEngine((engine) => {
  it('points = ledger sum, one award per friend, one purchase per orderId, leaderboard order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), fc.boolean(), async (ops, concurrent) => {
        const w = await world(engine);
        try {
          for (const o of ops) await apply(w, o, concurrent);
          await w.t.expectInvariants();
          const ledger = await w.t.rows('points_ledger');
          const purchases = await w.t.rows('purchases');
          // One referral award per friend, ever.
          const awards = duplicates(ledger.filter((l) => l.reason === 'referral_advocate'), 'source_id');
          expect(awards).toEqual([]);
          // One live purchase per orderId (an authenticated purchase may supersede a browser-reported
          // one: both rows stay), and each purchase's awards (advocate's and purchaser's) are in the ledger.
          const orders = duplicates(purchases.filter((p) => p.superseded_by === null), 'order_id');
          expect(orders).toEqual([]);
          const purchaseAwards = purchases.map((p) => ({
            id: p.id,
            points_awarded: (p.points_awarded as number) + (p.purchaser_points as number),
            ledger: ledger
              .filter((l) => l.reason === 'purchase' && l.source_id === p.id)
              .reduce((sum, l) => sum + (l.delta as number), 0),
          }));
          for (const p of purchaseAwards) expect(p.ledger).toBe(p.points_awarded);
          // Leaderboard: non-disqualified only, in (points desc, createdAt, id) order, ranks 1..n.
          const res = await w.t.app.inject({ method: 'GET', url: '/api/v1/contests/c1/leaderboard?limit=100', headers: { 'x-api-key': w.privateKey } });
          const board = res.json().data as Array<{ id: string; rank: number; points: number; joinedAt: string }>;
          const expected = ((await w.t.rows('entries')) as Array<{ id: string; points: number; created_at: number; disqualified: number }>)
            .filter((e) => e.disqualified === 0)
            .sort((a, b) => b.points - a.points || a.created_at - b.created_at || (a.id < b.id ? -1 : 1))
            .map((e) => e.id);
          expect(board.map((r) => r.id)).toEqual(expected);
          expect(board.map((r) => r.rank)).toEqual(expected.map((_, i) => i + 1));
        } finally {
          await w.t.app.close();
        }
      }),
      // Each run builds a fresh world, and on PostgreSQL that is a new database (CREATE DATABASE
      // from the migrated template: 0.5–1.5 s, most of a run's time), so 40 runs there take about
      // a minute. PostgreSQL runs 20: the operations and their duplicate/concurrent handling are
      // the same; SQLite keeps the full 40.
      { numRuns: engine === 'postgres' ? 20 : 40 },
    );
  }, 90_000);
}));
