import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { exportRows, importEntries } from '../../server/collector/data-transfer.js';
import { leaderboard } from '../../server/collector/reports.js';
import { exportQueries, type ExportKind } from '../../server/store/export-queries.js';
import type { Store } from '../../server/store/repositories.js';
import { forEachEngine, postJson, useTestApp, type TestApp } from '../helpers/test-app.js';

async function exportCsv(store: Store, kind: ExportKind, contestId: string, pageSize = 3): Promise<string> {
  const columns = exportQueries[kind].columns;
  const records: unknown[][] = [];
  for await (const page of exportRows(store, kind, contestId, pageSize)) for (const row of page) records.push(columns.map((c) => row[c]));
  return stringify(records, { header: true, columns });
}

async function* csvRows(text: string) {
  for (const row of parse(text, { columns: true, trim: true }) as Array<Record<string, string>>) yield row;
}

/** A contest with referrals, purchases, an adjustment, a tie and a disqualified entry. */
async function busyContest(t: TestApp) {
  const { id } = await t.contest({ title: 'Source' });
  await t.entry(id, { email: 'ann@example.com', name: 'Ann', referralCode: 'ANN' });
  t.advance(1000);
  for (const [i, email] of ['bob@example.com', 'cy@example.com', 'dee@example.com'].entries()) {
    const res = await postJson(t.app, '/api/referral/track-signup', { email, contestId: id, referralCode: i < 2 ? 'ANN' : 'REF-NOPE' });
    // An unknown code still makes an entry, just not a referred one.
    expect(res.body.data.isReferred, JSON.stringify(res.body)).toBe(i < 2);
    t.advance(1000);
  }
  await t.entry(id, { email: 'eve@example.com', name: 'Eve, "the" tester', phone: '+15550001' });
  t.advance(1000);
  await postJson(t.app, '/api/referral/track-purchase', { email: 'bob@example.com', contestId: id, orderId: 'o1', amount: 12, referralCode: 'ANN' });
  return id;
}

forEachEngine((engine) => describe('export and import', () => {
  const t = useTestApp({ engine });

  it('round trip: export entries → import into a new contest → the same leaderboard', async () => {
    const source = await busyContest(t());
    const csv = await exportCsv(t().store, 'entries', source);
    expect(csv.split('\n')[0]).toBe('id,email,name,phone,code,referrer_code,points,email_confirmed,disqualified,created_at');
    const { id: target } = await t().contest({ title: 'Target' });
    const report = await importEntries(t().store, target, csvRows(csv), { batchSize: 2, now: t().ctx.now });
    expect(report).toMatchObject({ rows: 5, imported: 5, skipped: [], rejected: [], batches: 3 });
    const ranking = async (id: string) =>
      (await leaderboard(t().ctx, id, 100)).map((e) => [e.email, e.name, e.points, e.referralCode, e.referralsCount, e.createdAt]);
    expect(await ranking(target)).toEqual(await ranking(source));
    // Importing again doubles nothing.
    const again = await importEntries(t().store, target, csvRows(csv), { now: t().ctx.now });
    expect(again.imported).toBe(0);
    expect(again.skipped.map((s) => s.line)).toEqual([1, 2, 3, 4, 5]);
    expect(await ranking(target)).toEqual(await ranking(source));
    await t().expectInvariants();
  });

  it('bad rows are reported with reasons; a dry run stores nothing', async () => {
    const { id } = await t().contest({ title: 'Imports' });
    await t().entry(id, { email: 'taken@example.com' });
    const csv = [
      'email,name,phone,code,referrer_code,points',
      'ok@example.com,Ok,,OK1,,10',
      'not-an-email,Bad,,,,',
      'taken@example.com,Again,,,,',
      ',,,,,5',
      'friend@example.com,Friend,,,OK1,2',
      'orphan@example.com,Orphan,,,MISSING,',
      'points@example.com,P,,,,lots',
      'ok@example.com,Twice,,,,',
    ].join('\n');
    const counts = await t().counts();
    const dry = await importEntries(t().store, id, csvRows(csv), { dryRun: true, batchSize: 3, now: t().ctx.now });
    expect(await t().counts()).toEqual(counts);
    const real = await importEntries(t().store, id, csvRows(csv), { batchSize: 3, now: t().ctx.now });
    for (const report of [dry, real]) {
      expect(report.imported).toBe(2);
      expect(report.rejected).toEqual([
        { line: 2, reason: 'email must be a valid email address' },
        { line: 4, reason: 'email or phone is required' },
        { line: 6, reason: 'referrer_code MISSING is not a code of this contest (referrers must come first)' },
        { line: 7, reason: 'points must be a number' },
      ]);
      expect(report.skipped).toEqual([
        { line: 3, reason: 'email already has an entry in the contest' },
        { line: 8, reason: 'email already has an entry in the contest' },
      ]);
    }
    const friend = await t().store.entries.findByEmail(id, 'friend@example.com');
    expect(friend?.points).toBe(2);
    expect((await t().store.entries.findByCode(id, 'OK1'))?.referralsCount).toBe(1);
  });

  it('a batch that fails is rolled back whole; earlier batches stay', async () => {
    const { id } = await t().contest({ title: 'Failing' });
    const csv = ['email,points', 'a@example.com,1', 'b@example.com,1', 'c@example.com,1', 'd@example.com,1'].join('\n');
    // The third award fails as a lost connection would, in the middle of the second batch.
    let awards = 0;
    const failing = new Proxy(t().store, {
      get(store, prop, receiver) {
        if (prop !== 'transaction') return Reflect.get(store, prop, receiver);
        return (fn: Parameters<Store['transaction']>[0]) =>
          store.transaction((tx) =>
            fn({
              ...tx,
              ledger: {
                ...tx.ledger,
                award: async (...args: Parameters<typeof tx.ledger.award>) => {
                  if (++awards === 3) throw new Error('connection lost');
                  return tx.ledger.award(...args);
                },
              },
            }),
          );
      },
    });
    await expect(importEntries(failing, id, csvRows(csv), { batchSize: 2, now: t().ctx.now })).rejects.toThrow(
      'batch 2 (lines 3-4) failed and was rolled back: connection lost',
    );
    const { rows } = await t().store.entries.list(id, { limit: 10, offset: 0 });
    // Sorted: a and b tie on points and on the pinned clock, so the list orders them by id.
    expect(rows.map((e) => e.email).sort()).toEqual(['a@example.com', 'b@example.com']);
    await t().expectInvariants();
  });

  it('exports purchases, ledger and visits page by page, each row once', async () => {
    const id = await busyContest(t());
    await postJson(t().app, '/api/referral/track-visit', { referralCode: 'ANN', contestId: id, url: 'https://shop.test/a' });
    await postJson(t().app, '/api/referral/track-visit', { referralCode: 'ANN', contestId: id, url: 'https://shop.test/b' });
    const rows = async (kind: ExportKind) => parse(await exportCsv(t().store, kind, id, 1), { columns: true }) as Array<Record<string, string>>;
    expect((await rows('purchases')).map((p) => [p.order_id, p.amount_minor, p.currency])).toEqual([['o1', '1200', 'USD']]);
    const ledger = await rows('ledger');
    expect(ledger.reduce((sum, row) => sum + Number(row.delta), 0)).toBe((await t().store.contests.stats(id))!.pointsTotal);
    expect(new Set(ledger.map((row) => row.id)).size).toBe(ledger.length);
    expect((await rows('visits')).map((v) => v.url)).toEqual(['https://shop.test/a', 'https://shop.test/b']);
  });
}));
