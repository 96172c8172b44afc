import type { Db } from '../../db/sqlite/open-database.js';
import type { ChangeCounter } from '../changes.js';
import { ExpiringMap } from '../expiring-map.js';
import { CROSS_PROCESS_STALENESS_MS, type ContestsRepo, type DailyCounts, type DailyRevenue, type NewContest } from '../repositories.js';
import type { Contest, ContestStats } from '../types.js';
import { toContest, type ContestRow } from '../rows.js';

/** Contests remembered at most; the least recently used goes first. */
const CONTEST_CACHE_MAX = 10_000;

const contestParams = (c: Omit<Contest, 'createdAt' | 'stripeConnected'>) => ({
  id: c.id,
  title: c.title,
  slug: c.slug,
  description: c.description,
  status: c.status,
  mode: c.mode,
  start_date: c.startDate,
  end_date: c.endDate,
  is_evergreen: c.isEvergreen ? 1 : 0,
  advocate_points: c.settings.advocatePoints,
  friend_points: c.settings.friendPoints,
  purchase_points_per_unit: c.settings.purchasePointsPerUnit,
  require_email_confirmation: c.settings.requireEmailConfirmation ? 1 : 0,
  cookie_days: c.settings.cookieDays,
  recurring_purchases: c.settings.recurringPurchases ? 1 : 0,
  browser_purchases: c.settings.browserPurchases,
  fraud_settings: JSON.stringify(c.settings.fraud),
  public_key_contacts: c.settings.publicKeyContacts,
  referral_url: c.settings.referralUrl,
  public_pages: c.settings.publicPages ? 1 : 0,
  leaderboard_frame_ancestors: c.settings.leaderboardFrameAncestors.join(' '),
  updated_at: c.updatedAt,
});

/**
 * Contests are read on every tracking request and change rarely, so reads are cached in memory:
 * dropped on every change made here, on any rolled-back write (see store.forgetCachedReads), and
 * after CROSS_PROCESS_STALENESS_MS so a change made by another process (the CLI) is seen too.
 */
export function createContestsRepo(
  db: Db,
  changes: ChangeCounter,
  contestChanges: ChangeCounter,
  now: () => number = Date.now,
): ContestsRepo & { forgetCached(): void } {
  const cache = new ExpiringMap<Contest>(CROSS_PROCESS_STALENESS_MS, CONTEST_CACHE_MAX, now);
  const insert = db.prepare(`INSERT INTO contests (id, title, slug, description, status, mode,
      start_date, end_date, is_evergreen, advocate_points, friend_points, purchase_points_per_unit,
      require_email_confirmation, cookie_days, webhook_secret_hash, created_at, updated_at,
      recurring_purchases, browser_purchases, fraud_settings, public_key_contacts, referral_url,
      public_pages, leaderboard_frame_ancestors)
    VALUES (@id, @title, @slug, @description, @status, @mode, @start_date, @end_date, @is_evergreen,
      @advocate_points, @friend_points, @purchase_points_per_unit, @require_email_confirmation,
      @cookie_days, @webhook_secret_hash, @created_at, @updated_at, @recurring_purchases,
      @browser_purchases, @fraud_settings, @public_key_contacts, @referral_url, @public_pages,
      @leaderboard_frame_ancestors)`);
  const update = db.prepare(`UPDATE contests SET title = @title, slug = @slug,
      description = @description, status = @status, mode = @mode, start_date = @start_date,
      end_date = @end_date, is_evergreen = @is_evergreen, advocate_points = @advocate_points,
      friend_points = @friend_points, purchase_points_per_unit = @purchase_points_per_unit,
      require_email_confirmation = @require_email_confirmation, cookie_days = @cookie_days,
      updated_at = @updated_at, recurring_purchases = @recurring_purchases,
      browser_purchases = @browser_purchases, fraud_settings = @fraud_settings,
      public_key_contacts = @public_key_contacts, referral_url = @referral_url,
      public_pages = @public_pages, leaderboard_frame_ancestors = @leaderboard_frame_ancestors
    WHERE id = @id`);
  const byId = db.prepare<[string], ContestRow>('SELECT * FROM contests WHERE id = ?');
  const bySlug = db.prepare<[string], ContestRow>('SELECT * FROM contests WHERE slug = ?');
  const all = db.prepare<[], ContestRow & { entries_count: number }>(`SELECT c.*, s.entries_count
    FROM contests c JOIN contest_stats s ON s.contest_id = c.id ORDER BY c.created_at DESC, c.id`);
  const secretHash = db.prepare<[string], { webhook_secret_hash: string }>(
    'SELECT webhook_secret_hash FROM contests WHERE id = ?',
  );
  const stripeSecret = db.prepare<[string], { stripe_webhook_secret: string | null }>(
    'SELECT stripe_webhook_secret FROM contests WHERE id = ?',
  );
  const setStripeSecret = db.prepare('UPDATE contests SET stripe_webhook_secret = ?, updated_at = ? WHERE id = ?');
  const setSecretHash = db.prepare(
    'UPDATE contests SET webhook_secret_hash = ?, updated_at = ? WHERE id = ?',
  );
  // One statement, so an analytics request takes one read transaction (each costs WAL-lock
  // syscalls). max(points) is an index lookup on entries_ranking.
  const stats = db.prepare<[string], ContestStats>(`SELECT entries_count AS entriesCount,
      confirmed_count AS confirmedCount, disqualified_count AS disqualifiedCount,
      views_count AS viewsCount, bonus_completions_count AS bonusCompletionsCount,
      points_total AS pointsTotal,
      coalesce((SELECT max(points) FROM entries WHERE contest_id = s.contest_id), 0) AS highestPoints
    FROM contest_stats s WHERE contest_id = ?`);

  const dailyCounts = db.prepare<[string, number, number], DailyCounts>(`SELECT day, visits,
      signups, referred_signups AS referredSignups, purchases
    FROM contest_daily WHERE contest_id = ? AND day BETWEEN ? AND ?`);
  const dailyRevenue = db.prepare<[string, number, number], DailyRevenue>(`SELECT day, currency,
      amount_minor AS amountMinor
    FROM contest_daily_revenue WHERE contest_id = ? AND day BETWEEN ? AND ?`);

  return {
    async daily(id: string, fromDay: number, toDay: number) {
      return { days: dailyCounts.all(id, fromDay, toDay), revenue: dailyRevenue.all(id, fromDay, toDay) };
    },
    async insert(contest: NewContest, now: number): Promise<Contest> {
      cache.delete(contest.id);
      contestChanges.bump();
      insert.run({
        ...contestParams({ ...contest, updatedAt: now }),
        webhook_secret_hash: contest.webhookSecretHash,
        created_at: now,
      });
      return { ...contest, stripeConnected: false, createdAt: now, updatedAt: now };
    },
    async update(contest: Contest, now: number): Promise<Contest> {
      cache.delete(contest.id);
      changes.bump();
      contestChanges.bump();
      update.run(contestParams({ ...contest, updatedAt: now }));
      return { ...contest, updatedAt: now };
    },
    async get(id: string): Promise<Contest | undefined> {
      const hit = cache.get(id);
      if (hit) return hit;
      const row = byId.get(id);
      if (!row) return undefined;
      const contest = toContest(row);
      cache.set(id, contest);
      return contest;
    },
    forgetCached(): void {
      cache.clear();
    },
    async getBySlug(slug: string): Promise<Contest | undefined> {
      const row = bySlug.get(slug);
      return row && toContest(row);
    },
    async list(): Promise<Array<Contest & { entriesCount: number }>> {
      return all.all().map((row) => ({ ...toContest(row), entriesCount: row.entries_count }));
    },
    async webhookSecretHash(id: string): Promise<string | undefined> {
      return secretHash.get(id)?.webhook_secret_hash;
    },
    async setWebhookSecretHash(id: string, hash: string, now: number): Promise<void> {
      cache.delete(id);
      contestChanges.bump();
      setSecretHash.run(hash, now, id);
    },
    async stats(id: string): Promise<ContestStats | undefined> {
      return stats.get(id);
    },
    async stripeWebhookSecret(id: string): Promise<string | null | undefined> {
      return stripeSecret.get(id)?.stripe_webhook_secret;
    },
    async setStripeWebhookSecret(id: string, secret: string | null, now: number): Promise<void> {
      cache.delete(id);
      contestChanges.bump();
      setStripeSecret.run(secret, now, id);
    },
  };
}
