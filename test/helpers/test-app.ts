import { afterEach, beforeEach, expect } from 'vitest';
import { buildApp, type App, type AppOptions } from '../../server/app.js';
import { createApiKey } from '../../server/collector/api-keys.js';
import { createContest, type ContestInput } from '../../server/collector/contests.js';
import { insertEntry, type NewEntryInput } from '../../server/collector/entries.js';
import { requireContest } from '../../server/collector/context.js';

export const T0 = Date.parse('2026-01-15T12:00:00.000Z');

export interface TestApp {
  app: App;
  /** Moves the pinned clock. */
  setNow(ms: number): void;
  advance(ms: number): void;
  contest(input?: Partial<ContestInput>): { id: string; webhookSecret: string };
  entry(contestId: string, input: NewEntryInput): ReturnType<typeof insertEntry>;
  apiKey(type: 'public' | 'private'): string;
  /** Row counts of every table that holds tracked data: "nothing changed" checks compare these. */
  counts(): Record<string, number>;
  /** Fails when any entry's points differ from its ledger sum, or a contest total is off. */
  expectInvariants(): void;
}

const TRACKED_TABLES = ['contests', 'entries', 'visits', 'purchases', 'points_ledger', 'bonus_completions', 'api_keys'];

export async function createTestApp(options: AppOptions = {}): Promise<TestApp> {
  let now = T0;
  const app = buildApp({ now: () => now, validateResponses: true, ...options });
  await app.ready();
  const ctx = app.collector;
  const db = app.store.db;
  return {
    app,
    setNow: (ms) => void (now = ms),
    advance: (ms) => void (now += ms),
    contest(input = {}) {
      const { contest, webhookSecret } = createContest(ctx, { title: 'Summer Giveaway 2025', ...input });
      return { id: contest.id, webhookSecret };
    },
    entry(contestId, input) {
      return app.store.transaction(() => insertEntry(ctx, requireContest(ctx, contestId), input));
    },
    apiKey: (type) => createApiKey(ctx, type).key,
    counts() {
      return Object.fromEntries(
        TRACKED_TABLES.map((t) => [t, db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number]),
      );
    },
    expectInvariants() {
      expect(app.store.ledger.mismatches(), 'entries whose points differ from their ledger sum').toEqual([]);
      const totals = db
        .prepare(`SELECT s.contest_id, s.points_total, coalesce(sum(e.points), 0) AS entries_sum,
            s.entries_count, count(e.id) AS entries_rows
          FROM contest_stats s LEFT JOIN entries e ON e.contest_id = s.contest_id
          GROUP BY s.contest_id`)
        .all() as Array<{ points_total: number; entries_sum: number; entries_count: number; entries_rows: number }>;
      for (const row of totals) {
        expect(row.points_total).toBe(row.entries_sum);
        expect(row.entries_count).toBe(row.entries_rows);
      }
    },
  };
}

/**
 * One fresh app per test, closed afterwards, with the ledger invariant checked after every test.
 * Use `t()` inside a test to get the current one.
 */
export function useTestApp(options: AppOptions = {}): () => TestApp {
  let current: TestApp | undefined;
  beforeEach(async () => {
    current = await createTestApp(options);
  });
  afterEach(async () => {
    if (!current) return;
    current.expectInvariants();
    await current.app.close();
    current = undefined;
  });
  return () => {
    if (!current) throw new Error('useTestApp: no app outside a test');
    return current;
  };
}

/** POSTs JSON the way the docs' curl/fetch/requests examples do. */
export async function postJson(app: App, url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.statusCode, body: res.json(), headers: res.headers };
}
