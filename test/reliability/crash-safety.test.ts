import Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { invariantViolations, noViolations, postJson, runBounded, seed, useWorkspace } from './harness.js';

/**
 * Crash safety: kill -9 the collector in the middle of a few thousand concurrent mixed writes, then
 * restart it on the same database. Every write that was answered 2xx must be there (the write queue
 * acknowledges only after COMMIT, and a WAL commit with synchronous=NORMAL survives a process
 * crash), and the ledger/counter invariants must hold in whatever state the crash left.
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

describe('crash safety (kill -9 under concurrent writes)', () => {
  it('keeps every acknowledged write and every invariant across a SIGKILL and restart', { timeout: 45_000 }, async () => {
    const dbPath = workspace.path('crash.db');
    const { webhookSecret, advocates, privateKey } = await seed(dbPath, CONTEST, ADVOCATES);
    const ops = makeOps(advocates);

    const server = await workspace.startCollector(dbPath);

    const acked = {
      visits: 0,
      signups: [] as Array<{ email: string; entryId: string; pointsAwarded: { advocate: number; friend: number } }>,
      purchases: [] as Array<{ orderId: string; purchaseId: string; pointsAwarded: number; alreadyExists?: boolean }>,
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
              acked.purchases.push({ orderId: op.orderId, purchaseId: data.purchaseId, pointsAwarded: data.pointsAwarded, alreadyExists: data.alreadyExists });
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
    // The committed writes still sit in the WAL (not yet checkpointed): recovery has work to do.
    const walBytesAfterKill = existsSync(`${dbPath}-wal`) ? statSync(`${dbPath}-wal`).size : 0;

    const restarted = await workspace.startCollector(dbPath);
    const health = await fetch(`${restarted.base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });

    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      const entryById = db.prepare('SELECT id, email, email_normalized, contest_id FROM entries WHERE id = ?');
      const purchaseById = db.prepare('SELECT id, order_id, contest_id FROM purchases WHERE id = ?');
      const ledgerAward = db.prepare('SELECT delta FROM points_ledger WHERE entry_id = ? AND reason = ? AND source_id = ?');
      const adjustmentRow = db.prepare(
        `SELECT count(*) FROM points_ledger WHERE entry_id = ? AND reason = 'adjustment' AND note = ? AND delta = ?`,
      );

      const missing: string[] = [];
      for (const s of acked.signups) {
        const row = entryById.get(s.entryId) as { email: string; email_normalized: string; contest_id: string } | undefined;
        if (!row || row.email_normalized !== s.email || row.contest_id !== CONTEST) missing.push(`signup ${s.email} → ${s.entryId}`);
        // A signup acknowledged with points has its friend award in the ledger.
        if (s.pointsAwarded.friend > 0 && ledgerAward.get(s.entryId, 'referral_friend', s.entryId) === undefined)
          missing.push(`friend award of ${s.entryId}`);
      }
      for (const p of acked.purchases) {
        const row = purchaseById.get(p.purchaseId) as { order_id: string; contest_id: string } | undefined;
        if (!row || row.order_id !== p.orderId || row.contest_id !== CONTEST) missing.push(`purchase ${p.orderId} → ${p.purchaseId}`);
        if (p.pointsAwarded > 0) {
          const award = db.prepare(`SELECT delta FROM points_ledger WHERE reason = 'purchase' AND source_id = ?`).pluck().get(p.purchaseId);
          if (award !== p.pointsAwarded) missing.push(`purchase award of ${p.purchaseId}`);
        }
      }
      for (const a of acked.adjustments) {
        if ((adjustmentRow.pluck().get(a.entryId, a.reason, a.points) as number) !== 1) missing.push(`adjustment ${a.reason}`);
      }
      expect(missing, 'acknowledged writes missing after kill -9 and restart').toEqual([]);

      const storedVisits = db.prepare(`SELECT count(*) FROM visits WHERE contest_id = ?`).pluck().get(CONTEST) as number;
      expect(storedVisits).toBeGreaterThanOrEqual(acked.visits);

      // Duplicate emails / orderIds acknowledged twice must point at one row.
      const idsByEmail = new Map<string, Set<string>>();
      for (const s of acked.signups) idsByEmail.set(s.email, (idsByEmail.get(s.email) ?? new Set()).add(s.entryId));
      expect([...idsByEmail].filter(([, ids]) => ids.size > 1)).toEqual([]);
      const idsByOrder = new Map<string, Set<string>>();
      for (const p of acked.purchases) idsByOrder.set(p.orderId, (idsByOrder.get(p.orderId) ?? new Set()).add(p.purchaseId));
      expect([...idsByOrder].filter(([, ids]) => ids.size > 1)).toEqual([]);

      expect(invariantViolations(db)).toEqual(noViolations);

      const counts = {
        entries: db.prepare('SELECT count(*) FROM entries').pluck().get() as number,
        purchases: db.prepare('SELECT count(*) FROM purchases').pluck().get() as number,
        adjustments: db.prepare(`SELECT count(*) FROM points_ledger WHERE reason = 'adjustment'`).pluck().get() as number,
      };
      expect(counts.entries).toBeGreaterThanOrEqual(ADVOCATES + idsByEmail.size);
      expect(counts.purchases).toBeGreaterThanOrEqual(idsByOrder.size);
      expect(counts.adjustments).toBeGreaterThanOrEqual(acked.adjustments.length);

      console.info(
        `[crash-safety] ${responses} responses (kill after ${killedAt}), ${connectionErrors} connection errors; ` +
          `acknowledged: ${acked.visits} visits, ${acked.signups.length} signups (${idsByEmail.size} emails), ` +
          `${acked.purchases.length} purchases (${idsByOrder.size} orders), ${acked.adjustments.length} adjustments; ` +
          `stored after restart: ${storedVisits} visits, ${counts.entries - ADVOCATES} friend entries, ${counts.purchases} purchases, ` +
          `${counts.adjustments} adjustments; -wal after the kill: ${walBytesAfterKill} bytes`,
      );
    } finally {
      db.close();
    }

    const stopped = await restarted.stop('SIGTERM');
    expect(stopped.code, restarted.output()).toBe(0);
  });
});
