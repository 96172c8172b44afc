import { existsSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Row } from '../../server/store/repositories.js';
import {
  ENGINES,
  allRows,
  invariantViolations,
  noViolations,
  postJson,
  runBounded,
  seed,
  useWorkspace,
  withStoreOn,
} from './harness.js';

/**
 * Crash safety: kill -9 the collector in the middle of a few thousand concurrent mixed writes, then
 * restart it on the same database. Every write that was answered 2xx must be there (the write queue
 * acknowledges only after COMMIT; on SQLite a WAL commit with synchronous=NORMAL survives a process
 * crash, on PostgreSQL the server holds what was committed), and the ledger/counter invariants
 * must hold in whatever state the crash left. Runs on both engines; what was committed is read
 * through a store opened on the collector's own `--db`.
 */
const CONTEST = 'crash';
const TOTAL = 4_000;
const CONCURRENCY = 64;
const KILL_AFTER_RESPONSES = 1_500;
const ADVOCATES = 5;

const workspace = useWorkspace('crash');

type Op =
  | { kind: 'visit'; body: object }
  | { kind: 'signup'; email: string; body: object }
  | { kind: 'purchase'; orderId: string; body: object }
  | { kind: 'webhook'; orderId: string; body: object }
  | { kind: 'adjust'; entryId: string; points: number; reason: string };

/** A deterministic mix: visits, signups (~15% repeat an earlier email), purchases and webhook
 * purchases (~15% repeat an earlier orderId), and manual adjustments. */
function makeOps(advocates: Array<{ id: string; email: string; code: string }>): Op[] {
  let seedValue = 42;
  const rand = () => ((seedValue = (seedValue * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const friends: string[] = [];
  const orders: string[] = [];
  const hooks: string[] = [];
  const ops: Op[] = [];
  for (let i = 0; i < TOTAL; i++) {
    const advocate = pick(advocates);
    const r = rand();
    if (r < 0.2) {
      ops.push({ kind: 'visit', body: { referralCode: advocate.code, contestId: CONTEST, url: `https://shop.example/p/${i}` } });
    } else if (r < 0.5) {
      const email = friends.length > 0 && rand() < 0.15 ? pick(friends) : `f${i}@x.com`;
      friends.push(email);
      ops.push({ kind: 'signup', email, body: { email, contestId: CONTEST, referralCode: advocate.code, name: `Friend ${i}` } });
    } else if (r < 0.7) {
      const orderId = orders.length > 0 && rand() < 0.15 ? pick(orders) : `o-${i}`;
      orders.push(orderId);
      const email = friends.length > 0 ? pick(friends) : `buyer${i}@x.com`;
      ops.push({ kind: 'purchase', orderId, body: { email, contestId: CONTEST, orderId, amount: 1 + (i % 50), referralCode: advocate.code } });
    } else if (r < 0.85) {
      const orderId = hooks.length > 0 && rand() < 0.15 ? pick(hooks) : `w-${i}`;
      hooks.push(orderId);
      ops.push({ kind: 'webhook', orderId, body: { email: advocate.email, orderId, amount: 2.5 + (i % 7), currency: 'EUR' } });
    } else {
      const points = (i % 2 === 0 ? 1 : -1) * (1 + (i % 9));
      ops.push({ kind: 'adjust', entryId: advocate.id, points, reason: `adj-${i}` });
    }
  }
  return ops;
}

describe.each(ENGINES)('crash safety (kill -9 under concurrent writes) on %s', (engine) => {
  const sqliteOnly = engine === 'sqlite' ? ' (SQLite only: the file also passes integrity_check)' : '';
  // Each request is a round trip to the PostgreSQL server too: the same traffic takes longer there.
  const timeout = engine === 'sqlite' ? 45_000 : 90_000;
  it(`keeps every acknowledged write and every invariant across a SIGKILL and restart${sqliteOnly}`, { timeout }, async () => {
    const db = await workspace.database(engine, 'crash');
    const { webhookSecret, advocates, privateKey } = await seed(db, CONTEST, ADVOCATES);
    const ops = makeOps(advocates);

    const server = await workspace.startCollector(db);

    const acked = {
      visits: 0,
      signups: [] as Array<{ email: string; entryId: string; pointsAwarded: { advocate: number; friend: number } }>,
      purchases: [] as Array<{ orderId: string; purchaseId: string; entryId: string | null; pointsAwarded: number; alreadyExists?: boolean }>,
      adjustments: [] as Array<{ entryId: string; points: number; reason: string; total: number }>,
    };
    const rejected: Array<{ i: number; status: number; body: unknown }> = [];
    let responses = 0;
    let connectionErrors = 0;
    let killed = false;
    let killedAt = 0;
    // Requests keep being sent until the process is really gone, so the kill lands mid-traffic.
    let dead = false;
    void server.exited.then(() => void (dead = true));

    await runBounded(
      ops.length,
      CONCURRENCY,
      async (i) => {
        const op = ops[i]!;
        try {
          let res;
          switch (op.kind) {
            case 'visit':
              res = await postJson(`${server.base}/api/referral/track-visit`, op.body);
              break;
            case 'signup':
              res = await postJson(`${server.base}/api/referral/track-signup`, op.body);
              break;
            case 'purchase':
              res = await postJson(`${server.base}/api/referral/track-purchase`, op.body);
              break;
            case 'webhook':
              res = await postJson(`${server.base}/api/webhooks/purchase/${CONTEST}`, op.body, { 'x-webhook-secret': webhookSecret });
              break;
            case 'adjust':
              res = await postJson(
                `${server.base}/api/v1/entries/${op.entryId}/points`,
                { points: op.points, reason: op.reason },
                { 'x-api-key': privateKey },
              );
              break;
          }
          responses++;
          if (res.status >= 200 && res.status < 300) {
            const data = res.body.data;
            if (op.kind === 'visit') acked.visits++;
            else if (op.kind === 'signup') acked.signups.push({ email: op.email, entryId: data.entryId, pointsAwarded: data.pointsAwarded });
            else if (op.kind === 'purchase' || op.kind === 'webhook')
              acked.purchases.push({ orderId: op.orderId, purchaseId: data.purchaseId, entryId: data.entryId, pointsAwarded: data.pointsAwarded, alreadyExists: data.alreadyExists });
            else acked.adjustments.push({ entryId: op.entryId, points: op.points, reason: op.reason, total: data.points });
          } else {
            rejected.push({ i, status: res.status, body: res.body });
          }
        } catch {
          // The connection died (after the kill): the write was never acknowledged.
          connectionErrors++;
        }
        if (!killed && responses >= KILL_AFTER_RESPONSES) {
          killed = true;
          killedAt = responses;
          server.child.kill('SIGKILL');
        }
      },
      () => dead,
    );
    const exit = await server.exited;
    expect(exit.signal, 'the collector was killed, not stopped').toBe('SIGKILL');
    // Before the kill, nothing may fail: every request in the mix is valid.
    expect(rejected, 'non-2xx answers before the kill').toEqual([]);
    expect(killedAt).toBeGreaterThanOrEqual(KILL_AFTER_RESPONSES);
    // SQLite: the committed writes still sit in the WAL (not yet checkpointed), so recovery has work
    // to do. Only logged; PostgreSQL keeps its WAL to itself.
    const walBytesAfterKill =
      engine === 'sqlite' ? (existsSync(`${db}-wal`) ? `${statSync(`${db}-wal`).size} bytes` : '0 bytes') : 'n/a (PostgreSQL)';

    const restarted = await workspace.startCollector(db);
    const health = await fetch(`${restarted.base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });

    await withStoreOn(db, async (store) => {
      const [entries, purchases, ledger, visits] = await Promise.all(
        (['entries', 'purchases', 'points_ledger', 'visits'] as const).map((table) => allRows(store, table)),
      );
      const entryById = new Map(entries.map((e) => [e.id as string, e]));
      const purchaseById = new Map(purchases.map((p) => [p.id as string, p]));
      const ledgerWhere = (match: Partial<Row>) =>
        ledger.filter((l) => Object.entries(match).every(([column, value]) => l[column] === value));

      const missing: string[] = [];
      for (const s of acked.signups) {
        const row = entryById.get(s.entryId);
        if (!row || row.email_normalized !== s.email || row.contest_id !== CONTEST) missing.push(`signup ${s.email} → ${s.entryId}`);
        // A signup acknowledged with points has its friend award in the ledger.
        if (s.pointsAwarded.friend > 0 && ledgerWhere({ entry_id: s.entryId, reason: 'referral_friend', source_id: s.entryId }).length === 0)
          missing.push(`friend award of ${s.entryId}`);
      }
      for (const p of acked.purchases) {
        const row = purchaseById.get(p.purchaseId);
        if (!row || row.order_id !== p.orderId || row.contest_id !== CONTEST) missing.push(`purchase ${p.orderId} → ${p.purchaseId}`);
        if (p.pointsAwarded > 0) {
          // The answer's entryId earned its pointsAwarded (a webhook purchase also credits the referrer).
          const award = ledgerWhere({ reason: 'purchase', source_id: p.purchaseId, entry_id: p.entryId })[0]?.delta;
          if (award !== p.pointsAwarded) missing.push(`purchase award of ${p.purchaseId}`);
        }
      }
      for (const a of acked.adjustments) {
        if (ledgerWhere({ entry_id: a.entryId, reason: 'adjustment', note: a.reason, delta: a.points }).length !== 1)
          missing.push(`adjustment ${a.reason}`);
      }
      expect(missing, 'acknowledged writes missing after kill -9 and restart').toEqual([]);

      const storedVisits = visits.filter((v) => v.contest_id === CONTEST).length;
      expect(storedVisits).toBeGreaterThanOrEqual(acked.visits);

      // Duplicate emails / orderIds acknowledged twice must point at one row.
      const idsByEmail = new Map<string, Set<string>>();
      for (const s of acked.signups) idsByEmail.set(s.email, (idsByEmail.get(s.email) ?? new Set()).add(s.entryId));
      expect([...idsByEmail].filter(([, ids]) => ids.size > 1)).toEqual([]);
      const idsByOrder = new Map<string, Set<string>>();
      for (const p of acked.purchases) idsByOrder.set(p.orderId, (idsByOrder.get(p.orderId) ?? new Set()).add(p.purchaseId));
      expect([...idsByOrder].filter(([, ids]) => ids.size > 1)).toEqual([]);

      expect(await invariantViolations(store, db)).toEqual(noViolations);

      const counts = {
        entries: entries.length,
        purchases: purchases.length,
        adjustments: ledgerWhere({ reason: 'adjustment' }).length,
      };
      expect(counts.entries).toBeGreaterThanOrEqual(ADVOCATES + idsByEmail.size);
      expect(counts.purchases).toBeGreaterThanOrEqual(idsByOrder.size);
      expect(counts.adjustments).toBeGreaterThanOrEqual(acked.adjustments.length);

      console.info(
        `[crash-safety ${engine}] ${responses} responses (kill after ${killedAt}), ${connectionErrors} connection errors; ` +
          `acknowledged: ${acked.visits} visits, ${acked.signups.length} signups (${idsByEmail.size} emails), ` +
          `${acked.purchases.length} purchases (${idsByOrder.size} orders), ${acked.adjustments.length} adjustments; ` +
          `stored after restart: ${storedVisits} visits, ${counts.entries - ADVOCATES} friend entries, ${counts.purchases} purchases, ` +
          `${counts.adjustments} adjustments; -wal after the kill: ${walBytesAfterKill}`,
      );
    });

    const stopped = await restarted.stop('SIGTERM');
    expect(stopped.code, restarted.output()).toBe(0);
  });
});
