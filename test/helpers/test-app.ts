import { afterEach, beforeEach, describe, expect, inject } from 'vitest';
import { buildApp, type App, type AppOptions } from '../../server/app.js';
import { createApiKey } from '../../server/collector/api-keys.js';
import { createContest, type ContestInput } from '../../server/collector/contests.js';
import type { CollectorContext } from '../../server/collector/context.js';
import { requireContest } from '../../server/collector/context.js';
import { insertEntry, type NewEntryInput } from '../../server/collector/entries.js';
import { openStore } from '../../server/store/open-store.js';
import type { Row, Store, TableName } from '../../server/store/repositories.js';
import type { Entry } from '../../server/store/types.js';
import { acquirePooledDatabase } from './postgres.js';

export const T0 = Date.parse('2026-01-15T12:00:00.000Z');

/** The storage engines every behaviour suite runs on. */
export const ENGINES = ['sqlite', 'postgres'] as const;
export type Engine = (typeof ENGINES)[number];

/** Runs a suite once per engine, from one source: `forEachEngine((engine) => { … })`. */
export function forEachEngine(suite: (engine: Engine) => void): void {
  describe.each(ENGINES)('on %s', (engine) => suite(engine));
}

/**
 * A fresh, empty, migrated store: SQLite `:memory:`, or a PostgreSQL database on the test server
 * (test/global-setup.ts starts one, or REFROCKET_TEST_PG_URL names one), recycled from this
 * worker's pool and emptied before it is handed out (see acquirePooledDatabase). `close()` also
 * gives the PostgreSQL database back to the pool; stores open at once get different databases.
 */
export async function openTestStore(engine: Engine): Promise<Store> {
  if (engine === 'sqlite') return openStore(':memory:');
  const database = await acquirePooledDatabase(inject('pgUrl'));
  let store: Store;
  try {
    store = await openStore(database.url);
  } catch (error) {
    database.release();
    throw error;
  }
  const close = store.close.bind(store);
  let closed = false;
  return Object.assign(store, {
    async close() {
      if (closed) return close(); // fails as a second close does, without releasing twice
      closed = true;
      try {
        await close();
      } finally {
        database.release();
      }
    },
  });
}

export interface TestApp {
  app: App;
  /** The app's store: the repositories for direct reads, `tables` for raw rows. */
  store: Store;
  engine: Engine;
  /** The rules' context on the store, with the pinned clock. */
  ctx: CollectorContext;
  /** Moves the pinned clock. */
  setNow(ms: number): void;
  advance(ms: number): void;
  contest(input?: Partial<ContestInput>): Promise<{ id: string; webhookSecret: string }>;
  entry(contestId: string, input: NewEntryInput): Promise<Entry>;
  apiKey(type: 'public' | 'private'): Promise<string>;
  /** Row counts of every table that holds tracked data: "nothing changed" checks compare these. */
  counts(): Promise<Record<string, number>>;
  /** Every row of a table, in primary-key order, as the engine stored it. */
  rows(table: TableName): Promise<Row[]>;
  /** Fails when any entry's points differ from its ledger sum, or a contest's counters are off. */
  expectInvariants(): Promise<void>;
}

const TRACKED_TABLES: TableName[] = ['contests', 'entries', 'visits', 'purchases', 'points_ledger', 'bonus_completions', 'api_keys', 'hub_tokens'];

export async function createTestApp(options: AppOptions & { engine?: Engine } = {}): Promise<TestApp> {
  const { engine = 'sqlite', ...appOptions } = options;
  let now = T0;
  const store = appOptions.store ?? (await openTestStore(engine));
  const app = buildApp({ now: () => now, validateResponses: true, store, closeStore: true, ...appOptions });
  await app.ready();
  const ctx: CollectorContext = { store, now: () => now };
  const inTransaction = <T>(fn: (tx: CollectorContext) => Promise<T>) =>
    store.transaction((tx) => fn({ store: tx, now: () => now }));
  const rows = async (table: TableName) => store.tables.page(table, undefined, 1_000_000);
  return {
    app,
    store,
    engine,
    ctx,
    setNow: (ms) => void (now = ms),
    advance: (ms) => void (now += ms),
    async contest(input = {}) {
      const { contest, webhookSecret } = await inTransaction((tx) =>
        createContest(tx, { title: 'Summer Giveaway 2025', ...input }),
      );
      return { id: contest.id, webhookSecret };
    },
    entry: (contestId, input) =>
      inTransaction(async (tx) => insertEntry(tx, await requireContest(tx, contestId), input)),
    apiKey: async (type) => (await inTransaction((tx) => createApiKey(tx, type))).key,
    async counts() {
      const counts: Record<string, number> = {};
      for (const table of TRACKED_TABLES) counts[table] = await store.tables.count(table);
      return counts;
    },
    rows,
    async expectInvariants() {
      expect(await store.invariantViolations(), 'ledger sums and contest counters').toEqual([]);
    },
  };
}

/**
 * One fresh app per test, closed afterwards, with the ledger invariant checked after every test.
 * Use `t()` inside a test to get the current one.
 */
export function useTestApp(options: AppOptions & { engine?: Engine } = {}): () => TestApp {
  let current: TestApp | undefined;
  beforeEach(async () => {
    current = await createTestApp(options);
  });
  afterEach(async () => {
    if (!current) return;
    try {
      await current.expectInvariants();
    } finally {
      await current.app.close();
      current = undefined;
    }
  });
  return () => {
    if (!current) throw new Error('useTestApp: no app outside a test');
    return current;
  };
}

/**
 * A desktop browser's user agent. light-my-request's own ("lightMyRequest") is, rightly, a bot to
 * the isbot list, and bots' visits are not stored: requests that stand for a person send this.
 */
export const BROWSER_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** POSTs JSON the way the docs' curl/fetch/requests examples do, from a browser's user agent. */
export async function postJson(app: App, url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA, ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.statusCode, body: res.json(), headers: res.headers };
}
